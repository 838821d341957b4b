"""The index folder read side: SQLite schema, ChunkRow, and IndexReader over the live generation."""
from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import IO, Sequence

import numpy as np

from indexer.embed.embedders import Embedder, resolve_model
from indexer.errors import IndexMismatch, IndexMissing, ModelUnavailable
from indexer.store.filters import row_mask
from indexer.store.generations import current_generation, pin_generation
from indexer.store.integrity import Damage, IndexDamaged, check_generation, check_lexical_shapes, damage_message
from indexer.store.manifest import check_format, check_model, check_setting, read_manifest, rebuild_command
from indexer.model import DocumentInfo, Duty, PageSpan, Section, SignatureBlock

DB_FILE = "tracuu.sqlite"
LEXICAL_DIR = "lexical"
DENSE_FILE = "dense.faiss"
OPEN_ATTEMPTS = 10  # CURRENT moved on between reading it and pinning its folder: read it again
DUTY_FIELDS = tuple(f.name for f in fields(Duty))
# Row numbers are reassigned by rebuilding this table in (source, ordinal) order after every change.
CHUNKS_DDL = """
CREATE TABLE IF NOT EXISTS {table} (
    "row" INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE, doc_id TEXT NOT NULL, ordinal INTEGER,
    section TEXT, heading TEXT, headings TEXT, "start" INTEGER, "end" INTEGER,
    page_start INTEGER, page_end INTEGER, text TEXT NOT NULL, text_hash TEXT NOT NULL, context TEXT NOT NULL DEFAULT '');
"""
CHUNKS_INDEX = "CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id, ordinal);"

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    source TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, sha256 TEXT, doc_id TEXT,
    role TEXT NOT NULL,            -- primary | duplicate | skipped | failed
    reason TEXT, encoding TEXT, format TEXT);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, source TEXT NOT NULL, format TEXT, encoding TEXT,
    doc_type TEXT, doc_number TEXT, title TEXT, issuer TEXT, place TEXT, date TEXT, year INTEGER,
    issuers TEXT, signers TEXT, signatures TEXT, recipients TEXT, refs TEXT, pages TEXT,
    body_start INTEGER, body_end INTEGER, row_start INTEGER, n_chunks INTEGER, text TEXT NOT NULL);
{CHUNKS_DDL.format(table="chunks")}
{CHUNKS_INDEX}
CREATE TABLE IF NOT EXISTS sections (
    doc_id TEXT NOT NULL, ord INTEGER, path TEXT, heading TEXT, level INTEGER,
    "start" INTEGER, "end" INTEGER, body_start INTEGER);
