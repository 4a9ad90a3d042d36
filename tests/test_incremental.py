"""Scheduled re-crawls: conditional requests, change-only writes, lifecycle and the lock."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlite_utils

from scraper.bundled_blog.content import Post
from scraper.bundled_blog.server import BlogServer
from scraper.bundled_blog.site import Page
from tests.conftest import FAST_CRAWL, Crawl, crawl_blog, run_blog_archive

SEED_SLUG = "how-to-roll-your-back-exercises-for-back-pain"


def article_rows(crawl: Crawl) -> list[dict]:
    return list(crawl.db["articles"].rows_where(order_by="id"))


def run_stats(crawl: Crawl) -> dict:
    run = next(crawl.db["crawl_runs"].rows_where(order_by="id desc", limit=1))
    return json.loads(run["stats"])


def latest_outcomes(crawl: Crawl) -> dict[str, str]:
    """url -> outcome of every fetch of the newest run."""
    return {row["url"]: row["outcome"] for row in crawl.db.query(
        "select url, outcome from fetches where crawl_run_id = (select max(id) from crawl_runs)")}


@pytest.mark.parametrize("trust_lastmod", [True, False], ids=["lastmod-skips", "conditional"])
def test_unchanged_recrawl_costs_no_content(
    fresh_blog_server: BlogServer, tmp_path: Path, trust_lastmod: bool
) -> None:
    db = tmp_path / "archive.db"
    first = crawl_blog(fresh_blog_server, db)
    before = article_rows(first)
    versions = first.db["article_versions"].count
    fts_pages = first.db.execute("select count(*) from articles_fts_data").fetchone()

    second = crawl_blog(fresh_blog_server, db, "-s", f"TRUST_SITEMAP_LASTMOD={trust_lastmod}")
    assert second.result.returncode in (0, 1), second.result.stderr
    article_paths = set(fresh_blog_server.blog.article_paths("en"))
    fetched = {path: headers for _, path, headers, _ in second.requests if path in article_paths}
    assert all("If-None-Match" in headers for headers in fetched.values())
    skipped = run_stats(second).get("blog_archive/skipped_by_lastmod", 0)
    assert len(fetched) + skipped == len(article_paths)
    assert (skipped == len(article_paths)) if trust_lastmod else (skipped == 0)
    outcomes = latest_outcomes(second)
    assert {outcomes[second.url(path)] for path in fetched} <= {"not_modified"}
    assert article_rows(second) == before
    assert second.db["article_versions"].count == versions
    assert second.db.execute("select count(*) from articles_fts_data").fetchone() == fts_pages


def test_changed_body_and_teasers_make_exactly_one_version_each(
    fresh_blog_server: BlogServer, tmp_path: Path
) -> None:
    db = tmp_path / "archive.db"
    first = crawl_blog(fresh_blog_server, db)
    before = {row["url"]: row for row in article_rows(first)}
    blog = fresh_blog_server.blog
    other_slug = next(post.slug for post in blog.by_language("en") if post.slug != SEED_SLUG)
    blog.set_body(SEED_SLUG, "<p>Rolling, rewritten: a brand new paragraph about rollers.</p>")
    blog.set_related(other_slug, [SEED_SLUG])

    second = crawl_blog(fresh_blog_server, db)
    after = {row["url"]: row for row in article_rows(second)}
    changed = {url for url in after if after[url]["content_hash"] != before[url]["content_hash"]}
    seed_url = second.url(f"/en/{SEED_SLUG}/")
    other_url = second.url(f"/en/{other_slug}/")
    assert changed == {seed_url, other_url}
    assert "brand new paragraph" in after[seed_url]["body_text"]
    history = {
        row["url"]: json.loads(row["changed_columns"]) for row in second.db.query(
            "select a.url, v.changed_columns from article_versions v "
            "join articles a on a.id = v.article_id where v.version = 2")
    }
    assert set(history) == {seed_url, other_url}
    assert "body_text" in history[seed_url]
    assert history[other_url] == ["modified", "teasers"]  # the theme shows dateModified
    teasers = list(second.db["teasers"].rows_where(
        "article_id = ?", [after[other_url]["id"]]))
    assert [t["target_url"] for t in teasers] == [seed_url]


@pytest.mark.parametrize("missed_by", ["a-500", "max-pages", "unreachable-site"])
def test_an_edit_is_archived_after_a_run_that_missed_it(
    fresh_blog_server: BlogServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    missed_by: str,
) -> None:
    """A run that did not fetch an edited article (it failed, the page budget ran out, the
    site was down) must not become the baseline whose start hides the edit's lastmod."""
    db = tmp_path / "archive.db"
    crawl_blog(fresh_blog_server, db)
    blog = fresh_blog_server.blog
    edited = blog.by_language("en")[-1]  # the oldest: on a listing page that answers 304
    time.sleep(1.1)  # the edit's lastmod is in whole seconds: after the first run's start
    blog.set_body(edited.slug, "<p>An edit the next run must not miss.</p>")
    if missed_by == "a-500":
        resolve = blog.resolve
        monkeypatch.setattr(blog, "resolve", lambda path, base: Page(500, b"down")
                            if path == edited.path else resolve(path, base))
        assert crawl_blog(fresh_blog_server, db).result.returncode == 1
        monkeypatch.undo()
    elif missed_by == "max-pages":
        crawl_blog(fresh_blog_server, db, "--max-pages", "1")
    else:
        run_blog_archive("crawl", "--site", "sbiegacza-en", "--start-url",
                         "http://127.0.0.1:9/en/", "--db", db, *FAST_CRAWL)

    third = crawl_blog(fresh_blog_server, db)
    assert "must not miss" in third.article(edited.path)["body_text"]
    assert third.article(edited.path)["version"] == 2


