"""Legacy Vietnamese encodings (TCVN3, VNI, VISCII, cp1258): detected by font name or by syllable scoring, converted to Unicode."""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

from indexer.read.formats.tcvn3_case import recase_h_capitals
from indexer.read.legacy_tables import (
    TCVN3_CHARS,
    TCVN3_SIGNATURE,
    VNI_BASES,
    VNI_MODIFIERS,
    VNI_SINGLE,
    viscii_decode,
)

# Runs are (text, font name or None), in document order; "\n" inside a run ends a paragraph.
Run = tuple[str, "str | None"]

_TONES = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng
_STOP_TONES = frozenset("\u0301\u0323")  # the only tones a syllable ending in c/ch/p/t can carry

_ONSETS = sorted(
    "b c ch d đ g gh gi h k kh l m n ng ngh nh p ph qu r s t th tr v x".split() + [""],
    key=len,
    reverse=True,
)
# Every toneless rhyme of standard Vietnamese spelling (medial + nucleus + coda).
_RHYMES = frozenset(
    """a ac ach ai am an ang anh ao ap at au ay ăc ăm ăn ăng ăp ăt âc âm ân âng âp ât âu ây
    e ec em en eng eo ep et ê êch êm ên ênh êp êt êu
    i ia ich im in inh ip it iu iêc iêm iên iêng iêp iêt iêu
    o oa oac oach oai oam oan oang oanh oap oat oay oăc oăm oăn oăng oăt oc oe oen oeo oet oi om on ong
    ooc oong op ot ô ôc ôi ôm ôn ông ôp ôt ơ ơi ơm ơn ơp ơt
    u ua uân uâng uât uây uc uê uêch uênh ui um un ung uôc uôi uôm uôn uông uôt uơ up ut uy uya uych
    uyên uyêt uynh uyp uyt uyu ư ưa ưc ưi ưm ưn ưng ưt ưu ươc ươi ươm ươn ương ươp ươt ươu
    y yêm yên yêt yêu ak ăk""".split()  # -k: highland place names (Đắk Lắk)
)
_STOP_CODAS = ("c", "ch", "p", "t")  # "Đăk Lăk" is written with and without the tone

# Token = run of anything but whitespace, ASCII punctuation, digits and typographic quotes/dashes.
_TOKEN = re.compile(r"[^\s!-@\[-`{-~\u2013\u2014\u2018\u2019\u201c\u201d\u2026]+")

_VIETNAMESE_LETTERS = frozenset(
    unicodedata.normalize("NFC", base + tone)
    for base in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
    for tone in ("",) + tuple(_TONES)
) | frozenset("đĐ")

# TCVN3 characters that convert to lowercase letters (what a ".Vn…H" font draws as capitals).
_TCVN3_LOWER = frozenset(chr(code) for code, letter in TCVN3_CHARS.items() if letter.islower())
# Converted text (in the document's encoding) that makes short ambiguous paragraphs follow it (or two paragraphs).
_TRUSTED_PRIOR_CHARS = 100

# Characters a VNI text is made of (modifiers and single-glyph letters), to decide whether it is worth trying.
_VNI_SIGNATURE = frozenset(VNI_MODIFIERS) | frozenset(VNI_SINGLE)
# Vietnamese letters outside cp1252: text holding them was not read from 8-bit legacy bytes.
_UNICODE_ONLY = frozenset(
    ch for ch in _VIETNAMESE_LETTERS if ch not in "đĐ" and len(ch.encode("cp1252", errors="ignore")) == 0
) | frozenset("đĐ")
# Signs of UTF-8 read as cp1252 ("Cáº¥p", "Ä‘", "Æ°").
_MOJIBAKE = re.compile("Ã[\u0080-\u00bf\u0152-\u0178\u02c6-\u203a]|á[º»]|Ä‘|Æ°|Ä\u0090")


