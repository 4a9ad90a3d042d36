"""The descriptive fields: canonical URL, title, author, language, categories, tags, image.

Each function returns the value with the signal that gave it, trying the site selector first,
then structured data, then the page's own markup; None when no signal has it (never a guess).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

from lxml import etree
from lxml.html import HtmlElement

from scraper.extraction.document import TITLE_SEPARATORS, Found, Page
from scraper.extraction.jsonld import names
from scraper.extraction.noise import in_noise
from scraper.extraction.selectors import within
from scraper.extraction.text import (
    META_LINE,
    has_class_word,
    meta_items,
    normalize_space,
    text_of,
    with_class,
    word_pattern,
)
from scraper.extraction.urls import IN_CATEGORY, TERM_LINK
from scraper.extraction.vocabulary import VOCABULARY

#: The words that introduce a byline's name ("Posted by", "Author:", "Autorka:", "przez").
_BYLINE_WORDS = VOCABULARY.alternation("byline")
_AUTHOR_PREFIX = re.compile(rf"^(?:{_BYLINE_WORDS})\s*:?\s+", re.IGNORECASE)
#: The whole text before a byline's name: a label, nothing more.
_BYLINE_LABEL = re.compile(rf"\s*(?:{_BYLINE_WORDS})\s*:?\s*", re.IGNORECASE)
_AUTHOR_CLASS = word_pattern(("author", "byline", "autor"))
_CAPITALIZED = r"[A-ZĄĆĘŁŃÓŚŹŻ][^\s\d|·•,:;]*"
#: A byline within a meta line's text: the words, then a capitalized name.
_BYLINE_IN_TEXT = re.compile(
    rf"(?:^|\s)(?i:{_BYLINE_WORDS})\s*:?\s+"
    rf"(?P<name>{_CAPITALIZED}(?:\s+{_CAPITALIZED}){{0,3}})")
_BARE_NAME = re.compile(rf"{_CAPITALIZED}(?:\s+{_CAPITALIZED}){{1,3}}")
_NAME_TAGS = ("div", "span", "a", "p", "strong", "b")
#: A person's name as a byline writes it: one to four words, no digits.
_PERSON_NAME = re.compile(r"[^\W\d_][^\s\d]*(?: [^\W\d_][^\s\d]*){0,3}")
#: Term class words, by ``rel``, for links that carry no ``rel``.
_TERM_CLASSES = {
    "tag": word_pattern(("tag", "tags", "tagi", "post-tags", "field--tags")),
    "category": word_pattern(("category", "categories", "kategoria", "kategorie")),
}
#: More microdata properties naming terms: Joomla marks its category link ``genre``.
_MICRODATA_ALSO = {"category": ("genre",)}
_AUTHOR_MARKUP = etree.XPath(
    ".//*[@rel='author'] | .//*[@itemprop='author']//*[@itemprop='name']"
    " | .//*[contains(concat(' ', normalize-space(@class), ' '), ' p-author ')]"
    " | .//*[contains(concat(' ', normalize-space(@class), ' '), ' author ')]"
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' fn ')]"
)
#: WordPress's featured image (the post thumbnail), wherever the theme puts it.
_FEATURED_IMAGE = word_pattern(("wp-post-image",))
#: Images narrower or lower than this (by their attributes) are icons, not the post's.
_MIN_IMAGE_PIXELS = 100
_NOT_PICTURE = word_pattern(("avatar", "gravatar", "icon", "logo", "emoji", "author-image"))
#: The hero image a post header shows as its CSS background.
_BACKGROUND_IMAGE = re.compile(
    r"background(?:-image)?\s*:[^;]*url\(\s*(['\"]?)(?P<url>[^'\")]+)\1\s*\)", re.IGNORECASE)
_LANG = re.compile(r"^([a-z]{2})(?:[-_][a-z0-9]+)*$", re.IGNORECASE)
#: Frequent words that exist in one language only (no "to", "a", "i", which both share).
_STOP_WORDS = {
    "en": frozenset({"the", "and", "is", "of", "that", "it", "you", "for", "with", "are", "this",
                     "be", "was", "have", "not", "but", "they", "your", "what", "can", "when"}),
    "pl": frozenset({"się", "nie", "na", "jest", "że", "jak", "co", "po", "czy", "ale", "od",
                     "dla", "są", "być", "tak", "już", "może", "tym", "aby", "oraz"}),
}
#: The stop-word heuristic answers only with this many hits and twice the other language's.
_MIN_STOP_WORDS = 5
_LANGUAGE_SAMPLE_WORDS = 2000


def canonical_url(page: Page) -> Found[str] | None:
    """``<link rel=canonical>``, else ``og:url``; absolute."""
    for link in page.doc.iter("link"):
        url = page.absolute(link.get("href")) if link.get("rel") == "canonical" else None
        if url:
            return Found(url, "meta")
    url = page.absolute(page.meta_value("og:url"))
    return Found(url, "opengraph") if url else None


def names_home_page(page: Page, canonical: str) -> bool:
    """True when ``canonical`` is the site's home page (the root, or the profile's start URL)
    and ``page`` is not: an SEO plugin set up wrong makes every post claim the home page, and
    taking its word would file every article under one address. Paths are compared without
    hosts, so a mirror's post pointing at the production home page is caught as well."""
    home = _home_path(canonical)
    homes = {"", _home_path(page.profile.start_url) if page.profile else ""}
    return home in homes and home != _home_path(page.url)


