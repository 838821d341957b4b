"""A real local Ray cluster for tests and benchmarks: a head node and N-1 more nodes on this machine.

`local_cluster(nodes=2)` is a context manager yielding a `LocalCluster` (its `address`, "127.0.0.1:PORT", is what
`tracuu index --cluster` and `ray.init(address=…)` take). Every node is `ray start --block` in its own process
group with its own --temp-dir, on ports picked free at run time (never Ray's defaults 6379/8265/10001/52365, so
other clusters on the same machine are untouched), 1 CPU and a small object store each. Leaving the block stops
every process of these nodes — found by their temp dirs, never by name — so nothing is left running.

`pytest` fixture: `ray_cluster` (module-scoped, two nodes), used by tests/test_cluster_index.py.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

RAY = str(Path(sys.executable).with_name("ray"))
# Token authentication with a token of our own (not ~/.ray/auth_token, which other clusters on the machine may
# create or use): the nodes and every driver of this process get it through the environment (`auth_env`).
_TOKEN = secrets.token_hex(32)
OBJECT_STORE_BYTES = 150 * 1024 * 1024
_WORKER_PORTS = 40  # ports per node for its worker processes


def free_ports(count: int) -> list[int]:
    """`count` distinct TCP ports free on 127.0.0.1 right now (bound together, then released)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _range_free(first: int, count: int) -> bool:
    for port in range(first, first + count):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def free_port_range(count: int, taken: set[int]) -> int:
    """The first port of `count` consecutive free ports (in 30000–44999), none of them in `taken`."""
    for _ in range(200):
        first = random.randrange(30000, 45000 - count)
        if not taken & set(range(first, first + count)) and _range_free(first, count):
            taken.update(range(first, first + count))
            return first
    raise RuntimeError("không tìm được dải cổng trống cho các worker Ray")


@dataclass
class Node:
    process: subprocess.Popen
    temp_dir: Path
    log: Path


@dataclass
class LocalCluster:
    address: str
    root: Path
    nodes: list[Node] = field(default_factory=list)

    def processes(self) -> list:
        """psutil.Process of every live process of this cluster: descendants of the nodes' `ray start`, and any
        process whose command line names their temp dirs or that is in their process groups."""
        import psutil

        marks = [str(n.temp_dir) for n in self.nodes]
        groups = {n.process.pid for n in self.nodes}
        found = {}
        for node in self.nodes:  # descendants of `ray start` (workers retitle themselves "ray::…")
            try:
                for proc in [psutil.Process(node.process.pid), *psutil.Process(node.process.pid).children(True)]:
                    found[proc.pid] = proc
            except psutil.Error:
                continue
        for proc in psutil.process_iter(["pid", "cmdline"]):
            try:
                line = " ".join(proc.info["cmdline"] or [])
                if any(m in line for m in marks) or os.getpgid(proc.pid) in groups:
                    found.setdefault(proc.pid, proc)
            except (psutil.Error, ProcessLookupError, PermissionError):
                continue
        return [p for pid, p in found.items() if pid != os.getpid()]

    def workers(self) -> list:
        """The Python worker processes of this cluster (those that run tasks and actors)."""
        out = []
        for proc in self.processes():
            try:
                line = " ".join(proc.cmdline())
            except Exception:  # noqa: BLE001 - gone meanwhile
                continue
            if "default_worker.py" in line or proc.name().startswith("ray::"):
                out.append(proc)
        return out


