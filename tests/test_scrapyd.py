"""Deploy the project to a real Scrapyd on 127.0.0.1 and let it crawl the bundled blog."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlite_utils

from archive.writer import PROCESSES_STAT
from scraper.bundled_blog.server import BlogServer
from tests.conftest import FAST_CRAWL
from tests.redis_server import RedisServer

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PROJECT_FILES = ("scraper", "archive", "exports", "pyproject.toml", "setup.py", "README.md")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def api(base: str, endpoint: str, data: list[tuple[str, str]] | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(f"{base}/{endpoint}", data=body, timeout=10) as response:
        return json.load(response)


@contextmanager
def running_scrapyd(home: Path) -> Iterator[str]:
    """A Scrapyd of its own, configured and run in ``home``; its base URL."""
    port = free_port()
    home.mkdir()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        f"bind_address = 127.0.0.1\nhttp_port = {port}\n"
        "eggs_dir = eggs\nlogs_dir = logs\ndbs_dir = dbs\nitems_dir =\nmax_proc = 1\n"
    )
    process = subprocess.Popen([BIN / "scrapyd"], cwd=home, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: api(base, "daemonstatus.json")["status"] == "ok", seconds=30)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture
def scrapyd(tmp_path: Path) -> Iterator[str]:
    with running_scrapyd(tmp_path / "scrapyd") as base:
        yield base


def wait_until(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if condition():
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {seconds}s")
        time.sleep(0.5)


def deployable_copy(tmp_path: Path, scrapyd_url: str) -> Path:
    """The checkout as scrapyd-deploy sees it, with its deploy target pointed at our Scrapyd."""
    project = tmp_path / "project"
    project.mkdir(parents=True)
    for name in PROJECT_FILES:
        (project / name).symlink_to(ROOT / name)
    config = (ROOT / "scrapy.cfg").read_text()
    (project / "scrapy.cfg").write_text(
        config.replace("http://127.0.0.1:6800/", f"{scrapyd_url}/"))
    return project


def test_scrapyd_deploys_and_runs_the_blog_spider(
    scrapyd: str, blog_server: BlogServer, tmp_path: Path
) -> None:
    project = deployable_copy(tmp_path, scrapyd)
    deploy = subprocess.run([BIN / "scrapyd-deploy"], cwd=project, capture_output=True,
                            text=True, timeout=180)
    assert deploy.returncode == 0, deploy.stderr
    assert "blog" in api(scrapyd, "listspiders.json?project=blog_archive")["spiders"]

    db = tmp_path / "scrapyd-archive.db"
    settings = [("setting", value) for value in FAST_CRAWL if value != "-s"]
    job = api(scrapyd, "schedule.json", [
        ("project", "blog_archive"), ("spider", "blog"), ("site", "sbiegacza-en"),
        ("start_url", f"{blog_server.base_url}/en/"), ("setting", f"ARCHIVE_DB={db}"),
        ("setting", "CRAWL_TRIGGER=scrapyd"), *settings,
    ])
    assert job["status"] == "ok", job

    def finished() -> bool:
        jobs = api(scrapyd, "listjobs.json?project=blog_archive")
        return any(j["id"] == job["jobid"] for j in jobs["finished"])

    wait_until(finished, seconds=180)
    archive = sqlite_utils.Database(db)
    assert archive["articles"].count == len(blog_server.blog.article_paths("en"))
    (run,) = archive["crawl_runs"].rows
    assert (run["trigger"], run["status"]) == ("scrapyd", "finished")


def deploy(tmp_path: Path, scrapyd_url: str) -> None:
    deployed = subprocess.run([BIN / "scrapyd-deploy"], cwd=deployable_copy(tmp_path, scrapyd_url),
                              capture_output=True, text=True, timeout=180)
    assert deployed.returncode == 0, deployed.stderr


def test_jobs_on_two_scrapyds_join_one_frontier(
    blog_server: BlogServer, redis: RedisServer, tmp_path: Path
) -> None:
    """The project on two Scrapyd instances, one job on each with the same REDIS_URL: one
    crawl, both processes counted in its run, one writer, one archive."""
    db = tmp_path / "archive.db"
    writer = subprocess.Popen(
        [sys.executable, "-m", "scraper", "ingest", "--redis", redis.url, "--db", str(db),
         "--until-run-ends", "--quiet"], stderr=subprocess.PIPE, text=True)
    settings = [("setting", value) for value in FAST_CRAWL if value != "-s"]
    with running_scrapyd(tmp_path / "one") as one, running_scrapyd(tmp_path / "two") as two:
        for base in (one, two):
            deploy(tmp_path / base.rsplit(":", 1)[1], base)
        jobs = []
        for base in (one, two):  # scheduled together, once both are deployed
            job = api(base, "schedule.json", [
                ("project", "blog_archive"), ("spider", "blog"), ("site", "sbiegacza-en"),
                ("start_url", f"{blog_server.base_url}/en/"),
                ("setting", f"REDIS_URL={redis.url}"), ("setting", "CRAWL_TRIGGER=scrapyd"),
                *settings])
            assert job["status"] == "ok", job
            jobs.append((base, job["jobid"]))
        for base, jobid in jobs:
            wait_until(lambda base=base, jobid=jobid: any(
                j["id"] == jobid for j in api(base, "listjobs.json?project=blog_archive")
                ["finished"]), seconds=180)
    _, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err

    archive = sqlite_utils.Database(db)
    archived = {row["url"] for row in archive["articles"].rows}
    assert archived == {f"{blog_server.base_url}{path}"
                        for path in blog_server.blog.article_paths("en")}
    (run,) = archive["crawl_runs"].rows
    assert (run["trigger"], run["status"]) == ("scrapyd", "finished")
    assert len(json.loads(run["stats"])[PROCESSES_STAT]) == 2
