"""Write one table of the archive as JSON, JSON Lines or CSV.

SQLite itself renders each JSON row (``json_object``), so a row never becomes a Python dict on
its way out: exports outrun ``sqlite-utils rows`` while nesting each article's teasers.
The teasers come from a second cursor in the same order and are merged in as the rows pass,
so memory stays flat. The archive is read with the standard library's ``sqlite3``: an export
is plain SQL, and without sqlite-utils (and the numpy it loads) a scheduled export starts in
a tenth of a second. Output to a file goes to a temporary file renamed over the target only
once complete: a killed export never leaves a truncated file under the name the user asked
for. A stream (stdout, a FIFO, a terminal, ``/dev/null``) is written into, never replaced, and
the files SQLite keeps beside a database are refused. CSV text that a spreadsheet would run as
a formula is neutralised by default, as OWASP's CSV injection rule asks.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
import sqlite3
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import IO

from exports.tables import (
    ExportError,
    TableSpec,
    UnreadableArchiveError,
    columns,
    parse_since,
    select,
    table_spec,
)

FORMATS = ("json", "jsonl", "csv")


def write_export(db_path: str | Path, out: str | Path, format: str, *,
                 table: str = "articles", since: str | None = None, site: str | None = None,
                 compress: bool = False, escape_formulas: bool = True) -> int:
    """Export ``table`` of the archive at ``db_path`` to ``out`` (``-``: stdout); returns the
    number of rows written. Raises ``ExportError`` for anything the user can correct.

    ``out`` naming a FIFO, a character device or one of this process's descriptors
    (``/dev/stdout``, ``/dev/fd/3``) is written into as a stream; any other path is replaced
    atomically. A CSV text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
    return gets a leading ``'`` so a spreadsheet shows it rather than running it, unless
    ``escape_formulas`` is false (for tools that need the raw text)."""
    if format not in FORMATS:
        raise ExportError(f"unknown format {format!r} (choose from {', '.join(FORMATS)})")
    spec = table_spec(table)
    since_text = parse_since(since)
    if not Path(db_path).is_file():
        raise ExportError(f"no archive at {db_path}")
    if str(out) != "-":
        _refuse_database_files(Path(out), Path(db_path))
    upgrade_if_older(db_path)
    db = sqlite3.connect(db_path)
    try:
        with output(out, compress) as stream:
            if format == "csv":
                return _write_csv(db, spec, since_text, site, stream, escape_formulas)
            lines = _json_lines(db, spec, since_text, site)
            try:
                return (_write_array if format == "json" else _write_lines)(lines, stream)
            finally:
                lines.close()
    except sqlite3.DatabaseError as error:
        raise unreadable_error(db_path, error) from None
    except BrokenPipeError:
        raise  # the reader of stdout stopped (``| head``): the command ends quietly
    except OSError as error:  # a full disk, a file-size limit: the target is left untouched
        raise ExportError(f"cannot write {out}: {error.strerror or error}") from None
    finally:
        db.close()


#: The column the newest migration that exports read added (m016, read by the WACZ export):
#: an archive without it was written by an older release. Move it when a migration adds a
#: column exports read.
_NEWEST_COLUMN = ("fetches", "warc_path")


def upgrade_if_older(db_path: str | Path) -> None:
    """Bring an archive written by an older release up to date in place, as every other
    command does when it opens one, before SQL that reads its newest columns runs. Only
    then are sqlite-utils and the migrations imported: a current archive costs one PRAGMA."""
    table, column = _NEWEST_COLUMN
    try:
        with closing(sqlite3.connect(db_path)) as db:
            names = {name for (name,) in db.execute(
                "select name from pragma_table_info(?)", [table])}
    except sqlite3.DatabaseError as error:
        raise unreadable_error(db_path, error) from None
    if not names or column in names:
        return  # current, or not an archive at all (the export says so)
    from archive import Archive, ArchiveError, NotAnArchiveError

    try:
        Archive.open(db_path).close()
    except NotAnArchiveError as error:
        raise ExportError(str(error)) from None
    except ArchiveError as error:
        raise UnreadableArchiveError(str(error)) from None


def unreadable_error(db_path: str | Path, error: sqlite3.DatabaseError) -> ExportError:
    """A file that is no SQLite database is the wrong ``--db``; any other database error
    (a damaged page, a lock, an I/O error) means the archive cannot be read."""
    if error.sqlite_errorname == "SQLITE_NOTADB":
        return ExportError(f"{db_path} is not a blog-archive archive ({error})")
    return UnreadableArchiveError(f"cannot read {db_path}: {error}")


def _write_lines(lines: Iterator[bytes], stream: IO[bytes]) -> int:
    count = 0
    for line in lines:
        stream.write(line)
        count += 1
    return count


def _write_array(objects: Iterator[bytes], stream: IO[bytes]) -> int:
    """A JSON array laid out as ``sqlite-utils rows`` prints it: one object per line."""
    count = 0
    for text in objects:
        stream.write((b"[" if count == 0 else b",\n ") + text.rstrip(b"\n"))
        count += 1
    stream.write(b"]\n" if count else b"[]\n")
    return count


def _json_lines(db: sqlite3.Connection, spec: TableSpec, since: str | None,
                site: str | None) -> Iterator[bytes]:
    names = columns(db, spec)
    pairs = [f"'{name}', {_json_value(spec, name)}" for name in names]
    pairs += [f"'{alias}', {expr}" for expr, alias in (_split_alias(e) for e in spec.extra)]
    row_object = _utf8(f"json_object({', '.join(pairs)})")
    if spec.table != "articles":
        sql, params = select(spec, since=since, site=site, select_list=row_object)
        for (text,) in db.execute(sql, params):
            yield text + b"\n"
        return
    sql, params = select(spec, since=since, site=site, select_list=f"x.id, {row_object}")
    rows = db.execute(sql, params)
    teasers = _teaser_objects(db, spec, since, site)
    try:
        pending = next(teasers, None)
        for article_id, text in rows:
            nested = []
            while pending is not None and pending[0] == article_id:
                nested.append(pending[1])
                pending = next(teasers, None)
            yield b"%s,\"teasers\":[%s]}\n" % (text[:-1], b",".join(nested))
    finally:
        teasers.close()


def _teaser_objects(db: sqlite3.Connection, spec: TableSpec, since: str | None,
                    site: str | None) -> Iterator[tuple[int, bytes]]:
    """(article id, teaser JSON) in the articles' export order, then by position."""
    teasers = table_spec("teasers")
    names = [name for name in columns(db, teasers) if name != "article_id"]
    pairs = ", ".join(f"'{name}', x.{name}" for name in names)
    sql, params = select(teasers, since=since, site=site,
                         select_list=f"x.article_id, {_utf8(f'json_object({pairs})')}")
    yield from db.execute(sql, params)


