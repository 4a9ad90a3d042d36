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


def archive_refusing(db: Path, table: str,
                     action: str = "select raise(abort, 'refused by the test')") -> None:
    """An archive whose ``table`` fails on rows about the refused post: by default with a
    constraint error, as a unique index would."""
    Archive.open(db).close()
    sqlite_utils.Database(db).execute(
        f"create trigger refuse before insert on {table} when new.url like '%/{REFUSED_SLUG}/%' "
        f"begin {action}; end")


def test_a_fetch_the_archive_refuses_is_an_error_and_the_rest_lands(
        blog_server: BlogServer, tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    archive_refusing(db, "articles")
    crawl = crawl_blog(blog_server, db)
    assert crawl.result.returncode == 1, crawl.result.stderr
    refused = crawl.url(f"/en/{REFUSED_SLUG}/")
    assert any(line.startswith(f"failed: {refused}: could not be archived: refused by the "
                               "test (run ") for line in crawl.result.stderr.splitlines())
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


def test_an_archive_that_fails_as_a_whole_accounts_for_every_fetch(
        blog_server: BlogServer, tmp_path: Path) -> None:
    """An error about the archive, not a row (a trigger on a missing table fails every
    insert, as a held lock or a full disk would): nothing is retried fetch after fetch,
    and every fetched page is counted and reported as unwritten, none silently dropped."""
    db = tmp_path / "archive.db"
    archive_refusing(db, "fetches", "insert into nowhere values (1)")
    crawl = crawl_blog(blog_server, db)
    assert crawl.result.returncode == 4
    last = crawl.result.stderr.strip().splitlines()[-1]
    assert last.endswith("(no such table: main.nowhere); the next run fetches them again")
    fetched = [path for _, path, _, _ in crawl.requests if path != "/robots.txt"]
    assert last.startswith(f"blog-archive: error: {len(fetched)} fetched pages could not be")
    assert crawl.db["fetches"].count == 0
