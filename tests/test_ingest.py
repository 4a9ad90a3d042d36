"""The one writer of a crawl on many machines: crawler processes push their fetch records to a
real Redis server, ``blog-archive ingest`` (a real subprocess) writes them into a real SQLite
archive, read back with sqlite-utils, and publishes the archive's state back for re-crawls.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import redis as redis_py
import sqlite_utils

import archive.ingest
from archive import Archive
from archive.ingest import Ingest, Until
from archive.ingest import ingest as run_ingest
from archive.lock import ArchiveLock
from archive.records import Article, Capture, Fetch, Teaser
from archive.stream import (
    RECORDS,
    WRITERS,
    decode,
    publish_fetches,
    publish_process_done,
    publish_run_end,
    publish_run_start,
    read_state,
)
from scraper.bundled_blog.server import BlogServer
from tests.conftest import FAST_CRAWL, Crawl, crawl_blog, run_blog_archive
from tests.redis_server import RedisServer, free_port, redis_server

ROOT = Path(__file__).resolve().parent.parent


def crawl_through_redis(server: BlogServer, redis_url: str, *args: str) -> list[Any]:
    """``scrapy crawl blog`` of the English edition with its records pushed to Redis (as one
    Scrapyd job would, a run of its own); the server's requests made during it."""
    logged_before = len(server.request_log)
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "blog", "-a", "site=sbiegacza-en",
         "-a", f"start_url={server.base_url}/en/", "-s", f"REDIS_URL={redis_url}",
         "-s", "LOG_LEVEL=WARNING", "-s", "CRAWL_TRIGGER=test", *FAST_CRAWL, *args],
        cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    return list(server.request_log[logged_before:])


