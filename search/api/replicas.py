"""`tracuu serve --replicas N`: the HTTP API of search/api/app.py as a Ray Serve deployment of N replicas.

Every replica is a Ray actor (its own process) that builds the very same FastAPI app with `create_app(settings)` over
the one index folder, so each has its own `SearcherHolder`: before every request it reads the index's CURRENT
pointer and moves to a new generation by itself, while requests already running finish on the old one. Ray Serve's
HTTP proxy (one, on the head node) listens on `host:port` (127.0.0.1 unless --host) and spreads the requests over
the replicas.

Without `cluster` a private Ray node is started on this machine (search/api/ray_nodes.py: free ports, own temporary
folder, own session) and stopped again on exit; with an address (or "auto") the command joins an existing cluster, whose nodes must
all see the index folder at the same path and have tracuu installed (`pip install 'tracuu[cluster]'`). On exit the
deployment is deleted and Serve shut down when no other application of the cluster uses it.

Ray is imported only inside these functions: `import search.api.replicas` works without it.
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import sys
import threading
import time
from pathlib import Path

from indexer.errors import TracuuError
from indexer.settings import Settings

APP_NAME = "tracuu"
DEPLOYMENT_NAME = "tracuu-api"
START_SECONDS = 300.0  # how long the replicas may take to open the index before the command gives up
_SOURCE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding search/ and indexer/


class _Stop(BaseException):
    """Raised in the main thread by the SIGTERM handler (a BaseException: no `except Exception` swallows it)."""


def require_ray() -> None:
    """Nothing when Ray (with Serve) is installed, else a TracuuError saying how to install it. Does not import
    Ray: its settings (token authentication) are read from the environment when it is first imported."""
    import importlib.util

    spec = importlib.util.find_spec("ray")  # find_spec("ray.serve") would import ray itself
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    if not any((Path(folder) / "serve" / "__init__.py").is_file() for folder in folders):
        raise TracuuError("Chạy nhiều bản sao (--replicas, --cluster) cần Ray, chưa được cài: "
                          "pip install 'tracuu[cluster]'")


def _ray():
    """(ray, ray.serve), or a TracuuError saying how to install them."""
    try:
        import ray
        from ray import serve
    except ImportError as error:
        raise TracuuError("Chạy nhiều bản sao (--replicas, --cluster) cần Ray, chưa được cài: "
                          "pip install 'tracuu[cluster]'") from error
    return ray, serve


def absolute_settings(settings: Settings) -> Settings:
    """`settings` with every folder made absolute: the replicas do not run in this command's working folder."""
    return dataclasses.replace(settings, index_dir=Path(settings.index_dir).resolve(),
                               corpus_dir=Path(settings.corpus_dir).resolve(),
                               model_home=Path(settings.model_home).expanduser().resolve())


