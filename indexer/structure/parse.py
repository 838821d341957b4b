"""parse_structure: header, outline, signatures, Nơi nhận and references of a normalised document text."""
from __future__ import annotations

import re
from collections.abc import Sequence

from indexer.structure.doclines import Line, split_lines
from indexer.structure.header import parse_header
from indexer.model import DocumentStructure, Mark, Section
from indexer.structure.outline import parse_outline
from indexer.structure.references import find_references, type_from_number
from indexer.structure.signature import find_end_signer, find_recipients, find_signatures

# Words an issuing body's name starts with; a self-description is only trusted when it names such a body.
ORG_START = (
    r"(?:Ban|Ủy\s+ban|Uỷ\s+ban|UBND|HĐND|Hội\s+đồng|Sở|Phòng|Bộ|Chính\s+phủ|Thủ\s+tướng|Tỉnh\s+ủy|Tỉnh\s+uỷ"
    r"|Huyện\s+ủy|Huyện\s+uỷ|Thành\s+ủy|Thành\s+uỷ|Đảng\s+ủy|Đảng\s+uỷ|Đảng\s+bộ|Mặt\s+trận|MTTQ|Trung\s+tâm"
    r"|Văn\s+phòng|Cục|Chi\s+cục|Tổng\s+cục|Công\s+an|Đoàn|Hội|Liên\s+đoàn|Thanh\s+tra|Kho\s+bạc|Trường|Viện"
    r"|Tòa\s+án|Quốc\s+hội|Thường\s+trực|Tiểu\s+ban|Tổ\s+công\s+tác|Chi\s+bộ|Cơ\s+quan)"
)
_SELF_NAMING = re.compile(
    rf"(?:^|[;:.]\s*|,\s*|\n\s*)(?P<org>{ORG_START}\b[^;:\n]{{0,180}}?)\s*,?\s*"
    r"(?:thống\s+nhất\s+|cùng\s+|phối\s+hợp\s+)?"
    r"(?:xây\s+dựng|ban\s+hành|triển\s+khai|hướng\s+dẫn|thông\s+báo|báo\s+cáo|đề\s+ra|lập|yêu\s+cầu)\b"
    r"[^;]{0,320}?(?:như\s+sau|sau\s+đây)\s*:?",
)
_ORG_SPLIT = re.compile(rf"\s+(?:và|với)\s+(?={ORG_START}\b)|,\s*(?={ORG_START}\b)")
_TITLE_YEAR = re.compile(r"(?<!đến )(?<!tới )(?<!nhìn )năm\s+((?:19|20)\d{2})\b")
_NUMBER_YEAR = re.compile(r"^\d*/((?:19|20)\d{2})/")
_ATTACHMENT_MIN_CHARS = 80  # text after the signature shorter than this is a stamp or file code, not an annex


def parse_structure(text: str, marks: Sequence[Mark] = ()) -> DocumentStructure:
    """Everything the layout says about a document; missing values stay empty. Never raises on any text.

    `marks` are the bold/heading markup the normaliser took out of the text (NormalizedText.marks); text that still
    carries its markdown is read the same way without them.
    """
    lines = split_lines(text, marks)
    header = parse_header(lines)
    body_start = _skip_space(text, header.body_start)
    body_line = _line_at(lines, body_start)

    signatures = find_signatures(lines, body_line)
    if not signatures:  # a scan whose signature block OCR broke up
        signatures = [s for s in [find_end_signer(lines, body_line)] if s is not None]
    recipients = find_recipients(lines, body_line)
    spans = sorted([(s.start, s.end) for s in signatures] + ([(recipients.start, recipients.end)] if recipients else []))
    tails = _cluster(text, spans)
    body_end = tails[0][0] if tails else None

    regions = _regions(text, lines, body_line, tails)
    sections = _attachment_sections(lines, regions) + parse_outline(lines, regions)
    sections.sort(key=lambda s: (s.start, s.level))

    title = header.title
    doc_number = header.doc_number
    doc_type = header.doc_type or (type_from_number(doc_number) if doc_number else None)
    year = header.date_year or _title_year(title) or _number_year(doc_number)
    first_section = next((s.start for s in sections), body_end if body_end is not None else len(text))
    issuers = header.issuers or _self_named_issuers(text[body_start:first_section]) or _signature_issuers(signatures)
    return DocumentStructure(
        doc_type=doc_type,
        doc_number=doc_number,
        title=title,
        issuers=issuers,
        place=header.place,
        date=header.date,
        year=year,
        references=find_references(text, doc_number),
        sections=sections,
        signatures=[s.block for s in signatures],
        recipients=recipients.recipients if recipients else [],
        body_start=body_start,
        body_end=body_end,
    )


