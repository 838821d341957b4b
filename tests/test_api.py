"""`tracuu serve`: the HTTP JSON API on a real server (uvicorn on 127.0.0.1, a free port), spoken to with httpx.

Read endpoints answer with exactly the JSON of the CLI's --json output; writes need an editor's token (401 without
or with a bad one, 403 for a reader's) and land in the audit trail with the file's sha256; a missing or damaged
index is a 503 with a Vietnamese message; the command listens on loopback unless told otherwise.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil
import pytest
import uvicorn

from indexer import build_index
from indexer.settings import Settings
from indexer.store.generations import current_generation
from search.access import UserStore, audit
from search.api import create_app
from search.cli.app import main as cli_main

REPO = Path(__file__).resolve().parents[1]
QUESTION = "kế hoạch nào báo cáo hàng tháng"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(app):
    """The app on a real uvicorn server in a thread; yields an httpx.Client with its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(30)


def settings_for(index_dir: Path, corpus_dir: Path) -> Settings:
    return dataclasses.replace(Settings.from_env(), index_dir=Path(index_dir), corpus_dir=Path(corpus_dir))


def cli_json(capsys, *args: str):
    capsys.readouterr()
    assert cli_main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_read_endpoints_answer_with_the_cli_json(lexical_index_dir: Path, corpus_dir: Path, capsys):
    index = str(lexical_index_dir)
    app = create_app(settings_for(lexical_index_dir, corpus_dir), env={})
    with serving(app) as client:
        health = client.get("/health")
        assert health.status_code == 200
        assert health.json()["generation"] == current_generation(lexical_index_dir).name
        assert health.json()["documents"] == 5 and health.json()["mode"] == "lexical"

        got = client.get("/search", params={"q": "báo cáo hàng tháng", "k": 5, "mode": "lexical"})
        assert got.status_code == 200 and got.json()["hits"], got.text
        assert got.json() == cli_json(capsys, "search", "báo cáo hàng tháng", "-k", "5", "--mode", "lexical",
                                      "--index", index)
        filtered = client.get("/search", params={"q": "báo cáo", "mode": "lexical", "year": "2023"})
        assert filtered.json() == cli_json(capsys, "search", "báo cáo", "--mode", "lexical", "--year", "2023",
                                           "--index", index)

        got = client.get("/ask", params={"q": QUESTION})
        assert got.status_code == 200 and got.json()["answer"]
        assert got.json() == cli_json(capsys, "ask", QUESTION, "--index", index)

        got = client.get("/docs")
        assert got.status_code == 200 and len(got.json()) == 5
        assert got.json() == cli_json(capsys, "docs", "--index", index)

        got = client.get("/duties", params={"frequency": "monthly"})
        assert got.status_code == 200 and got.json()
        assert {d["frequency"] for d in got.json()} == {"monthly"}
        assert got.json() == cli_json(capsys, "duties", "--frequency", "monthly", "--index", index)
        assert client.get("/duties").json() == cli_json(capsys, "duties", "--index", index)

        assert client.get("/openapi.json").json()["paths"].keys() >= {"/search", "/ask", "/docs", "/duties",
                                                                      "/health", "/reindex", "/upload"}
        assert client.get("/api-docs").status_code == 200
        bad = client.get("/search", params={"q": "x", "mode": "nonsense"})
        assert bad.status_code == 422 and "mode" in bad.json()["error"]
        assert "q" in client.get("/ask").json()["error"]
        assert client.get("/nowhere").json() == {"error": "Không có điểm cuối này; xem /api-docs.", "status": 404}
    assert app.state.holder.opened == 1  # one Searcher for every request on one generation


@pytest.fixture
def writable(tmp_path: Path, corpus_copy: Path):
    """An index of a corpus copy, a reader and an editor with a token each; (settings, env, tokens)."""
    index_dir = tmp_path / "index"
    build_index([corpus_copy], index_dir, dense=False)
    users = UserStore(tmp_path / "users.json")
    users.add("hoa", "mat-khau-bien-tap-1", role="editor")
    users.add("lan", "mat-khau-nguoi-doc-1", role="reader")
    env = {"TRACUU_USERS": str(tmp_path / "users.json"), "TRACUU_MIN_FREE_MB": "1"}
    tokens = {"editor": users.create_token("hoa"), "reader": users.create_token("lan")}
    return settings_for(index_dir, corpus_copy), env, tokens


