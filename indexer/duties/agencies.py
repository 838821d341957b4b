"""Agency names in running text ("UBND tỉnh", "Sở Nội vụ", "Ban Dân vận Tỉnh ủy", "cấp có thẩm quyền")."""
from __future__ import annotations

import re

_UY = r"(?:Ủy|Uỷ|ủy|uỷ)"
# Heads that name an agency by themselves.
_FULL_HEADS = [
    r"(?:Ủy|Uỷ)\s+ban\s+[Nn]hân\s+dân", r"UBND", r"HĐND", r"Hội\s+đồng\s+[Nn]hân\s+dân", r"Văn\s+phòng",
    r"Thanh\s+tra", r"Chủ\s+tịch", r"Thường\s+trực", rf"Tỉnh\s+{_UY}", rf"Huyện\s+{_UY}", rf"Thành\s+{_UY}",
    rf"Đảng\s+{_UY}", r"Mặt\s+trận", r"Chi\s+cục", r"Trung\s+tâm", r"Công\s+an", r"Kho\s+bạc", r"Thủ\s+trưởng",
    r"Bộ\s+phận", r"Giám\s+đốc", r"[Ll]ãnh\s+đạo", r"cấp\s+(?:có\s+)?thẩm\s+quyền", r"Chính\s+phủ", r"Thủ\s+tướng",
    r"Tỉnh\s+đoàn", r"Liên\s+đoàn", r"Kiểm\s+toán", r"VPUB", r"BQL",
]
# Heads that need a name after them ("Sở Nội vụ", not "Sở" alone; "Ban hành" is not an agency).
_NAMED_HEADS = [r"(?:Ủy|Uỷ)\s+ban", r"Sở", r"Ban", r"Bộ", r"Phòng", r"Cục", r"Báo(?!\s+cáo)", r"Đài",
                r"Hội(?!\s+nghị)", r"Đoàn", r"Viện", r"Tòa", r"Trưởng"]
_HEAD = re.compile(r"(?P<full>" + "|".join(_FULL_HEADS) + r")\b|(?P<named>" + "|".join(_NAMED_HEADS) + r")\b")
_TOKEN = re.compile(r"[ \t]+(?P<tok>[^\s,;:.?!()\[\]“”\"'*/]+)")
_LIST_SEP = re.compile(r"\s*(?:,|và)\s*")
# The few agency names written with a comma inside: "Sở Văn hóa, Thể thao và Du lịch", "Báo và Phát thanh, Truyền hình
# tỉnh", "Sở Lao động, Thương binh và Xã hội".
_INNER_COMMA = re.compile(r",[ \t]+(?=(?:[Tt]hể\s+thao|[Tt]ruyền\s+hình|[Tt]hương\s+binh)\b)")

# Lower-case syllables that occur inside agency names ("Sở Nội vụ", "Sở Tài nguyên và Môi trường").
_INNER_LOWER = frozenset("""
vụ pháp hoạch tư chính nghiệp triển nông thôn thông vận tải dựng nguyên trường tin truyền động binh hội hóa hoá
thao lịch học nghệ dục tạo tế tộc giáo tra ủy uỷ quốc tỉnh huyện xã thị trấn thành phố phường dân nhân đạo lý kinh
chức hiệp nữ đoàn chiến sự huy thanh hình khu công tịch trực thường bạc nước kiểm sát án lực lượng cấp sở ban ngành
đảng trung ương thể trận bầu cử giám sát phản biện đồng chủ gia phủ trị an
""".split())
# Inner syllables that end the name when a verb follows them ("Văn phòng Sở chủ trì …").
_VERB_AFTER = {"chủ": "trì"}
_TIME_AFTER = re.compile(r"\s*(?:ngày|tuần|tháng|quý|năm|lần|giờ)\b|\s*/", re.I)
_NOT_INNER = frozenset({"và", "các", "của", "về", "qua", "để", "theo", "trước", "sau"})


def _extends(token: str) -> bool:
    return token[:1].isupper() or token[:1].isdigit() or token in _INNER_LOWER


def agency_at(text: str, pos: int, allow_list: bool = True) -> tuple[int, int] | None:
    """Span of the agency name starting exactly at `pos`, or None. Lists ("Sở Nội vụ, Ban Dân vận Tỉnh ủy") are joined."""
    match = _HEAD.match(text, pos)
    if not match:
        return None
    end = match.end()
    needs_name = match.group("named") is not None
    words = 0
    while words < 10:
        token = _TOKEN.match(text, end)
        inner = _INNER_COMMA.match(text, end) if token is None else None
        if inner:  # the comma is in the name
            token = _TOKEN.match(text, inner.end() - 1)
        if token is None:
            break
        word = token.group("tok")
        if word == "và" or word == "-":
            after = _TOKEN.match(text, token.end())
            # "Sở Kế hoạch và Đầu tư" is one name; "Ban Dân vận và Ủy ban nhân dân" are two.
            if after and after.group("tok")[:1].isupper() and not _HEAD.match(text, after.start("tok")):
                end = after.end()
                words += 2
                continue
            break
        if word.lower() in _NOT_INNER or not _extends(word):
            break
        if word[:1].isdigit() and _TIME_AFTER.match(text, token.end()):
            break  # "báo cáo UBND huyện 03 tháng một lần": the number is a period, not part of the name
        following = _TOKEN.match(text, token.end())
        if word in _VERB_AFTER and following and following.group("tok").lower() == _VERB_AFTER[word]:
            break
        end = token.end()
        words += 1
    if needs_name and words == 0:
        return None
    if allow_list:
        sep = _LIST_SEP.match(text, end)
        if sep:
            following = agency_at(text, sep.end(), allow_list=True)
            if following is not None and text[sep.end()] .isupper():
                end = following[1]
    return (pos, end)


def find_agencies(text: str, start: int = 0, end: int | None = None, allow_list: bool = True) -> list[tuple[int, int]]:
    """All agency names between start and end, left to right, not overlapping (lists joined when allow_list)."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    position = start
    for match in _HEAD.finditer(text, start, end):
        if match.start() < position:
            continue
        if match.start() > 0 and (text[match.start() - 1].isalnum()):
            continue
        span = agency_at(text, match.start(), allow_list)
        if span is None:
            continue
        span = (span[0], min(span[1], end))
        spans.append(span)
        position = span[1]
    return spans


def looks_like_agency(phrase: str) -> bool:
    """True when a short phrase (a section heading such as "5. Sở Nội vụ") names an agency."""
    phrase = phrase.strip(" *:-–.")
    if not phrase or len(phrase.split()) > 14:
        return False
    span = agency_at(phrase, 0)
    # The name must be the whole phrase: "Chính phủ có trách nhiệm sau đây" is a sentence about an agency.
    return span is not None and span[1] >= len(phrase)


# Markdown emphasis is blanked in a same-length view so offsets stay valid for the original text.
_EMPHASIS = re.compile(r"[*_]")


def view_of(text: str) -> str:
    """The text with markdown emphasis blanked (same length), for pattern matching."""
    return _EMPHASIS.sub(" ", text)


def clean_phrase(phrase: str) -> str:
    """A phrase cut from the text, emphasis marks and edge punctuation removed, spaces collapsed."""
    phrase = re.sub(r"\s+", " ", view_of(phrase)).strip(" ,;:.-–")
    return re.sub(r"(?:\s+(?:các|của|và|những|với))+$", "", phrase)
