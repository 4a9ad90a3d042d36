"""Publish dates in the forms real pages state them, one class of signal per test.

Every page here is a few hand-written lines: each test names the markup it stands for, never
a copy of a real page.
"""

from __future__ import annotations

from scraper.extraction import extract

URL = "https://news.example/story/"
BODY = "<p>" + "The council met on the matter again and voted after a long debate. " * 12 + "</p>"


def page(head: str = "", header: str = "", body: str = BODY) -> str:
    """An article page: ``head`` in ``<head>``, ``header`` between the headline and the text."""
    return (f'<html><head><meta property="og:type" content="article">{head}</head><body>'
            f"<article><h1>Council votes on the bridge</h1>{header}{body}</article>"
            "</body></html>")


def test_modified_label_in_polish_is_never_the_published_date() -> None:
    article = extract(page(header="<p>Data modyfikacji: <time>20.09.2023</time></p>"
                                  "<p>Data publikacji: <time>05.03.2023</time></p>"), URL)
    assert article.published == "2023-03-05"
    assert article.modified == "2023-09-20"
