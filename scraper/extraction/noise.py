"""The noise rules: what is never the article, wherever a field looks.

They live here once, so the body, the dates, the labels and the teasers all ignore the same
navigation, comments, cookie notices and related-post blocks (:meth:`Page.skip
<scraper.extraction.document.Page.skip>` adds the page's own related block and keeps the
post's header).
"""

from __future__ import annotations

from lxml import etree

from scraper.extraction.text import Element, Skip, has_class_word, word_pattern
from scraper.extraction.vocabulary import VOCABULARY

#: Elements whose content is never article text, wherever they sit.
_NOISE_TAGS = frozenset({
    "script", "style", "noscript", "template", "svg", "iframe", "form", "button", "select",
    "textarea", "input", "nav", "aside", "dialog", "object", "embed", "canvas", "audio", "video",
    "map", "head", "title", "meta", "link", "amp-ad", "amp-embed", "amp-sticky-ad",
    "amp-analytics",
})

#: Site chrome when outside the article: the article's own header and footer hold its
#: headline, date, categories and tags.
_CHROME_TAGS = frozenset({"header", "footer"})

_NOISE_ROLES = frozenset({
    "navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alertdialog",
})

#: Class/id words of non-article blocks. Matched as whole dash/underscore-separated parts of a
#: token, so ``comment-respond`` and ``related-posts__link`` match but ``commentary`` does not.
_NOISE_WORDS = (*VOCABULARY.words("noise_classes"), *VOCABULARY.words("related_classes"),
                *VOCABULARY.words("pagination_classes"))
_NOISE_CLASS = word_pattern(_NOISE_WORDS)
#: Noise words a wrapper of the whole page's text also holds: layout names
#: (``content-with-sidebar``, ``primary-and-secondary-columns``, Next.js's ``__next``) and
#: theme flags on a page wrapper (``caption``). Such an element is noise unless the page's
#: text sits inside it (see :func:`is_firm_noise`).
_SOFT_NOISE_WORDS = frozenset({"sidebar", "secondary", "next", "caption", "credit"})
_FIRM_NOISE_CLASS = word_pattern(tuple(w for w in _NOISE_WORDS if w not in _SOFT_NOISE_WORDS))
#: Of the noise tags, the one a layout wrapper uses: an ASP.NET page sits in one ``<form>``.
_WRAPPER_NOISE_TAGS = frozenset({"form"})


def is_noise(el: Element) -> bool:
    """True for an element that never holds article text (by tag, ARIA role or class/id)."""
    tag = el.tag
    if not isinstance(tag, str) or tag in _NOISE_TAGS:
        return True
    if tag in _CHROME_TAGS and next(el.iterancestors("article", "main"), None) is None and \
            not wraps_content(el):
        return True  # a header left unclosed, around the main area, is no site header
    # Most elements have no attribute at all: one call answers for the three lookups.
    names = el.keys()
    if "role" in names and el.get("role") in _NOISE_ROLES:
        return True
    return ("class" in names or "id" in names) and has_class_word(el, _NOISE_CLASS) and \
        not wraps_content(el)


#: Known classes of the text's box.
_TEXT_BOX_CLASSES = frozenset({
    *VOCABULARY.words("article_body_classes"), "entry-content", "post-content", "post-body",
    "entry-body", "single-content", "td-post-content", "wp-block-post-content", "post-entry",
    "blog-post-content", "content-inner",
})


def is_text_box(el: Element) -> bool:
    """The post's text box by a known class or microdata (``entry-content``,
    ``itemprop=articleBody``): never noise, whatever else its class says."""
    return el.get("itemprop") == "articleBody" or not _TEXT_BOX_CLASSES.isdisjoint(
        (el.get("class") or "").split())


def is_firm_noise(el: Element) -> bool:
    """:func:`is_noise`, unless only a layout wrapper's tag (``<form>``) or a soft word of its
    class/id (``sidebar``) says so: an element that is noise by those alone may be the
    wrapper of the article's text, and the page's text, not its name, decides."""
    return is_noise(el) and noise_is_firm(el)


def noise_is_firm(el: Element) -> bool:
    """:func:`is_firm_noise` for an element :func:`is_noise` already holds noise: a caller
    that has just asked that (``Page._is_chrome``) does not pay for its subtree walk twice."""
    tag = el.tag
    if tag in _NOISE_TAGS:
        return tag not in _WRAPPER_NOISE_TAGS
    if tag in _CHROME_TAGS or el.get("role") in _NOISE_ROLES:
        return True
    return has_class_word(el, _FIRM_NOISE_CLASS)


def wraps_content(el: Element) -> bool:
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


def in_noise(el: Element, skip: Skip = is_noise, stop: Element | None = None) -> bool:
    """True when ``el`` or an ancestor below ``stop`` and ``<body>`` is skipped.

    ``<body>`` and ``<html>`` are never checked: WordPress puts page-level words on them
    (``comments-open``, ``ast-right-sidebar``) that say nothing about the content.
    """
    node: Element | None = el
    while node is not None and node is not stop and node.tag not in ("body", "html"):
        if skip(node):
            return True
        node = node.getparent()
    return False
