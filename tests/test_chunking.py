"""Section chunks: exact offsets, full coverage, section paths, heading trails, pages, deterministic ids."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.structure.chunking import ChunkingParams, chunk_document
from indexer.model import NormalizedText, PageSpan
from indexer.pipeline import MARKUP_FORMATS
from indexer.read.readers import read_file
from indexer.structure.parse import parse_structure
from indexer.text.vntext import normalize_pages

REPO = Path(__file__).parents[1]
SHARED = REPO.parent / "shared"
NINHBINH = SHARED / "data" / "ninhbinh-pdfs"
LUONGMINH = SHARED / "data" / "luongminh-docs"
SEEDS = sorted((REPO / "corpus").glob("*.txt"))


def chunk_file(path: Path, params: ChunkingParams | None = None):
    # As the pipeline normalises (markup out of the text), page spans kept so that page numbers can be checked.
    raw = read_file(path)
    norm = normalize_pages(raw.pages, markup=raw.format in MARKUP_FORMATS)
    structure = parse_structure(norm.text, marks=norm.marks)
    return norm, structure, chunk_document("doc", norm, structure, params or ChunkingParams())


def assert_exact_and_complete(norm: NormalizedText, chunks) -> None:
    """Every chunk is the text at its offsets, chunks are in order, and every visible character is in a chunk."""
    covered = bytearray(len(norm.text))
    previous_start = -1
    for chunk in chunks:
        assert chunk.text == norm.text[chunk.start:chunk.end]
        assert chunk.text and chunk.text == chunk.text.strip()
        assert chunk.start >= previous_start
        previous_start = chunk.start
        covered[chunk.start:chunk.end] = b"\x01" * (chunk.end - chunk.start)
    lost = [ch for ch, hit in zip(norm.text, covered) if not hit and not ch.isspace()]
    assert lost == []


def chunk_with(chunks, phrase: str):
    found = [c for c in chunks if phrase in c.text]
    assert found, phrase
    return found[0]


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_seed_chunks_are_exact_and_cover_the_text(path):
    norm, structure, chunks = chunk_file(path)
    assert_exact_and_complete(norm, chunks)
    assert all(len(c.text) <= ChunkingParams().max_chars for c in chunks)
    assert [c.chunk_id for c in chunks] == [f"doc:{i}" for i in range(len(chunks))]
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))


@pytest.mark.parametrize("prefix, phrase, path, trail", [
    ("002", "định kỳ hàng quý báo cáo UBND tỉnh", "II.9", "II. Nội dung thực hiện › 9. Phối hợp với Mặt trận"),
    ("004", "trước ngày 10/5/2023", "III.1", "III. TỔ CHỨC THỰC HIỆN › 1. Văn phòng và Tổ chức đoàn thể"),
    ("003", "92%", "A.II.2", "A. TRIỂN KHAI"),
    ("000", "Tổ Công tác 1717", "II.3", "II. Nội dung phối hợp › 3. Thường xuyên trao đổi"),
])
def test_seed_sentences_land_in_their_section(prefix, phrase, path, trail):
    norm, structure, chunks = chunk_file(next((REPO / "corpus").glob(f"{prefix}_*.txt")))
    chunk = chunk_with(chunks, phrase)
    assert chunk.section == path
    assert chunk.heading.startswith(trail)
    assert chunk.heading == " › ".join(chunk.headings)
    assert chunk.page_start == chunk.page_end == 1


def test_whole_paragraph_stays_together():
    norm, structure, chunks = chunk_file(next((REPO / "corpus").glob("000_*.txt")))
    paragraph = next(p for p in norm.text.split("\n\n") if "Tổ Công tác 1717" in p)
    assert paragraph in chunk_with(chunks, "Tổ Công tác 1717").text


def test_preamble_and_tail_chunks():
    norm, structure, chunks = chunk_file(next((REPO / "corpus").glob("002_*.txt")))
    head, tail = chunks[0], chunks[-1]
    assert (head.section, head.heading) == ("", "Phần đầu") and head.start == 0
    assert "Số: 80 /KH-UBND" in head.text and "như sau:" in head.text
    assert (tail.section, tail.heading) == ("", "Nơi nhận")
    assert tail.text.startswith("Nơi nhận:") and tail.text.endswith("Trần Ngọc Căng")
    assert tail.start == structure.body_end


def test_bare_heading_joins_first_item():
    norm, structure, chunks = chunk_file(next((REPO / "corpus").glob("002_*.txt")))
    first = chunk_with(chunks, "II. Nội dung thực hiện")
    assert first.section == "II.1" and first.text.startswith("II. Nội dung thực hiện")
    assert not any(c.text.strip() in {"II. Nội dung thực hiện", "III. Tổ chức thực hiện"} for c in chunks)


def test_long_item_split_at_sentence_boundaries():
    params = ChunkingParams(max_chars=300)
    norm, structure, chunks = chunk_file(next((REPO / "corpus").glob("002_*.txt")), params)
    assert_exact_and_complete(norm, chunks)
    pieces = [c for c in chunks if c.section == "II.9"]
    assert len(pieces) >= 3
    assert all(len(c.text) <= 300 for c in chunks)
    # every piece but the last ends at a sentence or clause boundary, never inside a word
    for piece in pieces[:-1]:
        following = norm.text[piece.end:piece.end + 1]
        assert piece.text[-1] in ".;,:)" or following in (" ", "\n"), piece.text[-20:]


def test_overlap_is_bounded_and_offsets_stay_exact():
    params = ChunkingParams(max_chars=120, overlap=50)
    norm, structure, chunks = chunk_file(next((REPO / "corpus").glob("002_*.txt")), params)
    assert_exact_and_complete(norm, chunks)
    pairs = [(a, b) for a, b in zip(chunks, chunks[1:]) if a.section == b.section]
    assert any(b.start < a.end for a, b in pairs)  # the splitter repeats short phrases between pieces
    assert all(a.end - b.start <= 50 for a, b in pairs)


def test_points_stay_with_their_clause():
    text = ("Điều 3. Tiêu chí\n1. Tiêu chí chung:\na) Có lý lịch rõ ràng;\nb) Có đạo đức tốt.\n"
            "2. Tiêu chí riêng được quy định cụ thể tại Điều này.\n")
    norm = normalize_pages([text])
    structure = parse_structure(norm.text)
    chunks = chunk_document("law", norm, structure, ChunkingParams())
    assert [c.section for c in chunks] == ["Đ3.1", "Đ3.2"]
    assert "a) Có lý lịch" in chunks[0].text and "b) Có đạo đức" in chunks[0].text


def test_document_without_outline():
    text = "Thông báo ngắn.\n\nCuộc họp dời sang thứ Hai. Đề nghị các đơn vị cử người dự.\n"
    norm = normalize_pages([text])
    chunks = chunk_document("x", norm, parse_structure(norm.text), ChunkingParams())
    assert_exact_and_complete(norm, chunks)
    assert all(c.section == "" for c in chunks)


def test_pages_come_from_page_spans():
    norm = NormalizedText("I. Mục đích\n1. Một.\n\n2. Hai trang hai.", [PageSpan(1, 0, 19), PageSpan(2, 21, 37)])
    chunks = chunk_document("p", norm, parse_structure(norm.text), ChunkingParams())
    assert [(c.section, c.page_start, c.page_end) for c in chunks] == [("I.1", 1, 1), ("I.2", 2, 2)]


def test_ninhbinh_193_page_three():
    norm, structure, chunks = chunk_file(NINHBINH / "193.pdf")
    assert_exact_and_complete(norm, chunks)
    page3 = next(p for p in norm.pages if p.number == 3)
    quote = "Định kỳ 06 tháng và hàng năm tổng hợp kết quả thực hiện"  # the wrapped line joined
    assert page3.start <= norm.text.index(quote) < page3.end
    chunk = chunk_with(chunks, quote)
    assert chunk.page_start == chunk.page_end == 3 and chunk.section == "III.4"
    assert all(c.page_start <= c.page_end for c in chunks)
    annex = [c for c in chunks if c.section == "PL"]
    assert annex and {c.page_start for c in annex} == {4, 5}  # the Phụ lục table after the signature


@pytest.mark.slow
def test_real_files_exact_and_complete():
    for path in sorted(NINHBINH.glob("*.pdf")) + sorted(LUONGMINH.glob("*.docx")):
        norm, structure, chunks = chunk_file(path)
        assert_exact_and_complete(norm, chunks)
        assert all(len(c.text) <= 1200 for c in chunks), path.name


def to_cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: base letters precomposed, the tone as a combining mark."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for ch in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        out.append(base + "".join(c for c in parts if c in tones))
    return "".join(out).encode("cp1258")


def test_deterministic_and_encoding_independent(tmp_path):
    path = next((REPO / "corpus").glob("004_*.txt"))
    norm, structure, chunks = chunk_file(path)
    assert chunk_file(path)[2] == chunks
    nfd = tmp_path / "nfd.txt"
    nfd.write_text(unicodedata.normalize("NFD", path.read_text(encoding="utf-8")), encoding="utf-8")
    legacy = tmp_path / "cp1258.txt"
    legacy.write_bytes(to_cp1258(path.read_text(encoding="utf-8")))
    for copy in (nfd, legacy):
        other_norm, other_structure, other_chunks = chunk_file(copy)
        assert other_norm.text == norm.text
        assert other_structure == structure
        assert other_chunks == chunks


@pytest.mark.parametrize("kwargs, message", [
    ({"max_chars": 10}, "max_chars"), ({"overlap": 700}, "overlap"), ({"min_chars": 5000}, "min_chars"),
])
def test_params_are_validated(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ChunkingParams(**kwargs)


def test_sentences_not_lost_in_any_seed():
    for path in SEEDS:
        norm, structure, chunks = chunk_file(path)
        joined = "\n".join(c.text for c in chunks)
        for sentence in re.split(r"(?<=[.;:])\s+", norm.text):
            sentence = sentence.strip()
            if len(sentence) > 20:
                assert any(sentence in c.text for c in chunks) or all(
                    part in joined for part in sentence.split("\n\n")), sentence[:60]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(SEEDS), st.integers(0, 20000), st.integers(0, 20000), st.integers(60, 1500))
def test_any_slice_of_a_seed_chunks_exactly(path, a, b, max_chars):
    text = path.read_text(encoding="utf-8")
    norm = normalize_pages([text[min(a, b):max(a, b)]])
    chunks = chunk_document("s", norm, parse_structure(norm.text), ChunkingParams(max_chars=max_chars, min_chars=20))
    assert_exact_and_complete(norm, chunks)
    assert all(len(c.text) <= max_chars for c in chunks)
