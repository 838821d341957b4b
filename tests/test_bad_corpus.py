"""Issue 14's target: a corpus of bad inputs beside good ones, indexed by the real command.

Bad: 1 MB of words without sentence punctuation (the blocker: it used to give a 408–557 MB index), a zip bomb
.docx, a PDF bomb, binary junk named .txt, a DOCX nested thousands of levels deep, a file that disappears while the
build runs, a file without read permission; the slow variant adds a 200 MB text and 3,000 tiny files. Every bad
file must be reported (failed/skipped with a reason) or indexed within bounds, every good file indexed, the exit
status 0, no traceback; peak memory and index size are printed and bounded.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_bad_files import bomb_pdf, docx_bomb  # noqa: E402
from test_bounds import word_run  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SEEDS = sorted((REPO / "corpus").glob("*.txt"))

# Runs `tracuu` in this process after arranging for z_vanish.txt to be deleted while the build reads a_trigger.txt
# (the reading happens in a forked child, which deletes the real file), then prints the peak memory of the command
# and of the per-file children.
_RUNNER = r"""
import os, resource, sys
from pathlib import Path
import indexer.pipeline as pipeline
real = pipeline.process_file
def process_file(path, *args, **kwargs):
    if Path(path).name == "a_trigger.txt":
        (Path(path).parent / "z_vanish.txt").unlink(missing_ok=True)
    return real(path, *args, **kwargs)
pipeline.process_file = process_file
from search.cli.app import main
status = main(sys.argv[1:])
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"PEAK_RSS_KB {own} {children}", file=sys.stderr)
sys.exit(status)
"""


def deep_docx(path: Path, depth: int = 5000) -> None:
    """A valid .docx (made by python-docx) whose body is a table nested `depth` levels deep."""
    import docx

    plain = path.with_suffix(".plain.docx")
    docx.Document().save(str(plain))
    body = "<w:tbl><w:tr><w:tc>" * depth + "<w:p><w:r><w:t>sâu</w:t></w:r></w:p>" + "</w:tc></w:tr></w:tbl>" * depth
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                text = data.decode("utf-8")
                start = text.index("<w:body>") + len("<w:body>")
                data = (text[:start] + body + text[start:]).encode("utf-8")
            target.writestr(item, data)
    plain.unlink()


def _no_read_command() -> list[str] | None:
    """A command prefix under which a mode-000 file cannot be read: none needed for a normal user; for root,
    setpriv without the capabilities that bypass permissions; None when neither is possible."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv"):
        return ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    return None


def make_bad_corpus(root: Path, slow: bool) -> tuple[set[str], dict[str, str]]:
    """(good sources, bad source → words its reason must contain, "" when indexing it within bounds is fine)."""
    root.mkdir(parents=True)
    good = set()
    for seed in SEEDS:
        shutil.copy(seed, root / seed.name)
        good.add(seed.name)
    (root / "a_trigger.txt").write_text("Kế hoạch kích hoạt.\nSở Nội vụ báo cáo hàng quý.\n", encoding="utf-8")
    good.add("a_trigger.txt")
    bad = {}
    (root / "blocker.txt").write_text(word_run(random.Random(14), 1 << 20), encoding="utf-8")
    bad["blocker.txt"] = ""  # indexed, with every unit bounded
    docx_bomb(root / "bomb.docx")
    bad["bomb.docx"] = "bom nén"
    (root / "bomb.pdf").write_bytes(bomb_pdf())
    bad["bomb.pdf"] = "bom giải nén"
    (root / "junk.txt").write_bytes(random.Random(3).randbytes(200_000))
    bad["junk.txt"] = "nhị phân"
    deep_docx(root / "deep.docx")
    bad["deep.docx"] = ""  # reported as damaged or read: either way without a traceback
    (root / "z_vanish.txt").write_text("Kế hoạch sẽ biến mất.\n", encoding="utf-8")
    bad["z_vanish.txt"] = "không"
    if _no_read_command() is not None:
        locked = root / "khong_quyen.txt"
        locked.write_text("Kế hoạch không được đọc.\n", encoding="utf-8")
        locked.chmod(0)
        bad["khong_quyen.txt"] = "không đọc được tệp"
    if slow:
        block = "Sở Tài chính báo cáo tình hình thực hiện kế hoạch hàng tháng.\n".encode("utf-8") * 16384
        with open(root / "lon_200mb.txt", "wb") as handle:
            for _ in range(200 * 1024 * 1024 // len(block) + 1):
                handle.write(block)
        bad["lon_200mb.txt"] = "quá lớn"
        tiny = root / "nho"
        tiny.mkdir()
        for i in range(3000):
            (tiny / f"{i:04d}.txt").write_text(f"Kế hoạch nhỏ số {i}/KH-UBND.\nXã {i} báo cáo hàng năm về "
                                               f"việc số {i}.\n", encoding="utf-8")
            good.add(f"nho/{i:04d}.txt")
    return good, bad


def run_bad_corpus(tmp_path: Path, slow: bool) -> None:
    corpus = tmp_path / "corpus"
    good, bad = make_bad_corpus(corpus, slow)
    index_dir = tmp_path / "index"
    prefix = _no_read_command() or []
    result = subprocess.run([*prefix, sys.executable, "-c", _RUNNER, "index", str(corpus), "--index", str(index_dir),
                             "--no-dense", "--json"], capture_output=True, text=True, cwd=REPO, timeout=900,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    outcomes = {f["source"]: f for f in report["files"]}
    not_indexed = {s: o["status"] for s, o in outcomes.items() if s in good and o["status"] != "indexed"}
    assert not not_indexed, not_indexed
    for source, words in bad.items():
        outcome = outcomes[source]
        if words:
            assert outcome["status"] in ("failed", "skipped") and words in outcome["reason"], outcome
        else:
            assert outcome["status"] in ("indexed", "failed", "skipped"), outcome
            assert outcome["status"] == "indexed" or outcome["reason"], outcome
    own_kb, children_kb = map(int, result.stderr.split("PEAK_RSS_KB ")[1].split()[:2])
    index_bytes = sum(p.stat().st_size for p in index_dir.rglob("*") if p.is_file())
    print(f"\nbad corpus ({len(good)} good, {len(bad)} bad files): peak RSS {own_kb / 1024:.0f} MB (command), "
          f"{children_kb / 1024:.0f} MB (largest per-file child); index {index_bytes / 1e6:.1f} MB; "
          + ", ".join(f"{s}: {outcomes[s]['status']}" for s in sorted(bad)))
    assert max(own_kb, children_kb) < 2_500_000  # KB
    assert index_bytes < 60_000_000


def test_bad_corpus(tmp_path: Path):
    run_bad_corpus(tmp_path, slow=False)


@pytest.mark.slow
def test_bad_corpus_with_200_mb_text_and_3000_tiny_files(tmp_path: Path):
    run_bad_corpus(tmp_path, slow=True)
