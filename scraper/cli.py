"""The ``blog-archive`` command line.

Each sub-command mirrors a Python function (``run_crawl``, ``Archive.search``, ``write_export``
...). Errors reach the user as one line on stderr with a documented exit code, never as a
traceback: a scheduled job's log must say what went wrong in words a person can act on.

Exit codes: 0 done (a bound reached too: see ``bound reached:``); 1 done, but some pages
failed or the run was interrupted; 2 bad usage; 3 another crawl holds the archive; 4 could not
start (unreachable site, a robots.txt that cannot be read, unwritable archive) or could not
write some pages; 70 an internal error (a bug).
"""

from __future__ import annotations

import importlib
import json
import os
import sqlite3
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import click

from archive.errors import CommandFailed, ExitCode
from scraper.profiles import UnknownProfileError, resolve_profile

if TYPE_CHECKING:  # Scrapy loads only for the commands that crawl: the rest start fast
    from scraper.crawl import CrawlOptions, CrawlResult, SharedCrawlResult


#: Commands defined beside the code they drive, imported only when run (or listed by
#: ``--help``): ``blog-archive export`` in a scheduled job need not load extraction first.
_COMMANDS_ELSEWHERE = {
    "extract": "scraper.extraction.cli:extract",
    "search": "archive.cli:search",
    "history": "archive.cli:history",
    "stats": "archive.cli:stats",
    "serve": "archive.cli:serve",
    "ingest": "archive.cli:ingest",
    "export": "exports.cli:export",
}


class OneLineErrors(click.Group):
    """A group that turns every error into one line on stderr and an exit code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *_COMMANDS_ELSEWHERE])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in _COMMANDS_ELSEWHERE:
            module, _, name = _COMMANDS_ELSEWHERE[cmd_name].partition(":")
            command: click.Command = getattr(importlib.import_module(module), name)
            return command
        return super().get_command(ctx, cmd_name)

    def main(self, args: Any = None, prog_name: str | None = None, **extra: Any) -> Any:
        try:
            return super().main(args, prog_name, standalone_mode=False, **extra)
        except click.exceptions.Exit as done:
            sys.exit(done.exit_code)
        except click.UsageError as error:
            _fail(error.format_message(), ExitCode.USAGE)
        except click.ClickException as error:
            _fail(error.format_message(), error.exit_code)
        except click.Abort:
            _fail("aborted", ExitCode.PAGE_ERRORS)
        except OSError as error:  # the file system refused a path: too long, no permission...
            where = f"{error.filename}: " if error.filename else ""
            _fail(f"{where}{error.strerror or error}", ExitCode.CANNOT_START)
        except Exception as error:
            if os.environ.get("BLOG_ARCHIVE_DEBUG"):
                raise
            _fail(f"internal error: {type(error).__name__}: {error} "
                  "(set BLOG_ARCHIVE_DEBUG=1 to see the traceback)", ExitCode.INTERNAL)


def _fail(message: str, code: int) -> None:
    """Print ``message`` as one line (click lists a choice's values one per line)."""
    click.echo(f"blog-archive: error: {' '.join(message.split())}", err=True)
    sys.exit(code)


@click.group(cls=OneLineErrors)
@click.version_option(package_name="blog-archive")
def cli() -> None:
    """Crawl a blog into a searchable SQLite archive; search, inspect and export it."""


def parse_settings(values: tuple[str, ...]) -> dict[str, str]:
    """``-s NAME=VALUE`` pairs, each checked to be of the type Scrapy will read it as."""
    settings: dict[str, str] = {}
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{value!r} is not NAME=VALUE", param_hint="'-s'")
        settings[name] = setting
    from scraper.crawl import check_overrides

    try:
        check_overrides(settings)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="'-s'") from None
    return settings


def check_start_url(url: str | None) -> None:
    """An http(s) URL with a host name or address, or ``BadParameter``: Scrapy would take
    ``http://`` or ``http://exa mple.com/`` and fail on the first request instead."""
    if url is None:
        return
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 — raises ValueError for a port that is not a number
    except ValueError as error:
        raise click.BadParameter(f"{url!r} is not a valid URL ({error})",
                                 param_hint="'--start-url'") from None
    if parts.scheme not in ("http", "https"):
        raise click.BadParameter(f"{url!r} is not an http(s) URL", param_hint="'--start-url'")
    if not host or any(char.isspace() for char in parts.netloc):
        raise click.BadParameter(f"{url!r} has no valid host name", param_hint="'--start-url'")


