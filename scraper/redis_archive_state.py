"""The archive's state a crawl needs, read from Redis when the archive is on another machine.

A crawler process of a crawl on many machines (``REDIS_URL`` set) has no archive to read:
``blog-archive ingest``, the one process that writes it, publishes each site's known
articles, validators and confirmation times to Redis, at its start and after every batch
(archive/ingest.py). This extension reads them when the spider opens, in one round trip, and
serves them to the spider and the conditional-requests middleware exactly as
:class:`~scraper.archive_state.ArchiveState` serves a local archive's (it is one, for
``ArchiveState.of``), so a re-crawl on many machines sends the same conditional requests and
skips the same unchanged sitemap entries as a local one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured

from archive.stream import connect, read_state
from scraper.archive_state import ArchiveState, parse_datetime

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler


@dataclass
class RedisArchiveState(ArchiveState):
    redis_url: str = ""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        url = crawler.settings.get("REDIS_URL")
        if not url:
            raise NotConfigured("no REDIS_URL: the archive's state is read from the archive")
        state = cls(db_path="", redis_url=url)
        crawler.signals.connect(state.spider_opened, signal=signals.spider_opened)
        return state

    def load(self, *, site: str, full: bool) -> None:
        published = read_state(connect(self.redis_url), site)
        self.known_articles = published.known_articles
        if full:
            return
        self.validators = published.validators
        self.confirmed_at = {url: when for url, text in published.confirmed_at.items()
                             if (when := parse_datetime(text)) is not None}
