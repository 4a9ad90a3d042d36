"""Extraction figures: pages/s, against lxml's parse and against trafilatura + htmldate.

The pages are the bundled blog's article pages in both languages (hand-written, with the real
seed article) plus synthetic posts, rendered by the blog itself; every contender gets the same
bytes. lxml's ``fromstring`` is the floor (extraction parses once with lxml, then reads the
tree); trafilatura's metadata extraction plus htmldate is what a user would otherwise reach for
to get title, author, date, categories and tags; its ``bare_extraction`` (metadata and body
text, the same job as ``extract()``) is shown alongside, for context, without a target. So is
the floor of any extractor written in Python: the parse plus one visit of every element.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import htmldate
import lxml.etree
import lxml.html
import trafilatura

from bench.harness import Row, Sample, at_least, at_most, interleave, timed
from scraper.bundled_blog import BundledBlog
from scraper.extraction import extract
from scraper.profiles import SiteProfile, get_profile

BASE = "http://127.0.0.1:8000"
_EDITIONS = (("en", "sbiegacza-en", f"{BASE}/en/"), ("pl", "sbiegacza-pl", f"{BASE}/"))


@dataclass(frozen=True)
class ArticlePage:
    body: bytes
    url: str
    profile: SiteProfile


def corpus(synthetic: int) -> list[ArticlePage]:
    """Every article page of the bundled blog plus ``synthetic`` generated ones, as served."""
    blog = BundledBlog(synthetic=synthetic)
    pages = []
    for language, profile_name, start_url in _EDITIONS:
        profile = get_profile(profile_name).with_start_url(start_url)
        for path in blog.article_paths(language):
            page = blog.resolve(path, BASE)
            if page.status == 200 and page.content_type.startswith("text/html"):
                pages.append(ArticlePage(page.body, f"{BASE}{path}", profile))
    return pages


def ours(page: ArticlePage) -> object:
    return extract(page.body, page.url, page.profile)


def lxml_parse(page: ArticlePage) -> object:
    return lxml.html.fromstring(page.body)


def python_floor(page: ArticlePage) -> object:
    """The least any extractor in Python does on top of the parse: visit every element once
    and read its tag, class, text and tail (plain ``lxml.etree`` elements, whose proxies
    are made in C, as ``extract()`` makes them)."""
    doc = lxml.etree.HTML(page.body)
    for el in doc.iter():
        (el.tag, el.get("class"), el.text, el.tail)
    return doc


def trafilatura_htmldate(page: ArticlePage) -> object:
    return (trafilatura.extract_metadata(page.body, default_url=page.url),
            htmldate.find_date(page.body, url=page.url))


def trafilatura_full(page: ArticlePage) -> object:
    """Like-for-like with ``extract()``: metadata and the body text."""
    return trafilatura.bare_extraction(page.body, url=page.url, with_metadata=True)


def measure(synthetic: int, repeats: int) -> list[Row]:
    pages = corpus(synthetic)

    def run(function: Callable[[ArticlePage], object]) -> Callable[[], float]:
        def one_pass() -> float:
            return len(pages) / timed(lambda: [function(page) for page in pages])
        one_pass()  # warm-up: imports, compiled regexes and caches, off the clock
        return one_pass

    ours_rate, lxml_rate, floor_rate, metadata_rate, full_rate = (
        Sample.of(values) for values in interleave(
            run(ours), run(lxml_parse), run(python_floor), run(trafilatura_htmldate),
            run(trafilatura_full), repeats=repeats))
    label = f"{len(pages)} article pages"
    return [
        Row(f"extraction time / lxml parse time, {label}", ours_rate, "pages/s",
            lxml_rate, "lxml.html.fromstring", lxml_rate.per(ours_rate), at_most(3.0)),
        Row(f"context: parse + one Python visit of every element / lxml parse, {label}",
            floor_rate, "pages/s", lxml_rate, "lxml.html.fromstring", lxml_rate.per(floor_rate)),
        Row(f"extraction speed-up over trafilatura metadata + htmldate, {label}", ours_rate,
            "pages/s", metadata_rate, "trafilatura+htmldate", ours_rate.per(metadata_rate),
            at_least(5.0)),
        Row(f"extraction speed-up over trafilatura bare_extraction (metadata + body), {label}",
            ours_rate, "pages/s", full_rate, "trafilatura bare_extraction",
            ours_rate.per(full_rate)),
    ]
