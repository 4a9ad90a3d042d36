"""The blog spider: discovers every article of one blog and yields a record of every fetch.

Discovery uses three paths, because any one of them can be incomplete on a real blog: the
sitemaps named in robots.txt, the listing pages reached from the start URL (with their
pagination and category pages), and the related-post teasers of every article. Once the crawl
goes idle, articles the archive already holds but nothing linked to this time are re-checked, so
an article removed from the listings is still found gone.

Every response reaches :meth:`parse` (redirects and HTTP errors included, see settings), which
turns it into a :class:`~archive.records.Fetch`; the archive pipeline decides what each one means.
Only robots.txt, which Scrapy fetches itself, has its redirects followed for it.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import CloseSpider, DontCloseSpider
from scrapy.http import Request, Response, TextResponse
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure
from w3lib.url import safe_url_string

from archive.records import Fetch
from scraper.archive_state import ArchiveState, parse_datetime
from scraper.bounds import CrawlBounds
from scraper.extraction_pool import ExtractionPool, ExtractionPoolBrokenError
from scraper.failures import classify_failure
from scraper.links import followable
from scraper.profiles import SiteProfile, resolve_profile
from scraper.warc_capture import CAPTURE_META

#: Request priorities, before Scrapy's DepthMiddleware subtracts the depth (DEPTH_PRIORITY):
#: sitemaps first, then the pages a sitemap lists and the related posts an article links to
#: (articles, most likely), then everything else breadth-first, so that a trap of endless
#: listing pages waits behind the articles instead of starving them.
_SITEMAP_PRIORITY = 10
_ARTICLE_PRIORITY = 5
#: Bytes that text never holds (tab, newlines, form feed and carriage return aside).
_CONTROL_BYTES = bytes([*range(9), *range(14, 32)])
#: Redirects followed in a row before the chain counts as a loop, as browsers cap them.
_MAX_REDIRECTS = 5
#: A sitemap of posts, by its file name: Yoast's ``post-sitemap2.xml``, core WordPress's
#: ``wp-sitemap-posts-post-1.xml``, a news sitemap; never one of pages or terms.
_POSTS_SITEMAP = re.compile(r"post|news|article", re.IGNORECASE)
_NOT_POSTS_SITEMAP = re.compile(r"page|categor|tag|author|taxonom|user", re.IGNORECASE)
#: The close reason of a crawl whose extraction worker died (the run is recorded "failed").
_POOL_BROKEN = "extraction_pool_broken"


class BlogSpider(scrapy.Spider):
    name = "blog"

    def __init__(
        self,
        site: str | None = None,
        start_url: str | None = None,
        full: str | bool = False,
        max_pages: str | int | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.profile: SiteProfile = resolve_profile(site, start_url)
        #: host -> profile of every site this spider crawls: its own, and on a shared frontier
        #: those ``blog-archive enqueue`` added (looked up when first met).
        self.profiles: dict[str, SiteProfile | None] = {self.profile.host: self.profile}
        self.full = str(full).lower() in ("1", "true", "yes")
        #: At most this many requests (pages, listings and sitemaps; robots.txt aside); the
        #: spider argument, for Scrapyd, overrides the CRAWL_MAX_PAGES setting.
        self.max_pages = int(max_pages) if max_pages else None
        self.bounds: CrawlBounds
        self.extraction: ExtractionPool
        self.skipped_by_lastmod: set[str] = set()
        self.requested: set[str] = set()
        self.requested_sitemaps: set[str] = set()
        self.rechecked_known = False

    @classmethod
    def from_crawler(cls, crawler: scrapy.crawler.Crawler, *args: Any, **kwargs: Any) -> BlogSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.bounds = CrawlBounds.from_crawler(crawler, spider.max_pages)
        spider.extraction = ExtractionPool.from_crawler(crawler)
        crawler.signals.connect(spider.on_robots_parsed, signal=signals.robots_parsed)
        if not crawler.settings.get("REDIS_URL"):  # shared: once per run (frontier_run.py)
            crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        return spider

    def profile_for(self, url: str) -> SiteProfile | None:
        """The profile of the site ``url`` belongs to; None for a site this crawl leaves."""
        host = urlsplit(url).netloc.lower()
        if host not in self.profiles:
            self.profiles[host] = self.enqueued_profile(host) \
                if self.settings.get("REDIS_URL") else None
        return self.profiles[host]

    def enqueued_profile(self, host: str) -> SiteProfile | None:
        """The profile of a site enqueued on the shared frontier; None for one not enqueued.
        (Imported here: a local crawl never loads Redis's client.)"""
        from scraper.frontier import FrontierStore

        return FrontierStore.from_settings(self.settings).site_profile(host)

    def in_scope(self, url: str) -> bool:
        profile = self.profile_for(url)
        return profile is not None and profile.in_scope(url)

    def site_name(self, url: str) -> str:
        """The ``site`` of a fetch of ``url``, as the archive stores it."""
        profile = self.profile_for(url)
        return profile.name if profile is not None else self.profile.name

    @property
    def archive_state(self) -> ArchiveState:
        """What earlier runs learnt (see scraper/archive_state.py): the extension is made
        after the spider, so it is looked up when first needed, once the crawl has started."""
        return ArchiveState.of(self.crawler)

    async def start(self) -> AsyncIterator[Request]:
        yield self.page_request(self.profile.start_url)

    # --- discovery -------------------------------------------------------------------------

    def on_robots_parsed(self, robotparser: Any, request: Request) -> None:
        if self.profile_for(request.url) is None:
            return
        for sitemap_url in getattr(robotparser, "sitemap_urls", ()):
            self.schedule(self.sitemap_request(urljoin(request.url, sitemap_url)))

    def on_idle(self) -> None:
        """Re-check archived articles that nothing linked to during this run."""
        if self.rechecked_known:
            return
        self.rechecked_known = True
        if self.recheck_known():  # none when the page budget refused them all
            raise DontCloseSpider

    def recheck_known(self) -> bool:
        """Schedule the archived articles this process did not ask for; True if any. On a
        shared frontier, the duplicate filter drops those another process asked for."""
        unvisited = sorted(
            url for url in self.archive_state.known_articles
            if url not in self.requested and url not in self.skipped_by_lastmod
            and self.profile.in_scope(url)
        )
        requests = [request for request in map(self.page_request, unvisited) if request]
        for request in requests:
            self.schedule(request)
        return bool(requests)

    def schedule(self, request: Request | None) -> None:
        if request is not None:
            self.crawler.engine.crawl(request)

    def sitemap_request(self, url: str, depth: int = 0) -> Request | None:
        """A request for a sitemap on the site's host, once per run and within the bounds;
        None for anything else."""
        if self.profile_for(url) is None or url in self.requested_sitemaps \
                or not self.bounds.admit(url, depth, sitemap=True):
            return None
        self.requested_sitemaps.add(url)
        # never conditional: a 304 would hide the lastmod entries that let articles be skipped
        return Request(url, callback=self.parse_sitemap, errback=self.on_error,
                       priority=_SITEMAP_PRIORITY, meta=_recorded({"conditional": False}))

    def page_request(self, url: str, depth: int = 0, *, priority: int = 0,
                     meta: dict[str, Any] | None = None) -> Request | None:
        """A request for an in-scope page, once per run and within the bounds; None for
        anything else. ``depth`` is the request's (its page's plus one), which Scrapy's
        DepthMiddleware sets again: checked here, before the URL is marked requested, so a
        link refused as too deep can still be taken where it is found higher up."""
        url = urldefrag(url)[0]
        if url in self.requested or url in self.skipped_by_lastmod \
                or not self.in_scope(url) or not self.bounds.admit(url, depth):
            return None
        self.requested.add(url)
        return self.new_request(url, priority=priority, meta=meta)

    def new_request(self, url: str, *, priority: int = 0,
                    meta: dict[str, Any] | None = None) -> Request:
        """A request for a page, answered by :meth:`parse` (or :meth:`on_error`); unchecked:
        :meth:`page_request` checks it first, ``blog-archive enqueue`` puts a start URL."""
        return Request(url, callback=self.parse, errback=self.on_error, priority=priority,
                       meta=_recorded(meta))

    def parse_sitemap(self, response: Response) -> Iterator[Request | Fetch]:
        if response.status >= 400:  # a lost sitemap may hide articles: one to report
            yield self.http_error(response)
            return
        if response.status != 200:
            yield self.fetch_record(response, outcome="not_article")
            return
        try:
            body = self.sitemap_body(response)
        except ValueError as error:
            yield self.fetch_record(response, outcome="error", error=str(error),
                                    error_kind="bad_sitemap")
            return
        yield self.fetch_record(response, outcome="not_article")
        yield from self.sitemap_requests(response, body)

    def sitemap_body(self, response: Response) -> bytes:
        """The sitemap's XML: a gzipped one (``.xml.gz``) decompressed as Scrapy's
        SitemapSpider does, never past the download size limit; ValueError when it is corrupt
        or too large. (One sent with ``Content-Encoding: gzip`` arrives decompressed.)"""
        if not gzip_magic_number(response):
            return response.body
        max_size = response.meta.get("download_maxsize",
                                     self.settings.getint("DOWNLOAD_MAXSIZE"))
        try:
            return gunzip(response.body, max_size=max_size)
        except ValueError as error:  # scrapy's size check raises a ValueError subclass
            raise ValueError(f"gzipped sitemap too large: {error}") from None
        except (OSError, EOFError, struct.error, zlib.error) as error:
            raise ValueError(f"corrupt gzipped sitemap: {error}") from None

    def sitemap_requests(self, response: Response, body: bytes) -> Iterator[Request]:
        """Requests for the sitemaps and pages the sitemap lists."""
        depth = _depth_below(response)
        try:
            sitemap = Sitemap(body)
        except Exception:  # noqa: BLE001 — lxml raises several types on garbage
            self.logger.warning("Not a sitemap: %s", response.url)
            return
        linked = {"linked_as": "sitemap"} if _lists_posts(response.url) else None
        for entry in sitemap:
            loc = entry.get("loc")
            if not loc:
                continue
            if sitemap.type == "sitemapindex":
                request = self.sitemap_request(urljoin(response.url, loc), depth)
            elif self.unchanged_since_archived(loc, entry.get("lastmod")):
                self.skipped_by_lastmod.add(loc)
                self.crawler.stats.inc_value("blog_archive/skipped_by_lastmod")
                request = None
            else:
                request = self.page_request(urljoin(response.url, loc), depth,
                                            priority=_ARTICLE_PRIORITY, meta=linked)
            if request is not None:
                yield request

    def unchanged_since_archived(self, url: str, lastmod: str | None) -> bool:
        """True for an archived article whose sitemap ``lastmod`` predates the run that last
        fetched or confirmed it (``TRUST_SITEMAP_LASTMOD`` off: never, every article gets a
        conditional request)."""
        confirmed = self.archive_state.confirmed_at.get(url)
        if confirmed is None or not lastmod or url in self.requested \
                or not self.settings.getbool("TRUST_SITEMAP_LASTMOD"):
            return False
        modified = parse_datetime(lastmod)
        return modified is not None and modified <= confirmed

    # --- pages -----------------------------------------------------------------------------

    async def parse(self, response: Response) -> AsyncIterator[Request | Fetch]:
        if response.status == 304:
            yield self.fetch_record(response, outcome="not_modified")
        elif 300 <= response.status < 400:
            for output in self.follow_redirect(response):
                yield output
        elif response.status >= 400:
            yield self.http_error(response)
        elif not isinstance(response, TextResponse):
            yield self.fetch_record(response, outcome="not_article",
                                    error="not an HTML page", error_kind="not_html")
        elif _looks_binary(response.body):
            yield self.fetch_record(response, outcome="error", error_kind="not_html",
                                    error="binary data served as an HTML page")
        else:
            async for output in self.parse_html(response):
                yield output

    def http_error(self, response: Response) -> Fetch:
        """An error fetch for a 4xx/5xx answer: a 404 of an archived article marks it gone."""
        return self.fetch_record(response, outcome="error", error=f"HTTP {response.status}",
                                 error_kind=f"http_{response.status}")

    def follow_redirect(self, response: Response) -> Iterator[Request | Fetch]:
        # Read as Scrapy's RedirectMiddleware reads it: UTF-8, percent-encoded. Servers send
        # raw UTF-8 paths; as latin-1, /en/zażółć/ became mojibake and the moved post was lost.
        location = safe_url_string(response.headers.get("Location", b""))
        if not location:
            yield self.fetch_record(response, outcome="error", error="redirect without Location",
                                    error_kind="bad_redirect")
            return
        target = urljoin(response.url, location)
        if not self.in_scope(target):
            yield self.fetch_record(response, outcome="error", redirect_to=target,
                                    error=f"redirects outside the site to {target}",
                                    error_kind="offsite_redirect")
            return
        chain = (*response.meta.get("redirect_chain", ()), response.url)
        if target in chain or len(chain) > _MAX_REDIRECTS:
            yield self.fetch_record(response, outcome="error", redirect_to=target,
                                    error=f"redirect loop through {len(chain)} URLs",
                                    error_kind="redirect_loop")
            return
        yield self.fetch_record(response, outcome="redirected", redirect_to=target)
        request = self.page_request(target, _depth_below(response),
                                    meta={"redirect_chain": chain})
        if request is not None:
            yield request

    async def parse_html(self, response: TextResponse) -> AsyncIterator[Request | Fetch]:
        """Extract the article and follow the page's links, both from one parse of it (in the
        extraction pool's worker, when it has one: scraper/extraction_pool.py)."""
        try:
            extracted = await self.extraction.extract(
                response.body, response.url, self.profile_for(response.url) or self.profile,
                _header(response.headers, "Content-Type"), response.meta.get("linked_as"),
                self.bounds.links_limit())
        except ExtractionPoolBrokenError as error:  # every later page would fail the same way
            self.logger.error("Extraction stopped on %s: %s", response.url, error)
            yield self.fetch_record(response, outcome="error", error=f"extraction failed: {error}; "
                                    "the crawl stopped", error_kind="extraction")
            raise CloseSpider(_POOL_BROKEN) from None
        except Exception as error:  # noqa: BLE001 — one bad page must not stop the crawl
            self.logger.error("Extraction failed on %s: %s", response.url, error)
            yield self.fetch_record(response, outcome="error", error=f"extraction failed: {error}",
                                    error_kind="extraction")
            return
        article = extracted.article
        links = self.bounds.take_links(extracted.links)
        outcome = "new" if article.is_article else "not_article"
        yield self.fetch_record(response, outcome=outcome,
                                article=article if article.is_article else None,
                                field_sources=article.field_sources, missing=article.missing)
        depth = _depth_below(response)
        teasers = [teaser.url for teaser in article.teasers
                   if article.is_article and followable(teaser.url)]
        for link in teasers:
            request = self.page_request(link, depth, priority=_ARTICLE_PRIORITY,
                                        meta={"linked_as": "teaser"})
            if request is not None:
                yield request
        for link in links:
            request = self.page_request(link, depth)
            if request is not None:
                yield request

    def on_error(self, failure: Failure) -> Iterator[Fetch]:
        """Every request that got no response, or whose response Scrapy dropped (too large
        once decompressed, refused by robots.txt), is a fetch with its reason. A robots.txt
        refusal is a failure only for a sitemap or an archived article, which this run then
        cannot read; any other link robots.txt forbids is ``skipped``."""
        kind, message = classify_failure(failure)
        request = failure.request  # type: ignore[attr-defined]
        skipped = kind == "robots_txt" and request.callback != self.parse_sitemap \
            and request.url not in self.archive_state.known_articles
        # an answer the middlewares refused after it arrived (a body that cannot be
        # decompressed) is captured all the same
        yield Fetch(url=request.url, outcome="skipped" if skipped else "error", error=message,
                    error_kind=kind, capture=request.meta.get(CAPTURE_META))

    def fetch_record(self, response: Response, *, outcome: str, **fields: Any) -> Fetch:
        headers = response.headers
        return Fetch(
            url=response.url,
            final_url=response.url,
            status=response.status,
            outcome=outcome,
            etag=_header(headers, "ETag"),
            last_modified=_header(headers, "Last-Modified"),
            elapsed_ms=round(response.meta.get("download_latency", 0) * 1000),
            bytes=len(response.body),
            capture=response.meta.get(CAPTURE_META),
            **fields,
        )


def _lists_posts(sitemap_url: str) -> bool:
    """True for a sitemap of posts: each page it lists is evidence of an article."""
    name = urlsplit(sitemap_url).path.rsplit("/", 1)[-1]
    return bool(_POSTS_SITEMAP.search(name)) and not _NOT_POSTS_SITEMAP.search(name)


def _recorded(meta: dict[str, Any] | None) -> dict[str, Any]:
    """Meta for the spider's own requests: Scrapy's redirect middleware is on, for robots.txt
    (RFC 9309: follow at least five redirects), but a redirect of a page or sitemap must reach
    the spider, which records it (and follows a page's redirect itself)."""
    return {**(meta or {}), "dont_redirect": True}


def _depth_below(response: Response) -> int:
    """The depth of the links of ``response``: one more than its own, which Scrapy's
    DepthMiddleware keeps in ``meta`` (0 for the start URL, robots.txt's sitemaps and the
    re-checks of archived articles)."""
    return int(response.meta.get("depth", 0)) + 1


def _looks_binary(body: bytes) -> bool:
    """True for bytes no text encoding produces: NULs or many control characters."""
    head = body[:4096]
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return b"\x00" in head or controls > len(head) // 20


def _header(headers: Any, name: str) -> str | None:
    value = headers.get(name)
    return value.decode("latin-1") if value else None

