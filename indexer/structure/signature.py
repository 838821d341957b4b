"""Signature blocks (TM./KT./Q./TL./TUQ., position, signer) and the Nơi nhận list at the end of a document."""
from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.structure.doclines import Line, is_upper_line
from indexer.model import SignatureBlock
from indexer.text.vntext import key_loose

AUTHORITY = re.compile(r"^(?P<auth>TM\.|KT\.|TL\.|TUQ\.|Q\.|T/M|K/T|T/L|Q/|TM|KT|TL)\s*(?P<rest>\S.*)$")
_AUTHORITY_ANYWHERE = re.compile(r"(?:^|\s)(?P<auth>TM\.|T/M)\s*(?P<rest>[^\W\d_][^\d]*?)\s*$")
# Words that make an upper-case line a signer's position (or the body the signer acts for).
_POSITION = re.compile(
    r"TRƯỞNG|CHỦ\s+TỊCH|GIÁM\s+ĐỐC|BÍ\s+THƯ|THƯ\s+KÝ|THỦ\s+TƯỚNG|CHÁNH|CHỦ\s+NHIỆM|Y\s+VIÊN"
    r"|THƯỜNG\s+TRỰC|THỐNG\s+ĐỐC|KIỂM\s+TOÁN|ĐẠI\s+DIỆN|NGƯỜI\s+|HIỆU\s+TRƯỞNG|TỔ\s+TRƯỞNG|CHỈ\s+HUY"
)
# Lines between the position and the name: "(Đã ký)", "(ký, đóng dấu)", e-signature stamps.
_FILLER = re.compile(r"^\(?\s*(?:đã\s+ký|ký|ký\s+tên|ký,?\s+đóng\s+dấu|ký\s+và\s+đóng\s+dấu|signed)[^)]*\)?\.?$|^(?:Ký\s+bởi|Thời\s+gian\s+ký|Cơ\s+quan)\s*:", re.I)
RECIPIENTS_LINE = re.compile(r"^N[ơo]i\s+nh[ậa]n\s*[:.]?\s*(?P<rest>.*)$", re.I)
_ITEM = re.compile(r"^[-–—+•]\s*")
_ARCHIVE = re.compile(r"^L[ưu]u\s*[:.]?(?:\s|$)", re.I)
_TRAILING_NOTE = re.compile(r"\s*(?:[}\]]\s*)?\((?:[^()]*)\)\s*$")


@dataclass(frozen=True)
class FoundSignature:
    """A signature block and its span in the text."""

    block: SignatureBlock
    start: int
    end: int


@dataclass(frozen=True)
class FoundRecipients:
    """The Nơi nhận list and its span in the text."""

    recipients: list[str]
    start: int
    end: int


# Military and police ranks printed before a signer's name ("Thượng tướng Lê Huy Vịnh").
_RANK = re.compile(r"^(?:(?:Đại|Thượng|Trung|Thiếu)\s+(?:tướng|tá|úy|uý)|Đại\s+úy)\s+")


def signer_name(text: str) -> str:
    """The name on a signature line, without a rank in front of it."""
    return _RANK.sub("", text.strip())


def is_person_name(text: str) -> bool:
    """"Trần Ngọc Căng": 2–6 capitalised alphabetic words, nothing else on the line (a rank may precede it)."""
    text = signer_name(text)
    words = text.split()
    if not 2 <= len(words) <= 6 or len(text) > 45:
        return False
    return all(w.isalpha() and w[0].isupper() and (len(w) == 1 or w[1:].islower()) for w in words)


def _is_block_line(text: str) -> bool:
    return is_upper_line(text) and len(text) <= 90 and not re.search(r"[\d_:;]", text)


def _cell(text: str) -> str:
    """A line of a Markdown table row reduced to its last cell: "- Lưu: VT. | TM. ỦY BAN NHÂN DÂN" → the
    signature column, "Trần Chí Cường |" → the name (web copies put Nơi nhận and signature side by side)."""
    if "|" not in text:
        return text
    pieces = [piece.strip(" *_") for piece in text.split("|") if piece.strip(" *_")]
    return pieces[-1] if pieces else ""