def detect_encoding_by_font(font_name: str | None) -> str | None:
    """The legacy encoding a font implies: ".VnTime"/".VnTimeH" → "tcvn3", "VNI-Times" → "vni", else None.

    PDF subset prefixes ("ABCDEF+.VnTime") and LibreOffice's quoting are ignored.
    """
    name = _clean_font_name(font_name)
    if not name:
        return None
    lowered = name.lower()
    if re.match(r"vni[-_ ]", lowered):
        return "vni"
    if name.startswith(".Vn") or re.match(r"Vn[A-Z]", name) or lowered.startswith(".vn"):
        return "tcvn3"
    if "viscii" in lowered:
        return "viscii"
    return None


def is_uppercase_font(font_name: str | None) -> bool:
    """TCVN3 has lowercase toned letters only; capitals come from the ".Vn…H" fonts, whose glyphs are all caps
    (".VnTimeH", and in PDFs with the style after it: "VnTimeHBold", ".VnArialH,Italic")."""
    name = _STYLE_SUFFIX.sub("", _clean_font_name(font_name))
    return detect_encoding_by_font(name) == "tcvn3" and name.endswith("H")


_STYLE_SUFFIX = re.compile(r"(?:[\s,\-]*(?:bold|italic|oblique|regular|black|light|narrow\b)?)*$", re.I)


def _clean_font_name(font_name: str | None) -> str:
    name = (font_name or "").strip().strip("'\"")
    if re.match(r"[A-Z]{6}\+", name):
        name = name[7:]
    return name.strip()


def tcvn3_to_unicode(text: str, uppercase: bool = False) -> str:
    """Convert TCVN3 text (each byte read as its cp1252 character) to Unicode; `uppercase` for ".Vn…H" fonts."""
    converted = text.translate(TCVN3_CHARS)
    return converted.upper() if uppercase else converted


