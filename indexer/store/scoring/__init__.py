"""Per-query scoring loops of the lexical search: numba-compiled kernels (compiled.py) and BM25 top-k (bm25.py)."""
