"""Run one crawl into an archive, from Python: what ``blog-archive crawl`` and the demo call.

A crawl runs in this process with Scrapy's ``CrawlerProcess`` and the project's settings
module, so it behaves exactly as ``scrapy crawl blog`` and a Scrapyd job do; only the knobs a
user gives (archive path, site, page budget, ``-s`` overrides) differ.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from archive import Archive
from archive.lock import ArchiveLock
from scraper.spiders.blog import BlogSpider


@dataclass
class CrawlOptions:
    db: Path
    site: str | None = None
    start_url: str | None = None
    max_pages: int | None = None
    full: bool = False
    trigger: str = "cli"
    log_level: str = "CRITICAL"
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass
class CrawlResult:
    """The run's ``crawl_runs`` row, its failed fetches, and how long it took."""

    run: dict[str, Any]
    failures: list[dict[str, Any]]
    seconds: float

    @property
    def reached_site(self) -> bool:
        return bool(self.run.get("pages_fetched"))


def project_settings(overrides: dict[str, Any] | None = None) -> Settings:
    """The settings of ``scraper/settings.py``, wherever the package is installed."""
    settings = Settings()
    settings.setmodule("scraper.settings", priority="project")
    settings.update(overrides or {}, priority="cmdline")
    return settings


def run_crawl(options: CrawlOptions) -> CrawlResult:
    """Crawl into ``options.db`` while holding its lock; raises ``ArchiveLockedError`` at once
    when another crawl holds it, and ``ArchiveError`` when the archive cannot be opened."""
    Archive.open(options.db).close()  # fail fast, before the reactor starts, on a bad path
    settings = project_settings({
        **options.settings,
        "ARCHIVE_DB": str(options.db),
        "ARCHIVE_LOCK_HELD": True,
        "CRAWL_TRIGGER": options.trigger,
        "LOG_LEVEL": options.log_level,
    })
    started = time.monotonic()
    with ArchiveLock(options.db):
        process = CrawlerProcess(settings)
        crawler = process.create_crawler(BlogSpider)
        process.crawl(crawler, site=options.site, start_url=options.start_url,
                      full=options.full, max_pages=options.max_pages)
        process.start()
    seconds = time.monotonic() - started
    run_id = crawler.stats.get_value("blog_archive/run_id")
    archive = Archive.open(options.db)
    try:
        run = archive.db["crawl_runs"].get(run_id)
        failures = list(archive.db.query(
            "select url, status, error_kind, error from fetches "
            "where crawl_run_id = ? and outcome = 'error' order by id",
            [run_id],
        ))
    finally:
        archive.close()
    return CrawlResult(run=run, failures=failures, seconds=seconds)
