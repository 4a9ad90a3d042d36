"""A hostile web, served from 127.0.0.1: responses Scrapy drops, robots.txt that cannot be read,
canonicals that claim other pages, and ``extract URL`` against endless or trickling pages.

Each crawl runs the real command line against the bundled blog with a few answers replaced
(``tests.hostile_fetch_server``); the rest of the blog stays healthy, so every healthy article
can be counted. Each test records what it saw for ``docs/reliability.md``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from scraper.bundled_blog import BlogServer
from scraper.bundled_blog.server import Fault
from tests.conftest import Crawl, RunCli, crawl_blog, run_blog_archive
from tests.hostile_fetch_server import (
    BOMB_BYTES,
    ENCODINGS,
    bomb,
    encoded,
    endless,
    hang,
    replaced,
    reset,
    robots_with,
    send,
    serve,
    trickle,
)
from tests.reliability import record
from tests.test_reliability import assert_consistent

pytestmark = pytest.mark.xdist_group("reliability")

#: The bundled blog's one deliberate dead link, answered here with a redirect to the home page,
#: so a crawl of the blog with no attack in it ends with exit 0 and any failure is the attack's.
DEAD_LINK = "/en/barefoot-running-myths/"
#: Short timeouts and backoff: a robots.txt that hangs costs a second or two, not minutes.
QUICK = ("-s", "DOWNLOAD_TIMEOUT=1", "-s", "RETRY_TIMES=1", "-s", "RETRY_BACKOFF_BASE=0.1",
         "-s", "RETRY_BACKOFF_MAX=0.2")


def healed(server: BlogServer) -> dict[str, Fault]:
    return {DEAD_LINK: lambda h: send(h, 301, b"", Location=f"{server.base_url}/en/")}


def articles(server: BlogServer) -> list[str]:
    return sorted(server.blog.article_paths("en"))


def failed_lines(crawl: Crawl) -> set[str]:
    return {line.split(": ", 2)[1] for line in crawl.result.stderr.splitlines()
            if line.startswith("failed: ")}


def lost(crawl: Crawl, healthy: set[str]) -> set[str]:
    archived = {row["url"] for row in crawl.db["articles"].rows_where("status = 'live'")}
    return {path for path in healthy if crawl.url(path) not in archived}


def fetches_of(crawl: Crawl, path: str) -> list[dict]:
    return list(crawl.db["fetches"].rows_where("url = ?", [crawl.url(path)], order_by="id"))


def requested(crawl: Crawl) -> list[str]:
    return [path for _, path, _, _ in crawl.requests]


def assert_sound(crawl: Crawl) -> None:
    assert "Traceback" not in crawl.result.stderr + crawl.result.stdout
    assert_consistent(crawl.db_path)


# --- responses Scrapy drops -------------------------------------------------------------------

@pytest.fixture(scope="module")
def dropped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Crawl, dict[str, str]]]:
    """One crawl where four articles are compression bombs (one per encoding), one sitemap is
    a gzip bomb and robots.txt forbids one article the sitemap lists."""
    with serve() as server:
        paths = articles(server)
        bombs = dict(zip(ENCODINGS, paths[1:5], strict=True))
        server.faults.update(healed(server))
        server.faults.update({path: encoded(bomb(encoding), encoding)
                              for encoding, path in bombs.items()})
        server.faults["/robots.txt"] = robots_with(server, f"Disallow: {paths[5]}\n",
                                                   ("/bomb-sitemap.xml",))
        server.faults["/bomb-sitemap.xml"] = encoded(bomb("gzip"), "gzip", "application/xml")
        crawl = crawl_blog(server, tmp_path_factory.mktemp("dropped") / "archive.db")
        yield crawl, {**bombs, "sitemap": "/bomb-sitemap.xml", "forbidden": paths[5]}


def test_every_dropped_response_is_a_failed_fetch(dropped: tuple[Crawl, dict[str, str]]) -> None:
    crawl, paths = dropped
    assert crawl.result.returncode == 1, crawl.result.stderr
    assert_sound(crawl)
    healthy = set(articles(crawl.server)) - {paths[name] for name in (*ENCODINGS, "forbidden")}
    assert lost(crawl, healthy) == set()
    dropped_paths = [paths[name] for name in (*ENCODINGS, "sitemap")]
    assert failed_lines(crawl) == {crawl.url(path) for path in dropped_paths}
    for name in (*ENCODINGS, "sitemap"):
        (fetch,) = fetches_of(crawl, paths[name])
        assert requested(crawl).count(paths[name]) == 1  # dropped, not retried
        assert (fetch["outcome"], fetch["error_kind"]) == ("error", "too_large")
        assert fetch["error"] == (f"response larger than the download size limit "
                                  f"({10 * 1024 * 1024} B) once decompressed")
        label = "a sitemap" if name == "sitemap" else "an article"
        record("Site" if name == "sitemap" else "Faults",
               f"{label} sent with Content-Encoding: {'gzip' if name == 'sitemap' else name}, "
               f"a few KB expanding to {BOMB_BYTES // 2**20} MB",
               f"too_large after 1 attempt: {fetch['error']}; counted in the exit code",
               lost=len(lost(crawl, healthy)))
    (run,) = crawl.db["crawl_runs"].rows
    assert run["errors"] == len(dropped_paths)


def test_a_link_robots_txt_forbids_is_recorded_not_fetched(
        dropped: tuple[Crawl, dict[str, str]]) -> None:
    crawl, paths = dropped
    assert paths["forbidden"] not in requested(crawl)
    (fetch,) = fetches_of(crawl, paths["forbidden"])
    assert (fetch["outcome"], fetch["error_kind"], fetch["error"], fetch["status"]) == (
        "skipped", "robots_txt", "forbidden by robots.txt", None)
    assert crawl.url(paths["forbidden"]) not in failed_lines(crawl)


def test_an_archived_article_robots_txt_now_forbids_is_a_failure(
        dropped: tuple[Crawl, dict[str, str]]) -> None:
    """The archive can no longer re-check it: one failed: line and exit 1, nothing fetched."""
    first, _ = dropped
    with serve() as server:
        target = articles(server)[6]
        server.faults.update(healed(server))
        server.faults["/robots.txt"] = robots_with(server, f"Disallow: {target}\n")
        # the same archive, crawled from another port: its articles are another site's
        archive = first.db_path.parent / "again.db"
        crawl_blog(server, archive)
        server.faults["/robots.txt"] = robots_with(server, f"Disallow: {target}\n"
                                                   f"Disallow: {articles(server)[7]}\n")
        crawl = crawl_blog(server, archive, "--full")
    assert crawl.result.returncode == 1, crawl.result.stderr
    assert_sound(crawl)
    assert failed_lines(crawl) == {crawl.url(articles(server)[7])}
    (fetch,) = fetches_of(crawl, articles(server)[7])[-1:]
    assert (fetch["outcome"], fetch["error_kind"]) == ("error", "robots_txt")
    assert articles(server)[7] not in requested(crawl)
    record("Site", "robots.txt newly disallowing an archived article",
           "not requested; error robots_txt: forbidden by robots.txt, counted in the exit code "
           "(a link never archived is recorded as skipped instead)", lost=0)


# --- robots.txt that cannot be read -----------------------------------------------------------

ROBOTS_FAULTS: dict[str, tuple[str, Fault]] = {
    "timeout": ("robots.txt that never answers", hang()),
    "reset": ("robots.txt whose connection is reset mid-headers", reset),
    "bomb": ("robots.txt sent as a gzip bomb (a few KB expanding to 11 MB)",
             encoded(bomb("gzip"), "gzip", "text/plain")),
    "corrupt": ("robots.txt with Content-Encoding: gzip that is not gzip",
                encoded(b"User-agent: *\nDisallow: /en/cart/\n", "gzip", "text/plain")),
}


@pytest.mark.parametrize("name", list(ROBOTS_FAULTS))
def test_a_robots_txt_that_cannot_be_read_forbids_the_run(tmp_path: Path, name: str) -> None:
    """RFC 9309: unreachable means complete disallow. Scrapy reads these as allow-all."""
    description, fault = ROBOTS_FAULTS[name]
    with serve({"/robots.txt": fault}) as server:
        crawl = crawl_blog(server, tmp_path / "archive.db", *QUICK)
    assert crawl.result.returncode == 4, crawl.result.stderr
    assert_sound(crawl)
    lines = crawl.result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "blog-archive: error: could not start: robots.txt could not be read ("), lines
    assert lines[0].endswith("which RFC 9309 reads as forbidding everything until it can be; "
                             "try again later")
    assert set(requested(crawl)) == {"/robots.txt"}
    record("Site", description,
           f"nothing but robots.txt requested; exit 4: {lines[0].split('error: ', 1)[1]}",
           lost=0)


# --- canonicals -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def canonicals(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """Site A crawled, then site B into the same archive, where one page names A's article as
    its canonical, one names a local file, and one names another page of B's (which is
    fetched and has its own text)."""
    db = tmp_path_factory.mktemp("canonicals") / "archive.db"
    with serve() as site_a, serve() as site_b:
        paths = articles(site_a)
        site_a.faults.update(healed(site_a))
        first = crawl_blog(site_a, db)
        theirs, local, copy, original = paths[0], paths[1], paths[2], paths[3]
        site_b.faults.update(healed(site_b))
        site_b.faults.update({
            theirs: replaced(f'rel="canonical" href="{site_b.base_url}{theirs}"',
                             f'rel="canonical" href="{site_a.base_url}{theirs}"',
                             '<div class="entry-content">\n<p>',
                             '<div class="entry-content">\n<p>Site B\'s own words. '),
            local: replaced(f'rel="canonical" href="{site_b.base_url}{local}"',
                            'rel="canonical" href="file:///etc/passwd"'),
            copy: replaced(f'rel="canonical" href="{site_b.base_url}{copy}"',
                           f'rel="canonical" href="{site_b.base_url}{original}"'),
        })
        second = run_blog_archive("crawl", "--start-url", f"{site_b.base_url}/en/", "--db", db,
                                  "--trigger", "test", *QUICK)
        yield {"first": first, "second": second, "db": first.db, "a": site_a.base_url,
               "b": site_b.base_url, "theirs": theirs, "local": local, "copy": copy,
               "original": original, "a_log": list(site_a.request_log[len(first.requests):]),
               "b_paths": articles(site_b)}


def test_a_canonical_on_another_site_cannot_overwrite_its_article(canonicals: dict) -> None:
    db, a, b, theirs = canonicals["db"], canonicals["a"], canonicals["b"], canonicals["theirs"]
    assert canonicals["second"].returncode == 0, canonicals["second"].stderr
    assert "Traceback" not in canonicals["second"].stderr
    assert canonicals["a_log"] == []  # site B's crawl asked site A for nothing
    (original,) = db["articles"].rows_where("url = ?", [f"{a}{theirs}"])
    assert original["version"] == 1 and "Site B's own words" not in original["body_text"]
    (own,) = db["articles"].rows_where("url = ?", [f"{b}{theirs}"])
    assert own["body_text"].startswith("Site B's own words") and own["site"] != original["site"]
    fetch = next(db["fetches"].rows_where("url = ?", [f"{b}{theirs}"]))
    assert json.loads(fetch["missing"])["url"] == (
        f"canonical {a}{theirs} is on another site than {b.removeprefix('http://')}")
    record("Content", "rel=canonical naming the same article on another site",
           "the page is archived under its own URL; the other site's article keeps version 1; "
           f"missing.url: {json.loads(fetch['missing'])['url'].replace(a, 'http://site-a')}"
           .replace(b.removeprefix("http://"), "site-b"), lost=0)


def test_a_canonical_that_is_no_web_page_is_refused(canonicals: dict) -> None:
    db, b, local = canonicals["db"], canonicals["b"], canonicals["local"]
    assert not list(db["articles"].rows_where("url not like 'http%'"))
    assert db["articles"].count_where("url = ?", [f"{b}{local}"]) == 1
    fetch = next(db["fetches"].rows_where("url = ?", [f"{b}{local}"]))
    reason = json.loads(fetch["missing"])["url"]
    assert reason == "canonical file:///etc/passwd is not an http(s) page"
    record("Content", "rel=canonical naming file:///etc/passwd",
           f"the page is archived under its own URL; missing.url: {reason}", lost=0)


def test_two_pages_claiming_one_canonical_never_overwrite_each_other(canonicals: dict) -> None:
    db, b = canonicals["db"], canonicals["b"]
    copy, original = canonicals["copy"], canonicals["original"]
    (article,) = db["articles"].rows_where("url = ?", [f"{b}{original}"])
    assert article["version"] == 1
    assert not list(db["articles"].rows_where("url = ?", [f"{b}{copy}"]))
    (fetch,) = db["fetches"].rows_where("url = ?", [f"{b}{copy}"])
    assert (fetch["outcome"], fetch["error_kind"]) == ("skipped", "duplicate_canonical")
    assert fetch["error"] == (f"claims {b}{original} as its canonical; that address is archived "
                              "from its own page")
    healthy = {f"{b}{path}" for path in canonicals["b_paths"]} - {f"{b}{copy}"}
    archived = {row["url"] for row in db["articles"].rows_where("url like ?", [f"{b}%"])}
    assert healthy <= archived
    assert_consistent(canonicals["first"].db_path)
    record("Content", "two pages of one site naming the same rel=canonical",
           "the page at that address wins, archived once (version 1); the other's fetch is "
           "recorded as skipped (duplicate_canonical) with the winner named", lost=0)


# --- extract URL ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hostile_pages() -> Iterator[BlogServer]:
    with serve({"/huge/": endless(3 * 2**30), "/endless/": endless(None),
                "/slow/": trickle(b"<html><body><p>hi"),
                "/bomb/": encoded(bomb("gzip"), "gzip")}) as server:
        yield server


EXTRACT_CASES = {
    "/huge/": "extract URL of a page declaring 3 GiB",
    "/endless/": "extract URL of a page streaming HTML without end (no Content-Length)",
    "/slow/": "extract URL of a page sent one byte a second",
    "/bomb/": "extract URL of a page sent as a gzip bomb (a few KB expanding to 11 MB)",
}


@pytest.mark.parametrize(("path", "args", "reason"), [
    ("/huge/", (), f"larger than the size limit ({10 * 2**20} bytes;"),
    ("/endless/", (), f"larger than the size limit ({10 * 2**20} bytes;"),
    ("/slow/", ("--timeout", "2"), "took longer than 2 s"),
    ("/bomb/", (), f"larger than the size limit ({10 * 2**20} bytes;"),
])
def test_extract_url_is_bounded(run_cli: RunCli, hostile_pages: BlogServer, path: str,
                                args: tuple[str, ...], reason: str) -> None:
    result = run_cli("extract", f"{hostile_pages.base_url}{path}", *args, timeout=30)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("blog-archive: error:"), result.stderr
    assert reason in lines[0]
    record("Content", EXTRACT_CASES[path],
           f"exit 2: {lines[0].split('error: ', 1)[1].replace(hostile_pages.base_url, '')}",
           lost=0)


def test_extract_url_of_a_deeply_nested_page_keeps_the_article(
        run_cli: RunCli, hostile_pages: BlogServer) -> None:
    """A widget 1,500 deep under the article's text costs only the widget."""
    path = articles(hostile_pages)[0]
    deep = "<div>" * 1500 + "<p>Deep widget.</p>" + "</div>" * 1500
    end_of_body = '</div>\n <footer class="entry-footer">'
    hostile_pages.faults["/deep/"] = replaced(end_of_body, deep + end_of_body, page=path)
    result = run_cli("extract", f"{hostile_pages.base_url}/deep/", timeout=30)
    assert result.returncode == 0, result.stderr
    article = json.loads(result.stdout)
    assert article["is_article"] and "page" not in article["missing"]
    assert article["word_count"] > 100 and "Deep widget." not in article["body_text"]
    record("Content", "a widget nested 1,500 deep below the article's text",
           "the article is extracted whole; the widget's own text is dropped", lost=0)
