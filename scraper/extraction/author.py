"""The ``author`` field: the site selector and structured data first, then the byline the
page writes out ("Posted by", "Autor:", a name alone in the meta line); None rather than a
guess."""

from __future__ import annotations

import re

from lxml import etree

from scraper.extraction.body import outside_text
from scraper.extraction.document import Found, Page
from scraper.extraction.jsonld import names
from scraper.extraction.text import (
    META_LINE,
    meta_items,
    normalize_space,
    text_of,
    with_class,
    word_pattern,
)
from scraper.extraction.vocabulary import VOCABULARY

#: The words that introduce a byline's name ("Posted by", "Author:", "Autorka:", "przez").
_BYLINE_WORDS = VOCABULARY.alternation("byline")
_AUTHOR_PREFIX = re.compile(rf"^(?:{_BYLINE_WORDS})\s*:?\s+", re.IGNORECASE)
#: The whole text before a byline's name: a label, nothing more.
_BYLINE_LABEL = re.compile(rf"\s*(?:{_BYLINE_WORDS})\s*:?\s*", re.IGNORECASE)
_AUTHOR_CLASS = word_pattern((*VOCABULARY.words("author_segments"), "byline"))
_CAPITALIZED = r"[A-ZĄĆĘŁŃÓŚŹŻ][^\s\d|·•,:;]*"
#: A byline within a meta line's text: the words, then a capitalized name.
_BYLINE_IN_TEXT = re.compile(
    rf"(?:^|\s)(?i:{_BYLINE_WORDS})\s*:?\s+"
    rf"(?P<name>{_CAPITALIZED}(?:\s+{_CAPITALIZED}){{0,3}})")
_BARE_NAME = re.compile(rf"{_CAPITALIZED}(?:\s+{_CAPITALIZED}){{1,3}}")
_NAME_TAGS = ("div", "span", "a", "p", "strong", "b")
#: A person's name as a byline writes it: one to four words, no digits.
_PERSON_NAME = re.compile(r"[^\W\d_][^\s\d]*(?: [^\W\d_][^\s\d]*){0,3}")
_AUTHOR_MARKUP = etree.XPath(
    ".//*[@rel='author'] | .//*[@itemprop='author']//*[@itemprop='name']"
    " | .//*[contains(concat(' ', normalize-space(@class), ' '), ' p-author ')]"
    " | .//*[contains(concat(' ', normalize-space(@class), ' '), ' author ')]"
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' fn ')]"
)


def author(page: Page) -> Found[str] | None:
    """Site selector, JSON-LD ``author`` (``@id`` references resolved), ``<meta name=author>``,
    then ``rel=author`` / hCard markup in the article."""
    for el in page.site("author"):
        name = _clean_author(text_of(el))
        if name:
            return Found(name, "site")
    found = names(page.jsonld.article_value("author"), page.jsonld.resolve)
    if found:
        return Found(", ".join(dict.fromkeys(found)), "json-ld")
    meta_author = page.meta_value("author", "article:author")
    if meta_author and not meta_author.startswith("http"):
        return Found(normalize_space(meta_author), "meta")
    for el in _AUTHOR_MARKUP(page.root):
        name = _clean_author(text_of(el))
        if name and not page.in_noise(el):
            return Found(name, "heuristic")
    return _author_classed(page) or _byline(page) or _meta_line_author(page)


def _meta_line_author(page: Page) -> Found[str] | None:
    """The author a meta line writes out in plain text: after "by" / "przez" / "Autor:"
    ("Opublikowano 12.06.2021 przez Piotr Wiśniewski | Kategoria: …"), or as an item of two
    to four capitalized words ("Michał Domański · 8 stycznia 2024 · 8 min czytania")."""
    for el in with_class(page.root, _NAME_TAGS, META_LINE):
        if page.in_noise(el) or not outside_text(page, el):
            continue
        for item in meta_items(text_of(el)):
            labelled = _BYLINE_IN_TEXT.search(item)
            if labelled:
                return Found(labelled.group("name"), "label")
            if _BARE_NAME.fullmatch(item.strip()):
                return Found(item.strip(), "heuristic")
    return None


def _author_classed(page: Page) -> Found[str] | None:
    """A person's name alone in an element classed as the author, outside the text
    (Webflow's ``div.author-name``); an author box is noise and never read."""
    for el in with_class(page.root, _NAME_TAGS, _AUTHOR_CLASS):
        name = _clean_author(text_of(el))
        if _PERSON_NAME.fullmatch(name) and not page.in_noise(el) and outside_text(page, el):
            return Found(name, "heuristic")
    return None


def _byline(page: Page) -> Found[str] | None:
    """The name in the element right after a "Posted by" / "By" / "Autor:" label, outside the
    article's text (``Posted by <a href="#">Marta Lis</a> on May 04, 2023``): themes without
    author markup still write the byline out."""
    for el in page.root.iter("a", "span", "strong", "b", "em"):
        previous, parent = el.getprevious(), el.getparent()
        before = previous.tail if previous is not None else parent.text if parent is not None \
            else None
        if not before or not _BYLINE_LABEL.fullmatch(before) or page.in_noise(el) or \
                not outside_text(page, el):
            continue
        name = text_of(el)
        if _PERSON_NAME.fullmatch(name):
            return Found(name, "label")
    return None


def _clean_author(text: str) -> str:
    return _AUTHOR_PREFIX.sub("", text).strip(" ,:|")
