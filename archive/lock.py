"""One writer per archive: an advisory ``flock`` on the archive file itself.

SQLite would serialise two crawls' writes, but two crawls interleaving their runs, versions and
fetch records would still make a confusing archive (and the second would close the first's
live run as killed); the second scheduled job should instead stop at once and say why.

The lock is taken on the database file, not on a file named after its path: a symlink, a hard
link or a bind mount of the archive reaches the same inode, hence the same lock, and there is
no lock file that a command could replace or delete, or that could be left stale beside the
archive. ``flock`` is released by the kernel when the process dies, so a killed crawl never
leaves a stale lock behind either.

On Linux ``flock`` locks and the POSIX ``fcntl`` locks SQLite takes on the same file are
independent (tests/test_hostile_paths.py checks it), so holding this lock never blocks a
reader or the crawl's own writes. One POSIX rule needs care: closing *any* descriptor of a
file drops every POSIX lock the process holds on it, SQLite's included. A descriptor of the
archive is therefore closed only while no other descriptor of this process has the file open;
otherwise it is kept for the next lock of the same file, as SQLite keeps its own. (A network
file system emulates ``flock`` with POSIX locks; SQLite's WAL mode, which the archive uses,
does not work there anyway.)
"""

from __future__ import annotations

import fcntl
import os
import stat
from pathlib import Path
from types import TracebackType

from archive.errors import ArchiveError

#: (st_dev, st_ino) of the archives this process holds the lock of.
_HELD: set[tuple[int, int]] = set()
#: Descriptors of archives whose closing would have dropped SQLite's locks (see above).
_KEPT: dict[tuple[int, int], list[int]] = {}


class ArchiveLockedError(RuntimeError):
    """Another process holds the archive's lock."""


class ArchiveLock:
    def __init__(self, db_path: str | Path):
        self.path = Path(db_path)
        self._fd: int | None = None
        self._identity: tuple[int, int] | None = None

    def acquire(self) -> None:
        """Take the lock or raise ``ArchiveLockedError``; ``ArchiveError`` when the archive
        cannot be opened at all (a missing folder, a FIFO or a device in its place)."""
        fd, identity = _open(self.path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            _close(fd, identity)
            holder = _holder(identity)
            raise ArchiveLockedError(
                f"another crawl{f' (pid {holder})' if holder else ''} is writing to "
                f"{self.path.name}; try again when it has finished"
            ) from None
        self._fd, self._identity = fd, identity
        _HELD.add(identity)
        try:
            _remove_legacy_lock(self.path)
        except ArchiveLockedError:
            self.release()
            raise

    def release(self) -> None:
        if self._fd is not None and self._identity is not None:
            _HELD.discard(self._identity)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            _close(self._fd, self._identity)
            self._fd = self._identity = None

    def __enter__(self) -> ArchiveLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def locked_elsewhere(db_path: str | Path) -> bool:
    """Whether another process holds the lock of the archive at ``db_path``: a run it has
    open is alive, however old, and must not be closed as killed."""
    try:
        if _identity(os.stat(db_path)) in _HELD:
            return False
        fd, identity = _open(Path(db_path))
    except (OSError, ArchiveError):
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        _close(fd, identity)


def _open(path: Path) -> tuple[int, tuple[int, int]]:
    """A descriptor of the archive file (created empty if missing, as SQLite would) and its
    identity. Non-blocking, so a FIFO in the archive's place is refused, not waited on."""
    try:
        identity = _identity(os.stat(path))
    except OSError:
        identity = None
    if _KEPT.get(identity):
        return _KEPT[identity].pop(), identity
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_NONBLOCK, 0o644)
    except OSError as error:
        raise ArchiveError(
            f"cannot lock the archive {path}: {error.strerror or error}") from None
    status = os.fstat(fd)
    if not stat.S_ISREG(status.st_mode):
        os.close(fd)
        raise ArchiveError(f"cannot lock the archive {path}: not a regular file")
    return fd, _identity(status)


def _close(fd: int, identity: tuple[int, int]) -> None:
    """Close ``fd`` once no other descriptor of this process has its file open (an SQLite
    connection, whose POSIX locks the close would drop); until then keep it, for reuse.
    Kept descriptors of a file nothing else holds any more are closed together."""
    _KEPT.setdefault(identity, []).append(fd)
    for kept, fds in list(_KEPT.items()):
        if not _opened_elsewhere(fds, kept):
            for kept_fd in _KEPT.pop(kept):
                os.close(kept_fd)


def _opened_elsewhere(fds: list[int], identity: tuple[int, int]) -> bool:
    """Whether a descriptor of this process other than ``fds`` refers to the file
    (without ``/proc`` to tell, assume so: a descriptor kept costs little)."""
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return True
    for name in names:
        if int(name) in fds:
            continue
        try:
            if _identity(os.fstat(int(name))) == identity:
                return True
        except OSError:  # the descriptor listdir itself used, closed since
            continue
    return False


def _identity(status: os.stat_result) -> tuple[int, int]:
    return status.st_dev, status.st_ino


def _holder(identity: tuple[int, int]) -> int | None:
    """The pid holding the ``flock`` of the file, from ``/proc/locks`` (Linux), if shown."""
    dev, ino = identity
    wanted = f"{os.major(dev):02x}:{os.minor(dev):02x}:{ino}"
    try:
        with open("/proc/locks") as locks:
            for line in locks:
                fields = line.split()
                if fields[1:2] == ["FLOCK"] and fields[3:4] == ["WRITE"] and \
                        fields[5:6] == [wanted]:
                    return int(fields[4])
    except (OSError, ValueError, IndexError):
        return None
    return None


def _remove_legacy_lock(db_path: Path) -> None:
    """Releases before this one locked ``ARCHIVE.lock`` beside the archive: remove one left
    behind, unless a crawl of such a release still holds it (it must not be run over)."""
    legacy = Path(f"{db_path}.lock")
    if not legacy.is_file() or legacy.is_symlink():
        return
    try:
        fd = os.open(legacy, os.O_RDONLY)
    except OSError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise ArchiveLockedError(
            f"a crawl of an older release holds {legacy.name}; try again when it has finished"
        ) from None
    else:
        legacy.unlink(missing_ok=True)
    finally:
        os.close(fd)