def check_profile(site: str | None, start_url: str | None) -> None:
    if site is not None and not site.strip():
        raise click.BadParameter("must name a site profile", param_hint="'--site'")
    try:
        resolve_profile(site, start_url)
    except UnknownProfileError as error:
        raise click.BadParameter(str(error), param_hint="'--site'") from None


def execute_crawl(options: CrawlOptions) -> Any:
    """Run a crawl (local: a ``CrawlResult``; on a shared frontier: a ``SharedCrawlResult``),
    turning the archive's and Scrapy's refusals into exit codes 3 and 4."""
    from archive import ArchiveError, NotAnArchiveError
    from archive.lock import ArchiveLockedError
    from scraper.crawl import (
        CaptureStoppedError,
        CrawlFailedError,
        UnwrittenFetchesError,
        run_crawl,
        run_shared_crawl,
    )
    from scraper.warc_writer import WarcError

    try:
        return run_shared_crawl(options) if options.redis_url else run_crawl(options)
    except ArchiveLockedError as error:
        raise CommandFailed(str(error), ExitCode.LOCKED) from None
    except NotAnArchiveError as error:  # a wrong --db, as for the read commands
        raise CommandFailed(f"{error}; crawl into a new file", ExitCode.USAGE) from None
    except (ArchiveError, CrawlFailedError, WarcError) as error:
        raise CommandFailed(f"could not start: {error}", ExitCode.CANNOT_START) from None
    except (CaptureStoppedError, UnwrittenFetchesError) as error:
        raise CommandFailed(str(error), ExitCode.CANNOT_START) from None


def report_shared_crawl(result: SharedCrawlResult, redis_url: str, quiet: bool) -> None:
    """One line for this process of a shared crawl; exit 1 when Redis was lost mid-crawl or
    the process was stopped before the run was over (the run stays open in Redis: the next
    ``crawl --redis`` joins it and finishes it)."""
    from archive.stream import shown_url

    if result.lost:
        raise CommandFailed(f"lost the shared frontier at {shown_url(redis_url)} mid-crawl "
                            f"({result.lost}); what was fetched is on its way to the archive, "
                            "and the next crawl --redis finishes the run", ExitCode.PAGE_ERRORS)
    if result.reason != "finished":
        raise CommandFailed(f"stopped ({result.reason}) before run {result.token} was over; "
                            "the next crawl --redis finishes it", ExitCode.PAGE_ERRORS)
    if not quiet:
        click.echo(f"run {result.token} finished: this process fetched {result.pages} pages "
                   f"in {result.seconds:.1f}s; blog-archive ingest writes the archive")


def report_crawl(result: CrawlResult, start_url: str, quiet: bool) -> None:
    """Print failures and bounds reached (stderr, even when quiet: a bound is never silent)
    and the summary (stdout); exit 4 if nothing could be fetched."""
    from scraper.bounds import bound_lines
    from scraper.progress import counts_text

    if result.run["status"] == "running":  # a second Ctrl-C: Scrapy stopped without closing
        raise CommandFailed(
            f"run {result.run['id']} was stopped before it could finish; the next run closes "
            "it and fetches again what it had not written", ExitCode.PAGE_ERRORS)
    if not result.reached_site:
        from scraper.failures import UNREACHABLE_KINDS
        from scraper.robots import FAILED_KIND_STAT, FAILED_STAT, UNREACHABLE_STAT

        stats = json.loads(result.run["stats"] or "{}")
        if stats.get(FAILED_STAT) and stats.get(FAILED_KIND_STAT) in UNREACHABLE_KINDS:
            raise CommandFailed(f"could not start: cannot reach {start_url}: "
                                f"{stats[FAILED_STAT]}", ExitCode.CANNOT_START)
        if stats.get(FAILED_STAT):
            raise CommandFailed(
                f"could not start: robots.txt could not be read ({stats[FAILED_STAT]}), which "
                "RFC 9309 reads as forbidding everything until it can be; try again later",
                ExitCode.CANNOT_START)
        if stats.get(UNREACHABLE_STAT):
            raise CommandFailed(
                f"could not start: robots.txt answered HTTP {stats[UNREACHABLE_STAT]}, which "
                "RFC 9309 reads as forbidding everything until it answers; try again later",
                ExitCode.CANNOT_START)
        if stats.get("robotstxt/forbidden"):
            raise CommandFailed(f"could not start: robots.txt forbids crawling {start_url}",
                                ExitCode.CANNOT_START)
        first_error = result.failures[0]["error"] if result.failures else "no page answered"
        raise CommandFailed(f"could not start: cannot reach {start_url}: {first_error}",
                            ExitCode.CANNOT_START)
    when = datetime.now(UTC).isoformat(timespec="seconds")  # a cron log mixes many runs
    for failure in result.failures:
        click.echo(f"failed: {failure['url']}: {failure['error']} "
                   f"(run {result.run['id']}, {when})", err=True)
    run = result.run
    for line in bound_lines(json.loads(run["bounds_reached"] or "{}")):
        click.echo(line, err=True)
    if not quiet:
        click.echo(f"run {run['id']} {run['status']}: {run['pages_fetched']} pages in "
                   f"{result.seconds:.1f}s — {counts_text(run)}")
        kinds = Counter(failure["error_kind"] for failure in result.failures)
        if kinds:
            click.echo("errors by kind: " + ", ".join(
                f"{kind}: {count}" for kind, count in sorted(kinds.items())))


