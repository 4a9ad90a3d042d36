"""The archive's state a crawl reads: loaded once, by one component, for every part of it.

A re-crawl asks only for what may have changed, so three parts of the crawl need what earlier
runs learnt: the spider (which articles are known, to re-check the ones nothing linked to, and
when each was last confirmed, to trust a sitemap's ``lastmod``) and the conditional-requests
middleware (the ``ETag`` and ``Last-Modified`` of every archived page). This extension reads
them from the archive when the spider opens, in one short read transaction, and the others ask
it for them through :meth:`ArchiveState.of` instead of opening the archive themselves or
reading each other's attributes. ``--full`` (the spider's ``full`` argument) forgets the
validators and the confirmation times, so every page is fetched whole, but keeps the known
articles, so a removed one is still found gone.

With WARC capture on, a page the WARC files hold no response of (crawled before capture
existed, or with ``--no-warc``) gets neither its validators nor its confirmation time: it is
fetched whole once, so its bytes are stored and re-extraction can read them, where a 304 or a
sitemap skip would have kept it uncaptured for as long as it did not change. Once captured, it
is asked for conditionally again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured

from archive import Archive
from scraper.extensions import required_extension

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler

Validators = tuple[str | None, str | None]


@dataclass(frozen=True)
class PriorCapture:
    """A URL's newest ``response`` record in the WARC files: what a revisit refers to."""

    record_id: str
    date: str
    payload_digest: str


@dataclass
class ArchiveState:
    """Validators, known articles, confirmation times and WARC captures of one site, as the
    archive holds them when the crawl starts (empty until the spider opens, and for a new
    archive)."""

    db_path: str
    #: url -> (etag, last_modified) of every archived article and listing page.
    validators: dict[str, Validators] = field(default_factory=dict)
    known_articles: set[str] = field(default_factory=set)
    #: url -> when the archive last fetched or confirmed the article unchanged.
    confirmed_at: dict[str, datetime] = field(default_factory=dict)
    #: url -> its newest response record in the WARC files (any page, not only articles),
    #: for the WARC writer's revisit records; kept by ``--full`` too, which re-fetches
    #: pages whole but need not store the same bytes again.
    captures: dict[str, PriorCapture] = field(default_factory=dict)
    #: run id -> (its WARC file relative to the archive's folder, the end of its last record
    #: a fetch points at) of every killed run whose file is known: the WARC writer cuts a
    #: record torn by the kill off its end.
    killed_runs_warc: dict[int, tuple[str, int]] = field(default_factory=dict)
    #: WARC capture is on: validators and confirmation times are kept for captured pages
    #: only. (Never on a shared frontier, where capture is off: RedisArchiveState leaves it.)
    capture: bool = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if crawler.settings.get("REDIS_URL"):  # the writer publishes it there instead
            raise NotConfigured("the archive's state comes from Redis (RedisArchiveState)")
        state = cls(db_path=crawler.settings["ARCHIVE_DB"],
                    capture=crawler.settings.getbool("WARC_ENABLED"))
        crawler.signals.connect(state.spider_opened, signal=signals.spider_opened)
        return state

    @classmethod
    def of(cls, crawler: Crawler) -> ArchiveState:
        """The crawl's instance; a crawl configured without it is a bug, said as such."""
        return required_extension(crawler, cls)

    def spider_opened(self, spider: Spider) -> None:
        self.load(site=spider.profile.name, full=bool(getattr(spider, "full", False)))

    def load(self, *, site: str, full: bool) -> None:
        archive = Archive.open(self.db_path)
        try:
            self.known_articles = archive.article_urls(site)
            self.captures = {url: PriorCapture(*newest)
                             for url, newest in archive.latest_captures().items()}
            self.killed_runs_warc = archive.killed_runs_warc()
            if full:
                return
            validators = {**archive.page_validators(site), **archive.validators()}
            confirmed = archive.confirmed_articles(site)
        finally:
            archive.close()
        if self.capture:  # a page never stored whole is fetched whole, once
            validators = {url: pair for url, pair in validators.items() if url in self.captures}
            confirmed = {url: text for url, text in confirmed.items() if url in self.captures}
        self.validators = validators
        self.confirmed_at = {url: when for url, text in confirmed.items()
                             if (when := parse_datetime(text)) is not None}


def parse_datetime(value: str) -> datetime | None:
    """Parse an ISO 8601 date or datetime; naive values are taken as UTC."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
