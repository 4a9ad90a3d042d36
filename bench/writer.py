"""Writer figures (issue 18): the one writer's rows/s, and a local crawl with a writer process.

* ``blog-archive ingest`` against the in-process pipeline, on the same records. The baseline
  is what ``ArchivePipeline`` does with ``ARCHIVE_WRITER=inline``: ``Writer.record`` in
  batches of ``ARCHIVE_BATCH_SIZE`` (50) on the crawl's thread. Ingest gets the same fetch
  records already pushed to a real Redis server (pushing is the crawlers' cost, not the
  writer's) and is timed from its start (connect, lock, open the archive, publish the state)
  until the archive is closed after the run's end, acknowledgements, deletions and state
  updates included; the baseline likewise from opening the archive to closing it (a crawl's
  pipeline opens and closes it too), so the two closes' checkpoints weigh on both sides.
* Redis memory held by the writer's side of a crawl on many machines: fetch records waiting
  in the stream for a writer that lags (or is down), and the archive's state published for
  the crawlers (known articles, validators, confirmation times), per article.
* ``blog-archive crawl`` with ``ARCHIVE_WRITER=process`` against bare Scrapy over the same
  URLs, with the inline crawl in the same rounds for comparison: three child processes in
  turn against the same served blog, as bench/crawl.py runs them; and, for context, the
  ceiling of any crawl that extracts on the reactor thread (``EXTRACTION_WORKERS=0``, the
  default; scraper/extraction_pool.py is the opt-in worker): bare Scrapy's time per page plus
  ``extract()``'s, timed alone in the same run.
"""

from __future__ import annotations

import sys
import time
from itertools import islice
from pathlib import Path

from archive import Archive
from archive.ingest import Until, ingest
from archive.stream import (
    SiteState,
    publish_fetches,
    publish_run_end,
    publish_run_start,
    replace_state,
)
from archive.writer import Writer
from bench import synthetic
from bench.archive import fresh
from bench.crawl import (
    CONCURRENCY,
    CRAWL_EXIT_CODES,
    ServedBlog,
    check_bare_fetched_all,
    crawl_command,
    fetched_urls,
)
from bench.extraction import corpus, ours
from bench.harness import MB, ChildRun, Row, Sample, at_least, interleave, run_child, timed
from tests.redis_server import redis_server

#: ARCHIVE_BATCH_SIZE: the pipeline's batch.
PIPELINE_BATCH = 50
#: Synthetic posts beside the bundled ones when timing extraction alone.
_EXTRACTED_SYNTHETIC = 100
#: Fetch records pushed per round trip while preparing the stream (not timed).
_PUSH_BATCH = 500


def measure_ingest(count: int, repeats: int, work: Path,
                   vocabulary: synthetic.Vocabulary) -> Row:
    fetches = [synthetic.fetch_of(article)
               for article in synthetic.articles(count, vocabulary=vocabulary)]
    with redis_server() as server:
        def through_ingest() -> float:
            server.flush()
            client = server.client()
            publish_run_start(client, "bench", synthetic.SITE, "bench",
                              {"app": "bench", "scrapy": "bench"})
            remaining = iter(fetches)
            while batch := list(islice(remaining, _PUSH_BATCH)):
                publish_fetches(client, "bench", synthetic.SITE, "bench", batch)
            publish_run_end(client, "bench", "finished")
            db = fresh(work / "writer-ingest.db")
            Archive.open(db).close()  # the schema in place, as for the baseline
            return count / timed(lambda: ingest(server.url, db, Until.RUN_ENDS))

        def inline() -> float:
            db = fresh(work / "writer-inline.db")
            Archive.open(db).close()  # the schema in place, as for ingest

            def write() -> None:
                """Timed as ingest is: from opening the archive to closing it."""
                with Archive.open(db) as archive:
                    writer = Writer(archive)
                    writer.start("bench", synthetic.SITE, "bench", "bench", "bench")
                    for start in range(0, count, PIPELINE_BATCH):
                        writer.record("bench", synthetic.SITE,
                                      fetches[start:start + PIPELINE_BATCH])
                    writer.end("bench", "finished")

            return count / timed(write)

        ours, baseline = (Sample.of(values)
                          for values in interleave(through_ingest, inline, repeats=repeats))
    return Row(f"writer rows/s (ingest from Redis), {count:,} articles", ours, "rows/s",
               baseline, "in-process pipeline", ours.per(baseline), at_least(1.0))


