"""The ``image`` field: the post's picture, from OpenGraph, JSON-LD, microdata, WordPress's
featured image or the first picture of the text."""

from __future__ import annotations

import re

from scraper.extraction.document import Found, Page
from scraper.extraction.text import (
    Element,
    has_class_word,
    word_pattern,
)
from scraper.extraction.vocabulary import VOCABULARY

#: WordPress's featured image (the post thumbnail), wherever the theme puts it.
_FEATURED_IMAGE = word_pattern(VOCABULARY.words("featured_image_classes"))
#: Images narrower or lower than this (by their attributes) are icons, not the post's.
_MIN_IMAGE_PIXELS = 100
_NOT_PICTURE = word_pattern(VOCABULARY.words("not_picture_classes"))
#: The hero image a post header shows as its CSS background.
_BACKGROUND_IMAGE = re.compile(
    r"background(?:-image)?\s*:[^;]*url\(\s*(['\"]?)(?P<url>[^'\")]+)\1\s*\)", re.IGNORECASE)


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
    for src in page.microdata("image"):
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


def _image_source(img: Element) -> str | None:
    """The picture an ``<img>`` shows: its lazy-loading source when ``src`` is missing or a
    ``data:`` placeholder."""
    for name in ("src", "data-src", "data-lazy-src", "data-original"):
        value = img.get(name)
        if value and not value.startswith("data:"):
            return value
    return None


def _is_thumbnail(img: Element) -> bool:
    """An author's avatar, an icon or a logo beside the text: never the post's image."""
    sizes = [int(v) for v in (img.get("width"), img.get("height")) if v and v.isdigit()]
    return any(size < _MIN_IMAGE_PIXELS for size in sizes) or has_class_word(img, _NOT_PICTURE)


def _image_url(value: object, page: Page) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    value = page.jsonld.resolve(value)
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl")
    return value if isinstance(value, str) else None
