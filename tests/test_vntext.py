"""Vietnamese text layer: the examples of research/vietnamese-text.md (§0, §1, §3, §7.1) and invariants."""
from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.text.vntext import (
    compound_tokenize,
    key_exact,
    key_loose,
    key_tone,
    normalize,
    normalize_pages,
    tokenize,
)


def nfd(s: str) -> str:
    return unicodedata.normalize("NFD", s)


# ---- normalize: §1.1 and §1.6 ------------------------------------------------------------------------------------

def test_nfd_is_composed_and_tokenizes_as_whole_syllables():
    # §1.1: NFD "Việt" has 6 code points and re's \w splits it; after normalize it is 4 and splits into syllables.
    assert len(nfd("Việt")) == 6
    assert len(normalize(nfd("Việt"))) == 4
    text = normalize(nfd("Việt Nam báo cáo"))
    assert re.findall(r"\w+", text) == ["Việt", "Nam", "báo", "cáo"]
    assert [text[a:b] for a, b in tokenize(text)] == ["Việt", "Nam", "báo", "cáo"]


def test_either_order_of_combining_marks_composes():
    # §1.1: e + dot below + circumflex and e + circumflex + dot below both give ệ (U+1EC7).
    assert normalize("e\u0323\u0302") == "\u1ec7"
    assert normalize("e\u0302\u0323") == "\u1ec7"


def test_deprecated_tone_marks_become_the_standard_ones():
    # §1.1: U+0340/U+0341 normalise to U+0300/U+0301.
    assert normalize("a\u0340") == "à"
    assert normalize("a\u0341") == "á"


@pytest.mark.parametrize("lookalike, letter", [("\u00d0", "Đ"), ("\u00f0", "đ"), ("\u0189", "Đ"), ("\u0256", "đ")])
def test_d_lookalikes_become_d_stroke(lookalike, letter):
    # §1.1 and §1.6: NFC leaves Ð/ð (and Ɖ/ɖ) alone, underthesea maps them explicitly; so do we.
    assert unicodedata.normalize("NFC", lookalike) == lookalike
    assert normalize(f"{lookalike}ại hội") == f"{letter}ại hội"


def test_tone_placement_is_not_rewritten_in_the_stored_text():
    # §0.1 and §1.2: "hoà" and "hòa" are both NFC-stable and stay as written; only the keys unify them.
    assert normalize("hoà") == "hoà"
    assert normalize("hòa") == "hòa"
    assert normalize("CỘNG HOÀ") != normalize("CỘNG HÒA")


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("Sở\u00a0Nội vụ", "Sở Nội vụ"),  # NBSP → space (§1.6)
        ("Nội\u200b vụ", "Nội vụ"),  # zero-width space removed
        ("\ufeffKẾ HOẠCH", "KẾ HOẠCH"),  # BOM removed
        ("báo\u00adcáo", "báocáo"),  # soft hyphen removed (after decoding, §1.6)
        ("Ủy\u200c\u200dban", "Ủyban"),  # zero-width (non-)joiners
        ("\u200eQuảng Ngãi\u200f", "Quảng Ngãi"),  # bidi marks
        ("nghie\u200b\u0323\u0302m", "nghiệm"),  # an invisible between letter and mark does not block composing
        ("a\r\nb\rc", "a\nb\nc"),
        ("a \t  b\t", "a b"),
        ("dòng 1   \n   dòng 2", "dòng 1\ndòng 2"),
        ("a\n\n\n\n\n\nb", "a\n\n\nb"),  # 3+ blank lines → 2
        ("a\n\n\nb", "a\n\n\nb"),  # 2 blank lines kept
        ("a\n  \n \t\n \n\nb", "a\n\n\nb"),  # lines of spaces are blank lines
        ("\n\n  Số: 80 /KH-UBND  \n\n", "Số: 80 /KH-UBND"),
    ],
)
def test_normalize_examples(raw, clean):
    assert normalize(raw) == clean


def test_normalize_keeps_display_characters():
    # Smart quotes, dashes and ₫ are text, not noise (§1.6: fold them for keys only).
    text = "“Tăng cường” – 1.000 ₫ … Điều 5."
    assert normalize(text) == text


