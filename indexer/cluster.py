"""`tracuu index --cluster ADDRESS|auto`: the per-file work and the embedding of passages as Ray Data operations.

The driver (the `tracuu index` process) keeps doing everything else exactly as a single-process build: it plans,
writes SQLite, the lexical and FAISS files, the embedding cache and the manifest into a new generation, and flips
CURRENT only at the end (indexer/build.py). This module supplies the two seams build.py plugs in:

- `RayCluster.process_files(files, max_bytes, jobs, seconds, memory_bytes)`: like indexer.parallel.process_files,
  results in the order of the files. Each file is a row of `ray.data.from_items(...)`, `.map(_process_row)` runs
  `indexer.parallel.process_found` (reading incl. OCR, structure, chunks, duties, with the per-file time/memory
  budget) in Ray tasks, at most `workers` at a time, each retried (`max_retries`) when its worker dies.
- `RayCluster.embed(embedder, groups)`: one vector matrix per group of passage texts, in group order, from
  `.map_batches(_Embed, concurrency=workers)`: a pool of actors each holding the model (restarted by Ray when
  killed). A group is encoded exactly as the driver would encode it (same texts, same batches), so the vectors are
  the single-process ones within float rounding.

Workers import this repository's `indexer` from the driver: `ray.init(runtime_env={"py_modules": [indexer/]})`
uploads the package to the cluster, so nodes need only the same Python and dependencies (`pip install
'tracuu[cluster]'`), not a checkout; `connect` checks that the workers' pipeline fingerprint is the driver's.
Files and the model folder are read on the workers from the paths the driver sees: a shared filesystem (NFS or the
same machine) is assumed. `ray` is imported only here, only when a cluster is used.
"""
from __future__ import annotations

import os
import pickle
import re
import socket
import sys
import warnings
from typing import Iterable, Iterator, Sequence

import numpy as np

from indexer.errors import TracuuError
from indexer.model import Document, FileOutcome

WORKERS_ENV = "TRACUU_CLUSTER_WORKERS"  # worker processes to use on the cluster (default: the cluster's CPUs)
TASK_RETRIES = 3  # a file's task is tried again this many times when its worker process dies
_THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS")
INSTALL_HINT = "pip install 'tracuu[cluster]'"
_PACKAGE = os.path.dirname(os.path.abspath(__file__))  # indexer/: what the workers import (shipped as py_modules)


class ClusterUnavailable(TracuuError):
    """The Ray cluster cannot be used (not reachable, Ray not installed, workers running other code)."""


def _import_ray():
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as error:
        raise ClusterUnavailable(f"Chưa cài Ray nên không dùng được --cluster ({error}). Cài: {INSTALL_HINT}") from error
    return ray


def _reachable(address: str, seconds: float = 5.0) -> str | None:
    """None when host:port accepts a TCP connection (or the address is not host:port), else why not."""
    host, _, port = address.rpartition(":")
    if address == "auto" or "://" in address or not port.isdigit() or not host:
        return None
    try:
        with socket.create_connection((host, int(port)), timeout=seconds):
            return None
    except OSError as error:
        return error.strerror or str(error)


def _encode_spec(embedder):
    """What an actor needs to load the same model: ("spec", ModelSpec) for the project's embedders (loaded from the
    model folder on the shared filesystem), else ("object", embedder) shipped as it is (cloudpickle)."""
    from indexer.embed.embedders import ModelSpec, SentenceTransformerEmbedder
    from indexer.embed.onnx_embed import OnnxEmbedder

    if isinstance(embedder, SentenceTransformerEmbedder):
        return ("spec", embedder.spec)
    if isinstance(embedder, OnnxEmbedder) and embedder.int8:
        return ("spec", ModelSpec(embedder.name, embedder.location, embedder.query_prefix, embedder.passage_prefix,
                                  backend=embedder.backend, source_sha256=embedder.source_sha256,
                                  verification=embedder.verification))
    module = type(embedder).__module__
    if not module.startswith("indexer.") and module in sys.modules:
        from ray import cloudpickle

        cloudpickle.register_pickle_by_value(sys.modules[module])  # its module need not exist on the workers
    return ("object", embedder)


def _load_embedder(payload, threads: int):
    kind, value = payload
    if kind == "object":
        return value
    from indexer.embed import bundled
    from indexer.embed.embedders import SentenceTransformerEmbedder
    from indexer.embed.onnx_embed import OnnxEmbedder

    if value.backend == bundled.ONNX_INT8:
        return OnnxEmbedder.load(value, int8=True, threads=threads, query_threads=threads)
    import torch

    torch.set_num_threads(threads)
    return SentenceTransformerEmbedder.load_torch(value)


# ---- what runs on the workers (module-level, so Ray pickles them by reference to this module) --------------------


