"""Vietnamese text layer: normalisation of the stored text and the exact / tone / loose search keys."""
from __future__ import annotations

import bisect
import re
import unicodedata

from indexer.model import Mark, NormalizedText, PageSpan

# Decisions follow /work/shared/research/vietnamese-text.md:
# - §0.1 and §1.1: NFC the decoded text, never rewrite tone placement in the stored text ("hoà" stays "hoà").
# - §1.1 and §1.6: NFC does not fix the look-alikes Ð/ð (U+00D0/U+00F0) nor Ɖ/ɖ (U+0189/U+0256): map them to Đ/đ;
#   NBSP → space; zero-width characters, BOM and the soft hyphen are removed (readers decode legacy encodings
#   before this runs, so dropping U+00AD can no longer delete a TCVN3 "ư").
# - §3.1: three keys, đ→d mapped by hand for the loose key because NFD/NFKD leave it alone or delete it.
# - §1.4: the tone key is tone-position-insensitive (hòa = hoà, thủy = thuỷ, nghịêm = nghiệm); here it drops the
#   five tone marks (keeping ă â ê ô ơ ư đ) instead of appending a tone digit, so that every key has the same
#   length as its NFC input and offsets found on a key are offsets into the normalised text.
# - §1.1: tokenise only NFC text (re's \w splits NFD syllables).

_LOOKALIKES = {"\u00d0": "\u0110", "\u00f0": "\u0111", "\u0189": "\u0110", "\u0256": "\u0111"}

# Characters that carry no text: zero-width space/joiners, word joiner, BOM, soft hyphen, bidi marks and
# embeddings/isolates, Mongolian vowel separator, and C0/C1 controls other than tab and line breaks.
_INVISIBLE = (
    "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u061c\u180e"
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    + "".join(chr(c) for c in range(0x00, 0x20) if chr(c) not in "\t\n\r\x0b\x0c\x1c\x1d\x1e")
    + "".join(chr(c) for c in range(0x7F, 0xA0) if c != 0x85)
)
# Every Unicode space separator becomes a plain space; the other line separators become "\n".
_SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_LINE_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"

# Character classes applied with re (scanning in C is far faster than a str.translate dict on long texts).
_INVISIBLE_RE = re.compile("[" + re.escape(_INVISIBLE) + "]")
_SPACES_RE = re.compile("[" + _SPACES + "]")
_LINE_BREAKS_RE = re.compile("[" + re.escape(_LINE_BREAKS) + "]")

_HSPACE_RUN = re.compile(r"  +")
_SPACE_AROUND_NEWLINE = re.compile(r" \n ?|\n ")
_MANY_BLANK_LINES = re.compile(r"\n{4,}")  # four newlines = three blank lines

_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")  # huyền, sắc, ngã, hỏi, nặng


