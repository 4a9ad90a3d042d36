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
from pathlib import Path

import pytest
import sqlite_utils

from scraper.bundled_blog.server import BlogServer
from tests.conftest import FAST_CRAWL

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


@pytest.fixture
def scrapyd(tmp_path: Path) -> Iterator[str]:
    """A Scrapyd of its own, configured and run in a temporary directory."""
    port = free_port()
    home = tmp_path / "scrapyd"
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
    project.mkdir()
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
