"""Is this page one article, or a listing, a category, a search result, a 404?

Explicit signals win over structure: WordPress body classes, a search address, then the shape
of the page (many post cards or pagination), then JSON-LD and OpenGraph types, then a single
article element with a headline and a body. The reason is kept, so a page dropped as "not an
article" is explained.
"""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import parse_qsl, urlsplit

from scraper.extraction.document import ARTICLE_ITEMTYPES, Page
from scraper.extraction.jsonld import node_types
from scraper.extraction.selectors import within
from scraper.extraction.text import Element, has_class_word, text_content, with_class, word_pattern
from scraper.extraction.urls import ARCHIVE_PATH, SEARCH_SEGMENTS
from scraper.extraction.vocabulary import VOCABULARY

#: WordPress body classes of pages that are not one post.
_LISTING_BODY = VOCABULARY.words("listing_body_classes")
_LISTING_TYPES = frozenset({"CollectionPage", "SearchResultsPage", "ItemList"})
#: WooCommerce's product, cart, checkout and account pages: the shop beside the blog.
_SHOP_BODY = VOCABULARY.words("shop_body_classes")
_EXCERPT_CLASS = word_pattern(VOCABULARY.words("listing_excerpt_classes"))
_PAGINATION_CLASS = word_pattern(VOCABULARY.words("pagination_classes"))
_PAGE_NUMBER_LINK = re.compile(r"/page/\d+|[?&](?:page|paged)=\d+")
_NOT_FOUND = re.compile(rf"\b404\b|{VOCABULARY.alternation('not_found')}", re.IGNORECASE)
#: og:types some platforms (Webflow, Gatsby's starter) put on every page, posts included:
#: they decide nothing, and the page's structure does.
_SITEWIDE_OG_TYPES = frozenset({"website"})
#: og:types that name one post: OpenGraph's own ``article`` and the values some publishers
#: write for theirs (an opinion section's ``commentary``, a blog engine's ``post``).
_ARTICLE_OG_TYPES = frozenset({"article", "post", "blogpost", "blogposting", "commentary",
                               "newsarticle"})
#: og:types of a work released on a day (OpenGraph's ``video.*``, ``music.*`` and ``book``):
#: one item with a date of its own, where a ``profile`` or a ``product`` has none.
_RELEASED_OG_TYPES = ("video.", "music.", "book")
_SEARCH_KEYS = frozenset({"s", "q", "query", "search", "keys"})
#: A listing shows at least this many post cards outside the related block.
MIN_LISTING_CARDS = 3
#: An article found by structure alone needs at least this much text.
MIN_ARTICLE_WORDS = 50
_ARTICLE_BODY_CLASS = word_pattern(VOCABULARY.words("article_body_classes"))


class Kind(NamedTuple):
    """The verdict and why (the reason is stored in ``missing`` for non-articles).

    ``one_item`` tells a non-article that is still one thing of its own (a video, a forum
    thread, a page with too little text to call an article) from one that is many things or
    none (a listing, an archive, a search, a shop, a static page, a 404): nothing proved the
    first a listing, so the date it states about itself is still its date."""

    is_article: bool
    reason: str
    one_item: bool = False


def article_kind(page: Page, word_count: int, linked_as: str | None = None) -> Kind:
    """Decide whether ``page`` is a single article; ``word_count`` is its body's.

    ``linked_as`` says how the crawl found the page (the posts sitemap, a related-posts
    teaser): a page so linked, with a headline and article-length text, is an article unless
    strong evidence says otherwise (a listing's or a shop's body class, a search, category or
    tag address, post cards or pagination, a listing's JSON-LD type, a "not found" title);
    weak evidence (WordPress's ``page-id-N``, an unusual og:type, no article type at all)
    does not outweigh it."""
    linked = linked_as is not None and word_count >= MIN_ARTICLE_WORDS and (
        page.headline is not None or page.meta_value("og:title") is not None)
    body = page.body_classes
    if "single-post" in body:
        return Kind(True, "body class single-post")
    listed = [c for c in _LISTING_BODY if c in body]
    if listed:
        return Kind(False, f"listing or error page (body class {listed[0]!r})")
    shop = [c for c in _SHOP_BODY if c in body]
    if shop:
        return Kind(False, f"a shop page, not a post (body class {shop[0]!r})")
    if _is_search_url(page.url):
        return Kind(False, "search results page (its address is a search)")
    if ARCHIVE_PATH.search(urlsplit(page.url).path):
        return Kind(False, "listing page (its address is a category, tag or author archive)")
    if not linked and any(token.startswith("page-id-") for token in body):
        return Kind(False, "a static page, not a post (WordPress body class 'page-id-…')")
    lone = _lone_article(page, word_count)
    if lone:
        return Kind(True, lone)
    cards = [el for el in (*page.doc.iter("article"), *with_class(page.doc, ("div", "p"),
                                                                  _EXCERPT_CLASS))
             if not page.in_noise(el) and not _is_the_story(page, el)]
    if len(cards) >= MIN_LISTING_CARDS and not _beside_the_text(page, cards, word_count):
        return Kind(False, f"listing page ({len(cards)} post cards)")
    # Pagination is noise for the body, so only where it sits is checked (not in comments).
    if any(not page.in_noise(el.getparent()) and _numbers_pages(el)
           for el in with_class(page.doc, ("nav", "div", "ul"), _PAGINATION_CLASS)):
        return Kind(False, "listing page (pagination)")
    types = {t for node in page.jsonld.nodes for t in node_types(node)}
    if page.jsonld.article is not None:
        return Kind(True, "JSON-LD Article node")
    if types & _LISTING_TYPES:
        return Kind(False, f"listing page (JSON-LD {sorted(types & _LISTING_TYPES)[0]})")

    og_type = (page.meta_value("og:type") or "").strip().lower()
    if "/" in og_type:
        og_type = ""  # a media type ("text/html") written where a type belongs says nothing
    if og_type in _ARTICLE_OG_TYPES:
        return Kind(True, f"og:type {og_type}")
    if og_type and og_type not in _SITEWIDE_OG_TYPES and not linked:
        return Kind(False, f"og:type {og_type!r}",
                    one_item=og_type.startswith(_RELEASED_OG_TYPES))
    if page.headline is not None and word_count >= MIN_ARTICLE_WORDS:
        return Kind(True, "an article element with a headline and a body")
    if word_count >= MIN_ARTICLE_WORDS and page.titled_heading(page.root) is not None:
        return Kind(True, "a heading saying the page's title, with a body")
    if word_count >= MIN_ARTICLE_WORDS and _says_article_body(page.body.value):
        return Kind(True, "the text's box says it is an article's body")
    if _NOT_FOUND.search(page.head_title or ""):
        return Kind(False, "error page (title says not found)")
    if linked:
        return Kind(True, f"linked as a post ({linked_as}), with a headline and "
                          "article-length text")
    return Kind(False, "no article signal (no JSON-LD Article, og:type article or headline "
                       "with body text)", one_item=True)


