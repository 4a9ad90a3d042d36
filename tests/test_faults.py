"""A crawl through a blog that fails in every way a real one does, on some pages at a time.

One crawl of the bundled blog with every fault of ``tests.faults`` installed,
shared by the module; a second server stands for another host and must never be asked for
anything. Each test records what it saw for ``docs/reliability.md``.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from scraper import settings
from scraper.bundled_blog import BlogServer
from scraper.bundled_blog.server import Fault
from scraper.spiders.blog import BlogSpider
from tests.conftest import Crawl, crawl_blog
from tests.faults import (
    CASES,
    DISALLOWED_PREFIX,
    SITE_CASES,
    FaultCase,
    install_faults,
)
from tests.reliability import record

pytestmark = pytest.mark.xdist_group("reliability")

#: Short timeouts and backoff so the faulty pages cost seconds, not minutes.
FAULT_SETTINGS = ("-s", "DOWNLOAD_TIMEOUT=2", "-s", "RETRY_BACKOFF_BASE=0.2",
                  "-s", "RETRY_BACKOFF_MAX=1", "-s", "RETRY_TIMES=2")
ATTEMPTS = 3  # the first try and RETRY_TIMES retries

#: What the crawler must record for each page that cannot be archived.
EXPECTED_KIND = {
    "http_500": "http_500",
    "http_503": "http_503",
    "http_429": "http_429",
    "timeout": "timeout",
    "reset": "connection_lost",
    "redirect_loop": "redirect_loop",
    "offsite_redirect": "offsite_redirect",
    "oversized": "too_large",
    "binary": "not_html",
}
RETRIED = {"http_500", "http_503", "http_429", "timeout", "reset"}


@pytest.fixture(scope="module")
def elsewhere() -> Iterator[BlogServer]:
    with BlogServer() as server:
        yield server


@pytest.fixture(scope="module")
def fault_crawl(elsewhere: BlogServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawl]:
    with BlogServer() as server:
        install_faults(server, elsewhere.base_url)
        yield crawl_blog(server, tmp_path_factory.mktemp("faults") / "archive.db",
                         *FAULT_SETTINGS)


def requests_for(crawl: Crawl, path: str) -> list[int]:
    return [status for _, logged, _, status in crawl.requests if logged == path]


def last_fetch(crawl: Crawl, case: FaultCase) -> dict:
    """The fetch that records the fault: for a loop, the one that closes the loop."""
    path = "/en/fault-loop-b/" if case.name == "redirect_loop" else case.path
    return next(crawl.db["fetches"].rows_where("url = ?", [crawl.url(path)],
                                               order_by="id desc", limit=1))


def healthy_paths(crawl: Crawl) -> set[str]:
    """The posts a perfect crawler archives: all but the broken and the disallowed."""
    broken = {case.path for case in CASES if not case.recoverable}
    return {path for path in crawl.server.blog.article_paths("en")
            if path not in broken and not path.startswith(DISALLOWED_PREFIX)}


def lost_articles(crawl: Crawl) -> set[str]:
    archived = {row["url"] for row in crawl.db["articles"].rows_where("status = 'live'")}
    return {path for path in healthy_paths(crawl) if crawl.url(path) not in archived}


def test_crawl_finishes_with_every_healthy_article(fault_crawl: Crawl) -> None:
    assert fault_crawl.result.returncode == 1, fault_crawl.result.stderr
    assert "Traceback" not in fault_crawl.result.stderr
    assert lost_articles(fault_crawl) == set()
    (run,) = fault_crawl.db["crawl_runs"].rows
    assert run["status"] == "finished"


@pytest.mark.parametrize("case", [c for c in CASES if not c.recoverable], ids=lambda c: c.name)
def test_broken_page_is_recorded_with_its_reason(fault_crawl: Crawl, elsewhere: BlogServer,
                                                 case: FaultCase) -> None:
    fetch = last_fetch(fault_crawl, case)
    assert (fetch["outcome"], fetch["error_kind"]) == ("error", EXPECTED_KIND[case.name])
    assert fetch["error"]
    attempts = len(requests_for(fault_crawl, case.path))
    assert attempts == (ATTEMPTS if case.name in RETRIED else 1)
    assert f"failed: {fetch['url']}: {fetch['error']}" in fault_crawl.result.stderr
    record("Faults", case.description,
           f"{fetch['error_kind']} after {attempts} attempt{'s' * (attempts > 1)}: "
           f"{fetch['error'].replace(elsewhere.base_url, 'http://other-host')}",
           lost=len(lost_articles(fault_crawl)))


@pytest.mark.parametrize("case", [c for c in CASES if c.recoverable], ids=lambda c: c.name)
def test_recoverable_page_is_archived_intact(fault_crawl: Crawl, case: FaultCase) -> None:
    post = fault_crawl.server.blog.posts[case.path]
    article = fault_crawl.article(case.path)
    assert article["title"] == post.title
    assert article["body_text"].startswith(
        "Łódź, Gdańsk" if case.name == "latin2_undeclared" else "This post tests a fault")
    assert "\ufffd" not in article["body_text"] and "Ã" not in article["body_text"]
    attempts = len(requests_for(fault_crawl, case.path))
    assert attempts == (2 if case.name == "flaky" else 1)
    record("Faults", case.description,
           f"archived intact after {attempts} attempt{'s' * (attempts > 1)}", lost=0)


def test_offsite_and_disallowed_urls_are_never_requested(fault_crawl: Crawl,
                                                         elsewhere: BlogServer) -> None:
    assert elsewhere.request_log == []
    paths = [path for _, path, _, _ in fault_crawl.requests]
    assert not any(path.startswith(DISALLOWED_PREFIX) for path in paths)
    assert "/elsewhere-sitemap.xml" in paths
    descriptions = dict(SITE_CASES)
    record("Site", descriptions["offsite_sitemap"],
           "listed URLs on the other host skipped; that host's log is empty", lost=0)
    record("Site", descriptions["robots_disallow"],
           f"nothing under {DISALLOWED_PREFIX} requested", lost=0)


def test_the_spider_alone_keeps_the_crawl_on_its_site() -> None:
    """The test above passes with Scrapy's offsite filter left out of the crawl (a filter
    without ``allowed_domains``, which the spider never sets, passes every request): the
    spider's own scope keeps it on the site."""
    assert settings.DOWNLOADER_MIDDLEWARES[
        "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware"] is None
    assert not getattr(BlogSpider, "allowed_domains", None)


