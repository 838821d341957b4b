"""Errors a user causes get one Vietnamese line and a documented exit status, and the previous index still answers
(issue 14, fault 3): a read-only index folder, a full disk during a build, a PDF renamed .docx, random bytes
named .pdf, a size limit below one megabyte."""
from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.errors import ReadError
from indexer.read.guards import size_pair
from indexer.read.readers import read_file

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_bad_files import text_pdf  # noqa: E402


def tracuu(*args: str, env: dict | None = None, preexec=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "search.cli", *args], capture_output=True, text=True, cwd=REPO,
                          timeout=300, env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
                          preexec_fn=preexec)


def test_sizes_are_shown_with_the_precision_that_tells_them_apart():
    assert size_pair(int(0.51 * 1048576), int(0.5 * 1048576)) == "0.51 MB > 0.50 MB"
    assert size_pair(3 * 1048576, 2 * 1048576) == "3.0 MB > 2.0 MB"
    assert size_pair(524289, 524288) == "0.500001 MB > 0.500000 MB"


def test_max_file_mb_below_one_megabyte(tmp_path: Path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"a" * int(0.52 * 1048576))
    with pytest.raises(ReadError, match=r"0\.52 MB > 0\.50 MB"):
        read_file(path, max_bytes=int(0.5 * 1048576))


def test_pdf_renamed_docx_is_read_as_pdf(tmp_path: Path):
    for name in ("renamed.docx", "renamed.doc"):
        path = tmp_path / name
        path.write_bytes(text_pdf(["Ke hoach so 5/KH-UBND ve bao cao"]))
        raw = read_file(path)
        assert raw.format == "pdf" and "5/KH-UBND" in raw.pages[0]


@pytest.mark.parametrize("name,data", [("random.pdf", os.urandom(20_000)),
                                       ("header.pdf", b"%PDF-1.4\n" + os.urandom(20_000)),
                                       ("random.docx", os.urandom(20_000))])
def test_junk_gets_a_vietnamese_reason_without_a_path(tmp_path: Path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ReadError) as caught:
        read_file(path)
    reason = str(caught.value)
    assert "hỏng" in reason and str(tmp_path) not in reason
    assert not reason.split(":", 1)[1].strip().startswith(("Stream", "Package", "File"))  # Vietnamese first


@pytest.fixture
def built(tmp_path: Path, corpus_dir: Path) -> Path:
    index_dir = tmp_path / "index"
    result = tracuu("index", str(corpus_dir), "--index", str(index_dir), "--no-dense")
    assert result.returncode == 0, result.stderr
    return index_dir


def _answers(index_dir: Path) -> None:
    result = tracuu("search", "báo cáo", "--index", str(index_dir), "-k", "1")
    assert result.returncode == 0 and "1 kết quả" in result.stdout, result.stderr


def test_full_disk_during_a_build(tmp_path: Path, built: Path):
    """RLIMIT_FSIZE makes every write past 1 MB fail with a real EFBIG, as a full disk fails with ENOSPC."""
    corpus = tmp_path / "more"
    shutil.copytree(REPO / "corpus", corpus)
    (corpus / "lon.txt").write_text("Sở Tài chính báo cáo hàng tháng. " * 60_000, encoding="utf-8")

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))

    result = tracuu("index", str(corpus), "--index", str(built), "--no-dense", preexec=limit)
    assert result.returncode == 3, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.startswith("Lỗi")]
    assert len(lines) == 1 and "Hết chỗ trên đĩa" in lines[0] and "Traceback" not in result.stderr
    assert sorted(p.name for p in built.glob("gen-*")) == ["gen-000001"]  # the half-written generation is gone
    _answers(built)


def _read_only(folder: Path):
    """Make folder read-only for this process: chmod for a normal user; a read-only bind mount for root."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return lambda: folder.chmod(0o755)
    mounted = subprocess.run(["mount", "--bind", "-o", "ro", str(folder), str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("chạy với quyền root mà không gắn (mount) được thư mục chỉ đọc")
    return lambda: subprocess.run(["umount", str(folder)], check=True)


def test_read_only_index_folder(built: Path, corpus_dir: Path):
    restore = _read_only(built)
    try:
        probe = built / "probe"
        with pytest.raises(OSError):
            probe.write_text("x")
        result = tracuu("index", str(corpus_dir), "--index", str(built), "--no-dense")
        assert result.returncode == 3, (result.stdout, result.stderr)
        assert "chỉ đọc" in result.stderr and "Traceback" not in result.stderr
        _answers(built)
        assert tracuu("check", "--index", str(built)).returncode == 0
    finally:
        restore()


def test_full_tmpfs_during_a_build(tmp_path: Path, corpus_dir: Path):
    """The same on a real small file system (a 3 MB tmpfs), where writes fail with ENOSPC; needs root to mount."""
    mount = tmp_path / "tmpfs"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)],
                                           capture_output=True).returncode != 0:
        pytest.skip("không gắn được tmpfs (cần quyền root): test_full_disk_during_a_build dùng RLIMIT_FSIZE thay thế")
    try:
        index_dir = mount / "index"
        assert tracuu("index", str(corpus_dir), "--index", str(index_dir), "--no-dense").returncode == 0
        corpus = tmp_path / "more"
        shutil.copytree(corpus_dir, corpus)
        (corpus / "lon.txt").write_text("Sở Tài chính báo cáo hàng tháng. " * 60_000, encoding="utf-8")
        result = tracuu("index", str(corpus), "--index", str(index_dir), "--no-dense")
        assert result.returncode == 3 and "Hết chỗ trên đĩa" in result.stderr and "Traceback" not in result.stderr
        _answers(index_dir)
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_index_b_after_a_says_what_leaves_and_add_keeps_it(tmp_path: Path, corpus_dir: Path):
    """Replace semantics stay (the index holds the folders of its last build), but the command says it first;
    --add keeps the earlier folders."""
    a, b = tmp_path / "A", tmp_path / "B"
    shutil.copytree(corpus_dir, a)
    b.mkdir()
    (b / "moi.txt").write_text("Kế hoạch số 9/KH-UBND.\nSở Y tế báo cáo hàng tháng.\n", encoding="utf-8")
    index_dir = tmp_path / "index"
    assert tracuu("index", str(a), "--index", str(index_dir), "--no-dense").returncode == 0

    added = tracuu("index", str(b), "--index", str(index_dir), "--no-dense", "--add")
    assert added.returncode == 0 and "sẽ bị xóa" not in added.stderr
    assert "6 văn bản" in added.stdout

    replaced = tracuu("index", str(b), "--index", str(index_dir), "--no-dense")
    assert replaced.returncode == 0
    warning = replaced.stderr.index("sẽ bị xóa khỏi chỉ mục")
    assert str(a.resolve()) in replaced.stderr[:warning] and "--add" in replaced.stderr
    assert "1 văn bản" in replaced.stdout
    assert all(f"A/{seed.name}: đã xóa" in replaced.stdout for seed in corpus_dir.glob("*.txt"))
