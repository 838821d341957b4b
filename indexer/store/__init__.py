"""Storing: SQLite store and writes, index generations, manifest, lexical (BM25) index, ANN (FAISS), filters."""