def find_signatures(lines: list[Line], start_index: int = 0) -> list[FoundSignature]:
    """Every signer in the document: a name line under upper-case position / authority lines."""
    found: list[FoundSignature] = []
    for line in lines[start_index:]:
        if not is_person_name(_cell(line.text)):
            continue
        block = _block_above(lines, line)
        if block is not None:
            found.append(block)
    return found


# OCR of a scan breaks the signature column: the Nơi nhận list lands between position and name, the name shares its
# line with a list entry or a filing code ("- Lưu: VT, P5. Đại tá Bùi Duy Hưng", "LQ_VP7_NV.2024 Phạm Quang Ngọc").
_OCR_RANK = re.compile(r"(?:^|\s)(?P<rank>(?:Đại|Thượng|Thường|Trung|Thiếu)[\s-]+(?:tướng|tá|úy|uý))\s+(?P<name>\S.*)$")
_OCR_CODE = re.compile(r"(?:^|\s)\S*[\d_]\S*\s+(?P<name>[^\W\d_]+(?:\s+[^\W\d_]+){1,4})$")
_SIGNING_CUE = re.compile(rf"(?:^|\s)(?:TM\.|KT\.|TL\.|TUQ\.|T/M|K/T)\s*\S|{_POSITION.pattern}")
# A Vietnamese syllable (loose key): what a misread font makes of a name ("Minh Vfr") is not one.
_SYLLABLE = re.compile(r"^(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]+(?:ch|ng|nh|[cmnpt])?$")
END_LINES = 6  # how close to the end of the text the name must be (non-blank lines)
CUE_LINES = 25  # how far above the name a position / authority / rank must be (lines)


def find_end_signer(lines: list[Line], start_index: int = 0) -> FoundSignature | None:
    """The signer of a document whose signature block OCR broke up: a person's name among the last END_LINES
    non-blank lines — alone on its line, after a rank, or after a filing code — with a signing authority or position
    in capitals (or a rank before the name) within CUE_LINES above it. None when no such name is readable."""
    tail = [line for line in lines[start_index:] if not line.blank][-END_LINES:]
    for line in reversed(tail):
        text = _cell(line.text).strip(" *")
        rank = _OCR_RANK.search(text)
        name = text if is_person_name(text) else rank.group("name") if rank else None
        if name is None:
            code = _OCR_CODE.search(text)
            name = code.group("name") if code else None
        if not name or not is_person_name(name) or not all(_SYLLABLE.match(w) for w in key_loose(name).split()):
            continue
        above = lines[max(start_index, line.index - CUE_LINES): line.index]
        cue = next((m for ln in reversed(above) if is_upper_line(ln.text, 4) or AUTHORITY.search(ln.text)
                    for m in [_SIGNING_CUE.search(ln.text)] if m), None)
        if cue is None and not rank:
            continue
        authority = AUTHORITY.search(cue.group(0).strip()) if cue else None
        block = SignatureBlock(name=signer_name(name), authority=authority.group("auth") if authority else "",
                               position="", organisation="")
        return FoundSignature(block, line.start, line.end)
    return None


def _block_above(lines: list[Line], name_line: Line) -> FoundSignature | None:
    index = name_line.index - 1
    skipped = 0
    while index >= 0 and skipped < 12 and (lines[index].blank or _FILLER.match(_cell(lines[index].text))):
        index -= 1
        skipped += 1
    collected: list[Line] = []
    blanks = 0
    while index >= 0 and len(collected) < 7:
        line = lines[index]
        if line.blank:
            blanks += 1
            if blanks > 2:
                break
            index -= 1
            continue
        if not _is_block_line(_cell(line.text)):
            break
        blanks = 0
        collected.insert(0, line)
        match = AUTHORITY.match(_cell(line.text))
        if match and match.group("auth") in ("TM.", "T/M", "TM"):
            break  # "TM. <body>" heads the block
        index -= 1
    if not collected:
        return None
    texts = [_cell(line.text).strip(" *") for line in collected]
    if not any(_POSITION.search(text) or AUTHORITY.match(text) for text in texts):
        return None
    block = _read_block(texts, _cell(name_line.text))
    if not block.organisation:
        block = _authority_nearby(lines, collected[0].index, block)
    return FoundSignature(block, collected[0].start, name_line.end)


