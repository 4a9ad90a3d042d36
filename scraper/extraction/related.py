"""Finding the related-posts block ("They may appeal to you:", "Mogą Cię zainteresować:").

Three signals, most specific first: the site profile's selector, the class names of common
themes and plugins (YARPP, Jetpack, Contextual Related Posts...), then a heading in any of the
blog's languages followed by links. The block is also what body text and dates must ignore.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from scraper.extraction.text import (
    ClassPattern,
    Element,
    text_content,
    text_of,
    with_class,
    word_pattern,
)
from scraper.extraction.vocabulary import VOCABULARY, Vocabulary

#: A related block's class or id holds one of these words anywhere in a token.
_CLASS_HINTS = ClassPattern(re.compile(
    "|".join(map(re.escape, VOCABULARY.words("related_classes")))))


#: Tags a related block is built from.
_BLOCK_TAGS = ("div", "section", "aside", "ul", "ol", "nav")




@lru_cache(maxsize=64)
def related_heading(vocabulary: Vocabulary) -> re.Pattern[str]:
    """A heading that introduces related posts, in every language of ``vocabulary`` (the
    blog's own profile labels included); built once per vocabulary."""
    return re.compile("|".join(vocabulary.words("related_headings")), re.IGNORECASE)


RELATED_HEADING = related_heading(VOCABULARY)
_HEADING_TAGS = ("h2", "h3", "h4", "h5", "h6")
#: Besides heading tags, a block heading can be a title-classed element or a bold paragraph.
_HEADING_CLASS = word_pattern(VOCABULARY.words("title_classes"))
_TRAILING_PUNCTUATION = " :.…!-–—"
_CONTAINER_TAGS = frozenset({"body", "main", "article"})
#: Longer texts are sentences, not block headings.
MAX_HEADING_CHARS = 80


@dataclass(frozen=True)
class RelatedBlock:
    """The related-posts block: its containers (their links are the teasers) and its heading.

    ``stop`` is the element a teaser card may not grow past: the block itself, or the heading's
    parent when the block is the run of siblings after a heading.
    """

    containers: tuple[Element, ...]
    stop: Element
    source: str
    heading: Element | None = None

    @property
    def members(self) -> frozenset[Element]:
        extra = (self.heading,) if self.heading is not None else ()
        return frozenset((*self.containers, *extra))

    def links(self) -> Iterator[Element]:
        for container in self.containers:
            yield from (a for a in container.iter("a") if a.get("href"))


def find_related(doc: Element, selected: list[Element],
                 heading: re.Pattern[str] = RELATED_HEADING) -> RelatedBlock | None:
    """The page's related-posts block, or None; ``selected`` are the profile selector's hits,
    ``heading`` what a block's heading says (:func:`related_heading`). Every class hint is
    tried on the tree: first looking for which hints the page source holds cost more (ten
    scans of the whole source) than the walk it spared, and saw case where classes do not."""
    if selected:
        return RelatedBlock((selected[0],), selected[0], "site")
    body = next(doc.iterchildren("body"), None)
    if body is None:
        return None
    return _by_class(body) or _by_heading(body, heading)


def _has_links(el: Element) -> bool:
    return any(a.get("href") for a in el.iter("a"))


def _by_class(body: Element) -> RelatedBlock | None:
    """The outermost element named like a related block that has links (document order)."""
    for el in with_class(body, _BLOCK_TAGS, _CLASS_HINTS):
        if next(el.iterdescendants("h1"), None) is None and _has_links(el):
            return RelatedBlock((el,), el, "heuristic")
    return None


def _heading_candidates(body: Element) -> Iterator[Element]:
    yield from body.iter(*_HEADING_TAGS)
    yield from with_class(body, ("div", "p", "span"), _HEADING_CLASS)
    yield from (el for el in body.iter("strong", "b") if el.getparent().tag == "p")
    # A plain paragraph saying "You may also like..." above paragraphs of links.
    yield from (el for el in body.iter("p") if len(el) == 0 and el.text and
                len(el.text) <= MAX_HEADING_CHARS)


def _by_heading(body: Element, heading: re.Pattern[str]) -> RelatedBlock | None:
    for el in _heading_candidates(body):
        if len(text_content(el)) > MAX_HEADING_CHARS * 2 or el.tag == "a" or \
                next(el.iterancestors("a"), None) is not None:
            continue
        text = text_of(el).rstrip(_TRAILING_PUNCTUATION)
        if text and len(text) <= MAX_HEADING_CHARS and heading.fullmatch(text):
            block = _block_after(_outermost(el, text))
            if block is not None:
                return block
    return None


def _outermost(el: Element, text: str) -> Element:
    """The outermost element around ``el`` saying just ``text`` (``<p><strong>Read also``)."""
    parent = el.getparent()
    while parent is not None and parent.tag not in _CONTAINER_TAGS and \
            text_of(parent).rstrip(_TRAILING_PUNCTUATION) == text:
        el, parent = parent, parent.getparent()
    return el


def _block_after(heading: Element) -> RelatedBlock | None:
    parent = heading.getparent()
    if parent is None:
        return None
    first_child = next(iter(parent), None)
    if first_child is heading and parent.tag not in _CONTAINER_TAGS and _has_links(parent):
        return RelatedBlock((parent,), parent, "heuristic")
    siblings: list[Element] = []
    links_seen = False
    for sibling in heading.itersiblings():
        if sibling.tag in _HEADING_TAGS or sibling.tag == "h1":
            break
        linked = _has_links(sibling)
        if links_seen and not linked:
            break  # the article goes on after a "Read also" list: that text is not the block
        links_seen = links_seen or linked
        siblings.append(sibling)
    if not links_seen:
        return None
    return RelatedBlock(tuple(siblings), parent, "heuristic", heading)
