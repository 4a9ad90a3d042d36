"""The SQLite archive: schema and migrations, change-only writes, search, history, stats."""

from archive.search import SearchQueryError
from archive.store import Archive, ArchiveError

__all__ = ["Archive", "ArchiveError", "SearchQueryError"]
