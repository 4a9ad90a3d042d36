"""The ``title`` field: the article's headline, never the site's name (the site selector,
the article's h1, JSON-LD, ``og:title``, ``<title>`` without its " - Site")."""

from __future__ import annotations

from collections.abc import Iterator

from scraper.extraction.document import TITLE_SEPARATORS, Found, Page
from scraper.extraction.text import (
    normalize_space,
    text_of,
)


def title(page: Page) -> Found[str] | None:
    """The article's headline, never the site name: the site selector, the h1 inside the
    article (a logo h1 in the header is outside it), JSON-LD ``headline``, ``og:title``,
    ``<title>`` (those two without their " - Site" suffix), then any h1 outside the chrome."""
    candidates = _title_candidates(page)
    return next((c for c in candidates if c.value and c.value != page.site_name), None)


def _title_candidates(page: Page) -> Iterator[Found[str]]:
    for el in page.site("title"):
        yield Found(text_of(el), "site")
    for el in page.root.iter("h1"):
        if not page.in_noise(el):
            yield Found(text_of(el), "heuristic")
    headline = page.jsonld.article_value("headline")
    if isinstance(headline, str):
        yield Found(strip_site_name(headline, page.site_name) if page.site_name else
                    normalize_space(headline), "json-ld")
    og_title = page.meta_value("og:title")
    if og_title:
        yield Found(strip_site_name(og_title, page.site_name), "opengraph")
    if page.head_title:
        yield Found(strip_site_name(page.head_title, page.site_name), "meta")
    for el in page.doc.iter("h1"):
        if not page.in_noise(el):
            yield Found(text_of(el), "heuristic")


def strip_site_name(value: str, site_name: str | None) -> str:
    """``value`` without a " - Site" / " | Site" suffix (or a "Site | " prefix).

    With a known site name only that name is stripped; without one only a " | " suffix is,
    because a dash is common inside real headlines.
    """
    text = normalize_space(value)
    parts = TITLE_SEPARATORS.split(text)
    if site_name and len(parts) > 1:
        name = normalize_space(site_name).casefold()
        if parts[-1].casefold() == name:
            return text[:text.rfind(parts[-1])].rstrip(" |-–—·•»:")
        if parts[0].casefold() == name:
            return text[len(parts[0]):].lstrip(" |-–—·•»:")
        return text
    head, separator, _ = text.rpartition(" | ")
    return head if separator and head else text
