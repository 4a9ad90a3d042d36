"""One parsed page, shared by every field function.

The HTML is parsed once; everything several fields need (meta tags, JSON-LD, the article
element, the body, the related block, the noise rules) is computed on first use and cached on
the :class:`Page`, so extraction costs little more than lxml's own parse.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from typing import Generic, NamedTuple, TypeVar

from lxml import etree

from scraper.extraction import urls
from scraper.extraction.decoding import ExtractionError, to_markup
from scraper.extraction.jsonld import JsonLd
from scraper.extraction.noise import (
    MAIN_IDS,
    in_noise,
    is_firm_noise,
    is_noise,
    is_text_box,
    noise_is_firm,
)
from scraper.extraction.related import RelatedBlock, find_related, related_heading
from scraper.extraction.selectors import ClassIndex, compiled, within
from scraper.extraction.text import (
    Element,
    normalize_space,
    paragraph_scores,
    text_content,
    text_nodes_containing,
    text_of,
    with_class,
    word_pattern,
)
from scraper.extraction.vocabulary import VOCABULARY, Vocabulary
from scraper.profiles import SiteProfile

T = TypeVar("T")


class Found(NamedTuple, Generic[T]):
    """A field value and the signal that gave it (``site``, ``json-ld``, ``opengraph``...)."""

    value: T
    source: str


class Missing(NamedTuple):
    """Why a field has no value, when its function knows better than the registry's reason."""

    reason: str


#: Microdata types that mark the article element on themes without ``<article>``.
ARTICLE_ITEMTYPES = ("BlogPosting", "schema.org/Article", "NewsArticle")
#: Profile selectors for blocks beside the article rather than inside it.
_PAGE_LEVEL_SELECTORS = frozenset({"teasers", "teaser_link"})
#: Between a headline and the site's name in a ``<title>`` ("Post - Site", "Site | Post"),
#: and between the site's name and the feed's in a feed link's title ("Site » Feed").
TITLE_SEPARATORS = re.compile(r"\s+[|\-–—·•»:]{1,2}\s+")
#: A separator ending a title's head: "Site :: Headline", the site's name first.
_SEPARATOR_AT_END = re.compile(TITLE_SEPARATORS.pattern + "$")
#: Paragraph text (characters) that is plainly an article's, a few sentences.
_PLAIN_TEXT_CHARS = 400
#: A heading this many words long or more may be a headline; shorter ones are sections.
_HEADLINE_WORDS = 3
_TITLE_CLASS = word_pattern(VOCABULARY.words("title_classes"))
#: Blocks a CMS prints a headline in when it is no heading: ``<p class="titulo">``.
_TITLE_BLOCKS = ("p", "div", "span", "strong", "h4", "h5", "h6")
#: How many of the densest paragraph boxes are tried for the page's text core.
_CORE_CANDIDATES = 5
#: Climbing from a label's text node to the element holding its value stops after this many.
_LABEL_LEVELS = 3
#: A label and its value are a short line; an element longer than this is running text.
_LABEL_CHARS = 300


#: libxml2's word for a page nested past its cap, after which it drops the rest of the page.
_CUT_OFF = "Excessive depth in document"

#: Elements that only carry a microdata value; they are noise by tag, their place is not.
_CARRIER_TAGS = frozenset({"meta", "link"})
#: An ``itemprop`` attribute's value in the source, quoted or bare.
_ITEMPROP_NAMES = re.compile(r"""itemprop\s*=\s*["']?([^"'\s>]+)""")
_ITEMPROP = etree.XPath(".//*[@itemprop=$name]")
_PARSERS = threading.local()


def _parser() -> etree.HTMLParser:
    """An HTML parser per thread (lxml parsers must not be shared between threads).

    Elements are lxml's own C class (:data:`~scraper.extraction.text.Element`):
    ``lxml.html``'s parser calls a Python function for every element proxy, a large share of
    extraction time, and even its ``HtmlElement`` through a lookup in C is a Python subclass,
    slower to make and to call than the class underneath (extract_page 1.001 -> 0.991 ms
    a page); the one method of it extraction used, ``text_content``, is
    :func:`~scraper.extraction.text.text_content`. Comments and processing instructions are
    dropped at parse time: a date in an HTML comment is never a signal. The encoding is
    UTF-8, what :func:`_utf8` feeds it (a ``str``, which it also accepts, carries its own).
    ``huge_tree`` lifts libxml2's nesting cap from 256 to 2048 levels: past the cap it
    silently drops the rest of the page, and page builders nest 300 deep. Input size stays
    bounded by the crawl's download limit.
    """
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = etree.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False,
                                  encoding="utf-8", huge_tree=True)
        _PARSERS.parser = parser
    return parser


