"""One search everywhere: ``blog-archive search``, the search box of Datasette's Articles view
(its JSON API, which the box's page runs) and the canned search query give the same articles
in the same order; and Polish words are found in their inflections.

The archive holds every bundled post, English and Polish, written through the archive's own
code; one English post then redirects and another is gone, to hold the three to one rule
on statuses.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from urllib.parse import urlencode

import lxml.html
import pytest
from click.testing import CliRunner
from markupsafe import escape

from archive import Archive
from archive.cli import search
from archive.metadata import archive_datasette
from archive.records import Article, Fetch, Teaser
from scraper.bundled_blog.content import build_posts

BLOG = "https://blog.example"
PARITY_QUERIES = [
    # plain words, and words with their inflections
    "roller", "roll back", "back pain", "running shoes", "exercises", "knee", "Training",
    # phrases and prefixes
    '"tempo run"', '"back pain"', "roll*", "stretch*",
    # column filters
    "title:roll*", "title:knee", "body:tempo", 'title:"running shoes"',
    # colons, hyphens, exclusions and operators as people type them
    "pace 5:30", "12:00", "back-pain", "roller -foam", "-foam roller", "roller AND NOT foam",
    "roller OR stretching", "(roller OR tempo) AND runners", "don't", "rest days",
    # Polish, with and without diacritics, in inflections the posts do not use verbatim
    "ćwiczenie", "cwiczenia", "bieganie", "treningi", "odpoczynek",
]
#: Polish lemmas, each with the inflected forms that count as finding it (any one will do).
POLISH_LEMMAS = {
    "ćwiczenie": ["ćwiczenia", "ćwiczenie", "ćwiczeń"],
    "bieganie": ["bieganie", "biegania", "bieganiem", "bieganiu"],
    "trening": ["trening", "treningu", "treningów", "treningami", "treningi"],
    "regeneracja": ["regeneracja", "regeneracji"],
    "kolano": ["kolan", "kolana", "kolano"],
    "godzina": ["godzin", "godziny", "godzina"],
    "kontuzja": ["kontuzji", "kontuzja"],
    "biegacz": ["biegacz", "biegacza", "biegaczy"],
    "przerwa": ["przerw", "przerwa", "przerwy"],
    "tempo": ["tempo", "tempie"],
    "plecy": ["plecy", "pleców"],
    "siłownia": ["siłowni", "siłownia"],
    "stopa": ["stopę", "stopa"],
    "efekt": ["efekty", "efekt"],
    "odpoczynek": ["odpoczynku", "odpoczynek"],
    "wysiłek": ["wysiłku", "wysiłek"],
    "rozgrzewka": ["rozgrzewka", "rozgrzewki"],
    # stems whose vowels alternate: not found by a stem's prefix, counted all the same
    "mięsień": ["mięśnie", "mięsień"],
    "tydzień": ["tygodni", "tygodniu", "tydzień"],
    "miesiąc": ["miesięcy", "miesiąc"],
}
#: Share of (lemma, post) pairs found: 11 of 64 (17 %) with the English stemmer and exact
#: words; 52 of 64 (81 %) with folded diacritics and the stem's prefix.
POLISH_RECALL_FLOOR = 0.8


def body_text(html: str) -> str:
    doc = lxml.html.fromstring(f"<div>{html}</div>")
    return "\n\n".join(el.text_content().strip() for el in doc.iter("p", "h2", "h3"))


@pytest.fixture(scope="module")
def bundled_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every bundled post archived; then one redirects and one is gone."""
    path = tmp_path_factory.mktemp("bundled") / "archive.db"
    posts = build_posts()
    with Archive.open(path) as archive:
        run = archive.start_run("bundled", "test", "1.0", "2.19")
        archive.record_fetches(run, [
            Fetch(url=f"{BLOG}/{post.slug}/", status=200, outcome="new", article=Article(
                url=f"{BLOG}/{post.slug}/", title=post.title, body_text=body_text(post.body),
                published=post.published.isoformat(), language=post.language,
                author=post.author, categories=[post.category]))
            for post in posts])
        later = archive.start_run("bundled", "test", "1.0", "2.19")
        archive.record_fetches(later, [
            Fetch(url=f"{BLOG}/foam-roller-guide/", status=301, outcome="redirected",
                  redirect_to=f"{BLOG}/how-to-roll-your-back-exercises-for-back-pain/"),
            Fetch(url=f"{BLOG}/tempo-runs/", status=404, outcome="gone")])
    return path


def cli_titles(path: Path, query: str) -> list[str]:
    result = CliRunner().invoke(search, [query, "--db", str(path), "--limit", "100", "--json"])
    assert result.exit_code in (0,), (query, result.output)
    return [hit["title"] for hit in json.loads(result.stdout)]


