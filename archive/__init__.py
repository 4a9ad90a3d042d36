"""The SQLite archive: schema and migrations, change-only writes, search, history, stats."""

from archive.search import SearchQueryError
from archive.store import Archive, ArchiveError, NotAnArchiveError

__all__ = ["Archive", "ArchiveError", "NotAnArchiveError", "SearchQueryError"]
