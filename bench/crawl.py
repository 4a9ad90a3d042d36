"""Crawl figures: throughput against a bare Scrapy spider, re-crawl cost, and peak memory.

Each repeat at a blog size N runs three commands against the same served blog, in this order:
``blog-archive crawl`` into a fresh archive, the bare spider over exactly the URLs that crawl
fetched, then ``blog-archive crawl`` again into the same archive (the unchanged blog). Both
crawlers run as child processes with the same concurrency and no politeness delay, so their
wall time and the kernel's peak-RSS figure for each are directly comparable.

``python -m bench.crawl --sizes 2000 --repeats 3`` measures these figures alone (printed, not
written to results.md), to check a change to the crawl without the whole bench.
"""

from __future__ import annotations

import argparse
import json
import math
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from bench.harness import (
    MB,
    ROOT,
    ChildFailed,
    ChildRun,
    Row,
    Sample,
    at_least,
    at_most,
    run_child,
    scratch,
    text_table,
)

CONCURRENCY = 16
#: Politeness relaxed for the bench only, as tests/conftest.py does for the test suite.
RELAXED = ("AUTOTHROTTLE_ENABLED=False", "DOWNLOAD_DELAY=0",
           f"CONCURRENT_REQUESTS={CONCURRENCY}", f"CONCURRENT_REQUESTS_PER_DOMAIN={CONCURRENCY}")
#: ``blog-archive crawl`` exits 1 when some pages failed: the bundled blog has a 404 on purpose.
CRAWL_EXIT_CODES = (0, 1)


@dataclass
class ServedBlog:
    """``python -m bench.served_blog N`` running; ``wait_ready`` fills in what it printed."""

    synthetic: int
    process: subprocess.Popen[str]
    log: IO[bytes]
    base_url: str = ""
    build_seconds: float = 0.0
    render_seconds: float = 0.0
    pages: int = 0

    @classmethod
    def start(cls, synthetic: int, log: Path) -> ServedBlog:
        """Start the server; its stderr (tracebacks of dropped connections, if any) goes to
        ``log`` rather than into the bench's output."""
        log_file = log.open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.served_blog", str(synthetic)], cwd=ROOT,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log_file, text=True)
        return cls(synthetic, process, log_file)

    def wait_ready(self) -> None:
        """Block until the server has built and rendered the blog and answers requests."""
        assert self.process.stdout is not None
        line = self.process.stdout.readline().split()
        if not line or line[0] != "ready":
            raise ChildFailed(f"the synthetic blog (N={self.synthetic}) did not start; "
                              f"see {self.log.name}")
        self.base_url = line[1]
        self.build_seconds, self.render_seconds = float(line[2]), float(line[3])
        self.pages = int(line[4])

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=60)
        self.log.close()


@dataclass
class SizeResult:
    """Every measured run at one blog size; lists are paired by repeat."""

    synthetic: int
    pages: int = 0
    first: list[ChildRun] = field(default_factory=list)
    bare: list[ChildRun] = field(default_factory=list)
    second: list[ChildRun] = field(default_factory=list)

    def seconds(self, runs: list[ChildRun]) -> Sample:
        return Sample.of([run.seconds for run in runs])

    def rss_mb(self, runs: list[ChildRun]) -> Sample:
        return Sample.of([run.peak_rss / MB for run in runs])


def crawl_command(base_url: str, db: Path) -> list[str]:
    relaxed = [arg for setting in RELAXED for arg in ("-s", setting)]
    return [sys.executable, "-m", "scraper", "crawl", "--site", "sbiegacza-en",
            "--start-url", f"{base_url}/en/", "--db", str(db), "--trigger", "bench",
            "--quiet", *relaxed]


def fetched_urls(db: Path) -> list[str]:
    """The URLs the archive's first run fetched, in the order it fetched them."""
    with sqlite3.connect(db) as connection:
        return [url for (url,) in connection.execute(
            "select url from fetches where crawl_run_id = (select min(id) from crawl_runs) "
            "order by id")]


