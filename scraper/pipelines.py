"""The item pipeline that writes every fetch of a crawl into the archive.

Fetch records are written in batches, each batch one transaction (see
``Archive.record_fetches``): a killed crawl loses at most the last unwritten batch, which the
next run simply fetches again, and never leaves half an article. The pipeline also opens and
closes the run's ``crawl_runs`` row, so every run, even a failed one, leaves a record.
"""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy import signals
from scrapy.exceptions import CloseSpider

from archive import Archive, ArchiveError
from archive.lock import ArchiveLock, ArchiveLockedError
from archive.records import Fetch
from scraper import __version__
from scraper.canonicals import CanonicalClaims, OwnFetch
from scraper.warc_writer import WarcWriter

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

#: How a Scrapy finish reason maps onto the status of the run's record. A run that reached a
#: bound (scraper/bounds.py) is "bounded" however it closed: it walked only part of the site.
_RUN_STATUS = {
    "finished": "finished",
    "closespider_timeout": "bounded",
    "closespider_pagecount": "bounded",
    "closespider_itemcount": "bounded",
    "shutdown": "interrupted",
}
#: The stat counting fetches that got an HTTP answer, as written: the run's pages_fetched,
#: which the progress line shows while the crawl runs.
PAGES_STAT = "blog_archive/pages_fetched"
_FLUSH_SECONDS = 2.0
#: Errors about one row (a constraint, a value), not about the archive as a whole.
_ROW_ERRORS = (sqlite3.IntegrityError, sqlite3.DataError)


class ArchivePipeline:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.settings = crawler.settings
        self.batch_size = self.settings.getint("ARCHIVE_BATCH_SIZE")
        self.pending: list[Fetch] = []
        self.last_flush = time.monotonic()
        self.outcomes: Counter[str] = Counter()
        self.lock: ArchiveLock | None = None
        self.archive: Archive | None = None
        self.run_id: int | None = None
        self.claims = CanonicalClaims(self.own_fetch)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def open_spider(self) -> None:
        db_path = self.settings["ARCHIVE_DB"]
        if not self.settings.getbool("ARCHIVE_LOCK_HELD"):
            self.lock = ArchiveLock(db_path)
            try:
                self.lock.acquire()
            except (ArchiveLockedError, ArchiveError) as error:
                self.lock = None
                raise CloseSpider(str(error)) from None
        self.archive = Archive.open(db_path)
        self.run_id = self.archive.start_run(
            site=self.crawler.spider.profile.name,
            trigger=self.settings["CRAWL_TRIGGER"],
            app_version=__version__,
            scrapy_version=scrapy.__version__,
        )
        self.crawler.stats.set_value("blog_archive/run_id", self.run_id)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, Fetch):
            self.pending += self.claims.admit(item)
            due = time.monotonic() - self.last_flush >= _FLUSH_SECONDS
            if len(self.pending) >= self.batch_size or due:
                self.flush()
        return item

    def flush(self) -> None:
        if self.pending and self.archive is not None and self.run_id is not None:
            self.sync_captures()
            try:
                outcomes = self.archive.record_fetches(self.run_id, self.pending)
            except sqlite3.Error:  # one bad fetch must not cost the batch its good ones
                outcomes = self.record_one_by_one(self.pending)
            self.outcomes.update(outcomes)
            for fetch, outcome in zip(self.pending, outcomes, strict=True):
                self.crawler.stats.inc_value(f"blog_archive/outcome/{outcome}")
                if fetch.status is not None and outcome != "unwritten":
                    self.crawler.stats.inc_value(PAGES_STAT)
                if outcome == "error":
                    self.crawler.stats.inc_value(f"blog_archive/error_kind/{fetch.error_kind}")
        self.pending = []
        self.last_flush = time.monotonic()

    def sync_captures(self) -> None:
        """Put the WARC records the batch points at on disk before the batch is committed;
        a fetch whose record could not be written (a full disk) loses its pointer, so no row
        points at bytes that are not there."""
        writer = WarcWriter.of(self.crawler)
        if writer is None:
            return
        writer.sync()
        for fetch in self.pending:
            if fetch.capture is not None and not writer.is_durable(fetch.capture):
                fetch.capture = None

    def record_one_by_one(self, fetches: list[Fetch]) -> list[str]:
        """Each fetch of a refused batch on its own. A fetch the archive refuses (a
        constraint) becomes an error record; when the archive itself fails (locked, disk
        full, damaged) the rest are counted unwritten at once, rather than each waiting out
        the busy timeout on the reactor thread."""
        outcomes: list[str] = []
        try:
            for fetch in fetches:
                outcomes.append(self.record_alone(fetch))
        except sqlite3.Error as error:
            left = len(fetches) - len(outcomes)
            self.count_unwritten(left, error)
            outcomes += ["unwritten"] * left
        return outcomes

    def record_alone(self, fetch: Fetch) -> str:
        """Write one fetch, or an error record of it when the archive refuses that row; an
        error about the archive rather than the row propagates."""
        assert self.archive is not None and self.run_id is not None
        try:
            return self.archive.record_fetches(self.run_id, [fetch])[0]
        except _ROW_ERRORS as error:
            refused = Fetch(url=fetch.url, final_url=fetch.final_url, status=fetch.status,
                            error_kind="archive", error=f"could not be archived: {error}",
                            elapsed_ms=fetch.elapsed_ms, bytes=fetch.bytes,
                            capture=fetch.capture)
        try:
            return self.archive.record_fetches(self.run_id, [refused])[0]
        except _ROW_ERRORS as error:
            self.count_unwritten(1, error)
            return "unwritten"

    def count_unwritten(self, count: int, error: sqlite3.Error) -> None:
        """Fetches not even recorded as errors, in ``blog_archive/unwritten`` for the command
        to report: never silently lost."""
        self.crawler.stats.inc_value("blog_archive/unwritten", count)
        self.crawler.stats.set_value("blog_archive/write_error", str(error))

    def own_fetch(self, url: str) -> OwnFetch:
        """Asks the spider to fetch an address a page claims as its canonical (see
        :mod:`scraper.canonicals`), unless the run already did or may not."""
        spider = self.crawler.spider
        if url in spider.skipped_by_lastmod:
            return "unchanged"
        if url in spider.requested:
            return "fetching"
        request = spider.page_request(url)
        if request is None:
            return "not_fetched"
        spider.schedule(request)
        return "fetching"

    def close_spider(self) -> None:
        self.pending += self.claims.release()
        self.flush()

    def spider_closed(self, reason: str) -> None:
        if self.archive is None or self.run_id is None:
            return
        stats = {key: _jsonable(value) for key, value in self.crawler.stats.get_stats().items()}
        bounds = self.crawler.spider.bounds.reached(reason)
        self.archive.finish_run(
            self.run_id, status=self.run_status(reason, bounds), finish_reason=reason,
            stats=stats, bounds=bounds,
        )
        self.archive.close()
        if self.lock is not None:
            self.lock.release()

    def run_status(self, reason: str, bounds: dict[str, Any]) -> str:
        """The run's status: "failed" when no page answered at all (an unreachable start
        URL, a robots.txt forbidding everything), whatever Scrapy's reason for closing."""
        status = _RUN_STATUS.get(reason, "failed")
        if status == "finished" and bounds:
            status = "bounded"
        if status in ("finished", "bounded") and not self.crawler.stats.get_value(PAGES_STAT):
            status = "failed"
        return status


def _jsonable(value: Any) -> Any:
    return value if isinstance(value, int | float | str | bool | type(None)) else str(value)