@cli.command()
@click.option("--site", help="Site profile to crawl (default sbiegacza-en).")
@click.option("--start-url", help="Crawl from this URL: another blog, or a mirror of --site.")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default="archive.db",
              show_default=True, help="The archive to write.")
@click.option("--max-pages", type=click.IntRange(min=1),
              help="Make at most this many requests: pages, listings and sitemaps alike "
                   "(robots.txt aside). Default: CRAWL_MAX_PAGES (50,000).")
@click.option("--max-depth", type=click.IntRange(min=1),
              help="Follow links at most this deep from the start URL and the sitemaps. "
                   "Default: DEPTH_LIMIT (500).")
@click.option("--max-time", type=click.IntRange(min=1), metavar="SECONDS",
              help="Stop the run after this long. Default: CLOSESPIDER_TIMEOUT (3000).")
@click.option("--full", is_flag=True, help="Re-fetch everything, ignoring what the archive knows.")
@click.option("--warc-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the run's WARC file (run-NNNNNN.warc.gz). Default: "
                   "<archive stem>.warc beside the archive (archive.warc/ for archive.db).")
@click.option("--no-warc", is_flag=True, help="Keep no WARC record of the run's answers.")
@click.option("--trigger", default="cli", show_default=True,
              help="Label stored with the run (cron, systemd ...).")
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="Override a Scrapy setting, as scrapy crawl -s does.")
@click.option("--redis", "redis_url", metavar="URL",
              help="Join the crawl on the shared frontier at redis://HOST:PORT/DB with any "
                   "number of other processes; records go to Redis for `blog-archive ingest`, "
                   "which writes the archive (--db is then unused).")
@click.option("--quiet", is_flag=True, help="Print nothing but failures and bounds reached.")
@click.option("--verbose", is_flag=True, help="Show Scrapy's log.")
def crawl(site: str | None, start_url: str | None, db: Path, max_pages: int | None,
          max_depth: int | None, max_time: int | None, full: bool, warc_dir: Path | None,
          no_warc: bool, trigger: str, settings: tuple[str, ...], redis_url: str | None,
          quiet: bool,
          verbose: bool) -> None:
    """Crawl a blog into the archive, within bounds that end every run (docs/operations.md
    lists them; -s raises any of them)."""
    check_start_url(start_url)
    check_profile(site, start_url)
    show_progress = sys.stderr.isatty() and not quiet and not verbose
    from scraper.crawl import CrawlOptions

    options = CrawlOptions(
        db=db, site=site, start_url=start_url, max_pages=max_pages, full=full, trigger=trigger,
        log_level="INFO" if verbose else "CRITICAL",
        settings={"PROGRESS_ENABLED": show_progress, **parse_settings(settings),
                  **({"DEPTH_LIMIT": max_depth} if max_depth else {}),
                  **({"CLOSESPIDER_TIMEOUT": max_time} if max_time else {}),
                  **({"WARC_DIR": str(warc_dir)} if warc_dir else {}),
                  **({"WARC_ENABLED": False} if no_warc else {})},
    )
    if redis_url is not None:
        if warc_dir is not None:
            raise click.UsageError("--warc-dir: a crawl on the shared frontier keeps no WARC "
                                   "capture (its processes share no archive folder); crawl "
                                   "without --redis to capture")
        options.redis_url = redis_url
        report_shared_crawl(execute_crawl(options), redis_url, quiet)
        return
    result = execute_crawl(options)
    report_crawl(result, start_url or resolve_profile(site, None).start_url, quiet)
    if result.failures or result.run["status"] not in ("finished", "bounded"):  # interrupted
        sys.exit(ExitCode.PAGE_ERRORS)


