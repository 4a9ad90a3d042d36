"""WARC capture figures: what it costs the crawl, and how many bytes it keeps per article.

Each repeat crawls the same served synthetic blog twice into fresh archives, once with capture
on and once with ``--no-warc`` (the order alternating between repeats, so neither always runs
on a warm machine), then re-crawls the captured archive's unchanged blog. The figures are the
pages/s ratio of the two first crawls (and their CPU time per page, for context: a busy
machine disturbs it less than wall time), and the bytes of each run's WARC file per archived
article: a first crawl stores every page once, gzipped; an unchanged re-crawl stores revisit
records only (robots.txt aside).

The full plan runs five repeats, not the three of the other crawl sections: each crawl of the
500-article blog lasts about 4.5 s, and on a shared two-core machine one slow crawl moved the
median of three by several hundredths (0.900–1.03 around a 0.95 target). Five cost about
30 s more and steady the median; the CPU row is steadier still and says what capture costs.

``python -m bench.warc [--quick]`` runs this section alone and prints its rows.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bench.crawl import CRAWL_EXIT_CODES, ServedBlog, crawl_command
from bench.harness import ChildRun, Row, Sample, at_least, at_most, run_child, text_table
from bench.plan import FULL, QUICK


@dataclass
class WarcResult:
    """Paired runs at one blog size; lists are paired by repeat."""

    synthetic: int
    pages: int = 0
    articles: int = 0
    captured: list[ChildRun] = field(default_factory=list)
    uncaptured: list[ChildRun] = field(default_factory=list)
    #: Bytes of the first run's and the re-crawl's WARC file, and the page bodies received.
    first_bytes: list[int] = field(default_factory=list)
    recrawl_bytes: list[int] = field(default_factory=list)
    body_bytes: list[int] = field(default_factory=list)


def measure(blog: ServedBlog, work: Path, repeats: int) -> WarcResult:
    result = WarcResult(blog.synthetic)
    for repeat in range(repeats):
        on_db = work / f"warc-on-{blog.synthetic}-{repeat}.db"
        off_db = work / f"warc-off-{blog.synthetic}-{repeat}.db"
        runs = {
            "on": lambda db=on_db: result.captured.append(_crawl(blog, db)),
            "off": lambda db=off_db: result.uncaptured.append(_crawl(blog, db, "--no-warc")),
        }
        for side in ("on", "off") if repeat % 2 == 0 else ("off", "on"):
            runs[side]()
        _crawl(blog, on_db)  # the unchanged blog again
        warc = on_db.parent / f"{on_db.stem}.warc"
        result.first_bytes.append((warc / "run-000001.warc.gz").stat().st_size)
        result.recrawl_bytes.append((warc / "run-000002.warc.gz").stat().st_size)
        with sqlite3.connect(on_db) as db:
            pages, bodies = db.execute(
                "select count(*), sum(bytes) from fetches where crawl_run_id = 1").fetchone()
            result.articles = db.execute("select count(*) from articles").fetchone()[0]
        result.pages = pages
        result.body_bytes.append(bodies)
        for path in [*work.glob(f"{on_db.name}*"), *work.glob(f"{off_db.name}*"),
                     *warc.glob("*.warc.gz")]:
            path.unlink()
        warc.rmdir()
    return result


def _crawl(blog: ServedBlog, db: Path, *args: str) -> ChildRun:
    return run_child([*crawl_command(blog.base_url, db), *args], log=db.parent / "warc.log",
                     ok_codes=CRAWL_EXIT_CODES)


def rows(result: WarcResult) -> list[Row]:
    n = f"N={result.synthetic:,} ({result.pages:,} pages)"
    on = Sample.of([result.pages / run.seconds for run in result.captured])
    off = Sample.of([result.pages / run.seconds for run in result.uncaptured])
    per_article = result.articles or 1
    first = Sample.of([size / per_article for size in result.first_bytes])
    bodies = Sample.of([size / per_article for size in result.body_bytes])
    recrawl = Sample.of([size / per_article for size in result.recrawl_bytes])
    cpu_on = Sample.of([run.cpu_seconds * 1000 / result.pages for run in result.captured])
    cpu_off = Sample.of([run.cpu_seconds * 1000 / result.pages for run in result.uncaptured])
    return [
        Row(f"WARC capture: crawl pages/s, on ÷ off, {n}", on, "pages/s", off, "capture off",
            on.per(off), at_least(0.95)),
        Row(f"WARC capture: crawl CPU ms per page, on ÷ off, N={result.synthetic:,}", cpu_on,
            "ms", cpu_off, "capture off", cpu_on.per(cpu_off)),
        Row(f"WARC bytes per article, first crawl, N={result.synthetic:,}", first, "B",
            bodies, "bodies received", first.per(bodies)),
        Row(f"WARC bytes per article, unchanged re-crawl, N={result.synthetic:,}", recrawl, "B",
            first, "first crawl", recrawl.per(first), at_most(0.05)),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.warc",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the quick plan's size and repeats")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    with tempfile.TemporaryDirectory(prefix="bench-warc-") as work:
        blog = ServedBlog.start(plan.crawl_sizes[0], Path(work) / "blog.log")
        try:
            blog.wait_ready()
            print(text_table(rows(measure(blog, Path(work), plan.warc_repeats))))
        finally:
            blog.stop()


if __name__ == "__main__":
    sys.exit(main())
