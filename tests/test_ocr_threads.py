"""Tesseract runs one OpenMP thread per page (file workers are the parallelism), unless the user set the limit."""
from __future__ import annotations

import pytest

from indexer.read.external import run_killable
from indexer.read.ocr import tesseract_env


def test_one_thread_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMP_THREAD_LIMIT", raising=False)
    env = tesseract_env()
    assert env["OMP_THREAD_LIMIT"] == "1"
    done = run_killable(["sh", "-c", "echo $OMP_THREAD_LIMIT"], 10, env=env)
    assert done.stdout.decode().strip() == "1"


def test_a_limit_set_by_the_user_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMP_THREAD_LIMIT", "3")
    assert tesseract_env()["OMP_THREAD_LIMIT"] == "3"