def _skip_space(text: str, offset: int) -> int:
    while offset < len(text) and text[offset].isspace():
        offset += 1
    return offset


def _line_at(lines: list[Line], offset: int) -> int:
    for line in lines:
        if line.end >= offset:
            return line.index
    return len(lines) - 1


def _cluster(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Signature blocks and the Nơi nhận list that sit together (only stamps or file codes between them)."""
    clusters: list[tuple[int, int]] = []
    for start, end in spans:
        if clusters:
            gap = text[clusters[-1][1]:start]
            gap_lines = [g.strip() for g in gap.split("\n") if g.strip()]
            if start <= clusters[-1][1] or (len(gap_lines) <= 3 and all(len(g) < 40 for g in gap_lines)):
                clusters[-1] = (clusters[-1][0], max(end, clusters[-1][1]))
                continue
        clusters.append((start, end))
    return clusters


def _regions(text: str, lines: list[Line], body_line: int, tails: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """Line ranges holding outline items: the body, then any annex after a signature (path prefix "PL", "PL2", ...)."""
    bounds = [(_line_at(lines, start), _line_at(lines, end) + 1) for start, end in tails]
    regions = [(body_line, bounds[0][0] if bounds else len(lines), "")]
    pieces = [(stop, bounds[i + 1][0] if i + 1 < len(bounds) else len(lines)) for i, (_, stop) in enumerate(bounds)]
    annexes = [(a, b) for a, b in pieces if a < b and len(text[lines[a].start:lines[b - 1].end].strip()) >= _ATTACHMENT_MIN_CHARS]
    for number, (first, last) in enumerate(annexes, 1):
        regions.append((first, last, "PL" if len(annexes) == 1 else f"PL{number}"))
    return regions


def _attachment_sections(lines: list[Line], regions: list[tuple[int, int, str]]) -> list[Section]:
    """One top-level section per annex, headed by its first words ("Phụ lục", "KẾ HOẠCH …")."""
    sections: list[Section] = []
    for first, last, prefix in regions:
        if not prefix:
            continue
        heading_line = next((ln for ln in lines[first:last] if not ln.blank and not ln.text.isdigit()), lines[first])
        heading = heading_line.text if len(heading_line.text) <= 90 else heading_line.text[:90].rsplit(" ", 1)[0] + "…"
        start = next((ln.start for ln in lines[first:last] if not ln.blank), lines[first].start)
        sections.append(Section(path=prefix, heading=heading or "Phụ lục", level=1, start=start,
                                end=lines[last - 1].end, body_start=min(heading_line.end + 1, lines[last - 1].end)))
    return sections


def _title_year(title: str | None) -> int | None:
    if not title:
        return None
    years = _TITLE_YEAR.findall(title)
    return int(years[-1]) if years else None


def _number_year(number: str | None) -> int | None:
    match = _NUMBER_YEAR.match(number or "")
    return int(match.group(1)) if match else None


def _self_named_issuers(preamble: str) -> list[str]:
    """"…; Sở Công Thương triển khai thực hiện như sau:" — the body as the document names itself."""
    matches = list(_SELF_NAMING.finditer(preamble[:6000]))
    if not matches:
        return []
    org = re.sub(r"\s*\([^)]*\)", "", matches[-1].group("org")).strip(" ,")
    names = [re.sub(r"\s+", " ", part).strip(" ,") for part in _ORG_SPLIT.split(org)]
    return [name for name in names if name and len(name.split()) <= 16]


def _signature_issuers(signatures) -> list[str]:
    names: list[str] = []
    for found in signatures:
        organisation = found.block.organisation
        if organisation and organisation not in names:
            names.append(organisation)
    return names
