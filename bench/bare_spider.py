"""The crawl's baseline: a bare Scrapy spider that only fetches a list of URLs.

``python -m bench.bare_spider URLS_FILE CONCURRENCY`` fetches every URL of the file (one per
line: the URLs a ``blog-archive crawl`` fetched) with Scrapy's stock stack and the crawl's
concurrency, and throws each response away: no link extraction, no parsing, no pipeline. The
difference to the full crawl is therefore the cost of everything blog-archive adds on top of
Scrapy. Like the crawl, it obeys robots.txt (so both pay for fetching it), leaves redirects and
error statuses to the callback, opens no telnet or remote-control port and logs nothing.
It prints its Scrapy stats as one JSON line, so the bench can check it fetched every URL.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response

from scraper.settings import USER_AGENT


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, urls_file: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.urls_file = Path(urls_file)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls_file.read_text(encoding="utf-8").split():
            yield scrapy.Request(url, callback=self.parse, dont_filter=True)

    def parse(self, response: Response) -> None:
        """Drop the response: the baseline measures fetching alone."""


def settings(concurrency: int) -> dict[str, Any]:
    return {
        "USER_AGENT": USER_AGENT,
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "REDIRECT_ENABLED": False,
        "HTTPERROR_ALLOW_ALL": True,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "LOG_LEVEL": "CRITICAL",
    }


def main(argv: list[str]) -> None:
    urls_file, concurrency = argv
    process = CrawlerProcess(settings(int(concurrency)))
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler, urls_file=urls_file)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    print(json.dumps(stats, default=str, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1:])
