"""Property tests: arbitrary and document-shaped text through normalisation, structure, chunking, duties and legacy decoding."""
from __future__ import annotations

import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.structure.chunking import ChunkingParams, chunk_document
from indexer.duties.extract import extract_duties
from indexer.read.legacy import convert_runs_tagged, decode_legacy_text, fix_legacy_text, tcvn3_to_unicode, vni_to_unicode
from indexer.read.legacy_tables import TCVN3_CHARS
from indexer.structure.parse import parse_structure
from indexer.text.vntext import normalize, normalize_pages

REPO = Path(__file__).resolve().parents[1]
SEED_LINES = sorted({
    line.strip()
    for path in (REPO / "corpus").glob("*.txt")
    for line in path.read_text(encoding="utf-8").splitlines()
    if line.strip()
})
# Lines that steer the structure parser into its branches: headers, outline marks, signatures, Nơi nhận, dates.
MARKERS = [
    "ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NGÃI", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
    "Số: 80/KH-UBND", "Số: /KH-BQLKKT", "Quảng Ngãi, ngày 26 tháng 6 năm 2020", ", ngày   tháng   năm 2023",
    "KẾ HOẠCH", "QUYẾT ĐỊNH", "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19/6/2015;", "I. MỤC ĐÍCH, YÊU CẦU",
    "II.", "1.", "1.1.", "a)", "b)", "-", "+", "**Tổ chức thực hiện**", "Điều 1.", "Chương I", "Mục 2", "A.",
    "Nơi nhận:", "- Như trên;", "- Lưu: VT.", "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Văn A",
    "định kỳ hàng quý báo cáo UBND tỉnh (qua Sở Nội vụ) trước ngày 15/12 hằng năm.", "trước ngày 10/7/2020",
    "Phụ lục", "(Kèm theo Kế hoạch số 80/KH-UBND)", "", "   ", "\t", "\f",
]
NOISE = st.text(
    alphabet=st.sampled_from(
        "aăâbcdđeêoôơuưyÁÀẢÃẠẾỆỒỢỨĐ0123456789 .,;:/-()*\t\u00a0\u200b\u00ad\u00d0\u0301\u0323µ¸©«»§®÷"
    ),
    max_size=40,
)
document_lines = st.one_of(st.sampled_from(SEED_LINES), st.sampled_from(MARKERS), NOISE, st.text(max_size=30))
documents = st.lists(document_lines, max_size=60).map("\n".join)
pages_strategy = st.lists(documents, min_size=1, max_size=3)
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(documents)
def test_normalize_is_idempotent_and_nfc_on_document_like_text(text):
    once = normalize(text)
    assert normalize(once) == once
    assert unicodedata.is_normalized("NFC", once)


@FAST
@given(st.text(max_size=400))
def test_parse_structure_never_raises_on_any_text(text):
    clean = normalize(text)
    structure = parse_structure(clean)
    assert 0 <= structure.body_start <= len(clean)


@FAST
@given(pages_strategy)
def test_pipeline_stages_keep_their_invariants(pages):
    norm = normalize_pages(pages)
    structure = parse_structure(norm.text)
    for section in structure.sections:
        assert 0 <= section.start <= section.body_start <= section.end <= len(norm.text)
    chunks = chunk_document("d" * 16, norm, structure, ChunkingParams())
    for chunk in chunks:
        assert norm.text[chunk.start:chunk.end] == chunk.text
    for duty in extract_duties("d" * 16, norm, structure):
        assert norm.text[duty.start:duty.end] == duty.sentence


@FAST
@given(st.binary(max_size=2000))
def test_decode_legacy_text_never_raises_on_any_bytes(data):
    found = decode_legacy_text(data)
    if found is not None:
        text, encoding = found
        assert encoding in ("tcvn3", "vni", "tcvn3+vni", "viscii", "utf-8")
        assert isinstance(text, str)


@FAST
@given(st.text(max_size=300), st.text(max_size=30))
def test_legacy_fixing_never_raises_and_keeps_lines(text, font):
    fixed, _ = fix_legacy_text(text)
    assert fixed.count("\n") == text.count("\n")
    converted, _ = convert_runs_tagged([(text, font), ("\n", None), (text, ".VnTimeH"), (text, "VNI-Times")])
    assert converted.count("\n") == 3 * text.count("\n") + 1


_TCVN3_ENCODE = {letter: chr(code) for code, letter in TCVN3_CHARS.items() if code < 0x100}
_LOWER_WORDS = st.lists(
    st.text(alphabet=st.sampled_from(sorted(set("abcdeghiklmnopqrstuvxy") | set(_TCVN3_ENCODE) - set("ĂÂÊÔƠƯĐ"))),
            min_size=1, max_size=7),
    min_size=1, max_size=12,
).map(" ".join)


@FAST
@given(_LOWER_WORDS)
def test_tcvn3_round_trip(text):
    encoded = "".join(_TCVN3_ENCODE.get(ch, ch) for ch in text)
    assert tcvn3_to_unicode(encoded) == text


_VNI_TONES = {"\u0300": "ø", "\u0301": "ù", "\u0309": "û", "\u0303": "õ", "\u0323": "ï"}
_VNI_CIRC = {"": "â", "\u0300": "à", "\u0301": "á", "\u0309": "å", "\u0303": "ã", "\u0323": "ä"}
_VNI_BREVE = {"": "ê", "\u0300": "è", "\u0301": "é", "\u0309": "ú", "\u0303": "ü", "\u0323": "ë"}
_VNI_I = {"": "i", "\u0300": "ì", "\u0301": "í", "\u0309": "æ", "\u0303": "ó", "\u0323": "ò"}


def _vni(ch: str) -> str:
    lower = ch.lower()
    parts = unicodedata.normalize("NFD", lower)
    base, tone = parts[0], "".join(c for c in parts if c in _VNI_TONES)
    shape = "".join(c for c in parts[1:] if c not in _VNI_TONES)
    if lower == "đ":
        glyph = "ñ"
    elif base == "i":
        glyph = _VNI_I[tone]
    elif base == "y" and tone == "\u0323":
        glyph = "î"
    elif shape == "\u0302":
        glyph = base + _VNI_CIRC[tone]
    elif shape == "\u0306":
        glyph = base + _VNI_BREVE[tone]
    elif shape == "\u031b":
        glyph = {"o": "ô", "u": "ö"}[base] + _VNI_TONES.get(tone, "")
    else:
        glyph = base + _VNI_TONES.get(tone, "")
    return glyph.upper() if ch.isupper() else glyph


_VIETNAMESE_LETTERS = sorted(
    {unicodedata.normalize("NFC", b + t) for b in "aăâeêioôơuưy" for t in ("", *_VNI_TONES)} | set("bcdđghklmnpqrstvx")
)


@FAST
@given(st.lists(st.text(alphabet=st.sampled_from(_VIETNAMESE_LETTERS), min_size=1, max_size=7), min_size=1, max_size=10),
       st.booleans())
def test_vni_round_trip(words, upper):
    text = " ".join(words)
    text = text.upper() if upper else text
    assert vni_to_unicode("".join(_vni(ch) if ch != " " else " " for ch in text)) == text
