"""The article's own text: paragraphs, headings and list items in document order.

Everything around the text (navigation, cookie notice, breadcrumbs, newsletter, comments,
related posts, previous/next teasers, footer, forms, scripts) is left out by the page's noise
rules, so a theme change in the chrome never changes an article's content hash.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml.html import HtmlElement

from scraper.extraction.document import Page
from scraper.extraction.noise import in_noise
from scraper.extraction.selectors import within
from scraper.extraction.text import text_blocks

#: Headings kept as the article's outline (the headline h1 is not in the text; another h1
#: there is a section heading); h5/h6 are rarely structure.
OUTLINE_TAGS = frozenset({"h1", "h2", "h3", "h4"})


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
    blocks = text_blocks(element, page.skip_body)
    text = "\n\n".join(text for _, text in blocks)
    headings = [text for tag, text in blocks if tag in OUTLINE_TAGS]
    return Body(text, headings, source if text else None, text.count(" ") + len(blocks))


def outside_text(page: Page, el: HtmlElement) -> bool:
    """True when ``el`` is no part of the article's text as read: outside the text's element,
    or in a part of it the text leaves out (a date and tags line above the text, in the same
    box: Eleventy). A whole-article body counts as outside: its meta line is in it."""
    text = page.body.value
    return text is page.root or not within(el, text) or in_noise(el, page.skip_body, text)