@cli.command()
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default="archive.db",
              show_default=True, help="The archive to re-extract.")
@click.option("--url", help="Only the article at this URL.")
@click.option("--site", help="Only the articles of this site profile.")
@click.option("--since", "since_run", type=click.IntRange(min=1), metavar="RUN",
              help="Only the articles whose newest stored response run RUN or a later one made.")
@click.option("--dry-run", is_flag=True, help="Print the summary, write nothing.")
def reextract(db: Path, url: str | None, site: str | None, since_run: int | None,
              dry_run: bool) -> None:
    """Re-run today's extractor over the archived articles' stored responses, without the
    network: a new version only where a field changed, and one line per changed field."""
    chosen = [name for name, value in (("--url", url), ("--site", site),
                                       ("--since", since_run)) if value is not None]
    if len(chosen) > 1:
        raise click.UsageError(f"{' and '.join(chosen)} cannot be combined: choose one")
    if not db.exists():
        raise CommandFailed(f"no archive at {db}", ExitCode.USAGE)
    from archive import ArchiveError, NotAnArchiveError
    from archive.lock import ArchiveLockedError
    from scraper.reextract import reextract as run_reextract

    try:
        summary = run_reextract(db, url=url, site=site, since_run=since_run, dry_run=dry_run)
    except ArchiveLockedError as error:
        raise CommandFailed(str(error), ExitCode.LOCKED) from None
    except NotAnArchiveError as error:
        raise CommandFailed(str(error), ExitCode.USAGE) from None
    except ArchiveError as error:
        raise CommandFailed(f"could not start: {error}", ExitCode.CANNOT_START) from None
    except sqlite3.Error as error:  # each batch is one transaction: what was written holds
        raise CommandFailed(f"the archive refused a write ({error}); what was re-read is "
                            "kept, run again to finish", ExitCode.CANNOT_START) from None
    if not summary.selected and (url or site):
        raise CommandFailed(f"no article {f'with URL {url}' if url else f'of site {site}'} "
                            f"in {db}", ExitCode.USAGE)
    for line in summary.lines():
        click.echo(line)
    sys.exit(summary.exit_code)


@cli.command()
@click.option("--site", "sites", multiple=True, metavar="NAME", help="A site profile to crawl.")
@click.option("--start-url", "start_urls", multiple=True, metavar="URL",
              help="A blog to crawl from this URL (a generic profile, named by its host).")
@click.option("--file", "site_file", type=click.File(encoding="utf-8"),
              help="Sites one per line: a profile name or a start URL (# starts a comment).")
@click.option("--redis", "redis_url", required=True, metavar="URL",
              help="The shared frontier: redis://HOST:PORT/DB, as crawl --redis.")
def enqueue(sites: tuple[str, ...], start_urls: tuple[str, ...], site_file: Any,
            redis_url: str) -> None:
    """Put sites on the shared frontier: every crawl --redis process crawls them, and one
    blog-archive ingest writes them all into one archive."""
    lines = [line.split("#", 1)[0].strip() for line in site_file or ()]
    entries = [(site, None) for site in sites] + [(None, url) for url in start_urls] + [
        (None, line) if "://" in line else (line, None) for line in lines if line]
    if not entries:
        raise click.UsageError("nothing to enqueue: give --site, --start-url or --file")
    for site, url in entries:
        check_start_url(url)
        check_profile(site, url)
    import redis

    from archive.stream import shown_url
    from scraper.enqueue import enqueue_sites, frontier_at

    try:
        queued = enqueue_sites(frontier_at(redis_url),
                               [resolve_profile(site, url) for site, url in entries])
    except redis.RedisError as error:
        raise CommandFailed(f"could not start: Redis at {shown_url(redis_url)} cannot be "
                            f"reached: {error}", ExitCode.CANNOT_START) from None
    click.echo(f"{queued} of {len(entries)} sites queued on the frontier at "
               f"{shown_url(redis_url)}")


@cli.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default="demo",
              show_default=True, help="Folder for the archive and the exports.")
def demo(out: Path) -> None:
    """Serve the bundled blog on loopback, crawl it, export it and print a summary."""
    from scraper.demo import run_demo  # the bundled blog loads only for the demo

    run_demo(out)


def main() -> None:
    cli.main(prog_name="blog-archive")
