"""Archive figures: writing articles (upsert + FTS) against sqlite-utils, and search latency.

Writes go through ``Archive.record_fetches`` in batches of 50, one transaction each, exactly as
the crawl's pipeline writes them. The baseline writes the same article rows and teasers with
sqlite-utils ``insert_all`` into a table with the same FTS5 index (Porter stemming, triggers),
also one transaction per batch of 50, with the same journal settings. Both start from an empty
file whose schema is already in place, so only the writes are timed.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path

from sqlite_utils import Database

from archive import Archive
from archive.records import Article
from bench import synthetic
from bench.harness import Row, Sample, at_least, at_most, interleave, timed

BATCH = 50
_PRAGMAS = ("journal_mode=WAL", "synchronous=NORMAL")
_FTS_COLUMNS = ["title", "body_text", "teaser_text"]


def fresh(path: Path) -> Path:
    """``path`` with no database (nor WAL files) left from an earlier repeat."""
    for leftover in path.parent.glob(f"{path.name}*"):
        leftover.unlink()
    return path


def write(archive: Archive, articles: Iterable[Article]) -> None:
    """Record ``articles`` as one crawl run's fetches, in the crawl's batches."""
    run_id = archive.start_run(site=synthetic.SITE, trigger="bench", app_version="bench",
                               scrapy_version="bench")
    remaining = iter(articles)
    while batch := list(islice(remaining, BATCH)):
        archive.record_fetches(run_id, [synthetic.fetch_of(article) for article in batch])
    archive.finish_run(run_id, status="finished", finish_reason="finished", stats={})


def sqlite_utils_baseline(path: Path, first: dict[str, object]) -> Database:
    """An empty database shaped like the archive's articles + teasers, FTS on the same columns."""
    db = Database(fresh(path))
    for pragma in _PRAGMAS:
        db.execute(f"PRAGMA {pragma}")
    types = {name: int if isinstance(value, int) else str for name, value in first.items()}
    db["articles"].create({"id": int, **types}, pk="id")
    db["articles"].enable_fts(_FTS_COLUMNS, create_triggers=True, tokenize="porter")
    db["teasers"].create({"article_url": str, "position": int, "target_url": str, "title": str,
                          "text": str})
    return db


def measure_upsert(count: int, repeats: int, work: Path,
                   vocabulary: synthetic.Vocabulary) -> Row:
    articles = list(synthetic.articles(count, vocabulary=vocabulary))
    rows = [synthetic.article_row(article) for article in articles]
    teasers = [synthetic.teaser_rows(article) for article in articles]

    def ours() -> float:
        with Archive.open(fresh(work / "upsert-ours.db")) as archive:
            return count / timed(lambda: write(archive, articles))

    def baseline() -> float:
        db = sqlite_utils_baseline(work / "upsert-sqlite-utils.db", rows[0])

        def insert() -> None:
            for start in range(0, count, BATCH):
                with db.atomic():
                    db["articles"].insert_all(rows[start:start + BATCH], batch_size=BATCH)
                    db["teasers"].insert_all(
                        [row for group in teasers[start:start + BATCH] for row in group],
                        batch_size=BATCH)

        try:
            return count / timed(insert)
        finally:
            db.close()

    ours_rate, baseline_rate = (Sample.of(v) for v in interleave(ours, baseline,
                                                                   repeats=repeats))
    return Row(f"archive upsert+FTS speed / sqlite-utils insert_all+FTS, {count:,} articles",
               ours_rate, "rows/s", baseline_rate, "sqlite-utils", ours_rate.per(baseline_rate),
               at_least(0.7))


def build(path: Path, count: int, start: int, vocabulary: synthetic.Vocabulary) -> float:
    """Add ``count`` synthetic articles, numbered from ``start``, to the archive at ``path``;
    returns the seconds it took (reported as a note, not a figure)."""
    with Archive.open(path) as archive:
        return timed(lambda: write(archive, synthetic.articles(count, start=start,
                                                               vocabulary=vocabulary)))


def percentile(values: list[float], percent: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def measure_search(path: Path, size: int, queries: list[str], passes: int) -> list[Row]:
    """p50 and p95 latency of ``queries`` through ``Archive.search`` (what ``blog-archive
    search`` runs), against sqlite-utils ``Table.search`` on the same FTS index, both asking
    for 20 hits; one pass of every query per repeat, ours and the baseline interleaved."""
    archive = Archive.open(path)
    baseline_db = Database(path)

    def ours(query: str) -> object:
        return archive.search(query, limit=20)

    def baseline(query: str) -> object:
        return list(baseline_db["articles"].search(query, limit=20))

    def latencies(search: Callable[[str], object]) -> Iterator[float]:
        for query in queries:
            yield 1000 * timed(lambda query=query: search(query))

    try:
        for search in (ours, baseline):  # warm-up: the page cache, off the clock
            list(latencies(search))
        ours_ms, baseline_ms = interleave(lambda: list(latencies(ours)),
                                          lambda: list(latencies(baseline)), repeats=passes)
    finally:
        archive.close()
        baseline_db.close()
    table = []
    for label, percent, target in (("p50", 50, None), ("p95", 95, at_most(20, on="value"))):
        value = Sample.of([percentile(run, percent) for run in ours_ms])
        base = Sample.of([percentile(run, percent) for run in baseline_ms])
        table.append(Row(f"search {label}, {size:,} articles ({len(queries)} queries)", value,
                         "ms", base, "sqlite-utils search", value.per(base), target))
    return table
