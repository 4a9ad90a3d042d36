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

from archive.errors import CommandFailed, ExitCode
from archive.search import SearchQueryError
from archive.store import Archive, ArchiveError, NotAnArchiveError

#: More hits than any archive holds, and small enough for SQLite's 64-bit LIMIT.
MAX_LIMIT = 1_000_000

_db_option = click.option(
    "--db", type=click.Path(dir_okay=False, path_type=Path), default="archive.db",
    show_default=True, help="The archive to read.",
)
_json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead.")


@contextmanager
def existing_archive(db: Path) -> Iterator[Archive]:
    """Open ``db`` if it is an archive: opening creates and migrates a database, which a
    read must never do to a missing file or to another application's database."""
    if not db.exists():
        raise CommandFailed(f"no archive at {db}", ExitCode.USAGE)
    try:
        archive = Archive.open(db, empty_ok=False)
    except NotAnArchiveError as error:
        raise CommandFailed(str(error), ExitCode.USAGE) from None
    except ArchiveError as error:
        raise CommandFailed(str(error), ExitCode.CANNOT_START) from None
    try:
        yield archive
    except sqlite3.DatabaseError as error:  # a damaged file: "database disk image is malformed"
        raise CommandFailed(f"cannot read {db}: {error}", ExitCode.CANNOT_START) from None
    finally:
        archive.close()


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


def one_line(text: str | None) -> str:
    return " ".join((text or "").split())


@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("query")
@_db_option
@click.option("--limit", type=click.IntRange(min=1, max=MAX_LIMIT), default=20, show_default=True,
              help="Show at most this many hits.")
@click.option("--site", help="Only articles of this site profile.")
@click.option("--order", type=click.Choice(["rank", "date"]), default="rank", show_default=True,
              help="Best match first, or newest first.")
@_json_option
def search(query: str, db: Path, limit: int, site: str | None, order: str,
           as_json: bool) -> None:
    """Full-text search of the archived articles' titles and texts, best match first.

    All words must match, inflections too ("exercise" finds "exercises", "ćwiczenie"
    finds "ćwiczenia"); punctuation stays inside a word (5:30, back-pain). Also "a phrase",
    roll*, title:roller or body:roller, -word to leave a word out, AND/OR/NOT, parentheses.
    The search box and the canned query in `serve` read a QUERY the same way.
    """
    with existing_archive(db) as archive:
        if site is not None and site not in (known := archive.sites()):
            raise CommandFailed(
                f"no site {site!r} in {db} (it holds {', '.join(known) or 'none yet'})",
                ExitCode.USAGE)
        try:
            hits = archive.search(query, limit=limit, site=site, order=order)
        except SearchQueryError as error:
            raise CommandFailed(str(error), ExitCode.USAGE) from None
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
            raise CommandFailed(str(error), ExitCode.USAGE) from None
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
@click.option("--plot", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Also draw articles per month and field coverage per run to this PNG.")
def stats(db: Path, as_json: bool, plot: Path | None) -> None:
    """What the archive holds, how complete each field is, and the last crawl runs."""
    with existing_archive(db) as archive:
        numbers = archive.stats()
        if plot is not None:
            from archive.plot import PlotUnavailableError, write_png

            try:
                write_png(archive.db, plot)
            except PlotUnavailableError as error:
                raise CommandFailed(str(error), ExitCode.USAGE) from None
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
@click.option("--setting", "settings", type=(str, str), multiple=True, metavar="NAME VALUE",
              help="A Datasette setting, e.g. --setting default_page_size 50 (repeatable).")
@click.option("--metadata", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Your own Datasette metadata (JSON), merged over the shipped metadata.")
@click.option("--plugins-dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A directory of Datasette plugins to load.")
@click.option("--template-dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A directory of Datasette templates, used before the shipped ones.")
@click.option("--open", "open_browser", is_flag=True, help="Open the archive in a browser.")
def serve(db: Path, port: int, host: str, settings: tuple[tuple[str, str], ...],
          metadata: Path | None, plugins_dir: Path | None, template_dir: Path | None,
          open_browser: bool) -> None:
    """Browse and search the archive in Datasette, until Ctrl-C."""
    with existing_archive(db):
        pass  # brings an older archive's schema up to date before Datasette reads it
    from archive.metadata import archive_datasette, datasette_settings, user_metadata

    try:
        datasette = archive_datasette(
            db, metadata=user_metadata(metadata) if metadata else None,
            settings=datasette_settings(settings), plugins_dir=plugins_dir,
            template_dir=template_dir)
    except ValueError as error:
        raise CommandFailed(str(error), ExitCode.USAGE) from None
    address = f"[{host}]" if ":" in host else host
    try:
        listener = socket.create_server(
            (host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    except OSError as error:
        raise CommandFailed(f"cannot listen on {address}:{port}: {error.strerror or error}",
                                  ExitCode.CANNOT_START) from None
    url = f"http://{address}:{listener.getsockname()[1]}/"
    click.echo(f"Serving {db} at {url} (Ctrl-C to stop)")
    import uvicorn  # Datasette and uvicorn load only to serve: the other commands start fast

    if open_browser:
        import webbrowser

        webbrowser.open(url)
    server = uvicorn.Server(uvicorn.Config(datasette.app(), log_level="warning", lifespan="on"))
    with listener:
        server.run(sockets=[listener])


@click.command()
@click.option("--redis", "redis_url", required=True, metavar="URL",
              help="The Redis server the crawler processes push to: redis://HOST:PORT/DB.")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default="archive.db",
              show_default=True, help="The archive to write.")
@click.option("--until-run-ends", "until", flag_value="run-ends",
              help="Stop once every run seen has ended (a scheduled crawl's writer).")
@click.option("--once", "until", flag_value="once",
              help="Stop once the records waiting in Redis are written.")
@click.option("--batch-size", type=click.IntRange(min=1), default=500, show_default=True,
              help="Records written per transaction.")
@click.option("--quiet", is_flag=True, help="Print nothing but errors.")
def ingest(redis_url: str, db: Path, until: str | None, batch_size: int, quiet: bool) -> None:
    """Write the archive from the records crawler processes push to Redis: the one writer of
    a crawl on many machines. Runs until stopped (SIGTERM, Ctrl-C) unless told otherwise."""
    from archive.ingest import Until, UnwritableRecordsError
    from archive.ingest import ingest as run_ingest
    from archive.lock import ArchiveLockedError
    from archive.stream import StreamLostError, StreamUnavailableError

    try:
        report = run_ingest(redis_url, db, Until(until or "forever"), batch_size=batch_size)
    except StreamLostError as error:
        raise CommandFailed(f"{error}; what was not written stays in Redis for the next start",
                            ExitCode.CANNOT_START) from None
    except ArchiveLockedError as error:
        raise CommandFailed(str(error), ExitCode.LOCKED) from None
    except NotAnArchiveError as error:
        raise CommandFailed(str(error), ExitCode.USAGE) from None
    except (StreamUnavailableError, ArchiveError) as error:
        raise CommandFailed(f"could not start: {error}", ExitCode.CANNOT_START) from None
    except (UnwritableRecordsError, sqlite3.Error) as error:
        raise CommandFailed(f"could not write {db}: {error}", ExitCode.CANNOT_START) from None
    if not quiet:
        click.echo(f"ingested {report.entries} records: {report.fetches} fetches written, "
                   f"{report.duplicates} delivered again and skipped, {report.runs_ended} "
                   f"runs ended, in {report.seconds:.1f}s")
