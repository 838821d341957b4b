"""Synthetic archive of Kế hoạch plans recombined from real sections, as .txt files or as passages."""
from __future__ import annotations

import json
import random
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DEFAULT_CORPUS = REPO / "corpus"
DEFAULT_VBPL = SHARED / "data" / "vbpl-central-1000" / "docs.jsonl"

PROVINCES = (
    "Hà Nội", "Hải Phòng", "Đà Nẵng", "Huế", "Cần Thơ", "Thành phố Hồ Chí Minh", "Quảng Ngãi", "Ninh Bình",
    "Lai Châu", "Điện Biên", "Sơn La", "Lạng Sơn", "Quảng Ninh", "Thanh Hóa", "Nghệ An", "Hà Tĩnh",
    "Cao Bằng", "Tuyên Quang", "Lào Cai", "Thái Nguyên", "Phú Thọ", "Bắc Ninh", "Hưng Yên", "Quảng Trị",
    "Gia Lai", "Khánh Hòa", "Lâm Đồng", "Đắk Lắk", "Đồng Nai", "Tây Ninh", "Vĩnh Long", "Đồng Tháp",
    "Cà Mau", "An Giang", "Bình Định", "Phú Yên", "Kon Tum", "Bến Tre", "Sóc Trăng", "Bạc Liêu",
)
DISTRICTS = (
    "Sơn Tịnh", "Tư Nghĩa", "Mộ Đức", "Đức Phổ", "Bình Sơn", "Trà Bồng", "Yên Khánh", "Kim Sơn", "Gia Viễn",
    "Hoa Lư", "Nho Quan", "Yên Mô", "Tam Điệp", "Phong Thổ", "Sìn Hồ", "Than Uyên", "Tân Uyên", "Mường Tè",
    "Lý Sơn", "Minh Long", "Ba Tơ", "Nghĩa Hành", "Sơn Hà", "Sơn Tây",
)
DEPARTMENTS = (
    "Sở Nội vụ", "Sở Tài chính", "Sở Kế hoạch và Đầu tư", "Sở Giáo dục và Đào tạo", "Sở Y tế", "Sở Tư pháp",
    "Sở Xây dựng", "Sở Công Thương", "Sở Nông nghiệp và Môi trường", "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Khoa học và Công nghệ", "Sở Lao động - Thương binh và Xã hội", "Sở Giao thông vận tải",
    "Thanh tra tỉnh", "Ban Dân tộc", "Văn phòng Ủy ban nhân dân tỉnh", "Công an tỉnh", "Bộ Chỉ huy Quân sự tỉnh",
    "Ban Dân vận Tỉnh ủy", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh", "Đài Phát thanh và Truyền hình tỉnh",
)
ISSUERS = (  # (header line, signing authority, symbol suffix)
    ("ỦY BAN NHÂN DÂN TỈNH {P}", "TM. ỦY BAN NHÂN DÂN", "KH-UBND"),
    ("ỦY BAN NHÂN DÂN HUYỆN {D}", "TM. ỦY BAN NHÂN DÂN", "KH-UBND"),
    ("SỞ NỘI VỤ TỈNH {P}", "GIÁM ĐỐC", "KH-SNV"),
    ("SỞ GIÁO DỤC VÀ ĐÀO TẠO TỈNH {P}", "GIÁM ĐỐC", "KH-SGDĐT"),
    ("SỞ Y TẾ TỈNH {P}", "GIÁM ĐỐC", "KH-SYT"),
    ("BAN QUẢN LÝ CÁC KHU CÔNG NGHIỆP TỈNH {P}", "TRƯỞNG BAN", "KH-BQLKCN"),
)
TOP_HEADINGS = {
    "purpose": ("MỤC ĐÍCH, YÊU CẦU", "Mục đích, yêu cầu", "MỤC TIÊU, YÊU CẦU"),
    "content": ("NỘI DUNG THỰC HIỆN", "Nhiệm vụ và giải pháp", "NHIỆM VỤ, GIẢI PHÁP TRỌNG TÂM", "Nội dung phối hợp"),
    "budget": ("KINH PHÍ THỰC HIỆN", "Kinh phí"),
    "duties": ("TỔ CHỨC THỰC HIỆN", "Tổ chức thực hiện", "PHÂN CÔNG TRÁCH NHIỆM"),
}
FREQUENCIES = ("hàng tháng", "hàng quý", "6 tháng", "hằng năm", "định kỳ")
SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương")
MIDDLE = ("Văn", "Thị", "Đình", "Quang", "Minh", "Thanh", "Hữu", "Ngọc", "Đức")
GIVEN = ("An", "Bình", "Chí", "Dũng", "Hà", "Hải", "Hùng", "Lan", "Long", "Mai", "Nam", "Sư", "Tâm", "Thảo", "Tuấn")
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII")