def test_removed_article_is_gone_and_moved_article_redirected(
    fresh_blog_server: BlogServer, tmp_path: Path
) -> None:
    db = tmp_path / "archive.db"
    crawl_blog(fresh_blog_server, db)
    blog = fresh_blog_server.blog
    slugs = [post.slug for post in blog.by_language("en") if post.slug != SEED_SLUG]
    removed, moved, target = slugs[0], slugs[1], slugs[2]
    blog.remove(removed)
    blog.redirect(moved, target)

    second = crawl_blog(fresh_blog_server, db)
    rows = {row["url"]: row for row in article_rows(second)}
    assert rows[second.url(f"/en/{removed}/")]["status"] == "gone"
    moved_row = rows[second.url(f"/en/{moved}/")]
    assert moved_row["status"] == "redirected"
    assert moved_row["redirected_to"] == second.url(f"/en/{target}/")
    assert sum(row["status"] == "live" for row in rows.values()) == len(rows) - 2


def test_second_crawl_on_a_locked_archive_exits_3(
    fresh_blog_server: BlogServer, tmp_path: Path
) -> None:
    db = tmp_path / "archive.db"
    command = [sys.executable, "-m", "scraper", "crawl", "--site", "sbiegacza-en",
               "--start-url", f"{fresh_blog_server.base_url}/en/", "--db", str(db), *FAST_CRAWL]
    first = subprocess.Popen([*command, "-s", "DOWNLOAD_DELAY=0.1"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60  # the lock is taken before the first request
    while not fresh_blog_server.request_log and time.monotonic() < deadline:
        time.sleep(0.05)

    second = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert first.poll() is None, "the first crawl ended before the second one started"
    assert second.returncode == 3
    assert second.stderr.strip().splitlines() == [
        f"blog-archive: error: another crawl (pid {first.pid}) is writing to archive.db; "
        "try again when it has finished"
    ]
    _, first_err = first.communicate(timeout=180)
    assert first.returncode == 1, first_err  # finished; only the deliberate 404 failed
    assert Crawl(db, second, fresh_blog_server, []).db["articles"].count == len(
        fresh_blog_server.blog.article_paths("en"))


def test_a_site_whose_robots_txt_forbids_everything_says_so(
    fresh_blog_server: BlogServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    resolve = fresh_blog_server.blog.resolve
    monkeypatch.setattr(fresh_blog_server.blog, "resolve", lambda path, base: Page(
        200, b"User-agent: *\nDisallow: /\n", "text/plain") if path == "/robots.txt"
        else resolve(path, base))
    crawl = crawl_blog(fresh_blog_server, tmp_path / "archive.db")
    assert crawl.result.returncode == 4
    assert crawl.result.stderr.strip() == ("blog-archive: error: could not start: robots.txt "
                                           f"forbids crawling {fresh_blog_server.base_url}/en/")
    assert {path for _, path, _, _ in crawl.requests} == {"/robots.txt"}


@pytest.mark.parametrize("status", [503, 429])
def test_a_robots_txt_answering_a_server_error_forbids_everything(
    fresh_blog_server: BlogServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    """RFC 9309: while robots.txt cannot be read, a crawler assumes complete disallow; the
    error page is not an empty robots.txt that allows the whole site."""
    resolve = fresh_blog_server.blog.resolve
    monkeypatch.setattr(fresh_blog_server.blog, "resolve", lambda path, base: Page(
        status, b"<html><body>Service unavailable</body></html>", "text/html")
        if path == "/robots.txt" else resolve(path, base))
    crawl = crawl_blog(fresh_blog_server, tmp_path / "archive.db",
                       "-s", "RETRY_BACKOFF_BASE=0.01")
    assert crawl.result.returncode == 4
    assert crawl.result.stderr.strip() == (
        f"blog-archive: error: could not start: robots.txt answered HTTP {status}, which "
        "RFC 9309 reads as forbidding everything until it answers; try again later")
    assert {path for _, path, _, _ in crawl.requests} == {"/robots.txt"}  # retried, no more
    run = next(crawl.db["crawl_runs"].rows)
    assert json.loads(run["stats"])["blog_archive/robotstxt_unreachable_status"] == status


def test_a_crawl_stopped_by_sigterm_is_recorded_interrupted_and_exits_1(
    fresh_blog_server: BlogServer, tmp_path: Path
) -> None:
    """systemd and timeout(1) stop a job with SIGTERM: the run closes cleanly, and the exit
    status does not tell the scheduler that the archive is complete."""
    db = tmp_path / "archive.db"
    crawl = subprocess.Popen(
        [sys.executable, "-m", "scraper", "crawl", "--site", "sbiegacza-en", "--start-url",
         f"{fresh_blog_server.base_url}/en/", "--db", str(db), *FAST_CRAWL,
         "-s", "DOWNLOAD_DELAY=0.2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(fresh_blog_server.request_log) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    crawl.terminate()
    out, err = crawl.communicate(timeout=120)
    assert crawl.returncode == 1, err
    assert " interrupted: " in out and "Traceback" not in err
    (run,) = sqlite_utils.Database(db)["crawl_runs"].rows
    assert run["status"] == "interrupted"
    assert 0 < run["pages_fetched"] < len(fresh_blog_server.blog.article_paths("en"))


def test_full_recrawl_fetches_everything_whole_and_still_finds_removals(
    fresh_blog_server: BlogServer, tmp_path: Path
) -> None:
    db = tmp_path / "archive.db"
    first = crawl_blog(fresh_blog_server, db)
    before = {row["url"]: row for row in article_rows(first)}
    removed_post = fresh_blog_server.blog.by_language("en")[0]
    removed = removed_post.path
    pointing = {row["url"] for row in first.db.query(  # their related blocks will lose it
        "select a.url from teasers t join articles a on a.id = t.article_id "
        "where t.target_url = ?", [first.url(removed)])}
    fresh_blog_server.blog.remove(removed_post.slug)

    second = crawl_blog(fresh_blog_server, db, "--full")
    article_paths = set(fresh_blog_server.blog.article_paths("en"))
    fetched = [(path, headers, status) for _, path, headers, status in second.requests
               if path in article_paths]
    assert {path for path, _, _ in fetched} == article_paths
    assert not any("If-None-Match" in h or "If-Modified-Since" in h for _, h, _ in fetched)
    assert {status for _, _, status in fetched} == {200}
    assert run_stats(second).get("blog_archive/skipped_by_lastmod", 0) == 0
    after = {row["url"]: row for row in article_rows(second)}
    assert after[second.url(removed)]["status"] == "gone"
    untouched = set(before) - pointing - {second.url(removed)}
    assert untouched and {url: after[url] for url in untouched} == \
        {url: before[url] for url in untouched}


def test_unchanged_listings_answer_304_and_are_not_walked_again(
    fresh_blog_server: BlogServer, tmp_path: Path
) -> None:
    db = tmp_path / "archive.db"
    first = crawl_blog(fresh_blog_server, db)
    assert any("/page/" in path for _, path, _, _ in first.requests)

    second = crawl_blog(fresh_blog_server, db)
    assert ("/en/", 304) in {(path, status) for _, path, _, status in second.requests}
    assert not any("/page/" in path for _, path, _, _ in second.requests)

    blog = fresh_blog_server.blog
    newest = blog.by_language("en")[0]
    fresh = Post(slug="a-brand-new-post", title="A brand new post", language="en",
                 category="Training", published=newest.published + timedelta(days=1),
                 body="<p>Fresh from the editor.</p>")
    blog.posts[fresh.path] = fresh
    third = crawl_blog(fresh_blog_server, db)
    assert third.article(fresh.path)["title"] == "A brand new post"
    assert ("/en/", 200) in {(path, status) for _, path, _, status in third.requests}