def measure_redis_memory(count: int, vocabulary: synthetic.Vocabulary) -> list[Row]:
    """Bytes Redis holds for ``count`` fetch records waiting in the stream, and for the
    published state of ``count`` articles (as the writer publishes a site's), per article."""
    articles = list(synthetic.articles(count, vocabulary=vocabulary))
    with redis_server() as server:
        client = server.client()

        def used() -> int:
            return int(client.info("memory")["used_memory"])

        empty = used()
        for start in range(0, count, _PUSH_BATCH):
            publish_fetches(client, "bench", synthetic.SITE, "bench",
                            [synthetic.fetch_of(a) for a in articles[start:start + _PUSH_BATCH]])
        waiting = used() - empty
        server.flush()
        empty = used()
        replace_state(client, synthetic.SITE, SiteState(
            known_articles={a.url for a in articles},
            validators={a.url: (f'"{a.content_hash[:20]}"', "Mon, 01 Jan 2024 00:00:00 GMT")
                        for a in articles},
            confirmed_at={a.url: "2026-12-06T22:00:00+00:00" for a in articles}))
        state = used() - empty
    per = 1_000_000 / count
    return [
        Row(f"Redis memory, fetch records waiting for the writer, per 1,000,000 "
            f"(measured on {count:,} synthetic articles)", Sample.of([waiting * per / MB]), "MB"),
        Row(f"Redis memory, published archive state, per 1,000,000 articles "
            f"(measured on {count:,})", Sample.of([state * per / MB]), "MB"),
    ]


def measure_crawl(blog: ServedBlog, work: Path, repeats: int, deadline: float) -> list[Row]:
    """Rounds of (crawl with a writer process, bare spider, inline crawl); a round after the
    first only if it can end before ``deadline`` (monotonic)."""
    process: list[ChildRun] = []
    bare: list[ChildRun] = []
    inline: list[ChildRun] = []
    urls_file = work / f"writer-urls-{blog.synthetic}.txt"
    pages = 0
    for repeat in range(repeats):
        round_started = time.monotonic()
        for writer, runs in (("process", process), ("inline", inline)):
            db = fresh(work / f"writer-crawl-{writer}-{repeat}.db")
            runs.append(run_child([*crawl_command(blog.base_url, db), "-s",
                                   f"ARCHIVE_WRITER={writer}"], log=work / "crawl.log",
                                  ok_codes=CRAWL_EXIT_CODES))
            if not pages:
                pages = len(urls := fetched_urls(db))
                urls_file.write_text("\n".join(urls), encoding="utf-8")
            if writer == "process":
                bare.append(run_child(
                    [sys.executable, "-m", "bench.bare_spider", str(urls_file), str(CONCURRENCY)],
                    log=work / "bare.log", stdout=work / "bare-stats.json"))
                check_bare_fetched_all(work / "bare-stats.json", pages)
        if time.monotonic() + (time.monotonic() - round_started) > deadline:
            break

    def rate(runs: list[ChildRun]) -> Sample:
        return Sample.of([pages / run.seconds for run in runs])

    n = f"N={blog.synthetic:,} ({pages:,} pages)"
    extraction = extraction_rate(len(bare))
    ceiling = Sample.of([1 / (1 / fetched + 1 / extracted) for fetched, extracted
                         in zip(rate(bare).values, extraction.values, strict=True)])
    return [
        Row(f"crawl pages/s, writer process, {n}", rate(process), "pages/s", rate(bare),
            "bare Scrapy", rate(process).per(rate(bare)), at_least(0.8)),
        Row(f"crawl pages/s, inline writes, {n}", rate(inline), "pages/s", rate(bare),
            "bare Scrapy", rate(inline).per(rate(bare)), at_least(0.8)),
        Row(f"ceiling of a crawl extracting on the reactor thread, {n}: bare Scrapy's "
            "time plus extraction's", ceiling, "pages/s", rate(bare), "bare Scrapy",
            ceiling.per(rate(bare))),
    ]


def extraction_rate(repeats: int) -> Sample:
    """Pages/s of ``extract()`` alone over the bundled blog's article pages and synthetic
    ones: what the reactor thread spends per page on top of fetching, whoever writes."""
    pages = corpus(_EXTRACTED_SYNTHETIC)
    return Sample.of([len(pages) / timed(lambda: [ours(page) for page in pages])
                      for _ in range(repeats)])


def main(argv: list[str] | None = None) -> None:
    """``python -m bench.writer [--articles N] [--repeats R]``: the ingest row alone, so the
    writer's rows/s can be measured while working on ingest without the crawls of ``--only
    writer`` (minutes) or the whole bench; printed, not written to results.md."""
    import argparse

    from bench.harness import scratch, text_table
    from bench.plan import FULL

    parser = argparse.ArgumentParser(prog="python -m bench.writer",
                                     description=main.__doc__.split("\n")[0] if main.__doc__
                                     else None)
    parser.add_argument("--articles", type=int, default=FULL.upsert_articles)
    parser.add_argument("--repeats", type=int, default=FULL.upsert_repeats)
    args = parser.parse_args(argv)
    with scratch("ingest-") as work:
        row = measure_ingest(args.articles, args.repeats, work, synthetic.Vocabulary.build())
    print(text_table([row]))


if __name__ == "__main__":
    main()
