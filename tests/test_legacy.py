"""Legacy Vietnamese encodings: tables checked against independent oracles, detection, scoring, runs."""
from __future__ import annotations

import subprocess
import unicodedata
from pathlib import Path

import pytest

from indexer.read.legacy import (
    convert_runs,
    convert_runs_tagged,
    decode_legacy_text,
    detect_encoding_by_font,
    fix_legacy_text,
    is_syllable,
    is_uppercase_font,
    syllable_validity,
    tcvn3_to_unicode,
    vni_to_unicode,
)
from indexer.read.legacy_tables import TCVN3_SIGNATURE, VISCII_C0, VISCII_HIGH

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
TONES = "\u0300\u0301\u0303\u0309\u0323"
# The 67 lowercase letters with diacritics plus đ, built from the alphabet rather than from any table.
LOWER_MARKED = {
    unicodedata.normalize("NFC", base + tone)
    for base in "aăâeêioôơuưy"
    for tone in ("",) + tuple(TONES)
} - set("aeiouy") | {"đ"}
ALL_LETTERS = sorted(LOWER_MARKED | {ch.upper() for ch in LOWER_MARKED})


def test_tcvn3_table_covers_every_lowercase_letter_and_the_seven_capitals():
    produced = {tcvn3_to_unicode(ch) for ch in TCVN3_SIGNATURE}
    assert produced == LOWER_MARKED | set("ĂÂÊÔƠƯĐ")
    assert len(TCVN3_SIGNATURE) == 74


def test_tcvn3_table_agrees_with_glibc_for_the_letters_above_0xa0():
    # glibc's TCVN5712-1 is VN1; for the 74 letters at 0xA1–0xFE VN1 and VN3 agree (research §2.3).
    data = bytes(sorted(ord(ch) for ch in TCVN3_SIGNATURE))
    glibc = subprocess.run(["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"], input=data, capture_output=True, check=True)
    expected = unicodedata.normalize("NFC", glibc.stdout.decode("utf-8"))
    assert tcvn3_to_unicode(data.decode("latin-1")) == expected


def test_viscii_table_agrees_with_glibc():
    data = bytes(range(256))
    glibc = subprocess.run(["iconv", "-f", "VISCII", "-t", "UTF-8"], input=data, capture_output=True, check=True)
    expected = glibc.stdout.decode("utf-8")
    ours = "".join(VISCII_HIGH[b - 0x80] if b >= 0x80 else VISCII_C0.get(b, chr(b)) for b in data)
    assert ours == expected


def test_tcvn3_sample_sentences():
    assert tcvn3_to_unicode("TiÕng ViÖt cã 29 ch÷ c¸i") == "Tiếng Việt có 29 chữ cái"
    assert tcvn3_to_unicode("céng hoµ x· héi chñ nghÜa", uppercase=True) == "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA"
    # PDF text layers put U+2212 for ư and U+2219 for ã.
    assert tcvn3_to_unicode("tr\u2212êng, ®\u2219 ký") == "trường, đã ký"


def _to_vni(text: str) -> str:
    """An encoder written from VNI's documented rules (base letter + modifier glyph), for round trips."""
    tone_glyph = {"\u0300": "ø", "\u0301": "ù", "\u0309": "û", "\u0303": "õ", "\u0323": "ï"}
    circ_tone = {"": "â", "\u0300": "à", "\u0301": "á", "\u0309": "å", "\u0303": "ã", "\u0323": "ä"}
    breve_tone = {"": "ê", "\u0300": "è", "\u0301": "é", "\u0309": "ú", "\u0303": "ü", "\u0323": "ë"}
    i_forms = {"": "i", "\u0300": "ì", "\u0301": "í", "\u0309": "æ", "\u0303": "ó", "\u0323": "ò"}
    out = []
    for ch in text:
        upper = ch.isupper()
        parts = unicodedata.normalize("NFD", ch.lower())
        base, marks = parts[0], parts[1:]
        tone = "".join(m for m in marks if m in TONES)
        shape = "".join(m for m in marks if m not in TONES)
        if ch.lower() == "đ":
            glyph = "ñ"
        elif base == "i":
            glyph = i_forms[tone]
        elif base == "y" and tone == "\u0323":
            glyph = "î"
        elif shape == "\u0302":
            glyph = base + circ_tone[tone]
        elif shape == "\u0306":
            glyph = base + breve_tone[tone]
        elif shape == "\u031b":
            glyph = {"o": "ô", "u": "ö"}[base] + tone_glyph.get(tone, "")
        else:
            glyph = base + tone_glyph.get(tone, "")
        out.append(glyph.upper() if upper else glyph)
    return "".join(out)


