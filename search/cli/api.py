"""`tracuu serve`: the HTTP JSON API (search/api/) served by uvicorn, on 127.0.0.1 unless --host says otherwise."""
from __future__ import annotations

import argparse
import dataclasses
import signal
import socket
import sys
from pathlib import Path

from indexer.errors import TracuuError
from indexer.settings import Settings

DEFAULT_PORT = 8000


def port_taken(host: str, port: int) -> bool:
    """True when `port` cannot be bound on `host` (another program listens there)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve until stopped: SIGTERM gives exit status 143 (128 + signal, as `tracuu ui`), Ctrl+C 130 (cli.app).
    A busy port is a TracuuError (exit 2 in cli.app). With --replicas N (and/or --cluster ADDRESS|auto) the same
    app runs as N Ray Serve replicas (search/api/replicas.py); without, one uvicorn process."""
    import uvicorn

    from search.access.policy import listen_message
    from search.api import create_app

    settings = Settings.from_env()
    if getattr(args, "index", None):
        settings = dataclasses.replace(settings, index_dir=Path(args.index))
    host, port = args.host or "127.0.0.1", args.port
    replicas, cluster = getattr(args, "replicas", None), getattr(args, "cluster", None)
    if port_taken(host, port):  # with --cluster too: the command runs on the head node, where the proxy listens
        raise TracuuError(f"Cổng {port} đang được chương trình khác dùng; chọn cổng khác: tracuu serve --port "
                          f"{port + 1}")
    if replicas or cluster:  # Ray Serve: search/api/replicas.py (Ray imported there, only now)
        from search.api.replicas import run_replicas

        return run_replicas(settings, replicas or 1, host, port, cluster=cluster)
    print(listen_message(host, port, what="API", command="tracuu serve"), flush=True)
    print(f"Chỉ mục: {settings.index_dir} · kho văn bản: {settings.corpus_dir} · tài liệu API: "
          f"http://{host}:{port}/api-docs", flush=True)
    received: list[int] = []
    # uvicorn finishes the requests in flight on SIGTERM, then raises the signal again: it lands here
    previous = signal.signal(signal.SIGTERM, lambda number, _frame: received.append(number))
    try:
        uvicorn.Server(uvicorn.Config(create_app(settings), host=host, port=port, log_level="warning")).run()
    finally:
        signal.signal(signal.SIGTERM, previous)
    print("Đã dừng API.", file=sys.stderr)
    return 128 + received[0] if received else 0
