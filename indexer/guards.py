"""Checks that refuse hostile or oversized inputs before a parser touches them (zip bombs, huge files)."""
from __future__ import annotations

import zipfile
from pathlib import Path

from indexer.errors import ReadError

# A .docx/.odt is XML that compresses 5–30×; anything far beyond is built to explode.
MAX_ZIP_UNCOMPRESSED = 300 * 1024 * 1024
MAX_ZIP_MEMBER_RATIO = 200.0
MAX_ZIP_MEMBERS = 20_000
_RATIO_FLOOR = 1024 * 1024  # small members can have any ratio (a run of spaces compresses ~1000×)


def check_file_size(path: Path, max_bytes: int | None) -> int:
    """The file's size in bytes; ReadError when it is larger than `max_bytes` (None: no limit)."""
    size = Path(path).stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise ReadError(
            f"tệp quá lớn ({size / 1048576:.1f} MB > giới hạn {max_bytes / 1048576:.0f} MB, đặt TRACUU_MAX_FILE_MB để đổi)"
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
    """check_zip_archive on a path; ReadError when it is not a readable zip at all."""
    try:
        with zipfile.ZipFile(path) as archive:
            check_zip_archive(archive)
    except zipfile.BadZipFile as error:
        raise ReadError("tệp hỏng: không phải tệp nén zip hợp lệ (.docx/.odt là tệp zip)") from error
