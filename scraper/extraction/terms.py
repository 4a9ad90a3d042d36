"""The ``categories`` and ``tags`` fields: the post's terms, from ``rel`` links, structured
data, meta tags, then links into a term archive near the article."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

from scraper.extraction.body import outside_text
from scraper.extraction.document import Found, Page
from scraper.extraction.jsonld import names
from scraper.extraction.noise import in_noise
from scraper.extraction.text import (
    Element,
    has_class_word,
    normalize_space,
    text_of,
    word_pattern,
)
from scraper.extraction.urls import IN_CATEGORY, TERM_LINK
from scraper.extraction.vocabulary import VOCABULARY

#: Term class words, by ``rel``, for links that carry no ``rel``.
_TERM_CLASSES = {
    "tag": word_pattern(VOCABULARY.words("tag_classes")),
    "category": word_pattern(VOCABULARY.words("category_segments")),
}
#: More microdata properties naming terms: Joomla marks its category link ``genre``.
_MICRODATA_ALSO = {"category": ("genre",)}


def categories(page: Page) -> Found[list[str]] | None:
    """Site selector, ``rel=category`` links in the article, JSON-LD ``articleSection``,
    ``article:section``."""
    return _terms(page, "categories", "category", "articleSection", "article:section")


def tags(page: Page) -> Found[list[str]] | None:
    """Site selector, ``rel=tag`` links in the article, JSON-LD ``keywords``, ``article:tag``."""
    return _terms(page, "tags", "tag", "keywords", "article:tag")


def _terms(page: Page, field: str, rel: str, jsonld_key: str,
           meta_key: str) -> Found[list[str]] | None:
    """Terms from the site selector, ``rel`` links in the article (WordPress marks category
    links ``rel="category tag"``, so a tag link is one without ``category``), JSON-LD, meta."""
    found = _unique(text_of(el).lstrip("#") for el in page.site(field))
    if found:
        return Found(found, "site")
    found = _unique(text_of(a).lstrip("#") for a in page.root.iter("a")
                    if _link_rel(a, rel) and not page.in_noise(a))
    if found:
        return Found(found, "heuristic")
    value = page.jsonld.article_value(jsonld_key)
    if isinstance(value, str):
        value = value.split(",")
    found = _unique(names(value))
    if found:
        return Found(found, "json-ld")
    found = _unique(term for key in (jsonld_key, *_MICRODATA_ALSO.get(rel, ()))
                    for raw in page.microdata(key) for term in raw.split(","))
    if found:
        return Found(found, "meta")
    # Docusaurus joins its tags with commas in one article:tag.
    found = [term for term in _unique(part for value in page.meta.get(meta_key, [])
                                      for part in value.split(","))
             if not _names_url_section(term, page.url)]
    if found:
        return Found(found, "opengraph")
    found = _unique(text_of(a).lstrip("#") for a in _term_links(page, rel))
    return Found(found, "heuristic") if found else None


def _names_url_section(term: str, url: str) -> bool:
    """True for a term that is the address's first directory: Hugo writes its content
    section (``posts`` of ``/posts/tempo-runs/``) as ``article:section``, which no author
    chose as a category."""
    first = urlsplit(url).path.strip("/").split("/", 1)[0]
    return bool(first) and "/" in urlsplit(url).path.strip("/") and \
        term.casefold() == first.casefold()


def _term_links(page: Page, rel: str) -> list[Element]:
    """Links of the article, outside its text, into a ``rel`` archive: by address
    (``/tag/hills``, ``/tagged/10km``, ``/t/rust``, ``/categories/Training/``) or by the
    class of the link or its list (``a.crayons-tag``, ``ul.field--tags__items``,
    ``dd.category-name``): what Squarespace, Tumblr, Drupal, Wix, dev.to and Joomla mark
    without ``rel`` or structured data. Without any in the article, those right after it in
    the main area (Medium lists its tags below ``</article>``), never in noise or the
    related block."""
    path, words = TERM_LINK[rel], _TERM_CLASSES[rel]

    def marked(a: Element) -> bool:
        href = (a.get("href") or "").partition("?")[0].partition("#")[0]
        parent = a.getparent()
        return path.search(href) is not None or any(
            el is not None and has_class_word(el, words)
            for el in (a, parent, parent.getparent() if parent is not None else None))

    inside = [a for a in page.root.iter("a")
              if marked(a) and not _term_noise(page, a) and outside_text(page, a)]
    if inside:
        return inside
    return [a for following in _after_article(page) for a in following.iter("a")
            if marked(a) and not page.in_noise(a)]


def _after_article(page: Page) -> Iterator[Element]:
    """The elements after the article element, up to the end of the main area around it."""
    node = page.root
    while node is not page.content_area and node.getparent() is not None:
        yield from node.itersiblings()
        node = node.getparent()


def _term_noise(page: Page, link: Element) -> bool:
    """:meth:`Page.in_noise` for a term link, but for a ``<nav>`` inside the article element:
    there it lists the post's own terms (Wix), where a site menu's category links sit in a
    ``<nav>`` outside it."""
    if not page.in_noise(link):
        return False
    return page.root.tag != "article" or in_noise(
        link, lambda node: node.tag != "nav" and page.skip(node), page.root)


def _link_rel(link: Element, rel: str) -> bool:
    """True for a link to a term of kind ``rel``. Some themes (Kadence, the core post-terms
    block) mark category links ``rel="tag"`` alone: a link into ``/category/`` or
    ``/kategoria/`` is a category whatever its ``rel`` says."""
    values = (link.get("rel") or "").lower().split()
    if "category" not in values and "tag" in values and \
            IN_CATEGORY.search(link.get("href") or ""):
        values.append("category")
    return rel in values and (rel == "category" or "category" not in values)


def _unique(values: Iterable[str]) -> list[str]:
    """Non-empty values, whitespace normalized, first occurrence kept, page order."""
    return list(dict.fromkeys(v for v in map(normalize_space, values) if v))
