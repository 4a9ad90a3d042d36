"""What a crawl prints: a live line on a terminal, nothing extra under cron, Scrapy's log on
request."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

from scraper.bundled_blog import BlogServer
from tests.conftest import FAST_CRAWL, RunCli

MAX_PAGES = 12
BOUND_LINE = re.compile(rf"bound reached: requests per run {MAX_PAGES} \(--max-pages or -s "
                        r"CRAWL_MAX_PAGES\); requests refused: \d+\n")


def crawl_args(server: BlogServer, db: Path) -> list[str]:
    return ["crawl", "--site", "sbiegacza-en", "--start-url", f"{server.base_url}/en/",
            "--db", str(db), *FAST_CRAWL, "--max-pages", str(MAX_PAGES)]


def test_progress_line_on_a_terminal(blog_server: BlogServer, tmp_path: Path) -> None:
    controller, terminal = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "scraper",
                                *crawl_args(blog_server, tmp_path / "a.db")],
                               stdout=subprocess.PIPE, stderr=terminal, text=True)
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        shown += chunk
    summary = process.stdout.read()
    process.wait(timeout=120)
    os.close(controller)
    assert process.returncode in (0, 1)
    text = shown.decode()
    assert "\r\x1b[K" in text
    shown_pages = re.findall(r"(\d+) pages \([\d.]+/s\): \d+ new, 0 changed, 0 unchanged", text)
    assert shown_pages, text
    # the last line shown and the summary count the same pages (robots.txt in neither)
    assert summary.startswith(f"run 1 bounded: {shown_pages[-1]} pages in "), summary
    assert int(shown_pages[-1]) == MAX_PAGES


def test_no_progress_line_without_a_terminal(blog_server: BlogServer, run_cli: RunCli,
                                             tmp_path: Path) -> None:
    result = run_cli(*crawl_args(blog_server, tmp_path / "a.db"))
    assert "\r" not in result.stderr and "pages (" not in result.stderr
    assert re.match(r"run 1 bounded: \d+ pages in [\d.]+s — \d+ new", result.stdout)


def test_quiet_prints_nothing_but_the_bound_reached(blog_server: BlogServer, run_cli: RunCli,
                                                    tmp_path: Path) -> None:
    result = run_cli(*crawl_args(blog_server, tmp_path / "a.db"), "--quiet")
    assert result.returncode == 0 and result.stdout == ""
    assert BOUND_LINE.fullmatch(result.stderr), result.stderr


def test_verbose_shows_scrapys_log(blog_server: BlogServer, run_cli: RunCli,
                                   tmp_path: Path) -> None:
    result = run_cli(*crawl_args(blog_server, tmp_path / "a.db"), "--verbose")
    assert "[scrapy.core.engine] INFO: Spider opened" in result.stderr
    assert "Traceback" not in result.stderr
