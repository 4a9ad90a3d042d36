"""``extract``: one page in, one :class:`~archive.records.Article` out. Pure: no network, no
Scrapy. The page is parsed once and every field function reads the same tree."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from archive.records import Article
from scraper.extraction import (
    author,
    canonical,
    dates,
    image,
    language,
    read_time,
    teasers,
    terms,
    title,
)
from scraper.extraction.body import Body, body
from scraper.extraction.decoding import ExtractionError
from scraper.extraction.document import Found, Missing, Page
from scraper.extraction.kind import Kind, article_kind
from scraper.extraction.text import text_of
from scraper.profiles import SiteProfile

_Reader = Callable[[Page, Body], Found[Any] | Missing | None]


class _Field(NamedTuple):
    """How one field is read: its function, given the page and its text (the body, or on a
    non-article the page's whole text); the reason stored in ``missing`` when it gives
    nothing (None: nothing is missing, the fetched URL or the default stands); whether only
    an article has it; and how a non-article that is still one item (a video, a forum
    thread: see :class:`~scraper.extraction.kind.Kind`) reads it, when it has it at all."""

    read: _Reader
    missing: str | None
    articles_only: bool = True
    on_item: _Reader | None = None

    def reader(self, kind: Kind) -> _Reader | None:
        """The function that reads this field on a page of ``kind``; None: not read."""
        if kind.is_article or not self.articles_only:
            return self.read
        return self.on_item if kind.one_item else None


def _of_page(function: Callable[[Page], Found[Any] | Missing | None]) -> _Reader:
    """A field function that reads the page alone."""
    return lambda page, _text: function(page)


def _language(page: Page, text: Body) -> Found[str] | None:
    return language.language(page, text.text)


def _body_text(_page: Page, text: Body) -> Found[str] | None:
    return Found(text.text, text.source or "heuristic") if text.text else None


def _estimated(_page: Page, text: Body) -> Found[int] | None:
    """Ours, from the word count: never what the page said."""
    minutes = read_time.estimated_read_time(text.word_count) if text.text else None
    return Found(minutes, "heuristic") if minutes else None


#: Every field of an :class:`Article`, in the order its sources are recorded, each with its
#: module's function: one registry, so a field is read, sourced and explained in one place.
_FIELDS: dict[str, _Field] = {
    "url": _Field(_of_page(canonical.url), None, articles_only=False),
    "title": _Field(_of_page(title.title), "no headline, og:title or <title>",
                    articles_only=False),
    "published": _Field(_of_page(dates.published), "no date signal found",
                        on_item=_of_page(dates.published_stated)),
    "modified": _Field(_of_page(dates.modified),
                       "no modified date (JSON-LD, meta, time.updated or label)",
                       on_item=_of_page(dates.modified_stated)),
    "read_time_minutes": _Field(_of_page(read_time.read_time),
                                "no read-time label or timeRequired"),
    "author": _Field(_of_page(author.author), "no author (selector, JSON-LD, meta or rel=author)"),
    "categories": _Field(_of_page(terms.categories),
                         "no category links, articleSection or article:section"),
    "tags": _Field(_of_page(terms.tags), "no tag links, keywords or article:tag"),
    "image": _Field(_of_page(image.image), "no og:image, JSON-LD image or image in the body"),
    "teasers": _Field(_of_page(teasers.teasers), "no related-posts block with links"),
    "language": _Field(_language, "no lang attribute, inLanguage or recognisable text",
                       articles_only=False),
    "body_text": _Field(_body_text, "no article text found"),
    "read_time_estimated": _Field(_estimated, None),
}

#: Why a page is not read when some walk of it still recursed past Python's limit. None
#: should: the text walk stops 600 levels down, the parser refuses pages past 2,048 levels
#: and JSON-LD is flattened in a loop; ``extract`` promises never to raise on bad input.
_TOO_DEEP = "the page nests too deeply to read"


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
    and language are filled and ``missing["is_article"]`` gives the reason; a non-article
    that is still one item (a video, a forum thread) keeps the dates it states about itself.
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
    except RecursionError:  # a net under the contract: no walk here recurses per level
        reason = _TOO_DEEP
    return Article(url=url, is_article=False, missing={"page": reason}), None


def _article_of(page: Page, linked_as: str | None) -> Article:
    article_body = body(page)
    kind = article_kind(page, article_body.word_count, linked_as)
    missing = {} if kind.is_article else {"is_article": kind.reason}
    text = article_body if kind.is_article else Body(text_of(page.root, page.skip))
    found: dict[str, Found[Any]] = {}
    for name, field in _FIELDS.items():
        read = field.reader(kind)
        if read is None:
            continue
        result = read(page, text)
        if isinstance(result, Missing):
            missing[name] = result.reason
        elif result is not None:
            found[name] = result
        elif field.missing is not None:
            missing[name] = field.missing
    values = {name: item.value for name, item in found.items()}
    kept = article_body if kind.is_article else Body()
    return Article(
        url=values.pop("url", page.url),
        is_article=kind.is_article,
        body_text=values.pop("body_text", ""),
        word_count=kept.word_count,
        headings=kept.headings,
        field_sources={name: item.source for name, item in found.items()},
        missing=missing,
        **values,
    )
