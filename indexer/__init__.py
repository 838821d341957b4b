"""Documents in, index out: read → normalise → structure → chunk → duties → embed → store."""
from __future__ import annotations

__all__ = ["build_index"]


def build_index(*args, **kwargs):
    """build_index(paths, index_dir, model=None | name | path) -> BuildReport (see indexer.build)."""
    from indexer.build import build_index as _build_index

    return _build_index(*args, **kwargs)
