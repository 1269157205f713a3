"""One base error and a few precise subclasses; the CLI and the bot turn them into messages."""

from __future__ import annotations


class WhosaidError(Exception):
    """Base class for every error whosaid raises on purpose."""


class ArticleError(WhosaidError):
    """An article file could not be read; carries the path and, where known, the line."""

    def __init__(self, path: str, reason: str, line: int | None = None) -> None:
        self.path = path
        self.reason = reason
        self.line = line
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {reason}")


class IndexMissingError(WhosaidError):
    """There is no index yet in the data folder."""


class IndexMismatchError(WhosaidError):
    """The index was built with another model or other passage settings."""


class IndexCorruptError(WhosaidError):
    """The index failed an integrity check."""


class IndexBusyError(WhosaidError):
    """Another process holds the writer lock."""


class ModelLoadError(WhosaidError):
    """The embedding model or the spaCy pipeline could not be loaded."""


class QuestionError(WhosaidError):
    """A question that cannot be answered as asked (empty, too long...)."""


class UploadError(WhosaidError):
    """An uploaded article file was refused (name, size, encoding or format); says why."""
