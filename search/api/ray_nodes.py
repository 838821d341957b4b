"""Ray nodes on this machine, started with `ray start --block` and stopped again: the private Ray of
`tracuu serve --replicas N` (no --cluster) and the two-node clusters of the tests.

Every port is picked free at start (GCS, node manager, object manager, agents, metrics, Ray Client, the dashboard's
port although the dashboard is off, and a range of worker ports), so the nodes never take Ray's default ports
(6379, 8265, 10001, 52365…) from another cluster running on the same machine. Each node has its own temporary
folder and runs in its own session: a Ctrl+C in the terminal reaches `tracuu serve`, which then shuts Serve down
in order, instead of killing the Ray processes under it. `stop()` ends the node's processes, children included, and
removes the folder.
"""
from __future__ import annotations

import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from indexer.errors import TracuuError

NODE_IP = "127.0.0.1"
WORKER_PORTS = 60  # worker processes one node may run at once (replicas, Serve's controller and proxy, Ray's own)


def free_port(host: str = NODE_IP) -> int:
    """A TCP port nobody listens on now (the system's choice)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def _range_free(first: int, count: int, host: str) -> bool:
    for port in range(first, first + count):
        with socket.socket() as probe:
            try:
                probe.bind((host, port))
            except OSError:
                return False
    return True


def free_port_range(count: int = WORKER_PORTS, host: str = NODE_IP) -> tuple[int, int]:
    """(first, last) of `count` consecutive free ports between 20000 and 40000 (random start, retried)."""
    for _attempt in range(200):
        first = random.randrange(20000, 40000 - count)
        if _range_free(first, count, host):
            return first, first + count - 1
    raise TracuuError("Không tìm được dải cổng trống cho các tiến trình Ray trên máy này.")


def _ray_command() -> list[str]:
    return [sys.executable, "-m", "ray.scripts.scripts"]


class RayNode:
    """One Ray node started by this process (`head=True`: a new cluster; else joining `address`).

    `env` is the environment of the node's processes (workers inherit it). The cluster uses Ray's token
    authentication with a token of its own (`auth_env`: what a driver or another node needs in its environment to
    join), never ~/.ray/auth_token, which other clusters of the machine may read. Raises TracuuError (Vietnamese)
    when the node does not start within `timeout` seconds; the node's log is then in the message."""

    def __init__(self, head: bool = True, address: str | None = None, num_cpus: int = 1,
                 object_store_mb: int = 150, env: dict[str, str] | None = None, timeout: float = 120.0,
                 auth_env: dict[str, str] | None = None) -> None:
        self.head = head
        self.auth_env = dict(auth_env or {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)})
        self.temp_dir = Path(tempfile.mkdtemp(prefix="trs-ray-", dir="/tmp"))  # short: Ray's socket paths
        self.port = free_port() if head else None
        self.address = f"{NODE_IP}:{self.port}" if head else address
        first, last = free_port_range()
        command = [*_ray_command(), "start", "--block", "--disable-usage-stats", "--node-ip-address", NODE_IP,
                   "--num-cpus", str(num_cpus), "--object-store-memory", str(object_store_mb * 1024 * 1024),
                   "--temp-dir", str(self.temp_dir), "--min-worker-port", str(first), "--max-worker-port", str(last),
                   "--node-manager-port", str(free_port()), "--object-manager-port", str(free_port()),
                   "--dashboard-agent-listen-port", str(free_port()), "--dashboard-agent-grpc-port", str(free_port()),
                   "--runtime-env-agent-port", str(free_port()), "--metrics-export-port", str(free_port())]
        if head:
            command += ["--head", "--port", str(self.port), "--include-dashboard=false",
                        "--dashboard-port", str(free_port()), "--ray-client-server-port", str(free_port())]
        else:
            command += ["--address", str(address)]
        self._log = open(self.temp_dir / "ray-start.log", "w+", encoding="utf-8")
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        env={**_without_ray_auth(os.environ), **(env or {}), **self.auth_env,
                                             "RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S": "0"},
                                        start_new_session=True)
        self._wait_started(timeout)

    def _wait_started(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            if "Ray runtime started" in self.log():
                return
            time.sleep(0.3)
        log = self.log()[-2000:]
        self.stop()
        raise TracuuError(f"Không khởi động được nút Ray trên máy này (ray start). Nhật ký:\n{log}")

    def log(self) -> str:
        try:
            return (self.temp_dir / "ray-start.log").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def pids(self) -> set[int]:
        """The node's processes now: `ray start` and everything under it (GCS, raylet, agents, workers)."""
        import psutil

        try:
            root = psutil.Process(self.process.pid)
            return {root.pid} | {p.pid for p in root.children(recursive=True)}
        except psutil.NoSuchProcess:
            return set()

    def stop(self, timeout: float = 30.0) -> None:
        """End the node: SIGTERM to `ray start` (it stops its processes), then SIGKILL to whatever of them is left
        after `timeout` seconds; remove the temporary folder."""
        import psutil

        known = self.pids()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(30)
        deadline = time.monotonic() + 10
        left = known - {self.process.pid}
        while left and time.monotonic() < deadline:
            left = {pid for pid in left if _running(pid)}
            time.sleep(0.2)
        for pid in left:
            try:
                psutil.Process(pid).kill()
            except psutil.Error:
                pass
        self._log.close()
        shutil.rmtree(self.temp_dir, ignore_errors=True)


def _running(pid: int) -> bool:
    """True while `pid` runs (a zombie waiting for its reaper does not count)."""
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _without_ray_auth(environ) -> dict[str, str]:
    return {key: value for key, value in environ.items() if not key.startswith("RAY_AUTH_")}


@contextmanager
def joined(auth_env: dict[str, str]) -> Iterator[None]:
    """For a driver in this process: `auth_env` (RayNode.auth_env) in os.environ, the previous values restored."""
    keys = ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH")
    saved = {key: os.environ.get(key) for key in keys}
    os.environ.pop("RAY_AUTH_TOKEN_PATH", None)
    os.environ.update(auth_env)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