def auth_env() -> dict[str, str]:
    """The environment a process needs to join or drive the clusters this process starts."""
    return {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": _TOKEN, "RAY_USAGE_STATS_ENABLED": "0"}


def use_auth() -> None:
    """Put auth_env() into this process's environment, for its ray.init on one of these clusters. Ray reads the
    authentication mode into its config when it is imported: refresh it, as Ray itself does when it turns token
    authentication on (ray._private.authentication.authentication_token_setup._enable_token_auth)."""
    os.environ.update(auth_env())
    if "ray._raylet" in sys.modules:
        sys.modules["ray._raylet"].Config.initialize("")


def _wait_for_port(port: int, process: subprocess.Popen, log: Path, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"ray start dừng (mã {process.returncode}):\n{log.read_text(errors='replace')[-3000:]}")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    raise RuntimeError(f"cụm Ray không mở cổng {port} sau {seconds:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")


def _start_node(root: Path, name: str, head_port: int, head: bool, taken: set[int]) -> Node:
    temp_dir = root / name
    temp_dir.mkdir(parents=True)
    ports = free_ports(8)
    while taken & set(ports):
        ports = free_ports(8)
    taken.update(ports)
    first_worker = free_port_range(_WORKER_PORTS, taken)
    args = [RAY, "start", "--block", "--disable-usage-stats", "--node-ip-address", "127.0.0.1",
            "--num-cpus", "1", "--object-store-memory", str(OBJECT_STORE_BYTES), "--temp-dir", str(temp_dir),
            "--node-manager-port", str(ports[0]), "--object-manager-port", str(ports[1]),
            "--min-worker-port", str(first_worker), "--max-worker-port", str(first_worker + _WORKER_PORTS - 1),
            "--dashboard-agent-listen-port", str(ports[2]), "--dashboard-agent-grpc-port", str(ports[3]),
            "--runtime-env-agent-port", str(ports[4]), "--metrics-export-port", str(ports[5])]
    if head:
        args += ["--head", "--port", str(head_port), "--include-dashboard", "false",
                 "--ray-client-server-port", str(ports[6])]
    else:
        args += ["--address", f"127.0.0.1:{head_port}"]
    log = root / f"{name}.log"
    # Not this process's PYTHONPATH nor its folder: the workers must get the code the way a real cluster does
    # (the driver ships indexer/ as py_modules), not because they happen to sit in the checkout.
    env = {k: v for k, v in os.environ.items() if k not in ("RAY_ADDRESS", "PYTHONPATH")}
    env.update(auth_env())
    with open(log, "wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, env=env,
                                   cwd=root)
    return Node(process, temp_dir, log)


def _wait_for_nodes(address: str, count: int, seconds: float = 60.0) -> None:
    """Until `count` nodes are alive in the cluster (asked through `ray status`-free GCS client)."""
    deadline = time.monotonic() + seconds
    last = ""
    while time.monotonic() < deadline:
        probe = subprocess.run(
            [sys.executable, "-c", "import ray, sys; ray.init(address=sys.argv[1], logging_level='ERROR', "
             "log_to_driver=False); print(sum(1 for n in ray.nodes() if n['Alive']))", address],
            capture_output=True, text=True, timeout=120, env={**os.environ, **auth_env()})
        last = probe.stdout.strip().splitlines()[-1] if probe.stdout.strip() else probe.stderr[-2000:]
        if last.isdigit() and int(last) >= count:
            return
        time.sleep(1.0)
    raise RuntimeError(f"cụm Ray chưa đủ {count} nút sau {seconds:.0f} s: {last}")


def stop(cluster: LocalCluster) -> None:
    """Stop every process of the cluster (SIGTERM, then SIGKILL after 10 s) and remove its temp dirs."""
    import psutil

    procs = cluster.processes()
    for node in cluster.nodes:
        try:
            os.killpg(node.process.pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            pass
    for proc in procs:
        try:
            proc.terminate()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(procs, timeout=10)
    for proc in alive + cluster.processes():
        try:
            proc.kill()
        except psutil.Error:
            pass
    for node in cluster.nodes:
        try:
            os.killpg(node.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            node.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    shutil.rmtree(cluster.root, ignore_errors=True)


@contextmanager
def local_cluster(nodes: int = 2) -> Iterator[LocalCluster]:
    """A running local cluster of `nodes` nodes (1 CPU each); stopped, and its temp dirs removed, on exit.
    This process's environment gets auth_env() so that its ray.init(address=cluster.address) is let in."""
    use_auth()
    root = Path(tempfile.mkdtemp(prefix="trc-ray-", dir="/tmp"))  # short: Ray's socket paths must stay < 108 bytes
    taken: set[int] = set()
    head_port = free_ports(1)[0]
    taken.add(head_port)
    cluster = LocalCluster(address=f"127.0.0.1:{head_port}", root=root)
    try:
        cluster.nodes.append(_start_node(root, "head", head_port, True, taken))
        _wait_for_port(head_port, cluster.nodes[0].process, cluster.nodes[0].log)
        for i in range(1, nodes):
            cluster.nodes.append(_start_node(root, f"node{i}", head_port, False, taken))
        _wait_for_nodes(cluster.address, nodes)
        yield cluster
    finally:
        stop(cluster)


try:
    import pytest
except ImportError:  # the benchmark imports this module without pytest
    pytest = None

if pytest is not None:
    @pytest.fixture(scope="module")
    def ray_cluster() -> Iterator[LocalCluster]:
        """A two-node local cluster for the tests of one module (import this name into the test module)."""
        with local_cluster(2) as running:
            yield running


if __name__ == "__main__":  # start a cluster by hand: python tests/raycluster.py [NODES]; Ctrl-C stops it
    with local_cluster(int(sys.argv[1]) if len(sys.argv) > 1 else 2) as running:
        print(running.address, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
