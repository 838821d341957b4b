"""The HTTP JSON API of `tracuu serve`: `create_app(settings)` gives the FastAPI app (search/api/app.py lists the
endpoints); `SearcherHolder` keeps its Searcher on the live index generation (search/api/holder.py)."""
from __future__ import annotations

from search.api.app import create_app
from search.api.holder import SearcherHolder

__all__ = ["SearcherHolder", "create_app"]
