"""Metadata filters (year/date range, issuer, place, document type) turned into a boolean mask over chunk rows."""
from __future__ import annotations

import re
from typing import Callable, Sequence

import numpy as np

from indexer.errors import TracuuError
from indexer.model import DocumentInfo
from indexer.text.vntext import key_loose

FILTER_KEYS = ("year", "year_from", "year_to", "date_from", "date_to", "issuer", "place", "doc_type")

# Type codes as they appear in số ký hiệu ("80/KH-UBND", "120-KH/BDVTU") and the names the parser reports.
DOC_TYPE_CODES = {
    "KH": "Kế hoạch", "QĐ": "Quyết định", "CV": "Công văn", "CT": "Chỉ thị", "HD": "Hướng dẫn",
    "NQ": "Nghị quyết", "BC": "Báo cáo", "TB": "Thông báo", "TT": "Thông tư", "NĐ": "Nghị định",
    "TTr": "Tờ trình", "CTr": "Chương trình", "QC": "Quy chế", "QyĐ": "Quy định", "L": "Luật",
}
_LOOSE_CODES = {key_loose(code): key_loose(name) for code, name in DOC_TYPE_CODES.items()}
_YEAR_RANGE = re.compile(r"^\s*(\d{4})\s*(?:[-–:]|\.\.)\s*(\d{4})\s*$")
_ISO_PREFIX = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_NUMBER_PARTS = re.compile(r"[/\-.\s]+")


class InvalidFilter(TracuuError):
    """A filter key or value that cannot be understood."""


def _year_bounds(filters: dict) -> tuple[int | None, int | None]:
    low, high = filters.get("year_from"), filters.get("year_to")
    year = filters.get("year")
    if year is not None:
        if isinstance(year, (tuple, list)) and len(year) == 2:
            low, high = year
        elif isinstance(year, int) or (isinstance(year, str) and year.strip().isdigit()):
            low = high = int(year)
        elif isinstance(year, str) and _YEAR_RANGE.match(year):
            first, last = _YEAR_RANGE.match(year).groups()
            low, high = int(first), int(last)
        else:
            raise InvalidFilter(f"Năm không hợp lệ: {year!r}; dùng dạng 2021 hoặc 2020-2023.")
    try:
        return (int(low) if low is not None else None, int(high) if high is not None else None)
    except (TypeError, ValueError):
        raise InvalidFilter(f"Khoảng năm không hợp lệ: {low!r}–{high!r}.") from None


def _doc_year(info: DocumentInfo) -> int | None:
    if info.year is not None:
        return info.year
    if info.date and info.date[:4].isdigit():
        return int(info.date[:4])
    return None


def _date_check(key: str, value: object) -> str:
    if not isinstance(value, str) or not _ISO_PREFIX.match(value):
        raise InvalidFilter(f"Ngày không hợp lệ cho {key}: {value!r}; dùng dạng 2021-06-30 (hoặc 2021-06, 2021).")
    return value


def _number_codes(doc_number: str | None) -> set[str]:
    return {key_loose(part) for part in _NUMBER_PARTS.split(doc_number or "") if part}


def _type_matcher(wanted: str) -> Callable[[DocumentInfo], bool]:
    loose = key_loose(wanted.strip())
    code = loose if loose in _LOOSE_CODES else None
    name = _LOOSE_CODES.get(loose, loose)

    def matches(info: DocumentInfo) -> bool:
        if info.doc_type and key_loose(info.doc_type) == name:
            return True
        # Only the code part of a number counts ("KH" in "80/KH-UBND"), not a substring of the issuer code.
        return code is not None and code in _number_codes(info.doc_number)

    return matches


def compile_filters(filters: dict | None) -> Callable[[DocumentInfo], bool] | None:
    """A predicate over documents for the filter dict, or None when the dict asks for nothing."""
    active = {k: v for k, v in (filters or {}).items() if v not in (None, "", [])}
    unknown = sorted(set(active) - set(FILTER_KEYS))
    if unknown:
        raise InvalidFilter(f"Bộ lọc không hỗ trợ: {', '.join(unknown)}; dùng {', '.join(FILTER_KEYS)}.")
    if not active:
        return None
    checks: list[Callable[[DocumentInfo], bool]] = []
    low, high = _year_bounds(active)
    if low is not None or high is not None:
        def year_ok(info: DocumentInfo) -> bool:
            year = _doc_year(info)
            return year is not None and (low is None or year >= low) and (high is None or year <= high)
        checks.append(year_ok)
    if "date_from" in active:
        start = _date_check("date_from", active["date_from"])
        # Partial dates ("2023-01") are compared at their own precision, so they are kept when they may match.
        checks.append(lambda info: bool(info.date) and info.date >= start[: len(info.date)])
    if "date_to" in active:
        end = _date_check("date_to", active["date_to"])
        checks.append(lambda info: bool(info.date) and info.date[: len(end)] <= end)
    if "issuer" in active:
        issuer = key_loose(str(active["issuer"]).strip())
        checks.append(lambda info: issuer in key_loose(info.issuer or "") or issuer in key_loose(info.doc_number or ""))
    if "place" in active:
        place = key_loose(str(active["place"]).strip())
        checks.append(lambda info: place in key_loose(info.place or ""))
    if "doc_type" in active:
        checks.append(_type_matcher(str(active["doc_type"])))
    return lambda info: all(check(info) for check in checks)


def row_mask(docs: Sequence[DocumentInfo], row_ranges: Sequence[tuple[int, int]], n_rows: int,
             filters: dict | None) -> np.ndarray | None:
    """Rows of each document are contiguous ([start, end) in row_ranges), so a document filter is a few slices."""
    predicate = compile_filters(filters)
    if predicate is None:
        return None
    mask = np.zeros(n_rows, dtype=bool)
    for info, (start, end) in zip(docs, row_ranges):
        if predicate(info):
            mask[start:end] = True
    return mask
