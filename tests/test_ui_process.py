"""`tracuu ui` as a real process: SIGTERM stops Streamlit and frees the port; a busy port gets a Vietnamese hint."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from search.cli.serve import choose_port, port_free

REPO = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("0.0.0.0", 0))
        return probe.getsockname()[1]


def _tracuu_ui(*args: str, index_dir: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "search.cli", "ui", *args, "--index", str(index_dir)],
                            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_busy_port_given_with_port_gets_a_hint(lexical_index_dir: Path):
    with socket.socket() as holder:
        holder.bind(("0.0.0.0", 0))
        holder.listen()
        busy = holder.getsockname()[1]
        process = _tracuu_ui("--port", str(busy), index_dir=lexical_index_dir)
        out, err = process.communicate(timeout=120)
    assert process.returncode == 2
    assert f"Cổng {busy} đang được chương trình khác dùng" in err and "--port" in err and "Traceback" not in err


def test_default_port_busy_moves_to_the_next_free_one(monkeypatch):
    import search.cli.serve as serve

    monkeypatch.setattr(serve, "port_free", lambda port: port != serve.DEFAULT_PORT)
    port, note = choose_port(None)
    assert port == serve.DEFAULT_PORT + 1 and f"cổng {port}" in note
    assert choose_port(serve.DEFAULT_PORT + 3) == (serve.DEFAULT_PORT + 3, None)


@pytest.mark.slow
def test_sigterm_stops_streamlit_and_frees_the_port(lexical_index_dir: Path):
    port = _free_port()
    process = _tracuu_ui("--port", str(port), index_dir=lexical_index_dir)
    try:
        deadline = time.monotonic() + 90
        while port_free(port):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "Streamlit did not start listening"
            time.sleep(0.5)
        children = psutil.Process(process.pid).children(recursive=True)
        assert children
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 128 + signal.SIGTERM
        _gone, alive = psutil.wait_procs(children, timeout=15)
        assert not alive, alive
        assert port_free(port)
    finally:
        if process.poll() is None:
            process.kill()
