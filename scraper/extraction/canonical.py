"""The ``url`` field: the page's canonical address (``<link rel=canonical>``, ``og:url``)
when it may be the page's own (an http(s) page of the same site, not the home page from
another page); otherwise the fetched URL stands."""

from __future__ import annotations

from urllib.parse import urlsplit

from scraper.extraction.document import Found, Missing, Page

#: The schemes of a page a crawl can fetch, and so of an address a canonical may give it.
_WEB = ("http", "https")


def url(page: Page) -> Found[str] | Missing | None:
    """The page's canonical URL when it may be the page's address; otherwise the fetched URL
    stands, and the reason is kept. A canonical is the page's claim, not an order: it must
    name an http(s) page of the same site (the fetched page's host, else the profile's;
    inside the profile's paths), and not the home page from another page (an SEO plugin set
    up wrong makes every post claim it)."""
    canonical = canonical_url(page)
    if canonical is None:
        return None
    claimed = urlsplit(canonical.value)
    own = urlsplit(page.url)
    site = own.netloc if own.scheme in _WEB else page.profile.host if page.profile else None
    if claimed.scheme not in _WEB or not claimed.hostname:
        return Missing(f"canonical {canonical.value} is not an http(s) page")
    if site is not None and claimed.netloc.lower() != site.lower():
        return Missing(f"canonical {canonical.value} is on another site than {site}")
    if page.profile and not page.profile.with_start_url(canonical.value).in_scope(
            canonical.value):
        return Missing(f"canonical {canonical.value} is outside the site's paths")
    if names_home_page(page, canonical.value):
        return Missing(f"canonical {canonical.value} names the home page, not this page")
    return canonical


def canonical_url(page: Page) -> Found[str] | None:
    """``<link rel=canonical>``, else ``og:url``; absolute."""
    for link in page.doc.iter("link"):
        url = page.absolute(link.get("href")) if link.get("rel") == "canonical" else None
        if url:
            return Found(url, "meta")
    url = page.absolute(page.meta_value("og:url"))
    return Found(url, "opengraph") if url else None


def names_home_page(page: Page, canonical: str) -> bool:
    """True when ``canonical`` is the site's home page (the root, or the profile's start URL)
    and ``page`` is not: an SEO plugin set up wrong makes every post claim the home page, and
    taking its word would file every article under one address. Paths are compared without
    hosts, so a mirror's post pointing at the production home page is caught as well."""
    home = _home_path(canonical)
    homes = {"", _home_path(page.profile.start_url) if page.profile else ""}
    return home in homes and home != _home_path(page.url)


def _home_path(url: str) -> str | None:
    """The path of ``url`` without its trailing slash; None when a query names a page
    (``/?p=42`` is a post, not the home page)."""
    parts = urlsplit(url)
    return None if parts.query else parts.path.rstrip("/")
