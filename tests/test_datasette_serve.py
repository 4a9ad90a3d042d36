"""``serve`` is Datasette with the user's options; ``history`` takes URLs as users paste them;
the charts and ``stats --plot`` show coverage run by run; cells read as what they hold."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive import Archive, charts
from archive.cli import history, serve, stats
from archive.metadata import archive_datasette
from archive.records import Article, Fetch, Teaser

BLOG = "https://blog.example"
SITE_SOURCES = {"title": "site", "published": "site", "author": "site", "teasers": "site",
                "read_time_minutes": "site"}


def article_fetch(slug: str, sources: dict[str, str], **fields: object) -> Fetch:
    url = f"{BLOG}/{slug}/"
    return Fetch(url=url, status=200, outcome="new", field_sources=sources, article=Article(
        url=url, title=f"Post {slug}", body_text=f"Text of {slug}.\n\nSecond paragraph.",
        published="2024-05-01T10:00:00+00:00", categories=["Training", "Health"],
        **fields))  # type: ignore[arg-type]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Two runs of three posts; the second after a theme change that lost the author and
    moved the date to a heuristic. ``/old/`` redirected to ``/a/``, ``/b/`` did later."""
    path = tmp_path / "archive.db"
    with Archive.open(path) as archive:
        first = archive.start_run("blog", "test", "1.0", "2.19")
        archive.record_fetches(first, [
            article_fetch(slug, SITE_SOURCES, teasers=[Teaser(1, f"{BLOG}/a/", "A", "a")])
            for slug in ("a", "b", "c")])
        archive.record_fetches(first, [Fetch(url=f"{BLOG}/old/", status=301,
                                             outcome="redirected", redirect_to=f"{BLOG}/a/")])
        archive.finish_run(first, "finished", "finished", {})
        second = archive.start_run("blog", "test", "1.0", "2.19")
        theme_changed = {"title": "site", "published": "heuristic"}
        archive.record_fetches(second, [
            article_fetch(slug, theme_changed) for slug in ("a", "c")])
        archive.record_fetches(second, [Fetch(url=f"{BLOG}/b/", status=301,
                                              outcome="redirected", redirect_to=f"{BLOG}/a/")])
        archive.finish_run(second, "finished", "finished", {})
    return path


@pytest.mark.parametrize("pasted", [
    f"{BLOG}/c/", f"{BLOG}/c", f"{BLOG}/c/#top", f"{BLOG}/c/?utm_source=x&utm_medium=y",
    "HTTPS://BLOG.example/c/", "/c/", "c",
])
def test_history_takes_a_url_in_any_form_the_crawler_would_store(db: Path, pasted: str) -> None:
    result = CliRunner().invoke(history, [pasted, "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    assert [v["title"] for v in json.loads(result.stdout)] == ["Post c", "Post c"]


@pytest.mark.parametrize("old", [f"{BLOG}/old/", f"{BLOG}/b/", "/b"])
def test_history_follows_an_old_url_that_redirected(db: Path, old: str) -> None:
    result = CliRunner().invoke(history, [old, "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    assert {v["title"] for v in json.loads(result.stdout)} == {"Post a"}


def test_history_of_a_url_that_leads_nowhere_is_one_line(db: Path) -> None:
    result = CliRunner().invoke(history, [f"{BLOG}/nope/", "--db", str(db)])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"Error: no article with URL {BLOG}/nope/ in {db}"


def test_coverage_per_run_shows_the_theme_change(db: Path) -> None:
    with Archive.open(db) as archive:
        first, second = charts.coverage_by_run(archive.db)
        svg = charts.coverage_svg([first, second])
    assert (first.pages, second.pages) == (3, 2)
    assert (first.share("author"), second.share("author")) == (1.0, 0.0)
    assert second.sources["published"] == {"heuristic": 2}
    assert "run 1: author from site on 3 of 3 pages" in svg
    assert "run 2: author" not in svg and "run 2: date from heuristic on 2 of 2" in svg


def test_stats_plot_writes_a_png(db: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(stats, ["--db", str(db), "--plot", str(tmp_path / "c.png")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "c.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_stats_plot_without_matplotlib_is_one_line(db: Path, tmp_path: Path) -> None:
    blocked = ("import sys; sys.modules['matplotlib'] = None; from scraper.cli import main; "
               "sys.argv = ['blog-archive'] + sys.argv[1:]; main()")
    result = subprocess.run([sys.executable, "-c", blocked, "stats", "--db", str(db),
                             "--plot", str(tmp_path / "c.png")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr == ("blog-archive: error: stats --plot needs matplotlib: "
                             "pip install 'blog-archive[plot]'\n")


def test_serve_passes_datasettes_options_through(db: Path, tmp_path: Path) -> None:
    (tmp_path / "mine.json").write_text(json.dumps({"databases": {"archive": {
        "title": "My running archive",
        "tables": {"articles": {"columns": {"author": "Who wrote it (mine)."}}}}}}))
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "_footer.html").write_text("<p>my own footer</p>")
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "hello.py").write_text(
        "from datasette import hookimpl\nfrom datasette.utils.asgi import Response\n\n"
        "@hookimpl\ndef register_routes():\n"
        "    return [(r'^/-/hello$', lambda: Response.text('hello from my plugin'))]\n")
    server = subprocess.Popen(
        [sys.executable, "-m", "scraper", "serve", "--db", str(db), "--port", "0",
         "--setting", "default_page_size", "2", "--metadata", str(tmp_path / "mine.json"),
         "--template-dir", str(tmp_path / "templates"),
         "--plugins-dir", str(tmp_path / "plugins")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        base = server.stdout.readline().split(" at ")[1].split()[0]

        def get(path: str) -> str:
            with urllib.request.urlopen(base + path, timeout=30) as response:
                return response.read().decode()
        rows = json.loads(get("archive/articles.json?_shape=array"))
        assert len(rows) == 2  # --setting default_page_size 2
        page = get("archive/articles")
        assert "Who wrote it (mine)." in page and "Headline as the page shows it." in page
        assert "my own footer" in page and "My running archive" in get("archive")
        assert get("-/hello") == "hello from my plugin"
    finally:
        server.terminate()
        server.communicate(timeout=30)


@pytest.mark.parametrize(("args", "message"), [
    (("--setting", "no_such_setting", "1"), "--setting no_such_setting: Datasette has no "
                                            "such setting"),
    (("--setting", "default_page_size", "many"), "--setting default_page_size: 'many' is "
                                                 "not a int"),
])
def test_serve_refuses_a_bad_setting_in_one_line(db: Path, args: tuple[str, ...],
                                                 message: str) -> None:
    result = CliRunner().invoke(serve, ["--db", str(db), *args])
    assert result.exit_code == 2 and result.stderr.strip() == f"Error: {message}"


def test_cells_read_as_lists_pairs_and_labelled_runs(db: Path) -> None:
    async def pages() -> tuple[str, str, str]:
        client = archive_datasette(db).client
        return ((await client.get("/archive/articles")).text,
                (await client.get("/archive/fetches")).text,
                (await client.get("/archive/article_versions")).text)
    articles, fetches, versions = asyncio.run(pages())
    assert '<td class="col-teasers type-str">A</td>' in versions
    assert "Training, Health" in articles and "[&#34;Training&#34;" not in articles
    run_cell = articles.split('<td class="col-first_seen_run')[1].split("</td>")[0]
    assert "+00:00" in run_cell  # the run's started_at labels its link
    assert "title: site; published: heuristic" in fetches
