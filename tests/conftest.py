"""Shared fixtures: the sample corpus, prebuilt indexes of it, a fake embedder and a tiny real model.

Stable contract for every test module:
- `corpus_dir`: Path of the repo's corpus/ (five seed plans). Never write into it; copy with `corpus_copy`.
- `corpus_copy`: a fresh per-test copy of corpus/ under tmp_path, free to edit.
- `lexical_index_dir`: session-wide lexical-only index of corpus/ (build_index(..., dense=False)).
  Read-only: tests that rebuild or edit must use their own copy (`shutil.copytree`) or index `corpus_copy`.
- `fake_embedder`: a new FakeEmbedder (64-d, deterministic, counts `passages_encoded`).
- `fake_index_dir`: session-wide hybrid index of corpus/ built with FakeEmbedder(); open it with
  `IndexReader.open(fake_index_dir, embedder=FakeEmbedder())` (the fake model cannot be loaded by name).
- `tiny_model_dir`: session-wide folder holding a tiny sentence-transformers model (random 2-layer BERT,
  32-d, WordPiece vocabulary trained on corpus/) named "tiny-test-bert"; building it imports torch (~10 s),
  so tests using it are marked slow.
- `tiny_index_dir`: session-wide hybrid index of corpus/ built with the tiny model (read-only).
- The bundled model (indexer.embed.bundled) is hidden from every test: TRACUU_MODEL_HOME points at an empty
  folder for the whole session, so the default model resolves as on a machine where it was never prepared.
- `bundled_model_home`: the real model home (TRACUU_MODEL_HOME as the session started, else
  ~/.cache/tracuu/models) after `prepare_model` has put the bundled model there (cached across runs: ~1 min the
  first time, then ~0.2 s). A test that wants the default resolution to find it sets TRACUU_MODEL_HOME to it.
- `bundled_model_dir`: the prepared folder inside it.
- `bundled_index_dir`: session-wide hybrid index of corpus/ built with the bundled model on its default backend
  (ONNX int8) — read-only.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
REPO = TESTS_DIR.parent
CORPUS = REPO / "corpus"
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))

from fake_embedder import FakeEmbedder  # noqa: E402

# The shared data (real documents, handed cases, dev queries) lives beside the repository: ../shared. In a plain
# clone it is missing; the tests that need it are then skipped with one line naming the folder, never failed.
# TRACUU_SHARED_DIR points elsewhere. `.ci/run` refuses to start without it, so CI always runs those tests.
SHARED = Path(os.environ.get("TRACUU_SHARED_DIR") or REPO.parent / "shared").resolve()
SHARED_MISSING = f"cần thư mục dữ liệu dùng chung {SHARED} (không có trong bản sao này)"


def lexical_searcher(root: Path, files: dict[str, str]):
    """A Searcher over a lexical-only index of `files` (name → text), written under `root`/corpus."""
    from indexer.build import build_index
    from search import Searcher

    (root / "corpus").mkdir(parents=True)
    for name, text in files.items():
        (root / "corpus" / name).write_text(text, encoding="utf-8")
    build_index([root / "corpus"], root / "index", dense=False)
    return Searcher.open(root / "index")


def need_shared(*parts: str) -> Path:
    """SHARED/parts, or skip the calling test with one line naming the missing folder."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(SHARED_MISSING if not SHARED.is_dir() else f"thiếu {path} trong thư mục dữ liệu dùng chung")
    return path


def _needs_missing_shared(excinfo) -> bool:
    """The test failed because it reached for a file under SHARED, and SHARED is not there."""
    if SHARED.is_dir() or excinfo is None:
        return False
    text = str(excinfo.value) + "".join(str(e.locals.get(name, "")) for e in excinfo.traceback
                                       for name in ("path", "file", "filename", "folder"))
    return str(SHARED) in text or "/shared/" in text


def pytest_configure(config):
    config.addinivalue_line("markers", "shared: needs the shared data folder (../shared); skipped when it is missing")


def pytest_runtest_setup(item):
    """A test marked `shared` (it finds nothing, rather than failing to open, without the data) skips at once."""
    if item.get_closest_marker("shared") is not None and not SHARED.is_dir():
        pytest.skip(SHARED_MISSING)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Without SHARED, a test that failed opening a file under it is reported as skipped (one line naming it)."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and call.excinfo is not None and _needs_missing_shared(call.excinfo):
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: {SHARED_MISSING}")


# Where the bundled model really lives on this machine (read before the session hides it).
REAL_MODEL_HOME = Path(os.environ.get("TRACUU_MODEL_HOME") or "~/.cache/tracuu/models").expanduser()


@pytest.fixture(scope="session", autouse=True)
def _hide_bundled_model():
    """Tests see a machine where `tracuu model prepare` never ran, unless they ask for the bundled model."""
    empty = tempfile.mkdtemp(prefix="tracuu-no-model-")
    saved = {name: os.environ.get(name) for name in ("TRACUU_MODEL_HOME", "TRACUU_EMBED_BACKEND")}
    os.environ["TRACUU_MODEL_HOME"] = empty
    os.environ.pop("TRACUU_EMBED_BACKEND", None)
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    shutil.rmtree(empty, ignore_errors=True)


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture(scope="session")
def lexical_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from indexer.build import build_index

    index_dir = tmp_path_factory.mktemp("lexical-index") / "index"
    build_index([CORPUS], index_dir, dense=False)
    return index_dir


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def fake_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from indexer.build import build_index

    index_dir = tmp_path_factory.mktemp("fake-index") / "index"
    build_index([CORPUS], index_dir, model=FakeEmbedder())
    return index_dir


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tiny_model import build_tiny_model

    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))]
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model") / "model", texts)


@pytest.fixture(scope="session")
def tiny_index_dir(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path) -> Path:
    from indexer.build import build_index

    index_dir = tmp_path_factory.mktemp("tiny-index") / "index"
    build_index([CORPUS], index_dir, model=str(tiny_model_dir))
    return index_dir


@pytest.fixture(scope="session")
def bundled_model_home() -> Path:
    from indexer.embed.prepare import prepare_model

    prepare_model(REAL_MODEL_HOME / "multilingual-e5-small-q4", progress=print)
    return REAL_MODEL_HOME


@pytest.fixture(scope="session")
def bundled_model_dir(bundled_model_home: Path) -> Path:
    return bundled_model_home / "multilingual-e5-small-q4"


@pytest.fixture(scope="session")
def bundled_index_dir(tmp_path_factory: pytest.TempPathFactory, bundled_model_dir: Path) -> Path:
    from indexer.build import build_index

    index_dir = tmp_path_factory.mktemp("bundled-index") / "index"
    report = build_index([CORPUS], index_dir, model=str(bundled_model_dir))
    assert report.mode == "hybrid", report.message
    return index_dir
