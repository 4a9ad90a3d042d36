"""The related-posts teasers: one :class:`~archive.records.Teaser` per linked post, page order.

A card is the largest element around a link whose links all point to the same post, so a card
with an image link, a title link and a "read more" link gives one teaser. Slider clones
(``swiper-slide-duplicate``, ``slick-cloned``...) are skipped, and a post linked twice keeps its
first position; a teaser that links to the article itself is kept, as the page shows it.
"""

from __future__ import annotations

import re

from archive.records import Teaser
from scraper.extraction.document import Found, Page
from scraper.extraction.related import MAX_HEADING_CHARS, RelatedBlock, related_heading
from scraper.extraction.text import (
    Element,
    has_class_word,
    is_invisible,
    text_of,
    with_class,
    word_pattern,
    words_match,
)
from scraper.extraction.urls import NOT_A_POST
from scraper.extraction.vocabulary import VOCABULARY

_CLONE = word_pattern(VOCABULARY.words("clone_classes"))
_TITLE_CLASS = word_pattern(VOCABULARY.words("title_classes"))
_EXCERPT_CLASS = word_pattern(VOCABULARY.words("teaser_excerpt_classes"))
#: A card's date and byline: the date and meta-line classes, the author's, Drupal Views'.
_CARD_META_CLASS = word_pattern((*VOCABULARY.words("date_classes"),
                                 *VOCABULARY.words("meta_line_classes"), "author",
                                 "views-field-created"))
_HEADING_TAGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
_SLIDE_TAGS = ("div", "li", "article", "section", "a")
#: Links in a card that lead to a taxonomy or author page (Medium's ``/@name``), not a post.
_NOT_POST_REL = frozenset({"category", "tag", "author"})
#: A trailing excerpt marker ("[…]", "[...]", "…", "...") and the whitespace after it, spelled
#: backwards: it is matched at the start of the reversed text, where a regex is tried once,
#: not at the end, where it would be tried at every position of the text.
_MARKER_REVERSED = re.compile(r"\s*(?:\]\s*(?:…|\.\.\.)\s*\[|…|\.\.\.)")
_READ_MORE = re.compile(rf"^{VOCABULARY.alternation('read_more')}\W*$", re.IGNORECASE)


def teasers(page: Page) -> Found[list[Teaser]] | None:
    """Every post linked from the related-posts block, or None without such a block."""
    block = page.related
    if block is None:
        return None
    links = _post_links(page, block)
    found: list[Teaser] = []
    seen: set[str] = set()
    posts_under: dict[Element, set[str]] = {}
    heading = related_heading(page.vocabulary)
    for link, url in links.items():
        if url in seen:
            continue
        seen.add(url)
        card = _card(link, url, links, block, posts_under)
        title, excerpt = _texts(card, link, heading)
        found.append(Teaser(len(found) + 1, url, title, excerpt))
    return Found(found, block.source) if found else None


def _post_links(page: Page, block: RelatedBlock) -> dict[Element, str]:
    """The block's links to posts (not to categories, tags or authors, not in cloned slides)
    with their absolute URLs, in page order."""
    selected = page.site("teaser_link", allow_noise=True)
    links = [a for a in selected if _inside(a, block)] if selected else list(block.links())
    cloned = _cloned_links(block)
    found: dict[Element, str] = {}
    for link in links:
        href = link.get("href") or ""
        if href.lstrip().startswith("#"):
            continue  # a tab, an arrow, a "back to top": the page's own controls, not a post
        url = page.absolute(href)
        rel = link.get("rel")
        if url and link not in cloned and not (rel and not _NOT_POST_REL.isdisjoint(
                rel.lower().split())) and not NOT_A_POST.search(url):
            found[link] = url
    return found


def _inside(el: Element, block: RelatedBlock) -> bool:
    return any(c is el or c in el.iterancestors() for c in block.containers)


def _cloned_links(block: RelatedBlock) -> set[Element]:
    """Links inside a slider's cloned slides (they repeat real slides for the infinite loop)."""
    return {a for container in block.containers
            for clone in with_class(container, _SLIDE_TAGS, _CLONE) for a in clone.iter("a")}