def datasette_titles(path: Path, query: str) -> tuple[list[str], list[str]]:
    """The Articles view's search box (``?_search=``) and the canned query, as JSON."""
    async def fetch() -> tuple[list[str], list[str]]:
        client = archive_datasette(path).client
        box = await client.get("/archive/article_list.json?" + urlencode(
            {"_search": query, "_shape": "array", "_size": 100, "_col": "title"}))
        canned = await client.get("/archive/search_with_snippet.json?" + urlencode(
            {"q": query, "_shape": "array"}))
        assert box.status_code == 200 and canned.status_code == 200, (query, box.text)
        return ([row["title"] for row in box.json()], [row["title"] for row in canned.json()])
    return asyncio.run(fetch())


async def search_pages(path: Path, query: str) -> tuple[str, str]:
    """The HTML of the Articles view searched for ``query``, and of the canned query."""
    client = archive_datasette(path).client
    box = await client.get("/archive/article_list?" + urlencode({"_search": query}))
    canned = await client.get("/archive/search_with_snippet?" + urlencode({"q": query}))
    return box.text, canned.text


def test_thirty_queries_give_the_same_articles_in_the_same_order(bundled_archive: Path) -> None:
    titles = [post.title for post in build_posts()]
    assert len(set(titles)) == len(titles)  # a title names one article
    assert len(PARITY_QUERIES) == 30
    found_any = 0
    for query in PARITY_QUERIES:
        cli = cli_titles(bundled_archive, query)
        box, canned = datasette_titles(bundled_archive, query)
        assert cli == box == canned, query
        assert "Foam roller guide for runners" not in cli, query  # redirected: left out
        found_any += bool(cli)
    assert found_any == len(PARITY_QUERIES)  # every query finds something to compare


@pytest.mark.parametrize(("query", "first"), [
    ("roll back", "How to roll your back? Exercises for back pain"),
    ("pace 5:30", "Tempo runs: comfortably hard"),
    ("12:00", "Running in the heat"),
])
def test_relevance_first_and_date_order_on_request(bundled_archive: Path, query: str,
                                                   first: str) -> None:
    assert cli_titles(bundled_archive, query)[0] == first
    newest = CliRunner().invoke(search, [query, "--db", str(bundled_archive), "--json",
                                         "--order", "date"])
    dates = [hit["published"] for hit in json.loads(newest.stdout)]
    assert dates == sorted(dates, reverse=True)


def test_a_query_that_cannot_be_read_is_one_line_everywhere(bundled_archive: Path) -> None:
    for query in ("roller OR", '"foam roller', "(roller", "-roller"):
        result = CliRunner().invoke(search, [query, "--db", str(bundled_archive)])
        assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
        message = result.stderr.strip().removeprefix("Error: ")
        assert message.startswith(f"cannot parse search query {query!r}: ")
        assert "fts5" not in message
        for html in asyncio.run(search_pages(bundled_archive, query)):
            assert str(escape(message)) in html and "fts5" not in html, query


def test_polish_words_are_found_in_their_inflections(bundled_archive: Path) -> None:
    polish = {post.title: f"{post.title} {body_text(post.body)}".lower()
              for post in build_posts() if post.language == "pl"}
    found = total = 0
    for lemma, forms in POLISH_LEMMAS.items():
        truth = {title for title, text in polish.items()
                 if any(re.search(rf"(?<!\w){form}(?!\w)", text) for form in forms)}
        hits = set(cli_titles(bundled_archive, lemma))
        total += len(truth)
        found += len(truth & hits)
    assert total == 64
    assert found / total >= POLISH_RECALL_FLOOR, f"{found} of {total}"
    assert "ćwiczenia" in polish["Jak rolować plecy? Ćwiczenia na ból pleców"]
    assert "Jak rolować plecy? Ćwiczenia na ból pleców" in cli_titles(bundled_archive,
                                                                       "ćwiczenie")


def test_teasers_are_not_in_the_article_index_but_have_a_search_of_their_own(
        tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    with Archive.open(path) as archive:
        run = archive.start_run("blog", "test", "1.0", "2.19")
        archive.record_fetches(run, [Fetch(url=f"{BLOG}/a/", status=200, outcome="new",
                                           article=Article(
            url=f"{BLOG}/a/", title="Stretching", body_text="Stretch after a run.",
            teasers=[Teaser(1, f"{BLOG}/b/", "Foam roller guide", "Rollers loosen calves.")]))])
        assert archive.search("rollers") == []

    async def teasers() -> list[dict]:
        response = await archive_datasette(path).client.get(
            "/archive/search_teasers.json?text=roller&_shape=array")
        return response.json()
    assert [row["title"] for row in asyncio.run(teasers())] == ["Foam roller guide"]
