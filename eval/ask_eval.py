"""Score `ask`: list questions by precision and recall of the returned document set against a complete expected set;
fact and meta questions by whether the first plan is an expected document and its quote holds the expected evidence.

Usage: PYTHONPATH=. python eval/ask_eval.py QUESTIONS.jsonl [MORE.jsonl …] --index DIR [--out rows.jsonl]
Each line: {"id", "kind": "list", "q", "docs": [file stems], optional "added": when the question was added}; other
kinds are skipped. Prints one row per question (precision, recall, missing, extra) and the mean precision / recall per
file, apart for each "added" value (questions written after a change was tuned are reported on their own); nothing is
written to the index (open a copy if the command could write).
"""
from __future__ import annotations

import argparse
import json
import unicodedata
from pathlib import Path


def _stem(source: str) -> str:
    """File stem in NFC: file names on disk may be stored decomposed (NFD)."""
    return unicodedata.normalize("NFC", Path(source).stem)


def score(searcher, rows: list[dict]) -> list[dict]:
    """One result per list question: {"id", "precision", "recall", "missing", "extra"} (sets of file stems)."""
    from search.answer.compose import ask

    results = []
    for row in rows:
        if row.get("kind") != "list":
            continue
        got = {_stem(p.source) for p in ask(searcher, row["q"]).plans}
        want = {unicodedata.normalize("NFC", d) for d in row["docs"]}
        hit = len(got & want)
        results.append({"id": row["id"], "q": row["q"], "precision": hit / len(got) if got else 0.0,
                        "recall": hit / len(want) if want else 1.0, "missing": sorted(want - got),
                        "extra": sorted(got - want)})
    return results


def score_facts(searcher, rows: list[dict], kind: str = "fact") -> list[dict]:
    """One result per fact question: does the answer cite an expected document ("doc"), and does its quote hold the
    expected evidence text of that document ("value"; spaces and case ignored)."""
    from search.answer.compose import ask

    results = []
    for row in rows:
        if row.get("kind") != kind:
            continue
        answer = ask(searcher, row["q"])
        doc_ok = value_ok = False
        for plan in answer.plans[:1]:
            stem = _stem(plan.source)
            docs = {unicodedata.normalize("NFC", d): d for d in row["docs"]}
            doc_ok = stem in docs
            wanted = " ".join(str((row.get("evidence") or {}).get(docs.get(stem, ""), "")).lower().split())
            quotes = " ".join(" ".join(c.quote.lower().split()) for c in plan.citations)
            value_ok = bool(doc_ok and wanted and wanted in quotes)
        results.append({"id": row["id"], "q": row["q"], "doc": doc_ok, "value": value_ok})
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--index", required=True)
    parser.add_argument("--out")
    args = parser.parse_args()
    from search.retrieve.searcher import Searcher

    searcher = Searcher.open(args.index)
    everything = []
    for name in args.files:
        rows = [json.loads(line) for line in open(name, encoding="utf-8") if line.strip()]
        results = score(searcher, rows)
        everything += results
        for r in results:
            print(f"{r['id']}  P={r['precision']:.2f} R={r['recall']:.2f}  thiếu={len(r['missing'])} "
                  f"thừa={len(r['extra'])}  {r['q'][:70]}")
        groups = {row["id"]: row.get("added", "") for row in rows}
        for added in sorted({groups[r["id"]] for r in results}):
            part = [r for r in results if groups[r["id"]] == added]
            p = sum(r["precision"] for r in part) / len(part)
            rc = sum(r["recall"] for r in part) / len(part)
            exact = sum(r["precision"] == 1.0 and r["recall"] == 1.0 for r in part)
            label = f"{name} (thêm ở {added})" if added else name
            print(f"== {label}: {len(part)} câu hỏi danh sách, precision {p:.3f}, recall {rc:.3f}, đúng trọn {exact}")
        for kind, said in (("fact", "sự kiện"), ("meta", "số/ngày/cơ quan của văn bản")):
            facts = score_facts(searcher, rows, kind)
            everything += facts
            if facts:
                print(f"== {name}: {len(facts)} câu hỏi {said}, đúng văn bản "
                      f"{sum(r['doc'] for r in facts) / len(facts):.3f}, "
                      f"trích dẫn chứa giá trị {sum(r['value'] for r in facts) / len(facts):.3f}")
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            for r in everything:
                handle.write(json.dumps(r, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
