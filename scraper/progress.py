"""A live progress line for crawls run on a terminal.

Under cron or systemd nobody watches, and a line rewritten with carriage returns only litters the
log; the CLI therefore enables this extension only when stderr is a terminal and ``--quiet`` is
not given. The counts come from the crawl's stats, which the archive pipeline updates as it
writes each batch.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, TextIO

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

_OUTCOMES = ("new", "changed", "unchanged", "not_modified", "error")


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
        pages = stats.get_value("response_received_count", 0)
        elapsed = max(time.monotonic() - self.started, 1e-6)
        counts = ", ".join(
            f"{stats.get_value(f'blog_archive/outcome/{name}', 0)} {name.replace('_', ' ')}"
            for name in _OUTCOMES
        )
        return f"{pages} pages ({pages / elapsed:.1f}/s): {counts}"

    def show(self) -> None:
        self.stream.write(f"\r\x1b[K{self.line()}")
        self.stream.flush()
