"""A damaged index is detected, explained in Vietnamese and repaired by `tracuu index` (issue 14, fault 2).

20 cases: truncate, overwrite in place or delete each kind of file of a generation (SQLite, manifest, FAISS,
the lexical arrays and their JSON, the document-context field, CURRENT). Each must be reported by the deep check
(`tracuu check`), opening and querying must raise nothing but a TracuuError that names the repair, and one
`build_index` over the same sources must give a whole index that answers as before.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fake_embedder import FakeEmbedder
from indexer.build import build_index
from indexer.errors import TracuuError
from indexer.store.generations import current_generation
from indexer.store.integrity import check_index

REPO = Path(__file__).resolve().parents[1]
QUERY = "báo cáo định kỳ"

CASES = [
    ("truncate", "tracuu.sqlite"), ("truncate", "manifest.json"), ("truncate", "dense.faiss"),
    ("truncate", "lexical/rows.npy"), ("truncate", "lexical/weights.npy"), ("truncate", "lexical/lexical.json"),
    ("truncate", "lexical/documents/row_doc.npy"),
    ("overwrite", "tracuu.sqlite"), ("overwrite", "manifest.json"), ("overwrite", "dense.faiss"),
    ("overwrite", "lexical/rows.npy"), ("overwrite", "lexical/term_keys.npy"), ("overwrite", "lexical/surfaces.json"),
    ("overwrite", "lexical/documents/rows.npy"),
    ("delete", "tracuu.sqlite"), ("delete", "manifest.json"), ("delete", "dense.faiss"),
    ("delete", "lexical/indptr.npy"), ("delete", "lexical"), ("delete", "CURRENT"),
]


def damage(index_dir: Path, action: str, relative: str) -> None:
    """Damage one file of the live generation (CURRENT: of the index folder) the way a disk or a user would."""
    gen = current_generation(index_dir)
    path = index_dir / relative if relative == "CURRENT" else gen / relative
    if action == "delete":
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    elif action == "truncate":
        with open(path, "r+b") as handle:
            handle.truncate(path.stat().st_size // 2)
    else:  # overwrite bytes in place: the size stays, only a checksum or a parser notices
        size = path.stat().st_size
        with open(path, "r+b") as handle:
            handle.seek(size // 3)
            handle.write(b"\xff" * max(1, min(4096, size // 3)))


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, corpus_dir: Path) -> tuple[Path, list[str]]:
    index_dir = tmp_path_factory.mktemp("pristine") / "index"
    build_index([corpus_dir], index_dir, model=FakeEmbedder())
    return index_dir, _top(index_dir)


def _top(index_dir: Path) -> list[str]:
    from search import Searcher

    searcher = Searcher.open(index_dir, embedder=FakeEmbedder())
    try:
        return [(h.source, h.text) for h in searcher.search(QUERY, k=5)]
    finally:
        searcher.reader.close()


def _use(index_dir: Path) -> None:
    """Open, search and ask as the CLI and the UI do; only a TracuuError naming the repair may come out."""
    from search import Searcher

    try:
        searcher = Searcher.open(index_dir, embedder=FakeEmbedder())
        try:
            searcher.search(QUERY, k=5)
            searcher.ask("Những kế hoạch nào yêu cầu báo cáo hàng tháng?")
            searcher.reader.documents()
        finally:
            searcher.reader.close()
    except TracuuError as error:
        assert "tracuu index" in str(error), str(error)


@pytest.mark.parametrize("action,relative", CASES, ids=[f"{a}-{r}" for a, r in CASES])
def test_damaged_index_is_detected_and_repaired(tmp_path: Path, pristine, corpus_dir: Path, action: str,
                                                relative: str):
    source, expected = pristine
    index_dir = tmp_path / "index"
    shutil.copytree(source, index_dir)
    assert check_index(index_dir) == (current_generation(index_dir), [])
    damage(index_dir, action, relative)

    _gen, damages = check_index(index_dir, deep=True)
    assert damages, f"{action} {relative} not detected"
    wanted = Path(relative).name if relative != "lexical" else "lexical/"
    assert any(wanted in d.path for d in damages), damages
    _use(index_dir)

    report = build_index([corpus_dir], index_dir, model=FakeEmbedder())
    assert report.documents == 5
    assert check_index(index_dir, deep=True)[1] == []
    assert _top(index_dir) == expected


def test_cli_check_and_ask_on_a_truncated_lexical_file(tmp_path: Path, lexical_index_dir: Path, corpus_dir: Path):
    """The issue's own case, through the command: a Vietnamese line and exit status, no traceback; then repair."""
    index_dir = tmp_path / "index"
    shutil.copytree(lexical_index_dir, index_dir)
    damage(index_dir, "truncate", "lexical/rows.npy")

    def tracuu(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "search.cli", *args, "--index", str(index_dir)],
                              capture_output=True, text=True, cwd=REPO, timeout=300,
                              env={**__import__("os").environ, "PYTHONPATH": str(REPO)})

    asked = tracuu("ask", "kế hoạch nào báo cáo hàng tháng")
    assert asked.returncode == 2 and "Traceback" not in asked.stderr
    assert "bị hỏng" in asked.stderr and "rows.npy" in asked.stderr and "tracuu index" in asked.stderr
    checked = tracuu("check")
    assert checked.returncode == 1 and "rows.npy" in checked.stdout + checked.stderr
    indexed = tracuu("index", str(corpus_dir), "--no-dense")
    assert indexed.returncode == 0 and "bị hỏng" in indexed.stderr, indexed.stderr
    assert tracuu("check").returncode == 0
    assert tracuu("search", "báo cáo").returncode == 0


