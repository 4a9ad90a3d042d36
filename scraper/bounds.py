"""The crawl's bounds: what makes every run end, whatever the site serves.

A blog can hold a trap a crawler never leaves: a calendar linking to the next month forever, a
pager whose page N+1 always exists, a search form whose every result page adds a parameter, a
page with a hundred thousand links, a sitemap index pointing at another index. Each bound
below ends one of them; each has a default meant never to cut a real blog short and is raised
(or turned off with 0) by its setting. Every request the spider makes passes
:meth:`CrawlBounds.admit` first, and a request refused is counted under ``blog_archive/bound/``
in the crawl's stats; :meth:`CrawlBounds.reached` gives the run record, from which the CLI
prints one ``bound reached:`` line per bound (:func:`bound_lines`).

Scrapy's own mechanisms are used where they fit: ``DEPTH_LIMIT`` is Scrapy's setting (and its
``DepthMiddleware`` keeps the depth in ``meta`` and orders requests breadth-first through
``DEPTH_PRIORITY``), and the wall time is ``CLOSESPIDER_TIMEOUT``, whose close reason
``closespider_timeout`` marks the run. The spider checks depth itself as well, *before* it
marks a URL requested: DepthMiddleware drops a too-deep request after the spider has marked it,
so an article first seen one level too deep and then at a shallow depth would never be asked
for. The page budget is not ``CLOSESPIDER_PAGECOUNT``, which counts responses (robots.txt and
retries included) and closes the spider with requests in flight, unrecorded; refusing request
N+1 instead lets all N finish and be recorded. Query variants per path, links per page and
sitemaps per run have no Scrapy counterpart.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

STAT_PREFIX = "blog_archive/bound/"


@dataclass(frozen=True)
class Bound:
    """One bound: its name in the run record, the setting (and option) that sets it, and
    what a refusal under it means, for the ``bound reached:`` line."""

    name: str
    setting: str
    label: str
    refused: str
    option: str | None = None

    def line(self, limit: float, refused: int) -> str:
        where = f"{self.option} or -s {self.setting}" if self.option else f"-s {self.setting}"
        shown = f"{limit:g}" if isinstance(limit, float) else str(limit)
        count = f"{self.refused}: {refused}" if refused else self.refused
        return f"bound reached: {self.label} {shown} ({where}); {count}"


BOUNDS: dict[str, Bound] = {bound.name: bound for bound in (
    Bound("pages", "CRAWL_MAX_PAGES", "requests per run", "requests refused",
          "--max-pages"),
    Bound("depth", "DEPTH_LIMIT", "depth from the start URL and sitemaps",
          "deeper links not followed", "--max-depth"),
    Bound("query_variants", "CRAWL_MAX_QUERY_VARIANTS", "query strings per path",
          "query strings not followed"),
    Bound("links_per_page", "CRAWL_MAX_LINKS_PER_PAGE", "links taken per page",
          "pages whose further links were not followed"),
    Bound("sitemaps", "CRAWL_MAX_SITEMAPS", "sitemap documents per run",
          "sitemaps not fetched"),
    Bound("time", "CLOSESPIDER_TIMEOUT", "seconds per run",
          "the run was stopped, what it had not asked for yet left for the next run",
          "--max-time"),
)}
#: The settings of the bounds, which 0 turns off and which cannot be negative.
BOUND_SETTINGS = frozenset(bound.setting for bound in BOUNDS.values())
#: Scrapy's close reason for each bound it enforces itself.
_CLOSE_REASONS = {"closespider_timeout": "time"}


class CrawlBounds:
    """Counts what the run asked for and refuses what would pass a bound."""

    def __init__(self, crawler: Crawler, max_pages: int | None = None):
        settings = crawler.settings
        self.crawler = crawler
        self.settings = settings
        self.max_pages = max_pages if max_pages is not None \
            else settings.getint("CRAWL_MAX_PAGES")
        self.max_depth = settings.getint("DEPTH_LIMIT")
        self.max_variants = settings.getint("CRAWL_MAX_QUERY_VARIANTS")
        self.max_links = settings.getint("CRAWL_MAX_LINKS_PER_PAGE")
        self.max_sitemaps = settings.getint("CRAWL_MAX_SITEMAPS")
        self.requests = 0
        self.sitemaps = 0
        #: (scheme, host, path) -> the distinct query strings asked for on it.
        self.variants: defaultdict[tuple[str, str, str], set[str]] = defaultdict(set)
        self.refused: Counter[str] = Counter()

    @classmethod
    def from_crawler(cls, crawler: Crawler, max_pages: int | None = None) -> Self:
        return cls(crawler, max_pages)

    def admit(self, url: str, depth: int, *, sitemap: bool = False) -> bool:
        """True when a request for ``url`` at ``depth`` stays within every bound, and it is
        then counted; False (the refusal counted under its bound) otherwise."""
        if self.max_depth and depth > self.max_depth:
            return self.refuse("depth")
        if sitemap and self.max_sitemaps and self.sitemaps >= self.max_sitemaps:
            return self.refuse("sitemaps")
        if self.max_pages and self.requests >= self.max_pages:
            return self.refuse("pages")
        parts = urlsplit(url)
        if parts.query and self.max_variants:
            seen = self.variants[parts.scheme, parts.netloc, parts.path]
            if parts.query not in seen and len(seen) >= self.max_variants:
                return self.refuse("query_variants")
            seen.add(parts.query)
        self.requests += 1
        self.sitemaps += sitemap
        return True

    def links_limit(self) -> int | None:
        """How many links to read from one page: one more than may be taken, so that a page
        over the bound is seen to be (None: no bound)."""
        return self.max_links + 1 if self.max_links else None

    def take_links(self, links: list[str]) -> list[str]:
        """The links of one page that may be followed: the first ``max_links``."""
        if self.max_links and len(links) > self.max_links:
            self.refuse("links_per_page")
            return links[:self.max_links]
        return links

    def refuse(self, name: str) -> bool:
        self.refused[name] += 1
        # read at refusal: a spider's components are built before the crawl has its stats
        self.crawler.stats.inc_value(f"{STAT_PREFIX}{name}")
        return False

    def reached(self, reason: str) -> dict[str, dict[str, float]]:
        """The bounds this run reached, for its record: name -> its limit and how many
        requests (pages, for links per page) it refused. Scrapy's own close (the wall time)
        dropped whatever was still queued, uncounted: 0."""
        limits = {"pages": self.max_pages, "depth": self.max_depth,
                  "query_variants": self.max_variants, "links_per_page": self.max_links,
                  "sitemaps": self.max_sitemaps}
        reached: dict[str, dict[str, float]] = {
            name: {"limit": limits[name], "refused": count}
            for name, count in self.refused.items()}
        if reason in _CLOSE_REASONS:
            name = _CLOSE_REASONS[reason]
            reached[name] = {"limit": self.settings.getfloat(BOUNDS[name].setting),
                             "refused": 0}
        return reached


def bound_lines(reached: dict[str, dict[str, float]]) -> list[str]:
    """One ``bound reached:`` line per bound of a run record, in the order of BOUNDS."""
    return [BOUNDS[name].line(reached[name]["limit"], int(reached[name]["refused"]))
            for name in BOUNDS if name in reached]
