"""A live progress line for crawls run on a terminal.

Under cron or systemd nobody watches, and a line rewritten with carriage returns only litters the
log; the CLI therefore enables this extension only when stderr is a terminal and ``--quiet`` is
not given. The counts come from the crawl's stats, which the archive pipeline updates as it
writes each batch: the pages are those written with an HTTP answer, as the run's record counts
them, so the last line and the summary agree (robots.txt, which Scrapy fetches for itself and
nobody records, is in neither). :func:`counts_text` words the counts for both.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, TextIO

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from archive.store import RUN_COUNTS
from scraper.pipelines import PAGES_STAT

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

#: The counts a crawl reports, as ``crawl_runs`` columns, in the order it reports them.
REPORTED = ("new", "changed", "unchanged", "not_modified", "gone", "redirected", "errors")


def counts_text(counts: Mapping[str, int]) -> str:
    """``3 new, 0 changed, ... 1 errors``: the reported counts, keyed by column."""
    return ", ".join(f"{counts.get(column, 0)} {column.replace('_', ' ')}"
                     for column in REPORTED)


class ProgressLine:
    def __init__(self, crawler: Crawler, stream: TextIO = sys.stderr, interval: float = 1.0):
        self.crawler = crawler
        self.stream = stream
        self.interval = interval
        self.started = time.monotonic()
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("PROGRESS_ENABLED"):
            raise NotConfigured
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self) -> None:
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.show)
        self.loop.start(self.interval, now=False)

    def spider_closed(self) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.show()
        self.stream.write("\n")
        self.stream.flush()

    def line(self) -> str:
        stats = self.crawler.stats
        pages = stats.get_value(PAGES_STAT, 0)
        elapsed = max(time.monotonic() - self.started, 1e-6)
        counts = {column: stats.get_value(f"blog_archive/outcome/{outcome}", 0)
                  for column, outcome in RUN_COUNTS.items()}
        return f"{pages} pages ({pages / elapsed:.1f}/s): {counts_text(counts)}"

    def show(self) -> None:
        self.stream.write(f"\r\x1b[K{self.line()}")
        self.stream.flush()
