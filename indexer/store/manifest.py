"""manifest.json of an index generation: what built it (format, model, chunking, lexical, libraries) and its checks."""
from __future__ import annotations

import hashlib
from dataclasses import asdict
import json
import os
import platform
import sqlite3
import time
from importlib import metadata
from pathlib import Path

from indexer.errors import IndexMismatch, IndexMissing

FORMAT_VERSION = 2  # 2: chunks carry a context field; text_hash is the hash of context + passage
MANIFEST_FILE = "manifest.json"
# Modules that only store, embed or search what the pipeline produced. Every other indexer module (readers,
# normalisation, structure, chunking, duties and whatever they grow into) decides what a document becomes, so a
# change in any of them makes the next build reprocess every file (cached embeddings are reused).
# Paths relative to indexer/, without ".py"; every package's __init__ is store-side too.
# Every module of embed/ and store/ is store-side (they embed and store what the pipeline made).
_STORE_SIDE_MODULES = frozenset({"build", "cluster", "errors", "parallel", "read/scan", "settings"})
_STORE_SIDE_FOLDERS = ("embed/", "store/")
_LIBRARIES = ("numpy", "faiss-cpu", "sentence-transformers", "transformers", "torch", "tokenizers")


def pipeline_fingerprint() -> str:
    """Hash of the pipeline modules' source and data files: "the code that produced the stored chunks"."""
    here = Path(__file__).resolve().parent.parent  # indexer/
    digest = hashlib.sha256()
    for path in sorted(here.rglob("*.py")):
        name = path.relative_to(here).with_suffix("").as_posix()
        if path.stem != "__init__" and name not in _STORE_SIDE_MODULES and not name.startswith(_STORE_SIDE_FOLDERS):
            digest.update(name.encode("utf-8") + b"\0" + path.read_bytes())
    data_dir = here / "data"
    if data_dir.is_dir():
        for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
            digest.update(path.relative_to(data_dir).as_posix().encode("utf-8") + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def library_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def new_manifest(
    *,
    generation: str,
    mode: str,
    model: dict | None,
    chunking: dict,
    lexical: dict,
    pipeline: str,
    documents: int,
    chunks: int,
    dense: dict | None,
    roots: list[str],
    files: dict | None = None,
) -> dict:
    """model: {"name", "location", "dimension", "query_prefix", "passage_prefix", "normalize"} or None (lexical).
    files: {relative path: {"size", "sha256"}} of the generation's other files (store.integrity.record_files)."""
    return {
        "format_version": FORMAT_VERSION,
        "generation": generation,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "mode": mode,
        "model": model,
        "chunking": chunking,
        "lexical": lexical,
        "pipeline": pipeline,
        "documents": documents,
        "chunks": chunks,
        "dense": dense,
        "roots": roots,
        "libraries": library_versions(),
        "files": files,
    }


def write_manifest(gen_dir: Path, manifest: dict) -> None:
    path = Path(gen_dir) / MANIFEST_FILE
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, ensure_ascii=False, indent=2)
        handle.flush()
        os.fsync(handle.fileno())


def read_manifest(gen_dir: Path) -> dict:
    path = Path(gen_dir) / MANIFEST_FILE
    try:
        with open(path, encoding="utf-8") as handle:
            manifest = json.load(handle)
    except FileNotFoundError:
        raise IndexMissing(f"Thiếu {path}; hãy lập lại chỉ mục bằng `tracuu index`.") from None
    except ValueError as error:  # JSONDecodeError, or UnicodeDecodeError for bytes that are not UTF-8
        raise IndexMissing(f"{path} bị hỏng ({getattr(error, 'msg', None) or error}); "
                           "hãy lập lại chỉ mục bằng `tracuu index`.") from None
    if not isinstance(manifest, dict):
        raise IndexMissing(f"{path} bị hỏng; hãy lập lại chỉ mục bằng `tracuu index`.")
    return manifest


def rebuild_command(index_dir: Path, model: str | None = None) -> str:
    command = f"tracuu index [THƯ_MỤC_VĂN_BẢN …] --index {index_dir}"
    return command + (f" --model {model}" if model else "")


def check_format(manifest: dict, index_dir: Path) -> None:
    found = manifest.get("format_version")
    if found != FORMAT_VERSION:
        raise IndexMismatch(
            f"Chỉ mục {index_dir} có định dạng {found}, phiên bản này cần định dạng {FORMAT_VERSION}. "
            f"Lập lại: {rebuild_command(index_dir)}"
        )


def check_setting(what: str, stored: object, current: object, index_dir: Path) -> None:
    """Chunking and lexical parameters: the stored index must have been built with today's values."""
    if stored != current:
        raise IndexMismatch(
            f"Chỉ mục {index_dir} được lập với {what} {json.dumps(stored, ensure_ascii=False)}, "
            f"phiên bản này dùng {json.dumps(current, ensure_ascii=False)}. Lập lại: {rebuild_command(index_dir)}"
        )


def check_model(manifest: dict, name: str, query_prefix: str, passage_prefix: str, index_dir: Path,
                requested: str | None = None) -> None:
    """Refuse to query a dense index with another model (or other prefixes) than the one that built it."""
    stored = manifest.get("model") or {}
    if stored.get("name") != name:
        raise IndexMismatch(
            f"Chỉ mục {index_dir} được lập với mô hình nhúng {stored.get('name')}, nhưng đang yêu cầu mô hình {name}. "
            f"Dùng lại mô hình {stored.get('name')}, hoặc lập lại: {rebuild_command(index_dir, requested or name)}"
        )
    if (stored.get("query_prefix"), stored.get("passage_prefix")) != (query_prefix, passage_prefix):
        raise IndexMismatch(
            f"Chỉ mục {index_dir} dùng tiền tố {stored.get('query_prefix')!r}/{stored.get('passage_prefix')!r} cho mô hình "
            f"{name}, mô hình hiện tại dùng {query_prefix!r}/{passage_prefix!r}. "
            f"Lập lại: {rebuild_command(index_dir, requested or name)}"
        )


def current_settings() -> tuple[dict, dict]:
    """(chunking, lexical) settings of this code, as a manifest stores them."""
    from indexer.structure.chunking import ChunkingParams
    from indexer.store.lexical import FORMAT_VERSION as LEXICAL_FORMAT, LexicalParams

    # A JSON round trip makes tuples lists, exactly as they read back from manifest.json.
    chunking = json.loads(json.dumps(asdict(ChunkingParams())))
    lexical = json.loads(json.dumps({"format_version": LEXICAL_FORMAT, "params": asdict(LexicalParams())}))
    return chunking, lexical


def live_roots(index_dir: Path) -> list[str]:
    """The corpus folders (absolute paths) the live generation was built from; [] when there is none or it is unreadable."""
    from indexer.store.generations import current_generation

    gen_dir = current_generation(Path(index_dir))
    if gen_dir is None:
        return []
    try:
        roots = read_manifest(gen_dir).get("roots") or []
    except IndexMissing:
        return []
    return [str(r) for r in roots if isinstance(r, str)]
