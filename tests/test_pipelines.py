"""The archive pipeline when the archive refuses a write: the good fetches still land, and
the refusal is recorded and reported, never silently dropped."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from archive import Archive
from scraper.bundled_blog.server import BlogServer
from tests.conftest import crawl_blog

#: A post of the bundled blog whose archive writes the tests make fail.
REFUSED_SLUG = "running-socks"


def archive_refusing(db: Path, table: str) -> None:
    """An archive whose ``table`` refuses rows about the refused post, as a constraint or a
    damaged index would."""
    Archive.open(db).close()
    sqlite_utils.Database(db).execute(
        f"create trigger refuse before insert on {table} when new.url like '%/{REFUSED_SLUG}/%' "
        "begin select raise(abort, 'refused by the test'); end")


def test_a_fetch_the_archive_refuses_is_an_error_and_the_rest_lands(
        blog_server: BlogServer, tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    archive_refusing(db, "articles")
    crawl = crawl_blog(blog_server, db)
    assert crawl.result.returncode == 1, crawl.result.stderr
    refused = crawl.url(f"/en/{REFUSED_SLUG}/")
    assert f"failed: {refused}: could not be archived: refused by the test" in \
        crawl.result.stderr.splitlines()
    archived = {row["url"] for row in crawl.db["articles"].rows}
    expected = {crawl.url(path) for path in blog_server.blog.article_paths("en")}
    assert archived == expected - {refused}
    (run,) = crawl.db["crawl_runs"].rows
    assert run["status"] == "finished" and run["errors"] >= 2  # the refusal and the dead link


def test_an_archive_that_refuses_even_the_error_record_fails_the_run_loudly(
        blog_server: BlogServer, tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    archive_refusing(db, "fetches")
    crawl = crawl_blog(blog_server, db)
    assert crawl.result.returncode == 4
    lines = crawl.result.stderr.strip().splitlines()
    assert lines[-1].startswith("blog-archive: error: 1 fetched pages could not be written to ")
    assert "refused by the test" in lines[-1] and "fetches them again" in lines[-1]
    assert crawl.db["articles"].count == len(blog_server.blog.article_paths("en")) - 1
