"""A local crawl whose archive writes run in a writer process of its own: the same archive as
writes on the reactor thread, and fetching that goes on while the archive is busy."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scraper import settings
from scraper.bundled_blog.server import BlogServer
from tests.conftest import FAST_CRAWL, Crawl, crawl_blog
from tests.test_ingest import contents

#: How long the test holds the archive's write lock: under SQLite's busy timeout (5 s), so
#: a write waiting for it succeeds in the end, whichever thread waits.
LOCK_SECONDS = 4.0
#: Requests a crawl whose reactor waits for the archive may still see answered: those sent
#: before it stopped, at most the per-site concurrency.
IN_FLIGHT = settings.CONCURRENT_REQUESTS_PER_DOMAIN


@pytest.mark.xdist_group("blog_server")
@pytest.mark.parametrize("setting", ["ARCHIVE_WRITER=process", "EXTRACTION_WORKERS=1"])
def test_a_crawl_working_in_another_process_archives_what_an_inline_crawl_does(
    english_crawl: Crawl, tmp_path: Path, setting: str
) -> None:
    """Writes in a writer process, or extraction in a worker process (scraper/
    extraction_pool.py): the same rows, the same run counts, the same requests."""
    crawl = crawl_blog(english_crawl.server, tmp_path / "archive.db", "-s", setting)
    assert crawl.result.returncode == 1, crawl.result.stderr  # the blog's one 404
    assert contents(crawl.db) == contents(english_crawl.db)
    (run,) = crawl.db["crawl_runs"].rows
    local = next(english_crawl.db["crawl_runs"].rows)
    assert {k: run[k] for k in ("status", "pages_fetched", "new", "redirected", "errors")} == \
        {k: local[k] for k in ("status", "pages_fetched", "new", "redirected", "errors")}
    assert sorted((method, path, status) for method, path, _, status in crawl.requests) == \
        sorted((method, path, status) for method, path, _, status in english_crawl.requests)


def test_the_crawl_fetches_on_while_its_writer_waits_for_the_archive(
    fresh_blog_server: BlogServer, tmp_path: Path
) -> None:
    """Another process holds the archive's write lock for a while, mid-crawl: the writer
    process waits for it, the reactor does not, so pages keep arriving meanwhile."""
    db = tmp_path / "archive.db"
    server = fresh_blog_server
    crawl = subprocess.Popen(
        [sys.executable, "-m", "scraper", "crawl", "--site", "sbiegacza-en", "--start-url",
         f"{server.base_url}/en/", "--db", str(db), "--quiet", *FAST_CRAWL,
         "-s", "ARCHIVE_WRITER=process", "-s", "ARCHIVE_BATCH_SIZE=1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not _fetches(db):  # the run has started and written its first page
            assert time.monotonic() < deadline and crawl.poll() is None, crawl.stderr
            time.sleep(0.01)
        blocker = sqlite3.connect(db, timeout=10)
        blocker.execute("BEGIN IMMEDIATE")
        before = len(server.request_log)
        time.sleep(LOCK_SECONDS)
        during = len(server.request_log) - before
        blocker.rollback()
        blocker.close()
        _, stderr = crawl.communicate(timeout=120)
    finally:
        crawl.kill()
    assert crawl.returncode == 1, stderr  # the blog's one 404
    assert during > 2 * IN_FLIGHT, f"only {during} requests while the archive was locked"
    archived = sqlite3.connect(db).execute("select count(*) from articles").fetchone()[0]
    assert archived == len(server.blog.article_paths("en"))


def _fetches(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
            return connection.execute("select count(*) from fetches").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0
