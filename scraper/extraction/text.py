"""Text helpers shared by every field function: the visible text of an element, block by
block, and the class/id word matching every rule uses. What is noise is
:mod:`scraper.extraction.noise`'s to say."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache

from lxml import etree

from scraper.extraction.vocabulary import VOCABULARY

#: Characters that are invisible on the page but would split or glue words in the archive.
_INVISIBLE_CHARS = "\u200b\u200c\u200d\u2060\ufeff\xad"
_INVISIBLE = str.maketrans("", "", _INVISIBLE_CHARS)
_HAS_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]")

_INVISIBLE_TAGS = frozenset({"script", "style", "noscript", "template", "svg"})

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


#: Tokens that name no block: the vocabulary's nameless prefixes, WordPress's ``post-123``,
#: and Atomic CSS, which writes a style as a class with its value in parentheses
#: (``Ff($ff-secondary)``, ``modal-open_Op(1)``).
_IGNORED_TOKEN = re.compile(
    "^(?:" + "|".join(map(re.escape, VOCABULARY.words("nameless_class_prefixes")))
    + r")-|^post-\d+$|\(")

_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
#: The article's meta line, where date, read time and author stand side by side.
META_LINE = word_pattern(VOCABULARY.words("meta_line_classes"))
_META_SEPARATOR = re.compile(r"\s*[·•|]\s*")
#: Visually hidden text: kept for labels ("Posted on" for screen readers) but not body text.
_HIDDEN_CLASS = word_pattern(VOCABULARY.words("hidden_classes"))

#: Elements that start a new line of text; everything else is inline and joins its neighbours.
BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "main", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2",
    "h3", "h4", "h5", "h6", "blockquote", "pre", "figure", "figcaption", "table", "thead",
    "tbody", "tr", "td", "th", "header", "footer", "address", "details", "summary", "body",
    "center", "caption",
})

#: A parsed element: lxml's own C class, which the parser makes without the Python subclass
#: ``lxml.html.HtmlElement`` (see ``document._parser``).
Element = etree._Element
Skip = Callable[[Element], bool]
_STRING = etree.XPath("string()", smart_strings=False)


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


def has_class_word(el: Element, pattern: ClassPattern) -> bool:
    """True when a class/id token of ``el`` contains a word of ``pattern``."""
    cls, ident = el.get("class"), el.get("id")
    return bool(cls or ident) and words_match(cls, ident, pattern)


@lru_cache(maxsize=16384)
def words_match(cls: str | None, ident: str | None, pattern: ClassPattern) -> bool:
    """:func:`has_class_word` on the attribute values, for a caller that tests one element
    against several patterns after reading its class and id once."""
    search = pattern.regex.search
    return any(search(token) for token in _tokens(cls, ident))


def with_class(root: Element, tags: tuple[str, ...], pattern: ClassPattern
               ) -> Iterator[Element]:
    """Elements of ``tags`` under ``root`` whose class/id matches ``pattern``, page order.

    Iterating a few tag names runs in C; an XPath ``contains(@class, ...)`` over every element
    costs as much as parsing the page again.
    """
    for el in root.iter(*tags):
        cls, ident = el.get("class"), el.get("id")
        if (cls or ident) and words_match(cls, ident, pattern):
            yield el


def is_hidden(el: Element) -> bool:
    """True for content the reader does not see (hidden attribute, aria-hidden, an inline
    ``display: none``, sr-only)."""
    names = el.keys()  # as in is_noise: one call, not four lookups
    if "hidden" in names or ("aria-hidden" in names and el.get("aria-hidden") == "true"):
        return True
    if "style" in names and _HIDDEN_STYLE.search(el.get("style")):
        return True
    return ("class" in names or "id" in names) and has_class_word(el, _HIDDEN_CLASS)


def is_invisible(el: Element) -> bool:
    """True for content that is never shown: scripts, styles and hidden elements."""
    return el.tag in _INVISIBLE_TAGS or not isinstance(el.tag, str) or is_hidden(el)


def meta_items(text: str) -> list[str]:
    """The items of a meta line ("2023-04-05 · 5 min · Jane Whitaker"), split at its
    separators."""
    return [item for item in _META_SEPARATOR.split(text) if item]


def text_blocks(el: Element, skip: Skip) -> list[tuple[str, str]]:
    """The visible text of ``el`` as ``(tag, text)`` per block element, in document order.

    Inline elements join their neighbours without a separator (``in <strong>6</strong> minut``
    reads "in 6 minut"), so labels are matched on what the reader sees, not on raw HTML.
    Skipped elements lose their content but keep their tail text, which belongs to the parent.
    """
    blocks = ((tag, normalize_space("".join(parts))) for tag, parts in _raw_blocks(el, skip))
    return [(tag, text) for tag, text in blocks if text]


#: Levels below an element that the text walk reads (one Python frame each, under the
#: interpreter's limit of 1000 with room for the caller's own frames); page builders nest
#: about 300 deep, and what lies deeper is dropped rather than costing the whole page.
_MAX_DEPTH = 600


def _raw_blocks(el: Element, skip: Skip) -> list[tuple[str, list[str]]]:
    """The blocks of :func:`text_blocks`, each as its text parts, before normalizing."""
    tag, text = el.tag, el.text
    buf = [text] if text else []
    out: list[tuple[str, list[str]]] = [(tag if isinstance(tag, str) else "", buf)]
    _walk(el, skip, out, buf)
    return out


def _walk(el: Element, skip: Skip, out: list[tuple[str, list[str]]], buf: list[str],
          depth: int = 0) -> None:
    # Hot: every text field walks here. Leaves (most elements) are not recursed into.
    # Below _MAX_DEPTH nothing is read: a widget nested 1,500 deep costs only its own text,
    # not (through a RecursionError) the whole article around it.
    for child in el:
        tag = child.tag
        if isinstance(tag, str) and not skip(child):
            text = child.text
            if tag in BLOCK_TAGS:
                inner = [text] if text else []
                out.append((tag, inner))
                if len(child) and depth < _MAX_DEPTH:
                    _walk(child, skip, out, inner, depth + 1)
            else:
                if tag == "br":
                    buf.append(" ")
                elif text:
                    buf.append(text)
                if len(child) and depth < _MAX_DEPTH:
                    _walk(child, skip, out, buf, depth + 1)
        tail = child.tail
        if tail:
            buf.append(tail)


def text_content(el: Element) -> str:
    """The text of ``el`` and its descendants, as ``lxml.html``'s ``text_content()`` gives it
    (XPath ``string()``). An element without children (most paragraphs and headings)
    holds its whole text in ``.text``: read from there, a pass over all of a page's
    paragraphs costs 6 µs instead of 23."""
    return (el.text or "") if len(el) == 0 else _STRING(el)


def paragraph_scores(root: Element) -> dict[Element, int]:
    """Each element under ``root`` holding paragraphs, with the characters of its own
    ``<p>`` children: the readability signal the text core and the body's box both read."""
    scores: dict[Element, int] = {}
    for p in root.iter("p"):
        parent = p.getparent()
        scores[parent] = scores.get(parent, 0) + len(text_content(p))
    return scores


