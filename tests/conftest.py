"""Shared fixtures: one bundled blog served per test session, and one crawl of it.

Crawls run the real command line in a subprocess (a fresh Twisted reactor each time) against
the blog served over real HTTP on 127.0.0.1 by this process; the archives they write are real
SQLite files read back with sqlite-utils.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlite_utils
from selenium.webdriver.remote.webdriver import WebDriver

from scraper.bundled_blog.server import BlogServer
from tests import reliability
from tests.browser import chromium
from tests.faults import CASES, SITE_CASES
from tests.redis_server import RedisServer, redis_server

#: Pacing for crawls of the loopback blog: AutoThrottle stays on, but starts without the
#: one-second courtesy delay meant for real sites.
FAST_CRAWL = ("-s", "AUTOTHROTTLE_START_DELAY=0.01", "-s", "AUTOTHROTTLE_MAX_DELAY=0.5")

#: Rows tests/test_hostile_fetch.py and tests/test_hostile_crawl.py record.
HOSTILE_FETCH_ROWS = 18
HOSTILE_CRAWL_ROWS = 7
#: Rows the reliability tests record when they all run: the report is written only then.
RELIABILITY_ROWS = len(CASES) + len(SITE_CASES) + 4 + HOSTILE_FETCH_ROWS + HOSTILE_CRAWL_ROWS

RunCli = Callable[..., subprocess.CompletedProcess[str]]


def run_blog_archive(*args: str | Path, cwd: Path | None = None,
                     timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run ``blog-archive ARGS`` as a user would, in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "scraper", *map(str, args)],
        capture_output=True, text=True, timeout=timeout, cwd=cwd,
    )


def tool(name: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """A console script installed beside this Python (``warcio``, ``cdxj-indexer``)."""
    return subprocess.run([str(Path(sys.executable).parent / name), *map(str, args)],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="session")
def run_cli() -> RunCli:
    return run_blog_archive


@pytest.fixture(scope="session")
def blog_server() -> Iterator[BlogServer]:
    """The bundled blog, served for the whole session. Tests must not mutate it: a test that
    changes the blog starts its own server with ``fresh_blog_server``."""
    with BlogServer() as server:
        yield server


@pytest.fixture(scope="session")
def redis_process() -> Iterator[RedisServer]:
    """One real Redis server per test process (pytest-xdist worker), shared by its tests."""
    with redis_server() as server:
        yield server


@pytest.fixture
def redis(redis_process: RedisServer) -> RedisServer:
    """The session's Redis server, emptied for this test."""
    redis_process.flush()
    return redis_process


@pytest.fixture
def fresh_blog_server() -> Iterator[BlogServer]:
    with BlogServer() as server:
        yield server


@dataclass
class Crawl:
    db_path: Path
    result: subprocess.CompletedProcess[str]
    server: BlogServer
    #: The server's request log entries made during this crawl: (method, path, headers, status).
    requests: list[tuple[str, str, dict[str, str], int]]

    @property
    def db(self) -> sqlite_utils.Database:
        return sqlite_utils.Database(self.db_path)

    def url(self, path: str) -> str:
        return f"{self.server.base_url}{path}"

    def article(self, path: str) -> dict:
        """The archived row of the article served at ``path``."""
        return next(self.db["articles"].rows_where("url = ?", [self.url(path)]))


def crawl_blog(server: BlogServer, db_path: Path, *args: str) -> Crawl:
    """Crawl the served blog's English edition; the server must not be shared with a
    concurrent crawl, or ``requests`` mixes both."""
    logged_before = len(server.request_log)
    result = run_blog_archive(
        "crawl", "--site", "sbiegacza-en", "--start-url", f"{server.base_url}/en/",
        "--db", db_path, "--trigger", "test", *FAST_CRAWL, *args,
    )
    return Crawl(db_path=db_path, result=result, server=server,
                 requests=list(server.request_log[logged_before:]))


@pytest.fixture(scope="session")
def english_crawl(blog_server: BlogServer, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    """One crawl of the English edition, shared by every test that only reads its archive."""
    return crawl_blog(blog_server, tmp_path_factory.mktemp("english") / "archive.db")


@pytest.fixture(scope="session")
def demo_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``blog-archive demo`` run once, as ``make demo`` runs it: the archive a new user
    first opens in ``serve``."""
    out = tmp_path_factory.mktemp("demo")
    result = run_blog_archive("demo", "--out", "demo", cwd=out)
    assert result.returncode == 0, result.stderr
    return out / "demo" / "archive.db"


@pytest.fixture(scope="session")
def served_demo(demo_archive: Path) -> Iterator[str]:
    """``blog-archive serve`` on the demo archive for the session; its base URL."""
    server = subprocess.Popen(
        [sys.executable, "-m", "scraper", "serve", "--db", str(demo_archive), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert line.startswith("Serving "), server.stderr.read() if server.stderr else line
        yield line.split(" at ", 1)[1].split()[0].rstrip("/")
    finally:
        server.terminate()
        server.communicate(timeout=30)


@pytest.fixture(scope="session")
def browser() -> Iterator[WebDriver]:
    """One headless Chromium for the whole session (see tests/browser.py)."""
    with chromium() as driver:
        yield driver


def pytest_sessionstart(session: pytest.Session) -> None:
    if not hasattr(session.config, "workerinput"):  # the controller, before any worker starts
        reliability.clear()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Write docs/reliability.md from a session that ran every reliability test and passed."""
    if hasattr(session.config, "workerinput") or exitstatus != 0:
        return
    reliability.write_report(expected_rows=RELIABILITY_ROWS)
