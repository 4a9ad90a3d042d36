"""Where the crawl extracts its pages: on the reactor thread, or in worker processes.

Extraction (about a millisecond a page) is the largest part of what the crawl adds to Scrapy's
own work on the reactor's one thread, and while it runs nothing is downloaded. With
``EXTRACTION_WORKERS`` above 0 the spider hands each page's bytes to a pool of that many
spawned processes and awaits the answer, so the reactor goes on fetching meanwhile; with 0 it
extracts in place (tests, debugging, a machine with one core). Either way the same function,
:func:`extract_page`, runs: one parse of the page gives the article and the links it holds.
Which links are *followed* stays with the spider, whose bounds and "requested" set are state
of the crawl that a worker must not hold.

A worker that raises gives the spider the same exception as inline extraction would (one bad
page, one ``extraction`` error). A worker that dies (killed, out of memory) breaks the pool:
every page waiting on it gets :class:`ExtractionPoolBrokenError`, at once, never a hang; the
spider then stops the crawl, which is recorded as any interrupted run.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING, Self

from archive.records import Article
from scraper.extraction.decoding import ExtractionError
from scraper.extraction.page import extract_with_page
from scraper.links import followed_links
from scraper.writer_process import die_with_parent

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from scraper.profiles import SiteProfile


class ExtractionPoolBrokenError(Exception):
    """A worker process of the pool died: no page can be extracted by it any more."""


@dataclass(frozen=True)
class Extracted:
    """What one parse of a page gives the crawl: picklable, to come back from a worker."""

    article: Article
    #: The page's followable links in page order, at most the ``links_limit`` asked for.
    links: list[str]


def extract_page(body: bytes, url: str, profile: SiteProfile, content_type: str | None,
                 linked_as: str | None, links_limit: int | None) -> Extracted:
    """The article of the page and its links; ``ExtractionError`` for a page that is not
    readable at all (empty, no tags, nested too deep), which loses an article."""
    article, page = extract_with_page(body, url, profile, content_type, linked_as)
    if page is None:
        raise ExtractionError(article.missing["page"])
    return Extracted(article, followed_links(page, links_limit))


class ExtractionPool:
    """Runs :func:`extract_page` for the spider, in ``workers`` processes (0: in place)."""

    def __init__(self, workers: int):
        """The workers start with the first page to extract, not before: a re-crawl that gets
        only ``304`` answers never pays for them (nor waits for them to stop)."""
        self.executor: ProcessPoolExecutor | None = None
        if workers > 0:
            # spawned, not forked: a fork of a process running a reactor and threads is unsafe
            self.executor = ProcessPoolExecutor(
                workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=die_with_parent)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings.getint("EXTRACTION_WORKERS"))

    async def extract(self, body: bytes, url: str, profile: SiteProfile,
                      content_type: str | None, linked_as: str | None,
                      links_limit: int | None) -> Extracted:
        """:func:`extract_page`, in a worker when there are any; raises what it raises, and
        ``ExtractionPoolBrokenError`` when the worker died."""
        args = (body, url, profile, content_type, linked_as, links_limit)
        if self.executor is None:
            return extract_page(*args)
        try:
            return await asyncio.wrap_future(self.executor.submit(extract_page, *args))
        except BrokenProcessPool as error:
            raise ExtractionPoolBrokenError(
                f"the extraction worker process died ({error})") from None

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(cancel_futures=True)
