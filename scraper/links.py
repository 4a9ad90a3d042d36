"""The links of a page the crawl follows, read from the tree extraction already parsed.

What Scrapy's ``LinkExtractor(deny=DENY)`` gives (``<a>`` and ``<area>`` hrefs against the
page's ``<base>``, http(s) only, no file downloads, nothing matching ``DENY``), without its
second parse of every page and its ``urlparse`` of every link, which together cost more than
the whole extraction of the page; and without tracking parameters (``utm_*``...), which would
make one post two requests. Addresses are cleaned by :mod:`scraper.extraction.urls`, as every
address extraction stores is, so a followed link and a teaser's URL are the same string.
``tests/test_links.py`` holds the two to the same answers.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy.linkextractors import IGNORED_EXTENSIONS
from w3lib.url import safe_url_string

if TYPE_CHECKING:
    from scraper.extraction.document import Page

#: WordPress URLs that are never articles nor lead to new ones.
DENY = (
    r"/feed/?$",
    r"/wp-json/",
    r"/wp-admin/",
    r"/wp-login\.php",
    r"/wp-content/",
    r"/comment-page-\d+",
    r"[?&](replytocom|share|s|add-to-cart)=",
    r"/xmlrpc\.php",
)
_DENIED = re.compile("|".join(DENY))
#: Downloads (archives, images, documents...) that are never pages: Scrapy's own list.
_DOWNLOAD_EXTENSIONS = tuple(f".{extension}" for extension in IGNORED_EXTENSIONS)
#: Characters a URL may hold as written; any other (non-ASCII, spaces, quotes) is escaped.
_UNSAFE = re.compile(r"[^A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]")


def followed_links(page: Page, limit: int | None = None) -> list[str]:
    """The page's distinct followable links in page order, absolute, fragments dropped; only
    the first ``limit`` of them when given, so that a page of 100,000 links costs no list
    (nor, in the spider, requests) of them all."""
    links: dict[str, None] = {}
    for element in page.doc.iter("a", "area"):
        if limit is not None and len(links) >= limit:
            break
        url = page.absolute(element.get("href"))
        if url is None or url in links:
            continue
        url = _to_follow(url)
        if url is not None:
            links[url] = None
    return list(links)


@lru_cache(maxsize=4096)
def _to_follow(url: str) -> str | None:
    """``url`` with unsafe characters escaped, or None when it is not to be followed.
    Cached: a blog's menus, footer and pager give the same addresses on every page, and the
    checks (two regex searches, an ``urlsplit`` for a path without a trailing slash) cost
    more than the lookup."""
    if _UNSAFE.search(url):
        url = safe_url_string(url)
    return url if followable(url) else None


def followable(url: str) -> bool:
    """True for an absolute http(s) URL that is neither denied nor a download."""
    return url.startswith(("http://", "https://")) and not _DENIED.search(url) \
        and not _is_download(url)


def _is_download(url: str) -> bool:
    """True when the path ends in a download's extension; the cheap test first, since
    nearly every page path ends in ``/``."""
    return not url.endswith("/") and urlsplit(url).path.lower().endswith(_DOWNLOAD_EXTENSIONS)
