"""The record sink of a crawler process on many machines: its fetches go to the Redis stream
that ``blog-archive ingest`` writes the archive from (archive/stream.py), never to SQLite.

With ``REDIS_URL`` set the archive pipeline pushes each batch here in one round trip, each
fetch tagged with the run token every process of the crawl shares (``CRAWL_RUN_TOKEN``, set
by whoever starts the crawl, who also publishes the run's start and end), and when the spider
closes it pushes this process's stats. A process started without a token (one ``scrapy
crawl`` or Scrapyd job on its own) is a run of its own: it makes a token and publishes the
run's start and end itself. The fetches' outcomes (new, changed ...) are the writer's to
decide; here each is only ``published``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from itertools import groupby
from typing import TYPE_CHECKING, Any

from archive.stream import (
    connect,
    process_id,
    publish_fetches,
    publish_process_done,
    publish_run_end,
    publish_run_start,
)

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

    from archive.records import Fetch
    from scraper.pipelines import Written


class RecordStreamSink:
    writes_archive = False
    write_error = None

    def __init__(self, redis_url: str, token: str | None, site_of: Callable[[str], str]):
        self.redis_url = redis_url
        #: The site of a fetch by its URL: one crawl on a shared frontier crawls every site
        #: enqueued on it (the spider's ``site_name``).
        self.site_of = site_of
        #: Whether this process is the whole run (no CRAWL_RUN_TOKEN was given).
        self.owns_run = token is None
        self.token = token or uuid.uuid4().hex
        self.process = process_id()
        self.site = ""
        self.client = connect(redis_url)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings["REDIS_URL"], crawler.settings.get("CRAWL_RUN_TOKEN") or None,
                   lambda url: crawler.spider.site_name(url))

    def open(self, site: str, trigger: str, versions: dict[str, str]) -> None:
        self.site = site
        if self.owns_run:
            publish_run_start(self.client, self.token, site, trigger, versions)

    def write(self, fetches: list[Fetch]) -> list[Written]:
        for site, group in groupby(fetches, key=lambda fetch: self.site_of(fetch.url)):
            publish_fetches(self.client, self.token, site, self.process, group)
        return [(fetch, "published") for fetch in fetches]

    def drain(self) -> list[Written]:
        return []

    def finish(self, reason: str, stats: dict[str, Any], bounds: dict[str, Any]) -> None:
        publish_process_done(self.client, self.token, self.process, stats)
        if self.owns_run:
            publish_run_end(self.client, self.token, reason, bounds)