_VIET_MARKS = re.compile("[ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ]", re.IGNORECASE)
_MARKER = re.compile(r"^(?:\*\*)?(?:[IVX]+\.|\d+(?:\.\d+)*\.|[a-zđ]\d?\)|[-+•]|Điều \d+\.|Khoản \d+\.)\s*(?:\*\*)?\s*")
_SKIP = re.compile(r"^(?:Chương|CHƯƠNG|Mục \d|MỤC \d|Nơi nhận|Số:|CỘNG HÒA|Độc lập|TM\.|KT\.|Phụ lục|PHỤ LỤC)")
_DIGITS = re.compile(r"\d{2,}")
_PLACES = re.compile("|".join(re.escape(p) for p in sorted(PROVINCES + ("Dung Quất",), key=len, reverse=True)))
_MARKUP = re.compile(r"\*+|_{2,}")
_FORM_BLANKS = re.compile(r"(?:\.{3}|…).*(?:\.{3}|…)|\(\d\)")


@dataclass(frozen=True)
class SectionPool:
    """Real text pieces to recombine: body paragraphs (plan corpus and legal texts), item headings, titles."""

    plan_paragraphs: tuple[str, ...]
    legal_paragraphs: tuple[str, ...]
    headings: tuple[str, ...]
    titles: tuple[str, ...]
    grounds: tuple[str, ...]  # "Căn cứ …" lines


@dataclass(frozen=True)
class SyntheticPlan:
    """One generated plan: the full text and its passages (what the section chunker should roughly yield)."""

    number: str
    text: str
    passages: tuple[str, ...]


def _is_vietnamese(text: str) -> bool:
    sample = text[:3000]
    return len(_VIET_MARKS.findall(sample)) >= 0.05 * max(1, len(sample))


def _clean(line: str) -> str:
    return _MARKUP.sub("", unicodedata.normalize("NFC", line)).strip()


def _split_lines(text: str, paragraphs: list[str], headings: list[str], grounds: list[str]) -> None:
    for raw in text.split("\n"):
        line = _clean(raw)
        if not line or _SKIP.match(line) or _FORM_BLANKS.search(line):
            continue  # headers, signatures and form templates with blanks to fill in
        if line.startswith("Căn cứ"):
            if len(line) < 400:
                grounds.append(line.rstrip(";.") + ";")
            continue
        is_article = line.startswith("Điều ")
        body = _MARKER.sub("", line).strip()
        if is_article and 10 <= len(body) <= 160 and not body.isupper():
            headings.append(body.rstrip(".:;"))
        elif 60 <= len(body) <= 1500 and body[0].isupper():
            paragraphs.append(body)
        elif 10 <= len(body) < 60 and not body.endswith((".", ";", ",")) and body[0].isupper() and not body.isupper():
            headings.append(body.rstrip(":"))


def _vbpl_title(text: str) -> str | None:
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    for i, line in enumerate(lines[:30]):
        if line in ("NGHỊ ĐỊNH", "THÔNG TƯ", "QUYẾT ĐỊNH", "NGHỊ QUYẾT", "LUẬT", "CHỈ THỊ") and i + 1 < len(lines):
            title = lines[i + 1]
            if 20 <= len(title) <= 250:
                return title[0].lower() + title[1:]
    return None


def load_pool(corpus_dir: Path = DEFAULT_CORPUS, vbpl_path: Path | None = DEFAULT_VBPL, max_docs: int | None = None) -> SectionPool:
    """Cut the seed plans and the central legal texts into reusable paragraphs, headings, titles and grounds."""
    plan_par: list[str] = []
    legal_par: list[str] = []
    headings: list[str] = []
    grounds: list[str] = []
    titles: list[str] = []
    for path in sorted(Path(corpus_dir).glob("*.txt")):
        _split_lines(path.read_text(encoding="utf-8"), plan_par, headings, grounds)
    if vbpl_path is not None and Path(vbpl_path).exists():
        with open(vbpl_path, encoding="utf-8") as handle:
            for n, line in enumerate(handle):
                if max_docs is not None and n >= max_docs:
                    break
                text = json.loads(line).get("text") or ""
                if len(text) < 500 or not _is_vietnamese(text):
                    continue  # metadata-only pages and the English translations
                _split_lines(text, legal_par, headings, grounds)
                title = _vbpl_title(text)
                if title:
                    titles.append(title)
    if not plan_par and not legal_par:
        raise ValueError(f"no source paragraphs found in {corpus_dir} or {vbpl_path}")
    titles = titles or ["phối hợp thực hiện công tác dân vận"]
    return SectionPool(
        plan_paragraphs=tuple(dict.fromkeys(plan_par)),
        legal_paragraphs=tuple(dict.fromkeys(legal_par)) or tuple(dict.fromkeys(plan_par)),
        headings=tuple(dict.fromkeys(headings)),
        titles=tuple(dict.fromkeys(titles)),
        grounds=tuple(dict.fromkeys(grounds)),
    )


