"""Old Office files (.doc, .rtf, .xls, .ppt) through LibreOffice headless, and OpenDocument files, read with their font runs."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from indexer.errors import ReadError, UnsupportedFormat
from indexer.read.external import run_killable
from indexer.read.guards import check_zip_archive
from indexer.read.legacy import convert_runs_tagged, syllable_validity
from indexer.model import RawText
from indexer.read.formats.converted import docx_text, html_text, plain_text
from indexer.read.odf import OdfContent, parse_odf

# Extension → flat OpenDocument format LibreOffice converts it to (flat XML keeps every run's font).
SOFFICE_TARGETS = {
    ".doc": "fodt", ".dot": "fodt", ".rtf": "fodt", ".wpd": "fodt", ".wps": "fodt", ".dotx": "fodt",
    ".xls": "fods", ".xlt": "fods", ".xlsx": "fods",
    ".ppt": "fodp", ".pps": "fodp", ".pot": "fodp", ".pptx": "fodp",
}
# Output formats tried in turn when LibreOffice cannot write (or we cannot parse) the flat one: LibreOffice's
# filters for one format sometimes fail on a file that the others convert.
FALLBACK_TARGETS = {
    "fodt": ("docx", "odt", "txt:Text (encoded):UTF8", "html"),
    "fods": ("ods", "html"),
    "fodp": ("odp",),
}
ODF_ZIPS = {".odt", ".ods", ".odp", ".ott"}
OFFICE_EXTENSIONS = frozenset(SOFFICE_TARGETS) | frozenset(ODF_ZIPS)
CONVERT_TIMEOUT_S = 180.0
_PACKAGES = {"fodt": "libreoffice-writer-nogui", "fods": "libreoffice-calc-nogui", "fodp": "libreoffice-impress-nogui"}


def soffice_binary() -> str | None:
    """Path of the LibreOffice command, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def read_office(path: Path, timeout: float = CONVERT_TIMEOUT_S, as_ext: str | None = None) -> RawText:
    """Read a .doc/.rtf/.xls/.ppt (via LibreOffice) or .odt/.ods/.odp file, converting legacy-font text to Unicode.
    as_ext: the format the file really is when its name says otherwise (an old Word file named .docx: ".doc").

    Raises UnsupportedFormat when LibreOffice is needed and missing, ReadError when the file cannot be read.
    """
    path = Path(path)
    ext = as_ext or path.suffix.lower()
    if ext in ODF_ZIPS:
        return _to_raw(_read_odf_zip(path), ext)
    target = SOFFICE_TARGETS.get(ext)
    if target is None:
        raise UnsupportedFormat(f"định dạng {ext or '(không có phần mở rộng)'} không được hỗ trợ")
    binary = soffice_binary()
    if binary is None:
        raise UnsupportedFormat(
            f"cần cài LibreOffice để đọc {ext} (gói {_PACKAGES[target]}), hoặc lưu tệp thành .docx/.xlsx"
        )
    failures: list[ReadError] = []
    with tempfile.TemporaryDirectory(prefix="tracuu-soffice-") as tmp:
        for fmt in (target, *FALLBACK_TARGETS[target]):
            try:
                converted = convert_with_soffice(binary, path, fmt, Path(tmp), timeout)
                return _read_converted(path, converted, fmt, ext)
            except ConversionTimeout:
                raise  # a file that hangs LibreOffice once would hang it again: no second try
            except ReadError as error:
                if not isinstance(error, _Unreadable):
                    failures.append(error)
                    continue
                raise
    tried = ", ".join(fmt.split(":")[0] for fmt in (target, *FALLBACK_TARGETS[target]))
    raise ReadError(f"{failures[0]} (đã thử các định dạng {tried})") from failures[-1]


class ConversionTimeout(ReadError):
    """LibreOffice ran past its time limit (the file is skipped, not converted again in another format)."""


class _Unreadable(ReadError):
    """LibreOffice converted the file, but what it wrote is not a document: another format would not help."""


def _read_converted(path: Path, converted: Path, fmt: str, ext: str) -> RawText:
    """RawText of one LibreOffice output. Raises ReadError when it cannot be parsed (the next format is tried),
    _Unreadable when it parses but holds no document text (LibreOffice read a damaged binary as text)."""
    if fmt in ("docx", "html") or fmt.startswith("txt"):
        reader = {"docx": docx_text, "html": html_text}.get(fmt, plain_text)
        text, encoding = reader(converted)
        return _checked(_pages(text, ext, encoding), ext)
    try:
        content = _read_odf_zip(converted) if fmt in ("odt", "ods", "odp") else parse_odf(converted.read_bytes())
    except Exception as error:  # noqa: BLE001 - any XML failure means LibreOffice gave us nothing usable
        raise ReadError(f"LibreOffice không chuyển được tệp {ext} ({type(error).__name__})") from error
    try:
        raw = _to_raw(content, ext)
    except ReadError as error:
        raise _Unreadable(str(error)) from error
    # A plain text file named .doc is fine to read as text; binary debris read as text is not.
    if _raw_import(path, content) and syllable_validity("\n".join(raw.pages)[:20000]) < 0.5:
        raise _Unreadable(f"tệp {ext} hỏng: LibreOffice không nhận ra định dạng và đọc nó như văn bản thô")
    return raw


