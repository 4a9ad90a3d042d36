"""The item pipeline that sends every fetch of a crawl to the archive's writer.

The pipeline decides what is written (a page claiming another page's canonical address waits
for it: scraper/canonicals.py) and when: in batches, each batch one transaction of the writer
(see ``Archive.record_fetches``), so a killed crawl loses at most the last unwritten batch,
which the next run simply fetches again, and never leaves half an article. Where a batch goes
is the job of a record sink, chosen by the settings:

* ``REDIS_URL`` set: pushed to a Redis stream for ``blog-archive ingest``, the one writer of a
  crawl on many machines (scraper/record_stream.py);
* ``ARCHIVE_WRITER = "process"``: a writer process of this crawl's own, so the reactor thread
  only fetches and parses (scraper/writer_process.py);
* ``ARCHIVE_WRITER = "inline"``: written here, on the reactor thread (scraper/inline_writer.py).

All three end in :class:`archive.writer.Writer`, which also opens and closes the run's
``crawl_runs`` row, so every run, even a failed one, leaves a record.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import TYPE_CHECKING, Any, Protocol

import scrapy
from scrapy import signals
from scrapy.exceptions import CloseSpider

from archive import ArchiveError
from archive.lock import ArchiveLock, ArchiveLockedError
from archive.records import Fetch
from scraper import __version__
from scraper.canonicals import CanonicalClaims, OwnFetch
from scraper.warc_writer import WarcWriter

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

#: The stat counting fetches that got an HTTP answer, as written: the run's pages_fetched,
#: which the progress line shows while the crawl runs.
PAGES_STAT = "blog_archive/pages_fetched"
_FLUSH_SECONDS = 2.0
#: A fetch and its outcome once written (``unwritten`` when the archive refused it).
Written = tuple[Fetch, str]
#: Signal: a batch of fetches (``fetches``) has been handed to the sink, and so has left the
#: process (Redis) or will be written whatever becomes of the reactor (a writer process): a
#: shared frontier ends their requests' leases then (scraper/frontier_run.py).
records_sent = object()


class RecordSink(Protocol):
    """Where the pipeline's batches go. ``write`` must not wait for the archive if it can
    help it: it returns the outcomes known so far (perhaps of earlier batches), ``drain``
    the rest, when the spider closes."""

    #: Whether it writes the archive at ARCHIVE_DB, whose lock the crawl must then hold.
    writes_archive: bool
    #: Why the archive refused a write, if it did.
    write_error: str | None

    def open(self, site: str, trigger: str, versions: dict[str, str]) -> int | None:
        """Start the run (``versions``: ``app`` and ``scrapy``); its ``crawl_runs`` id when
        this process knows it."""

    def write(self, fetches: list[Fetch]) -> list[Written]: ...

    def drain(self) -> list[Written]: ...

    def finish(self, reason: str, stats: dict[str, Any], bounds: dict[str, Any]) -> None:
        """Close the run (this process's part of it) with Scrapy's stats."""


class ArchivePipeline:
    def __init__(self, crawler: Crawler, sink: RecordSink):
        self.crawler = crawler
        self.settings = crawler.settings
        self.sink = sink
        self.batch_size = self.settings.getint("ARCHIVE_BATCH_SIZE")
        self.pending: list[Fetch] = []
        self.last_flush = 0.0
        self.outcomes: Counter[str] = Counter()
        self.lock: ArchiveLock | None = None
        self.opened = False
        self.claims = CanonicalClaims(self.own_fetch)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, record_sink(crawler))

    def open_spider(self) -> None:
        if self.sink.writes_archive and not self.settings.getbool("ARCHIVE_LOCK_HELD"):
            self.lock = ArchiveLock(self.settings["ARCHIVE_DB"])
            try:
                self.lock.acquire()
            except (ArchiveLockedError, ArchiveError) as error:
                self.lock = None
                raise CloseSpider(str(error)) from None
        run_id = self.sink.open(self.crawler.spider.profile.name, self.settings["CRAWL_TRIGGER"],
                                {"app": __version__, "scrapy": scrapy.__version__})
        self.opened = True
        if run_id is not None:
            self.crawler.stats.set_value("blog_archive/run_id", run_id)
        self.last_flush = time.monotonic()

    def process_item(self, item: Any) -> Any:
        if isinstance(item, Fetch):
            self.pending += self.claims.admit(item)
            due = time.monotonic() - self.last_flush >= _FLUSH_SECONDS
            if len(self.pending) >= self.batch_size or due:
                self.flush()
        return item

    def flush(self) -> None:
        if self.pending and self.opened:
            self.sync_captures()
            self.account(self.sink.write(self.pending))
            self.crawler.signals.send_catch_log(records_sent, fetches=self.pending)
        self.pending = []
        self.last_flush = time.monotonic()

    def sync_captures(self) -> None:
        """Put the WARC records the batch points at on disk before the batch leaves for the
        writer; a fetch whose record could not be written (a full disk) loses its pointer, so
        no row points at bytes that are not there."""
        writer = WarcWriter.of(self.crawler)
        if writer is None:
            return
        writer.sync()
        for fetch in self.pending:
            if fetch.capture is not None and not writer.is_durable(fetch.capture):
                fetch.capture = None

    def account(self, written: list[Written]) -> None:
        """Count what was written in the crawl's stats (the progress line reads them)."""
        stats = self.crawler.stats
        for fetch, outcome in written:
            self.outcomes[outcome] += 1
            stats.inc_value(f"blog_archive/outcome/{outcome}")
            if outcome == "unwritten":
                stats.inc_value("blog_archive/unwritten")
                continue
            if fetch.status is not None:
                stats.inc_value(PAGES_STAT)
            if outcome == "error":
                stats.inc_value(f"blog_archive/error_kind/{fetch.error_kind}")

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
        """Write the rest, and wait for every outcome: before the spider_closed signal, so
        the progress line's last count is final."""
        self.pending += self.claims.release()
        self.flush()
        if self.opened:
            self.account(self.sink.drain())

    def spider_closed(self, reason: str) -> None:
        if not self.opened:
            return
        if self.sink.write_error:
            self.crawler.stats.set_value("blog_archive/write_error", self.sink.write_error)
        stats = {key: _jsonable(value) for key, value in self.crawler.stats.get_stats().items()}
        self.sink.finish(reason, stats, self.crawler.spider.bounds.reached(reason))
        if self.lock is not None:
            self.lock.release()


def record_sink(crawler: Crawler) -> RecordSink:
    """The sink the settings ask for (see the module's docstring)."""
    settings = crawler.settings
    if settings.get("REDIS_URL"):
        from scraper.record_stream import RecordStreamSink

        return RecordStreamSink.from_crawler(crawler)
    writer = settings.get("ARCHIVE_WRITER")
    if writer == "process":
        from scraper.writer_process import WriterProcessSink

        return WriterProcessSink(settings["ARCHIVE_DB"])
    if writer == "inline":
        from scraper.inline_writer import InlineSink

        return InlineSink(settings["ARCHIVE_DB"])
    raise ValueError(f"ARCHIVE_WRITER={writer!r}: inline or process expected")


def _jsonable(value: Any) -> Any:
    return value if isinstance(value, int | float | str | bool | type(None)) else str(value)