def _card(link: Element, url: str, links: dict[Element, str], block: RelatedBlock,
          posts_under: dict[Element, set[str]]) -> Element:
    """The largest ancestor of ``link`` (below the block) whose post links all go to ``url``.

    ``posts_under`` keeps the post URLs linked under each ancestor already looked at: the
    cards of one slider share their ancestors, so each is scanned once, not once per card.
    """
    card = link
    for parent in link.iterancestors():
        if parent is block.stop:
            break
        urls = posts_under.get(parent)
        if urls is None:
            urls = posts_under[parent] = {links[a] for a in parent.iter("a") if a in links}
        if len(urls) > 1 or (urls and url not in urls):
            break
        card = parent
    return card


def _texts(card: Element, link: Element, heading: re.Pattern[str]
           ) -> tuple[str | None, str]:
    """The card's title and excerpt, from one pass over its elements: the headings and
    title-classed elements, the paragraphs and excerpt-classed ones, in page order."""
    titled: list[Element] = []
    described: list[Element] = []
    for el in card.iterdescendants():
        tag = el.tag
        if not isinstance(tag, str):
            continue
        cls, ident = el.get("class"), el.get("id")
        if tag in _HEADING_TAGS or ((cls or ident) and words_match(cls, ident, _TITLE_CLASS)):
            titled.append(el)
        if tag == "p" or ((cls or ident) and words_match(cls, ident, _EXCERPT_CLASS)):
            described.append(el)
    parts = None if titled else _link_parts(link)
    if parts:
        return parts[0], strip_marker(" ".join(parts[1:]))
    title = _title(card, link, titled)
    return title, _excerpt(card, title, described, heading)


def _link_parts(link: Element) -> list[str] | None:
    """The texts of a link made of two or more elements and nothing between them (a title
    block, then an excerpt block, whatever their tags and classes), the card's date and
    byline left out; None for any other link. A wrapper holding the parts is looked through."""
    holder = link
    while len(holder) == 1 and not (holder.text or "").strip() and \
            not (holder[0].tail or "").strip():
        holder = holder[0]
    if (holder.text or "").strip() or any((child.tail or "").strip() for child in holder):
        return None
    parts = [text for child in holder if isinstance(child.tag, str) and not _card_meta(child)
             and (text := text_of(child))]
    return parts if len(parts) > 1 else None


def _title(card: Element, link: Element, titled: list[Element]) -> str | None:
    """The card's heading (or title-classed element), else the link's own words."""
    for el in titled:
        text = text_of(el)
        if text:
            return text
    for candidate in (link, *card.iter("a")):
        text = text_of(candidate)
        if text and not _READ_MORE.match(text) and \
                next(candidate.iterdescendants("p"), None) is None:
            return text
    return link.get("title") or next((img.get("alt") for img in card.iter("img")
                                      if img.get("alt")), None)


def _excerpt(card: Element, title: str | None, described: list[Element],
             heading: re.Pattern[str]) -> str:
    """The card's excerpt without the trailing "[…]": a paragraph or excerpt-classed element
    (never the block's ``heading``), else what the card says besides its title."""
    for el in described:
        text = text_of(el)
        if text and text != title and not (len(text) <= MAX_HEADING_CHARS and
                                           heading.fullmatch(text) is not None):
            return strip_marker(text)
    text = text_of(card, _card_meta)
    if title:
        text = text.replace(title, " ", 1)
    return strip_marker(" ".join(text.split()))


def _card_meta(el: Element) -> bool:
    """What a card shows beside its excerpt: its date and byline, a "read more" link,
    hidden text."""
    return el.tag == "time" or is_invisible(el) or has_class_word(el, _CARD_META_CLASS) or (
        el.tag == "a" and _READ_MORE.match(text_of(el)) is not None)


def strip_marker(text: str) -> str:
    """``text`` without a trailing excerpt marker ("[…]", "[...]", "…")."""
    match = _MARKER_REVERSED.match(text[::-1])
    return (text[:len(text) - match.end()] if match else text).strip()
