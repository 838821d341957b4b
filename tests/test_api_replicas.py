"""`tracuu serve --replicas N [--cluster ADDRESS]`: the HTTP API as Ray Serve replicas over one index folder.

Real servers, real Ray: the private Ray node of `tracuu serve --replicas 2`, and a two-node local cluster
(`ray start --head` + `ray start --address …`, each with its own temporary folder, free ports, token of its own;
search/api/ray_nodes.py). Load goes through an index rebuild (bench/http_load.py): no request fails, every request
sent after CURRENT switched is answered by the new generation, and each replica process ends up holding the new
generation open and the old one closed. SIGTERM stops everything the command started.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from bench.http_load import free_port, query_mix, run_load, start_server, stop_server
from indexer import build_index
from indexer.store.generations import current_generation
from search.api import create_app
from search.api.ray_nodes import RayNode
from search.api.replicas import worker_env
from search.cli.app import main as cli_main
from tests.test_api import serving, settings_for

REPO = Path(__file__).resolve().parents[1]


def _index_copy(tmp_path: Path, corpus_dir: Path) -> tuple[Path, Path]:
    """A corpus and index of our own (the rebuild changes both), lexical, built from this corpus path."""
    corpus = tmp_path / "corpus"
    shutil.copytree(corpus_dir, corpus)
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir, dense=False)
    return corpus, index_dir


def _rebuilder(corpus: Path, index_dir: Path):
    """A rebuild with a changed corpus: one more plan (its own words, so the new generation answers differently)."""
    def rebuild() -> None:
        (corpus / "them.txt").write_text(
            "KẾ HOẠCH\nPhòng chống thiên tai năm 2025\n1. Sở Nông nghiệp báo cáo hàng quý về đê điều và hồ chứa "
            "nước trước mùa mưa bão.\n", encoding="utf-8")
        done = subprocess.run([sys.executable, "-m", "search.cli", "index", str(corpus), "--index", str(index_dir),
                               "--no-dense"], cwd=REPO, capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
        assert done.returncode == 0, done.stderr

    return rebuild


def _assert_served_through_the_switch(result, old: str) -> None:
    summary = result.summary()
    assert summary["errors"] == 0, summary["first_errors"]
    assert result.switch_at is not None, f"CURRENT did not switch during the load: {result.rebuild_error}"
    assert result.new_generation != old and result.new_generation in summary["generations"]
    assert summary["after_switch"] >= 40
    assert result.stale_after_switch() == [], "a request sent after the switch was answered by the old generation"


def test_worker_env_carries_tracuu_settings_and_this_checkout():
    env = worker_env({"TRACUU_USERS": "/x/users.json", "TRACUU_READ_LOGIN": "1", "HOME": "/root",
                      "PYTHONPATH": "/elsewhere"})
    assert env["TRACUU_USERS"] == "/x/users.json" and env["TRACUU_READ_LOGIN"] == "1" and "HOME" not in env
    first, *rest = env["PYTHONPATH"].split(os.pathsep)
    assert first == str(REPO) and rest == ["/elsewhere"]


def test_replicas_without_ray_say_how_to_install_it(monkeypatch, capsys, lexical_index_dir: Path):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "ray" else real(name, *a))
    assert cli_main(["serve", "--replicas", "2", "--port", str(free_port()), "--index", str(lexical_index_dir)]) == 2
    assert "pip install 'tracuu[cluster]'" in capsys.readouterr().err


def test_unreachable_cluster_is_said_at_once(capsys, lexical_index_dir: Path):
    started = time.monotonic()
    address = f"127.0.0.1:{free_port()}"
    assert cli_main(["serve", "--cluster", address, "--port", str(free_port()), "--index",
                     str(lexical_index_dir)]) == 2
    assert f"Không kết nối được cụm Ray tại {address}" in capsys.readouterr().err
    assert time.monotonic() - started < 30


def test_replicas_on_a_busy_port_say_so_before_starting_ray(capsys, lexical_index_dir: Path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert cli_main(["serve", "--replicas", "2", "--port", str(port), "--index", str(lexical_index_dir)]) == 2
    assert f"Cổng {port} đang được chương trình khác dùng" in capsys.readouterr().err


def test_replicas_must_be_a_positive_number(capsys):
    with pytest.raises(SystemExit) as stop:
        cli_main(["serve", "--replicas", "0"])
    assert stop.value.code == 2 and "số nguyên dương" in capsys.readouterr().err


def test_uvicorn_answers_with_the_new_generation_through_a_rebuild(tmp_path: Path, corpus_dir: Path):
    corpus, index_dir = _index_copy(tmp_path, corpus_dir)
    old = current_generation(index_dir).name
    with serving(create_app(settings_for(index_dir, corpus), env={})) as client:
        assert client.get("/health").headers["x-tracuu-generation"] == old
        result = run_load(str(client.base_url), query_mix(limit=30), clients=4, requests=100, index_dir=index_dir,
                          rebuild=_rebuilder(corpus, index_dir), rebuild_at=0.05, after_switch=40, server="uvicorn")
        held = _open_generations(psutil.Process(), index_dir)  # the server runs in this process
    _assert_served_through_the_switch(result, old)
    assert held == {result.new_generation}, "the old generation stays open after its last request"


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _named(processes: list[psutil.Process], prefixes: tuple[str, ...]) -> list[psutil.Process]:
    """The processes whose name (Ray's actor title, cut to 15 characters by the kernel) starts with a prefix."""
    found = []
    for process in processes:
        try:
            if process.name().startswith(prefixes):
                found.append(process)
        except psutil.Error:
            pass
    return found


def _replicas(processes: list[psutil.Process]) -> list[psutil.Process]:
    return _named(processes, ("ray::ServeRepli",))


def _open_generations(process: psutil.Process, index_dir: Path) -> set[str]:
    """The generations whose files `process` holds open (its SQLite database at least) or has mapped."""
    names = set()
    try:
        paths = [f.path for f in process.open_files()] + [m.path for m in process.memory_maps()]
    except psutil.Error:
        return names
    for path in paths:
        if path.startswith(str(index_dir) + os.sep):
            part = Path(path).relative_to(index_dir).parts[0]
            if part.startswith("gen-"):
                names.add(part)
    return names


def _assert_all_gone(processes: list[psutil.Process], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    alive = processes
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        time.sleep(0.2)
    assert not alive, [(p.pid, p.name()) for p in alive]


def _listening(port: int) -> list[tuple[str, int]]:
    return [(c.laddr.ip, c.laddr.port) for c in psutil.net_connections(kind="inet")
            if c.status == psutil.CONN_LISTEN and c.laddr.port == port]


@pytest.mark.slow
def test_ray_serve_replicas_through_a_rebuild(tmp_path: Path, corpus_dir: Path):
    corpus, index_dir = _index_copy(tmp_path, corpus_dir)
    old = current_generation(index_dir).name
    port = free_port()
    log = tmp_path / "serve.log"
    child = start_server(index_dir, port, replicas=2, log=log)
    try:
        assert "Ray Serve: 2 bản sao" in log.read_text(encoding="utf-8")
        assert _listening(port) == [("127.0.0.1", port)]  # loopback by default, as without --replicas
        processes = _tree(child.pid)
        replicas = _replicas(processes)
        assert len(replicas) == 2
        result = run_load(f"http://127.0.0.1:{port}", query_mix(limit=30), clients=4, requests=100,
                          index_dir=index_dir, rebuild=_rebuilder(corpus, index_dir), rebuild_at=0.05,
                          after_switch=60, server="ray")
        _assert_served_through_the_switch(result, old)
        new = result.new_generation
        for _round in range(20):  # a few more requests, so that each replica has served one after the switch
            assert httpx.get(f"http://127.0.0.1:{port}/search", params={"q": "đê điều"}, timeout=60).status_code == 200
        held = [_open_generations(r, index_dir) for r in replicas]
        assert all(new in names and old not in names for names in held), held
        hits = httpx.get(f"http://127.0.0.1:{port}/search", params={"q": "đê điều hồ chứa"}, timeout=60).json()
        assert any(h["source"] == "them.txt" for h in hits["hits"])  # the added plan is found
        processes = _tree(child.pid)
        temp_dirs = {_option(p, "--temp-dir") for p in processes} - {None}
    finally:
        status = stop_server(child, signal_number=signal.SIGINT)  # Ctrl+C (the cluster test sends SIGTERM)
    assert status == 130 and "Đã dừng API." in log.read_text(encoding="utf-8")
    _assert_all_gone(processes)
    assert temp_dirs and not any(Path(d).exists() for d in temp_dirs)  # the private node's folder is removed


def _option(process: psutil.Process, name: str) -> str | None:
    try:
        line = process.cmdline()
    except psutil.Error:
        return None
    return line[line.index(name) + 1] if name in line[:-1] else None


@pytest.mark.slow
def test_two_node_cluster_serves_a_replica_on_each_node(tmp_path: Path, corpus_dir: Path):
    """`ray start --head` and `ray start --address …` on this machine (one CPU each, so the two replicas, one CPU
    each, must go one to each node); `tracuu serve --replicas 2 --cluster ADDRESS` serves through a rebuild; on
    SIGTERM it removes its application and Serve, and leaves the cluster running; then the nodes are stopped."""
    corpus, index_dir = _index_copy(tmp_path, corpus_dir)
    old = current_generation(index_dir).name
    env = worker_env()
    head = RayNode(head=True, num_cpus=1, object_store_mb=150, env=env)
    nodes = [head]
    everything: list[psutil.Process] = []
    try:
        nodes.append(RayNode(head=False, address=head.address, num_cpus=1, object_store_mb=150, env=env,
                             auth_env=head.auth_env))
        assert nodes[1].temp_dir != head.temp_dir
        port = free_port()
        log = tmp_path / "serve.log"
        child = start_server(index_dir, port, replicas=2, env=head.auth_env, log=log, cluster=head.address)
        try:
            per_node = [_replicas([psutil.Process(pid) for pid in node.pids()]) for node in nodes]
            assert [len(found) for found in per_node] == [1, 1], per_node
            result = run_load(f"http://127.0.0.1:{port}", query_mix(limit=30), clients=4, requests=60,
                              index_dir=index_dir, rebuild=_rebuilder(corpus, index_dir), rebuild_at=0.05,
                              after_switch=40, server="cluster")
            _assert_served_through_the_switch(result, old)
            serve_processes = _named([p for node in nodes for p in _tree(node.process.pid)],
                                     ("ray::ServeContr", "ray::ServeRepli", "ray::ProxyActor"))
            assert len(serve_processes) >= 4  # controller, proxy, two replicas
        finally:
            status = stop_server(child)
        assert status == 143 and "Đã dừng API." in log.read_text(encoding="utf-8")
        _assert_all_gone(serve_processes)  # the command removed its application and Serve …
        assert all(node.process.poll() is None for node in nodes)  # … and left the cluster it joined running
        everything = [p for node in nodes for p in _tree(node.process.pid)]
    finally:
        for node in reversed(nodes):
            node.stop()
    _assert_all_gone(everything)
    assert not any(node.temp_dir.exists() for node in nodes)
