"""Index in, answers out: understand the query → retrieve (lexical + dense) → fuse → answer with citations."""
from __future__ import annotations

__all__ = ["Searcher"]


def __getattr__(name: str):
    if name == "Searcher":
        from search.retrieve.searcher import Searcher

        return Searcher
    raise AttributeError(name)