# ---- keys: §1.4, §3.1, §3.4, §7.1 ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "a, b",
    [
        ("hòa", "hoà"),
        ("thủy", "thuỷ"),
        ("thúy", "thuý"),
        ("ủy", "uỷ"),
        ("khỏe", "khoẻ"),
        ("nghịêm", "nghiệm"),  # misplaced mark
        ("lựơng", "lượng"),
        ("baỏ", "bảo"),
        ("Ðại", "Đại"),  # look-alike
        ("dàì", "dài"),  # doubled mark
        ("CỘNG HÒA", "Cộng hoà"),
        (nfd("Thủy sản"), "thuỷ sản"),
    ],
)
def test_tone_key_equalities_from_section_1_4(a, b):
    assert key_tone(a) == key_tone(b)
    assert key_loose(a) == key_loose(b)


def test_tone_key_keeps_hats_and_d_stroke():
    assert key_tone("Sở Nội vụ báo cáo hàng quý Đà Nẵng") == "sơ nôi vu bao cao hang quy đa năng"
    assert key_tone("ăn ân ên ôn ơn ưn đi") == "ăn ân ên ôn ơn ưn đi"
    assert key_tone("hòa") != key_tone("hơa")
    assert key_tone("đa") != key_tone("da")


VINAI_PAIRS = (  # §1.3: the 45 BARTpho style A → style B replacements (lower case shown)
    "òa oà óa oá ỏa oả õa oã ọa oạ òe oè óe oé ỏe oẻ õe oẽ ọe oẹ ùy uỳ úy uý ủy uỷ ũy uỹ ụy uỵ"
).split()


@pytest.mark.parametrize("style_a, style_b", list(zip(VINAI_PAIRS[::2], VINAI_PAIRS[1::2])))
def test_both_tone_placement_styles_share_a_tone_key(style_a, style_b):
    for variant in (str.lower, str.title, str.upper):
        assert key_tone("h" + variant(style_a)) == key_tone("h" + variant(style_b))
    assert normalize(style_a) != normalize(style_b)


def test_section_3_1_key_table():
    text = "Sở Nội vụ báo cáo hàng quý Đà Nẵng"
    assert key_exact(text) == "sở nội vụ báo cáo hàng quý đà nẵng"
    assert key_loose(text) == "so noi vu bao cao hang quy da nang"


def test_casefold_examples_from_section_1_1():
    assert key_exact("Đ") == "đ"
    assert key_exact("ĐÀ NẴNG") == "đà nẵng"
    assert key_exact(nfd("ĐÀ NẴNG")) == "đà nẵng"


def test_loose_key_maps_d_stroke_by_hand():
    # §1.1/§3.1: NFKD + ASCII deletes đ, NFD keeps it; the loose key must give "d".
    assert unicodedata.normalize("NFKD", "đ").encode("ascii", "ignore") == b""
    assert key_loose("Đoàn đại biểu") == "doan dai bieu"
    assert key_loose("\u00d0à \u00f0ại \u0189 \u0256") == "da dai d d"


def test_unaccented_query_matches_on_the_loose_key():
    # §0.4 / §8: "so noi vu bao cao hang quy" finds "Sở Nội vụ báo cáo hàng quý"; "da nang" finds "Đà Nẵng".
    assert key_loose("so noi vu bao cao hang quy") in key_loose("Giao Sở Nội vụ báo cáo hàng quý về UBND tỉnh")
    assert key_loose("da nang") in key_loose("Thành phố Đà Nẵng")


def test_loose_key_is_ambiguous_as_section_3_4_says():
    assert {key_loose(w) for w in "quy quý quỳ quỵ quỷ quỹ".split()} == {"quy"}
    assert {key_loose(w) for w in "bao bào báo bão bạo bảo".split()} == {"bao"}
    assert len({key_tone(w) for w in "quy quý quỳ quỵ quỷ quỹ".split()}) == 1
    assert key_exact("quý") != key_exact("quỹ")