def test_writes_need_an_editor_token_and_are_audited(writable):
    settings, env, tokens = writable
    body = ("KẾ HOẠCH\nPhòng, chống xâm nhập mặn vùng ven biển Kim Sơn\n\n1. Phòng Nông nghiệp báo cáo "
            "tình hình xâm nhập mặn hàng tuần về Ủy ban nhân dân huyện.\n").encode("utf-8")
    app = create_app(settings, env=env)
    with serving(app) as client:
        for path, kwargs in (("/reindex", {}), ("/upload", {"params": {"name": "man.txt"}, "content": body})):
            refused = client.post(path, **kwargs)
            assert refused.status_code == 401 and "Bearer" in refused.json()["error"]
            forged = client.post(path, headers={"Authorization": "Bearer tracuu_0000_nothing"}, **kwargs)
            assert forged.status_code == 401 and "không hợp lệ" in forged.json()["error"]
            reader = client.post(path, headers={"Authorization": f"Bearer {tokens['reader']}"}, **kwargs)
            assert reader.status_code == 403 and "lan" in reader.json()["error"]
        assert not (settings.corpus_dir / "uploads").exists()  # nothing refused reached the archive
        assert audit.read(settings.index_dir) == []

        before = client.get("/search", params={"q": "xâm nhập mặn Kim Sơn", "mode": "lexical"}).json()
        assert not any(h["source"].endswith("man.txt") for h in before["hits"])
        editor = {"Authorization": f"Bearer {tokens['editor']}"}
        done = client.post("/upload", params={"name": "man.txt"}, content=body, headers=editor)
        assert done.status_code == 200, done.text
        assert [o["status"] for o in done.json()["outcomes"]] == ["indexed"]
        after = client.get("/search", params={"q": "xâm nhập mặn Kim Sơn", "mode": "lexical"}).json()
        assert after["hits"][0]["source"] == "uploads/man.txt"  # the new generation is served without a restart
        assert app.state.holder.opened == 2

        entries = audit.read(settings.index_dir)
        assert len(entries) == 1
        entry = entries[0]
        assert (entry.who, entry.via, entry.action, entry.outcome) == ("hoa", "token", "upload", "ok")
        assert entry.file == "uploads/man.txt" and entry.origin == "127.0.0.1"
        assert entry.sha256 == hashlib.sha256(body).hexdigest() and entry.bytes == len(body)

        (settings.corpus_dir / "uploads" / "man.txt").unlink()
        rebuilt = client.post("/reindex", headers=editor)
        assert rebuilt.status_code == 200 and rebuilt.json()["report"]["documents"] == 5
        newest = audit.read(settings.index_dir)
        assert [e.action for e in newest[:2]] == ["reindex", "reindex"]
        assert newest[1].file == "uploads/man.txt" and newest[0].file is None and newest[0].who == "hoa"
        assert client.get("/health").json()["documents"] == 5


def test_requests_during_a_rebuild_all_succeed_and_move_to_the_new_generation(writable):
    """Readers keep asking while an editor's upload builds and flips a new generation: no request fails, later ones
    see the new document, and the Searcher of the old generation is closed once its requests are done."""
    settings, env, tokens = writable
    app = create_app(settings, env=env)
    statuses: list[int] = []
    stop = threading.Event()
    with serving(app) as client:
        first = client.get("/health").json()["generation"]

        def reader() -> None:
            with httpx.Client(base_url=client.base_url, timeout=120) as own:
                while not stop.is_set():
                    statuses.append(own.get("/search", params={"q": "báo cáo hàng tháng", "k": 3}).status_code)

        threads = [threading.Thread(target=reader) for _ in range(4)]
        for thread in threads:
            thread.start()
        body = "KẾ HOẠCH\nTrồng rừng ngập mặn ven biển Kim Sơn, báo cáo hàng quý.\n".encode("utf-8")
        done = client.post("/upload", params={"name": "rung.txt"}, content=body,
                           headers={"Authorization": f"Bearer {tokens['editor']}"})
        time.sleep(0.5)
        stop.set()
        for thread in threads:
            thread.join(60)
        assert done.status_code == 200, done.text
        assert client.get("/health").json()["generation"] != first
    assert len(statuses) > 20 and set(statuses) == {200}
    assert app.state.holder.opened == 2


