"""External tools: a hung converter and the children it forked are killed together."""
from __future__ import annotations

import subprocess
import time

import pytest

from indexer.read.external import run_killable


def test_output_and_status_come_back():
    done = run_killable(["sh", "-c", "echo chữ; echo lỗi >&2; exit 3"], timeout=10)
    assert (done.returncode, done.stdout.decode(), done.stderr.decode()) == (3, "chữ\n", "lỗi\n")


def test_timeout_kills_the_whole_process_group():
    started = time.monotonic()
    # The forked child keeps stdout open: without a group kill, communicate() would wait the full 30 s.
    with pytest.raises(subprocess.TimeoutExpired):
        run_killable(["sh", "-c", "sleep 30 & sleep 30"], timeout=0.5)
    assert time.monotonic() - started < 10
