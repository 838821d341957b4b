"""HTTP load test of `tracuu serve` through an index rebuild, plain uvicorn and Ray Serve replicas side by side.

    PYTHONPATH=. python -m bench.http_load [--clients 8] [--requests 2000] [--replicas 2] [--files 12]
                                           [--servers uvicorn,ray] [--no-dense] [--json OUT]

For each server: a corpus of `--files` real plans (../shared/data/plans-dev, the documents that eval/real-dev.jsonl
asks about, .docx and .pdf with a text layer) is indexed once; the server (`tracuu serve`, a child process, on
127.0.0.1 and a free port) is started on a fresh copy of that index; `--clients` concurrent clients send
`--requests` requests each: a fixed mix of /search, /ask and /docs made of the real questions. When
`--rebuild-at` (default 10 %) of the requests are done, two more plans are copied into the corpus and
`tracuu index` rebuilds the same index folder while the load goes on, so CURRENT names a new generation mid-load.

Printed per server: requests, errors (any status but 200, or a failed connection, with the first ones shown),
p50/p95 latency, QPS (answered requests / wall time), the generations that answered (the X-Tracuu-Generation
header) and how many requests were sent after CURRENT switched and answered by the old generation (must be 0), the
rebuild's duration, and the load average before and after. Exit status 1 when a server had errors or no switch.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "plans-dev"
QUESTIONS = REPO / "eval" / "real-dev.jsonl"
READ_SUFFIXES = (".docx", ".pdf")


@dataclass
class Sample:
    path: str
    started: float  # time.monotonic() when sent
    seconds: float
    status: int  # 0: no answer (connection error, timeout)
    generation: str | None
    error: str | None = None


@dataclass
class LoadResult:
    server: str
    samples: list[Sample] = field(default_factory=list)
    wall_seconds: float = 0.0
    switch_at: float | None = None  # time.monotonic() when CURRENT was first seen naming the new generation
    old_generation: str | None = None
    new_generation: str | None = None
    rebuild_seconds: float | None = None
    rebuild_error: str | None = None
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def errors(self) -> list[Sample]:
        return [s for s in self.samples if s.status != 200]

    def stale_after_switch(self) -> list[Sample]:
        """Requests sent after CURRENT switched (as seen by polling, so later than the switch) that the old
        generation answered: each lease reads CURRENT, so there must be none."""
        if self.switch_at is None:
            return []
        return [s for s in self.samples if s.status == 200 and s.started > self.switch_at
                and s.generation != self.new_generation]

    def summary(self) -> dict:
        from bench.measure import latency_summary

        ok = [s.seconds for s in self.samples if s.status == 200]
        lat = latency_summary(ok)
        generations: dict[str, int] = {}
        for s in self.samples:
            if s.generation:
                generations[s.generation] = generations.get(s.generation, 0) + 1
        return {"server": self.server, "requests": len(self.samples), "errors": len(self.errors()),
                "first_errors": [asdict(s) for s in self.errors()[:5]], "p50_ms": lat["p50_ms"],
                "p95_ms": lat["p95_ms"], "qps": round(len(ok) / self.wall_seconds, 1) if self.wall_seconds else 0.0,
                "generations": generations, "switched": self.switch_at is not None,
                "after_switch": sum(1 for s in self.samples if self.switch_at and s.started > self.switch_at),
                "stale_after_switch": len(self.stale_after_switch()),
                "rebuild_seconds": self.rebuild_seconds, "rebuild_error": self.rebuild_error,
                "load_before": [round(x, 2) for x in self.load_before],
                "load_after": [round(x, 2) for x in self.load_after]}


def query_mix(questions_file: Path = QUESTIONS, limit: int | None = None) -> list[str]:
    """Request paths (with query strings) from real questions: for each, /search?q=…&k=10 and /ask?q=…; a /docs
    after every eighth question. Deterministic order."""
    from urllib.parse import urlencode

    paths = []
    rows = [json.loads(line) for line in questions_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    for number, row in enumerate(rows[:limit] if limit else rows):
        paths.append("/search?" + urlencode({"q": row["q"], "k": 10}))
        paths.append("/ask?" + urlencode({"q": row["q"]}))
        if number % 8 == 7:
            paths.append("/docs")
    return paths


def current_name(index_dir: Path) -> str | None:
    from indexer.store.generations import current_generation

    gen = current_generation(index_dir)
    return gen.name if gen is not None else None


async def _client(client, paths: list[str], offset: int, count: int, samples: list[Sample], progress: list[int],
                  keep_going) -> None:
    import httpx

    done = 0
    while done < count or keep_going():
        path = paths[(offset + done) % len(paths)]
        started = time.monotonic()
        try:
            answer = await client.get(path)
            status, generation = answer.status_code, answer.headers.get("x-tracuu-generation")
            error = None if status == 200 else answer.text[:200]
        except httpx.HTTPError as failure:
            status, generation, error = 0, None, f"{type(failure).__name__}: {failure}"[:200]
        samples.append(Sample(path.split("?")[0], started, time.monotonic() - started, status, generation, error))
        done += 1
        progress[0] += 1


def run_load(base_url: str, paths: list[str], clients: int, requests: int, index_dir: Path, rebuild,
             rebuild_at: float = 0.1, after_switch: int = 0, server: str = "") -> LoadResult:
    """`clients` concurrent clients × `requests` requests on `base_url`; `rebuild()` (blocking: it rebuilds
    `index_dir`) runs in a thread once `rebuild_at` of the requests are done. With `after_switch` > 0 each client
    goes on past its count until the switch was seen and the clients together sent that many more requests."""
    import httpx

    result = LoadResult(server, old_generation=current_name(index_dir), load_before=os.getloadavg())
    progress = [0]
    switched, stop = threading.Event(), threading.Event()
    total = clients * requests

    def watch() -> None:
        while not stop.is_set():
            name = current_name(index_dir)
            if name is not None and name != result.old_generation:
                result.switch_at, result.new_generation = time.monotonic(), name
                switched.set()
                return
            time.sleep(0.02)

    def rebuild_later() -> None:
        while progress[0] < rebuild_at * total and not stop.is_set():
            time.sleep(0.02)
        started = time.monotonic()
        try:
            rebuild()
        except Exception as failure:  # noqa: BLE001 - reported, and the run then shows no switch
            result.rebuild_error = f"{type(failure).__name__}: {failure}"
        result.rebuild_seconds = round(time.monotonic() - started, 2)

    def keep_going() -> bool:
        if after_switch <= 0 or stop.is_set():
            return False
        if not switched.is_set():
            return result.rebuild_error is None
        return sum(1 for s in result.samples if s.started > result.switch_at) < after_switch

    watcher = threading.Thread(target=watch, daemon=True)
    builder = threading.Thread(target=rebuild_later, daemon=True)
    watcher.start()
    builder.start()

    async def main() -> None:
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(base_url=base_url, timeout=120, limits=limits) as client:
            await asyncio.gather(*(_client(client, paths, n * 97, requests, result.samples, progress, keep_going)
                                   for n in range(clients)))

    started = time.monotonic()
    try:
        asyncio.run(main())
    finally:
        result.wall_seconds = time.monotonic() - started
        stop.set()  # a switch seen after the load ended does not count
        builder.join(600)
        watcher.join(5)
        result.load_after = os.getloadavg()
    return result


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(index_dir: Path, port: int, replicas: int | None = None, env: dict[str, str] | None = None,
                 log: Path | None = None, timeout: float = 300.0, cluster: str | None = None) -> subprocess.Popen:
    """`tracuu serve` (this checkout's code) on 127.0.0.1:port, uvicorn alone or `--replicas N` (on the Ray
    cluster at `cluster` when given, else on a private Ray node); returns once
    /health answers 200 (and, with replicas, all of them run). Its output goes to `log` (default: a temporary
    file). Raises RuntimeError with the server's output when it does not start within `timeout` seconds."""
    import httpx

    command = [sys.executable, "-m", "search.cli", "serve", "--port", str(port), "--index", str(index_dir)]
    if replicas:
        command += ["--replicas", str(replicas)]
    if cluster:
        command += ["--cluster", cluster]
    if log is None:
        log = Path(tempfile.mkstemp(prefix="tracuu-serve-", suffix=".log")[1])
    out = open(log, "w", encoding="utf-8")
    child = subprocess.Popen(command, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            break
        try:
            # with replicas, /health may answer before all of them run: the command's own line says when they do
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=30).status_code == 200 and (
                    not replicas or "Ray Serve:" in log.read_text(encoding="utf-8")):
                return child
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    stop_server(child)
    raise RuntimeError(f"tracuu serve did not start: {log.read_text(encoding='utf-8')[-3000:]}")


