"""The shared frontier: many crawler processes, one Redis, one writer, one archive.

Everything is real: Debian's redis-server (tests/redis_server.py), ``blog-archive crawl --redis``
and ``blog-archive ingest`` as subprocesses, a 2,000-post synthetic bundled blog served over
HTTP on 127.0.0.1 by this process (its request log read back), and SQLite archives read back
with sqlite-utils. The blog and its single-process crawl are made once per session: the crawls
under test are compared with that crawl.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlite_utils

from bench.served_blog import PrerenderedServer
from scraper.bundled_blog import BundledBlog
from scraper.bundled_blog.server import BlogServer
from scraper.frontier_run import RECLAIMED_STAT
from tests.conftest import FAST_CRAWL, Crawl, run_blog_archive
from tests.redis_server import RedisServer, free_port, redis_server
from tests.test_ingest import contents

#: Posts of the synthetic blog: the issue's "Done when" size.
POSTS = 2_000
#: Pacing of every crawl of the synthetic blog, the single-process one included: AutoThrottle
#: on, as FAST_CRAWL keeps it, but aiming at the site's whole concurrency rather than one
#: request at a time, which would make a 2,000-post crawl last minutes.
PACE = (*FAST_CRAWL, "-s", "AUTOTHROTTLE_TARGET_CONCURRENCY=4")
#: A SIGKILLed process is found dead this soon (the default, 30 s, is for real machines).
QUICK_DEATH = ("-s", "FRONTIER_PROCESS_TIMEOUT=2")


@dataclass
class SyntheticBlog:
    server: PrerenderedServer
    #: The archive of one local, single-process crawl of it.
    single: Path

    @property
    def start_url(self) -> str:
        return f"{self.server.base_url}/en/"

    def paths(self) -> Counter[str]:
        """How often each path was requested since the log was last cleared."""
        return Counter(entry[1] for entry in self.server.request_log)


@pytest.fixture(scope="session")
def synthetic_blog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SyntheticBlog]:
    """The 2,000-post blog, every page rendered once (answered from memory, so the crawlers,
    not the server, set the pace), and its single-process crawl."""
    with PrerenderedServer(BundledBlog(synthetic=POSTS), keep_log=True) as server:
        server.prerender()
        single = tmp_path_factory.mktemp("single") / "archive.db"
        result = run_blog_archive("crawl", "--site", "sbiegacza-en", "--start-url",
                                  f"{server.base_url}/en/", "--db", single, "--trigger", "test",
                                  *PACE, timeout=600)
        assert result.returncode in (0, 1), result.stderr  # 1: the blog's deliberate 404
        yield SyntheticBlog(server, single)


#: A crawl slow enough (20 requests/s a process) to be stopped midway on any machine.
PACED = ("-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0.05")


def start_crawler(redis_url: str, start_url: str, *args: str,
                  site: str | None = "sbiegacza-en") -> subprocess.Popen[str]:
    """``crawl --redis`` from ``start_url`` with the site's profile (None: a generic one)."""
    profile = ["--site", site] if site else []
    return subprocess.Popen(
        [sys.executable, "-m", "scraper", "crawl", *profile, "--start-url",
         start_url, "--redis", redis_url, "--trigger", "test", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def start_writer(redis_url: str, db: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "scraper", "ingest", "--redis", redis_url, "--db", str(db),
         "--until-run-ends"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen[str], timeout: float = 300) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def wait_for(condition: Callable[[], bool], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def crawl_with(server: BlogServer, redis: RedisServer, db: Path, processes: int, *args: str,
               kill_one_after: int | None = None) -> list[tuple[int, str, str]]:
    """``processes`` crawlers of the server's English edition and one writer; with
    ``kill_one_after``, once the blog has answered that many more requests, a crawler holding
    requests leased from the frontier is SIGKILLed."""
    logged_before = len(server.request_log)
    writer = start_writer(redis.url, db)
    crawlers = [start_crawler(redis.url, f"{server.base_url}/en/", *args)
                for _ in range(processes)]
    if kill_one_after is not None:
        wait_for(lambda: len(server.request_log) - logged_before >= kill_one_after)
        wait_for(lambda: kill_a_leaseholder(redis, crawlers))
    results = [finish(crawler) for crawler in crawlers]
    code, _, err = finish(writer)
    assert code == 0, err
    return results


def kill_a_leaseholder(redis: RedisServer, crawlers: list[subprocess.Popen[str]]) -> bool:
    """SIGKILL a crawler that holds leases now; False when none does. A frontier process is
    named host:pid:random (scraper/frontier.py)."""
    client = redis.client()
    for key in client.scan_iter("blog-archive:frontier:leases:*"):
        pid = int(key.decode().split(":")[-2])
        crawler = next((c for c in crawlers if c.pid == pid), None)
        if crawler is not None and client.hlen(key):
            crawler.send_signal(signal.SIGKILL)
            return True
    return False


def test_three_crawlers_and_one_writer_archive_what_one_crawler_does(
    synthetic_blog: SyntheticBlog, redis: RedisServer, tmp_path: Path
) -> None:
    db = tmp_path / "archive.db"
    synthetic_blog.server.request_log.clear()

    results = crawl_with(synthetic_blog.server, redis, db, 3, *PACE)

    assert [code for code, _, _ in results] == [0, 0, 0], [err for _, _, err in results]
    archive, single = sqlite_utils.Database(db), sqlite_utils.Database(synthetic_blog.single)
    assert contents(archive) == contents(single)
    assert archive["articles"].count >= POSTS
    (run,) = archive["crawl_runs"].rows
    local = next(single["crawl_runs"].rows)
    assert (run["status"], run["trigger"]) == ("finished", "test")
    assert {k: run[k] for k in ("pages_fetched", "new", "errors")} == \
        {k: local[k] for k in ("pages_fetched", "new", "errors")}
    fetched = synthetic_blog.paths()
    # robots.txt is each process's own, as its robots.txt rules are; every page once
    assert fetched.pop("/robots.txt") <= 3
    assert max(fetched.values()) == 1
    busy = [int(out.split("fetched ")[1].split()[0]) for _, out, _ in results]
    assert sum(1 for pages in busy if pages) >= 2, busy  # the work was shared
    assert redis.client().keys("blog-archive:frontier:queue:*") == []


@pytest.mark.xdist_group("blog_server")
def test_a_crawler_killed_mid_crawl_loses_no_article_and_doubles_none(
    english_crawl: Crawl, redis: RedisServer, tmp_path: Path
) -> None:
    """Its leased requests come back to the frontier once its heartbeat stops; records it
    had not yet sent are fetched again, and the writer keeps one version of each article."""
    db = tmp_path / "archive.db"

    results = crawl_with(english_crawl.server, redis, db, 3, *PACED, *QUICK_DEATH,
                         kill_one_after=40)

    codes = sorted(code for code, _, _ in results)
    assert codes == [-signal.SIGKILL, 0, 0], [err for _, _, err in results]
    ours, theirs = contents(sqlite_utils.Database(db)), contents(english_crawl.db)
    for table in ("articles", "teasers", "versions"):
        assert ours[table] == theirs[table], table
    assert {url for url, _, _ in ours["fetches"]} == {url for url, _, _ in theirs["fetches"]}
    (run,) = sqlite_utils.Database(db)["crawl_runs"].rows
    assert run["status"] == "finished"
    assert json.loads(run["stats"])[RECLAIMED_STAT] > 0  # it held requests when it died


def test_redis_unreachable_at_start_is_one_line_and_exit_4() -> None:
    result = run_blog_archive("crawl", "--start-url", "http://127.0.0.1:9/",
                              "--redis", f"redis://127.0.0.1:{free_port()}/0")

    assert result.returncode == 4
    assert result.stderr.startswith("blog-archive: error: could not start: Redis at redis://")
    assert "cannot be reached" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.xdist_group("blog_server")
def test_redis_lost_mid_crawl_stops_cleanly_and_the_next_run_completes(
    english_crawl: Crawl, tmp_path: Path
) -> None:
    """The crawlers stop with one line each; what the writer wrote stays consistent; a new
    Redis (this one keeps nothing) and a new crawl archive the whole blog, each article once."""
    db = tmp_path / "archive.db"
    server = english_crawl.server
    logged_before = len(server.request_log)
    with redis_server() as lost:
        writer = start_writer(lost.url, db)
        # paced: the blog must still be half-crawled when Redis goes, however fast the machine
        crawlers = [start_crawler(lost.url, f"{server.base_url}/en/", *PACED)
                    for _ in range(2)]
        wait_for(lambda: len(server.request_log) - logged_before >= 40)
        lost.process.kill()
        lost.process.wait()
        results = [finish(crawler, timeout=120) for crawler in crawlers]
        writer.kill()
        writer.wait()
    for code, _, err in results:
        assert code == 1, err
        assert err.startswith("blog-archive: error: lost the shared frontier at redis://")
        assert len(err.strip().splitlines()) == 1
    expected = contents(english_crawl.db)["articles"]
    assert len(contents(sqlite_utils.Database(db))["articles"]) < len(expected)

    with redis_server() as fresh:
        crawlers = [start_crawler(fresh.url, f"{server.base_url}/en/", *FAST_CRAWL)
                    for _ in range(2)]
        results = [finish(crawler) for crawler in crawlers]
        written = run_blog_archive("ingest", "--redis", fresh.url, "--db", db, "--once")

    assert [code for code, _, _ in results] == [0, 0], [err for _, _, err in results]
    assert written.returncode == 0, written.stderr
    archive = sqlite_utils.Database(db)
    assert contents(archive)["articles"] == expected
    assert list(archive["crawl_runs"].rows)[-1]["status"] == "finished"


def test_two_sites_enqueued_together_land_in_one_archive(
    redis: RedisServer, tmp_path: Path
) -> None:
    """Two bundled blogs on two ports, put on the frontier by ``enqueue``; crawlers started
    with the first crawl both, each fetch recorded under its own site."""
    db = tmp_path / "archive.db"
    with BlogServer() as first, BlogServer() as second:
        urls = [f"{server.base_url}/en/" for server in (first, second)]
        queued = run_blog_archive("enqueue", "--start-url", urls[0], "--start-url", urls[1],
                                  "--redis", redis.url)
        assert queued.returncode == 0, queued.stderr
        assert queued.stdout.startswith("2 of 2 sites queued")
        writer = start_writer(redis.url, db)
        crawlers = [start_crawler(redis.url, urls[0], *FAST_CRAWL, site=None)
                    for _ in range(2)]
        results = [finish(crawler) for crawler in crawlers]
        code, _, err = finish(writer)
        both = {urlsplit(url).netloc: server for url, server in zip(urls, (first, second),
                                                                     strict=True)}

    assert code == 0, err
    assert [code for code, _, _ in results] == [0, 0], [err for _, _, err in results]
    archive = sqlite_utils.Database(db)
    for site, server in both.items():
        archived = {row["url"] for row in archive["articles"].rows_where("site = ?", [site])}
        assert archived == {f"{server.base_url}{path}" for path in server.blog.article_paths("en")}
    assert {row["site"] for row in archive["crawl_runs"].rows} == set(both)
