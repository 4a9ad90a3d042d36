"""The article's own text: paragraphs, headings and list items in document order, and the
body rules: which element holds the text, and what inside it is not text.

Everything around the text (navigation, cookie notice, breadcrumbs, newsletter, comments,
related posts, previous/next teasers, footer, forms, scripts) is left out by the page's noise
rules, so a theme change in the chrome never changes an article's content hash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import partial

from lxml import etree

from scraper.extraction.document import Found, Page
from scraper.extraction.noise import in_noise, is_text_box
from scraper.extraction.selectors import within
from scraper.extraction.text import (
    BLOCK_TAGS,
    Element,
    is_hidden,
    paragraph_scores,
    text_blocks,
    text_content,
    text_of,
    with_class,
    word_pattern,
    words_match,
)
from scraper.extraction.vocabulary import VOCABULARY

#: Inside a body that is the whole article element, these are its header and meta, not text.
_ARTICLE_META = word_pattern((*VOCABULARY.words("meta_line_classes"), "metadata", "author",
                              "tags", "categories", "cat-links", "tags-links", "entry-header",
                              "entry-footer", "date", "posted-on", "info", "details"))
#: The share of the article's paragraph text the body element must hold: two thirds, so a
#: sidebar's text widgets beside a post (a third of the paragraphs) do not widen it to the
#: page.
_MOST = 2 / 3
_HEADLINE_CLASS = word_pattern(VOCABULARY.words("headline_classes"))
#: Headings that, so classed, are the post's title above the text (Porto's h2.entry-title).
_TITLED_TAGS = ("h2", "h3")
#: Plugin output inside the text's box that is never text, though it stays a signal (a
#: read time, a date): read-time and star-rating widgets, TOC plugins, page links.
_NEVER_TEXT = word_pattern((*VOCABULARY.words("read_time_classes"),
                            *VOCABULARY.words("never_text_classes")))
#: Never the article's text: image captions (the headline is left out apart).
_NOT_TEXT_TAGS = frozenset({"figcaption"})
#: A link to the previous or next post ("← Previous Post", "Następny wpis »"): the pager
#: under a post is not its text, even where no class says so.
_PAGER_LINK = re.compile(rf"[←«‹]?\s*{VOCABULARY.alternation('pager_words')}"
                         rf"(?:\s+{VOCABULARY.alternation('pager_nouns')})?\s*[→»›]?",
                         re.IGNORECASE)

#: The page's prose: text outside links (menus, link lists), scripts and styles. Only its
#: length is read: plain strings, not "smart" ones that each carry a reference to their
#: parent element.
_PROSE = etree.XPath(".//text()[normalize-space()][not(ancestor::a or ancestor::script "
                     "or ancestor::style or ancestor::noscript or ancestor::template)]",
                     smart_strings=False)
_TEXT_NODES = etree.XPath(".//text()[normalize-space()][not(parent::script or parent::style "
                          "or parent::noscript or parent::template)]")

#: Headings kept as the article's outline (the headline h1 is not in the text; another h1
#: there is a section heading); h5/h6 are rarely structure.
OUTLINE_TAGS = frozenset({"h1", "h2", "h3", "h4"})
_MAX_FURNITURE_CHARS = 120
#: Fewer words than this in the paragraph-found body, and the text written without
#: paragraphs is looked for (:func:`_loose_text`); it wins with at least as many and
#: twice the words (not a short post widened to its meta lines).
FEW_WORDS = 50
#: A body with under one part in this many of the article element's prose (its text outside
#: links, scripts and styles) is a sliver of it: rare enough that the dearer loose-text
#: search runs on few pages. Prose, not every character: with no article element the page's
#: inline scripts and link menus are most of its characters, and a story among them is no
#: sliver.
_SLIVER = 10
#: A block that says only that an ad or a picture's credit stands there, or a widget's button
#: (a gallery's "Close", a share bar's "Share this on WhatsApp"), the page's own address or
#: its "Updated 5:27 am, Nov. 20" line: page furniture left in the
#: text's box by ad slots, galleries and widgets whose classes say nothing ("GoogleDfpAd-…").
_FURNITURE = re.compile(
    rf"(?:story\s+continues\s+below\s+(?:this\s+)?)?{VOCABULARY.alternation('ad_labels')}"
    r"|(?:photo|image|picture|foto|credit)s?(?:\s+(?:copyright|credit))?\s*[:©]\s*\S.{0,80}"
    r"|image\s+copyright\s+\S.{0,80}"
    rf"|{VOCABULARY.alternation('widget_words')}"
    r"|(?:like\s+this\s+story\?\s+)?share\s+(?:this|it)(?:\s+(?:on|with)\s+\S.{0,30})?"
    r"|https?://\S+"
    r"|(?:updated|published|posted)(?:\s+(?:at|on))?:?\s+[^.!?]{0,40}\d[^!?]{0,60}",
    re.IGNORECASE)


@dataclass(frozen=True)
class Body:
    """The body text (blocks separated by a blank line), its outline and its word count."""

    text: str = ""
    headings: list[str] = field(default_factory=list)
    source: str | None = None
    word_count: int = 0


def body(page: Page) -> Body:
    """Walk the body element once, collecting both the text blocks and the h2–h4 outline.

    The words are counted without splitting the text: a block's whitespace is already
    normalized to single spaces, so it has one word more than it has spaces."""
    element, source = page.body
    found = _body_of(page, element, source)
    if source != "site" and (found.word_count < FEW_WORDS or _dwarfed(page, found)):
        loose = _loose_text(page)
        if loose is not None and loose is not element:
            wider = _body_of(page, loose, "heuristic")
            if wider.word_count >= max(FEW_WORDS, 2 * found.word_count):
                return wider
    return found


def _dwarfed(page: Page, found: Body) -> bool:
    """True when the body found is a sliver of the article element's prose (a meta line or
    a disclosure in ``<p>``s, the story itself in ``<span>``s): then the story was missed."""
    return len(found.text) * _SLIVER < sum(len(text.strip()) for text in _PROSE(page.root))


def _body_of(page: Page, element: Element, source: str) -> Body:
    blocks = [(tag, text) for tag, text in text_blocks(element, partial(skip_body, page))
              if len(text) > _MAX_FURNITURE_CHARS or not _FURNITURE.fullmatch(text)]
    text = "\n\n".join(text for _, text in blocks)
    headings = [text for tag, text in blocks if tag in OUTLINE_TAGS]
    return Body(text, headings, source if text else None, text.count(" ") + len(blocks))


def outside_text(page: Page, el: Element) -> bool:
    """True when ``el`` is no part of the article's text as read: outside the text's element,
    or in a part of it the text leaves out (a date and tags line above the text, in the same
    box: Eleventy). A whole-article body counts as outside: its meta line is in it."""
    text = page.body.value
    return text is page.root or not within(el, text) or \
        in_noise(el, partial(skip_body, page), text)


def body_element(page: Page) -> Found[Element]:
    """The element holding the article text: profile selector, a known content class
    inside the article (several such boxes read as one), the element with the most
    paragraph text, else the article element itself (all but the selector are source
    ``heuristic``)."""
    selected = page.site("body")
    if selected:
        return Found(selected[0], "site")
    boxes = [el for el in page.root.iter("div", "section", "article")
             if is_text_box(el) and not page.in_noise(el)]
    filled = [el for el in boxes if text_content(el).strip()]
    if not filled and not _has_paragraphs(page.root):
        # An article element with the headline and no text of its own: the text's box (a
        # known class, ``itemprop=articleBody``) sits beside it, in the main area.
        beside = [el for el in page.content_area.iter("div", "section")
                  if is_text_box(el) and text_content(el).strip() and not page.in_noise(el)]
        if len(beside) == 1:
            return Found(beside[0], "heuristic")
    content = _spanning(page, filled or boxes)
    return Found(content if content is not None else _densest(page), "heuristic")


def _has_paragraphs(el: Element) -> bool:
    """True when ``el`` holds a paragraph with text."""
    return any(text_content(p).strip() for p in el.iter("p"))


def _spanning(page: Page, boxes: list[Element]) -> Element | None:
    """The one box, or the nearest element around all of them: a text split over several
    content-classed boxes (a lead box and the rest) is one text; nested boxes are one."""
    if not boxes:
        return None
    outer = boxes[0]
    for box in boxes[1:]:
        while not within(box, outer) and outer is not page.root:
            parent = outer.getparent()
            if parent is None:
                break
            outer = parent
    if outer is page.root and len(boxes) > 1:
        return boxes[0]
    return outer


def _densest(page: Page) -> Element:
    """The element under the article whose direct paragraphs hold the most text (the
    classic readability signal for themes with unknown content classes), widened to
    the nearest ancestor that holds most of the article's paragraph text: page builders
    (Elementor widgets, Medium sections) split one text over several sibling boxes."""
    scores = paragraph_scores(page.root)
    densest = _widened(page, scores, page.root)
    return page.root if densest is None else densest


def _loose_text(page: Page) -> Element | None:
    """For a text written without paragraphs (lines in ``<div>``s or split by ``<br>``,
    perhaps outside an empty article element): the block holding the most of the main
    area's visible text, widened as :func:`_densest` widens; None without any text.
    Dearer than the paragraph count, so read only when that finds next to nothing."""
    scores: dict[Element, int] = {}
    for node in _TEXT_NODES(page.content_area):
        block = node.getparent()
        if node.is_tail:
            block = block.getparent()
        while block is not None and block.tag not in BLOCK_TAGS and block.tag != "a":
            block = block.getparent()
        if block is not None and block.tag != "a":  # a menu's links are no prose
            scores[block] = scores.get(block, 0) + len(node.strip())
    return _widened(page, scores, page.content_area)


def _widened(page: Page, scores: dict[Element, int], stop: Element
             ) -> Element | None:
    """The highest-scoring element outside noise, or its nearest ancestor (up to
    ``stop``) holding most of the score; None when every scored element is noise."""
    kept = {el: score for el, score in scores.items() if not page.in_noise(el)}
    if not kept:
        return None
    densest = max(kept, key=kept.__getitem__)
    total = sum(kept.values())
    body = densest
    while body is not stop and kept[densest] < _MOST * total:
        parent = body.getparent()
        if parent is None or page.in_noise(parent):
            break
        body = parent
        if sum(score for el, score in kept.items() if within(el, body)) >= _MOST * total:
            return body
    return densest


def holds_header(page: Page) -> bool:
    """The body element also holds the article's header matter: it is the whole article
    element, or the headline sits inside it (Astro: date and title above the text, in
    the one box)."""
    body = page.body.value
    return body is page.root or (page.headline is not None and within(page.headline, body)) \
        or next(with_class(body, _TITLED_TAGS, _HEADLINE_CLASS), None) is not None


def skip_body(page: Page, el: Element) -> bool:
    """The noise rule for body text: meta noise, hidden text, the headline, captions; when
    the body holds the article's header matter, also its header, meta line and footer.

    Bound to its page with :func:`functools.partial` where the text is walked, never kept on
    the page: a closure over the page would make every page a reference cycle, freed (with
    its whole tree) only by the cyclic GC."""
    tag = el.tag
    if page.skip(el) or is_hidden(el) or tag in _NOT_TEXT_TAGS or el is page.headline:
        return True
    cls, ident = el.get("class"), el.get("id")  # once, for the three class tests below
    named = bool(cls or ident)
    if named and (words_match(cls, ident, _NEVER_TEXT) or (
            tag in _TITLED_TAGS and words_match(cls, ident, _HEADLINE_CLASS))):
        return True
    if tag == "a" and _PAGER_LINK.fullmatch(text_of(el)) is not None:
        return True
    if tag == "p" and _only_a_date(el):
        return True
    return page.body_holds_header and (tag in ("header", "footer") or (
        named and words_match(cls, ident, _ARTICLE_META)))


def _only_a_date(paragraph: Element) -> bool:
    """True for a paragraph that says nothing but its ``<time>`` (Bear Blog's date line).
    Most paragraphs have no child element at all: they are answered without a walk."""
    if len(paragraph) == 0:
        return False
    time = next(paragraph.iterdescendants("time"), None)
    return time is not None and \
        text_content(paragraph).strip() == text_content(time).strip()