class ArchiveSynth:
    """Deterministic generator of plans: plan(i) depends only on the seed and i."""

    def __init__(self, pool: SectionPool, seed: int = 0, plan_share: float = 0.3):
        self.pool = pool
        self.seed = seed
        self.plan_share = plan_share  # share of paragraphs drawn from the seed plans (plan vocabulary)

    def _paragraph(self, rng: random.Random, place: str, year: int) -> str:
        source = self.pool.plan_paragraphs if rng.random() < self.plan_share and self.pool.plan_paragraphs else self.pool.legal_paragraphs
        text = rng.choice(source)
        text = _PLACES.sub(place, text)

        def vary(match: re.Match[str]) -> str:
            digits = match.group(0)
            if len(digits) == 4 and digits.startswith(("19", "20")):
                return str(max(1990, min(2026, year + rng.randint(-6, 1))))
            if rng.random() < 0.5:
                return digits
            return str(rng.randint(10 ** (len(digits) - 1), 10 ** len(digits) - 1))

        return _DIGITS.sub(vary, text)

    def _duty_sentence(self, rng: random.Random, unit: str, issuer: str, year: int) -> str:
        freq = rng.choice(FREQUENCIES)
        day, month = rng.randint(5, 25), rng.randint(1, 12)
        recipient = rng.choice(DEPARTMENTS)
        return (f"{unit} định kỳ báo cáo {freq} kết quả thực hiện về {issuer} (qua {recipient}) "
                f"trước ngày {day:02d}/{month:02d}/{year} để tổng hợp, báo cáo theo quy định.")

    def plan(self, index: int) -> SyntheticPlan:
        rng = random.Random(self.seed * 1_000_003 + index)
        year = rng.randint(2015, 2025)
        place = rng.choice(PROVINCES)
        header, authority, symbol = rng.choice(ISSUERS)
        district = rng.choice(DISTRICTS)
        organ = header.format(P=place.upper(), D=district.upper())
        issuer_name = organ.capitalize() if not organ.startswith("ỦY BAN") else (
            f"Ủy ban nhân dân tỉnh {place}" if "TỈNH" in organ else f"Ủy ban nhân dân huyện {district}")
        number = f"{rng.randint(1, 450)}/{symbol}"
        title = f"triển khai thực hiện {rng.choice(self.pool.titles)} năm {year}" if rng.random() < 0.6 else \
            f"{rng.choice(self.pool.titles)} trên địa bàn {place} giai đoạn {year}-{year + rng.choice((2, 3, 5))}"
        grounds = rng.sample(self.pool.grounds, k=min(len(self.pool.grounds), rng.randint(1, 3)))
        preamble = "\n\n".join(grounds) + f"\n\n{issuer_name} ban hành Kế hoạch {title} như sau:"
        date_line = f"{place}, ngày {rng.randint(1, 28):02d} tháng {rng.randint(1, 12):02d} năm {year}"
        head = (f"{organ}\n\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n\nSố: {number}\n\n"
                f"{date_line}\n\nKẾ HOẠCH\n{title[0].upper() + title[1:]}\n\n")
        passages = [f"KẾ HOẠCH\n{title[0].upper() + title[1:]}\n\n{preamble}"]
        parts = [head + preamble]
        kinds = ["purpose", "content"] + (["budget"] if rng.random() < 0.4 else []) + ["duties"]
        for roman, kind in zip(ROMAN, kinds):
            parts.append(f"{roman}. {rng.choice(TOP_HEADINGS[kind])}")
            for item in range(1, rng.randint(2, 7) + 1):
                if kind == "duties":
                    unit = rng.choice(DEPARTMENTS)
                    body = [self._paragraph(rng, place, year), self._duty_sentence(rng, unit, issuer_name, year)]
                    text = f"{item}. {unit}\n\n" + "\n\n".join(f"- {b}" for b in body)
                elif kind == "content" and rng.random() < 0.5 and self.pool.headings:
                    body = [self._paragraph(rng, place, year) for _ in range(rng.randint(1, 3))]
                    text = f"{item}. {rng.choice(self.pool.headings)}\n\n" + "\n\n".join(f"- {b}" for b in body)
                else:
                    text = f"{item}. {self._paragraph(rng, place, year)}"
                parts.append(text)
                passages.append(text)
        signer = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        recipients = rng.sample(DEPARTMENTS, k=rng.randint(3, 7))
        parts.append(f"{authority}\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\n\n{signer}")
        parts.append("Nơi nhận:\n" + "\n".join(f"- {r};" for r in recipients) + "\n- Lưu: VT.")
        return SyntheticPlan(number=number, text="\n\n".join(parts) + "\n", passages=tuple(passages))

    def passages(self, count: int) -> Iterator[str]:
        """The first `count` passages of plans 0, 1, 2, … (the direct input of the lexical/dense measurements)."""
        produced, index = 0, 0
        while produced < count:
            for passage in self.plan(index).passages:
                if produced >= count:
                    return
                yield passage
                produced += 1
            index += 1

    def write_archive(self, out_dir: Path, passages: int) -> tuple[int, int]:
        """Write plan_NNNNNN.txt files until about `passages` passages; returns (files, expected passages)."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        produced, index = 0, 0
        while produced < passages:
            plan = self.plan(index)
            sub = out / f"{index // 1000:03d}"
            sub.mkdir(exist_ok=True)
            (sub / f"plan_{index:06d}.txt").write_text(plan.text, encoding="utf-8")
            produced += len(plan.passages)
            index += 1
        return index, produced
