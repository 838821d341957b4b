"""The index folder write side: a build's changes to the new generation's SQLite (documents, chunks, files)."""
from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict
from collections.abc import Sequence as SequenceABC
from pathlib import Path
from typing import Sequence

from indexer.embed.embed_cache import text_hash
from indexer.model import Document, indexed_text
from indexer.store.reader import CHUNKS_DDL, CHUNKS_INDEX, DUTY_FIELDS, SCHEMA, connect_read_only
from indexer.store.manifest import FORMAT_VERSION

_DOC_TABLES = ("chunks", "sections", "doc_references", "duties")
LIVE_ROLES = ("primary", "duplicate")


# Metadata read off a document (title, issuer, a section heading, a reference, a recipient) is one line of it, and a
# line of a text without line breaks is the whole text: each such value is stored clipped to this many characters.
MAX_FIELD_CHARS = 500


def clip(value):
    """A string clipped to MAX_FIELD_CHARS (ending in "…" when cut); anything else unchanged."""
    if isinstance(value, str) and len(value) > MAX_FIELD_CHARS:
        return value[: MAX_FIELD_CHARS - 1] + "…"
    return value


def _clips(values) -> list:
    return [clip(v) for v in values]


def schema_signature() -> dict[str, str]:
    """What a stored database must agree on to be copied forward instead of rebuilt."""
    return {"format_version": str(FORMAT_VERSION), "duty_fields": json.dumps(list(DUTY_FIELDS))}


def compatible_database(db_path: Path) -> bool:
    """True when db_path exists and was written with this code's format and Duty fields."""
    if not Path(db_path).is_file():
        return False
    try:
        conn = connect_read_only(db_path)
        try:
            stored = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return False
    return all(stored.get(k) == v for k, v in schema_signature().items())