def normalize(text: str) -> str:
    """The stored, displayed and quoted form of a text: NFC, look-alikes fixed, invisibles removed, whitespace tidied.

    Whitespace: "\\r\\n" and "\\r" become "\\n"; runs of spaces and tabs become one space; spaces at the start and
    end of lines are removed; three or more blank lines become two; the text is stripped of leading and trailing
    blank lines. Idempotent: normalize(normalize(x)) == normalize(x).
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Invisibles go before NFC so that a mark separated from its letter by a zero-width character still composes.
    text = _INVISIBLE_RE.sub("", text)
    text = _LINE_BREAKS_RE.sub("\n", _SPACES_RE.sub(" ", text)).replace("\t", " ")
    text = _fix_lookalikes(unicodedata.normalize("NFC", text))
    text = _HSPACE_RUN.sub(" ", text)
    text = _SPACE_AROUND_NEWLINE.sub("\n", text)
    text = _MANY_BLANK_LINES.sub("\n\n\n", text)
    return text.strip(" \n")


def _fix_lookalikes(text: str) -> str:
    for lookalike, letter in _LOOKALIKES.items():
        if lookalike in text:
            text = text.replace(lookalike, letter)
    return text


def normalize_pages(pages: list[str], ocr_pages: dict[int, float] | None = None, markup: bool = False) -> NormalizedText:
    """Normalise each page and join them with a blank line, or one space when a sentence runs over the page break
    (`page_separator`); PageSpan i+1 covers page i's normalised text.

    With `markup` (text and DOCX readers write markdown), emphasis and heading markers are taken out of each page
    and kept as Marks with offsets into the joined text.
    """
    ocr_pages = ocr_pages or {}
    parts: list[str] = []
    spans: list[PageSpan] = []
    marks: list[Mark] = []
    offset = 0
    separators: list[str] = []
    for index, page in enumerate(pages):
        clean = normalize(page)
        if index:
            separators.append(page_separator(parts[-1], clean))
            offset += len(separators[-1])
        if markup:
            stripped, page_marks = strip_markup(clean)
            # Removing a marker cannot change what normalize() does by construction; if it ever did, the offsets of
            # the marks would be wrong, so the page keeps its markup instead.
            if normalize(stripped) == stripped:
                clean = stripped
                marks.extend(Mark(m.start + offset, m.end + offset, m.kind, m.level) for m in page_marks)
        parts.append(clean)
        number = index + 1
        spans.append(PageSpan(number=number, start=offset, end=offset + len(clean), ocr_confidence=ocr_pages.get(number)))
        offset += len(clean)
    text = "".join(part + separator for part, separator in zip(parts, separators + [""]))
    return NormalizedText(text=text, pages=spans, marks=tuple(marks))


_ENDS_SENTENCE = re.compile(r"[.;:!?…\n]\W*$")  # a page ending so is a full paragraph (as is an empty page)


def page_separator(before: str, after: str) -> str:
    """What joins two normalised pages: one space when a sentence runs over the page break (the page does not end
    a sentence and the next begins with a lower-case letter: "gửi Sở Kế hoạch và Đầu tư" | "trước ngày 15…"),
    otherwise a blank line ("\\n\\n")."""
    if before and after and after[0].islower() and not _ENDS_SENTENCE.search(before[-3:]):
        return " "
    return "\n\n"


# Markdown layout the text reader meets in .txt/.md files and the DOCX reader writes for bold paragraphs. An opener
# is not preceded by a word character or another marker and is followed by a visible character that does not close
# a bracket; a closer mirrors it. So "(*)", a "*" rule, "5 * 3", "x*y*z" and "2**10" keep their asterisks.
_HEADING_MARK = re.compile(r"^(#{1,6}) +(?=\S)", re.M)
_EMPHASIS = (
    # (pattern whose group 1 is the covered words, kinds); a bold pair may run over the lines of one paragraph.
    (re.compile(r"(?<![\w*])\*\*\*(?=[^\s*)\]}])([^*\n]+?)(?<=[^\s*(\[{])\*\*\*(?![\w*])"), ("bold", "italic")),
    (re.compile(r"(?<![\w*])\*\*(?=[^\s*)\]}])((?:[^*\n]|\*(?!\*)|\n(?!\n))+?)(?<=[^\s*(\[{])\*\*(?![\w*])"),
     ("bold",)),
    (re.compile(r"(?<!\w)__(?=[^\s_)\]}])((?:[^_\n]|_(?!_)|\n(?!\n))+?)(?<=[^\s_(\[{])__(?!\w)"), ("bold",)),
    (re.compile(r"(?<![\w*])\*(?=[^\s*)\]}])([^*\n]+?)(?<=[^\s*(\[{])\*(?![\w*])"), ("italic",)),
)


def strip_markup(text: str) -> tuple[str, list[Mark]]:
    """Remove line-leading "#" heading markers and paired emphasis markers (***x***, **x**, __x__, *x*).

    Returns the text without them and one Mark per removed pair or heading, with offsets into the returned text.
    Lone or unpaired asterisks stay. Pass normalised text: the result is then still normalised.
    """
    if "*" not in text and "#" not in text and "__" not in text:
        return text, []
    work = text
    removed: list[tuple[int, int]] = []  # [start, end) of marker characters in `text`
    found: list[tuple[int, int, str, int]] = []  # covered words in `text` coordinates
    for match in _HEADING_MARK.finditer(work):
        line_end = work.find("\n", match.end())
        found.append((match.end(), len(work) if line_end < 0 else line_end, "heading", len(match.group(1))))
        removed.append(match.span())
    work = _blank_out(work, removed)
    for pattern, kinds in _EMPHASIS:
        pairs = [m for m in pattern.finditer(work) if m.group(1).strip("\x00") and _keeps_composition(work, m)]
        for m in pairs:
            marker = (m.end() - m.start() - (m.end(1) - m.start(1))) // 2
            removed.extend(((m.start(), m.start() + marker), (m.end() - marker, m.end())))
            found.extend((m.start(1), m.end(1), kind, 0) for kind in kinds)
        work = _blank_out(work, removed)
    if not removed:
        return text, []
    removed.sort()
    kept: list[str] = []
    previous = 0
    for start, end in removed:
        kept.append(text[previous:start])
        previous = end
    kept.append(text[previous:])
    starts = [start for start, _ in removed]
    widths = [0]
    for start, end in removed:
        widths.append(widths[-1] + end - start)

    def shift(offset: int) -> int:
        # Markers removed strictly before the offset; a covered span never starts or ends inside a marker.
        return offset - widths[bisect.bisect_left(starts, offset)]

    stripped = "".join(kept)
    if normalize(stripped) != stripped:
        # Taking markers out left something normalisation would change (a line of only markers gone at the end of
        # the text, spaces brought together): keep the text as it was rather than break the normalised contract.
        return text, []
    marks = []
    for a, b, kind, level in found:
        # Markers of a pair nested inside another are gone too: the words left may start or end elsewhere, or be none.
        start, end = shift(a), shift(b)
        while start < end and stripped[start].isspace():
            start += 1
        while end > start and stripped[end - 1].isspace():
            end -= 1
        if start < end:
            marks.append(Mark(start, end, kind, level))
    marks.sort(key=lambda m: (m.start, -m.end, m.kind))
    return stripped, marks


def _blank_out(text: str, spans: list[tuple[int, int]]) -> str:
    """Replace consumed markers by NULs (same length, never a marker, never in normalised text) for the next pass."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = "\x00" * (end - start)
    return "".join(chars)


