"""Checks that refuse hostile or oversized inputs before a parser touches them (zip bombs, huge files)."""
from __future__ import annotations

import errno
import re
import zipfile
from pathlib import Path

from indexer.errors import ReadError

# A .docx/.odt is XML that compresses 5–30×; anything far beyond is built to explode.
MAX_ZIP_UNCOMPRESSED = 300 * 1024 * 1024
MAX_ZIP_MEMBER_RATIO = 200.0
MAX_ZIP_MEMBERS = 20_000
_RATIO_FLOOR = 1024 * 1024  # small members can have any ratio (a run of spaces compresses ~1000×)


def size_pair(size: int, limit: int) -> str:
    """"A MB > B MB" with as many decimals as it takes for the two figures to differ ("0.51 MB > 0.50 MB")."""
    for decimals in range(1, 7):
        shown, bound = f"{size / 1048576:.{decimals}f}", f"{limit / 1048576:.{decimals}f}"
        if shown != bound:
            break
    else:
        return f"{size} byte > {limit} byte"
    return f"{shown} MB > {bound} MB"


def check_file_size(path: Path, max_bytes: int | None) -> int:
    """The file's size in bytes; ReadError when it is larger than `max_bytes` (None: no limit)."""
    size = Path(path).stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise ReadError(
            f"tệp quá lớn ({size_pair(size, max_bytes)}); đặt TRACUU_MAX_FILE_MB để đổi"
        )
    return size


def check_zip_archive(archive: zipfile.ZipFile) -> None:
    """Refuse a zip whose declared member sizes or compression ratios mark it as a decompression bomb.

    zipfile never inflates a member past its declared size, so checking the declared sizes bounds
    the work any later parser (python-docx, ElementTree) can be made to do.
    """
    members = archive.infolist()
    if len(members) > MAX_ZIP_MEMBERS:
        raise ReadError(f"tệp nén có {len(members)} thành phần (quá {MAX_ZIP_MEMBERS}): nghi là bom nén, bỏ qua")
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > _RATIO_FLOOR and ratio > MAX_ZIP_MEMBER_RATIO:
            raise ReadError(
                f"thành phần {member.filename!r} giãn {ratio:.0f} lần khi giải nén: nghi là bom nén, bỏ qua"
            )
    if total > MAX_ZIP_UNCOMPRESSED:
        raise ReadError(
            f"tệp giải nén ra {total / 1048576:.0f} MB (quá {MAX_ZIP_UNCOMPRESSED // 1048576} MB): nghi là bom nén, bỏ qua"
        )


def check_zip_file(path: Path) -> None:
    """check_zip_archive on a path; a file that is not a zip at all is left for its parser to report."""
    try:
        with zipfile.ZipFile(path) as archive:
            check_zip_archive(archive)
    except zipfile.BadZipFile:
        return


# A text page's content stream is 5–500 KB; pypdf needs ~15 s per million operators, so a stream of
# tens of megabytes is either a drawing nobody will search or a bomb. Images only count by pixels.
MAX_PDF_PAGE_CONTENT = 8 * 1024 * 1024
MAX_PDF_TOTAL_CONTENT = 64 * 1024 * 1024
MAX_PDF_IMAGE_PIXELS = 200_000_000


def check_pdf_streams(reader) -> None:
    """Refuse a PDF (pypdf reader) whose page content inflates beyond the limits above or declares giant images.

    pypdf stops any single stream at 75 MB; this bounds the work per page and per file below that,
    before text extraction or OCR rendering touch the streams.
    """
    from pypdf.errors import PyPdfError

    sizes: dict[int, int] = {}
    total = 0
    try:
        for number, page in enumerate(reader.pages, start=1):
            content = sum(_stream_size(stream, sizes) for stream in _content_streams(page))
            content += sum(_xobject_sizes(page.get("/Resources"), sizes, depth=0))
            if content > MAX_PDF_PAGE_CONTENT:
                raise ReadError(
                    f"trang {number} của PDF giải nén ra {content / 1048576:.0f} MB lệnh vẽ: nghi là bom giải nén, bỏ qua"
                )
            total += content
            if total > MAX_PDF_TOTAL_CONTENT:
                raise ReadError(f"PDF giải nén ra quá {MAX_PDF_TOTAL_CONTENT // 1048576} MB lệnh vẽ: nghi là bom giải nén, bỏ qua")
    except PyPdfError as error:
        if "limit" in type(error).__name__.lower() or "limit" in str(error).lower():
            raise ReadError("PDF có luồng nén giãn quá lớn: nghi là bom giải nén, bỏ qua") from error
        raise


