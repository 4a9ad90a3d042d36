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
from scraper import __version__
from scraper.items import Fetch

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

#: How a Scrapy finish reason maps onto the status of the run's record.
_RUN_STATUS = {
    "finished": "finished",
    "closespider_pagecount": "finished",
    "shutdown": "interrupted",
}
_FLUSH_SECONDS = 2.0


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
            self.pending.append(item)
            due = time.monotonic() - self.last_flush >= _FLUSH_SECONDS
            if len(self.pending) >= self.batch_size or due:
                self.flush()
        return item

    def flush(self) -> None:
        if self.pending and self.archive is not None and self.run_id is not None:
            try:
                outcomes = self.archive.record_fetches(self.run_id, self.pending)
            except sqlite3.Error:  # one bad fetch must not cost the batch its good ones
                outcomes = [self.record_alone(fetch) for fetch in self.pending]
            self.outcomes.update(outcomes)
            for fetch, outcome in zip(self.pending, outcomes, strict=True):
                self.crawler.stats.inc_value(f"blog_archive/outcome/{outcome}")
                if outcome == "error":
                    self.crawler.stats.inc_value(f"blog_archive/error_kind/{fetch.error_kind}")
        self.pending = []
        self.last_flush = time.monotonic()

    def record_alone(self, fetch: Fetch) -> str:
        """Write one fetch of a batch that failed as a whole; a fetch the archive refuses is
        recorded as an error instead (the run's summary and exit code then show it). When
        not even that can be written (the archive is locked or its disk full), the fetch is
        counted in ``blog_archive/unwritten`` for the command to report, not silently lost."""
        assert self.archive is not None and self.run_id is not None
        try:
            return self.archive.record_fetches(self.run_id, [fetch])[0]
        except sqlite3.Error as error:
            refused = Fetch(url=fetch.url, final_url=fetch.final_url, status=fetch.status,
                            error_kind="archive", error=f"could not be archived: {error}",
                            elapsed_ms=fetch.elapsed_ms, bytes=fetch.bytes)
        try:
            return self.archive.record_fetches(self.run_id, [refused])[0]
        except sqlite3.Error as error:
            self.crawler.stats.inc_value("blog_archive/unwritten")
            self.crawler.stats.set_value("blog_archive/write_error", str(error))
            return "unwritten"

    def close_spider(self) -> None:
        self.flush()

    def spider_closed(self, reason: str) -> None:
        if self.archive is None or self.run_id is None:
            return
        stats = {key: _jsonable(value) for key, value in self.crawler.stats.get_stats().items()}
        self.archive.finish_run(
            self.run_id, status=_RUN_STATUS.get(reason, "failed"), finish_reason=reason,
            stats=stats,
        )
        self.archive.close()
        if self.lock is not None:
            self.lock.release()


def _jsonable(value: Any) -> Any:
    return value if isinstance(value, int | float | str | bool | type(None)) else str(value)
