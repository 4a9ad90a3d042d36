"""Exports of the archive as JSON, JSON Lines and CSV, streamed and written atomically."""

from exports.tables import TABLES, ExportError, UnreadableArchiveError
from exports.writer import FORMATS, write_export

__all__ = ["FORMATS", "TABLES", "ExportError", "UnreadableArchiveError", "write_export"]