def test_entity_bomb_sitemap_is_not_expanded(fault_crawl: Crawl) -> None:
    assert len(requests_for(fault_crawl, "/bomb-sitemap.xml")) == 1
    urls = [row["url"] for row in fault_crawl.db["fetches"].rows]
    assert not any("lol" in url for url in urls)
    record("Site", dict(SITE_CASES)["entity_bomb_sitemap"],
           "parsed without expanding entities; no URL taken from it", lost=0)


def test_run_counts_errors_by_kind(fault_crawl: Crawl) -> None:
    (run,) = fault_crawl.db["crawl_runs"].rows
    stats = json.loads(run["stats"])
    kinds = Counter(row["error_kind"] for row in fault_crawl.db["fetches"].rows_where(
        "outcome = 'error'"))
    assert {k: stats[f"blog_archive/error_kind/{k}"] for k in kinds} == dict(kinds)
    summary = fault_crawl.result.stdout
    assert all(f"{kind}: {n}" in summary for kind, n in kinds.items()), summary


# --- a second crawl: robots.txt, sitemaps and pages that mislead rather than fail -------------

MOVED_PATH = "/en/running-habit/"
#: Where the moved post now lives, as the server sends it: raw UTF-8 in the Location header.
MOVED_TO = "/en/zażółć-post/"
MOVED_TO_ENCODED = "/en/za%C5%BC%C3%B3%C5%82%C4%87-post/"
ROBOTS_DISALLOWED = "/en/running-watches/"
CP1252_PATH = "/en/running-socks/"
CP1252_TEXT = "Mañana en España, piñata à la crème"
HOME_CANONICAL_PATHS = ("/en/tempo-runs/", "/en/nordic-walking/")
DEEP_PATH = "/en/treadmill-running/"
GZ_ONLY_PATH = "/en/gz-only-post/"


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes,
         content_type: str = "text/html; charset=UTF-8", **headers: str) -> None:
    handler.send_response(status)
    for name, value in {"Content-Type": content_type, **headers}.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def served(server: BlogServer, path: str, replace: tuple[bytes, bytes] = (b"", b""),
           content_type: str = "text/html; charset=UTF-8") -> Fault:
    """Answer with the blog's page at ``path``, one string in it replaced."""
    def answer(handler: BaseHTTPRequestHandler) -> None:
        send(handler, 200, server.answer(path).body.replace(*replace), content_type)
    return answer


