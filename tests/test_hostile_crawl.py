"""Crawl traps: each served beside a small healthy blog, each crawl must end by itself within
its bounds with every healthy article archived, the bound it reached recorded in the run and
printed as one line, and the archive whole. Small bounds keep each crawl to a few seconds; the
defaults are the same mechanisms with larger numbers.

Each crawl runs the real command line in its own process, against a server of
``tests/hostile_server.py`` on 127.0.0.1; its peak RSS is the kernel's figure for the process.
Each test records what it saw for ``docs/reliability.md``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlite_utils

from tests.conftest import FAST_CRAWL
from tests.hostile_server import (
    BLOG,
    HostileServer,
    Route,
    article_page,
    article_path,
    article_paths,
    healthy_blog,
    html_page,
    listing,
)
from tests.reliability import record

pytestmark = pytest.mark.xdist_group("reliability")

#: A crawl that has not ended by then never would: the test fails rather than wait.
CRAWL_TIMEOUT = 40


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mb: float
    db_path: Path

    @property
    def db(self) -> sqlite_utils.Database:
        return sqlite_utils.Database(self.db_path)

    @property
    def record(self) -> dict:
        (run,) = self.db["crawl_runs"].rows
        return run

    @property
    def bounds(self) -> dict:
        return json.loads(self.record["bounds_reached"] or "{}")


def crawl(server: HostileServer, db_path: Path, *args: str) -> Run:
    """``blog-archive crawl`` of the served blog, waited for with ``wait4`` for its peak RSS;
    killed, and the test failed, if it has not ended within CRAWL_TIMEOUT."""
    command = [sys.executable, "-m", "scraper", "crawl", "--start-url", server.url(BLOG),
               "--db", str(db_path), "--trigger", "test", *FAST_CRAWL, *args]
    started = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, stdout=out, stderr=err)
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > CRAWL_TIMEOUT:
                process.kill()
                os.wait4(process.pid, 0)
                process.returncode = -9
                pytest.fail(f"the crawl had not ended after {CRAWL_TIMEOUT} s; "
                            f"{len(server.request_log)} requests served")
            time.sleep(0.05)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(process.returncode, out.read().decode(), err.read().decode(),
                   time.monotonic() - started, usage.ru_maxrss / 1024, db_path)


def lost_articles(server: HostileServer, run: Run) -> list[str]:
    archived = {row["url"] for row in run.db["articles"].rows_where("status = 'live'")}
    return [path for path in article_paths() if server.url(path) not in archived]


def assert_ended_within(run: Run, bound: str, server: HostileServer) -> None:
    """What every trap crawl must show: it ended by itself, exit 0, no traceback, every
    healthy article archived, the bound in the run record and in one printed line, and an
    archive whose pages and full-text index are whole."""
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    assert lost_articles(server, run) == []
    record_ = run.record
    assert record_["status"] == "bounded" and bound in run.bounds, record_
    lines = [line for line in run.stderr.splitlines() if line.startswith("bound reached:")]
    assert len(lines) == len(run.bounds), run.stderr
    assert run.stdout.startswith(f"run 1 bounded: {record_['pages_fetched']} pages in ")
    db = run.db
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.execute("INSERT INTO articles_fts(articles_fts) VALUES('integrity-check')")


def bound_line(run: Run, bound: str) -> str:
    """The printed line of ``bound``, told by the setting it names."""
    from scraper.bounds import BOUNDS

    setting = BOUNDS[bound].setting
    return next(line for line in run.stderr.splitlines() if setting in line)


# --- the traps ------------------------------------------------------------------------------

def calendar(path: str, query: str) -> str | None:
    """``/blog/calendar/YYYY/MM/``: every month links to the one before and after, forever."""
    try:
        year, month = map(int, path.removeprefix(f"{BLOG}calendar/").strip("/").split("/"))
    except ValueError:
        return None
    index = year * 12 + month - 1
    neighbours = [f"{BLOG}calendar/{i // 12}/{i % 12 + 1:02d}/" for i in (index - 1, index + 1)]
    return listing(f"Archive for {year}-{month:02d}", neighbours)


def endless_pager(path: str, query: str) -> str | None:
    """``/blog/page/N/`` past the last page of posts: an empty listing linking page N+1."""
    number = path.removeprefix(f"{BLOG}page/").strip("/")
    if not number.isdigit():
        return None
    return listing(f"Page {number}", [f"{BLOG}page/{int(number) + 1}/"])


def query_tree(path: str, query: str) -> str:
    """``/blog/filter/?a=1``: every result links ten refinements, each one parameter more."""
    return listing(f"Filtered by {query}",
                   [f"{BLOG}filter/?{query}&f{len(query)}={branch}" for branch in range(10)])


LINKS_ON_ONE_PAGE = 100_000
#: Peak RSS of the crawl that meets it (measured 188 MB, of which extraction parsing the
#: 3.6 MB page is ~85 MB; 455 MB and growing when all its links were followed).
MAX_RSS_MB = 250
#: The page of 100,000 links, built once: 3.4 MB, under the 10 MB download limit.
_MANY_LINKS = html_page("Everything", "<main><h1>Everything</h1>" + "".join(
    f'<a href="{BLOG}link/{number}/">{number}</a> ' for number in range(LINKS_ON_ONE_PAGE))
    + "</main>").encode()


def sitemap_chain(path: str, query: str) -> str | None:
    """``/sitemap-N.xml``: sitemap index 0 lists the posts' sitemap and index 1, and every
    index N lists index N+1, forever."""
    number = path.removeprefix("/sitemap-").removesuffix(".xml")
    if not number.isdigit():
        return None
    following = [f"/sitemap-{int(number) + 1}.xml"]
    if number == "0":
        following.insert(0, "/sitemap-posts.xml")
    entries = "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in following)
    return ('<?xml version="1.0" encoding="UTF-8"?><sitemapindex '
            f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>')


def sitemap_blog() -> dict[str, Route]:
    """The healthy blog announcing the endless sitemap chain in robots.txt; the posts'
    sitemap lists every article."""
    urlset = ('<?xml version="1.0" encoding="UTF-8"?><urlset '
              'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + "".join(
                  f"<url><loc>{path}</loc></url>" for path in article_paths()) + "</urlset>")
    return {**healthy_blog(),
            "/robots.txt": "User-agent: *\nAllow: /\nSitemap: /sitemap-0.xml\n",
            "/sitemap-posts.xml": urlset,
            "/sitemap-*": sitemap_chain}


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "archive.db"


@pytest.fixture
def calendar_blog() -> Iterator[HostileServer]:
    routes = healthy_blog(home_links=(f"{BLOG}calendar/2024/06/",))
    with HostileServer({**routes, f"{BLOG}calendar/*": calendar}) as server:
        yield server


def test_calendar_trap_ends_at_the_depth_bound(calendar_blog: HostileServer,
                                               db_path: Path) -> None:
    run = crawl(calendar_blog, db_path, "--max-depth", "6")
    assert_ended_within(run, "depth", calendar_blog)
    months = calendar_blog.requested(f"{BLOG}calendar/")
    assert 6 <= len(months) <= 2 * 6  # both ways from June, one month a level
    assert "depth from the start URL and sitemaps 6 (--max-depth or -s DEPTH_LIMIT)" \
        in bound_line(run, "depth")
    record("Traps", "calendar trap: /calendar/YYYY/MM/ pages linking to the months beside "
           "them, forever", f"ended at the depth bound (--max-depth 6) after {len(months)} "
           "calendar pages; run recorded 'bounded', one 'bound reached:' line",
           lost=len(lost_articles(calendar_blog, run)))


def test_calendar_trap_ends_at_the_time_bound(calendar_blog: HostileServer,
                                              db_path: Path) -> None:
    run = crawl(calendar_blog, db_path, "--max-time", "2")
    assert_ended_within(run, "time", calendar_blog)
    assert run.record["finish_reason"] == "closespider_timeout"
    assert run.seconds < 2 + 15  # the process's start and close, at most
    assert "seconds per run 2 (--max-time or -s CLOSESPIDER_TIMEOUT)" in bound_line(run, "time")
    record("Traps", "calendar trap with no depth bound but the wall time",
           "stopped by --max-time 2 (closespider_timeout) deep in the calendar; every "
           "article fetched first (breadth-first)", lost=len(lost_articles(calendar_blog, run)))


def test_endless_pager_ends_at_the_depth_bound(db_path: Path) -> None:
    with HostileServer(healthy_blog(pager=endless_pager)) as server:
        run = crawl(server, db_path, "--max-depth", "8")
    assert_ended_within(run, "depth", server)
    pages = server.requested(f"{BLOG}page/")
    assert len(pages) <= 8
    record("Traps", "endless /page/N/: every page past the last links the next one",
           f"ended at the depth bound (--max-depth 8) after {len(pages)} listing pages",
           lost=len(lost_articles(server, run)))


def test_query_string_tree_ends_at_the_variants_bound(db_path: Path) -> None:
    routes = healthy_blog(home_links=(f"{BLOG}filter/?a=1",))
    with HostileServer({**routes, f"{BLOG}filter/": query_tree}) as server:
        run = crawl(server, db_path, "-s", "CRAWL_MAX_QUERY_VARIANTS=20")
    assert_ended_within(run, "query_variants", server)
    variants = server.requested(f"{BLOG}filter/")
    assert len(variants) == 20
    record("Traps", "query-string tree: each result page links ten refinements of itself",
           f"{len(variants)} query strings of the path fetched "
           "(-s CRAWL_MAX_QUERY_VARIANTS=20), the rest refused",
           lost=len(lost_articles(server, run)))


def test_page_of_100000_links_takes_only_the_first_ones(db_path: Path) -> None:
    routes = healthy_blog(home_links=(f"{BLOG}everything/",))
    link_page = html_page("A link", "<p>Nothing here.</p>")
    with HostileServer({**routes, f"{BLOG}everything/": _MANY_LINKS,
                        f"{BLOG}link/*": link_page}) as server:
        run = crawl(server, db_path, "-s", "CRAWL_MAX_LINKS_PER_PAGE=50")
    assert_ended_within(run, "links_per_page", server)
    followed = server.requested(f"{BLOG}link/")
    assert len(followed) == 50
    assert run.peak_rss_mb < MAX_RSS_MB, run.peak_rss_mb
    record("Traps", f"one page with {LINKS_ON_ONE_PAGE:,} links",
           f"its first 50 links followed (-s CRAWL_MAX_LINKS_PER_PAGE=50); "
           f"peak RSS under {MAX_RSS_MB} MB", lost=len(lost_articles(server, run)))


def test_related_posts_are_followed_past_the_links_bound(db_path: Path) -> None:
    """An article's related posts are articles: taken first, whatever the page's link count."""
    hidden = f"{BLOG}hidden-post/"
    crowded = article_page(1).replace("</article>", "</article>" + "".join(
        f'<a href="{BLOG}link/{number}/">{number}</a> ' for number in range(60))
        + f'<section class="related-posts"><h2>Related posts</h2><div class="card"><h3>'
        f'<a href="{hidden}">A hidden post</a></h3><p>Linked from here only.</p></div>'
        "</section>")
    routes = {**healthy_blog(), article_path(1): crowded, hidden: article_page(99),
              f"{BLOG}link/*": html_page("A link", "<p>Nothing here.</p>")}
    with HostileServer(routes) as server:
        run = crawl(server, db_path, "-s", "CRAWL_MAX_LINKS_PER_PAGE=20")
    assert_ended_within(run, "links_per_page", server)
    assert len(server.requested(f"{BLOG}link/")) == 20
    assert run.db["articles"].count_where("url = ?", [server.url(hidden)]) == 1


@pytest.mark.parametrize(("args", "bound"), [
    (("--max-pages", "40"), "pages"),
    (("-s", "CRAWL_MAX_SITEMAPS=15"), "sitemaps"),
], ids=["max-pages", "sitemaps"])
def test_endless_sitemap_index_chain_ends(db_path: Path, args: tuple[str, ...],
                                          bound: str) -> None:
    with HostileServer(sitemap_blog()) as server:
        run = crawl(server, db_path, *args)
    assert_ended_within(run, bound, server)
    sitemaps = server.requested("/sitemap-")
    asked = [path for path in server.request_log if path != "/robots.txt"]
    if bound == "pages":
        assert len(asked) == 40 == run.db["fetches"].count  # sitemaps counted too
    else:
        assert len(sitemaps) == 15
    done = "40 requests in all, sitemaps included" if bound == "pages" \
        else f"{len(sitemaps)} sitemaps fetched"
    record("Traps", f"endless sitemap-index chain, with {' '.join(args)}",
           f"{done}, then the {bound} bound", lost=len(lost_articles(server, run)))


def test_unreachable_start_url_is_a_failed_run(db_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "scraper", "crawl", "--start-url",
                             f"http://127.0.0.1:9{BLOG}",
                             "--db", str(db_path), *FAST_CRAWL, "-s", "RETRY_TIMES=0"],
                            capture_output=True, text=True, timeout=CRAWL_TIMEOUT)
    assert result.returncode == 4 and "Traceback" not in result.stderr
    (run,) = sqlite_utils.Database(db_path)["crawl_runs"].rows
    assert run["status"] == "failed" and run["pages_fetched"] == 0
