"""Run one crawl into an archive, from Python: what ``blog-archive crawl`` and the demo call.

A crawl runs in this process with Scrapy's ``CrawlerProcess`` and the project's settings
module, so it behaves exactly as ``scrapy crawl blog`` and a Scrapyd job do; only the knobs a
user gives (archive path, site, page budget, ``-s`` overrides) differ.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import BaseSettings, Settings
from twisted.python.failure import Failure

from archive import Archive
from archive.lock import ArchiveLock
from scraper.bounds import BOUND_SETTINGS
from scraper.shared_frontier import FrontierUnreachableError
from scraper.spiders.blog import BlogSpider
from scraper.warc_writer import ERROR_STAT as WARC_ERROR_STAT
from scraper.warc_writer import check_warc_dir, warc_dir


@dataclass
class CrawlOptions:
    db: Path
    site: str | None = None
    start_url: str | None = None
    max_pages: int | None = None
    full: bool = False
    trigger: str = "cli"
    log_level: str = "CRITICAL"
    settings: dict[str, Any] = field(default_factory=dict)
    #: The shared frontier to join (scraper/frontier.py); None: a local crawl into ``db``.
    redis_url: str | None = None


@dataclass
class CrawlResult:
    """The run's ``crawl_runs`` row, its failed fetches, and how long it took."""

    run: dict[str, Any]
    failures: list[dict[str, Any]]
    seconds: float

    @property
    def reached_site(self) -> bool:
        return bool(self.run.get("pages_fetched"))


@dataclass
class SharedCrawlResult:
    """What one process of a crawl on a shared frontier did: the archive is the writer's
    (``blog-archive ingest``), so only this process's figures are known here."""

    token: str
    pages: int
    reason: str
    #: Why Redis was lost mid-crawl, if it was.
    lost: str | None
    seconds: float


def project_settings(overrides: dict[str, Any] | None = None) -> Settings:
    """The settings of ``scraper/settings.py``, wherever the package is installed."""
    settings = Settings()
    settings.setmodule("scraper.settings", priority="project")
    settings.update(overrides or {}, priority="cmdline")
    return settings


class CrawlFailedError(Exception):
    """The crawl could not run at all (Scrapy refused to start it); one line for the user."""


class UnwrittenFetchesError(Exception):
    """The crawl ran, but the archive refused some of its writes (locked, disk full); what was
    written stays consistent, and the next run fetches the rest again."""


class CaptureStoppedError(Exception):
    """A WARC write failed mid-crawl (a full disk): the crawl stopped there; what the archive
    holds points only at records on disk."""


def check_overrides(overrides: dict[str, str]) -> None:
    """Raise ``ValueError`` naming the first ``-s NAME=VALUE`` that Scrapy could not use.

    Scrapy reads a setting's text as the type it expects only when a component asks for it,
    mid-start, where a bad number becomes a traceback. The type expected is the type of the
    setting's current value (Scrapy's default or the project's); concurrency must be at least
    1 and timeouts, delays and bounds at least 0, which Scrapy itself does not check."""
    known = project_settings()
    for name, text in overrides.items():
        current = known.get(name)
        try:
            value = _read_as(current, name, text)
        except (ValueError, TypeError):  # getdict: TypeError for JSON that is not an object
            kind = "true or false" if isinstance(current, bool) else \
                "a whole number" if isinstance(current, int) and not _read_as_float(name) \
                else "a number" if isinstance(current, int | float) else "a JSON object"
            raise ValueError(f"{name}={text!r}: {kind} expected") from None
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if not math.isfinite(value):
            raise ValueError(f"{name}={text!r}: a finite number expected")
        if name.startswith("CONCURRENT_") and value < 1:
            raise ValueError(f"{name}={text!r}: at least 1 expected")
        if (name.endswith(("_TIMEOUT", "_DELAY")) or name in BOUND_SETTINGS) and value < 0:
            raise ValueError(f"{name}={text!r}: 0 or more expected")


def _read_as_float(name: str) -> bool:
    """Seconds: Scrapy reads delays and timeouts as floats even where the default is a
    whole number (``DOWNLOAD_DELAY = 0``); its other whole-number settings with ``getint``."""
    return name.endswith(("_DELAY", "_TIMEOUT"))


def _read_as(current: Any, name: str, text: str) -> Any:
    """``text`` read as Scrapy's getters will read it for a setting now worth ``current``."""
    if isinstance(current, bool):
        return Settings({name: text}).getbool(name)
    if isinstance(current, float) or (isinstance(current, int) and _read_as_float(name)):
        return float(text)
    if isinstance(current, int):
        return int(text)
    if isinstance(current, dict | BaseSettings):
        return Settings({name: text}).getdict(name)
    return text


