"""What a newcomer did that must not break anything (issue 14, second round): Ctrl-D at the replace prompt,
non-positive counts, misnamed or unreadable files, an interrupted OCR, a --no-dense index in the web app,
a killed first build, accounts on a read-only index."""
from __future__ import annotations

import argparse
import errno
import re
import sys
from pathlib import Path

import pytest

from indexer.errors import ReadError
from search.cli import app, core

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))


def test_ctrl_d_at_the_replace_prompt_cancels(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setattr(core, "dropped_roots", lambda index_dir, paths: ["/kho/A"])
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)

    def eof(prompt=""):
        raise EOFError

    monkeypatch.setattr("builtins.input", eof)
    args = argparse.Namespace(add=False, replace=False, json=False)
    assert core._confirm_replace(args, tmp_path / "index", [tmp_path / "B"]) is False
    assert "Đã hủy; chỉ mục giữ nguyên." in capsys.readouterr().err


def test_ctrl_d_at_the_replace_prompt_exits_1_and_builds_nothing(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setattr(core, "dropped_roots", lambda index_dir, paths: ["/kho/A"])
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", lambda prompt="": (_ for _ in ()).throw(EOFError))
    corpus = tmp_path / "B"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Kế hoạch số 9/KH-UBND.\n", encoding="utf-8")
    index_dir = tmp_path / "index"
    assert app.main(["index", str(corpus), "--index", str(index_dir), "--no-dense"]) == 1
    assert not index_dir.exists()
    assert "Đã hủy" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["search", "kế hoạch", "-k", "0"], ["search", "kế hoạch", "-k", "-3"],
                                  ["search", "kế hoạch", "-k", "mười"], ["audit", "--limit", "0"],
                                  ["ui", "--port", "0"], ["ui", "--port", "70000"]])
def test_non_positive_numbers_are_refused_by_the_parser(argv: list[str], capsys):
    with pytest.raises(SystemExit) as caught:
        app.build_parser().parse_args(argv)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and ("số nguyên" in err or "cổng phải" in err), err


def test_positive_numbers_still_parse():
    args = app.build_parser().parse_args(["search", "kế hoạch", "-k", "3"])
    assert args.k == 3
    assert app.build_parser().parse_args(["audit", "--limit", "5"]).limit == 5
    assert app.build_parser().parse_args(["ui", "--port", "8502"]).port == 8502


def test_read_only_accounts_message_speaks_of_accounts():
    error = PermissionError(errno.EACCES, "Permission denied", "/kho/index/users.json.lock")
    message = app.system_error_message(error, "user")
    assert "tệp tài khoản" in message and "Chỉ mục trước đó" not in message
    assert "Chỉ mục trước đó" in app.system_error_message(error, "index")


def test_user_add_on_a_read_only_index(tmp_path: Path, monkeypatch, capsys):
    """A real refused write (the lock file cannot be created) ends in the accounts wording, exit 3."""
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    real_open = open

    def refusing_open(file, *args, **kwargs):
        if str(file).startswith(str(index_dir)) and any(m in (args[0] if args else kwargs.get("mode", "r"))
                                                         for m in "wa+"):
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", refusing_open)
    monkeypatch.setattr(sys, "stdin", __import__("io").StringIO("mật-khẩu-đủ-dài-123\n"))
    assert app.main(["user", "add", "lan", "--password-stdin", "--index", str(index_dir)]) == 3
    err = capsys.readouterr().err
    assert "tệp tài khoản" in err and "Chỉ mục trước đó" not in err and "Traceback" not in err


def test_check_after_a_killed_first_build_says_there_is_no_index(tmp_path: Path, capsys):
    """A first build killed before CURRENT: a half-written generation, no manifest, no CURRENT. `check` says what
    `ask` says (no index yet, exit 2), not "damaged"."""
    index_dir = tmp_path / "index"
    (index_dir / "gen-000001" / "lexical").mkdir(parents=True)
    (index_dir / "gen-000001" / "chunks.sqlite").write_bytes(b"SQLite format 3\x00" + bytes(100))
    assert app.main(["check", "--index", str(index_dir)]) == 2
    err = capsys.readouterr().err
    assert "Chưa có chỉ mục" in err and "hỏng" not in err
    assert app.main(["ask", "báo cáo gì", "--index", str(index_dir)]) == 2
    assert "Chưa có chỉ mục" in capsys.readouterr().err


def test_no_dense_index_with_the_model_here_asks_for_a_rebuild_not_a_model(tmp_path: Path, monkeypatch):
    from indexer.settings import Settings
    from search.ui_support import lexical_notice, model_label

    model_dir = tmp_path / "e5"
    model_dir.mkdir()
    monkeypatch.setenv("TRACUU_MODEL", str(model_dir))
    notice = lexical_notice(None, str(model_dir), "lexical", Settings.from_env())
    assert "Chỉ mục không có phần ngữ nghĩa (vectơ)" in notice and "--no-dense" in notice
    assert "model prepare" not in notice and "chưa có mô hình" not in notice
    assert "chưa có" not in model_label(None)
    # no model on this machine: the notice still says how to get one
    monkeypatch.setenv("TRACUU_MODEL", "ai-do/khong-co-mo-hinh")
    notice = lexical_notice(None, "ai-do/khong-co-mo-hinh", "lexical", Settings.from_env())
    assert "tracuu model prepare" in notice and "tracuu model download ai-do/khong-co-mo-hinh" in notice


