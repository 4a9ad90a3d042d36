"""Downloader middleware that turns a re-crawl into conditional requests.

For every article the archive holds, and every listing page the last run fetched, the request
carries the ``ETag`` and ``Last-Modified`` the server sent then; an unchanged page costs the
blog a 304 and costs us no parsing and no write (and an unchanged listing, no walk through the
pages below it). The validators come from the crawl's :class:`~scraper.archive_state.ArchiveState`,
which ``--full`` leaves empty; a request with
``meta["conditional"] = False`` (sitemaps) is always sent whole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scraper.archive_state import ArchiveState

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler


class ConditionalRequestsMiddleware:
    def __init__(self, crawler: Crawler, state: ArchiveState):
        self.crawler = crawler
        self.state = state

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, ArchiveState.of(crawler))

    def process_request(self, request: Request) -> None:
        if not request.meta.get("conditional", True):
            return
        etag, last_modified = self.state.validators.get(request.url, (None, None))
        if etag:
            request.headers.setdefault("If-None-Match", etag)
        if last_modified:
            request.headers.setdefault("If-Modified-Since", last_modified)
        if etag or last_modified:
            self.crawler.stats.inc_value("blog_archive/conditional_requests")
