"""``extract``: one page in, one :class:`~scraper.items.Article` out. Pure: no network, no
Scrapy. The page is parsed once and every field function reads the same tree."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scraper.extraction import dates, meta, read_time, teasers
from scraper.extraction.body import Body, body
from scraper.extraction.decoding import ExtractionError
from scraper.extraction.document import Found, Page
from scraper.extraction.kind import article_kind
from scraper.extraction.text import text_of
from scraper.items import Article
from scraper.profiles import SiteProfile

#: Article fields filled only on article pages, with the reason stored when one is empty.
_ARTICLE_FIELDS: dict[str, tuple[Callable[[Page], Found[Any] | None], str]] = {
    "published": (dates.published, "no date signal found"),
    "modified": (dates.modified, "no modified date (JSON-LD, meta, time.updated or label)"),
    "read_time_minutes": (read_time.read_time, "no read-time label or timeRequired"),
    "author": (meta.author, "no author (selector, JSON-LD, meta or rel=author)"),
    "categories": (meta.categories, "no category links, articleSection or article:section"),
    "tags": (meta.tags, "no tag links, keywords or article:tag"),
    "image": (meta.image, "no og:image, JSON-LD image or image in the body"),
    "teasers": (teasers.teasers, "no related-posts block with links"),
}

#: Why a page nested past what the text walk can follow (about 1000 levels) is not read; the
#: parser itself keeps up to 2048 levels, so a page is never silently cut short.
_TOO_DEEP = "the page nests elements too deeply to read (about 1000 levels or more)"


def extract(html: str | bytes, url: str, profile: SiteProfile | None = None,
            content_type: str | None = None, linked_as: str | None = None) -> Article:
    """Everything the page says about its article.

    ``content_type`` is the HTTP header the page came with: its charset decides how bytes
    are read, before ``<meta charset>`` and the guess. ``linked_as`` is the crawl's evidence
    that the page is a post (``"sitemap"``: listed in the posts sitemap, ``"teaser"``: linked
    from a related-posts block): such a page with a headline and article-length text is an
    article unless strong evidence says otherwise (see :func:`article_kind`).
    Never raises on bad input: empty, binary or tag-less input gives a non-article whose
    ``missing["page"]`` says why. For non-article pages (listings, 404) only the URL, title
    and language are filled and ``missing["is_article"]`` gives the reason.
    """
    return extract_with_page(html, url, profile, content_type, linked_as)[0]


def extract_with_page(html: str | bytes, url: str, profile: SiteProfile | None = None,
                      content_type: str | None = None, linked_as: str | None = None
                      ) -> tuple[Article, Page | None]:
    """:func:`extract`, and the parsed page (None when the input is not HTML), for a caller
    that reads more of it: the crawl takes the links to follow from the same tree."""
    try:
        page = Page.parse(html, url, profile, content_type)
        return _article_of(page, linked_as), page
    except ExtractionError as error:
        reason = str(error)
    except RecursionError:  # the text walk recurses once per level of the tree
        reason = _TOO_DEEP
    return Article(url=url, is_article=False, missing={"page": reason}), None


def _article_of(page: Page, linked_as: str | None) -> Article:
    url = page.url
    missing: dict[str, str] = {}
    found: dict[str, Found[Any] | None] = {"url": _own_canonical(page, missing),
                                           "title": meta.title(page)}
    article_body = body(page)
    kind = article_kind(page, article_body.word_count, linked_as)
    if kind.is_article:
        found.update((name, function(page)) for name, (function, _) in _ARTICLE_FIELDS.items())
        missing.update((name, reason) for name, (_, reason) in _ARTICLE_FIELDS.items()
                       if found[name] is None)
        sample = article_body.text
    else:
        missing["is_article"] = kind.reason
        article_body = Body()
        sample = text_of(page.root, page.skip)
    found["language"] = meta.language(page, sample)
    if found["title"] is None:
        missing["title"] = "no headline, og:title or <title>"
    if found["language"] is None:
        missing["language"] = "no lang attribute, inLanguage or recognisable text"
    return _article(url, kind.is_article, found, article_body, missing)


def _own_canonical(page: Page, missing: dict[str, str]) -> Found[str] | None:
    """The page's canonical URL, unless it names the home page from another page (then the
    fetched URL stands, and ``missing["url"]`` says why)."""
    canonical = meta.canonical_url(page)
    if canonical is not None and meta.names_home_page(page, canonical.value):
        missing["url"] = f"canonical {canonical.value} names the home page, not this page"
        return None
    return canonical


def _article(url: str, is_article: bool, found: dict[str, Found[Any] | None], article_body: Body,
             missing: dict[str, str]) -> Article:
    values = {name: item.value for name, item in found.items() if item is not None}
    sources = {name: item.source for name, item in found.items() if item is not None}
    if is_article and article_body.text:
        sources["body_text"] = article_body.source or "heuristic"
        sources["read_time_estimated"] = "heuristic"
    elif is_article:
        missing["body_text"] = "no article text found"
    return Article(
        url=values.pop("url", url),
        is_article=is_article,
        body_text=article_body.text,
        word_count=article_body.word_count,
        headings=article_body.headings,
        read_time_estimated=read_time.estimated_read_time(article_body.word_count),
        field_sources=sources,
        missing=missing,
        **values,
    )
