"""The benchmark query set: syllable spans drawn from the passages (some without diacritics) plus the dev queries."""
from __future__ import annotations

import json
import random
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from bench.synth import SHARED

DEV_QUERIES = SHARED / "eval" / "dev-queries.jsonl"
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class BenchQuery:
    """One query; kind is "span", "span_unaccented" or "dev"; row is the passage a span was cut from."""

    text: str
    kind: str
    row: int | None = None


def strip_diacritics(text: str) -> str:
    """What a user typing without a Vietnamese keyboard writes: no marks, đ → d."""
    bare = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare.replace("đ", "d").replace("Đ", "D"))


def load_dev_queries(path: Path = DEV_QUERIES) -> list[str]:
    if not Path(path).exists():
        return []
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line)["q"] for line in handle if line.strip()]


def make_queries(
    passages: Sequence[str],
    n: int = 200,
    seed: int = 0,
    unaccented_share: float = 0.25,
    dev_path: Path | None = DEV_QUERIES,
) -> list[BenchQuery]:
    """n queries: the dev queries first, then random 3–8 syllable spans of random passages."""
    if not passages:
        raise ValueError("cannot draw queries from an empty passage list")
    rng = random.Random(seed)
    queries = [BenchQuery(q, "dev") for q in (load_dev_queries(dev_path) if dev_path else [])][:n]
    attempts = 0
    while len(queries) < n:
        attempts += 1
        if attempts > 100 * n:
            raise ValueError("passages are too short to draw 3–8 syllable queries from")
        row = rng.randrange(len(passages))
        words = _WORD.findall(passages[row])
        length = rng.randint(3, 8)
        if len(words) < length:
            continue
        start = rng.randrange(len(words) - length + 1)
        span = " ".join(words[start : start + length])
        if rng.random() < unaccented_share:
            queries.append(BenchQuery(strip_diacritics(span).lower(), "span_unaccented", row))
        else:
            queries.append(BenchQuery(span, "span", row))
    return queries