def _home_path(url: str) -> str | None:
    """The path of ``url`` without its trailing slash; None when a query names a page
    (``/?p=42`` is a post, not the home page)."""
    parts = urlsplit(url)
    return None if parts.query else parts.path.rstrip("/")


def title(page: Page) -> Found[str] | None:
    """The article's headline, never the site name: the site selector, the h1 inside the
    article (a logo h1 in the header is outside it), JSON-LD ``headline``, ``og:title``,
    ``<title>`` (those two without their " - Site" suffix), then any h1 outside the chrome."""
    candidates = _title_candidates(page)
    return next((c for c in candidates if c.value and c.value != page.site_name), None)


def _title_candidates(page: Page) -> Iterator[Found[str]]:
    for el in page.site("title"):
        yield Found(text_of(el), "site")
    for el in page.root.iter("h1"):
        if not page.in_noise(el):
            yield Found(text_of(el), "heuristic")
    headline = page.jsonld.article_value("headline")
    if isinstance(headline, str):
        yield Found(strip_site_name(headline, page.site_name) if page.site_name else
                    normalize_space(headline), "json-ld")
    og_title = page.meta_value("og:title")
    if og_title:
        yield Found(strip_site_name(og_title, page.site_name), "opengraph")
    if page.head_title:
        yield Found(strip_site_name(page.head_title, page.site_name), "meta")
    for el in page.doc.iter("h1"):
        if not page.in_noise(el):
            yield Found(text_of(el), "heuristic")


def strip_site_name(value: str, site_name: str | None) -> str:
    """``value`` without a " - Site" / " | Site" suffix (or a "Site | " prefix).

    With a known site name only that name is stripped; without one only a " | " suffix is,
    because a dash is common inside real headlines.
    """
    text = normalize_space(value)
    parts = TITLE_SEPARATORS.split(text)
    if site_name and len(parts) > 1:
        name = normalize_space(site_name).casefold()
        if parts[-1].casefold() == name:
            return text[:text.rfind(parts[-1])].rstrip(" |-–—·•»:")
        if parts[0].casefold() == name:
            return text[len(parts[0]):].lstrip(" |-–—·•»:")
        return text
    head, separator, _ = text.rpartition(" | ")
    return head if separator and head else text


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
        if page.in_noise(el) or not _outside_text(page, el):
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
        if _PERSON_NAME.fullmatch(name) and not page.in_noise(el) and _outside_text(page, el):
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
                not _outside_text(page, el):
            continue
        name = text_of(el)
        if _PERSON_NAME.fullmatch(name):
            return Found(name, "label")
    return None


def _clean_author(text: str) -> str:
    return _AUTHOR_PREFIX.sub("", text).strip(" ,:|")


def language(page: Page, sample: str) -> Found[str] | None:
    """``<html lang>``, JSON-LD ``inLanguage``, ``og:locale``, the profile's language, then
    the stop-word count of ``sample`` (the body, or the page's text)."""
    lang = _two_letters(page.doc.get("lang") or page.doc.get("xml:lang"))
    if lang:
        return Found(lang, "meta")
    in_language = page.jsonld.article_value("inLanguage") or page.jsonld.first_of_types(
        ("WebPage", "WebSite"), "inLanguage")
    for value, source in ((in_language, "json-ld"), (page.meta_value("og:locale"), "opengraph"),
                          (page.profile.language if page.profile else None, "site")):
        lang = _two_letters(value)
        if lang:
            return Found(lang, source)
    detected = detect_language(sample)
    return Found(detected, "heuristic") if detected else None


def _two_letters(value: object) -> str | None:
    match = _LANG.match(value.strip()) if isinstance(value, str) else None
    return match.group(1).lower() if match else None


def detect_language(text: str) -> str | None:
    """"en" or "pl" by counting words only that language uses; None when unclear."""
    words = text.lower().split()[:_LANGUAGE_SAMPLE_WORDS]
    hits = {lang: sum(word.strip(".,;:!?()\"'„”") in stop for word in words)
            for lang, stop in _STOP_WORDS.items()}
    (best, best_hits), (_, other_hits) = sorted(hits.items(), key=lambda kv: -kv[1])
    return best if best_hits >= _MIN_STOP_WORDS and best_hits >= 2 * other_hits else None


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
                    for raw in _microdata(page, key) for term in raw.split(","))
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