def ingest(redis_url: str, db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_blog_archive("ingest", "--redis", redis_url, "--db", db, *args)


def contents(db: sqlite_utils.Database) -> dict[str, list[tuple[Any, ...]]]:
    """What the archive holds, without ids, run numbers or times."""
    return {
        "articles": sorted(db.execute(
            "select url, site, status, title, published, body_text, version, content_hash "
            "from articles").fetchall()),
        "teasers": sorted(db.execute(
            "select a.url, t.position, t.target_url, t.title, t.text, t.target_article_id "
            "is not null from teasers t join articles a on a.id = t.article_id").fetchall()),
        "versions": sorted(db.execute(
            "select a.url, v.version, v.content_hash, v.changed_columns from article_versions v "
            "join articles a on a.id = v.article_id").fetchall()),
        "fetches": sorted(db.execute(
            "select url, status, outcome from fetches").fetchall()),
    }


@pytest.mark.xdist_group("blog_server")
def test_a_crawl_through_redis_archives_what_a_local_crawl_archives(
    english_crawl: Crawl, redis: RedisServer, tmp_path: Path
) -> None:
    crawl_through_redis(english_crawl.server, redis.url)
    assert redis.client().xlen(RECORDS) > 0  # nothing written yet: the crawl only pushed
    db = tmp_path / "archive.db"

    result = ingest(redis.url, db, "--until-run-ends")

    assert result.returncode == 0, result.stderr
    archive = sqlite_utils.Database(db)
    assert contents(archive) == contents(english_crawl.db)
    (run,) = archive["crawl_runs"].rows
    local = next(english_crawl.db["crawl_runs"].rows)
    assert (run["status"], run["trigger"]) == ("finished", "test")
    assert {k: run[k] for k in ("pages_fetched", "new", "errors")} == \
        {k: local[k] for k in ("pages_fetched", "new", "errors")}
    assert redis.client().xlen(RECORDS) == 0  # acknowledged and deleted


@pytest.mark.xdist_group("blog_server")
def test_a_recrawl_through_redis_asks_for_what_a_local_recrawl_asks_for(
    english_crawl: Crawl, redis: RedisServer, tmp_path: Path
) -> None:
    """The writer publishes the archive's state to Redis; a crawler with no archive of its
    own reads it and skips, or asks conditionally for, the same pages as a local re-crawl."""
    db = tmp_path / "archive.db"
    first = crawl_through_redis(english_crawl.server, redis.url)
    assert ingest(redis.url, db, "--until-run-ends").returncode == 0
    state = read_state(redis.client(), "sbiegacza-en")
    articles = {url for (url,) in sqlite_utils.Database(db).execute("select url from articles")}
    assert state.known_articles == articles
    assert set(state.confirmed_at) == articles
    local_copy = tmp_path / "local.db"
    shutil.copy(db, local_copy)

    through_redis = crawl_through_redis(english_crawl.server, redis.url)
    assert ingest(redis.url, db, "--until-run-ends").returncode == 0
    # capture is off on a shared frontier; with it on, a local crawl fetches whole, once,
    # every page the WARC files hold no response of (scraper/archive_state.py)
    local = crawl_blog(english_crawl.server, local_copy, "--no-warc").requests

    assert asked(through_redis) == asked(local)
    assert len(through_redis) < len(first)
    assert any(conditional for _, conditional in asked(through_redis))
    runs = sqlite_utils.Database(db).execute(
        "select new, changed, status from crawl_runs order by id").fetchall()
    assert runs[1] == (0, 0, "finished")


def asked(requests: list[Any]) -> list[tuple[str, bool]]:
    """Each request's path and whether it was conditional, in order of path."""
    return sorted((path, "If-None-Match" in headers or "If-Modified-Since" in headers)
                  for _, path, headers, _ in requests)


def article_fetches(count: int) -> list[Fetch]:
    return [Fetch(url=f"https://blog.example/{n}/", status=200, outcome="new", etag=f'"{n}"',
                  article=Article(url=f"https://blog.example/{n}/", title=f"Post {n}",
                                  body_text=f"Post number {n}. " + "Running far. " * 400))
            for n in range(count)]


def wait_for(condition: Any, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.005)


@pytest.mark.parametrize("killed", ["before its commit", "after its commit, before its ack"])
def test_a_writer_killed_mid_batch_resumes_from_its_pending_records(
    redis: RedisServer, tmp_path: Path, killed: str
) -> None:
    """SIGKILL the writer while a batch is in hand: the restarted writer reads the batch
    again, loses none of it and writes none of it twice."""
    count = 1500
    client = redis.client()
    publish_run_start(client, "run-1", "blog", "test", {"app": "1", "scrapy": "2.19"})
    publish_fetches(client, "run-1", "blog", "crawler-1", article_fetches(count))
    publish_run_end(client, "run-1", "finished")
    db = tmp_path / "archive.db"
    writer = subprocess.Popen(
        [sys.executable, "-m", "scraper", "ingest", "--redis", redis.url, "--db", str(db),
         "--batch-size", str(count + 2)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        def read_by_writer() -> bool:
            try:
                return client.xpending(RECORDS, WRITERS)["pending"] == count + 2
            except redis_py.ResponseError:  # the group does not exist yet
                return False

        wait_for(read_by_writer)
        if killed.startswith("after"):
            client.client_pause(60_000, all=False)  # writes wait: the XACK cannot go out
            written = sqlite_utils.Database(db)
            wait_for(lambda: written.execute("select count(*) from fetches").fetchone()[0])
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
    finally:
        client.client_unpause()
        writer.kill()
        writer.communicate()
    archive = sqlite_utils.Database(db)
    committed = archive.execute("select count(*) from fetches").fetchone()[0]
    assert committed == (count if killed.startswith("after") else 0)

    result = ingest(redis.url, db, "--once")

    assert result.returncode == 0, result.stderr
    skipped = count if killed.startswith("after") else 0
    assert f"{skipped} delivered again and skipped" in result.stdout
    assert archive.execute("select count(*), count(distinct url) from fetches").fetchone() == \
        (count, count)
    assert archive.execute("select count(*), max(version) from articles").fetchone() == (count, 1)
    assert archive.execute("select count(*) from article_versions").fetchone()[0] == count
    (run,) = archive["crawl_runs"].rows
    assert (run["status"], run["new"], run["run_token"]) == ("finished", count, "run-1")
    assert client.xpending(RECORDS, WRITERS)["pending"] == 0
    assert client.xlen(RECORDS) == 0


def test_a_run_spans_processes_and_writers(redis: RedisServer, tmp_path: Path) -> None:
    """A run's start and end delivered twice open and close one ``crawl_runs`` row, which
    counts the fetches of every process, through a writer restarted in the middle, and
    each process's stats once."""
    client = redis.client()
    for _ in range(2):
        publish_run_start(client, "run-1", "blog", "test", {"app": "1", "scrapy": "2.19"})
    publish_fetches(client, "run-1", "blog", "crawler-1", article_fetches(3))
    db = tmp_path / "archive.db"
    assert ingest(redis.url, db, "--once").returncode == 0
    publish_fetches(client, "run-1", "blog", "crawler-2", article_fetches(3))
    for _ in range(2):
        publish_process_done(client, "run-1", "crawler-2", {"downloader/request_count": 4})
    publish_process_done(client, "run-1", "crawler-1", {"downloader/request_count": 3})
    publish_run_end(client, "run-1", "finished")
    publish_run_end(client, "run-1", "finished")
    assert ingest(redis.url, db, "--until-run-ends").returncode == 0

    archive = sqlite_utils.Database(db)
    (run,) = archive["crawl_runs"].rows
    assert (run["status"], run["new"], run["unchanged"]) == ("finished", 3, 3)
    stats = json.loads(run["stats"])
    assert stats["downloader/request_count"] == 7
    assert sorted(stats["blog_archive/processes"]) == ["crawler-1", "crawler-2"]
    assert archive.execute("select count(*) from articles").fetchone()[0] == 3


def test_ingest_without_redis_says_so_in_one_line(tmp_path: Path) -> None:
    url = f"redis://:secret@127.0.0.1:{free_port()}/0"
    result = ingest(url, tmp_path / "archive.db", "--once")
    assert result.returncode == 4
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("blog-archive: error: could not start: cannot reach Redis at")
    assert "secret" not in result.stderr
    assert not (tmp_path / "archive.db").exists()



def test_ingest_holds_the_archive_as_a_crawl_does(redis: RedisServer, tmp_path: Path) -> None:
    """One writer per archive: ingest refuses an archive a crawl is writing (exit 3)."""
    db = tmp_path / "archive.db"
    with ArchiveLock(db):
        result = ingest(redis.url, db, "--once")
    assert result.returncode == 3
    assert result.stderr.startswith("blog-archive: error: another crawl")
    assert result.stderr.count("\n") == 1


def test_redis_lost_while_ingesting_stops_the_writer_in_one_line(tmp_path: Path) -> None:
    """Redis goes away under a running writer: it stops with one line and exit 4, what it
    wrote stays written, and nothing is half-written."""
    db = tmp_path / "archive.db"
    with redis_server() as server:
        client = server.client()
        publish_run_start(client, "run-1", "blog", "test", {"app": "1", "scrapy": "2.19"})
        publish_fetches(client, "run-1", "blog", "crawler-1", article_fetches(3))
        writer = subprocess.Popen(
            [sys.executable, "-m", "scraper", "ingest", "--redis", server.url, "--db", str(db)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        written = sqlite_utils.Database(db)
        wait_for(lambda: db.exists() and written["fetches"].exists()
                 and written["fetches"].count == 3)
        server.process.kill()
        server.process.wait(timeout=10)
        _, stderr = writer.communicate(timeout=60)
    assert writer.returncode == 4, stderr
    assert stderr.count("\n") == 1 and "Traceback" not in stderr
    assert stderr.startswith("blog-archive: error: lost Redis")
    assert written.execute("select count(*) from articles").fetchone()[0] == 3


def test_a_writer_stops_once_the_run_ends_without_waiting_out_its_read(
    redis: RedisServer, tmp_path: Path
) -> None:
    """The writer reads the next batch while it writes this one, waiting up to ``block_ms``
    for new entries; a run's end must stop it at once, not after that wait (a scheduled
    crawl's writer, and the writer's rows/s, would pay it on every run)."""
    client = redis.client()
    publish_run_start(client, "run-1", "blog", "test", {"app": "1", "scrapy": "2.19"})
    publish_fetches(client, "run-1", "blog", "crawler-1", article_fetches(3))
    publish_run_end(client, "run-1", "finished")
    block_ms = 4_000  # under the client's 5 s socket timeout (archive.stream.connect)

    started = time.monotonic()
    report = run_ingest(redis.url, tmp_path / "archive.db", Until.RUN_ENDS, block_ms=block_ms)

    assert (report.fetches, report.runs_ended) == (3, 1)
    assert time.monotonic() - started < block_ms / 1000 / 2
    assert client.xpending(RECORDS, WRITERS)["pending"] == 0


def test_a_writer_keeps_the_wal_within_its_bound(
    redis: RedisServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer leaves checkpoints to a thread of its own and goes on writing; the WAL
    starts over only when a transaction begins with all of it checkpointed, so without the
    writer waiting for that now and then a service writer's WAL would grow without end
    (2,400 pages here, where SQLite's own checkpoints at 1,000 pages let it reach 1,250)."""
    monkeypatch.setattr(archive.ingest, "_WAL_FRAMES", 500)
    client = redis.client()
    publish_run_start(client, "run-1", "blog", "test", {"app": "1", "scrapy": "2.19"})
    publish_fetches(client, "run-1", "blog", "crawler-1", article_fetches(600))
    publish_run_end(client, "run-1", "finished")
    db = tmp_path / "archive.db"
    with Archive.open(db) as written:
        report = Ingest(client, written, batch_size=50).run(Until.ONCE)
        page_size = written.db.execute("PRAGMA page_size").fetchone()[0]
        wal_pages = db.with_name(db.name + "-wal").stat().st_size // page_size
        database_pages = db.stat().st_size // page_size
    assert report.fetches == 600
    assert database_pages > 1500  # what a WAL never started over would hold
    assert wal_pages < 1000


def listing_fetch(run: int) -> Fetch:
    """A listing page fetched whole by run ``run``, with the validators of that run."""
    return Fetch(url="https://blog.example/", status=200, outcome="not_article",
                 etag=f'"listing-{run}"')


def test_a_runs_end_publishes_what_it_changed_not_the_whole_site(
    redis: RedisServer, tmp_path: Path
) -> None:
    """A writer that runs as a service sees a site's runs end one after another: each end
    changes only which listing pages' validators hold, so it must send Redis those, not the
    whole site's state again (as large as the site). The state crawlers read is the same."""
    client = redis.client()

    def ingest_runs(db: Path, runs: int, articles: int) -> int:
        """Push ``runs`` runs of the site (the first with ``articles`` articles), ingest them
        in one writer session; the bytes the writer sent Redis."""
        for run in range(1, runs + 1):
            token = f"run-{run}"
            publish_run_start(client, token, "blog", "test", {"app": "1", "scrapy": "2.19"})
            publish_fetches(client, token, "blog", "crawler-1",
                            [listing_fetch(run), *article_fetches(articles if run == 1 else 0)])
            publish_run_end(client, token, "finished")
        before = client.info("stats")["total_net_input_bytes"]
        # one run's start, listing and end per batch, as a service writer meets them
        assert run_ingest(redis.url, db, Until.ONCE, batch_size=3).runs_ended == runs
        return client.info("stats")["total_net_input_bytes"] - before

    one_run = ingest_runs(tmp_path / "one.db", 1, 300)
    redis.flush()
    four_runs = ingest_runs(tmp_path / "four.db", 4, 300)

    assert four_runs < one_run * 1.5
    state = read_state(client, "blog")
    assert state.validators["https://blog.example/"] == ('"listing-4"', None)
    assert len(state.known_articles) == len(state.confirmed_at) == 300
    assert all(url in state.validators for url in state.known_articles)


def test_a_record_comes_out_of_the_stream_as_it_went_in(redis: RedisServer) -> None:
    """What a crawler pushes, the writer reads back whole: a fetch with its article, teasers,
    extraction notes and WARC capture, and a process's Scrapy stats (a datetime among them,
    kept as the run's row has always stored it)."""
    client = redis.client()
    fetch = Fetch(
        url="https://blog.example/1/", final_url="https://blog.example/1/", status=200,
        outcome="new", etag='"1"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT",
        elapsed_ms=12, bytes=2048, field_sources={"title": "json-ld"},
        missing={"author": "no signal"},
        capture=Capture(path="archive.warc/run-000001.warc.gz", offset=10, length=99,
                        record_id="<urn:uuid:1>", date="2026-12-07T01:00:00Z",
                        payload_digest="sha1:ABC"),
        article=Article(url="https://blog.example/1/", title="Żółć – „run”", published="2024-01-01",
                        categories=["trail"], tags=["ultra"], body_text="Far.\n" * 50,
                        word_count=50, headings=["Start"], field_sources={"title": "meta"},
                        teasers=[Teaser(position=1, url="https://blog.example/2/",
                                        title=None, text="Next")]))
    started = datetime(2026, 12, 7, 1, 0, 0, 123456, tzinfo=UTC)
    publish_fetches(client, "run-1", "blog", "crawler-1", [fetch])
    publish_process_done(client, "run-1", "crawler-1", {"start_time": started, "items": 3})

    (fetched, done) = [decode(entry_id, fields) for entry_id, fields in client.xrange(RECORDS)]

    assert fetched.fetch == fetch
    assert (fetched.kind, fetched.token, fetched.body) == \
        ("fetch", "run-1", {"site": "blog", "process": "crawler-1"})
    assert done.body == {"process": "crawler-1",
                         "stats": {"start_time": str(started), "items": 3}}
