"""A crawl through a blog that fails in every way a real one does, on some pages at a time.

One crawl of the bundled blog with every fault of ``scraper.bundled_blog.faults`` installed,
shared by the module; a second server stands for another host and must never be asked for
anything. Each test records what it saw for ``docs/reliability.md``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator

import pytest

from scraper.bundled_blog import BlogServer
from scraper.bundled_blog.faults import (
    CASES,
    DISALLOWED_PREFIX,
    SITE_CASES,
    FaultCase,
    install_faults,
)
from tests.conftest import Crawl, crawl_blog
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
