"""The archive's errors, apart from the code that raises them: the lock and the store both do."""


class ArchiveError(Exception):
    """The archive cannot be opened, or holds nothing for what was asked; one line."""


class NotAnArchiveError(ArchiveError):
    """The file is something else (not SQLite, or another application's database)."""