def measure_size(blog: ServedBlog, work: Path, repeats: int, deadline: float) -> SizeResult:
    """Up to ``repeats`` rounds of (crawl, bare spider, re-crawl); a round after the first is
    skipped when the previous one, run again, would end past ``deadline`` (monotonic)."""
    result = SizeResult(blog.synthetic)
    urls_file = work / f"urls-{blog.synthetic}.txt"
    for repeat in range(repeats):
        round_started = time.monotonic()
        db = work / f"crawl-{blog.synthetic}-{repeat}.db"
        result.first.append(run_child(crawl_command(blog.base_url, db), log=work / "crawl.log",
                                      ok_codes=CRAWL_EXIT_CODES))
        if not result.pages:
            urls = fetched_urls(db)
            urls_file.write_text("\n".join(urls), encoding="utf-8")
            result.pages = len(urls)
        result.bare.append(run_child(
            [sys.executable, "-m", "bench.bare_spider", str(urls_file), str(CONCURRENCY)],
            log=work / "bare.log", stdout=work / "bare-stats.json"))
        check_bare_fetched_all(work / "bare-stats.json", result.pages)
        result.second.append(run_child(crawl_command(blog.base_url, db), log=work / "crawl.log",
                                       ok_codes=CRAWL_EXIT_CODES))
        for path in work.glob(f"{db.name}*"):
            path.unlink()
        if time.monotonic() + (time.monotonic() - round_started) > deadline:
            break
    return result


def check_bare_fetched_all(stats_file: Path, pages: int) -> None:
    """The baseline is only fair if it fetched every page the crawl did (plus robots.txt)."""
    lines = stats_file.read_text(encoding="utf-8").splitlines()
    received = json.loads(lines[-1]).get("response_received_count", 0) if lines else 0
    if received != pages + 1:
        raise ChildFailed(f"the bare spider received {received} responses for {pages} pages")


def rows(results: list[SizeResult]) -> list[Row]:
    """Throughput, re-crawl and memory rows per size, then memory growth across sizes."""
    table: list[Row] = []
    for result in results:
        n = f"N={result.synthetic:,} ({result.pages:,} pages)"
        ours = result.seconds(result.first).map(lambda s, p=result.pages: p / s)
        bare = result.seconds(result.bare).map(lambda s, p=result.pages: p / s)
        table.append(Row(f"crawl pages/s, {n}", ours, "pages/s", bare, "bare Scrapy",
                         ours.per(bare), at_least(0.8)))
    for result in results:
        second, first = result.seconds(result.second), result.seconds(result.first)
        table.append(Row(f"re-crawl time / first crawl, N={result.synthetic:,}", second, "s",
                         first, "first crawl", second.per(first), at_most(0.15)))
    for result in results:
        ours, bare = result.rss_mb(result.first), result.rss_mb(result.bare)
        table.append(Row(f"crawl peak RSS, N={result.synthetic:,}", ours, "MB", bare,
                         "bare Scrapy", ours.per(bare), at_most(250, on="value")))
    small, large = results[0], results[-1]
    if large.synthetic > small.synthetic:
        rss_growth = large.rss_mb(large.first).median / small.rss_mb(small.first).median
        n_growth = large.synthetic / small.synthetic
        table.append(Row(
            f"crawl RSS growth ÷ N growth, N={small.synthetic:,}→{large.synthetic:,}",
            Sample.of([rss_growth]), "×", Sample.of([n_growth]), "N growth",
            Sample.of([rss_growth / n_growth]), at_most(1.0)))
    return table


def growth_exponent(results: list[SizeResult]) -> float:
    """d log(peak RSS) / d log N between the smallest and largest size: 1 is linear growth."""
    small, large = results[0], results[-1]
    return (math.log(large.rss_mb(large.first).median / small.rss_mb(small.first).median)
            / math.log(large.synthetic / small.synthetic))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.crawl",
                                     description="Only the crawl figures, printed.")
    parser.add_argument("--sizes", type=int, nargs="+", default=[2_000],
                        help="synthetic posts of each blog crawled (default: 2000)")
    parser.add_argument("--repeats", type=int, default=3, help="rounds per size (default: 3)")
    args = parser.parse_args(argv)
    with scratch("crawl-") as work:
        blogs = [ServedBlog.start(size, work / f"blog-{size}.log") for size in args.sizes]
        try:
            results = []
            for blog in blogs:
                blog.wait_ready()
                results.append(measure_size(blog, work, args.repeats, deadline=math.inf))
        finally:
            for blog in blogs:
                blog.stop()
    print(text_table(rows(results)))


if __name__ == "__main__":
    main()