def vni_to_unicode(text: str) -> str:
    """Convert VNI-Windows text (read as cp1252 characters) to Unicode, longest sequence first."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        base = VNI_SINGLE.get(text[i], text[i])
        i += 1
        if base in VNI_BASES:
            marks = ""
            # Up to two modifiers stack: "EÂØ" is E + circumflex + grave = Ề.
            while i < n and text[i] in VNI_MODIFIERS and len(marks) < 2:
                candidate = unicodedata.normalize("NFC", base + marks + VNI_MODIFIERS[text[i]])
                if candidate not in _VIETNAMESE_LETTERS:
                    break
                marks += VNI_MODIFIERS[text[i]]
                i += 1
            base = unicodedata.normalize("NFC", base + marks)
        out.append(base)
    return "".join(out)


def convert_text(text: str, encoding: str, uppercase: bool = False) -> str:
    """Convert text already read as cp1252 characters from the given legacy encoding to Unicode."""
    text = _unprivate(text)
    if encoding == "tcvn3":
        return tcvn3_to_unicode(text, uppercase)
    if encoding == "vni":
        return vni_to_unicode(text)
    if encoding == "viscii":
        return viscii_decode(text.encode("cp1252", errors="replace"))
    return text


def _unprivate(text: str) -> str:
    # Word stores text in symbol-charset fonts as U+F020–U+F0FF; the low byte is the font's byte.
    if any("\uf020" <= ch <= "\uf0ff" for ch in text):
        return "".join(chr(ord(ch) - 0xF000) if "\uf020" <= ch <= "\uf0ff" else ch for ch in text)
    return text


@lru_cache(maxsize=200_000)
def is_syllable(token: str) -> bool:
    """Whether a token is a well-formed Vietnamese syllable (onset + rhyme, one tone, stop codas only sắc/nặng)."""
    decomposed = unicodedata.normalize("NFD", token.lower())
    tones = [ch for ch in decomposed if ch in _TONES]
    if len(tones) > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONES))
    for onset in _ONSETS:
        if not bare.startswith(onset):
            continue
        rhyme = bare[len(onset):]
        if onset == "gi" and rhyme == "":
            return True  # "gì" is g + i, "gi" written once
        if rhyme not in _RHYMES or (onset == "qu" and rhyme.startswith("u")):
            continue
        if rhyme.endswith(_STOP_CODAS) and not (tones and tones[0] in _STOP_TONES):
            continue
        return True
    return False


def _validity_counts(text: str) -> tuple[int, int]:
    valid = total = 0
    for token in _TOKEN.findall(text):
        if not any(ch.isalpha() for ch in token):
            continue
        total += 1
        valid += is_syllable(token)
    return valid, total


def syllable_validity(text: str) -> float:
    """Share of the word tokens of a text that are well-formed Vietnamese syllables (0.0 when it has none)."""
    valid, total = _validity_counts(text)
    return valid / total if total else 0.0


def _candidates(paragraph: str) -> dict[str, str]:
    """Readings of a paragraph worth scoring, keyed by encoding name ("" = as it is)."""
    found = {"": paragraph}
    chars = set(paragraph)
    if chars & _UNICODE_ONLY:
        return found  # letters no 8-bit reading can produce: the paragraph is Unicode already
    if chars & TCVN3_SIGNATURE or "\u2212" in chars or "\u2219" in chars:
        found["tcvn3"] = recase_h_capitals(paragraph, tcvn3_to_unicode(paragraph), _TCVN3_LOWER)
    if chars & _VNI_SIGNATURE:
        found["vni"] = vni_to_unicode(paragraph)
    if _MOJIBAKE.search(paragraph):
        try:
            found["utf-8"] = paragraph.encode("cp1252").decode("utf-8")
        except UnicodeError:
            pass
    return found


def _best_reading(options: dict[str, str], preferred: str | None, trusted: bool = False) -> tuple[str, str]:
    """The reading with the most valid syllables; ties go to `preferred`, then to leaving the text as it is.

    A scored conversion must also turn most of the words it changes into valid syllables, so that one
    lucky word ("où" read as VNI "ó") cannot convert a paragraph of French or of Unicode Vietnamese.
    When `trusted` (the document is known to be in `preferred`), the preferred reading only has to break no
    word and leave some changed word a valid syllable: "Sè: 06/KH-UBND" is "Số: 06/KH-UBND" in a TCVN3 document.
    """
    original = _TOKEN.findall(options[""])
    scored = []
    for encoding, text in options.items():
        valid, total = _validity_counts(text)
        after = _TOKEN.findall(text)
        if trusted and encoding == preferred:
            if not _not_worse(original, after):
                continue
        elif encoding not in ("", "font") and not _mostly_fixed(original, after):
            continue
        rank = 2 if encoding == preferred else (1 if encoding == "" else 0)
        scored.append((valid - (total - valid) * 0.5, rank, encoding, text))
    _, _, encoding, text = max(scored)
    return encoding, text


def _mostly_fixed(before: list[str], after: list[str]) -> bool:
    """The conversion repairs most of the words that were not Vietnamese, breaks fewer than it repairs,
    and leaves a paragraph whose words are mostly Vietnamese syllables."""
    if len(before) != len(after):
        return True  # the conversion merged or split words (mojibake repair): the overall score decides
    changed = [(b, a) for b, a in zip(before, after) if b != a and any(ch.isalpha() for ch in a)]
    invalid_before = sum(not is_syllable(b) for b, _ in changed)
    fixed = sum(not is_syllable(b) and is_syllable(a) for b, a in changed)
    broken = sum(is_syllable(b) and not is_syllable(a) for b, a in changed)
    words = [a for a in after if any(ch.isalpha() for ch in a) and not a.isascii()]  # "KH", "UBND" say nothing
    valid_after = sum(is_syllable(a) for a in words)
    return fixed > broken and 2 * fixed > invalid_before and 2 * valid_after >= len(words)


def _not_worse(before: list[str], after: list[str]) -> bool:
    """The conversion breaks no valid syllable and turns at least one changed word into a valid syllable."""
    changed = [(b, a) for b, a in zip(before, after) if b != a and any(ch.isalpha() for ch in a)]
    broken = any(is_syllable(b) and not is_syllable(a) for b, a in changed)
    return len(before) == len(after) and not broken and any(is_syllable(a) for _, a in changed)


def fix_legacy_text(text: str, known: str | None = None) -> tuple[str, str | None]:
    """Convert the legacy-encoded paragraphs of a decoded text without font hints (PDF text layers, plain text).

    Each paragraph is scored as it is, as TCVN3 and as VNI; returns the text and the legacy encoding found
    ("tcvn3", "vni", "tcvn3+vni", "utf-8" for repaired mojibake, None when nothing was converted). `known`:
    the document's encoding known from its font names; every paragraph that reads as well in it is converted.
    """
    return convert_runs_tagged([(text, None)], known=known)


def convert_runs(runs: list[Run]) -> str:
    """Convert font runs [(text, font name or None), …] to Unicode text (see convert_runs_tagged)."""
    return convert_runs_tagged(runs)[0]


def convert_runs_tagged(runs: list[Run], known: str | None = None) -> tuple[str, str | None]:
    """Convert font runs to Unicode text and name the legacy encoding found (see fix_legacy_text).

    A run in a legacy font is converted by its font; a paragraph keeps that reading unless scoring shows
    its text was not in that encoding after all (Unicode typed in a .VnTime paragraph). Paragraphs without
    font hints are scored, ties going to the encoding the rest of the document uses; once the document is
    known to be TCVN3 or VNI (`known`, its fonts, two converted paragraphs or 100 converted characters), a paragraph
    that reads as valid words both ways ("Sè" / "Số") takes the document's encoding.
    """
    paragraphs = _split_paragraphs(runs)
    readings = [_paragraph_readings(paragraph) for paragraph in paragraphs]
    fonts_used: Counter = Counter()
    for _, by_font in readings:
        fonts_used.update(by_font)
    converted_paragraphs = 0
    if not fonts_used:
        # No font hints: a first pass over the paragraphs finds the document's encoding.
        for options, _ in readings:
            encoding, text = _best_reading(options, None)
            if encoding:
                fonts_used[encoding] += len(text)
                converted_paragraphs += 1
    # Ambiguous paragraphs ("Tæ" is TCVN3 "Tổ" and VNI "Tỉ") side with the document's main encoding.
    prior = known or (fonts_used.most_common(1)[0][0] if fonts_used else None)
    trusted = prior in ("tcvn3", "vni") and (
        known is not None or fonts_used[prior] >= _TRUSTED_PRIOR_CHARS or converted_paragraphs >= 2
    )
    out: list[str] = []
    used: Counter = Counter()
    for options, by_font in readings:
        if by_font:
            encoding, text = _best_reading(options, "font")
            if encoding == "font":
                used.update(by_font)
            elif encoding:
                used[encoding] += len(text)
        else:
            encoding, text = _best_reading(options, prior if prior in ("tcvn3", "vni") else None, trusted)
            if encoding:
                used[encoding] += len(text)
        out.append(text)
    return "\n".join(out), _dominant(used)


def convert_font_pieces(pieces: list[Run]) -> tuple[list[str], Counter]:
    """Convert the pieces of ONE paragraph by their fonts: (converted texts, one per piece; letters per encoding).

    The font reading is kept only when it scores at least as well as the other readings of the paragraph
    (Unicode typed in a .VnTime paragraph stays as it is: the pieces come back unchanged, the Counter empty).
    A ".Vn…H" piece comes out in capitals.
    """
    options, by_font = _paragraph_readings([(text.replace("\n", " "), font) for text, font in pieces])
    if not by_font or _best_reading(options, "font")[0] != "font":
        return [text for text, _ in pieces], Counter()
    converted = []
    for text, font in pieces:
        encoding = detect_encoding_by_font(font)
        converted.append(convert_text(text, encoding, uppercase=is_uppercase_font(font)) if encoding else text)
    return converted, by_font


def fix_legacy_lines(lines: list[str], done: set[str], by_font: Counter) -> tuple[str, str | None]:
    """Join lines, converting those not in `done` (already converted by font) as `fix_legacy_text` does; the
    document's encoding is the one `by_font` (letters per font encoding) names, if any: (text, encoding)."""
    known = by_font.most_common(1)[0][0] if by_font else None
    rest = [k for k, line in enumerate(lines) if line not in done]
    fixed, found = fix_legacy_text("\n".join(lines[k] for k in rest), known=known)
    out, parts, at = list(lines), fixed.split("\n"), 0
    for k in rest:  # a line may hold line breaks of its own: it takes back as many parts
        width = lines[k].count("\n") + 1
        out[k] = "\n".join(parts[at:at + width])
        at += width
    used = Counter(by_font) + Counter([found] if found else [])
    return "\n".join(out), _dominant(used)