def _json_value(spec: TableSpec, name: str) -> str:
    return f"json(x.{name})" if name in spec.json_columns else f"x.{name}"


def _utf8(expression: str) -> str:
    """``expression`` as the UTF-8 bytes SQLite stores it in, not as a ``str``: the bytes go
    straight to the file, where decoding every row and encoding it back cost a third of an
    export's time."""
    return f"cast({expression} as blob)"


def _split_alias(expression: str) -> tuple[str, str]:
    expr, _, alias = expression.rpartition(" as ")
    return expr, alias


def _write_csv(db: sqlite3.Connection, spec: TableSpec, since: str | None,
               site: str | None, stream: IO[bytes], escape_formulas: bool) -> int:
    """RFC 4180 rows with a header: text always quoted (so an empty string and NULL, an empty
    field, stay apart), numbers bare, JSON columns as JSON text. SQLite renders each line, as
    it renders JSON rows, so no field passes through Python's csv module one by one."""
    names = columns(db, spec)
    extras = [_split_alias(e) for e in spec.extra]
    fields = [_csv_field(expression, escape_formulas)
              for expression in [f"x.{name}" for name in names] + [e for e, _ in extras]]
    sql, params = select(spec, since=since, site=site,
                         select_list=_utf8(" || ',' || ".join(fields)))
    header = io.StringIO()
    csv.writer(header, lineterminator="\r\n").writerow(names + [a for _, a in extras])
    stream.write(header.getvalue().encode())
    count = 0
    for (line,) in db.execute(sql, params):
        stream.write(line + b"\r\n")
        count += 1
    return count


#: What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection"): = + - @, a tab
#: and a carriage return, as SQL literals.
_FORMULA_STARTS = "'=', '+', '-', '@', char(9), char(13)"


def _csv_field(expression: str, escape_formulas: bool) -> str:
    """One CSV field. Text that would start a formula gets a leading ``'``, which a
    spreadsheet shows as text; numbers are stored as numbers, so ``-3`` is left a number."""
    text = f"replace({expression}, '\"', '\"\"')"
    if escape_formulas:
        text = (f"(case when substr({expression}, 1, 1) in ({_FORMULA_STARTS}) "
                f"then '''' else '' end) || {text}")
    return (f"(case when {expression} is null then '' "
            f"when typeof({expression}) in ('integer', 'real') then cast({expression} as text) "
            f"else '\"' || {text} || '\"' end)")


