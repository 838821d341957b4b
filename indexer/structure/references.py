"""Document numbers (số ký hiệu): finding, normalising and comparing them, and the references a text cites."""
from __future__ import annotations

import re

# Upper-case Vietnamese letters that start a symbol group (KH, UBND, NĐ, BCSĐUBND, QyĐ, TTr, CTr, QH15, ...).
_UP = "A-ZĐĂÂÊÔƠƯ"
_SYM = rf"[{_UP}][{_UP}a-zđ0-9]*"
_SYMS = rf"{_SYM}(?:[ \t]*-[ \t]*{_SYM}|-\s*\n\s*{_SYM})*"

# One pattern, three layouts (research/vietnamese-text.md §5.2):
#   legal normative  59/2023/NĐ-CP, 144/2002/QĐ/BTC    (number / year / symbols)
#   party            120-KH/BDVTU-BCSĐUBND, 10.KH/BDVTU-BCSDUBND, 1141-TC/QĐ/CĐKT  (number -|. type / issuer)
#   state            80/KH-UBND, 887/UBND-NC, "80 /KH-UBND"
_LAYOUTS = rf"""(?:
        /[ \t]*(?P<year>(?:19|20)\d{{2}})[ \t]*/[ \t]*(?P<reg>{_SYMS}(?:/{_SYMS})?)
      | (?P<sep>[-.])[ \t]*(?P<ptype>{_SYM})[ \t]*/[ \t]*(?P<pissuer>{_SYMS}(?:/{_SYMS})?)
      | /[ \t]*(?P<sym>{_SYMS})
    )(?![\w/])"""
DOCNUM = re.compile(rf"(?<![\w/.\-])(?P<num>\d{{1,6}})[ \t]*{_LAYOUTS}", re.X)

# The number line of a header: "Số: 80 /KH-UBND", "Số 10-KH/BDVTU", "Số: /KH-BQLKKT" (blank number kept),
# "Luật số: 121/2025/QH15"; the number itself may be left blank on drafts and unsigned copies.
NUMBER_LINE = re.compile(
    rf"(?:^|(?<=\s))(?:(?:Luật|Nghị\s+quyết|Pháp\s+lệnh|Lệnh)\s+)?(?:Số|SỐ|số)\s*[:.]?[ \t]*"
    rf"(?P<number>(?P<num>\d{{1,6}})?[ \t]*{_LAYOUTS})",
    re.X,
)

# A header number line as OCR reads it from a scan: "Số" misread ("Só", "Sô", "S6") and/or the handwritten or
# stamped number read as noise ("Số: 5Ø /KH-BCA-C04", "Só:đÓ6 /KH-TCTLNTW-C04", "Số: 36 Ÿ/QĐĐ-UBND"). Only at the
# start of a line; `noise` is what stands before the symbol part, `sym` the readable symbol part.
OCR_NUMBER_LINE = re.compile(
    rf"^S[ốỐóÓòÒôÔơ6ồổ](?![^\W\d_])[ \t]*[:.]?[ \t]*(?P<noise>[^\s/]{{1,5}}(?:[ \t]+[^\s/]{{1,3}})?)?[ \t]*"
    rf"(?P<number>/[ \t]*(?P<sym>{_SYMS}))(?![\w/])"
)


def ocr_number(match: re.Match) -> str:
    """The number of an OCR_NUMBER_LINE match: digits kept when the noise is only digits ("Só: 80 /KH" → "80/KH"),
    else the symbol part alone, like the blank number of a draft ("/KH-BCA-C04"): unreadable digits are not guessed."""
    number = normalize_number(match.group("number"))
    raw = match.group("noise") or ""
    return raw + number if raw.isdigit() and len(raw) <= 6 else number


# Type codes of NĐ 30/2020 Phụ lục III, the older TT 01/2011 list and party codes → type names.
TYPE_CODES = {
    "NQ": "Nghị quyết", "QĐ": "Quyết định", "QD": "Quyết định", "CT": "Chỉ thị", "QC": "Quy chế",
    "QYĐ": "Quy định", "QĐI": "Quy định", "TC": "Thông cáo", "TB": "Thông báo", "HD": "Hướng dẫn",
    "CTR": "Chương trình", "KH": "Kế hoạch", "PA": "Phương án", "ĐA": "Đề án", "DA": "Dự án",
    "BC": "Báo cáo", "BB": "Biên bản", "TTR": "Tờ trình", "HĐ": "Hợp đồng", "CĐ": "Công điện",
    "BGN": "Bản ghi nhớ", "BTT": "Bản thỏa thuận", "GUQ": "Giấy ủy quyền", "GM": "Giấy mời",
    "GGT": "Giấy giới thiệu", "KL": "Kết luận", "TT": "Thông tư", "TTLT": "Thông tư liên tịch",
    "NĐ": "Nghị định", "ND": "Nghị định", "NQLT": "Nghị quyết liên tịch", "PL": "Pháp lệnh",
    "CV": "Công văn", "QH": "Luật", "L": "Lệnh", "QTR": "Quy trình",
}


def normalize_number(number: str) -> str:
    """Spacing removed and the party "." separator written as "-": "4418 /UBND-NC" → "4418/UBND-NC"."""
    compact = re.sub(r"\s+", "", number)
    return re.sub(r"^(\d+)\.(?=[^\W\d_])", r"\1-", compact)


def number_key(number: str) -> str:
    """Comparison key: upper case, Đ folded to D, separators unified (BCSĐUBND == BCSDUBND, "10." == "10-")."""
    key = normalize_number(number).upper().replace("Đ", "D")
    return re.sub(r"[-.]", "-", key)


def type_from_number(number: str) -> str | None:
    """The document type its symbol names (KH → Kế hoạch), "Công văn" when the symbol is only issuer-unit."""
    compact = normalize_number(number)
    match = re.fullmatch(r"(\d*)(?:/((?:19|20)\d\d))?([-/])(.+)", compact)
    if not match:
        return None
    groups = re.split(r"[-/]", match.group(4))
    if match.group(2):  # legal normative: 59/2023/NĐ-CP, 83/2025/QH15
        code = re.sub(r"\d+$", "", groups[0]).upper()
    elif match.group(3) == "-":  # party: 10-KH/BDVTU
        code = groups[0].upper()
    else:
        code = groups[0].upper()
        if code not in TYPE_CODES:
            return "Công văn" if len(groups) >= 2 else None
    return TYPE_CODES.get(code)


_FORM = re.compile(r"(?:[Mm]ẫu|MẪU)(?:\s+(?:số|biểu))?\s*:?\s*$")


def find_numbers(text: str) -> list[tuple[int, int, str]]:
    """Every document number in the text as (start, end, normalised number); form codes ("Mẫu số 01/HNCT") excluded."""
    return [
        (m.start(), m.end(), normalize_number(m.group(0)))
        for m in DOCNUM.finditer(text)
        if not _FORM.search(text[max(0, m.start() - 16): m.start()])
    ]


def find_references(text: str, own_number: str | None = None) -> list[str]:
    """Distinct cited numbers in order of first mention, the document's own number excluded."""
    own = number_key(own_number) if own_number else None
    seen: set[str] = set()
    refs: list[str] = []
    for _, _, number in find_numbers(text):
        key = number_key(number)
        if key == own or key in seen:
            continue
        seen.add(key)
        refs.append(number)
    return refs