def _utf8(markup: str, encoded: bytes | None) -> str | bytes:
    """The markup as UTF-8 bytes (``encoded`` when decoding knows them), which lxml parses
    in two thirds of the time it takes for a non-ASCII ``str``; the ``str`` itself when it
    cannot be encoded (a lone surrogate) or starts with an XML declaration, so lxml parses
    or refuses those exactly as before."""
    if markup.startswith("<?xml"):
        return markup
    if encoded is not None:
        return encoded
    try:
        return markup.encode("utf-8")
    except UnicodeEncodeError:
        return markup


def _names_more(title: str, end: int) -> bool:
    """True when ``title`` goes on after ``end`` with a separator and a name ("… - Site")."""
    separator = TITLE_SEPARATORS.match(title, end)
    return separator is not None and separator.end() < len(title)


def _paragraph_chars(el: Element) -> int:
    """The characters of ``el``'s own paragraphs (the score of the densest box)."""
    return sum(len(text_content(p)) for p in el.iterchildren("p"))


@dataclass
class Page:
    """A parsed page: the tree, the address it came from and the site profile (if any)."""

    url: str
    doc: Element
    profile: SiteProfile | None = None
    #: The source text, for cheap "does the page mention X at all" checks before an XPath.
    markup: str = ""

    def __post_init__(self) -> None:
        self._noise: dict[Element, bool] = {}
        self._addresses: dict[str, str | None] = {}

    @classmethod
    def parse(cls, html: str | bytes, url: str, profile: SiteProfile | None = None,
              content_type: str | None = None) -> Page:
        """Parse ``html`` (bytes decoded as the HTTP ``content_type`` says, when given);
        :class:`ExtractionError` when it is empty, binary or has no tags."""
        markup, encoded = to_markup(html, content_type)
        parser = _parser()
        try:
            doc = etree.fromstring(_utf8(markup, encoded), parser)
        except (etree.ParserError, etree.XMLSyntaxError, ValueError) as error:
            raise ExtractionError(f"the input cannot be parsed as HTML ({error})") from None
        if doc is None:
            raise ExtractionError("the input has no HTML elements")
        if any(_CUT_OFF in entry.message for entry in parser.error_log):  # the rest is lost
            raise ExtractionError("the page nests elements too deeply to read (2048 levels "
                                  "or more: the parser drops everything after them)")
        return cls(url, doc, profile, markup)

    # -- addresses ---------------------------------------------------------------------------

    @cached_property
    def base(self) -> str:
        """The address relative links resolve against (``<base href>`` when the page has one)."""
        href = next((el.get("href") for el in self.doc.iter("base") if el.get("href")), None)
        return (urls.join(self.url, href) if href else None) or self.url

    def absolute(self, href: str | None) -> str | None:
        """``href`` made absolute, fragment and tracking parameters dropped; None for empty,
        ``data:`` or script links.

        Each distinct ``href`` is resolved once per page: a teaser card links its post from
        the image and from the title."""
        if not href:
            return None
        if href in self._addresses:
            return self._addresses[href]
        url = self._addresses[href] = urls.absolute(self.base, href)
        return url

    # -- head signals ------------------------------------------------------------------------

    @cached_property
    def meta(self) -> dict[str, list[str]]:
        """``<meta property|name=... content=...>`` values by lower-cased key, page order."""
        found: dict[str, list[str]] = {}
        for el in self.doc.iter("meta"):
            key = el.get("property") or el.get("name")
            content = el.get("content")
            if key and content and content.strip():
                found.setdefault(key.strip().lower(), []).append(content.strip())
        return found

    def meta_value(self, *keys: str) -> str | None:
        """The first value of the first key present."""
        return next((self.meta[k][0] for k in keys if k in self.meta), None)

    @cached_property
    def jsonld(self) -> JsonLd:
        return JsonLd(el.text or "" for el in self.doc.iter("script")
                      if "ld+json" in (el.get("type") or ""))

    @cached_property
    def _body(self) -> Element | None:
        """``<body>``: what ``find("body")`` gives, without its ElementPath machinery."""
        return next(self.doc.iterchildren("body"), None)

    @cached_property
    def body_classes(self) -> frozenset[str]:
        body = self._body
        return frozenset((body.get("class") or "").lower().split()) if body is not None else \
            frozenset()

    @cached_property
    def head_title(self) -> str | None:
        """The text of the page's ``<title>``, as written; None without one."""
        return next((text_content(t) for t in self.doc.iter("title")), None)

    @cached_property
    def site_name(self) -> str | None:
        """The blog's own name, which must never become an article title."""
        return self.meta_value("og:site_name", "application-name") or self.jsonld.site_name \
            or self._feed_title

    @property
    def _feed_title(self) -> str | None:
        """The site's name as its first feed link gives it: ``title="Trail Notes"``
        (Jekyll), ``title="Biegaj Mądrze » Kanał z wpisami"`` (WordPress: the part before
        the separator)."""
        for link in self.doc.iter("link"):
            if link.get("rel") == "alternate" and link.get("title") and \
                    link.get("type") in ("application/rss+xml", "application/atom+xml"):
                name = TITLE_SEPARATORS.split(normalize_space(link.get("title")), 1)[0]
                return name or None
        return None

    # -- site profile ------------------------------------------------------------------------

    @cached_property
    def vocabulary(self) -> Vocabulary:
        """The rules' words: every language's, and the profile's own labels."""
        labels = self.profile.labels if self.profile else None
        return VOCABULARY.with_labels(labels) if labels else VOCABULARY

    def site(self, field: str, *, allow_noise: bool = False) -> list[Element]:
        """Elements of the profile selector for ``field`` (outside noise unless allowed).

        Article fields are looked up inside the article element, the related block inside the
        main content area, whose class tokens the page indexes once for all selectors: the
        header's mega menu and the footer, most of a page's elements, are never walked.
        """
        css = self.profile.selectors.get(field) if self.profile else None
        if not css:
            return []
        scope = self.content_area if field in _PAGE_LEVEL_SELECTORS else self.root
        found = compiled(css)(scope, self._class_index)
        return found if allow_noise else [el for el in found if not self.in_noise(el)]

    @cached_property
    def _class_index(self) -> ClassIndex:
        """One index of class tokens for every selector: the content area holds the article."""
        return ClassIndex(self.content_area)

    @cached_property
    def content_area(self) -> Element:
        """The ``<main>`` around the article (the related block sits there), else ``<body>``."""
        main = next(self.root.iterancestors("main"), None)
        if main is not None:
            return main
        return self._body if self._body is not None else self.doc

    # -- structure ---------------------------------------------------------------------------

    @cached_property
    def root(self) -> Element:
        """The element holding the article: its ``<article>`` (the one with the h1), else the
        main content area, else ``<body>``. On listing pages this is the list's container."""
        articles = [a for a in self.doc.iter("article") if not in_noise(a, self._is_chrome)]
        with_h1 = [a for a in articles if next(a.iterdescendants("h1"), None) is not None]
        if with_h1:
            root = next((a for a in with_h1 if self._holds_core(a)), None)
            if root is None:
                root = self._around_plain_text(articles)
            return with_h1[0] if root is None else root
        root = self._headless_root(articles)
        header = self.post_header
        if header is not None and not within(header, root):
            # The text's element and the header with its headline: their nearest common
            # ancestor.
            root = next(el for el in root.iterancestors() if within(header, el))
        return self._widened_to_text(root)

    def _holds_core(self, el: Element) -> bool:
        core = self.text_core
        return core is None or within(core, el)

    @cached_property
    def _plain_core(self) -> Element | None:
        """The text core when it holds plainly an article's text (a few sentences)."""
        core = self.text_core
        return core if core is not None and _paragraph_chars(core) >= _PLAIN_TEXT_CHARS \
            else None

    def _around_plain_text(self, articles: list[Element]) -> Element | None:
        """The article element holding the page's plain text, when the h1's is elsewhere (a
        story marked up without an h1, a featured-story card below it with one)."""
        core = self._plain_core
        if core is None:
            return None
        return next((a for a in reversed(articles) if within(core, a)), None)

    def _widened_to_text(self, root: Element) -> Element:
        """``root``, or its nearest ancestor holding the page's text core when the text there
        plainly outweighs the root's own (an empty first ``<main>`` or article shell before
        the one with the story)."""
        core = self._plain_core
        if core is None or within(core, root) or \
                _paragraph_chars(core) < 2 * sum(len(text_content(p)) for p in root.iter("p")):
            return root
        return next(el for el in root.iterancestors() if within(core, el))

    def _headless_root(self, articles: list[Element]) -> Element:
        """The root when no article element holds an h1: the one article element, the one
        article element whose heading says the page's title (a story stream: the page's
        story, then the next ones loaded under it, each in its own element), the one
        microdata article, the main content area, else ``<body>``."""
        if len(articles) == 1:
            return articles[0]
        titled = [a for a in articles if any(self.says_title(text_content(h))
                                             for h in a.iter("h2", "h3"))]
        if len(titled) == 1:
            return titled[0]
        marked = [el for el in self._microdata_articles() if not in_noise(el, self._is_chrome)]
        if len(marked) == 1:
            return marked[0]
        mains = [el for el in self._main_areas() if not in_noise(el, self._is_chrome)]
        if mains:
            return next((el for el in mains if self._holds_core(el)), mains[0])
        return self._body if self._body is not None else self.doc

    @cached_property
    def _titles(self) -> tuple[str, ...]:
        """The page's ``<title>`` and ``og:title``, spaced and case-folded."""
        return tuple(normalize_space(t).casefold() for t in (self.head_title,
                                                               self.meta_value("og:title")) if t)

    def says_title(self, text: str) -> bool:
        """True when ``text`` (a heading) of a few words is what the page's ``<title>`` or
        ``og:title`` says, whole or beside the site's name ("Headline - Site", "Site ::
        Headline"): the headline, whatever element holds it. A section heading never opens
        or ends the page's title."""
        text = normalize_space(text).casefold()
        return len(text.split()) >= _HEADLINE_WORDS and any(
            title == text or
            (title.startswith(text) and TITLE_SEPARATORS.match(title, len(text))) or
            (title.endswith(text) and _SEPARATOR_AT_END.search(title, 0, len(title) - len(text)))
            for title in self._titles)

    def titled_heading(self, scope: Element) -> Element | None:
        """The first ``h2``/``h3``, or block classed as a title (``<p class="titulo">``, as
        some CMSs print the headline), under ``scope`` and outside noise that says the page's
        title: a headline that is no h1."""
        return next((heading for heading in chain(
            scope.iter("h2", "h3"), with_class(scope, _TITLE_BLOCKS, _TITLE_CLASS))
            if self.says_title(text_content(heading)) and not self.in_noise(heading)), None)

    @cached_property
    def post_header(self) -> Element | None:
        """A page-level ``<header>`` holding the post's headline: an h1 outside any article,
        without a link, whose words open the page's ``<title>`` before a " - Site" (Jekyll's
        Clean Blog puts title, byline, date and read time in such a "masthead" above the
        text). It is the article's header, not site chrome; a logo h1 links home and names
        the site, which ends a post's ``<title>`` rather than opening it."""
        title = normalize_space(self.head_title or "")
        if not title:
            return None
        for header in self.doc.iter("header"):
            if next(header.iterancestors("article", "main"), None) is not None:
                continue
            for h1 in header.iter("h1"):
                text = normalize_space(text_content(h1))
                if text and title.startswith(text) and _names_more(title, len(text)) and \
                        next(h1.iter("a"), None) is None and \
                        next(h1.iterancestors("a"), None) is None:
                    return header
        return None

    def _microdata_articles(self) -> list[Element]:
        if "itemtype" not in self.markup:
            return []
        return [attr.getparent() for attr in self.doc.xpath("//@itemtype")
                if any(t in attr for t in ARTICLE_ITEMTYPES)]

    def _main_areas(self) -> Iterator[Element]:
        yield from self.doc.iter("main")
        for el in self.doc.iter("div", "section"):
            if el.get("role") == "main" or el.get("id") in MAIN_IDS or \
                    "site-main" in (el.get("class") or "").split():
                yield el

    def itemprop(self, name: str, *, anywhere: bool = False) -> list[Element]:
        """The article's elements carrying schema.org microdata ``itemprop=name``, outside
        noise (``anywhere``: the whole page's, for a property the article element lacks,
        such as a ``<meta itemprop>`` in ``<head>``); a page whose markup never names it costs
        no XPath (JSON-LD names ``datePublished`` on most pages, so the attribute's values
        are looked up). A ``<meta>`` or ``<link>`` only carries a value: where it sits decides."""
        if name not in self._itemprop_names:
            return []
        return [el for el in _ITEMPROP(self.doc if anywhere else self.root, name=name)
                if not self._carrier_in_noise(el)]

    @cached_property
    def _itemprop_names(self) -> frozenset[str]:
        """Every microdata property the source names, from one scan of it."""
        return frozenset(_ITEMPROP_NAMES.findall(self.markup)) if "itemprop" in self.markup \
            else frozenset()

    def _carrier_in_noise(self, el: Element) -> bool:
        if el.tag not in _CARRIER_TAGS:
            return self.in_noise(el)
        parent = el.getparent()
        return parent is not None and parent.tag != "head" and self.in_noise(parent)

    def microdata(self, prop: str) -> Iterator[str]:
        """Values of the article's ``itemprop`` ``prop`` (for themes without JSON-LD):
        ``content``, an image's ``src``, else the visible text."""
        for el in self.itemprop(prop):
            value = el.get("content") or (el.get("src") if prop == "image" else None) or \
                text_of(el)
            if value and value.strip():
                yield value.strip()

    @cached_property
    def related(self) -> RelatedBlock | None:
        return find_related(self.doc, self.site("teasers", allow_noise=True),
                            related_heading(self.vocabulary))

    @cached_property
    def _related_members(self) -> frozenset[Element]:
        return self.related.members if self.related else frozenset()

    def skip(self, el: Element) -> bool:
        """The noise rule for meta signals (dates, labels): navigation, comments, related...
        (the post's own header is never noise, whatever its tag and class say)."""
        return (self._is_chrome(el) and el is not self.post_header) or \
            el in self._related_members

    def _is_chrome(self, el: Element) -> bool:
        """:func:`is_noise`, but for a wrapper named like chrome around the page's text and
        for the text's own box (``article-body pagination-first``: the first page of a
        paginated story)."""
        if not is_noise(el) or is_text_box(el):
            return False
        core = self.text_core
        return core is None or noise_is_firm(el) or not within(core, el)

    @cached_property
    def text_core(self) -> Element | None:
        """The element whose own paragraphs hold the most text on the page, outside firm noise
        (comments, navigation, footers): the article's text, on nearly every page. A wrapper
        around it is layout, whatever its name says (``content-with-sidebar-wrp``, a page-wide
        ``<form>``)."""
        scores = paragraph_scores(self.doc)
        ranked = sorted(scores, key=scores.__getitem__, reverse=True)[:_CORE_CANDIDATES]
        return next((el for el in ranked if not in_noise(el, is_firm_noise)), None)

    def in_noise(self, el: Element) -> bool:
        """True when ``el`` sits in noise; inside the article only the article's own
        descendants are checked, so a wrapper's class never hides the whole post."""
        node, path = el, []
        while node is not None and node is not self.root and node.tag not in ("body", "html"):
            known = self._noise.get(node)
            if known is not None:
                break
            path.append(node)
            node = node.getparent()
        else:
            known = False
        for node in reversed(path):
            known = known or self.skip(node)
            self._noise[node] = known
        return bool(known)

    @cached_property
    def body(self) -> Found[Element]:
        """The element holding the article text, as the body rules choose it
        (:func:`scraper.extraction.body.body_element`; imported here, not at the top,
        since those rules read the page)."""
        from scraper.extraction import body
        return body.body_element(self)

    @cached_property
    def body_holds_header(self) -> bool:
        """:func:`scraper.extraction.body.holds_header`, once per page."""
        from scraper.extraction import body
        return body.holds_header(self)

    @cached_property
    def headline(self) -> Element | None:
        """The article's h1, a field of its own; an h1 further down the text is a heading
        misused for a section, and its section is text."""
        return next((h for h in self.root.iter("h1") if not self.in_noise(h)), None)

    # -- labels ------------------------------------------------------------------------------

    def labelled(self, keywords: tuple[str, ...], parse: Callable[[str], T | None]
                 ) -> Iterator[T]:
        """Values ``parse`` finds near visible text containing a keyword, in page order.

        From each text node in the article (outside noise) holding a keyword (lower-case or
        capitalized), the enclosing element is read as the reader sees it, then its parent, up
        to a few levels: so ``<span>Published</span><time>18.08.2023</time>`` is read as
        "Published 18.08.2023". The article's text is checked first, so a page without any
        keyword costs no XPath at all.
        """
        for node in text_nodes_containing(self.root, keywords):
            el = node.getparent()
            if el is not None and node.is_tail:
                el = el.getparent()
            if el is None or self.in_noise(el):
                continue
            for _ in range(_LABEL_LEVELS):
                text = text_of(el, self.skip)
                if len(text) > _LABEL_CHARS:
                    break  # a paragraph that mentions the word, not a label: nor its parents
                value = parse(text)
                if value is not None:
                    yield value
                    break
                if el is self.root or el.getparent() is None:
                    break
                el = el.getparent()
