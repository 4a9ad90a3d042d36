"""The links the crawl follows equal what Scrapy's LinkExtractor would give, on every saved
page (the bundled theme's and the foreign themes'), plus the awkward cases written here."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urldefrag

import pytest
from scrapy.http import HtmlResponse
from scrapy.linkextractors import LinkExtractor

from scraper.extraction.document import Page
from scraper.extraction.urls import without_tracking
from scraper.links import DENY, followed_links

SAVED = Path(__file__).parent / "pages"
PAGES = sorted(SAVED.rglob("*.html"))
URL = "https://blog.example/en/some-post/"


def scrapy_links(body: bytes, url: str) -> list[str]:
    """LinkExtractor's links as the spider used them: fragments dropped, http(s) only (its
    scope check refused ``ftp:`` and ``file:`` links); and, the one difference the crawl
    makes on purpose, without tracking parameters (one post, one request)."""
    response = HtmlResponse(url, body=body, encoding="utf-8")
    found = (without_tracking(urldefrag(link.url)[0])
             for link in LinkExtractor(deny=DENY).extract_links(response))
    return [link for link in dict.fromkeys(found) if link.startswith(("http://", "https://"))]


def ours(body: bytes, url: str) -> list[str]:
    return followed_links(Page.parse(body, url))


@pytest.mark.parametrize("path", PAGES, ids=lambda path: path.relative_to(SAVED).as_posix())
def test_saved_page_links_equal_scrapys(path: Path) -> None:
    body = path.read_bytes()
    assert ours(body, URL) == scrapy_links(body, URL)


def test_saved_pages_are_there_to_compare() -> None:
    assert len(PAGES) >= 20


AWKWARD = b"""<html><head><base href="https://blog.example/en/base/"></head><body>
<a href="relative/">r</a> <a href=" /en/spaced/ ">s</a> <a href="#top">t</a>
<a href="https://blog.example/en/za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87/">pl</a>
<a href="/en/a b/">space</a> <a href="/en/x/#comments">frag</a> <a href="/en/x/">dup</a>
<a href="/en/feed/">feed</a> <a href="/wp-content/uploads/plan.pdf">pdf</a>
<a href="/en/photo.JPG">img</a> <a href="/en/?s=shoes">search</a> <a href="/en/?p=12">p</a>
<a href="mailto:a@b.c">mail</a> <a href="javascript:void(0)">js</a> <a>none</a>
<map><area href="/en/area/"></map> <a href="https://other.example/page">other</a>
<a href="/en/comment-page-2/">comments</a> <a href="ftp://blog.example/f">ftp</a>
</body></html>"""


def test_tracking_parameters_do_not_make_a_second_request() -> None:
    body = (b'<a href="/en/hills/?utm_source=feed">a</a><a href="/en/hills/">b</a>'
            b'<a href="/en/?p=12&fbclid=x">c</a>')
    assert ours(body, URL) == ["https://blog.example/en/hills/", "https://blog.example/en/?p=12"]


def test_awkward_links_equal_scrapys() -> None:
    found = ours(AWKWARD, URL)
    assert found == scrapy_links(AWKWARD, URL)
    assert "https://blog.example/en/base/relative/" in found  # <base> honoured
    assert "https://blog.example/en/za%C5%BC%C3%B3%C5%82%C4%87/" in found  # escaped
    assert not any(url.endswith((".pdf", ".JPG", "/feed/")) for url in found)