def stop_server(child: subprocess.Popen, timeout: float = 120.0, signal_number: int = signal.SIGTERM) -> int:
    """SIGTERM (or `signal_number`: SIGINT is a Ctrl+C), then the exit status (SIGKILL after `timeout` seconds)."""
    if child.poll() is None:
        child.send_signal(signal_number)
    try:
        return child.wait(timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        return child.wait(30)


def index_command(corpus: Path, index_dir: Path, dense: bool) -> list[str]:
    return [sys.executable, "-m", "search.cli", "index", str(corpus), "--index", str(index_dir),
            *([] if dense else ["--no-dense"])]


def run_index(corpus: Path, index_dir: Path, dense: bool) -> None:
    done = subprocess.run(index_command(corpus, index_dir, dense), cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    if done.returncode != 0:
        raise RuntimeError(f"tracuu index failed ({done.returncode}): {done.stderr[-2000:]}")


def pick_files(data: Path, questions_file: Path, count: int) -> list[Path]:
    """`count` files of `data` that the questions ask about (.docx, .pdf), in the questions' order, then others."""
    asked = []
    for line in questions_file.read_text(encoding="utf-8").splitlines():
        if line.strip():
            asked += [d for d in json.loads(line).get("docs", []) if d not in asked]
    files = {p.stem: p for p in sorted(data.iterdir()) if p.suffix.lower() in READ_SUFFIXES}
    chosen = [files[stem] for stem in asked if stem in files]
    chosen += [p for p in files.values() if p not in chosen]
    return chosen[:count]


def measure_server(kind: str, work: Path, extra: list[Path], paths: list[str], args) -> LoadResult:
    """One server over work/index, reset to the snapshot work/base-index (same folders as it was built from, so
    the rebuild reprocesses only the added files); the rebuild adds `extra` to work/corpus mid-load."""
    corpus, index_dir = work / "corpus", work / "index"
    for path in extra:
        (corpus / path.name).unlink(missing_ok=True)
    shutil.rmtree(index_dir, ignore_errors=True)
    shutil.copytree(work / "base-index", index_dir)
    replicas = args.replicas if kind == "ray" else None

    def rebuild() -> None:
        for path in extra:
            shutil.copy2(path, corpus / path.name)
        run_index(corpus, index_dir, args.dense)

    port = free_port()
    child = start_server(index_dir, port, replicas, log=work / f"serve-{kind}.log")
    try:
        return run_load(f"http://127.0.0.1:{port}", paths, args.clients, args.requests, index_dir, rebuild,
                        rebuild_at=args.rebuild_at, server=f"ray×{replicas}" if replicas else kind)
    finally:
        print(f"  {kind}: dừng máy chủ, mã thoát {stop_server(child)}", file=sys.stderr, flush=True)


def print_table(rows: list[dict]) -> None:
    keys = [("server", "máy chủ"), ("requests", "yêu cầu"), ("errors", "lỗi"), ("p50_ms", "p50 ms"),
            ("p95_ms", "p95 ms"), ("qps", "QPS"), ("after_switch", "sau khi đổi"),
            ("stale_after_switch", "thế hệ cũ sau khi đổi"), ("rebuild_seconds", "lập lại (s)")]
    print(" | ".join(label for _key, label in keys))
    for row in rows:
        print(" | ".join(str(row[key]) for key, _label in keys))
    for row in rows:
        print(f"{row['server']}: thế hệ đã trả lời {row['generations']}; tải trung bình trước {row['load_before']}, "
              f"sau {row['load_after']}")
        for sample in row["first_errors"]:
            print(f"  lỗi: {sample['path']} → {sample['status']} {sample['error']}")
        if row["rebuild_error"]:
            print(f"  lập lại chỉ mục lỗi: {row['rebuild_error']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.http_load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=2000, help="requests per client")
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--servers", default="uvicorn,ray")
    parser.add_argument("--files", type=int, default=12, help="plans indexed before the load (2 more are added)")
    parser.add_argument("--rebuild-at", type=float, default=0.1, help="share of the requests done at the rebuild")
    parser.add_argument("--no-dense", dest="dense", action="store_false", help="lexical index (no model)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--work", type=Path, default=None, help="work folder (default: a temporary one)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="tracuu-http-load-"))
    files = pick_files(args.data, QUESTIONS, args.files + 2)
    base_corpus, extra = files[:args.files], files[args.files:]
    for folder in ("corpus", "index", "base-index"):
        shutil.rmtree(work / folder, ignore_errors=True)
    (work / "corpus").mkdir(parents=True)
    for path in base_corpus:
        shutil.copy2(path, work / "corpus" / path.name)
    started = time.monotonic()
    run_index(work / "corpus", work / "index", args.dense)
    shutil.copytree(work / "index", work / "base-index")
    print(f"chỉ mục gốc: {len(base_corpus)} tệp, {time.monotonic() - started:.0f} s; thêm khi đang tải: "
          f"{[p.name for p in extra]}", flush=True)
    paths = query_mix()
    rows = []
    for kind in args.servers.split(","):
        print(f"đo {kind}: {args.clients} máy khách × {args.requests} yêu cầu, tải trung bình {os.getloadavg()}",
              flush=True)
        rows.append(measure_server(kind, work, extra, paths, args).summary())
    print_table(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if all(r["errors"] == 0 and r["switched"] and r["stale_after_switch"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