def _checked(raw: RawText, ext: str) -> RawText:
    text = "\n".join(raw.pages)
    if _garbled(text):
        raise _Unreadable(f"tệp {ext} hỏng: LibreOffice chỉ đọc ra ký tự vô nghĩa")
    if not text.strip():
        raise _Unreadable(f"tệp {ext} không có chữ")
    return raw


def convert_with_soffice(binary: str, path: Path, target: str, workdir: Path, timeout: float) -> Path:
    """Convert one file with `soffice --headless --convert-to`, in its own profile, killed after `timeout` seconds.

    `target` is an output extension, optionally with LibreOffice's filter ("txt:Text (encoded):UTF8"). Returns the
    written file; raises ConversionTimeout past `timeout`, ReadError when LibreOffice wrote nothing.
    """
    # A plain ASCII copy: LibreOffice reads odd names (leading "-", NFD, quotes) as options or mangles them.
    source = workdir / f"input{path.suffix.lower()}"
    shutil.copyfile(path, source)
    outdir = workdir / "out"
    profile = (workdir / "profile").resolve().as_uri()
    command = [
        binary, f"-env:UserInstallation={profile}", "--headless", "--invisible", "--norestore",
        "--nolockcheck", "--nodefault", "--convert-to", target, "--outdir", str(outdir), str(source),
    ]
    try:
        process = run_killable(command, timeout, cwd=workdir)
    except subprocess.TimeoutExpired:
        raise ConversionTimeout(f"LibreOffice chuyển đổi quá {timeout:.0f} giây, bỏ qua tệp") from None
    result = outdir / f"input.{target.split(':')[0]}"
    if process.returncode != 0 or not result.is_file() or result.stat().st_size == 0:
        detail = process.stderr.decode("utf-8", errors="replace").strip().splitlines()
        hint = f" ({detail[-1][:120]})" if detail else ""
        raise ReadError(f"LibreOffice không mở được tệp {path.suffix.lower()}: tệp hỏng hoặc có mật khẩu{hint}")
    return result


def _read_odf_zip(path: Path) -> OdfContent:
    try:
        with zipfile.ZipFile(path) as archive:
            check_zip_archive(archive)
            names = set(archive.namelist())
            if "content.xml" not in names:
                raise ReadError("tệp OpenDocument hỏng (không có content.xml)")
            parts = [archive.read("styles.xml")] if "styles.xml" in names else []
            parts.append(archive.read("content.xml"))
    except zipfile.BadZipFile as error:
        raise ReadError("tệp OpenDocument hỏng (không phải tệp zip hợp lệ)") from error
    try:
        return parse_odf(*parts)
    except Exception as error:  # noqa: BLE001 - malformed XML inside the archive
        raise ReadError(f"tệp OpenDocument hỏng ({type(error).__name__})") from error


def _to_raw(content: OdfContent, ext: str) -> RawText:
    text, encoding = convert_runs_tagged(content.runs)
    return _checked(_pages(text, ext, encoding), ext)


def _pages(text: str, ext: str, encoding: str | None) -> RawText:
    pages = text.split("\f")
    while len(pages) > 1 and not pages[-1].strip():
        pages.pop()
    return RawText(pages=pages, format=ext.lstrip("."), encoding=encoding)


def _raw_import(path: Path, content: OdfContent) -> bool:
    """LibreOffice opens what it cannot parse as plain text: the file's own first bytes then start the text."""
    with path.open("rb") as handle:
        head = handle.read(8)
    start = "".join(text for text, _ in content.runs[:50])[:400]
    visible = "".join(ch for ch in start if ch >= " ")
    for reading in (head.decode("latin-1"), head.decode("cp1252", errors="ignore"), head.decode("utf-16-le", errors="ignore")):
        marker = "".join(ch for ch in reading if ch >= " " and not ch.isspace())
        if len(marker) >= 4 and marker in visible:
            return True
    return False


def _garbled(text: str) -> bool:
    """Mostly letters outside the Latin script: LibreOffice imported a damaged binary as UTF-16 plain text."""
    letters = [ch for ch in text[:20000] if ch.isalpha() or "\ue000" <= ch <= "\uf8ff"]
    if len(letters) < 20:
        return False
    foreign = sum(1 for ch in letters if not ("A" <= ch <= "\u024f" or "\u1e00" <= ch <= "\u1eff"))
    return foreign > 0.3 * len(letters)
