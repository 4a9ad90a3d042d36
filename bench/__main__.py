"""``python -m bench [--quick] [--out DIR]``: measure every figure of issue 8, print one table,
write ``DIR/results.md`` and ``DIR/results.png`` (DIR defaults to ``bench/``).

The order is chosen for a shared two-core machine. The synthetic blogs take a while to build
and render at 10,000 posts, so their servers start first, in their own processes, while this
process builds the (unmeasured) 10,000- and 50,000-article archives; nothing is timed until
every server is ready and idle. The crawls come last, and a repeat after the first runs only if
it fits the time budget. The bench exits 0 when targets are missed: it reports, it does not test.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench import (
    archive,
    corpora,
    crawl,
    export,
    extraction,
    frontier,
    plot,
    reextract,
    report,
    synthetic,
    warc,
    writer,
)
from bench.harness import Row, in_fresh_process, text_table
from bench.plan import FULL, QUICK, Plan


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def run(plan: Plan, out: Path, corpora_dir: Path) -> None:
    started = time.monotonic()
    (out / "out").mkdir(parents=True, exist_ok=True)
    # A folder of its own: a second bench started meanwhile must not delete this one's files.
    work = Path(tempfile.mkdtemp(prefix="run-", dir=out / "out"))
    notes = report.Notes(plan=plan)
    say(f"starting the synthetic blogs (N = {', '.join(map(str, plan.crawl_sizes))})")
    blogs = [crawl.ServedBlog.start(size, work / f"blog-{size}.log") for size in plan.crawl_sizes]
    try:
        vocabulary = synthetic.Vocabulary.build()
        small, large = plan.archive_sizes
        say(f"building archives of {small:,} and {large:,} synthetic articles (not timed)")
        small_db, large_db = work / f"archive-{small}.db", work / f"archive-{large}.db"
        notes.archive_build[small] = archive.build(small_db, small, 0, vocabulary)
        shutil.copyfile(small_db, large_db)
        notes.archive_build[large] = notes.archive_build[small] + archive.build(
            large_db, large - small, small, vocabulary)
        say("waiting for the synthetic blogs to be built and rendered")
        for blog in blogs:
            blog.wait_ready()
            notes.blogs[blog.synthetic] = (blog.build_seconds, blog.render_seconds, blog.pages)

        rows: list[Row] = []
        say("extraction")
        rows += in_fresh_process(extraction.measure, plan.extraction_synthetic,
                                 plan.extraction_repeats)
        say("re-extraction of a crawled archive's stored responses")
        rows += in_fresh_process(reextract.measure, plan.reextract_synthetic,
                                 plan.reextract_repeats, work)
        say(f"extraction quality on the real pages of {corpora_dir}")
        rows += in_fresh_process(corpora.rows, corpora_dir, plan.corpus_repeats,
                                 plan.corpus_pages)
        say("archive writes")
        rows.append(archive.measure_upsert(plan.upsert_articles, plan.upsert_repeats, work,
                                           vocabulary))
        say("the one writer (ingest from Redis)")
        rows.append(writer.measure_ingest(plan.upsert_articles, plan.upsert_repeats, work,
                                          vocabulary))
        rows += writer.measure_redis_memory(plan.upsert_articles * 5, vocabulary)
        queries = synthetic.search_queries(plan.queries, vocabulary=vocabulary)
        exports = []
        for size, db in ((small, small_db), (large, large_db)):
            say(f"search and exports at {size:,} articles")
            rows += archive.measure_search(db, size, queries, plan.search_passes)
            exports.append(export.measure(db, size, plan.export_repeats, work))
        rows += export.speed_rows(exports[0] + exports[1])
        rows += export.memory_rows(*exports)

        crawls = []
        deadline = started + plan.budget_seconds
        for blog, repeats in zip(blogs, plan.crawl_repeats, strict=True):
            say(f"crawls at N = {blog.synthetic:,} (up to {repeats} repeats)")
            crawls.append(crawl.measure_size(blog, work, repeats, deadline))
        rows += crawl.rows(crawls)
        say(f"crawls with a writer process at N = {plan.writer_crawl_size:,}")
        rows += writer.measure_crawl(
            next(blog for blog in blogs if blog.synthetic == plan.writer_crawl_size), work,
            max(plan.crawl_repeats), deadline)
        largest = max(blogs, key=lambda blog: blog.synthetic)
        say(f"shared-frontier crawls at N = {largest.synthetic:,}, and Redis memory")
        rows += frontier.measure(largest, work, plan)
        notes.growth_exponent = crawl.growth_exponent(crawls)
        say(f"WARC capture at N = {blogs[0].synthetic:,} ({plan.warc_repeats} repeats)")
        rows += warc.rows(warc.measure(blogs[0], work, plan.warc_repeats))
        notes.crawl_repeats = {result.synthetic: len(result.first) for result in crawls}
    finally:
        for blog in blogs:
            blog.stop()
    plot.write(crawls, out / "results.png")
    notes.seconds = time.monotonic() - started
    (out / "results.md").write_text(report.markdown(rows, notes), encoding="utf-8")
    shutil.rmtree(work)
    with contextlib.suppress(OSError):  # still in use by another run: leave it
        work.parent.rmdir()
    print(text_table(rows))
    print(f"\n{report.summary(rows, notes)}; results in {out / 'results.md'} and "
          f"{out / 'results.png'}")


def run_writer(plan: Plan, out: Path) -> None:
    """Only the figures of the one writer (bench/writer.py): what ``--only writer`` runs, so
    they can be measured without the whole bench; printed, not written to results.md."""
    (out / "out").mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="writer-", dir=out / "out"))
    say(f"starting the synthetic blog (N = {plan.writer_crawl_size})")
    blog = crawl.ServedBlog.start(plan.writer_crawl_size, work / "blog.log")
    try:
        vocabulary = synthetic.Vocabulary.build()
        say("the one writer (ingest from Redis)")
        rows = [writer.measure_ingest(plan.upsert_articles, plan.upsert_repeats, work,
                                      vocabulary),
                *writer.measure_redis_memory(plan.upsert_articles * 5, vocabulary)]
        blog.wait_ready()
        say(f"crawls with a writer process at N = {plan.writer_crawl_size:,}")
        rows += writer.measure_crawl(blog, work, max(plan.crawl_repeats),
                                     time.monotonic() + plan.budget_seconds)
    finally:
        blog.stop()
    shutil.rmtree(work)
    print(text_table(rows))


def run_frontier(plan: Plan, out: Path) -> None:
    """Only the shared frontier's figures (bench/frontier.py), against the largest blog: what
    ``--only frontier`` runs; printed, not written to results.md."""
    (out / "out").mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="frontier-", dir=out / "out"))
    size = max(plan.crawl_sizes)
    say(f"starting the synthetic blog (N = {size:,})")
    blog = crawl.ServedBlog.start(size, work / "blog.log")
    try:
        blog.wait_ready()
        say(f"shared-frontier crawls at N = {size:,}, and Redis memory")
        rows = frontier.measure(blog, work, plan)
    finally:
        blog.stop()
    shutil.rmtree(work)
    print(text_table(rows))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes and one repeat: checks the harness in seconds")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent,
                        help="folder for results.md and results.png (default: bench/); "
                             "scratch files go to OUT/out/run-*/ and are removed at the end")
    parser.add_argument("--corpora", type=Path, default=corpora.DEFAULT_CORPORA,
                        help="folder holding the real-page sets aeb/ and dates-mediacloud/ "
                             "(default: ../shared/corpora beside the checkout)")
    parser.add_argument("--only", choices=["writer", "frontier"],
                        help="measure only this section's figures and print them")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.only is not None:
        {"writer": run_writer, "frontier": run_frontier}[args.only](
            QUICK if args.quick else FULL, args.out)
        return
    try:
        corpora.require(args.corpora)
    except corpora.CorpusMissingError as error:
        parser.error(str(error))
    run(QUICK if args.quick else FULL, args.out, args.corpora)


if __name__ == "__main__":
    main()
