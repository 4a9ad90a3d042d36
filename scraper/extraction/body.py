"""The article's own text: paragraphs, headings and list items in document order.

Everything around the text (navigation, cookie notice, breadcrumbs, newsletter, comments,
related posts, previous/next teasers, footer, forms, scripts) is left out by the page's noise
rules, so a theme change in the chrome never changes an article's content hash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml.html import HtmlElement

from scraper.extraction.document import Page
from scraper.extraction.text import text_blocks

#: Headings kept as the article's outline (the headline h1 is not in the text; another h1
#: there is a section heading); h5/h6 are rarely structure.
OUTLINE_TAGS = frozenset({"h1", "h2", "h3", "h4"})
_MAX_FURNITURE_CHARS = 120
#: Fewer words than this in the paragraph-found body, and the text written without
#: paragraphs is looked for (:attr:`Page.loose_text`); it wins with at least as many and
#: twice the words (not a short post widened to its meta lines).
FEW_WORDS = 50
#: A body with under one part in this many of the article element's text is a sliver of it:
#: rare enough that the dearer loose-text search runs on few pages.
_SLIVER = 25
#: A block that says only that an ad or a picture's credit stands there, or a widget's button
#: (a gallery's "Close", a share bar's "Share this on WhatsApp"), the page's own address or
#: its "Updated 5:27 am, Nov. 20" line: page furniture left in the
#: text's box by ad slots, galleries and widgets whose classes say nothing ("GoogleDfpAd-…").
_FURNITURE = re.compile(
    r"(?:story\s+continues\s+below\s+(?:this\s+)?)?(?:advertisement|advertising|advert|ad|ads"
    r"|sponsored|reklama|anzeige|werbung|publicidad|publicit[ée]|pubblicit[àa]|iklan)"
    r"|(?:photo|image|picture|foto|credit)s?(?:\s+(?:copyright|credit))?\s*[:©]\s*\S.{0,80}"
    r"|image\s+copyright\s+\S.{0,80}"
    r"|close|caption|back\s+to\s+gallery|continue\s+reading\s+below|report\s+(?:an\s+)?error"
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
        loose = page.loose_text
        if loose is not None and loose is not element:
            wider = _body_of(page, loose, "heuristic")
            if wider.word_count >= max(FEW_WORDS, 2 * found.word_count):
                return wider
    return found


def _dwarfed(page: Page, found: Body) -> bool:
    """True when the body found is a sliver of the article element's text (a meta line or a
    disclosure in ``<p>``s, the story itself in ``<span>``s): then the story was missed."""
    return len(found.text) * _SLIVER < len(page.root.text_content())


def _body_of(page: Page, element: HtmlElement, source: str) -> Body:
    blocks = [(tag, text) for tag, text in text_blocks(element, page.skip_body)
              if len(text) > _MAX_FURNITURE_CHARS or not _FURNITURE.fullmatch(text)]
    text = "\n\n".join(text for _, text in blocks)
    headings = [text for tag, text in blocks if tag in OUTLINE_TAGS]
    return Body(text, headings, source if text else None, text.count(" ") + len(blocks))
