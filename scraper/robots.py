"""A robots.txt parser that also remembers the file's ``Sitemap:`` lines.

Scrapy's RobotsTxtMiddleware fetches robots.txt once per host and announces the parser through
the ``robots_parsed`` signal. Keeping the sitemap URLs on the parser lets the spider start from
the sitemaps without requesting robots.txt a second time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.robotstxt import ProtegoRobotParser

if TYPE_CHECKING:
    from scrapy import Spider


class SitemapAwareRobotParser(ProtegoRobotParser):
    def __init__(self, robotstxt_body: bytes, spider: Spider | None):
        super().__init__(robotstxt_body, spider)
        self.sitemap_urls: list[str] = list(self.rp.sitemaps)