def _process_row(row: dict) -> dict:
    """One file's row → its result: indexer.parallel.process_found, pickled (Documents are plain dataclasses)."""
    from indexer.parallel import process_found

    found, max_bytes, seconds, memory_bytes = pickle.loads(row["job"])
    result = process_found(found, max_bytes, seconds, memory_bytes)
    return {"i": row["i"], "result": pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)}


class _Embed:
    """An actor of the embedding pool: loads the model once, encodes one group of passages per row."""

    def __init__(self, payload, threads: int) -> None:
        self.embedder = _load_embedder(payload, threads)

    def __call__(self, batch: dict) -> dict:
        out = []
        for texts in batch["texts"]:
            vectors = self.embedder.encode_passages([str(t) for t in texts], progress=False)
            out.append(np.ascontiguousarray(vectors, dtype=np.float32).tobytes())
        return {"g": batch["g"], "vectors": np.array(out, dtype=object)}


def _worker_fingerprint() -> tuple[str, str]:
    from indexer.store.manifest import pipeline_fingerprint

    return pipeline_fingerprint(), _PACKAGE


# ---- the driver side ------------------------------------------------------------------------------------------------


class RayCluster:
    """A connection to a Ray cluster for one or more builds: `with RayCluster("127.0.0.1:6379") as cluster:`.

    address: what ray.init takes ("HOST:PORT" of the head's GCS, "auto" for the cluster started on this machine /
    $RAY_ADDRESS, "ray://HOST:PORT" for Ray Client). workers: worker processes to use (default $TRACUU_CLUSTER_WORKERS,
    else the cluster's CPU count). threads: threads each worker's model uses (1: workers do not fight over cores).
    Raises ClusterUnavailable (Vietnamese message) when Ray is missing, the cluster does not answer, or its workers
    do not run this code.
    """

    def __init__(self, address: str, workers: int | None = None, threads: int = 1) -> None:
        self.address = address
        self.requested_workers = workers
        self.workers = workers or 1
        self.threads = max(1, int(threads))
        self.worker_location: str | None = None  # where the workers import indexer from (the uploaded copy)
        self._owns = False

    def __enter__(self) -> "RayCluster":
        return self.connect()

    def __exit__(self, *exc) -> None:
        self.close()

    def connect(self) -> "RayCluster":
        ray = _import_ray()
        if not ray.is_initialized():
            unreachable = _reachable(self.address)
            if unreachable:
                raise ClusterUnavailable(self._unreachable(unreachable))
            import logging

            threads = str(self.threads)
            env = {"py_modules": [_PACKAGE],
                   "env_vars": {**{v: threads for v in _THREAD_VARS}, "TOKENIZERS_PARALLELISM": "false"}}
            try:
                ray.init(address=self.address, runtime_env=env, logging_level=logging.WARNING, log_to_driver=False,
                         configure_logging=True)
            except Exception as error:  # noqa: BLE001 - ConnectionError, RuntimeError, ValueError… all say "no"
                raise ClusterUnavailable(self._unreachable(f"{type(error).__name__}: {error}")) from error
            self._owns = True
            logging.getLogger("ray.data").setLevel(logging.ERROR)  # not "progress bars disabled" on every build
        try:
            self._configure(ray)
            self._check_code(ray)
        except BaseException:
            self.close()
            raise
        return self

    def _unreachable(self, reason: str) -> str:
        return (f"Không kết nối được cụm Ray tại {self.address} ({reason}). Khởi động cụm trước: "
                "ray start --head --port=CỔNG (rồi ray start --address=MÁY_CHỦ:CỔNG trên các máy khác), "
                "hoặc bỏ --cluster để lập chỉ mục trên máy này.")

    def _configure(self, ray) -> None:
        cpus = int(ray.cluster_resources().get("CPU", 0))
        raw = os.environ.get(WORKERS_ENV, "").strip()
        wanted = self.requested_workers or (int(raw) if raw.isdigit() and int(raw) > 0 else None)
        if cpus < 1:
            raise ClusterUnavailable(f"Cụm Ray tại {self.address} không có CPU nào cho worker.")
        self.workers = max(1, min(wanted or cpus, cpus))
        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True  # results in the order of the files / groups
        context.enable_progress_bars = False  # the build shows its own progress (tqdm), as without a cluster
        context.print_on_execution_start = False

    def _check_code(self, ray) -> None:
        """The workers must run the driver's pipeline (py_modules ships it): else the index would mix versions."""
        from indexer.store.manifest import pipeline_fingerprint

        fingerprint, location = ray.get(ray.remote(num_cpus=0)(_worker_fingerprint).remote(), timeout=300)
        self.worker_location = location
        if fingerprint != pipeline_fingerprint():
            raise ClusterUnavailable(f"Các worker của cụm Ray tại {self.address} chạy mã indexer khác máy này "
                                     f"({location}); khởi động lại cụm hoặc cài cùng phiên bản tracuu.")

    def close(self) -> None:
        if self._owns:
            import ray

            ray.shutdown()
            self._owns = False

    # ---- the two seams of indexer/build.py --------------------------------------------------------------------

    def process_files(self, files: Iterable, max_bytes: int | None, jobs: int | None = None,
                      seconds: float | None = None, memory_bytes: int | None = None
                      ) -> Iterator[Document | FileOutcome]:
        """indexer.parallel.process_files on the cluster (`jobs` is ignored: `workers` tasks at a time). A task
        whose worker dies is retried (TASK_RETRIES); when retries run out the build stops (ClusterUnavailable)."""
        import ray

        files = list(files)
        if not files:
            return
        rows = [{"i": i, "job": pickle.dumps((f, max_bytes, seconds, memory_bytes))} for i, f in enumerate(files)]
        blocks = min(len(rows), max(self.workers * 16, 200))
        with warnings.catch_warnings():  # Ray 2.60 calls passing max_retries "deprecated" (kept until 2.64)
            warnings.simplefilter("ignore", DeprecationWarning)
            dataset = ray.data.from_items(rows, override_num_blocks=blocks).map(
                _process_row, compute=ray.data.TaskPoolStrategy(size=self.workers), num_cpus=1,
                max_retries=TASK_RETRIES)  # Ray Data's default is -1: a file killing its worker would loop forever
        results = (pickle.loads(row["result"]) for row in self._rows(dataset, "i", len(files)))
        yield from results

    def embed(self, embedder, groups: Sequence[Sequence[str]]) -> Iterator[np.ndarray]:
        """One float32 matrix (len(group) × embedder.dimension) per group, in group order, encoded on the cluster
        by `workers` actors each loading the model (restarted and retried by Ray when one dies)."""
        import ray

        if not groups:
            return
        rows = [{"g": g, "texts": list(texts)} for g, texts in enumerate(groups)]
        dataset = ray.data.from_items(rows, override_num_blocks=len(rows)).map_batches(
            _Embed, batch_size=1, compute=ray.data.ActorPoolStrategy(size=min(self.workers, len(rows))), num_cpus=1,
            batch_format="numpy",
            fn_constructor_kwargs={"payload": _encode_spec(embedder), "threads": self.threads})
        dim = embedder.dimension
        for row in self._rows(dataset, "g", len(groups)):
            yield np.frombuffer(row["vectors"], dtype=np.float32).reshape(-1, dim)

    def _rows(self, dataset, key: str, count: int) -> Iterator[dict]:
        """The dataset's rows in `key` order 0..count-1 (re-ordered here if Ray hands them over out of order)."""
        waiting: dict[int, dict] = {}
        expected = 0
        rows = iter(dataset.iter_rows())
        try:
            for row in rows:
                waiting[int(row[key])] = row
                while expected in waiting:
                    yield waiting.pop(expected)
                    expected += 1
        except Exception as error:  # noqa: BLE001 - Ray's own errors: say it in one Vietnamese line
            if isinstance(error, TracuuError):
                raise
            first = re.sub(r"\x1b\[[0-9;]*m", "", str(error).strip().splitlines()[0] if str(error).strip() else "")
            raise ClusterUnavailable(f"Cụm Ray tại {self.address} không hoàn thành công việc "
                                     f"({type(error).__name__}: {first}); chỉ mục cũ (nếu có) được giữ nguyên.") from error
        finally:
            close = getattr(rows, "close", None)
            if close is not None:
                close()  # stop Ray's executor now, before the session may end
        if expected != count:
            raise ClusterUnavailable(f"Cụm Ray tại {self.address} trả về {expected}/{count} kết quả; "
                                     "chỉ mục cũ (nếu có) được giữ nguyên.")


def cluster_session(cluster: "str | RayCluster | None"):
    """A context manager giving a connected RayCluster (None → None): a string address is connected here and
    closed on exit; a RayCluster the caller made is connected if needed and left open (the caller closes it)."""
    from contextlib import nullcontext

    if cluster is None:
        return nullcontext(None)
    if isinstance(cluster, RayCluster):
        return nullcontext(cluster.connect())
    return RayCluster(str(cluster))


def embed_groups(embedder, groups: Sequence[Sequence[str]], cluster: RayCluster | None = None) -> Iterator[np.ndarray]:
    """embedder.encode_passages of each group, in group order: on the cluster's workers when one is given, else here
    one group after the other (lazily: the caller stores each group before the next is encoded)."""
    if cluster is not None:
        return cluster.embed(embedder, groups)
    return (embedder.encode_passages(list(texts), progress=False) for texts in groups)
