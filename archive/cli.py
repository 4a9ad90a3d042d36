"""The archive's commands: ``search``, ``history``, ``stats`` and ``serve``.

``scraper.cli`` adds them to the ``blog-archive`` group, which prints any ``ClickException`` as
one ``blog-archive: error:`` line with its exit code. These commands only read an archive, so a
missing ``--db`` is an error, never a new empty archive.
"""

from __future__ import annotations

import json
import socket
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from archive.search import SearchQueryError
from archive.store import Archive, ArchiveError, NotAnArchiveError

#: The exit codes of the ``blog-archive`` command line (see scraper/cli.py's ExitCode).
EXIT_USAGE = 2
EXIT_CANNOT_START = 4

#: More hits than any archive holds, and small enough for SQLite's 64-bit LIMIT.
MAX_LIMIT = 1_000_000

_db_option = click.option(
    "--db", type=click.Path(dir_okay=False, path_type=Path), default="archive.db",
    show_default=True, help="The archive to read.",
)
_json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead.")


class ArchiveCommandError(click.ClickException):
    """A one-line failure with the command line's exit code for it."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


@contextmanager
def existing_archive(db: Path) -> Iterator[Archive]:
    """Open ``db`` if it is an archive: opening creates and migrates a database, which a
    read must never do to a missing file or to another application's database."""
    if not db.exists():
        raise ArchiveCommandError(f"no archive at {db}", EXIT_USAGE)
    try:
        archive = Archive.open(db, empty_ok=False)
    except NotAnArchiveError as error:
        raise ArchiveCommandError(str(error), EXIT_USAGE) from None
    except ArchiveError as error:
        raise ArchiveCommandError(str(error), EXIT_CANNOT_START) from None
    try:
        yield archive
    except sqlite3.DatabaseError as error:  # a damaged file: "database disk image is malformed"
        raise ArchiveCommandError(f"cannot read {db}: {error}", EXIT_CANNOT_START) from None
    finally:
        archive.close()


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


def one_line(text: str | None) -> str:
    return " ".join((text or "").split())


@click.command()
@click.argument("query")
@_db_option
@click.option("--limit", type=click.IntRange(min=1, max=MAX_LIMIT), default=20, show_default=True,
              help="Show at most this many hits.")
@click.option("--site", help="Only articles of this site profile.")
@_json_option
def search(query: str, db: Path, limit: int, site: str | None, as_json: bool) -> None:
    """Full-text search of the archived articles, best match first.

    Plain words must all match, stemmed ("exercise" finds "exercises"); a QUERY with
    quotes, parentheses, *, ^, : or AND/OR/NOT is SQLite FTS5 syntax, e.g. 'title:roll*'.
    """
    with existing_archive(db) as archive:
        if site is not None and site not in (known := archive.sites()):
            raise ArchiveCommandError(
                f"no site {site!r} in {db} (it holds {', '.join(known) or 'none yet'})",
                EXIT_USAGE)
        try:
            hits = archive.search(query, limit=limit, site=site)
        except SearchQueryError as error:
            raise ArchiveCommandError(str(error), EXIT_USAGE) from None
    if as_json:
        echo_json(hits)
        return
    if not hits:
        click.echo(f"no articles match {query!r}", err=True)
    for number, hit in enumerate(hits, start=1):
        gone = "" if hit["status"] == "live" else f" [{hit['status']}]"
        date = f" ({hit['published'][:10]})" if hit["published"] else ""
        click.echo(f"{number}. {one_line(hit['title']) or '(no title)'}{date}{gone}")
        click.echo(f"   {hit['url']}")
        click.echo(f"   {one_line(hit['snippet'])}")


@click.command()
@click.argument("url")
@_db_option
@_json_option
def history(url: str, db: Path, as_json: bool) -> None:
    """The versions of the article at URL: when each was captured and what changed."""
    with existing_archive(db) as archive:
        try:
            versions = archive.history(url)
        except ArchiveError as error:
            raise ArchiveCommandError(str(error), EXIT_USAGE) from None
    if as_json:
        echo_json(versions)
        return
    click.echo(f"{one_line(versions[-1]['title']) or '(no title)'} — {url}")
    for version in versions:
        click.echo(f"  v{version['version']}  {version['captured_at']}  "
                   f"run {version['crawl_run_id']}  {', '.join(version['changed_columns'])}")


@click.command()
@_db_option
@_json_option
def stats(db: Path, as_json: bool) -> None:
    """What the archive holds, how complete each field is, and the last crawl runs."""
    with existing_archive(db) as archive:
        numbers = archive.stats()
    if as_json:
        echo_json(numbers)
        return
    for line in stats_lines(numbers):
        click.echo(line)


def stats_lines(numbers: dict[str, Any]) -> Iterator[str]:
    articles = numbers["articles"]
    yield (f"Articles: {articles['total']} ({articles['live']} live, {articles['gone']} gone, "
           f"{articles['redirected']} redirected)")
    yield (f"Teasers: {numbers['teasers']} · Versions: {numbers['versions']} · "
           f"Runs: {numbers['runs']} · Fetches: {numbers['fetches']}")
    yield "Field coverage (share of live articles that have it):"
    for name, share in numbers["coverage"].items():
        yield f"  {name:<18} {'n/a' if share is None else f'{share:.0%}':>5}"
    yield "Last runs, newest first:"
    for run in numbers["last_runs"]:
        yield f"  {run_line(run)}"


def run_line(run: dict[str, Any]) -> str:
    line = f"#{run['id']} {run['started_at']} {run['site']} ({run['trigger']}) {run['status']}"
    if run["pages_fetched"] is None:
        return line
    return (f"{line}: {run['pages_fetched']} pages — {run['new']} new, {run['changed']} changed,"
            f" {run['unchanged']} unchanged, {run['not_modified']} not modified, "
            f"{run['gone']} gone, {run['redirected']} redirected, {run['errors']} errors")


@click.command()
@_db_option
@click.option("--port", type=click.IntRange(0, 65535), default=8001, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
def serve(db: Path, port: int, host: str) -> None:
    """Browse and search the archive in Datasette, until Ctrl-C."""
    with existing_archive(db):
        pass  # brings an older archive's schema up to date before Datasette reads it
    address = f"[{host}]" if ":" in host else host
    try:
        listener = socket.create_server(
            (host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    except OSError as error:
        raise ArchiveCommandError(f"cannot listen on {address}:{port}: {error.strerror or error}",
                                  EXIT_CANNOT_START) from None
    click.echo(f"Serving {db} at http://{address}:{listener.getsockname()[1]}/ (Ctrl-C to stop)")
    import uvicorn  # Datasette and uvicorn load only to serve: the other commands start fast

    from archive.metadata import archive_datasette

    server = uvicorn.Server(uvicorn.Config(
        archive_datasette(db).app(), log_level="warning", lifespan="on"))
    with listener:
        server.run(sockets=[listener])