def _content_streams(page) -> list:
    contents = page.get("/Contents")
    if contents is None:
        return []
    contents = contents.get_object()
    if isinstance(contents, list):
        return [item.get_object() for item in contents]
    return [contents]


def _stream_size(stream, sizes: dict[int, int]) -> int:
    key = id(stream)
    if key not in sizes:
        sizes[key] = len(stream.get_data()) if hasattr(stream, "get_data") else 0
    return sizes[key]


def _xobject_sizes(resources, sizes: dict[int, int], depth: int):
    """Inflated sizes of the form XObjects a page draws (recursively); images are checked by declared pixels."""
    if resources is None or depth > 8:
        return
    xobjects = resources.get_object().get("/XObject")
    if xobjects is None:
        return
    for ref in xobjects.get_object().values():
        xobject = ref.get_object()
        subtype = xobject.get("/Subtype")
        if subtype == "/Image":
            pixels = int(xobject.get("/Width", 0) or 0) * int(xobject.get("/Height", 0) or 0)
            if pixels > MAX_PDF_IMAGE_PIXELS:
                raise ReadError(f"PDF có ảnh {pixels / 1e6:.0f} triệu điểm ảnh: nghi là bom giải nén, bỏ qua")
        elif subtype == "/Form":
            yield _stream_size(xobject, sizes)
            yield from _xobject_sizes(xobject.get("/Resources"), sizes, depth + 1)


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an old binary Office file (.doc, .xls, .ppt)


def os_reason(exc: OSError, path: Path) -> str:
    """Vietnamese words for why the system refused a file (missing, dangling link, no permission)."""
    if exc.errno == errno.ENOENT:
        return "tệp không tồn tại (liên kết hỏng)" if path.is_symlink() else "tệp không tồn tại"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "không có quyền đọc tệp"
    return f"lỗi hệ thống {errno.errorcode.get(exc.errno or 0, exc.errno)}"


def sniff_extension(path: Path, ext: str) -> str:
    """The extension to read the file as, by its first bytes: a .doc/.docx/.pdf that is really a .docx (zip), a PDF,
    an old Word file (OLE) or, for .doc, a Word web page is read as such."""
    if ext not in {".doc", ".docx", ".pdf"}:
        return ext
    with path.open("rb") as handle:
        head = handle.read(512)
    if head.startswith(b"PK"):
        if ext == ".pdf":
            return _zip_kind(path)
        return ".docx"
    if ext == ".pdf":
        return ".doc" if head.startswith(_OLE_MAGIC) else ext
    if head.lstrip()[:5] == b"%PDF-":
        return ".pdf"  # a PDF renamed .doc/.docx
    if ext == ".docx" and head.startswith(_OLE_MAGIC):
        return ".doc"  # an old binary Word file renamed to .docx
    if ext == ".doc" and re.search(rb"<html|<!doctype html", head.lstrip(b"\xef\xbb\xbf").lower()):
        return ".html"
    return ext


def _zip_kind(path: Path) -> str:
    """.docx or .xlsx for an Office zip package by its parts (others: .docx, whose reader explains the damage)."""
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
    except (zipfile.BadZipFile, OSError):
        return ".docx"
    return ".xlsx" if "xl/workbook.xml" in names else ".docx"