def test_ocr_writes_no_page_image_that_an_interrupt_could_leave_behind(tmp_path: Path, monkeypatch):
    """Ctrl-C, SIGTERM or the per-file budget's SIGKILL can stop a read while Tesseract runs; the page image goes
    through a pipe, so at that moment there is nothing in the temp folder to leave behind."""
    import tempfile

    from indexer.read import ocr
    from test_ocr import render_scan

    if ocr.tesseract_binary() is None:
        pytest.skip("không có Tesseract")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setenv("TMPDIR", str(scratch))
    pdf = tmp_path / "scan.pdf"
    render_scan("Kế hoạch số 5/KH-UBND về báo cáo định kỳ hàng quý", pdf, dpi=150)
    seen, real = [], ocr.run_killable

    def watching(command, timeout, cwd=None, input=None, env=None):
        seen.append(sorted(str(p) for p in scratch.rglob("*")))
        raise KeyboardInterrupt  # the user presses Ctrl-C while Tesseract reads the page

    monkeypatch.setattr(ocr, "run_killable", watching)
    with pytest.raises(KeyboardInterrupt):
        ocr.ocr_pdf_pages(pdf, [1])
    assert seen == [[]] and list(scratch.iterdir()) == []
    monkeypatch.setattr(ocr, "run_killable", real)
    [page] = ocr.ocr_pdf_pages(pdf, [1])
    assert "KH-UBND" in page.text and list(scratch.iterdir()) == []


def _docx(path: Path, text: str) -> Path:
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    document.save(str(path))
    return path


def test_misnamed_office_files_are_read_as_what_they_are(tmp_path: Path):
    import shutil
    import subprocess

    from indexer.read.readers import read_file

    raw = read_file(_docx(tmp_path / "that-ra-docx.pdf", "Kế hoạch số 7/KH-UBND về báo cáo"))
    assert raw.format == "docx" and "7/KH-UBND" in raw.pages[0]

    import openpyxl

    book = openpyxl.Workbook()
    book.active["A1"] = "Kế hoạch số 8/KH-UBND"
    book.save(str(tmp_path / "bang.pdf"))
    with pytest.raises(ReadError, match=r"bảng tính Excel \(\.xlsx\) mang đuôi \.pdf"):
        read_file(tmp_path / "bang.pdf")

    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("không có LibreOffice để tạo tệp .doc")
    source = _docx(tmp_path / "goc.docx", "Kế hoạch số 9/KH-UBND về báo cáo hàng quý")
    out = tmp_path / "out"
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless", "--convert-to",
                    "doc", "--outdir", str(out), str(source)], capture_output=True, timeout=180, check=True)
    old = (out / "goc.doc").read_bytes()
    assert old.startswith(b"\xd0\xcf\x11\xe0")  # a real OLE Word file
    for name in ("cu.docx", "cu.pdf"):
        (tmp_path / name).write_bytes(old)
        raw = read_file(tmp_path / name)
        assert raw.format == "doc" and "9/KH-UBND" in " ".join(raw.pages), name


def _vietnamese_only(reason: str) -> None:
    assert not re.search(r"\b(the|is|has|no|not|file|stream|item|named|such|directory|permission)\b", reason, re.I), reason


def test_unreadable_files_get_vietnamese_reasons_without_library_english(tmp_path: Path):
    import zipfile

    from indexer.read.readers import read_file

    source = sorted((REPO / "tests" / "data").rglob("*.pdf"))[0]
    (tmp_path / "cut.pdf").write_bytes(source.read_bytes()[:3000])
    with zipfile.ZipFile(tmp_path / "thieu.docx", "w") as package:
        package.writestr("word/document.xml", "<w:document/>")
    (tmp_path / "hong.pdf").symlink_to(tmp_path / "khong-co.pdf")
    expected = {"cut.pdf": "hỏng", "thieu.docx": "hỏng", "hong.pdf": "tệp không tồn tại (liên kết hỏng)"}
    for name, words in expected.items():
        with pytest.raises(ReadError) as caught:
            read_file(tmp_path / name)
        reason = str(caught.value)
        assert words in reason, reason
        _vietnamese_only(reason)


def test_a_file_without_read_permission_says_so(tmp_path: Path, monkeypatch):
    import builtins
    import io
    import os

    from indexer.read.readers import read_file

    pdf = sorted((REPO / "tests" / "data").rglob("*.pdf"))[0]
    locked = tmp_path / "khoa.pdf"
    locked.write_bytes(pdf.read_bytes())
    if os.geteuid() != 0:
        locked.chmod(0)
    else:  # root reads anything: refuse the opens of this one file as the kernel would for a normal user
        real_open = builtins.open

        def refusing(file, *args, **kwargs):
            if str(file) == str(locked):
                raise PermissionError(errno.EACCES, "Permission denied", str(file))
            return real_open(file, *args, **kwargs)

        monkeypatch.setattr(builtins, "open", refusing)
        monkeypatch.setattr(io, "open", refusing)
    with pytest.raises(ReadError) as caught:
        read_file(locked)
    reason = str(caught.value)
    assert "không có quyền đọc tệp" in reason and "hỏng" not in reason
    _vietnamese_only(reason)
