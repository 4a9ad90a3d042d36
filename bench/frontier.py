"""Shared-frontier figures: crawl pages/s with 1, 2 and 4 crawler processes and one writer, and
what the frontier costs Redis.

``python -m bench --only frontier`` runs this section alone, against the 10,000-post blog (the
full bench takes most of twenty minutes); ``make bench`` runs it as one of its sections.

Each crawl is ``blog-archive crawl --redis`` run by P processes at once, with politeness relaxed
as the single-process crawl figures relax it (bench/crawl.py RELAXED), the site's concurrency
across processes set to P times one process's, and ``blog-archive ingest`` writing the archive
meanwhile. Its time runs from the crawlers' start until the last crawler exits; the pages are
the fetches the archive holds once the writer is done. On this two-core machine the server, the
writer and Redis share the cores with the crawlers: more processes than cores can only show the
per-process overhead, not a speed-up, and the figures say so rather than extrapolate.

Redis memory is read from ``INFO memory`` (``used_memory``) before and after filling an empty
frontier with 100,000 real encoded requests of the blog spider (pickled, as scrapy-redis stores
them) and the duplicate filter with 1,000,000 fingerprints (SHA-1 hex, as scrapy-redis's).
The Redis server is the tests' (tests/redis_server.py): Debian's redis-server, on loopback.
"""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import redis
from scrapy.http import Request
from scrapy_redis import picklecompat

from bench.crawl import CONCURRENCY, RELAXED, ServedBlog
from bench.harness import ROOT, ChildFailed, Row, Sample
from bench.plan import Plan
from scraper.frontier import DEFAULT_PREFIX, FrontierStore, site_of
from scraper.spiders.blog import BlogSpider
from tests.redis_server import RedisServer, redis_server

QUEUED = 100_000
FINGERPRINTS = 1_000_000
_BATCH = 10_000


def crawl_seconds(blog: ServedBlog, redis_server_: RedisServer, processes: int,
                  work: Path) -> tuple[float, int]:
    """One crawl of the served blog by ``processes`` crawlers and one writer: (seconds until
    the last crawler exits, fetches archived)."""
    redis_server_.flush()
    db = work / f"frontier-{processes}.db"
    relaxed = [arg for setting in (*RELAXED, f"FRONTIER_SITE_CONCURRENCY={CONCURRENCY * processes}")
               for arg in ("-s", setting)]
    with (work / "frontier-writer.log").open("ab") as log:
        writer = subprocess.Popen(
            [sys.executable, "-m", "scraper", "ingest", "--redis", redis_server_.url, "--db",
             str(db), "--until-run-ends", "--quiet"], cwd=ROOT, stderr=log)
        started = time.perf_counter()
        crawlers = [subprocess.Popen(
            [sys.executable, "-m", "scraper", "crawl", "--site", "sbiegacza-en", "--start-url",
             f"{blog.base_url}/en/", "--redis", redis_server_.url, "--trigger", "bench",
             "--quiet", *relaxed], cwd=ROOT, stderr=log) for _ in range(processes)]
        codes = [crawler.wait(timeout=1800) for crawler in crawlers]
        seconds = time.perf_counter() - started
        if writer.wait(timeout=1800) or any(codes):
            raise ChildFailed(f"a crawl by {processes} processes failed ({codes}, writer "
                              f"{writer.returncode}); see {log.name}")
    with sqlite3.connect(db) as connection:
        (pages,) = connection.execute("select count(*) from fetches").fetchone()
    for path in work.glob(f"{db.name}*"):
        path.unlink()
    return seconds, pages


def crawl_rows(blog: ServedBlog, redis_server_: RedisServer, work: Path,
               processes: tuple[int, ...]) -> list[Row]:
    """Pages/s per process count, against one process in the same run."""
    measured = {count: crawl_seconds(blog, redis_server_, count, work) for count in processes}
    one = Sample.of([measured[processes[0]][1] / measured[processes[0]][0]])
    rows = []
    for count, (seconds, pages) in measured.items():
        speed = Sample.of([pages / seconds])
        rows.append(Row(f"shared-frontier crawl pages/s, {count} crawler process(es) + writer, "
                        f"N={blog.synthetic:,} ({pages:,} pages)", speed, "pages/s", one,
                        f"{processes[0]} process", speed.per(one)))
    return rows


def memory_rows(redis_server_: RedisServer, queued: int, fingerprints: int) -> list[Row]:
    """Redis bytes per 100,000 queued requests and per 1,000,000 fingerprints, from filling
    ``queued`` and ``fingerprints`` (the full plan: exactly those; the quick one scales a
    smaller fill linearly, which sets and sorted sets of this size are)."""
    client = redis_server_.client()
    redis_server_.flush()
    store = FrontierStore(client, DEFAULT_PREFIX)
    spider = BlogSpider(site="sbiegacza-en")
    before = used_memory(client)
    for number in range(queued):
        url = f"https://blog-{number % 100}.example/en/2024/05/a-usual-post-title-{number}/"
        request = Request(url, callback=spider.parse, errback=spider.on_error, priority=5,
                          meta={"linked_as": "sitemap", "dont_redirect": True, "depth": 1})
        store.push(site_of(url), request.priority,
                   picklecompat.dumps(request.to_dict(spider=spider)))
    queue_bytes = used_memory(client) - before
    before = used_memory(client)
    for start in range(0, fingerprints, _BATCH):
        client.sadd(store.fingerprints_key, *(
            hashlib.sha1(str(number).encode()).hexdigest()
            for number in range(start, min(start + _BATCH, fingerprints))))
    fingerprint_bytes = used_memory(client) - before
    redis_server_.flush()
    return [Row(f"Redis memory per {QUEUED:,} queued requests (from {queued:,})",
                Sample.of([queue_bytes * QUEUED / queued / 2**20]), "MB"),
            Row(f"Redis memory per {FINGERPRINTS:,} fingerprints (from {fingerprints:,})",
                Sample.of([fingerprint_bytes * FINGERPRINTS / fingerprints / 2**20]), "MB")]


def used_memory(client: redis.Redis) -> int:
    return int(client.info("memory")["used_memory"])


def measure(blog: ServedBlog, work: Path, plan: Plan) -> list[Row]:
    """Every figure of this section, against a blog already served and ready."""
    with redis_server() as server:
        return crawl_rows(blog, server, work, plan.frontier_processes) + memory_rows(
            server, plan.frontier_queued, plan.frontier_fingerprints)