def test_vni_round_trip_of_all_134_letters():
    assert len(ALL_LETTERS) == 134
    for letter in ALL_LETTERS:
        assert vni_to_unicode(_to_vni(letter)) == letter, (letter, _to_vni(letter))


def test_vni_sample_sentences_and_oddities():
    assert vni_to_unicode("Sôû Noäi vuï baùo caùo haøng quyù") == "Sở Nội vụ báo cáo hàng quý"
    assert vni_to_unicode("UÛY BAN NHAÂN DAÂN TÆNH QUAÛNG NGAÕI") == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"
    assert vni_to_unicode("ngöôøi Vieät") == "người Việt"
    assert vni_to_unicode("VEÂØ") == "VỀ"  # circumflex and tone typed as two modifiers
    assert vni_to_unicode("Uûy ban") == "Ủy ban"  # Word's Title Case lowered the modifier only
    sentence = "Định kỳ hàng quý báo cáo UBND tỉnh trước ngày 10/7/2020, Đường Nguyễn Huệ"
    assert vni_to_unicode(_to_vni(sentence)) == sentence


@pytest.mark.parametrize(
    ("font", "encoding", "uppercase"),
    [
        (".VnTime", "tcvn3", False),
        (".VnTimeH", "tcvn3", True),
        (".VnArial NarrowH", "tcvn3", True),
        ("ABCDEF+.VnArial", "tcvn3", False),
        ("VnArial", "tcvn3", False),
        ("'.VnBook-Antiqua'", "tcvn3", False),
        ("VNI-Times", "vni", False),
        ("VNI-Helve-Condense", "vni", False),
        ("VISCII Times", "viscii", False),
        ("Times New Roman", None, False),
        ("Vni", None, False),
        ("", None, False),
        (None, None, False),
    ],
)
def test_detect_encoding_by_font(font, encoding, uppercase):
    assert detect_encoding_by_font(font) == encoding
    assert is_uppercase_font(font) is uppercase


@pytest.mark.parametrize("word", ["người", "quyết", "gì", "giữ", "các", "khuỷu", "thuở", "nghiêng", "xoong", "Đảng", "ỦY"])
def test_valid_syllables(word):
    assert is_syllable(word)


@pytest.mark.parametrize("word", ["cac", "Tµi", "ViÖt", "ngöôøi", "caùc", "bảá", "xyz", "strength"])
def test_invalid_syllables(word):
    assert not is_syllable(word)


def test_syllable_validity_separates_unicode_from_legacy_text():
    unicode_text = "Ủy ban nhân dân tỉnh ban hành kế hoạch thực hiện công tác dân vận năm 2020."
    assert syllable_validity(unicode_text) == 1.0
    assert syllable_validity("Uû ban nh©n d©n tØnh ban hµnh kÕ ho¹ch") < 0.5
    assert syllable_validity("Uûy ban nhaân daân tænh ban haønh keá hoaïch") < 0.5
    assert syllable_validity("123 456 — …") == 0.0


def _vietnamese_decomposed_1258(text: str) -> bytes:
    out = []
    for ch in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", ch)
        tone = "".join(c for c in parts if c in TONES)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
        out.append(base + tone)
    return "".join(out).encode("cp1258")


SENTENCE = "Sở Nội vụ báo cáo Ủy ban nhân dân tỉnh hàng quý, trước ngày 15 tháng 11 hằng năm."


def test_decode_legacy_text_finds_each_8bit_encoding():
    tcvn3 = "Së Néi vô b¸o c¸o Uû ban nh©n d©n tØnh hµng quý, tr­íc ngµy 15 th¸ng 11 h»ng n¨m.".encode("cp1252")
    assert decode_legacy_text(tcvn3) == (SENTENCE.replace("Ủy", "Uỷ"), "tcvn3")
    assert decode_legacy_text(_to_vni(SENTENCE).encode("cp1252")) == (SENTENCE, "vni")
    viscii = bytes(VISCII_HIGH.index(ch) + 0x80 if ch in VISCII_HIGH else ord(ch) for ch in SENTENCE)
    assert decode_legacy_text(viscii) == (SENTENCE, "viscii")
    # Windows-1258 and non-Vietnamese 8-bit text are left to the ordinary decoder.
    assert decode_legacy_text(_vietnamese_decomposed_1258(SENTENCE)) is None
    assert decode_legacy_text("Déjà vu, naïve café".encode("cp1252")) is None


