"""Extraction in a worker process (scraper/extraction_pool.py): the same archive and the same
requests as extraction on the reactor thread, a page the worker cannot read fails as it does
there, and a worker that dies stops the crawl at once, with one clear line and its run
recorded, instead of hanging it."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlite_utils

from scraper.bundled_blog.server import BlogServer
from scraper.extraction.decoding import ExtractionError
from scraper.extraction_pool import (
    WORKER_NAME,
    Extracted,
    ExtractionPool,
    ExtractionPoolBrokenError,
)
from scraper.profiles import resolve_profile
from tests.conftest import FAST_CRAWL

PROFILE = resolve_profile("sbiegacza-en", None)
URL = f"{PROFILE.start_url}some-post/"
#: Slow enough for the test to kill the worker mid-crawl, whatever the machine's load.
PACED = ("-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0.05")
#: Requests answered before the worker is killed: the crawl is well under way by then.
KILL_AFTER = 15
#: A crawl whose worker died ends within this; a hung one never would.
CRAWL_TIMEOUT = 60


@pytest.mark.parametrize("workers", [0, 1])
def test_an_unreadable_page_fails_the_same_in_a_worker_and_in_place(workers: int) -> None:
    async def extract_both() -> Extracted:
        pool = ExtractionPool(workers)
        try:
            with pytest.raises(ExtractionError, match="empty"):
                await pool.extract(b"", URL, PROFILE, "text/html", None, None)
            return await pool.extract(
                b"<html><body><h1>Hi</h1><a href='/en/next/'>next</a></body></html>", URL,
                PROFILE, "text/html", None, None)
        finally:
            pool.close()

    assert asyncio.run(extract_both()).links == [f"{PROFILE.start_url}next/"]


def test_pages_sent_together_come_back_each_to_its_own_caller() -> None:
    """Many pages in flight at once, as in a crawl: every answer reaches the page it is for."""
    async def extract_many() -> list[Extracted]:
        pool = ExtractionPool(2)
        try:
            return await asyncio.gather(*(
                pool.extract(f"<html><body><a href='/en/p{n}/'>p</a></body></html>".encode(),
                             URL, PROFILE, "text/html", None, None) for n in range(40)))
        finally:
            pool.close()

    answers = asyncio.run(extract_many())
    assert [extracted.links for extracted in answers] == [
        [f"{PROFILE.start_url}p{n}/"] for n in range(40)]


def test_a_killed_worker_fails_the_pages_waiting_on_it_at_once() -> None:
    async def extract_after_kill() -> None:
        pool = ExtractionPool(1)
        try:
            await pool.extract(b"<p>warm</p>", URL, PROFILE, None, None, None)
            (worker,) = multiprocessing.active_children()
            os.kill(worker.pid, signal.SIGKILL)
            await asyncio.wait_for(pool.extract(b"<p>x</p>", URL, PROFILE, None, None, None),
                                   timeout=30)
        finally:
            pool.close()

    started = time.monotonic()
    with pytest.raises(ExtractionPoolBrokenError, match="worker process died"):
        asyncio.run(extract_after_kill())
    assert time.monotonic() - started < 10


def test_a_crawl_whose_worker_is_killed_stops_with_one_line_and_a_recorded_run(
    fresh_blog_server: BlogServer, tmp_path: Path
) -> None:
    db = tmp_path / "archive.db"
    server = fresh_blog_server
    crawl = subprocess.Popen(
        [sys.executable, "-m", "scraper", "crawl", "--site", "sbiegacza-en", "--start-url",
         f"{server.base_url}/en/", "--db", str(db), "--quiet", *FAST_CRAWL, *PACED,
         "-s", "ARCHIVE_WRITER=inline", "-s", "EXTRACTION_WORKERS=1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + CRAWL_TIMEOUT
        while len(server.request_log) < KILL_AFTER:
            assert time.monotonic() < deadline and crawl.poll() is None, crawl.stderr
            time.sleep(0.01)
        (worker,) = _extraction_workers(crawl.pid)
        os.kill(worker, signal.SIGKILL)
        _, stderr = crawl.communicate(timeout=CRAWL_TIMEOUT)
    finally:
        crawl.kill()
    assert crawl.returncode == 1, stderr  # an interrupted run (archive/errors.py)
    assert "extraction failed: the extraction worker process died" in stderr
    assert "Traceback" not in stderr
    (run,) = sqlite_utils.Database(db)["crawl_runs"].rows
    assert (run["status"], run["finish_reason"]) == ("failed", "extraction_pool_broken")
    assert run["pages_fetched"] < len(server.blog.article_paths("en"))


def _extraction_workers(pid: int) -> list[int]:
    """The crawl's extraction workers, by the name they give themselves."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children
            if Path(f"/proc/{child}/comm").read_text().strip() == WORKER_NAME]


def test_a_machine_with_one_core_extracts_in_place() -> None:
    """A worker that must take turns with the reactor on the one core only adds the page's
    trip through the socket: the pool asks for none there, whatever the setting says."""
    sizes = subprocess.run(
        [sys.executable, "-c", "import os\n"
         "from scrapy.utils.test import get_crawler\n"
         "from scraper.extraction_pool import ExtractionPool\n"
         "def size(): return len(ExtractionPool.from_crawler(\n"
         "    get_crawler(settings_dict={'EXTRACTION_WORKERS': 2})).workers)\n"
         "cores = len(os.sched_getaffinity(0))\n"
         "before = size()\n"
         "os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})\n"
         "print(cores, before, size())"],
        capture_output=True, text=True, check=True).stdout.split()
    cores, on_all, on_one = map(int, sizes)
    assert (on_all, on_one) == (min(2, cores - 1), 0)