def _keeps_composition(text: str, match: re.Match) -> bool:
    """A marker between a letter and a combining mark would let NFC compose them once removed: keep such markers."""
    after_open = text[match.start(1):match.start(1) + 1]
    after_close = text[match.end():match.end() + 1]
    return not any(ch and unicodedata.combining(ch) for ch in (after_open, after_close))


def _casefold_same_length(text: str) -> str:
    """casefold(), except that a character whose fold would change the length (ß → ss) is lowercased or kept."""
    folded = text.casefold()
    if len(folded) == len(text):
        return folded
    out = []
    for ch in text:
        f = ch.casefold()
        if len(f) != 1:
            f = ch.lower()
            if len(f) != 1:
                f = ch
        out.append(f)
    return "".join(out)


def _build_fold_tables() -> tuple[dict[int, str], dict[int, str]]:
    """Per-character maps for lowercase precomposed Latin letters: tone marks removed / all marks removed."""
    tone: dict[int, str] = {}
    loose: dict[int, str] = {}
    ranges = [range(0x00C0, 0x0250), range(0x1E00, 0x1F00)]
    for block in ranges:
        for code in block:
            ch = chr(code)
            decomposed = unicodedata.normalize("NFD", ch)
            if decomposed == ch:
                continue
            no_tone = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))
            if len(no_tone) == 1 and no_tone != ch:
                tone[code] = no_tone
            bare = "".join(c for c in decomposed if not unicodedata.combining(c))
            if len(bare) == 1 and bare != ch:
                loose[code] = bare
    for letter in ("\u0111", "\u00f0", "\u0256"):  # đ ð ɖ have no decomposition: fold them by hand (§3.1)
        loose[ord(letter)] = "d"
    for letter in ("\u0110", "\u00d0", "\u0189"):
        loose[ord(letter)] = "D"
    # One pass for the loose key: a letter's loose form, whether or not it has a tone to drop first.
    for code, no_tone in tone.items():
        loose.setdefault(code, loose.get(ord(no_tone), no_tone))
    return tone, loose


_TONE_TABLE, _LOOSE_TABLE = _build_fold_tables()


def key_exact(s: str) -> str:
    """Exact key: NFC, look-alikes fixed, case-folded. Same length as NFC(s)."""
    return _casefold_same_length(_fix_lookalikes(unicodedata.normalize("NFC", s)))


def key_tone(s: str) -> str:
    """Tone-insensitive key: exact key without the five tone marks, hats and đ kept (hòa = hoà → "hoa", thuỷ → "thuy")."""
    return key_exact(s).translate(_TONE_TABLE)


def key_loose(s: str) -> str:
    """Loose key: every diacritic removed and đ → d ("Đà Nẵng" → "da nang"). Same length as NFC(s)."""
    return key_exact(s).translate(_LOOSE_TABLE)


# A token is a run of letters/digits; combining marks left over in odd text stay inside the token.
_TOKEN = re.compile(r"[^\W_]+(?:[\u0300-\u036f]+[^\W_]*)*")
# Compound identifiers: alphanumeric pieces joined by "/", "-" or "." without spaces ("80/KH-UBND", "59/2023/NĐ-CP",
# "10/5/2023", "KH-BQLKKT"), kept only when they hold a "/" or a digit or an upper-case letter next to a "-".
# The look-behind starts matches only at word starts: same matches, without retrying inside every word.
_COMPOUND = re.compile(r"(?<![^\W_])[^\W_]+(?:[/.\-][^\W_]+)+")


def tokenize(s: str) -> list[tuple[int, int]]:
    """Syllable tokens: [start, end) spans of letter/digit runs split on everything else; offsets refer to s.

    "Số: 80/KH-UBND ngày 26/6" → "Số", "80", "KH", "UBND", "ngày", "26", "6". Pass NFC text (normalize()).
    Works on any key as well, since the keys keep the length of NFC text.
    """
    return [m.span() for m in _TOKEN.finditer(s)]


def compound_tokenize(s: str) -> list[tuple[int, int]]:
    """Spans of whole identifiers such as "80/KH-UBND" or "10/5/2023", to index beside the syllable tokens."""
    spans = []
    for m in _COMPOUND.finditer(s):
        word = m.group()
        if "/" in word or any(c.isdigit() for c in word) or re.search(r"[A-ZĐ]-|-[A-ZĐ]", word):
            spans.append(m.span())
    return spans
