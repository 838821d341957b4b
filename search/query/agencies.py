"""Agencies named in a question: known names and abbreviations (accents optional), their keys for comparing with the
names read from documents."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from indexer.duties.agencies import agency_at, find_agencies, looks_like_agency
from indexer.text.vntext import key_loose

# Agencies a question may name without the index having seen them (display form, matched on loose keys).
KNOWN_AGENCIES = (
    "Sở Nội vụ", "Sở Tài chính", "Sở Kế hoạch và Đầu tư", "Sở Công Thương", "Sở Tư pháp", "Sở Y tế",
    "Sở Giáo dục và Đào tạo", "Sở Xây dựng", "Sở Giao thông vận tải", "Sở Tài nguyên và Môi trường",
    "Sở Thông tin và Truyền thông", "Sở Lao động - Thương binh và Xã hội", "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Nông nghiệp và Phát triển nông thôn", "Sở Khoa học và Công nghệ", "Sở Ngoại vụ", "Thanh tra tỉnh",
    "Ban Dân tộc", "Ban Tôn giáo", "Ban Dân vận Tỉnh ủy", "Ban Dân vận Huyện ủy", "Ban Dân vận",
    "Ban Thường vụ Tỉnh ủy", "Ban Quản lý Khu kinh tế", "UBND tỉnh", "UBND huyện", "Ủy ban nhân dân tỉnh",
    "Ủy ban nhân dân huyện", "Văn phòng UBND tỉnh", "Văn phòng", "Tỉnh ủy", "Huyện ủy", "Mặt trận Tổ quốc",
    "Bộ Nội vụ", "Chính phủ", "Thủ tướng Chính phủ", "Công an tỉnh", "Hội đồng nhân dân tỉnh",
)
# Abbreviations folded into agency keys so that "UBND tỉnh" matches "Ủy ban Nhân dân tỉnh".
_AGENCY_ABBREVIATIONS = {"ubnd": "uy ban nhan dan", "hdnd": "hoi dong nhan dan", "bdv": "ban dan van",
                         "vpub": "van phong uy ban nhan dan", "bql": "ban quan ly"}


def agency_key(name: str) -> str:
    """Loose key of an agency name with abbreviations spelled out: "UBND tỉnh" and "Ủy ban Nhân dân tỉnh" agree."""
    words = re.findall(r"[a-z0-9]+", key_loose(name))
    spelled = _agency_abbreviations()  # "snv" → "Sở Nội vụ" (abbreviations.tsv)
    return " ".join(_AGENCY_ABBREVIATIONS.get(w) or (key_loose(spelled[w]) if w in spelled else w) for w in words)


# Words a body's name is written with or without (loose keys, each way): the merged provincial media body is "Báo và
# Phát thanh, Truyền hình Lâm Đồng" in its own decision and "Báo và Đài Phát thanh, Truyền hình …" in plans; a
# station is "Đài Phát thanh và Truyền hình" or "Đài Phát thanh - Truyền hình".
_NAME_VARIANTS = ((re.compile(r"(?<![a-z])dai (?=phat thanh|truyen hinh)"), ""),
                  (re.compile(r"(?<![a-z])(?<!dai )(?<!phat thanh )(?<!phat thanh va )(?=phat thanh|truyen hinh)"), "dai "),
                  (re.compile(r"(?<=phat thanh) va (?=truyen hinh)"), " "),
                  (re.compile(r"(?<=phat thanh) (?=truyen hinh)"), " va "))


def agency_alternatives(name: str) -> tuple[str, ...]:
    """Loose keys an agency may be written with: as asked, without a closing level word, since "Báo và Phát thanh,
    Truyền hình tỉnh" is written "… Truyền hình Lâm Đồng" in the province's own documents, and with or without the
    optional words of _NAME_VARIANTS ("Báo và Đài Phát thanh, Truyền hình"). The asked form comes first."""
    key = agency_key(name)
    bare = re.sub(r"\s+(?:tinh|huyen|xa|thanh pho)$", "", key)
    forms = [key] + ([bare] if bare != key and len(bare.split()) >= 2 else [])
    for form in list(forms):
        for pattern, replacement in _NAME_VARIANTS:
            forms.append(" ".join(pattern.sub(replacement, form, count=1).split()))
    return tuple(dict.fromkeys(forms))


def agency_matches(asked: str, stated: str | None) -> bool:
    """True when the agency asked about is named in `stated` (word-aligned containment of agency keys)."""
    if not stated:
        return False
    return f" {agency_key(asked)} " in f" {agency_key(stated)} "


def _agency_regex(name: str) -> re.Pattern[str]:
    parts = []
    for word in agency_key(name).split():
        parts.append(re.escape(word))
    pattern = r"\s*[-,]?\s*".join(parts)
    for abbreviation, spelled in _AGENCY_ABBREVIATIONS.items():
        spelled_pattern = r"\s*[-,]?\s*".join(spelled.split())
        pattern = pattern.replace(spelled_pattern, f"(?:{spelled_pattern}|{abbreviation})")
    return re.compile(rf"\b{pattern}\b")


def agency_mentions(p, known: Iterable[str]) -> list[tuple[int, int, str]]:
    """Agency names in the question: known names (longest first, accents optional), then any other accented name."""
    names = sorted({n.strip() for n in list(KNOWN_AGENCIES) + list(known) if n and len(n.strip()) > 2},
                   key=lambda n: -len(agency_key(n)))
    found: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = []
    for name in names:
        for match in _agency_regex(name).finditer(p.loose):
            span = (match.start(), match.end())
            if p.free(*span) and not any(span[0] < e and s < span[1] for s, e in taken):
                surface = p.text[span[0]:span[1]]
                # typed without diacritics ("Bo Noi vu"): shown by its known name
                display = surface if surface.lower() != p.loose[span[0]:span[1]] else name
                found.append((span[0], span[1], display))
                taken.append(span)
    abbreviations = _agency_abbreviations()
    for match in re.finditer(r"[a-z0-9]+", p.loose):
        display = abbreviations.get(match.group())
        span = (match.start(), match.end())
        named = agency_at(p.text, span[0], allow_list=False) if display else None
        if named is not None and named[1] > span[1]:
            continue  # "UBND xã Lương Minh": the longer name is read below
        if display and p.free(*span) and not any(span[0] < e and s < span[1] for s, e in taken):
            found.append((span[0], span[1], display))  # "SNV" → "Sở Nội vụ"
            taken.append(span)
    for start, end in find_agencies(p.text, allow_list=False):
        if p.free(start, end) and not any(start < e and s < end for s, e in taken):
            found.append((start, end, p.text[start:end]))
            taken.append((start, end))
    merged: list[tuple[int, int, str]] = []
    for start, end, display in sorted(found):  # "Văn phòng" + "UBND tỉnh Bình Thuận": one body, unit first
        if merged and not p.text[merged[-1][1]:start].strip():
            merged[-1] = (merged[-1][0], end, f"{merged[-1][2]} {display}")
        else:
            merged.append((start, end, display))
    return merged


@lru_cache(maxsize=1)
def _agency_abbreviations() -> dict[str, str]:
    """Loose key of a one-word agency abbreviation in abbreviations.tsv ("snv") → the agency it names ("Sở Nội vụ")."""
    found: dict[str, str] = {}
    for line in (Path(__file__).resolve().parents[1] / "data" / "abbreviations.tsv").read_text("utf-8").splitlines():
        cols = line.split("\t")
        if line.startswith("#") or len(cols) < 3 or cols[2].strip() not in ("state", "mass"):
            continue
        if looks_like_agency(cols[1].strip()):
            for variant in cols[0].split("|"):
                key = key_loose(variant.strip())
                if re.fullmatch(r"[a-z0-9]{2,}", key):
                    found.setdefault(key, cols[1].strip())
    return found
