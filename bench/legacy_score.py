"""Legacy-encoding benchmark: read each legacy-encodings document and score its diacritics against the transcript."""
from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
import time
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path

DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "shared" / "data" / "legacy-encodings"
TARGET = 0.95
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class DocScore:
    """Scores of one document; accuracies are shares of ground-truth characters."""

    file: str
    subset: str  # "public-domain" | "synthetic"
    labelled: str  # encoding recorded in PROVENANCE.md
    detected: str | None  # encoding the reader reported
    diacritic: float  # diacritic-bearing letters reproduced exactly (case-sensitive, METRIC.md)
    diacritic_nocase: float  # the same, ignoring letter case
    char: float  # all characters matched by the alignment
    n_diacritic: int
    seconds: float
    error: str | None = None


def _prepare(text: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def _base(ch: str) -> str:
    if ch in "đĐ":
        return "d"
    stripped = "".join(c for c in unicodedata.normalize("NFD", ch) if unicodedata.category(c) != "Mn")
    return (stripped[:1] or ch).lower()


def has_diacritic(ch: str) -> bool:
    """A letter whose identity depends on a diacritic: it decomposes to a combining mark, or is đ/Đ."""
    return ch in "đĐ" or any(unicodedata.category(c) == "Mn" for c in unicodedata.normalize("NFD", ch))


def align(truth: str, output: str) -> list[tuple[int, int]]:
    """Pairs (truth index, output index) of characters aligned on their base letters.

    Word-level difflib first (char-level difflib on whole documents is quadratic), then
    char-level inside the stretches where the words differ.
    """
    tb = "".join(_base(c) for c in truth)
    ob = "".join(_base(c) for c in output)
    t_tokens, t_starts = _tokens(tb)
    o_tokens, o_starts = _tokens(ob)
    pairs: list[tuple[int, int]] = []
    matcher = difflib.SequenceMatcher(None, t_tokens, o_tokens, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                ts, os_ = t_starts[i1 + k], o_starts[j1 + k]
                # The token and the single space after it (whitespace is collapsed on both sides).
                length = len(t_tokens[i1 + k]) + (tb[ts + len(t_tokens[i1 + k]):][:1] == ob[os_ + len(o_tokens[j1 + k]):][:1] == " ")
                pairs.extend((ts + m, os_ + m) for m in range(length))
        elif tag == "replace":
            ta, tz = t_starts[i1], t_starts[i2 - 1] + len(t_tokens[i2 - 1])
            oa, oz = o_starts[j1], o_starts[j2 - 1] + len(o_tokens[j2 - 1])
            if (tz - ta) * (oz - oa) > 4_000_000:
                continue  # a huge rewritten stretch: count it as lost rather than stall
            inner = difflib.SequenceMatcher(None, tb[ta:tz], ob[oa:oz], autojunk=False)
            for block in inner.get_matching_blocks():
                pairs.extend((ta + block.a + m, oa + block.b + m) for m in range(block.size))
    return pairs


def _tokens(text: str) -> tuple[list[str], list[int]]:
    tokens, starts = [], []
    for match in re.finditer(r"\S+", text):
        tokens.append(match.group())
        starts.append(match.start())
    return tokens, starts


def score_text(truth: str, output: str) -> tuple[float, float, float, int]:
    """(diacritic accuracy, the same ignoring case, char accuracy, diacritic letters in the truth)."""
    truth, output = _prepare(truth), _prepare(output)
    marked = [i for i, ch in enumerate(truth) if has_diacritic(ch)]
    pairs = align(truth, output)
    exact = sum(1 for i, j in pairs if truth[i] == output[j])
    by_truth = {i: j for i, j in pairs}
    hit = sum(1 for i in marked if i in by_truth and truth[i] == output[by_truth[i]])
    hit_nocase = sum(1 for i in marked if i in by_truth and truth[i].lower() == output[by_truth[i]].lower())
    n = len(marked)
    return (hit / n if n else 1.0, hit_nocase / n if n else 1.0, exact / max(len(truth), 1), n)


def labelled_documents(root: Path) -> dict[str, str]:
    """File name → encoding, for the `ready` rows of PROVENANCE.md."""
    rows = {}
    for line in (root / "PROVENANCE.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) >= 8 and cells[6] == "ready":
            rows[cells[0]] = cells[5]
    return rows


def documents(root: Path) -> list[tuple[Path, Path, str, str]]:
    """(document, transcript, subset, labelled encoding) for every scored document."""
    labels = labelled_documents(root)
    found = []
    for path in sorted((root / "corpus").rglob("*")):
        if not path.is_file() or path.name not in labels:
            continue
        subset = "synthetic" if "synthetic" in path.parts else "public-domain"
        truth_dir = root / ("ground-truth-synthetic" if subset == "synthetic" else "ground-truth")
        truth = truth_dir / f"{path.stem}.txt"
        if truth.is_file():
            found.append((path, truth, subset, labels[path.name]))
    return found


def score_document(path: Path, truth: Path, subset: str, labelled: str) -> DocScore:
    from indexer.read.readers import read_file

    started = time.perf_counter()
    try:
        raw = read_file(path, max_bytes=None)
    except Exception as error:  # noqa: BLE001 - a reader failure is a scored failure, never dropped
        return DocScore(path.name, subset, labelled, None, 0.0, 0.0, 0.0, 0, time.perf_counter() - started, str(error))
    output = "\n".join(raw.pages)
    diacritic, nocase, char, n = score_text(truth.read_text(encoding="utf-8"), output)
    return DocScore(path.name, subset, labelled, raw.encoding, diacritic, nocase, char, n, time.perf_counter() - started)


def summarise(scores: list[DocScore]) -> list[str]:
    lines = []
    for subset in ("public-domain", "synthetic"):
        group = [s for s in scores if s.subset == subset]
        if not group:
            continue
        lines.append(f"== {subset} ({len(group)} documents){' — self-consistency only' if subset == 'synthetic' else ''}")
        for label in sorted({s.labelled for s in group}):
            docs = [s for s in group if s.labelled == label]
            for field in ("diacritic", "diacritic_nocase"):
                values = sorted(getattr(s, field) for s in docs)
                ok = sum(v >= TARGET for v in values)
                lines.append(
                    f"  {label:10s} {field:17s} ≥{TARGET}: {ok}/{len(docs)}  min {values[0]:.3f}  "
                    f"median {values[len(values) // 2]:.3f}  histogram {_histogram(values)}"
                )
        legacy = [s for s in group if s.labelled in ("tcvn3", "vni", "tcvn3+vni")]
        if legacy:
            ok = sum(s.diacritic >= TARGET for s in legacy)
            ok_nocase = sum(s.diacritic_nocase >= TARGET for s in legacy)
            lines.append(
                f"  TCVN3+VNI documents ≥{TARGET}: {ok}/{len(legacy)} = {ok / len(legacy):.1%} (case-sensitive), "
                f"{ok_nocase}/{len(legacy)} = {ok_nocase / len(legacy):.1%} (ignoring case); target 90%"
            )
        failures = [s for s in group if s.error]
        lines.append(f"  reader failures: {len(failures)}" + "".join(f"\n    {s.file}: {s.error}" for s in failures))
    return lines


def _histogram(values: list[float]) -> str:
    edges = [(0.0, 0.5), (0.5, 0.8), (0.8, 0.9), (0.9, 0.95), (0.95, 0.99), (0.99, 1.01)]
    return " ".join(f"[{lo:.2f},{min(hi, 1):.2f}{']' if hi > 1 else ')'}:{sum(lo <= v < hi for v in values)}" for lo, hi in edges)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.legacy_score", description=__doc__)
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="the legacy-encodings data set")
    parser.add_argument("--only", default="", help="score only files whose name contains this")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = parser.parse_args(argv)
    scores = []
    for path, truth, subset, labelled in documents(args.root):
        if args.only not in path.name:
            continue
        score = score_document(path, truth, subset, labelled)
        scores.append(score)
        if not args.json:
            print(
                f"{score.diacritic:6.3f} {score.diacritic_nocase:6.3f} {score.char:6.3f} {score.n_diacritic:6d} "
                f"{score.labelled:9s} {str(score.detected):9s} {score.seconds:5.1f}s {score.file}"
                + (f"  ERROR {score.error}" if score.error else ""),
                flush=True,
            )
    summary = summarise(scores)
    if args.json:
        print(json.dumps({"documents": [asdict(s) for s in scores], "summary": summary}, ensure_ascii=False, indent=1))
    else:
        print("\n".join(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
