"""Extraction on saved pages of the bundled blog: the seed, a Polish post, the awkward pages."""

from __future__ import annotations

import pytest

from archive.records import Article
from scraper.bundled_blog import BundledBlog
from scraper.bundled_blog.content import seed_body_lines, seed_teasers
from scraper.extraction import extract
from scraper.profiles import get_profile
from tests.bundled_pages import BASE, PAGES, SAVED, render


def saved(name: str, site: str | None = "sbiegacza-en") -> Article:
    profile = get_profile(site) if site else None
    return extract((SAVED / f"{name}.html").read_bytes(), f"{BASE}{PAGES[name]}", profile)


@pytest.mark.parametrize("name", list(PAGES))
def test_saved_pages_match_what_the_blog_renders(name: str) -> None:
    assert (SAVED / f"{name}.html").read_bytes() == render(name), \
        "run python -m tests.bundled_pages to refresh the saved pages"


@pytest.mark.parametrize("site", ["sbiegacza-en", None], ids=["profile", "generic"])
def test_seed_article_fields(site: str | None) -> None:
    article = saved("seed", site)
    assert article.is_article
    assert article.url == f"{BASE}{PAGES['seed']}"
    assert article.title == "How to roll your back? Exercises for back pain"
    assert article.published == "2023-08-18T08:00:00+00:00"
    assert article.read_time_minutes == 6
    assert article.language == "en"
    assert article.categories == ["Health"]
    assert article.author and article.image
    assert article.body_text.split("\n\n") == seed_body_lines()
    assert [t.text for t in article.teasers] == seed_teasers()
    assert [t.position for t in article.teasers] == list(range(1, 31))
    assert article.teasers[1].url == article.url  # the page's link to itself is kept
    assert article.missing == {}


def test_seed_fields_come_from_the_site_profile_first() -> None:
    sources = saved("seed").field_sources
    assert sources["title"] == "site" and sources["body_text"] == "site"
    assert sources["read_time_minutes"] in ("site", "label")


def test_polish_post() -> None:
    article = saved("polish", "sbiegacza-pl")
    post = BundledBlog().post("jak-rolowac-plecy")
    assert (article.title, article.language) == (post.title, "pl")
    assert article.published == post.published.isoformat()
    assert article.read_time_minutes == 1
    assert article.body_text.startswith("Żyjemy w społeczeństwie")
    assert len(article.teasers) == 5 and all(t.title for t in article.teasers)


def test_post_without_a_date_has_null_published_and_a_reason() -> None:
    article = saved("no_date")
    assert article.is_article and article.title == "Running with a dog"
    assert article.published is None and article.missing["published"]
    assert article.read_time_minutes is not None


def test_post_without_a_read_time_has_null_minutes_and_an_estimate() -> None:
    article = saved("no_read_time")
    assert article.read_time_minutes is None and article.missing["read_time_minutes"]
    assert article.read_time_estimated and article.read_time_estimated >= 1


def test_dead_teaser_is_kept_in_its_position() -> None:
    teasers = saved("dead_teaser").teasers
    assert teasers[2].url == f"{BASE}/en/barefoot-running-myths/"
    assert teasers[2].title == "Barefoot running: myths and facts"


def test_body_links_to_old_url_and_pdf_stay_out_of_teasers() -> None:
    for name, link in (("old_url_link", "/en/old-running-shoes-guide/"),
                       ("pdf_link", ".pdf")):
        article = saved(name)
        assert article.is_article
        assert not any(link in teaser.url for teaser in article.teasers)


@pytest.mark.parametrize("name", ["not_found", "listing", "category", "static_page"])
def test_pages_that_are_not_articles(name: str) -> None:
    assert not saved(name).is_article