def test_mixed_tcvn3_and_vni_lines():
    data = ("Hµ Néi, ngµy 13 th¸ng 3 n¨m 2001\n" + _to_vni("Sở Nội vụ báo cáo hàng quý") + "\n").encode("cp1252")
    text, encoding = decode_legacy_text(data)
    assert text == "Hà Nội, ngày 13 tháng 3 năm 2001\nSở Nội vụ báo cáo hàng quý\n"
    assert encoding == "tcvn3+vni"


def test_unicode_text_is_never_converted(corpus_dir):
    for path in sorted(corpus_dir.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        assert fix_legacy_text(text) == (text, None), path.name
    odd = "Nhiệt độ 25°C, giá 1.000 đ ± 5%, © 2020 — «trích» ½ café où naïve"
    assert fix_legacy_text(odd) == (odd, None)


def test_utf8_mojibake_is_repaired():
    broken = "Sở Nội vụ báo cáo hàng quý".encode("utf-8").decode("cp1252")
    assert fix_legacy_text(broken) == ("Sở Nội vụ báo cáo hàng quý", "utf-8")


def test_convert_runs_by_font():
    runs = [
        ("céng hoµ x· héi chñ nghÜa viÖt nam", ".VnTimeH"),
        ("\n", None),
        ("§éc lËp - Tù do - H¹nh phóc\n", ".VnTime"),
        ("Kính gửi: ", "Times New Roman"),
        ("Së Néi vô", ".VnTime"),
        ("\n", None),
        (_to_vni("Ủy ban nhân dân huyện Cần Giờ"), "VNI-Times"),
    ]
    text, encoding = convert_runs_tagged(runs)
    assert text.split("\n") == [
        "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Kính gửi: Sở Nội vụ",
        "Ủy ban nhân dân huyện Cần Giờ",
    ]
    assert encoding == "tcvn3+vni"


def test_unicode_typed_in_a_legacy_font_is_kept():
    # Unicode text whose paragraph is styled .VnTime: the font reading would wreck it (á → ỏ), scoring keeps it.
    runs = [("Báo cáo tình hình thực hiện kế hoạch năm 2020", ".VnTime")]
    assert convert_runs(runs) == "Báo cáo tình hình thực hiện kế hoạch năm 2020"


def test_unhinted_paragraphs_follow_the_document_encoding():
    # "Tæ" alone is ambiguous; the document is TCVN3 so it reads "Tổ".
    runs = [("Tæ chøc thùc hiÖn kÕ ho¹ch cña Uû ban\nTæ\n", None)]
    text, encoding = convert_runs_tagged(runs)
    assert text == "Tổ chức thực hiện kế hoạch của Uỷ ban\nTổ\n"
    assert encoding == "tcvn3"


def test_scorer_on_a_real_tcvn3_pdf_text_layer():
    from bench.legacy_score import score_text
    from indexer.read.readers import read_file

    root = SHARED / "data" / "legacy-encodings"
    raw = read_file(root / "corpus/public-domain/tcvn3/2006-16EZE_TT01.06GopvonDNNVV.pdf")
    assert raw.encoding == "tcvn3"
    diacritic, nocase, _, n = score_text((root / "ground-truth/2006-16EZE_TT01.06GopvonDNNVV.txt").read_text(encoding="utf-8"), "\n".join(raw.pages))
    assert n > 500
    assert nocase >= 0.95


def test_scorer_counts_only_diacritic_letters():
    from bench.legacy_score import score_text

    truth = "Báo cáo tài chính"
    assert score_text(truth, truth)[:2] == (1.0, 1.0)
    stripped = score_text(truth, "Bao cao tai chinh")
    assert stripped[0] == 0.0 and stripped[2] > 0.6
    assert score_text(truth, "BÁO CÁO TÀI CHÍNH")[:2] == (0.0, 1.0)
    half = score_text(truth, "Báo cáo tai chinh")
    assert half[0] == pytest.approx(0.5)