def worker_env(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment variables every replica gets: all TRACUU_* (access settings, limits, model, LLM) and, when
    tracuu runs from a source checkout rather than an installed package, a PYTHONPATH that finds it."""
    environ = dict(os.environ if environ is None else environ)
    env = {key: value for key, value in environ.items() if key.startswith("TRACUU_")}
    if "site-packages" not in _SOURCE_ROOT.parts and "dist-packages" not in _SOURCE_ROOT.parts:
        paths = [str(_SOURCE_ROOT)] + [p for p in environ.get("PYTHONPATH", "").split(os.pathsep)
                                      if p and p != str(_SOURCE_ROOT)]
        env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def connect(address: str, env: dict[str, str], label: str | None = None) -> None:
    """Join the Ray cluster at `address` ("auto" or host:port); `env` goes to every worker. Raises TracuuError
    (Vietnamese) when Ray is missing or the cluster cannot be reached."""
    shown = label or address
    if address != "auto" and not _reachable(address):  # ray.init would wait minutes for a GCS that is not there
        raise TracuuError(f"Không kết nối được cụm Ray tại {shown}: không có gì nghe ở địa chỉ này; kiểm tra địa chỉ "
                          f"(máy đầu cụm, cổng của ray start --head --port) và trạng thái cụm: ray status --address "
                          f"{address}.")
    ray, _serve = _ray()
    try:
        ray.init(address=address, runtime_env={"env_vars": env}, logging_level="WARNING", log_to_driver=False,
                 namespace="tracuu")
    except (ConnectionError, TimeoutError, RuntimeError, ValueError) as error:
        hint = ("không thấy cụm Ray nào đang chạy trên máy này (ray start --head)" if address == "auto"
                else f"kiểm tra địa chỉ và trạng thái cụm: ray status --address {address}")
        raise TracuuError(f"Không kết nối được cụm Ray tại {shown}: {hint}.") from error


def _reachable(address: str, timeout: float = 5.0) -> bool:
    """True when something accepts a TCP connection at `address` ("host:port", optionally "ray://host:port")."""
    import socket

    host, _sep, port = address.split("://")[-1].rpartition(":")
    try:
        with socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout=timeout):
            return True
    except (OSError, ValueError):
        return False


def build_application(settings: Settings, replicas: int, cpus_per_replica: float = 1.0):
    """The Ray Serve application: `replicas` copies of create_app(settings), each reserving `cpus_per_replica`."""
    _ray_module, serve = _ray()

    @serve.deployment(name=DEPLOYMENT_NAME, num_replicas=replicas,
                      ray_actor_options={"num_cpus": cpus_per_replica},
                      health_check_period_s=5, graceful_shutdown_timeout_s=30)
    @serve.ingress()
    class TracuuAPI:
        """One replica: the FastAPI app of search/api/app.py, built in the replica's own process."""

        def __init__(self, served: Settings) -> None:
            self._settings = served

        def __serve_build_asgi_app__(self):
            from search.api.app import create_app

            return create_app(self._settings)

    return TracuuAPI.bind(settings)


def _cluster_cpus() -> float:
    import ray

    return float(ray.cluster_resources().get("CPU", 0.0))


def _other_apps(serve) -> list[str]:
    try:
        return [name for name in serve.status().applications if name != APP_NAME]
    except Exception:  # noqa: BLE001 - Serve not running on the cluster yet: nothing else to keep
        return []


def run_replicas(settings: Settings, replicas: int, host: str, port: int, cluster: str | None = None,
                 ready: threading.Event | None = None, stop: threading.Event | None = None) -> int:
    """Serve the API with `replicas` Ray Serve replicas on http://host:port until SIGTERM (exit status 143),
    Ctrl+C (KeyboardInterrupt, 130 in cli.app) or `stop` is set (0). `ready` is set once every replica answers.

    Raises TracuuError when Ray is missing, the cluster is unreachable or has fewer CPUs than replicas, the port is
    taken, or the replicas do not start (their error is in the message)."""
    require_ray()
    settings = absolute_settings(settings)
    env = worker_env()
    ray = serve = None
    node = None
    received: list[int] = []
    started_serve = served = False

    def on_sigterm(number, _frame):
        received.append(number)
        raise _Stop()

    previous = signal.signal(signal.SIGTERM, on_sigterm) if threading.current_thread() is threading.main_thread() \
        else None
    scope = contextlib.ExitStack()
    try:
        if cluster is None:
            from search.api.ray_nodes import RayNode, joined

            node = RayNode(head=True, num_cpus=max(replicas, os.cpu_count() or 1), object_store_mb=200, env=env)
            scope.enter_context(joined(node.auth_env))
        connect(node.address if node else cluster, env, label=None if cluster else "Ray riêng trên máy này")
        ray, serve = _ray()  # imported by connect only now: with the private node's authentication in the environment
        if previous is not None:  # ray.init put its own SIGTERM handlers (Python's and a C one that kills) first
            signal.signal(signal.SIGTERM, on_sigterm)
        cpus = _cluster_cpus()
        if cpus < replicas:
            raise TracuuError(f"Cụm Ray chỉ có {cpus:g} CPU, không đủ cho {replicas} bản sao (mỗi bản sao một CPU): "
                              f"giảm --replicas hoặc thêm máy vào cụm (ray start --address …).")
        started_serve = not _other_apps(serve)
        import logging

        logging.getLogger("ray.serve").setLevel(logging.WARNING)  # this command says what matters, in Vietnamese
        serve.start(proxy_location="HeadOnly", http_options={"host": host, "port": port})
        _deploy(serve, build_application(settings, replicas), host, port)
        served = True
        if ready is not None:
            ready.set()
        while stop is None or not stop.is_set():
            time.sleep(0.2)
        return 0
    except _Stop:
        return 128 + received[0]
    finally:
        masked = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGTERM, signal.SIGINT)} \
            if threading.current_thread() is threading.main_thread() else {}
        try:  # a second SIGTERM or Ctrl+C is ignored: the cleanup finishes
            if ray is not None:
                _shutdown(ray, serve, remove_serve=node is not None or started_serve)
            if node is not None:
                node.stop()
        finally:
            scope.close()
            for number, handler in masked.items():
                signal.signal(number, handler)
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
        if served:
            print("Đã dừng API.", file=sys.stderr)


