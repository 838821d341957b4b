"""`tracuu ui`: Streamlit as a child process that goes when we go, on a port that is free.

- The child runs in its own process group; SIGTERM, SIGINT and SIGHUP sent to `tracuu ui` are passed on to that
  group, and on any exit the group is terminated (then killed after a grace period), so the port is released.
- A port in use: with --port given, one Vietnamese line that names another port, exit status 2; with the default
  port, the next free one is used and said.
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

DEFAULT_PORT = 8501
_GRACE_SECONDS = 10


def port_free(port: int) -> bool:
    """True when nothing listens on `port` (Streamlit binds every interface, so that is what is tried)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def choose_port(requested: int | None) -> tuple[int | None, str | None]:
    """(port to use, line to print). requested None: the default port or the next free one; a busy requested
    port gives (None, the Vietnamese error)."""
    if requested is not None:
        if port_free(requested):
            return requested, None
        hint = next((p for p in range(requested + 1, requested + 50) if port_free(p)), None)
        other = f"; thử cổng khác: tracuu ui --port {hint}" if hint else "; chọn cổng khác bằng --port"
        return None, f"Cổng {requested} đang được chương trình khác dùng{other}"
    for port in range(DEFAULT_PORT, DEFAULT_PORT + 50):
        if port_free(port):
            note = None if port == DEFAULT_PORT else (
                f"Cổng {DEFAULT_PORT} đang bận: mở giao diện ở cổng {port} (chọn cổng khác bằng --port).")
            return port, note
    return None, f"Các cổng {DEFAULT_PORT}–{DEFAULT_PORT + 49} đều bận; chọn cổng khác bằng --port"


def run_ui(args: argparse.Namespace) -> int:
    """Start Streamlit on the chosen port and wait for it; exit status: Streamlit's, 2 for a busy port,
    128 + signal number when stopped by a signal."""
    from indexer.errors import TracuuError

    port, note = choose_port(args.port)
    if port is None:
        raise TracuuError(note)
    if note:
        print(note, file=sys.stderr)
    app = Path(__file__).resolve().parents[2] / "ui_streamlit.py"
    env = dict(os.environ)
    if args.index:
        env["TRACUU_INDEX"] = args.index
    host = getattr(args, "host", None) or "127.0.0.1"
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port),
           "--server.address", host, "--browser.gatherUsageStats", "false"]
    from search.access.policy import listen_message

    print(listen_message(host, port), flush=True)
    child = subprocess.Popen(cmd, env=env, cwd=str(app.parent), start_new_session=True)
    received: list[int] = []

    def forward(number, _frame) -> None:
        received.append(number)
        _signal_group(child, number)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    try:
        status = child.wait()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        _stop(child)
    return 128 + received[0] if received else status


def _signal_group(child: subprocess.Popen, number: int) -> None:
    try:
        os.killpg(child.pid, number)
    except ProcessLookupError:
        pass


def _stop(child: subprocess.Popen) -> None:
    """Terminate what is left of the child's process group: SIGTERM, then SIGKILL after the grace period."""
    _signal_group(child, signal.SIGTERM)
    try:
        child.wait(timeout=_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        _signal_group(child, signal.SIGKILL)
        child.wait()
    _signal_group(child, signal.SIGKILL)  # grandchildren that outlived Streamlit
