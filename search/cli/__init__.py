"""The `tracuu` command (console script `tracuu = "search.cli:main"`, also `python -m search.cli`)."""
from __future__ import annotations

from search.cli.app import build_parser, main

__all__ = ["build_parser", "main"]