def _split_paragraphs(runs: list[Run]) -> list[list[Run]]:
    paragraphs: list[list[Run]] = [[]]
    for text, font in runs:
        for k, piece in enumerate(text.split("\n")):
            if k:
                paragraphs.append([])
            if piece:
                paragraphs[-1].append((piece, font))
    return paragraphs


def _paragraph_readings(paragraph: list[Run]) -> tuple[dict[str, str], Counter]:
    """The scored readings of a paragraph ("font" = each run by its font) and the letters each font encoding covers."""
    options = _candidates("".join(text for text, _ in paragraph))
    by_font: Counter = Counter()
    pieces = []
    for text, font in paragraph:
        encoding = detect_encoding_by_font(font)
        if encoding is None:
            pieces.append(text)
            continue
        converted = convert_text(text, encoding, uppercase=is_uppercase_font(font))
        if set(text) & _UNICODE_ONLY and _validity_counts(converted)[0] <= _validity_counts(text)[0]:
            pieces.append(text)  # letters no 8-bit font holds, and converting fixes no word: Unicode in a legacy font
            continue
        if text.strip():
            by_font[encoding] += len(text)
        pieces.append(converted)
    if by_font:
        options["font"] = "".join(pieces)
    return options, by_font


def _dominant(used: Counter) -> str | None:
    """The main encoding of a document; "tcvn3+vni" when both carry at least 5% of the converted text."""
    if not used:
        return None
    ranked = used.most_common()
    top, top_count = ranked[0]
    if top in ("tcvn3", "vni") and any(enc in ("tcvn3", "vni") and n >= 0.05 * top_count for enc, n in ranked[1:]):
        return "tcvn3+vni"
    return top


def decode_legacy_text(data: bytes) -> tuple[str, str] | None:
    """Read the bytes of an 8-bit (not UTF-8) text file as TCVN3, VNI or VISCII when one of them scores better
    for valid Vietnamese syllables than Windows-1258: (text, encoding), else None (Windows-1258 or not Vietnamese).

    Paragraphs are scored separately, so a TCVN3 file with VNI lines gives "tcvn3+vni".
    """
    as_1252 = data.decode("cp1252", errors="replace").replace("\ufffd", "")
    fixed, legacy = fix_legacy_text(as_1252)
    readings = {"cp1258": unicodedata.normalize("NFC", data.decode("cp1258", errors="replace")), "viscii": viscii_decode(data)}
    if legacy:
        readings[legacy] = fixed
    scores = {encoding: _validity_counts(text) for encoding, text in readings.items()}
    # Net valid syllables; Windows-1258 wins ties because it is the standard code page.
    best = max(readings, key=lambda enc: (scores[enc][0] - 0.5 * (scores[enc][1] - scores[enc][0]), enc == "cp1258"))
    return None if best == "cp1258" else (readings[best], best)