def test_hang_and_hang_fold_together():
    # §7.1: "hằng" and "hàng" are interchangeable in frequencies; the loose key folds both to "hang".
    assert key_loose("định kỳ hằng quý") == key_loose("định kỳ hàng quý") == "dinh ky hang quy"
    assert key_tone("hằng") != key_tone("hàng")


def test_keys_keep_length_for_ligatures_and_sharp_s():
    for word in ("Straße", "ﬁle", "İstanbul", "Đường"):
        n = len(unicodedata.normalize("NFC", word))
        assert len(key_exact(word)) == len(key_tone(word)) == len(key_loose(word)) == n


# ---- tokenize -----------------------------------------------------------------------------------------------------

def test_tokenize_splits_on_non_alphanumerics():
    text = "Số: 80/KH-UBND ngày 26/6/2020 (về_việc)"
    words = [text[a:b] for a, b in tokenize(text)]
    assert words == ["Số", "80", "KH", "UBND", "ngày", "26", "6", "2020", "về", "việc"]


def test_compound_tokens_keep_document_numbers_whole():
    text = "Kế hoạch số 120-KH/BDVTU-BCSĐUBND, Nghị định 59/2023/NĐ-CP; Số: 80 /KH-UBND; kinh tế-xã hội; 10/5/2023."
    found = [text[a:b] for a, b in compound_tokenize(text)]
    assert found == ["120-KH/BDVTU-BCSĐUBND", "59/2023/NĐ-CP", "KH-UBND", "10/5/2023"]


# ---- normalize_pages ----------------------------------------------------------------------------------------------

def test_normalize_pages_spans_and_ocr_confidence():
    result = normalize_pages(["  Trang một \r\n", "", nfd("Trang ba")], ocr_pages={3: 71.5})
    assert result.text == "Trang một\n\n\n\nTrang ba"
    assert [(p.number, p.start, p.end, p.ocr_confidence) for p in result.pages] == [
        (1, 0, 9, None),
        (2, 11, 11, None),
        (3, 13, 21, 71.5),
    ]
    assert result.text[13:21] == "Trang ba"
    assert result.page_at(14) == 3
    assert result.page_at(0) == 1


# ---- properties ---------------------------------------------------------------------------------------------------

VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
    "ÁÀẢÃẠẤẦẨẪẬÉẾỆÓỒỚỦỨỲĐ0123456789"
)
NOISE = " \t\n\r\u00a0\u200b\u200c\u200d\ufeff\u00ad\u200e\u00d0\u00f0\u0300\u0301\u0302\u0303\u0309\u0323\u0340/-.,:;“”"
vietnamese_text = st.text(alphabet=st.sampled_from(VIETNAMESE + NOISE), max_size=200)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=200))
def test_normalize_is_idempotent_on_any_text(text):
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=400, deadline=None)
@given(vietnamese_text)
def test_normalize_is_idempotent_on_vietnamese_like_text(text):
    once = normalize(text)
    assert normalize(once) == once
    assert unicodedata.is_normalized("NFC", once)
    assert not any(c in once for c in "\r\t\u00a0\u200b\ufeff\u00ad\u00d0\u00f0")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=100))
def test_keys_keep_the_length_of_normalised_text(text):
    clean = normalize(text)
    assert len(key_exact(clean)) == len(key_tone(clean)) == len(key_loose(clean)) == len(clean)


@settings(max_examples=300, deadline=None)
@given(vietnamese_text)
def test_tokens_line_up_across_keys(text):
    clean = normalize(text)
    spans = tokenize(clean)
    assert tokenize(key_exact(clean)) == spans
    assert tokenize(key_loose(clean)) == spans
    for a, b in spans:
        assert key_loose(clean[a:b]) == key_loose(clean)[a:b]
        assert key_loose(clean)[a:b].isascii() or not clean[a:b].isascii()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=60), max_size=5))
def test_page_spans_point_at_each_normalised_page(pages):
    result = normalize_pages(pages)
    assert len(result.pages) == len(pages)
    for page, span in zip(pages, result.pages):
        assert result.text[span.start:span.end] == normalize(page)
