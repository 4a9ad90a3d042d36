"""One writer per archive: an advisory lock beside the database file.

SQLite would serialise two crawls' writes, but two crawls interleaving their runs, versions and
fetch records would still make a confusing archive; the second scheduled job should instead
stop at once and say why. ``flock`` is released by the kernel when the process dies, so a
killed crawl never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType
from typing import IO

from archive.store import ArchiveError


class ArchiveLockedError(RuntimeError):
    """Another process holds the archive's lock."""


class ArchiveLock:
    def __init__(self, db_path: str | Path):
        self.path = Path(f"{db_path}.lock")
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock or raise ``ArchiveLockedError``; ``ArchiveError`` when the lock file
        cannot be opened at all (a directory in its place, another user's file)."""
        try:
            handle = self.path.open("a+")
        except OSError as error:
            raise ArchiveError(
                f"cannot lock the archive with {self.path}: {error.strerror or error}") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise ArchiveLockedError(
                f"another crawl (pid {holder}) is writing to {self.path.name[:-5]}; "
                "try again when it has finished"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def __enter__(self) -> ArchiveLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