@pytest.mark.parametrize("action,relative", [("truncate", "lexical/rows.npy"), ("overwrite", "lexical/rows.npy"),
                                             ("delete", "lexical/documents/row_doc.npy")])
def test_ui_shows_the_damage_in_vietnamese_and_repairs_it(monkeypatch, tmp_path: Path, lexical_index_dir: Path,
                                                          corpus_dir: Path, action: str, relative: str):
    """The web app: no Streamlit error page, a Vietnamese line naming the file, and its button rebuilds the index."""
    from streamlit.testing.v1 import AppTest

    index_dir = tmp_path / "index"
    shutil.copytree(lexical_index_dir, index_dir)
    damage(index_dir, action, relative)
    monkeypatch.setenv("TRACUU_INDEX", str(index_dir))
    monkeypatch.setenv("TRACUU_CORPUS", str(corpus_dir))
    import streamlit as st

    from search.access import UserStore

    UserStore(index_dir / "users.json").add("hoa", "mat-khau-hoa", "editor")
    monkeypatch.delenv("TRACUU_USERS", raising=False)
    st.cache_resource.clear()
    at = AppTest.from_file(str(REPO / "ui_streamlit.py"), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    assert any(relative.split("/")[0] in e and "bị hỏng" in e and "tracuu index" in e for e in errors), errors
    rebuild = "Lập lại chỉ mục từ kho văn bản"
    assert not any(b.label == rebuild for b in at.button)  # a reader is told to ask an editor, gets no button
    at.text_input(key="signin_name").input("hoa")
    at.text_input(key="signin_password").input("mat-khau-hoa")
    next(b for b in at.button if b.label == "Đăng nhập").click().run()
    assert not at.exception, [e.value for e in at.exception]
    next(b for b in at.button if b.label == rebuild).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert check_index(index_dir, deep=True)[1] == []


def test_a_damaged_embedding_cache_is_started_afresh(tmp_path: Path, pristine, corpus_copy: Path):
    """The cache beside the generations is not part of a generation: when it is not a database any more, the
    build deletes it and embeds again instead of stopping with a traceback."""
    source, _expected = pristine
    index_dir = tmp_path / "index"
    shutil.copytree(source, index_dir)
    (index_dir / "embeddings.sqlite").write_bytes(b"\xff" * 5000)
    (corpus_copy / "moi.txt").write_text("Kế hoạch mới.\nSở Y tế báo cáo hàng tháng.\n", encoding="utf-8")
    report = build_index([corpus_copy], index_dir, model=FakeEmbedder())
    assert report.documents == 6 and report.embedded_chunks > 0
    assert check_index(index_dir, deep=True)[1] == []