def text_of(el: Element, skip: Skip = is_invisible) -> str:
    """The visible text of one element on one line, blocks separated by a space.

    The blocks are joined before one normalization: collapsing whitespace makes that the
    non-empty blocks, each normalized, joined by a space (one split of the whole text, not
    one per block)."""
    if len(el) == 0:  # no child elements: nothing to skip, no blocks to separate
        return normalize_space(el.text or "")
    return normalize_space(" ".join("".join(parts) for _, parts in _raw_blocks(el, skip)))


def text_nodes_containing(el: Element, keywords: tuple[str, ...]) -> list[str]:
    """Text nodes under ``el`` holding a keyword as written or capitalized, page order.

    The element's whole text is searched first (C speed); only the variants present there go
    into the XPath, so the common case (no label at all) costs one string search per variant.
    """
    text = text_content(el)
    present = tuple(v for v in _variants(keywords) if v in text)
    return _containing(present)(el) if present else []


@lru_cache(maxsize=64)
def _variants(keywords: tuple[str, ...]) -> tuple[str, ...]:
    """Each keyword as written, then capitalized when that differs. The same few keyword
    tables are asked for on every page: their variants are spelled out once per process."""
    return tuple(v for k in keywords for v in dict.fromkeys((k, k.capitalize())))


@lru_cache(maxsize=256)
def _containing(words: tuple[str, ...]) -> etree.XPath:
    # Keywords are plain words from this package's own tables: no quote to escape.
    return etree.XPath(".//text()[" + " or ".join(f"contains(., '{w}')" for w in words) + "]")