def _is_the_story(page: Page, el: Element) -> bool:
    """True for the article element that is the page's article, holding its h1 or a heading
    that says the page's title (a story stream's first story): the story's own element,
    never one of a listing's cards (a listing wrapped in an article element keeps its
    nested cards)."""
    return el is page.root and el.tag == "article" and (
        page.headline is not None or
        any(page.says_title(text_content(h)) for h in el.iter("h2", "h3")))


def _says_article_body(el: Element) -> bool:
    """True for a box marked as an article's body (``itemprop=articleBody``, a class such as
    ``article-body``): a template for articles, where ``entry-content`` serves every page."""
    return el.get("itemprop") == "articleBody" or has_class_word(el, _ARTICLE_BODY_CLASS)


def _beside_the_text(page: Page, cards: list[Element], word_count: int) -> bool:
    """True when the post cards stand beside an article-length text and none of them holds it
    (a related-stories rail, a card grid under the story, a recommendation widget at the
    text's end): on a listing the densest paragraphs are a card's excerpt, or the text's box
    is one of several sibling cards. A card around the text with no card beside it is the
    post's own shell (nested ``<article>`` elements)."""
    if word_count < MIN_ARTICLE_WORDS:
        return False
    text = page.body.value
    core = page.text_core
    for card in cards:
        if core is not None and within(core, card) and not within(text, card):
            return False
        if core is None and card is not text and within(card, text):
            return False
        if within(text, card) and any(other is not card and other.getparent() is
                                      card.getparent() for other in cards):
            return False
    return True


def _numbers_pages(pagination: Element) -> bool:
    """True for a listing's pagination: a link to another page of it (``/page/2/``,
    ``?paged=2``) or a page number. Hexo Butterfly's bar to the previous and next post is
    classed ``pagination-post`` too, under every single post."""
    return any(_PAGE_NUMBER_LINK.search(a.get("href") or "") or text_content(a).strip().isdigit()
               for a in pagination.iter("a"))


def _is_search_url(url: str) -> bool:
    """A search's address: a query, asked of a ``/search`` (``/szukaj``...) path (Drupal's
    ``/search/node?keys=``) or of the site root with a search key (WordPress ``/?s=``).
    Without a query a ``/search/`` segment may be a post's category."""
    parts = urlsplit(url)
    if not parts.query:
        return False
    if not SEARCH_SEGMENTS.isdisjoint(parts.path.lower().split("/")):
        return True
    keys = {key for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
    return parts.path in ("", "/") and not _SEARCH_KEYS.isdisjoint(keys)


def _lone_article(page: Page, word_count: int) -> str | None:
    """Why the page's article element is the page (or None): it holds the headline and the
    text and no post card of its own. Cards elsewhere (a sidebar's popular posts, a related
    feed of ``<article>`` cards) then do not make a listing. A listing's cards carry ``h2``
    titles, so its article element, if any, is the list's container, never one with an h1."""
    root = page.root
    if word_count < MIN_ARTICLE_WORDS or root is page.content_area or \
            next(root.iterdescendants("article"), None) is not None:
        return None
    if root.tag == "article" and next(root.iterdescendants("h1"), None) is not None:
        return "an article element with the headline and the text"
    if any(t in (root.get("itemtype") or "") for t in ARTICLE_ITEMTYPES):
        return "a microdata BlogPosting with the text"
    return None
