"""Sizes and repeats of a bench run: the full one for ``make bench``, a quick one to check the
harness.

The full plan fits the 20-minute budget of issue 8 on a shared two-core machine: three repeats
wherever a repeat costs seconds, and at N=10,000, where one round of crawls costs minutes,
a second round only when the run is still early enough to finish within ``budget_seconds``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    name: str
    crawl_sizes: tuple[int, ...]
    #: Most rounds per crawl size; a round after the first is skipped if it would end past
    #: ``budget_seconds`` from the start of the run.
    crawl_repeats: tuple[int, ...]
    extraction_synthetic: int
    extraction_repeats: int
    upsert_articles: int
    upsert_repeats: int
    archive_sizes: tuple[int, int]
    queries: int
    search_passes: int
    export_repeats: int
    budget_seconds: float
    #: Interleaved speed passes over the real-page body set, and how many pages of each real
    #: set to take (None: all of them).
    corpus_repeats: int = 3
    corpus_pages: int | None = None
    #: Synthetic posts added to the bundled blog whose crawl is re-extracted, and repeats.
    reextract_synthetic: int = 150
    reextract_repeats: int = 5
    #: Rounds of (capture on, capture off, re-crawl) at the smallest crawl size (bench/warc.py):
    #: five, as a round costs about 15 s and the ratio of two 4-second crawls is noisy.
    warc_repeats: int = 5
    #: The blog (one of ``crawl_sizes``) the crawls with a writer process run against.
    writer_crawl_size: int = 2_000
    #: Crawler process counts of the shared-frontier crawls, and the requests queued and
    #: fingerprints stored to measure Redis memory (bench/frontier.py).
    frontier_processes: tuple[int, ...] = (1, 2, 4)
    frontier_queued: int = 100_000
    frontier_fingerprints: int = 1_000_000


FULL = Plan(name="full", crawl_sizes=(500, 2_000, 10_000), crawl_repeats=(3, 3, 2),
            extraction_synthetic=150, extraction_repeats=5, upsert_articles=2_000,
            upsert_repeats=3, archive_sizes=(10_000, 50_000), queries=200, search_passes=3,
            export_repeats=3, budget_seconds=18 * 60)
QUICK = Plan(name="quick", crawl_sizes=(20, 60), crawl_repeats=(1, 1), extraction_synthetic=5,
             extraction_repeats=1, upsert_articles=100, upsert_repeats=1,
             archive_sizes=(300, 1_000), queries=20, search_passes=1, export_repeats=1,
             budget_seconds=50, reextract_synthetic=0, reextract_repeats=1,
             warc_repeats=1, writer_crawl_size=60,
             frontier_processes=(1, 2), frontier_queued=1_000, frontier_fingerprints=10_000)
