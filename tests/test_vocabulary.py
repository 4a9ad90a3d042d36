"""The rule words live in one table per language: every rule that reads a word reads the same
list, and a site profile adds its own words to it."""

from __future__ import annotations

import pytest

from scraper.extraction import extract
from scraper.extraction.vocabulary import VOCABULARY
from scraper.profiles import SiteProfile

WORDS = " ".join(["The long run builds the engine every runner needs."] * 8)


@pytest.mark.parametrize("cls", ["time-to-read", "reading-time", "readtime", "read-time",
                                 "reading-duration", "czas-czytania"])
def test_a_read_time_element_in_the_text_is_the_read_time_and_not_text(cls: str) -> None:
    """Every class the read time is read from is left out of the body (and so of the content
    hash): the read time must not be both a field and a sentence of the post."""
    page = ("<html><body><article><h1>Long runs</h1><div class='entry-content'>"
            f"<span class='{cls}'>5 min</span><p>{WORDS}</p></div></article></body></html>")
    article = extract(page, "https://example.com/long-runs/")
    assert (article.read_time_minutes, article.body_text) == (5, WORDS)


@pytest.mark.parametrize("label", ["Data modyfikacji:", "Zmieniono:", "Edytowano:",
                                   "Last updated:", "Ostatnia aktualizacja:"])
def test_a_time_after_an_update_label_is_never_the_published_date(label: str) -> None:
    """The update date shown first (Woodmart's order) is passed over for the published one."""
    page = ("<html><body><article><h1>Long runs</h1><div class='entry-meta'>"
            f"<span>{label}</span> <time>20.09.2023</time> "
            "<span>Data publikacji:</span> <time>05.03.2023</time></div>"
            f"<div class='entry-content'><p>{WORDS}</p></div></article></body></html>")
    article = extract(page, "https://example.com/long-runs/")
    assert article.published == "2023-03-05"


def test_a_time_after_the_modified_label_alone_is_no_published_date() -> None:
    """The issue's page: only the modification date is shown, so there is no published date."""
    page = ("<html><body><article><h1>Long runs</h1><p class='post-info'>Data modyfikacji: "
            f"<time>20.09.2023</time></p><div class='entry-content'><p>{WORDS}</p></div>"
            "</article></body></html>")
    article = extract(page, "https://example.com/long-runs/")
    assert (article.published, article.modified) == (None, "2023-09-20")


SPANISH_POST = ("<html><body><article><h1>Tiradas largas</h1><p class='post-info'>"
                "Tiempo de lectura: 7 minutos</p><div class='entry-content'>"
                f"<p>{WORDS}</p></div></article></body></html>")


def test_a_profile_label_adds_a_language_for_its_site() -> None:
    """A Spanish blog's read-time label, unknown to the tables, is read once its profile names
    it; other sites are not affected."""
    profile = SiteProfile("tiradas", "https://tiradas.example/", labels={
        "read_time_labels": (r"tiempo\s+de\s+lectura",), "read_time_units": ("minutos",),
        "read_time_keywords": ("lectura",)})
    assert extract(SPANISH_POST, "https://tiradas.example/largas/").read_time_minutes is None
    with_labels = extract(SPANISH_POST, "https://tiradas.example/largas/", profile)
    assert (with_labels.read_time_minutes, with_labels.field_sources["read_time_minutes"]) == \
        (7, "label")
    assert extract(SPANISH_POST, "https://tiradas.example/largas/").read_time_minutes is None


def test_a_profile_label_for_a_rule_that_reads_no_site_labels_is_refused() -> None:
    with pytest.raises(ValueError, match="no site labels for 'noise_classes'"):
        VOCABULARY.with_labels({"noise_classes": ("ad-box",)})


@pytest.mark.parametrize("href", ["/tags/view/sport/", "/kategorie/buty/", "/tagged/hills/",
                                  "/categories/training/"])
def test_a_link_into_any_term_archive_is_no_teaser(href: str) -> None:
    """The archive segments are one table: a related block's link into a tag or category
    archive is never a post, whichever spelling of the segment the site uses."""
    page = ("<html><body><article><h1>Long runs</h1><div class='entry-content'>"
            f"<p>{WORDS}</p></div></article><div class='related-posts'>"
            "<a href='/hills/'>Hills</a><a href='{href}'>More</a></div></body></html>")
    page = page.replace("{href}", href)
    teasers = extract(page, "https://example.com/long-runs/").teasers
    assert [t.url for t in teasers] == ["https://example.com/hills/"]


@pytest.mark.parametrize("path", ["/category/buty/", "/kategorie/buty/", "/t/rust", "/autor/ewa/"])
def test_a_term_archive_address_is_a_listing(path: str) -> None:
    page = (f"<html><body><article><h1>Buty</h1><div class='entry-content'><p>{WORDS}</p>"
            "</div></article></body></html>")
    article = extract(page, f"https://example.com{path}")
    assert not article.is_article
    assert "category, tag or author archive" in article.missing["is_article"]


def test_a_profile_related_heading_finds_the_block_of_its_site() -> None:
    """A Czech blog's "Mohlo by vás zajímat" heads its related posts once its profile says so;
    the heading is not taken for a card's excerpt either."""
    page = ("<html><body><article><h1>Dlouhé běhy</h1><div class='entry-content'>"
            f"<p>{WORDS}</p></div></article><div><h3>Mohlo by vás zajímat</h3>"
            "<ul><li><a href='/intervaly/'>Intervaly</a></li>"
            "<li><a href='/kopce/'>Kopce</a></li></ul></div></body></html>")
    profile = SiteProfile("behy", "https://behy.example/", labels={
        "related_headings": (r"mohlo\s+by\s+v[aá]s\s+zaj[ií]mat",)})
    assert extract(page, "https://behy.example/dlouhe/").teasers == []
    teasers = extract(page, "https://behy.example/dlouhe/", profile).teasers
    assert [(t.url, t.title, t.text) for t in teasers] == [
        ("https://behy.example/intervaly/", "Intervaly", ""),
        ("https://behy.example/kopce/", "Kopce", "")]
