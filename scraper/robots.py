"""robots.txt as RFC 9309 reads it: a parser that also remembers the file's ``Sitemap:``
lines, and a robots.txt that cannot be read (a server error, a timeout, a reset connection, a
body that cannot be decompressed or is a compression bomb) standing for "disallow everything".

Scrapy's RobotsTxtMiddleware fetches robots.txt once per host and announces the parser through
the ``robots_parsed`` signal. Keeping the sitemap URLs on the parser lets the spider start from
the sitemaps without requesting robots.txt a second time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.robotstxt import ProtegoRobotParser
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred

from scraper.failures import ForbiddenByRobotsTxt, classify_error

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.robotstxt import RobotParser
    from scrapy.statscollectors import StatsCollector

#: What a robots.txt the server cannot deliver stands for (RFC 9309, 2.3.1.4).
DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"
#: The stat holding the HTTP status of a robots.txt read as :data:`DISALLOW_ALL`.
UNREACHABLE_STAT = "blog_archive/robotstxt_unreachable_status"
#: The stats holding why robots.txt could not be fetched at all (a failure's kind and message,
#: as :func:`scraper.failures.classify_error` names them), read as :data:`DISALLOW_ALL` too.
FAILED_KIND_STAT = "blog_archive/robotstxt_failed_kind"
FAILED_STAT = "blog_archive/robotstxt_failed"


class SitemapAwareRobotParser(ProtegoRobotParser):
    def __init__(self, robotstxt_body: bytes, spider: Spider | None):
        super().__init__(robotstxt_body, spider)
        self.sitemap_urls: list[str] = list(self.rp.sitemaps)


class UnreachableRobotsTxtMiddleware:
    """A robots.txt answering with a server error (or 429), once retries are spent, forbids
    everything: RFC 9309 says to assume complete disallow while it cannot be read. Scrapy
    would parse the error page as an empty robots.txt and crawl the whole site, the opposite
    of what the owner may be trying to say. Sits below the retry middleware, so it sees
    only the last answer."""

    def __init__(self, stats: StatsCollector):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.stats)

    def process_response(self, request: Request, response: Response) -> Response:
        unreachable = response.status >= 500 or response.status == 429
        if unreachable and request.meta.get("dont_obey_robotstxt") and \
                urlsplit(request.url).path == "/robots.txt":
            self.stats.set_value(UNREACHABLE_STAT, response.status)
            return response.replace(body=DISALLOW_ALL)
        return response


class FailClosedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, but a robots.txt that cannot be fetched at all forbids
    everything (RFC 9309, 2.3.1.4: unreachable means complete disallow) where Scrapy allows
    everything: a robots.txt that times out, resets the connection, cannot be decompressed or
    is a compression bomb must not open the site's disallowed paths. Refusals are raised as
    :class:`ForbiddenByRobotsTxt`."""

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest as refused:
            raise ForbiddenByRobotsTxt(str(refused)) from None

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        """Scrapy's hook for a robots.txt download that failed (after the retries); it would
        leave no parser, which allows everything."""
        error = getattr(exc, "value", exc)  # older Scrapy passes a Failure
        kind, message = classify_error(error)
        self._stats.set_value(FAILED_KIND_STAT, kind)
        self._stats.set_value(FAILED_STAT, message)
        parser = build_from_crawler(self._parserimpl, self.crawler, DISALLOW_ALL)
        waiting = self._parsers[netloc]
        self._parsers[netloc] = parser
        if isinstance(waiting, Deferred):
            waiting.callback(parser)
