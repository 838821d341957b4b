"""What the web app (ui_streamlit.py) uses from the stages, in one place: the UI imports only `indexer`,
`indexer.errors`, `indexer.settings`, `search`, `search.ui_support`, `search.reading` and this module
(tests/test_import_graph.py checks it), so the folders behind them can change without touching the UI."""
from __future__ import annotations

from indexer.store.filters import compile_filters
from indexer.store.generations import current_generation
from search.answer.calendar import dated, duties_to_ics, in_calendar
from search.answer.compose import ask
from search.answer.llm import LLMClient
from search.cli.answer import select_duties
from search.duty_view import DUTY_VIEW_COLUMNS, duty_table, filter_duties, next_due
from search.precedents import PrecedentFinder, draft_profile, load_plans


def open_index(index_dir):
    """Searcher.open(index_dir), then load the files it would otherwise read at the first search (the vectors, the
    document-context field, the documents table), so a damaged index raises its IndexDamaged (a TracuuError that
    names the file and the repair) where the app shows errors with its rebuild button, never mid-search."""
    from search import Searcher

    searcher = Searcher.open(index_dir)
    try:
        searcher.reader.dense_index()
        searcher.reader.context_index()
        searcher.documents()
    except BaseException:
        searcher.reader.close()
        raise
    return searcher

__all__ = ["DUTY_VIEW_COLUMNS", "LLMClient", "PrecedentFinder", "ask", "compile_filters", "current_generation", "dated",
           "draft_profile", "duties_to_ics", "duty_table", "filter_duties", "in_calendar", "load_plans", "next_due",
           "open_index", "select_duties"]