def _read_block(texts: list[str], name: str) -> SignatureBlock:
    authority = ""
    organisation_parts: list[str] = []
    position_parts: list[str] = []
    last_auth = max((i for i, t in enumerate(texts) if AUTHORITY.match(t)), default=None)
    if last_auth is None:
        organisation_parts = texts[:-1]
        position_parts = texts[-1:]
    else:
        for i, text in enumerate(texts):
            match = AUTHORITY.match(text)
            if match and match.group("auth") in ("TM.", "T/M", "TM"):
                organisation_parts.append(match.group("rest"))
            elif i < last_auth and not match:
                organisation_parts.append(text)
        authority = AUTHORITY.match(texts[last_auth]).group("auth")
        position_parts = texts[last_auth + 1:]
        if not position_parts:  # "TM. ỦY BAN NHÂN DÂN" alone above the name
            position_parts = []
    return SignatureBlock(
        name=signer_name(name),
        authority=authority,
        position=" ".join(position_parts),
        organisation=" ".join(organisation_parts),
    )


def _authority_nearby(lines: list[Line], top: int, block: SignatureBlock) -> SignatureBlock:
    """PDF columns can put "TM. ỦY BAN NHÂN DÂN" at the end of the "Nơi nhận:" line, a few lines above."""
    for line in lines[max(0, top - 12): top]:
        match = _AUTHORITY_ANYWHERE.search(line.text)
        if match and is_upper_line(match.group("rest")):
            return SignatureBlock(block.name, block.authority or match.group("auth"), block.position,
                                  match.group("rest").strip())
    return block


def find_recipients(lines: list[Line], start_index: int = 0) -> FoundRecipients | None:
    """The first Nơi nhận list at or after start_index: one entry per line, annotations removed."""
    for line in lines[start_index:]:
        match = RECIPIENTS_LINE.match(line.text.lstrip("| "))
        if match:
            return _read_recipients(lines, line, match.group("rest"))
    return None


def _read_recipients(lines: list[Line], head: Line, rest: str) -> FoundRecipients:
    items: list[str] = []
    rest = re.split(r"\s(?:TM\.|KT\.|T/M|K/T|TL\.)\s", " " + rest)[0].strip()
    if rest and not is_upper_line(rest):
        items.append(rest)
    end = head.end
    index = head.index + 1
    blanks = 0
    while index < len(lines):
        line = lines[index]
        text = line.text
        if line.blank:
            blanks += 1
            if blanks > 1 and items:
                break
            index += 1
            continue
        if _ITEM.match(text):
            items.append(_ITEM.sub("", text))
        elif is_upper_line(text) or is_person_name(text) or len(text) >= 100 or (items and _ARCHIVE.match(items[-1])):
            break
        elif items and blanks == 0 and not _item_closed(items[-1]):
            items[-1] = f"{items[-1]} {text}"  # an entry wrapped onto the next line
        elif not items or blanks == 0:
            items.append(text)  # lists whose dashes were Word numbering, lost in extraction
        else:
            break
        blanks = 0
        end = line.end
        index += 1
    cleaned = [_clean_recipient(item) for item in items if not _ARCHIVE.match(item)]
    return FoundRecipients([item for item in cleaned if item], head.start, end)


def _item_closed(item: str) -> bool:
    """An entry ends with ";" or "." once notes split over lines ("(Để" … "báo cáo)") are set aside."""
    text = re.sub(r"\s*\([^)]*$", "", item).rstrip()
    if text.count(")") > text.count("("):
        text = re.sub(r"[^;,(]*\)$", "", text).rstrip()
    return text.endswith((";", "."))


def _clean_recipient(item: str) -> str:
    text = item.strip()
    previous = None
    while previous != text:
        previous = text
        text = _TRAILING_NOTE.sub("", text).rstrip(" ,;.}:\t")
        if text.count(")") > text.count("("):  # "Ban Thường vụ Tỉnh ủy;      báo cáo)": a note split over lines
            text = re.sub(r"(?:[;,]|\s{2,})[^;,]*\)$", "", text)
        text = re.sub(r"\s*\([^)]*$", "", text)
    return re.sub(r"\s+", " ", text)
