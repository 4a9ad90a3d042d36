"""``blog-archive demo``: the whole path on the bundled blog, in one command.

It serves the bundled copy of the blog on a free loopback port, crawls it with the same code
and settings a real crawl uses, exports the archive, runs one search and prints what happened,
so a new user sees every part working before pointing the tool at a real site.
"""

from __future__ import annotations

from pathlib import Path

import click

from archive import Archive
from exports import write_export
from scraper.bundled_blog.server import BlogServer
from scraper.cli import execute_crawl
from scraper.crawl import CrawlOptions, CrawlResult

DEMO_SITE = "sbiegacza-en"
DEMO_QUERY = "roller"
#: (file name, format, table) of every export the demo writes.
DEMO_EXPORTS = (
    ("articles.json", "json", "articles"),
    ("articles.jsonl", "jsonl", "articles"),
    ("articles.csv", "csv", "articles"),
    ("teasers.csv", "csv", "teasers"),
)


def run_demo(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    db = out / "archive.db"
    remove_archive(db)  # the blog is served on a new port each time: start from scratch
    with BlogServer() as server:
        start_url = f"{server.base_url}/en/"
        site_articles = {f"{server.base_url}{path}" for path in server.blog.article_paths("en")}
        click.echo(f"Serving the bundled blog at {start_url} ({len(site_articles)} articles)")
        result = execute_crawl(CrawlOptions(db=db, site=DEMO_SITE, start_url=start_url,
                                            trigger="demo"))
    print_crawl(result, db, site_articles)
    for name, export_format, table in DEMO_EXPORTS:
        rows = write_export(db, out / name, export_format, table=table)
        click.echo(f"Exported {rows} rows to {out / name}")
    print_search(db)


def remove_archive(db: Path) -> None:
    """The demo's archive and its WARC files (its runs count from 1 again)."""
    warc_files = db.parent.joinpath(f"{db.stem}.warc").glob("run-*.warc.gz")
    for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), *warc_files):
        path.unlink(missing_ok=True)


def print_crawl(result: CrawlResult, db: Path, site_articles: set[str]) -> None:
    archive = Archive.open(db)
    try:
        archived = archive.article_urls(DEMO_SITE)
        teasers = archive.db["teasers"].count
        redirects = list(archive.db.query(
            "select url, redirect_to from fetches where crawl_run_id = ? and outcome = "
            "'redirected' order by url", [result.run["id"]]))
        warc = archive.db.execute(
            "select warc_path, max(warc_offset + warc_length) from fetches "
            "where crawl_run_id = ? and warc_path is not null", [result.run["id"]]).fetchone()
        incomplete = list(archive.db.query(
            "select url, read_time_minutes is null as no_read_time, published is null as no_date "
            "from articles where read_time_minutes is null or published is null order by url"
        ))
    finally:
        archive.close()
    click.echo(
        f"Crawled {result.run['pages_fetched']} pages in {result.seconds:.1f}s: "
        f"{len(archived)} of the site's {len(site_articles)} articles archived, "
        f"{teasers} teaser links"
    )
    for url in sorted(site_articles - archived):
        click.echo(f"  not archived: {url}")
    for row in redirects:
        click.echo(f"  redirected: {row['url']} -> {row['redirect_to']}")
    if warc[0]:
        click.echo(f"Kept every answer as WARC records in {db.parent / warc[0]} "
                   f"({warc[1] / 1024:.0f} KiB)")
    click.echo(f"Pages that failed: {len(result.failures)}")
    for failure in result.failures:
        click.echo(f"  {failure['url']}: {failure['error']}")
    for row in incomplete:
        missing = [name for name in ("no_read_time", "no_date") if row[name]]
        click.echo(f"  archived without {' and '.join(m[3:].replace('_', ' ') for m in missing)}:"
                   f" {row['url']}")


def print_search(db: Path) -> None:
    archive = Archive.open(db)
    try:
        hits = archive.search(DEMO_QUERY, limit=3)
    finally:
        archive.close()
    click.echo(f"Search {DEMO_QUERY!r}: {len(hits)} top hits")
    for hit in hits:
        click.echo(f"  {hit['title']} — {hit['url']}")