def test_uploads_over_the_limits_are_refused_and_recorded(writable):
    settings, env, tokens = writable
    limits = {"TRACUU_MAX_FILE_MB": str(60 / 2**20), "TRACUU_MAX_UPLOAD_MB": str(120 / 2**20)}  # 60 and 120 bytes
    editor = {"Authorization": f"Bearer {tokens['editor']}"}
    with serving(create_app(settings, env={**env, **limits})) as client:
        over_file = "Kế hoạch báo cáo hàng tháng của xã Ninh Hải.".encode() * 2  # 92 bytes
        got = client.post("/upload", params={"name": "a.txt"}, content=over_file, headers=editor)
        assert got.status_code == 422 and "a.txt" in got.json()["error"], got.text
        over_upload = over_file * 2
        got = client.post("/upload", params={"name": "b.txt"}, content=over_upload, headers=editor)
        assert got.status_code == 413 and "giới hạn" in got.json()["error"]
    assert not (settings.corpus_dir / "uploads").exists()
    newest, oldest = audit.read(settings.index_dir)
    assert (oldest.file, oldest.outcome, oldest.sha256) == ("a.txt", "rejected", hashlib.sha256(over_file).hexdigest())
    assert (newest.file, newest.outcome, newest.who) == ("b.txt", "rejected", "hoa")


def test_reading_can_require_a_token(writable):
    settings, env, tokens = writable
    with serving(create_app(settings, env={**env, "TRACUU_READ_LOGIN": "1"})) as client:
        assert client.get("/search", params={"q": "báo cáo"}).status_code == 401
        assert client.get("/docs").status_code == 401
        reader = {"Authorization": f"Bearer {tokens['reader']}"}
        assert client.get("/search", params={"q": "báo cáo"}, headers=reader).status_code == 200
        assert len(client.get("/docs", headers=reader).json()) == 5
        assert client.post("/reindex", headers=reader).status_code == 403


def test_missing_or_damaged_index_is_a_503_in_vietnamese(tmp_path: Path, lexical_index_dir: Path, corpus_dir: Path):
    with serving(create_app(settings_for(tmp_path / "none", corpus_dir), env={})) as client:
        for path in ("/health", "/search?q=báo+cáo", "/docs", "/duties", "/ask?q=báo+cáo"):
            got = client.get(path)
            assert got.status_code == 503, path
            assert "Chưa có chỉ mục" in got.json()["error"] and "Traceback" not in got.text
    index_dir = tmp_path / "index"
    shutil.copytree(lexical_index_dir, index_dir)
    rows = current_generation(index_dir) / "lexical" / "rows.npy"
    with open(rows, "r+b") as handle:
        handle.truncate(rows.stat().st_size // 2)
    with serving(create_app(settings_for(index_dir, corpus_dir), env={})) as client:
        got = client.get("/search", params={"q": "báo cáo"})
        assert got.status_code == 503 and "bị hỏng" in got.json()["error"] and "rows.npy" in got.json()["error"]
        assert got.headers["content-type"].startswith("application/json")


def _serve(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "search.cli", "serve", *args], cwd=REPO, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(REPO)})


def test_the_command_listens_on_loopback_by_default(lexical_index_dir: Path):
    port = free_port()
    child = _serve("--port", str(port), "--index", str(lexical_index_dir))
    try:
        first = child.stdout.readline()
        assert f"chỉ nghe trên 127.0.0.1:{port}" in first and "tracuu serve --host 0.0.0.0" in child.stdout.readline()
        deadline = time.monotonic() + 60
        listening = []
        while not listening and time.monotonic() < deadline:
            assert child.poll() is None, child.stderr.read()
            listening = [c.laddr for c in psutil.Process(child.pid).net_connections(kind="inet")
                         if c.status == psutil.CONN_LISTEN]
            time.sleep(0.1)
        assert [(a.ip, a.port) for a in listening] == [("127.0.0.1", port)]
        assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=60).json()["status"] == "ok"
        busy = subprocess.run([sys.executable, "-m", "search.cli", "serve", "--port", str(port), "--index",
                               str(lexical_index_dir)], cwd=REPO, capture_output=True, text=True, timeout=120,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
        assert busy.returncode == 2 and f"Cổng {port} đang được chương trình khác dùng" in busy.stderr
        child.terminate()  # SIGTERM: uvicorn shuts down cleanly, the command says so, exit status 128 + 15
        assert child.wait(30) == 143 and "Đã dừng API." in child.stderr.read()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(30)