def _term_links(page: Page, rel: str) -> list[HtmlElement]:
    """Links of the article, outside its text, into a ``rel`` archive: by address
    (``/tag/hills``, ``/tagged/10km``, ``/t/rust``, ``/categories/Training/``) or by the
    class of the link or its list (``a.crayons-tag``, ``ul.field--tags__items``,
    ``dd.category-name``): what Squarespace, Tumblr, Drupal, Wix, dev.to and Joomla mark
    without ``rel`` or structured data. Without any in the article, those right after it in
    the main area (Medium lists its tags below ``</article>``), never in noise or the
    related block."""
    path, words = TERM_LINK[rel], _TERM_CLASSES[rel]

    def marked(a: HtmlElement) -> bool:
        href = (a.get("href") or "").partition("?")[0].partition("#")[0]
        parent = a.getparent()
        return path.search(href) is not None or any(
            el is not None and has_class_word(el, words)
            for el in (a, parent, parent.getparent() if parent is not None else None))

    inside = [a for a in page.root.iter("a")
              if marked(a) and not _term_noise(page, a) and _outside_text(page, a)]
    if inside:
        return inside
    return [a for following in _after_article(page) for a in following.iter("a")
            if marked(a) and not page.in_noise(a)]


def _after_article(page: Page) -> Iterator[HtmlElement]:
    """The elements after the article element, up to the end of the main area around it."""
    node = page.root
    while node is not page.content_area and node.getparent() is not None:
        yield from node.itersiblings()
        node = node.getparent()


def _outside_text(page: Page, el: HtmlElement) -> bool:
    """True when ``el`` is no part of the article's text as read: outside the text's element,
    or in a part of it the text leaves out (a date and tags line above the text, in the same
    box: Eleventy). A whole-article body counts as outside: its meta line is in it."""
    text = page.body.value
    return text is page.root or not within(el, text) or in_noise(el, page.skip_body, text)


def _term_noise(page: Page, link: HtmlElement) -> bool:
    """:meth:`Page.in_noise` for a term link, but for a ``<nav>`` inside the article element:
    there it lists the post's own terms (Wix), where a site menu's category links sit in a
    ``<nav>`` outside it."""
    if not page.in_noise(link):
        return False
    return page.root.tag != "article" or in_noise(
        link, lambda node: node.tag != "nav" and page.skip(node), page.root)


def _link_rel(link: HtmlElement, rel: str) -> bool:
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


def image(page: Page) -> Found[str] | None:
    """``og:image``, JSON-LD ``image``/``thumbnailUrl``, microdata, else WordPress's featured
    image, the first picture of the body, then of the article (Drupal's image field sits
    beside the text), then the post header's background."""
    url = page.absolute(page.meta_value("og:image", "og:image:url", "og:image:secure_url"))
    if url:
        return Found(url, "opengraph")
    for key in ("image", "thumbnailUrl"):
        url = page.absolute(_image_url(page.jsonld.article_value(key), page))
        if url:
            return Found(url, "json-ld")
    for src in _microdata(page, "image"):
        url = page.absolute(src)
        if url:
            return Found(url, "meta")
    featured = (img for img in page.content_area.iter("img")
                if has_class_word(img, _FEATURED_IMAGE))
    for img in (*featured, *(img for scope in dict.fromkeys((page.body.value, page.root))
                             for img in scope.iter("img"))):
        url = page.absolute(_image_source(img))
        if url and not page.in_noise(img) and not _is_thumbnail(img):
            return Found(url, "heuristic")
    header = page.post_header
    background = _BACKGROUND_IMAGE.search(header.get("style") or "") if header is not None \
        else None
    url = page.absolute(background.group("url")) if background else None
    return Found(url, "heuristic") if url else None


def _image_source(img: HtmlElement) -> str | None:
    """The picture an ``<img>`` shows: its lazy-loading source when ``src`` is missing or a
    ``data:`` placeholder."""
    for name in ("src", "data-src", "data-lazy-src", "data-original"):
        value = img.get(name)
        if value and not value.startswith("data:"):
            return value
    return None


def _is_thumbnail(img: HtmlElement) -> bool:
    """An author's avatar, an icon or a logo beside the text: never the post's image."""
    sizes = [int(v) for v in (img.get("width"), img.get("height")) if v and v.isdigit()]
    return any(size < _MIN_IMAGE_PIXELS for size in sizes) or has_class_word(img, _NOT_PICTURE)


def _microdata(page: Page, prop: str) -> Iterator[str]:
    """Values of the article's ``itemprop`` ``prop`` (for themes without JSON-LD):
    ``content``, an image's ``src``, else the visible text."""
    for el in page.itemprop(prop):
        value = el.get("content") or (el.get("src") if prop == "image" else None) or \
            text_of(el)
        if value and value.strip():
            yield value.strip()


def _image_url(value: object, page: Page) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    value = page.jsonld.resolve(value)
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl")
    return value if isinstance(value, str) else None