@contextmanager
def output(out: str | Path, compress: bool) -> Iterator[IO[bytes]]:
    """A byte stream onto ``out``: stdout for ``-``; the stream itself for a FIFO, a
    character device or a descriptor of this process; else a temporary file in the target's
    folder, renamed over the target only when the whole export was written."""
    if str(out) == "-":
        with _compressed(sys.stdout.buffer, compress) as stream:
            yield stream
        sys.stdout.buffer.flush()
        return
    target = Path(out)
    stream_fd = _stream_descriptor(target)
    if stream_fd is not None:
        with open(stream_fd, "wb") as handle, _compressed(handle, compress) as stream:
            yield stream
        return
    try:
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 — closed below, renamed or removed
            "wb", dir=target.parent, prefix=f".{target.name}.", suffix=".part", delete=False)
    except OSError as error:
        raise ExportError(f"cannot write {target}: {error.strerror or error}") from None
    try:
        with handle:
            os.fchmod(handle.fileno(), _mode_for(target))
            with _compressed(handle, compress) as stream:
                yield stream
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, target)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


#: Names of a descriptor this process already has open: its stdout is written into as it
#: is (appended to after ``>>``, say), not reopened or replaced by a file.
_DESCRIPTOR_PATH = re.compile(r"/dev/(?:std(?P<std>out|err)|fd/(?P<fd>\d+))"
                              r"|/proc/(?:self|thread-self|(?P<pid>\d+))/fd/(?P<proc_fd>\d+)")


def _stream_descriptor(target: Path) -> int | None:
    """A descriptor to write the export into when ``target`` is a stream rather than a file
    to replace; None for a regular file or a new one. A rename over ``/dev/stdout`` or a FIFO
    would replace it with a regular file, and no rename can replace a device."""
    named = _DESCRIPTOR_PATH.fullmatch(os.path.abspath(target))
    if named and named["pid"] in (None, str(os.getpid())):
        std = named["std"]
        return os.dup({"out": 1, "err": 2}[std] if std else int(named["fd"] or named["proc_fd"]))
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return None  # a new file, or a path the temporary file's creation reports on
    if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode):
        return os.open(target, os.O_WRONLY)
    if stat.S_ISREG(mode):
        return None
    kind = "a directory" if stat.S_ISDIR(mode) else "a block device" if stat.S_ISBLK(mode) \
        else "a socket" if stat.S_ISSOCK(mode) else "not a file"
    raise ExportError(f"cannot write {target}: it is {kind}")


#: Files SQLite keeps beside a database ``X`` as ``X-wal`` etc. (and the lock an older
#: release kept as ``X.lock``): an export renamed over one of them while the database is in
#: use makes every reader fail ("disk I/O error") or loses committed writes.
_DATABASE_FILES = {"-wal": "write-ahead log", "-shm": "shared-memory index",
                   "-journal": "rollback journal", ".lock": "lock file"}


def _refuse_database_files(target: Path, db_path: Path) -> None:
    """``ExportError`` when ``target`` is the archive itself, one of the files SQLite keeps
    beside it (by name or through a link), or one of those of any other SQLite database."""
    if target.exists() and target.samefile(db_path):
        raise ExportError(f"--out {target} is the archive itself")
    for suffix, kind in _DATABASE_FILES.items():
        for database in (str(db_path), os.path.realpath(db_path)):
            if _same_file(target, Path(f"{database}{suffix}")):
                raise _database_file_error(target, kind, db_path)
        for path in {os.path.abspath(target), os.path.realpath(target)}:
            if path.endswith(suffix) and _is_sqlite(path[:-len(suffix)]):
                raise _database_file_error(target, kind, path[:-len(suffix)])


def _same_file(target: Path, other: Path) -> bool:
    if os.path.realpath(target) == os.path.realpath(other):
        return True
    return target.exists() and other.exists() and target.samefile(other)


def _database_file_error(target: Path, kind: str, database: str | Path) -> ExportError:
    return ExportError(f"--out {target} is the {kind} of the SQLite database {database}; "
                       "writing it would break that database")


def _is_sqlite(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def _mode_for(target: Path) -> int:
    """The permissions the export gets: those of the file it replaces, else what the umask
    gives a new file. A temporary file is created private (0600), and a scheduled export
    that another user reads (a web server, a sync job) must not become unreadable."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextmanager
def _compressed(binary: IO[bytes], compress: bool) -> Iterator[IO[bytes]]:
    """``binary`` itself, or a gzip stream onto it when ``compress``."""
    if not compress:
        yield binary
        return
    # mtime=0 and no file name in the header: a gzip export of the same rows is the same bytes
    with gzip.GzipFile(fileobj=binary, mode="wb", mtime=0, filename="") as stream:
        yield stream