def start_crawl(settings: Settings, options: CrawlOptions) -> Crawler:
    """Run the blog spider to its end in this process; ``CrawlFailedError`` when Scrapy could
    not start it (a component that cannot load, Redis unreachable)."""
    try:
        process = CrawlerProcess(settings)
        crawler = process.create_crawler(BlogSpider)
    except Exception as error:  # noqa: BLE001 — a component named in -s that cannot load
        raise CrawlFailedError(f"{type(error).__name__}: {error}") from None
    refusals: list[Failure] = []
    process.crawl(crawler, site=options.site, start_url=options.start_url,
                  full=options.full, max_pages=options.max_pages
                  ).addErrback(refusals.append)  # handled here, not dumped by Twisted
    process.start()
    if refusals:
        reason = refusals[0]
        raise CrawlFailedError(reason.getErrorMessage()
                               if reason.check(FrontierUnreachableError)
                               else f"{reason.type.__name__}: {reason.getErrorMessage()}")
    return crawler


def run_shared_crawl(options: CrawlOptions) -> SharedCrawlResult:
    """Join (or start) the crawl on the shared frontier at ``options.redis_url`` and work on it
    until its run is over, or this process is stopped; ``CrawlFailedError`` when it cannot
    start (Redis unreachable: one line)."""
    from scraper.frontier_run import LOST_STAT  # Redis's client: only a shared crawl loads it

    settings = project_settings({
        **options.settings,
        "REDIS_URL": options.redis_url,
        # Capture is a local crawl's (scraper/warc_writer.py): the processes of a shared
        # frontier share no archive folder for the files to sit beside.
        "WARC_ENABLED": False,
        "CRAWL_TRIGGER": options.trigger,
        "LOG_LEVEL": options.log_level,
    })
    started = time.monotonic()
    stats = start_crawl(settings, options).stats
    return SharedCrawlResult(
        token=stats.get_value("blog_archive/run_token", ""),
        pages=stats.get_value("response_received_count", 0),
        reason=stats.get_value("finish_reason", ""),
        lost=stats.get_value(LOST_STAT), seconds=time.monotonic() - started)


def run_crawl(options: CrawlOptions) -> CrawlResult:
    """Crawl into ``options.db`` while holding its lock; raises ``ArchiveLockedError`` at once
    when another crawl holds it, ``ArchiveError`` when the archive cannot be opened,
    ``WarcError`` when the WARC folder cannot be written (at once), ``CaptureStoppedError``
    when a WARC write failed (the crawl stops there),
    ``CrawlFailedError`` when Scrapy cannot start the crawl and ``UnwrittenFetchesError``
    when the archive refused some of the crawl's writes."""
    settings = project_settings({
        **options.settings,
        "ARCHIVE_DB": str(options.db),
        "ARCHIVE_LOCK_HELD": True,
        "CRAWL_TRIGGER": options.trigger,
        "LOG_LEVEL": options.log_level,
    })
    # fail fast, before the reactor starts, on a path that cannot be written
    if settings.getbool("WARC_ENABLED"):
        check_warc_dir(warc_dir(settings))
    Archive.open(options.db).close()
    started = time.monotonic()
    with ArchiveLock(options.db):
        crawler = start_crawl(settings, options)
    seconds = time.monotonic() - started
    run_id = crawler.stats.get_value("blog_archive/run_id")
    if run_id is None:
        raise CrawlFailedError("the crawl ended before it started a run")
    warc_error = crawler.stats.get_value(WARC_ERROR_STAT)
    if warc_error:
        raise CaptureStoppedError(
            f"WARC capture stopped: cannot write {warc_error}; the crawl stopped with it "
            f"(run {run_id}), and every fetch archived points at a complete record")
    unwritten = crawler.stats.get_value("blog_archive/unwritten")
    if unwritten:
        raise UnwrittenFetchesError(
            f"{unwritten} fetched pages could not be written to {options.db} "
            f"({crawler.stats.get_value('blog_archive/write_error')}); the next run "
            "fetches them again")
    archive = Archive.open(options.db)
    try:
        run = archive.db["crawl_runs"].get(run_id)
        failures = list(archive.db.query(
            "select url, status, error_kind, error from fetches "
            "where crawl_run_id = ? and outcome = 'error' order by id",
            [run_id],
        ))
    finally:
        archive.close()
    return CrawlResult(run=run, failures=failures, seconds=seconds)