def _deploy(serve, application, host: str, port: int) -> None:
    """Deploy and wait until every replica runs and the proxy answers on host:port."""
    from search.access.policy import listen_message

    try:
        serve.run(application, name=APP_NAME, route_prefix="/", blocking=False)
    except Exception as error:  # noqa: BLE001 - RayServeException, RayActorError…: said in Vietnamese
        raise TracuuError(f"Các bản sao của API không khởi động được: {error}") from error
    probe = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    url = f"http://[{probe}]:{port}/health" if ":" in probe else f"http://{probe}:{port}/health"
    deadline = time.monotonic() + START_SECONDS
    while not _ours(url):  # the proxy answers 404/503 itself until it knows the application's route
        if time.monotonic() > deadline:
            raise TracuuError(f"Ray Serve không trả lời trên {host}:{port} sau {START_SECONDS:g} giây (cổng bận "
                              f"hoặc bị chặn?); chọn cổng khác: tracuu serve --port {port + 1}")
        time.sleep(0.5)
    print(listen_message(host, port, what="API", command="tracuu serve"), flush=True)
    print(f"Ray Serve: {_replica_count(serve)} bản sao của API trên cụm Ray · tài liệu API: "
          f"http://{host}:{port}/api-docs", flush=True)


def _ours(url: str) -> bool:
    """True when `url` is answered by the API itself (its JSON: {"status": "ok", …} or {"error", "status"})."""
    import httpx

    try:
        answer = httpx.get(url, timeout=10)
        return "status" in answer.json()
    except (httpx.HTTPError, ValueError, TypeError):
        return False


def _replica_count(serve) -> int:
    try:
        status = serve.status().applications[APP_NAME].deployments[DEPLOYMENT_NAME]
        return int(status.replica_states.get("RUNNING", 0))
    except Exception:  # noqa: BLE001 - only for the start message
        return 0


def _shutdown(ray, serve, remove_serve: bool, timeout: float = 60.0) -> None:
    """Delete the application; shut Serve down when `remove_serve` and no other application uses it; disconnect.
    Runs in a thread given `timeout` seconds, so an unreachable cluster cannot hang the command."""
    if not ray.is_initialized():
        return

    def work() -> None:
        try:
            serve.delete(APP_NAME)
            if remove_serve and not _other_apps(serve):
                serve.shutdown()
        except Exception:  # noqa: BLE001 - already gone, or the cluster went away: nothing left to remove
            pass

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(timeout)
    try:
        ray.shutdown()
    except Exception:  # noqa: BLE001 - the cluster went away first
        pass
