"""Excel .xlsx/.xlsm workbooks (annexes, lists of tasks) read with openpyxl as tables: one page per sheet, the
sheet's name as its heading (unless it is a default name such as "Sheet1"), one line per row with its filled cells separated by " | "."""
from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

from indexer.errors import ReadError
from indexer.model import RawText
from indexer.read.guards import check_zip_file
from indexer.read.legacy import convert_runs_tagged
from indexer.read.odf import CELL_SEPARATOR, sheet_heading
from indexer.read.office import read_office, soffice_binary

MAX_CELLS = 200_000  # filled cells read per workbook; the rest of a huge data sheet adds nothing searchable
MAX_CELL_CHARS = 2_000


def read_xlsx(path: Path) -> RawText:
    """Read a workbook: RawText with one page per sheet that has a filled cell (format "xlsx").

    Cells in a legacy Vietnamese font (".VnTime", "VNI-Times") are converted to Unicode by their font. Formula
    cells give the value Excel saved with them. Reading stops after MAX_CELLS filled cells (a note says so).
    Without openpyxl, or when it cannot open the workbook, LibreOffice reads it (`read_office`) if installed.
    Raises ReadError for a damaged workbook or one without text.
    """
    check_zip_file(path)
    try:
        return _read_with_openpyxl(path)
    except (ImportError, ReadError) as error:
        if soffice_binary() is None:
            if isinstance(error, ImportError):
                raise ReadError("cần gói openpyxl (hoặc LibreOffice) để đọc tệp .xlsx") from error
            raise
        return read_office(path)


def _read_with_openpyxl(path: Path) -> RawText:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise ReadError(f"không đọc được tệp Excel: {type(error).__name__}") from error
    except Exception as error:  # noqa: BLE001 - openpyxl fails inside lxml/zipfile with assorted errors
        raise ReadError(f"không đọc được tệp Excel: {type(error).__name__}") from error
    runs: list[tuple[str, str | None]] = []
    cells = 0
    try:
        for sheet in workbook.worksheets:
            sheet_runs: list[tuple[str, str | None]] = []
            for row in sheet.iter_rows():
                line = [(text, font) for text, font in map(_cell, row) if text]
                if not line:
                    continue
                cells += len(line)
                for k, (text, font) in enumerate(line):
                    sheet_runs.append((CELL_SEPARATOR if k else "", None))
                    sheet_runs.append((text, font))
                sheet_runs.append(("\n", None))
                if cells >= MAX_CELLS:
                    break
            if sheet_runs:
                if runs:
                    runs.append(("\f", None))
                runs.append((sheet_heading(sheet.title), None))
                runs.extend(sheet_runs)
            if cells >= MAX_CELLS:
                runs.append((f"(Bảng tính dài hơn {MAX_CELLS} ô: phần còn lại không được đọc)\n", None))
                break
    except Exception as error:  # noqa: BLE001 - a damaged sheet part fails while rows are read
        raise ReadError(f"không đọc được tệp Excel: {type(error).__name__}") from error
    finally:
        workbook.close()
    text, encoding = convert_runs_tagged(runs)
    if not text.strip():
        raise ReadError("tệp Excel không có chữ")
    return RawText(pages=text.split("\f"), format=path.suffix.lower().lstrip("."), encoding=encoding)


def _cell(cell) -> tuple[str, str | None]:
    value = getattr(cell, "value", None)
    if value is None:
        return "", None
    if isinstance(value, bool):
        text = "Có" if value else "Không"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, dt.datetime):
        text = value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    elif isinstance(value, dt.date):
        text = value.isoformat()
    else:
        text = str(value)
    text = " ".join(text.split())[:MAX_CELL_CHARS]  # line breaks inside a cell would split its row
    font = getattr(getattr(cell, "font", None), "name", None)
    return text, font