CREATE INDEX IF NOT EXISTS sections_doc ON sections(doc_id, ord);
CREATE TABLE IF NOT EXISTS doc_references (doc_id TEXT NOT NULL, ord INTEGER, reference TEXT);
CREATE INDEX IF NOT EXISTS references_doc ON doc_references(doc_id);
CREATE INDEX IF NOT EXISTS references_ref ON doc_references(reference);
CREATE TABLE IF NOT EXISTS duties (ord INTEGER, {", ".join(f'"{name}"' for name in DUTY_FIELDS)});
CREATE INDEX IF NOT EXISTS duties_doc ON duties(doc_id);
"""

_CHUNK_COLUMNS = 'c."row", c.chunk_id, c.doc_id, d.source, c.section, c.heading, c."start", c."end", c.page_start, c.page_end, c.text, c.context'
_DOC_INFO_COLUMNS = ("doc_id, source, doc_type, doc_number, title, issuer, place, date, year, signers, recipients, refs, "
                     "n_chunks, row_start")


@dataclass(frozen=True)
class ChunkRow:
    """One stored passage as retrieval sees it; `row` is its position in the lexical and dense indexes."""

    row: int
    chunk_id: str
    doc_id: str
    source: str
    section: str
    heading: str
    start: int
    end: int
    page_start: int | None
    page_end: int | None
    text: str
    context: str = ""  # document header line and heading trail (indexer.structure.context)


def read_only_uri(db_path: Path) -> str:
    # as_uri() percent-encodes, so folder names with "?", "#" or "%" stay one path.
    return Path(db_path).resolve().as_uri() + "?mode=ro"


def connect_read_only(db_path: Path) -> sqlite3.Connection:
    """Generations never change after CURRENT points at them, so readers open them read-only."""
    conn = sqlite3.connect(read_only_uri(db_path), uri=True, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    return conn


def _info_from_row(r: sqlite3.Row) -> DocumentInfo:
    return DocumentInfo(
        doc_id=r["doc_id"], source=r["source"], doc_type=r["doc_type"], doc_number=r["doc_number"],
        title=r["title"], issuer=r["issuer"], place=r["place"], date=r["date"], year=r["year"],
        signers=json.loads(r["signers"] or "[]"), recipients=json.loads(r["recipients"] or "[]"),
        references=json.loads(r["refs"] or "[]"), n_chunks=r["n_chunks"] or 0,
    )


class IndexReader:
    """Read access to the live generation of an index folder; loads lazily, safe to share between threads."""

    def __init__(self, index_dir: Path, generation_dir: Path, manifest: dict, conn: sqlite3.Connection,
                 model: str | None, embedder: Embedder | None, pin: IO[bytes] | None = None) -> None:
        self.index_dir = index_dir
        self._pin = pin  # keeps generation_dir on disk until close(), whatever builds run meanwhile
        self.generation_dir = generation_dir
        self.manifest = manifest
        self._conn = conn
        self._requested_model = model
        self._embedder = embedder
        self._lock = threading.RLock()
        self._lexical = None
        self._dense = None
        self._context = None
        self._context_loaded = False
        self._docs: list[DocumentInfo] | None = None
        self._row_ranges: list[tuple[int, int]] | None = None

    @classmethod
    def open(cls, index_dir: Path | str, model: str | None = None, embedder: Embedder | None = None) -> "IndexReader":
        """Open the live generation; `model` (name or folder) or `embedder` must match the model that built it.

        The generation is pinned until close(): builds meanwhile do not delete it, so files loaded later
        (lexical/, dense.faiss) come from the generation whose manifest and database were opened here.
        """
        index_dir = Path(index_dir)
        gen_dir, pin = cls._pin_live(index_dir)
        try:
            return cls._open_pinned(index_dir, gen_dir, pin, model, embedder)
        except BaseException:
            pin.close()
            raise

    @staticmethod
    def _pin_live(index_dir: Path) -> tuple[Path, IO[bytes]]:
        """The live generation folder and the handle that pins it."""
        gen_dir = None
        for _attempt in range(OPEN_ATTEMPTS):
            gen_dir = current_generation(index_dir)
            pin = pin_generation(gen_dir) if gen_dir is not None else None
            if pin is not None:
                return gen_dir, pin
        if gen_dir is None:
            raise IndexMissing(f"Chưa có chỉ mục tại {index_dir}. Lập chỉ mục: {rebuild_command(index_dir)}")
        read_manifest(gen_dir)  # raises its own message when the live generation has no manifest
        raise IndexMissing(f"Chỉ mục tại {index_dir} đang bị thay liên tục; hãy thử lại. "
                           f"Nếu lỗi còn, lập lại: {rebuild_command(index_dir)}")

    @classmethod
    def _open_pinned(cls, index_dir: Path, gen_dir: Path, pin: IO[bytes], model: str | None,
                     embedder: Embedder | None) -> "IndexReader":
        manifest = read_manifest(gen_dir)
        damages = check_generation(gen_dir, manifest)  # sizes only: a stat per file
        if damages:
            raise IndexDamaged(damage_message(index_dir, damages), damages)
        check_format(manifest, index_dir)
        cls._check_derived(manifest, index_dir)
        if manifest.get("mode") == "hybrid":
            if embedder is not None:
                check_model(manifest, embedder.name, embedder.query_prefix, embedder.passage_prefix, index_dir)
                stored_dim = (manifest.get("model") or {}).get("dimension")
                if embedder.dimension != stored_dim:
                    raise IndexMismatch(
                        f"Chỉ mục {index_dir} có vectơ {stored_dim} chiều, mô hình {embedder.name} cho {embedder.dimension} chiều. "
                        f"Lập lại: {rebuild_command(index_dir, embedder.name)}")
            elif model:
                spec = resolve_model(model)
                check_model(manifest, spec.name, spec.query_prefix, spec.passage_prefix, index_dir, requested=model)
        if not (gen_dir / DB_FILE).is_file():
            raise IndexMissing(f"Thiếu {gen_dir / DB_FILE}; lập lại chỉ mục: {rebuild_command(index_dir)}")
        return cls(index_dir, gen_dir, manifest, connect_read_only(gen_dir / DB_FILE), model, embedder, pin)

    @staticmethod
    def _check_derived(manifest: dict, index_dir: Path) -> None:
        """Lexical and chunking parameters stamped at build time must be the ones this code uses."""
        from indexer.store.lexical import FORMAT_VERSION as LEXICAL_FORMAT, LexicalParams

        lexical = manifest.get("lexical") or {}
        check_setting("định dạng chỉ mục từ vựng", lexical.get("format_version"), LEXICAL_FORMAT, index_dir)
        check_setting("tham số từ vựng", lexical.get("params"), json.loads(json.dumps(asdict(LexicalParams()))), index_dir)
        from indexer.structure.chunking import ChunkingParams

        check_setting("tham số cắt đoạn", manifest.get("chunking"), json.loads(json.dumps(asdict(ChunkingParams()))),
                      index_dir)

    def close(self) -> None:
        with self._lock:
            self._conn.close()
            if self._pin is not None:
                self._pin.close()  # the next build may now delete this generation if it is no longer live
                self._pin = None

    # ---- what the index is ------------------------------------------------------------------------------

    @property
    def mode(self) -> str:
        return self.manifest.get("mode", "lexical")

    @property
    def model_name(self) -> str | None:
        return (self.manifest.get("model") or {}).get("name")

    @property
    def n_rows(self) -> int:
        return int(self.manifest.get("chunks", 0))

    def _query(self, sql: str, params: Sequence = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.DatabaseError as error:
                raise self._damaged(DB_FILE, error) from error

    def _damaged(self, relative: str, error: BaseException) -> IndexDamaged:
        """The IndexDamaged that reports a file of this generation failing to load (bytes changed, sizes kept)."""
        damage = Damage(f"{self.generation_dir.name}/{relative}", f"không đọc được ({type(error).__name__}: {error})")
        return IndexDamaged(damage_message(self.index_dir, [damage]), [damage])

    # ---- chunks and documents -------------------------------------------------------------------------------

    def chunk_rows(self, rows: Sequence[int]) -> list[ChunkRow]:
        """The chunks at the given rows, in the order asked (unknown rows are an error)."""
        wanted = [int(r) for r in rows]
        found: dict[int, ChunkRow] = {}
        unique = sorted(set(wanted))
        for start in range(0, len(unique), 500):
            part = unique[start : start + 500]
            marks = ",".join("?" * len(part))
            for r in self._query(f'SELECT {_CHUNK_COLUMNS} FROM chunks c JOIN documents d ON d.doc_id = c.doc_id '
                                 f'WHERE c."row" IN ({marks})', part):
                found[r["row"]] = ChunkRow(*tuple(r))
        missing = [r for r in unique if r not in found]
        if missing:
            raise IndexError(f"rows {missing[:5]} are not in the index ({self.n_rows} rows)")
        return [found[r] for r in wanted]

    def first_row(self, doc_id: str) -> int | None:
        """Row of a document's first passage (its header), or None for an unknown document."""
        found = self._query('SELECT "row" FROM chunks WHERE doc_id = ? ORDER BY ordinal LIMIT 1', (doc_id,))
        return int(found[0][0]) if found else None

    def document_chunks(self, doc_id: str) -> list[ChunkRow]:
        """Every chunk of one document in reading order."""
        rows = self._query(f'SELECT {_CHUNK_COLUMNS} FROM chunks c JOIN documents d ON d.doc_id = c.doc_id '
                           f'WHERE c.doc_id = ? ORDER BY c.ordinal', (doc_id,))
        return [ChunkRow(*tuple(r)) for r in rows]

    def _load_documents(self) -> None:
        with self._lock:
            if self._docs is None:
                rows = self._query(f"SELECT {_DOC_INFO_COLUMNS} FROM documents ORDER BY source")
                self._row_ranges = [(r["row_start"] or 0, (r["row_start"] or 0) + (r["n_chunks"] or 0)) for r in rows]
                self._docs = [_info_from_row(r) for r in rows]

    def documents(self) -> list[DocumentInfo]:
        """All documents, ordered by source."""
        self._load_documents()
        return list(self._docs or [])

    def document(self, doc_id: str) -> DocumentInfo | None:
        rows = self._query(f"SELECT {_DOC_INFO_COLUMNS} FROM documents WHERE doc_id = ?", (doc_id,))
        return _info_from_row(rows[0]) if rows else None

    def document_text(self, doc_id: str) -> str:
        rows = self._query("SELECT text FROM documents WHERE doc_id = ?", (doc_id,))
        if not rows:
            raise KeyError(f"no document {doc_id!r} in the index")
        return rows[0]["text"]

    def pages(self, doc_id: str) -> list[PageSpan]:
        rows = self._query("SELECT pages FROM documents WHERE doc_id = ?", (doc_id,))
        return [PageSpan(**p) for p in json.loads(rows[0]["pages"] or "[]")] if rows else []

    def signatures(self, doc_id: str) -> list[SignatureBlock]:
        rows = self._query("SELECT signatures FROM documents WHERE doc_id = ?", (doc_id,))
        return [SignatureBlock(**s) for s in json.loads(rows[0]["signatures"] or "[]")] if rows else []

    def sections(self, doc_id: str) -> list[Section]:
        rows = self._query('SELECT path, heading, level, "start", "end", body_start FROM sections '
                           "WHERE doc_id = ? ORDER BY ord", (doc_id,))
        return [Section(*tuple(r)) for r in rows]

    def files(self) -> list[dict]:
        """The files table: source, doc_id, role (primary/duplicate/skipped/failed), reason, encoding, format."""
        rows = self._query("SELECT source, doc_id, role, reason, encoding, format FROM files ORDER BY source")
        return [dict(r) for r in rows]

    def duties(self, doc_id: str | None = None, frequency: str | None = None) -> list[Duty]:
        """Stored duties (all, or of one document / one frequency), in document and sentence order."""
        where, params = [], []
        if doc_id is not None:
            where.append('"doc_id" = ?')
            params.append(doc_id)
        if frequency is not None:
            where.append('"frequency" = ?')
            params.append(frequency)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        # A generation built before a field was added to Duty lacks that column: the field reads as None.
        stored = {r["name"] for r in self._query("PRAGMA table_info(duties)")}
        columns = ", ".join(f'"{name}"' for name in DUTY_FIELDS if name in stored)
        rows = self._query(f"SELECT {columns} FROM duties {clause} ORDER BY doc_id, ord", params)
        blank = dict.fromkeys(DUTY_FIELDS)
        return [Duty(**{**blank, **dict(r)}) for r in rows]

    # ---- retrieval structures ---------------------------------------------------------------------------

    def row_filter(self, filters: dict | None) -> np.ndarray | None:
        """Boolean mask over rows for year/date range, issuer, place and doc_type filters; None when no filter."""
        self._load_documents()
        return row_mask(self._docs or [], self._row_ranges or [], self.n_rows, filters)

    def lexical(self):
        """The lexical index (indexer.store.lexical.LexicalIndex), loaded once."""
        with self._lock:
            if self._lexical is None:
                from indexer.store.lexical_positions import load_lexical

                try:
                    self._lexical = load_lexical(self.generation_dir / LEXICAL_DIR, self.n_rows, check_lexical_shapes)
                except (OSError, ValueError, KeyError, TypeError, IndexMissing) as error:
                    raise self._damaged(LEXICAL_DIR, error) from error
            return self._lexical

    def context_index(self):
        """The document-context field (indexer.store.context_index.DocumentContextIndex), or None if not built."""
        with self._lock:
            if not self._context_loaded:
                from indexer.store.context_index import CONTEXT_DIR, DocumentContextIndex

                try:
                    self._context = DocumentContextIndex.load(self.generation_dir / LEXICAL_DIR / CONTEXT_DIR)
                    if self._context is not None:
                        check_lexical_shapes(self._context.lexical, len(self.documents()))
                except (OSError, ValueError, KeyError, TypeError, IndexMissing) as error:
                    raise self._damaged(f"{LEXICAL_DIR}/{CONTEXT_DIR}", error) from error
                self._context_loaded = True
            return self._context

    def dense_index(self):
        """The FAISS index (row i = chunk row i), or None for a lexical-only index."""
        if self.mode != "hybrid":
            return None
        with self._lock:
            if self._dense is None:
                from indexer.store.ann import read_dense_index

                path = self.generation_dir / DENSE_FILE
                if not path.is_file():
                    raise IndexMissing(f"Thiếu {path}; lập lại chỉ mục: {rebuild_command(self.index_dir)}")
                try:  # FAISS raises RuntimeError ("Error in … read") on a damaged file
                    self._dense = read_dense_index(path)
                    if self._dense.ntotal != self.n_rows:
                        raise ValueError(f"{self._dense.ntotal} vectơ, lẽ ra {self.n_rows}")
                except (RuntimeError, ValueError) as error:
                    raise self._damaged(DENSE_FILE, error) from error
            return self._dense

    def embedder(self) -> Embedder | None:
        """The query-side embedder of a hybrid index (None for lexical); ModelUnavailable when it is not on this machine."""
        if self.mode != "hybrid":
            return None
        with self._lock:
            if self._embedder is None:
                self._embedder = self._load_embedder()
            return self._embedder

    def _load_embedder(self) -> Embedder:
        from indexer.embed.embedders import SentenceTransformerEmbedder

        stored = self.manifest.get("model") or {}
        if self._requested_model:
            candidates = [self._requested_model]
        else:
            # The folder it was built from if it is still there, else the hub name in the local cache.
            candidates = [c for c in (stored.get("location"), stored.get("name")) if c]
        last_error: ModelUnavailable | None = None
        for candidate in dict.fromkeys(candidates):
            spec = resolve_model(candidate)
            if spec.name != stored.get("name"):
                continue
            try:
                embedder = SentenceTransformerEmbedder.load(spec)
            except ModelUnavailable as error:
                last_error = error
                continue
            if embedder.dimension != stored.get("dimension"):
                raise IndexMismatch(
                    f"Mô hình {spec.name} tại {spec.location} cho vectơ {embedder.dimension} chiều, chỉ mục cần "
                    f"{stored.get('dimension')}. Lập lại: {rebuild_command(self.index_dir, candidate)}")
            return embedder
        if last_error is not None:
            raise last_error
        from indexer.embed.embedders import unavailable_message

        raise ModelUnavailable(unavailable_message(str(stored.get("name"))))