class StoreWriter:
    """Writes one generation's SQLite; the folder is thrown away if the build dies, so durability comes at the end."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = Path(db_path)
        self.conn = sqlite3.connect(str(self.db_path))
        self.conn.row_factory = sqlite3.Row
        # No disk journal and no per-commit fsync: a half-written generation is never made live;
        # the finished folder is fsync'd as a whole before CURRENT points at it.
        self.conn.execute("PRAGMA journal_mode=MEMORY")
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.executescript(SCHEMA)
        with self.conn:
            self.conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", schema_signature().items())

    def commit(self) -> None:
        self.conn.commit()

    def close(self) -> None:
        self.conn.commit()
        self.conn.close()

    # ---- files --------------------------------------------------------------------------------------------

    def file_rows(self) -> dict[str, dict]:
        rows = self.conn.execute("SELECT source, size, mtime_ns, sha256, doc_id, role, reason, encoding, format FROM files")
        return {r["source"]: dict(r) for r in rows}

    def file_row(self, source: str) -> dict | None:
        row = self.conn.execute("SELECT source, size, mtime_ns, sha256, doc_id, role, reason, encoding, format "
                                "FROM files WHERE source = ?", (source,)).fetchone()
        return dict(row) if row else None

    def put_file(self, source: str, *, size: int, mtime_ns: int, sha256: str | None, doc_id: str | None, role: str,
                 reason: str | None = None, encoding: str | None = None, format: str | None = None) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO files (source, size, mtime_ns, sha256, doc_id, role, reason, encoding, format) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (source, size, mtime_ns, sha256, doc_id, role, reason, encoding, format))

    def touch_file(self, source: str, size: int, mtime_ns: int) -> None:
        """Same content, new timestamp (e.g. copied back): remember the stat so the hash is not recomputed next time."""
        self.conn.execute("UPDATE files SET size = ?, mtime_ns = ? WHERE source = ?", (size, mtime_ns, source))

    def rename_file(self, old: str, new: str, size: int, mtime_ns: int) -> None:
        """The same content under a new source name: move its files row and its document's source (no re-reading)."""
        self.conn.execute("UPDATE files SET source = ?, size = ?, mtime_ns = ? WHERE source = ?",
                          (new, size, mtime_ns, old))
        self.conn.execute("UPDATE documents SET source = ? WHERE source = ?", (new, old))
        self.conn.execute("UPDATE files SET reason = ? WHERE role = 'duplicate' AND reason = ?",
                          (duplicate_reason(new), duplicate_reason(old)))

    def delete_file(self, source: str) -> None:
        self.conn.execute("DELETE FROM files WHERE source = ?", (source,))

    # ---- documents ----------------------------------------------------------------------------------------

    def doc_owner(self, doc_id: str) -> str | None:
        row = self.conn.execute("SELECT source FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return row["source"] if row else None

    def delete_document(self, doc_id: str) -> None:
        for table in _DOC_TABLES:
            self.conn.execute(f"DELETE FROM {table} WHERE doc_id = ?", (doc_id,))
        self.conn.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))

    def put_document(self, doc: Document) -> None:
        """Store a document with its chunks, sections, references and duties (replacing any earlier copy)."""
        self.delete_document(doc.doc_id)
        s = doc.structure
        self.conn.execute(
            "INSERT INTO documents (doc_id, source, format, encoding, doc_type, doc_number, title, issuer, place, date, "
            "year, issuers, signers, signatures, recipients, refs, pages, body_start, body_end, row_start, n_chunks, text) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)",
            (doc.doc_id, doc.source, doc.format, doc.encoding, clip(s.doc_type), clip(s.doc_number), clip(s.title),
             clip(doc.issuer), clip(s.place), clip(s.date), s.year, _json(_clips(s.issuers)),
             _json(_clips([sig.name for sig in s.signatures])),
             _json([{k: clip(v) for k, v in asdict(sig).items()} for sig in s.signatures]), _json(_clips(s.recipients)),
             _json(_clips(s.references)),
             _json([asdict(p) for p in doc.pages]), s.body_start, s.body_end, len(doc.chunks), doc.text))
        self.conn.executemany(
            'INSERT INTO chunks (chunk_id, doc_id, ordinal, section, heading, headings, "start", "end", page_start, '
            "page_end, text, text_hash, context) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(c.chunk_id, doc.doc_id, c.ordinal, c.section, c.heading, _json(list(c.headings)), c.start, c.end,
              c.page_start, c.page_end, c.text, text_hash(c.indexed_text), c.context) for c in doc.chunks])
        self.conn.executemany(
            'INSERT INTO sections (doc_id, ord, path, heading, level, "start", "end", body_start) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
            [(doc.doc_id, i, clip(sec.path), clip(sec.heading), sec.level, sec.start, sec.end, sec.body_start)
             for i, sec in enumerate(s.sections)])
        self.conn.executemany("INSERT INTO doc_references (doc_id, ord, reference) VALUES (?, ?, ?)",
                              [(doc.doc_id, i, clip(ref)) for i, ref in enumerate(s.references)])
        columns = ", ".join(f'"{name}"' for name in DUTY_FIELDS)
        marks = ", ".join("?" * (len(DUTY_FIELDS) + 1))
        self.conn.executemany(f"INSERT INTO duties (ord, {columns}) VALUES ({marks})",
                              [(i, *(getattr(d, name) for name in DUTY_FIELDS)) for i, d in enumerate(doc.duties)])

    def collect_garbage(self) -> list[str]:
        """Drop documents no file holds any more; a document whose primary file went away moves to a duplicate.

        Returns the sources promoted from duplicate to primary.
        """
        live = ", ".join(f"'{role}'" for role in LIVE_ROLES)
        orphans = [r["doc_id"] for r in self.conn.execute(
            f"SELECT doc_id FROM documents WHERE doc_id NOT IN "
            f"(SELECT doc_id FROM files WHERE doc_id IS NOT NULL AND role IN ({live}))")]
        for doc_id in orphans:
            self.delete_document(doc_id)
        promoted = []
        homeless = self.conn.execute(
            "SELECT d.doc_id FROM documents d WHERE NOT EXISTS "
            "(SELECT 1 FROM files f WHERE f.source = d.source AND f.doc_id = d.doc_id AND f.role = 'primary')").fetchall()
        for row in homeless:
            heir = self.conn.execute(
                f"SELECT source FROM files WHERE doc_id = ? AND role IN ({live}) ORDER BY source LIMIT 1",
                (row["doc_id"],)).fetchone()
            self.conn.execute("UPDATE documents SET source = ? WHERE doc_id = ?", (heir["source"], row["doc_id"]))
            self.conn.execute("UPDATE files SET role = 'primary', reason = NULL WHERE source = ?", (heir["source"],))
            # Other duplicates of this document now point at the new primary in their reason.
            self.conn.execute("UPDATE files SET reason = ? WHERE doc_id = ? AND role = 'duplicate'",
                              (duplicate_reason(heir["source"]), row["doc_id"]))
            promoted.append(heir["source"])
        return promoted

    def renumber(self) -> tuple[int, int]:
        """Give chunks rows 0..n-1 in (source, ordinal) order and record each document's row range."""
        columns = 'chunk_id, doc_id, ordinal, section, heading, headings, "start", "end", page_start, page_end, text, text_hash, context'
        prefixed = ", ".join(f"c.{col.strip()}" for col in columns.split(","))
        with self.conn:
            self.conn.execute("DROP TABLE IF EXISTS chunks_new")
            self.conn.executescript(CHUNKS_DDL.format(table="chunks_new"))
            self.conn.execute(
                f'INSERT INTO chunks_new ("row", {columns}) '
                f"SELECT ROW_NUMBER() OVER (ORDER BY d.source, c.ordinal) - 1, {prefixed} "
                f"FROM chunks c JOIN documents d ON d.doc_id = c.doc_id")
            self.conn.execute("DROP TABLE chunks")
            self.conn.execute("ALTER TABLE chunks_new RENAME TO chunks")
            self.conn.execute(CHUNKS_INDEX)
            self.conn.execute(
                'UPDATE documents SET row_start = COALESCE((SELECT MIN("row") FROM chunks c WHERE c.doc_id = documents.doc_id), 0), '
                "n_chunks = (SELECT COUNT(*) FROM chunks c WHERE c.doc_id = documents.doc_id)")
        n_docs = self.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        n_chunks = self.conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        return int(n_docs), int(n_chunks)

    def chunk_texts(self) -> "ChunkTexts":
        """Indexed texts in row order (indexer.model.indexed_text), read from SQLite slice by slice."""
        return ChunkTexts(self.conn)

    def document_headers(self) -> tuple[list[str], list[int]]:
        """(header line per document in row order, document index of every chunk row) for the context field."""
        headers: list[str] = []
        row_doc: list[int] = []
        current = None
        for doc_id, context in self.conn.execute('SELECT doc_id, context FROM chunks ORDER BY "row"'):
            if doc_id != current:
                current = doc_id
                headers.append((context or "").split("\n", 1)[0])
            row_doc.append(len(headers) - 1)
        return headers, row_doc

    def texts_for_hashes(self, hashes: Sequence[str]) -> dict[str, str]:
        wanted = set(hashes)
        found: dict[str, str] = {}
        # One pass over the table: text_hash has no index, so batched IN (...) queries each scanned every chunk
        # (quadratic: over an hour before embedding started at 1M chunks, measured by tracuu bench).
        for key, context, text in self.conn.execute("SELECT text_hash, context, text FROM chunks"):
            if key in wanted:
                found[key] = indexed_text(context, text)
        return found

    def chunk_hashes(self) -> list[str]:
        return [r[0] for r in self.conn.execute('SELECT text_hash FROM chunks ORDER BY "row"')]

    def compact(self) -> None:
        """VACUUM when a quarter of the file is free pages (many deletions carried over from earlier generations)."""
        pages = self.conn.execute("PRAGMA page_count").fetchone()[0]
        free = self.conn.execute("PRAGMA freelist_count").fetchone()[0]
        if pages and free * 4 > pages:
            self.conn.commit()
            self.conn.execute("VACUUM")


class ChunkTexts(SequenceABC):
    """What the lexical index reads per row: context (document header, heading trail) + passage, slice by slice."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.n = int(conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(self.n)
            if step != 1:
                return [self[i] for i in range(start, stop, step)]
            rows = self.conn.execute('SELECT context, text FROM chunks WHERE "row" >= ? AND "row" < ? ORDER BY "row"',
                                     (start, stop))
            return [indexed_text(r[0], r[1]) for r in rows]
        if index < 0:
            index += self.n
        if not 0 <= index < self.n:
            raise IndexError(index)
        row = self.conn.execute('SELECT context, text FROM chunks WHERE "row" = ?', (index,)).fetchone()
        return indexed_text(row[0], row[1])


def duplicate_reason(primary_source: str) -> str:
    return f"Trùng nội dung với {primary_source}; chỉ lập chỉ mục một lần."


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def stored_files(db_path: Path) -> dict[str, dict]:
    """source → the files-table row of a generation's database (what the next build compares files with)."""
    conn = connect_read_only(db_path)
    try:
        rows = conn.execute("SELECT source, size, mtime_ns, sha256, doc_id, role, reason, encoding, format FROM files")
        return {r["source"]: dict(r) for r in rows}
    finally:
        conn.close()