def misleading_faults(server: BlogServer) -> dict[str, Fault]:
    base = server.base_url
    robots = server.answer("/robots.txt").body.decode() + f"Disallow: {ROBOTS_DISALLOWED}\n" + \
        "".join(f"Sitemap: {base}/{name}\n" for name in (
            "missing-sitemap.xml", "broken-sitemap.xml", "extra-sitemap.xml.gz",
            "corrupt-sitemap.xml.gz"))
    gz_sitemap = gzip.compress(
        b'<?xml version="1.0" encoding="UTF-8"?><urlset '
        b'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>'
        + f"{base}{GZ_ONLY_PATH}".encode() + b"</loc></url></urlset>")
    socks = server.answer(CP1252_PATH).body.decode().replace('<meta charset="UTF-8">', "")
    socks = socks.replace("Nobody brags about their socks", CP1252_TEXT)
    deep = b"<div>" * 300 + b"<p>Deep inside the page builder.</p>" + b"</div>" * 300
    faults: dict[str, Fault] = {
        "/robots.txt": lambda h: send(h, 301, b"", Location=f"{base}/moved-robots.txt"),
        "/moved-robots.txt": lambda h: send(h, 200, robots.encode(), "text/plain"),
        "/missing-sitemap.xml": lambda h: send(h, 404, b"gone", "text/plain"),
        "/broken-sitemap.xml": lambda h: send(h, 500, b"oops", "text/plain"),
        "/extra-sitemap.xml.gz": lambda h: send(h, 200, gz_sitemap, "application/x-gzip"),
        "/corrupt-sitemap.xml.gz": lambda h: send(h, 200, b"\x1f\x8b\x08\x00" + bytes(3000),
                                                  "application/x-gzip"),
        GZ_ONLY_PATH: served(server, "/en/interval-training/",
                             (b"/en/interval-training/", GZ_ONLY_PATH.encode())),
        CP1252_PATH: lambda h: send(h, 200, socks.encode("cp1252", "xmlcharrefreplace"),
                                    "text/html; charset=windows-1252"),
        # the stdlib writes header values as latin-1: this one goes out as raw UTF-8 bytes
        MOVED_PATH: lambda h: send(h, 301, b"", Location=f"{base}{MOVED_TO}".encode().decode(
            "latin-1")),
        MOVED_TO_ENCODED: served(server, MOVED_PATH, (MOVED_PATH.encode(),
                                                      MOVED_TO_ENCODED.encode())),
        DEEP_PATH: served(server, DEEP_PATH, (b'class="entry-content">',
                                              b'class="entry-content">' + deep)),
    }
    for path in HOME_CANONICAL_PATHS:
        faults[path] = served(server, path, (f'rel="canonical" href="{base}{path}"'.encode(),
                                             f'rel="canonical" href="{base}/en/"'.encode()))
    return faults


@pytest.fixture(scope="module")
def misleading_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawl]:
    with BlogServer() as server:
        server.faults.update(misleading_faults(server))
        yield crawl_blog(server, tmp_path_factory.mktemp("misleading") / "archive.db",
                         *FAULT_SETTINGS)


def fetches_of(crawl: Crawl, path: str) -> list[dict]:
    return list(crawl.db["fetches"].rows_where("url = ?", [crawl.url(path)], order_by="id"))


def test_robots_txt_redirect_is_followed(misleading_crawl: Crawl) -> None:
    assert "Traceback" not in misleading_crawl.result.stderr
    paths = [path for _, path, _, _ in misleading_crawl.requests]
    assert paths.count("/moved-robots.txt") == 1
    assert ROBOTS_DISALLOWED not in paths


def test_http_charset_decides_how_a_page_is_read(misleading_crawl: Crawl) -> None:
    assert CP1252_TEXT in misleading_crawl.article(CP1252_PATH)["body_text"]


def test_redirect_to_a_utf8_location_keeps_the_moved_article(misleading_crawl: Crawl) -> None:
    (fetch,) = fetches_of(misleading_crawl, MOVED_PATH)
    assert (fetch["outcome"], fetch["redirect_to"]) == (
        "redirected", misleading_crawl.url(MOVED_TO_ENCODED))
    assert misleading_crawl.article(MOVED_TO_ENCODED)["title"]


@pytest.mark.parametrize(("path", "status"), [("/missing-sitemap.xml", 404),
                                              ("/broken-sitemap.xml", 500)])
def test_sitemap_answering_an_http_error_is_a_failed_fetch(misleading_crawl: Crawl, path: str,
                                                           status: int) -> None:
    fetch = fetches_of(misleading_crawl, path)[-1]
    assert (fetch["status"], fetch["outcome"], fetch["error_kind"]) == (
        status, "error", f"http_{status}")
    assert f"failed: {fetch['url']}: HTTP {status}" in misleading_crawl.result.stderr


def test_gzipped_sitemap_is_read(misleading_crawl: Crawl) -> None:
    assert misleading_crawl.article(GZ_ONLY_PATH)["title"]


def test_corrupt_gzipped_sitemap_is_a_failed_fetch(misleading_crawl: Crawl) -> None:
    (fetch,) = fetches_of(misleading_crawl, "/corrupt-sitemap.xml.gz")
    assert (fetch["outcome"], fetch["error_kind"]) == ("error", "bad_sitemap")
    assert fetch["error"].startswith("corrupt gzipped sitemap")
    assert f"failed: {fetch['url']}: {fetch['error']}" in misleading_crawl.result.stderr


def test_articles_whose_canonical_is_the_home_page_stay_apart(misleading_crawl: Crawl) -> None:
    urls = {misleading_crawl.url(path) for path in HOME_CANONICAL_PATHS}
    archived = {row["url"] for row in misleading_crawl.db["articles"].rows_where(
        "url in (?, ?, ?)", [*urls, misleading_crawl.url("/en/")])}
    assert archived == urls


def test_deeply_nested_article_keeps_its_text(misleading_crawl: Crawl) -> None:
    body = misleading_crawl.article(DEEP_PATH)["body_text"]
    assert "Deep inside the page builder." in body
