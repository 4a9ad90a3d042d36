"""Text and page-structure helpers shared by every field function.

The noise rules live here once, so the body, the dates, the labels and the teasers all ignore
the same navigation, comments, cookie notices and related-post blocks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache

from lxml import etree
from lxml.html import HtmlElement

#: Characters that are invisible on the page but would split or glue words in the archive.
_INVISIBLE_CHARS = "\u200b\u200c\u200d\u2060\ufeff\xad"
_INVISIBLE = str.maketrans("", "", _INVISIBLE_CHARS)
_HAS_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]")

#: Elements whose content is never article text, wherever they sit.
_NOISE_TAGS = frozenset({
    "script", "style", "noscript", "template", "svg", "iframe", "form", "button", "select",
    "textarea", "input", "nav", "aside", "dialog", "object", "embed", "canvas", "audio", "video",
    "map", "head", "title", "meta", "link", "amp-ad", "amp-embed", "amp-sticky-ad",
    "amp-analytics",
})

_INVISIBLE_TAGS = frozenset({"script", "style", "noscript", "template", "svg"})

#: Site chrome when outside the article: the article's own header and footer hold its
#: headline, date, categories and tags.
_CHROME_TAGS = frozenset({"header", "footer"})

_NOISE_ROLES = frozenset({
    "navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alertdialog",
})

#: Class/id words of non-article blocks. Matched as whole dash/underscore-separated parts of a
#: token, so ``comment-respond`` and ``related-posts__link`` match but ``commentary`` does not.
_NOISE_WORDS = (
    "nav", "navbar", "navigation", "menu", "breadcrumb", "breadcrumbs", "crumbs", "cookie",
    "cookies", "consent", "gdpr", "cmplz", "newsletter", "subscribe", "subscription",
    "mailchimp", "mc4wp", "optin", "comment", "comments", "respond", "discussion", "disqus",
    "related", "relatedposts", "yarpp", "crp", "rp4wp", "share", "sharing", "sharedaddy",
    "social", "sidebar", "secondary", "widget-area", "pagination", "page-numbers", "skip-link",
    "popup", "modal", "masthead", "colophon", "site-header", "site-footer", "site-branding",
    "site-title", "logo", "advert", "advertisement", "ads", "previous", "prev", "next", "toc",
    "author-box", "author-bio", "about-author", "author-description", "button", "buttons",
    "btn", "cta", "signup", "adspot", "ad-slot", "adsbygoogle", "reklama", "sponsored",
    "wp-caption-text", "product", "products", "wc-block-grid", "woocommerce", "caption",
    "credit",
)


class ClassPattern:
    """A regex searched in each class/id token of an element (see :func:`has_class_word`).

    Hashed by identity: the answer is cached per class string and pattern for nearly every
    element of a page, and a compiled regex hashes its whole program on every lookup (about
    a microsecond for the noise words).
    """

    __slots__ = ("regex",)

    def __init__(self, regex: re.Pattern[str]) -> None:
        self.regex = regex


def word_pattern(words: tuple[str, ...]) -> ClassPattern:
    """A pattern matching any of ``words`` as a whole dash/underscore-separated part of a
    token."""
    return ClassPattern(re.compile(
        r"(?<![a-z0-9])(?:" + "|".join(map(re.escape, words)) + r")(?![a-z0-9])"))


_NOISE_CLASS = word_pattern(_NOISE_WORDS)
#: Noise words a wrapper of the whole page's text also holds: layout names
#: (``content-with-sidebar``, ``primary-and-secondary-columns``, Next.js's ``__next``) and
#: theme flags on a page wrapper (``caption``). Such an element is noise unless the page's
#: text sits inside it (see :func:`is_firm_noise`).
_SOFT_NOISE_WORDS = frozenset({"sidebar", "secondary", "next", "caption", "credit"})
_FIRM_NOISE_CLASS = word_pattern(tuple(w for w in _NOISE_WORDS if w not in _SOFT_NOISE_WORDS))
#: Of the noise tags, the one a layout wrapper uses: an ASP.NET page sits in one ``<form>``.
_WRAPPER_NOISE_TAGS = frozenset({"form"})
#: Tokens that name no block: WordPress puts the post's taxonomy slugs in its class
#: (``tag-newsletter``) and layout wrappers say what they sit beside (``has-sidebar``).
_IGNORED_TOKEN = re.compile(r"^(?:category|tag|format|status|type|has|no|with|without)-|^post-\d+$")

_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
#: The article's meta line, where date, read time and author stand side by side.
META_LINE = word_pattern(("meta", "meta-line", "byline", "post-info", "entry-info"))
_META_SEPARATOR = re.compile(r"\s*[·•|]\s*")
#: Visually hidden text: kept for labels ("Posted on" for screen readers) but not body text.
_HIDDEN_CLASS = word_pattern(("screen-reader-text", "sr-only", "visually-hidden"))

#: Elements that start a new line of text; everything else is inline and joins its neighbours.
BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "main", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2",
    "h3", "h4", "h5", "h6", "blockquote", "pre", "figure", "figcaption", "table", "thead",
    "tbody", "tr", "td", "th", "header", "footer", "address", "details", "summary", "body",
    "center", "caption",
})

Skip = Callable[[HtmlElement], bool]


def normalize_space(text: str) -> str:
    """Collapse every run of whitespace (NBSP included) to one space; drop invisible characters.

    ``translate`` looks every character up in a dict, so it only runs on text that holds an
    invisible character (never ASCII text; ``isascii`` is a flag check)."""
    if not text.isascii() and _HAS_INVISIBLE.search(text):
        text = text.translate(_INVISIBLE)
    return " ".join(text.split())


@lru_cache(maxsize=8192)
def _tokens(cls: str | None, ident: str | None) -> tuple[str, ...]:
    """The lower-cased class and id tokens, minus WordPress taxonomy slugs. Cached: a page
    repeats the same few class strings on hundreds of elements."""
    if not cls and not ident:
        return ()
    value = f"{cls or ''} {ident or ''}".lower()
    return tuple(t for t in value.split() if not _IGNORED_TOKEN.search(t))


def has_class_word(el: HtmlElement, pattern: ClassPattern) -> bool:
    """True when a class/id token of ``el`` contains a word of ``pattern``."""
    cls, ident = el.get("class"), el.get("id")
    return bool(cls or ident) and words_match(cls, ident, pattern)


@lru_cache(maxsize=16384)
def words_match(cls: str | None, ident: str | None, pattern: ClassPattern) -> bool:
    """:func:`has_class_word` on the attribute values, for a caller that tests one element
    against several patterns after reading its class and id once."""
    search = pattern.regex.search
    return any(search(token) for token in _tokens(cls, ident))


def with_class(root: HtmlElement, tags: tuple[str, ...], pattern: ClassPattern
               ) -> Iterator[HtmlElement]:
    """Elements of ``tags`` under ``root`` whose class/id matches ``pattern``, page order.

    Iterating a few tag names runs in C; an XPath ``contains(@class, ...)`` over every element
    costs as much as parsing the page again.
    """
    for el in root.iter(*tags):
        cls, ident = el.get("class"), el.get("id")
        if (cls or ident) and words_match(cls, ident, pattern):
            yield el


def is_noise(el: HtmlElement) -> bool:
    """True for an element that never holds article text (by tag, ARIA role or class/id)."""
    tag = el.tag
    if not isinstance(tag, str) or tag in _NOISE_TAGS:
        return True
    if tag in _CHROME_TAGS and next(el.iterancestors("article", "main"), None) is None:
        return True
    # Most elements have no attribute at all: one call answers for the three lookups.
    names = el.keys()
    if "role" in names and el.get("role") in _NOISE_ROLES:
        return True
    return ("class" in names or "id" in names) and has_class_word(el, _NOISE_CLASS) and \
        not wraps_content(el)


def is_firm_noise(el: HtmlElement) -> bool:
    """:func:`is_noise`, unless only a layout wrapper's tag (``<form>``) or a soft word of its
    class/id (``sidebar``) says so: an element that is noise by those alone may be the
    wrapper of the article's text, and the page's text, not its name, decides."""
    if not is_noise(el):
        return False
    tag = el.tag
    if tag in _NOISE_TAGS:
        return tag not in _WRAPPER_NOISE_TAGS
    if tag in _CHROME_TAGS or el.get("role") in _NOISE_ROLES:
        return True
    return has_class_word(el, _FIRM_NOISE_CLASS)


def wraps_content(el: HtmlElement) -> bool:
    """True for an element around the page's content: the main area (``<main>``,
    ``role=main``, ``#main``/``#content``/``#primary``), an ``<article>`` with the headline,
    or the post's text box (``entry-content``) is it or lies under it. Such an element is
    layout, whatever words its class or id holds: Next.js's ``<div id="__next">``, Porto's
    ``<div id="main" class="column2-right-sidebar">``, Substack's ``<article
    class="newsletter-post">``. A sidebar's or a related block's post cards hold none."""
    if el.get("id") in MAIN_IDS or el.get("role") == "main":
        return True
    for content in el.iter("main", "article"):  # a walk in C, proxies only for these tags
        if content.tag == "main" or next(content.iter("h1"), None) is not None:
            return True
    return bool(_TEXT_BOX_INSIDE(el))


#: Ids of the main content area (WordPress themes' ``#main``, ``#content``, ``#primary``).
MAIN_IDS = frozenset({"main", "content", "primary"})
#: The last test of :func:`wraps_content`, in C: the subtrees it runs on (a sidebar, the
#: comments, the footer) would cost a Python visit per element.
_TEXT_BOX_INSIDE = etree.XPath(
    "boolean(descendant-or-self::div[contains(concat(' ', @class, ' '), ' entry-content ')])")


def is_hidden(el: HtmlElement) -> bool:
    """True for content the reader does not see (hidden attribute, aria-hidden, an inline
    ``display: none``, sr-only)."""
    names = el.keys()  # as in is_noise: one call, not four lookups
    if "hidden" in names or ("aria-hidden" in names and el.get("aria-hidden") == "true"):
        return True
    if "style" in names and _HIDDEN_STYLE.search(el.get("style")):
        return True
    return ("class" in names or "id" in names) and has_class_word(el, _HIDDEN_CLASS)


def is_invisible(el: HtmlElement) -> bool:
    """True for content that is never shown: scripts, styles and hidden elements."""
    return el.tag in _INVISIBLE_TAGS or not isinstance(el.tag, str) or is_hidden(el)


def in_noise(el: HtmlElement, skip: Skip = is_noise, stop: HtmlElement | None = None) -> bool:
    """True when ``el`` or an ancestor below ``stop`` and ``<body>`` is skipped.

    ``<body>`` and ``<html>`` are never checked: WordPress puts page-level words on them
    (``comments-open``, ``ast-right-sidebar``) that say nothing about the content.
    """
    node: HtmlElement | None = el
    while node is not None and node is not stop and node.tag not in ("body", "html"):
        if skip(node):
            return True
        node = node.getparent()
    return False


def meta_items(text: str) -> list[str]:
    """The items of a meta line ("2023-04-05 · 5 min · Jane Whitaker"), split at its
    separators."""
    return [item for item in _META_SEPARATOR.split(text) if item]


def text_blocks(el: HtmlElement, skip: Skip) -> list[tuple[str, str]]:
    """The visible text of ``el`` as ``(tag, text)`` per block element, in document order.

    Inline elements join their neighbours without a separator (``in <strong>6</strong> minut``
    reads "in 6 minut"), so labels are matched on what the reader sees, not on raw HTML.
    Skipped elements lose their content but keep their tail text, which belongs to the parent.
    """
    blocks = ((tag, normalize_space("".join(parts))) for tag, parts in _raw_blocks(el, skip))
    return [(tag, text) for tag, text in blocks if text]


def _raw_blocks(el: HtmlElement, skip: Skip) -> list[tuple[str, list[str]]]:
    """The blocks of :func:`text_blocks`, each as its text parts, before normalizing."""
    tag, text = el.tag, el.text
    buf = [text] if text else []
    out: list[tuple[str, list[str]]] = [(tag if isinstance(tag, str) else "", buf)]
    _walk(el, skip, out, buf)
    return out


def _walk(el: HtmlElement, skip: Skip, out: list[tuple[str, list[str]]], buf: list[str]) -> None:
    # Hot: every text field walks here. Leaves (most elements) are not recursed into.
    for child in el:
        tag = child.tag
        if isinstance(tag, str) and not skip(child):
            text = child.text
            if tag in BLOCK_TAGS:
                inner = [text] if text else []
                out.append((tag, inner))
                if len(child):
                    _walk(child, skip, out, inner)
            else:
                if tag == "br":
                    buf.append(" ")
                elif text:
                    buf.append(text)
                if len(child):
                    _walk(child, skip, out, buf)
        tail = child.tail
        if tail:
            buf.append(tail)


def text_of(el: HtmlElement, skip: Skip = is_invisible) -> str:
    """The visible text of one element on one line, blocks separated by a space.

    The blocks are joined before one normalization: collapsing whitespace makes that the
    non-empty blocks, each normalized, joined by a space (one split of the whole text, not
    one per block)."""
    if len(el) == 0:  # no child elements: nothing to skip, no blocks to separate
        return normalize_space(el.text or "")
    return normalize_space(" ".join("".join(parts) for _, parts in _raw_blocks(el, skip)))


def text_nodes_containing(el: HtmlElement, keywords: tuple[str, ...]) -> list[str]:
    """Text nodes under ``el`` holding a keyword as written or capitalized, page order.

    The element's whole text is searched first (C speed); only the variants present there go
    into the XPath, so the common case (no label at all) costs one string search per variant.
    """
    text = el.text_content()
    present = tuple(v for k in keywords for v in dict.fromkeys((k, k.capitalize())) if v in text)
    return _containing(present)(el) if present else []


@lru_cache(maxsize=256)
def _containing(words: tuple[str, ...]) -> etree.XPath:
    # Keywords are plain words from this package's own tables: no quote to escape.
    return etree.XPath(".//text()[" + " or ".join(f"contains(., '{w}')" for w in words) + "]")
