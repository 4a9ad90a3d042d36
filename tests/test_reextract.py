"""``blog-archive reextract``: today's extractor over the responses a crawl stored, no network.

The archive comes from real crawls of the bundled blog whose theme was redesigned so that the
extractor no longer reads its read time ("Takes 6 minutes" in a renamed item), then a second
crawl after a post was removed (it is gone; the others answer ``304`` and are stored as
revisit records). The server is stopped before anything is re-extracted. "Today's extractor"
is the same release with a site profile that learned the redesign's words: the command runs
in a child process whose profile table carries them, as an upgraded install would.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlite_utils
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive import Archive
from archive.lock import ArchiveLock, locked_elsewhere
from scraper.bundled_blog import BlogServer, theme
from tests.conftest import Crawl, crawl_blog, run_blog_archive

#: ``blog-archive`` of a release whose ``sbiegacza-en`` profile reads the redesigned label.
_IMPROVED = (
    "import dataclasses, sys; from scraper import profiles; "
    "from scraper.bundled_blog.theme import REDESIGNED_READ_TIME_LABELS as labels; "
    "profiles.PROFILES['sbiegacza-en'] = dataclasses.replace("
    "profiles.PROFILES['sbiegacza-en'], labels=labels); "
    "from scraper.cli import main; main()"
)
#: The tables a re-extraction may touch, each with its key (teasers have no rowid).
_TABLES = {"articles": "id", "article_versions": "id", "teasers": "article_id, position",
           "fetches": "id", "crawl_runs": "id"}
#: One crawl of the redesigned blog for the whole module, in one worker.
pytestmark = pytest.mark.xdist_group("reextract")


def improved(*args: str | Path, **popen: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _IMPROVED, *map(str, args)],
                          capture_output=True, text=True, timeout=120, **popen)


def start_improved(*args: str | Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", _IMPROVED, *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def redesigned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Crawl, str]]:
    """Two crawls of the redesigned blog, the second after one post was removed; the server
    is stopped. The crawl of the first run, and the removed post's URL."""
    db = tmp_path_factory.mktemp("redesigned") / "archive.db"
    with BlogServer() as server:
        server.blog.redesign_read_time()
        first = crawl_blog(server, db)
        assert first.result.returncode in (0, 1), first.result.stderr
        removed = server.blog.by_language("en")[5]
        server.blog.remove(removed.slug)
        second = crawl_blog(server, db, "-s", "TRUST_SITEMAP_LASTMOD=False")
        assert second.result.returncode in (0, 1), second.result.stderr
    yield first, first.url(removed.path)


class ConnectionCounter:
    """A plain socket listening where the stopped blog server was, counting the connections
    made to it: the server's own request log cannot grow once it is stopped, so only a
    listener on its address can show that re-extraction asked it for nothing."""

    def __init__(self, base_url: str):
        address = urlsplit(base_url)
        self.socket = socket.create_server((address.hostname, address.port))
        self.socket.settimeout(0.05)
        self.connections = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.count, daemon=True)

    def __enter__(self) -> ConnectionCounter:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopped.set()
        self.thread.join()
        self.socket.close()

    def count(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            self.connections += 1
            connection.close()


def copy_archive(crawl: Crawl, folder: Path) -> Path:
    """The archive and its WARC folder, copied: each test writes its own."""
    shutil.copytree(crawl.db_path.parent / "archive.warc", folder / "archive.warc")
    shutil.copyfile(crawl.db_path, folder / "archive.db")
    return folder / "archive.db"


def snapshot(db: Path) -> dict[str, list[dict]]:
    database = sqlite_utils.Database(db)
    try:
        return {table: list(database.query(f"select * from {table} order by {key}"))
                for table, key in _TABLES.items()}
    finally:
        database.close()


def fts_in_step(db: Path) -> None:
    """FTS5's own check that the index holds exactly the articles' titles and texts."""
    with sqlite3.connect(db) as connection:
        connection.execute("insert into articles_fts (articles_fts, rank) "
                           "values ('integrity-check', 1)")


def test_the_redesigned_read_time_is_filled_from_the_stored_pages_alone(
        redesigned: tuple[Crawl, str], tmp_path: Path) -> None:
    crawl, gone_url = redesigned
    db = copy_archive(crawl, tmp_path)
    before = snapshot(db)
    assert {row["status"] for row in before["articles"] if row["url"] == gone_url} == {"gone"}
    assert any(row["warc_refers_to"] for row in before["fetches"])  # revisits to follow

    with ConnectionCounter(crawl.server.base_url) as listener:
        result = improved("reextract", "--db", db)
    assert result.returncode == 0, result.stderr
    after = snapshot(db)
    assert listener.connections == 0  # not one request to where the blog was

    expected = {crawl.url(post.path): theme.read_minutes(post)
                for post in [*crawl.server.blog.by_language("en")] if post.show_read_time}
    expected[gone_url] = next(row["read_time_minutes"] for row in after["articles"]
                              if row["url"] == gone_url)
    assert expected[gone_url] is not None
    assert all(row["read_time_minutes"] is None for row in before["articles"])
    assert {row["url"]: row["read_time_minutes"] for row in after["articles"]
            if row["read_time_minutes"] is not None} == expected
    assert f"read_time_minutes: {len(expected)} filled, 0 changed, 0 emptied" in result.stdout

    run = after["crawl_runs"][-1]
    assert (run["trigger"], run["status"], run["site"]) == ("reextract", "finished",
                                                            "sbiegacza-en")
    ids = {row["url"]: row["id"] for row in after["articles"]}
    versions = after["article_versions"]
    assert versions[:len(before["article_versions"])] == before["article_versions"]
    added = versions[len(before["article_versions"]):]
    assert sorted(v["article_id"] for v in added) == sorted(ids[url] for url in expected)
    assert all(json.loads(v["changed_columns"]) == ["read_time_minutes"]
               and v["crawl_run_id"] == run["id"] for v in added)
    moved = {"read_time_minutes", "version", "content_hash", "last_changed_run"}
    for old, new in zip(before["articles"], after["articles"], strict=True):
        if old["url"] in expected:
            assert (new["version"], new["last_changed_run"]) == (old["version"] + 1, run["id"])
            old, new = ({k: v for k, v in row.items() if k not in moved} for row in (old, new))
        assert new == old  # the gone article stays gone, redirects stay
    assert after["teasers"] == before["teasers"]
    assert after["fetches"][:len(before["fetches"])] == before["fetches"]
    written = after["fetches"][len(before["fetches"]):]
    assert sorted(row["url"] for row in written) == sorted(expected)
    assert all(json.loads(row["field_sources"])["read_time_minutes"] == "label"
               and "read_time_minutes" not in json.loads(row["missing"])
               and row["warc_path"] is None for row in written)
    fts_in_step(db)
    with Archive.open(db) as archive:  # it fetched nothing, so it confirms nothing
        crawls = {r["started_at"] for r in before["crawl_runs"]}
        assert set(archive.confirmed_articles("sbiegacza-en").values()) <= crawls
        assert archive.last_successful_run("sbiegacza-en")["trigger"] == "test"

    again = improved("reextract", "--db", db)
    assert again.returncode == 0, again.stderr
    assert "0 changed" in again.stdout.splitlines()[0]
    twice = snapshot(db)
    assert {t: rows for t, rows in twice.items() if t != "crawl_runs"} == \
        {t: rows for t, rows in after.items() if t != "crawl_runs"}


def test_a_dry_run_prints_the_same_summary_and_writes_nothing(
        redesigned: tuple[Crawl, str], tmp_path: Path) -> None:
    crawl, _ = redesigned
    db = copy_archive(crawl, tmp_path)
    before = snapshot(db)
    dry = improved("reextract", "--db", db, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert snapshot(db) == before
    done = improved("reextract", "--db", db)
    assert done.returncode == 0, done.stderr
    assert dry.stdout.splitlines()[0].startswith("reextract, dry run, nothing written: ")
    assert dry.stdout.splitlines()[1:] == done.stdout.splitlines()[1:]
    assert dry.stdout.split(": ", 1)[1] == done.stdout.split(": ", 1)[1]


def test_url_and_since_choose_the_articles(redesigned: tuple[Crawl, str], tmp_path: Path) -> None:
    """``--since 2``: the articles the second crawl stored or confirmed, all but the one it
    found gone; ``--url``: that one alone, gone or not."""
    crawl, gone_url = redesigned
    db = copy_archive(crawl, tmp_path)
    total = len(snapshot(db)["articles"])
    since = improved("reextract", "--db", db, "--since", "2", "--dry-run")
    assert f": {total - 1} of {total - 1} articles re-read" in since.stdout.splitlines()[0]
    one = improved("reextract", "--db", db, "--url", gone_url)
    assert one.returncode == 0, one.stderr
    assert one.stdout.splitlines()[1:] == ["read_time_minutes: 1 filled, 0 changed, 0 emptied"]
    both = improved("reextract", "--db", db, "--url", gone_url, "--since", "2")
    assert (both.returncode, both.stderr.count("\n")) == (2, 1)


def test_each_sites_run_counts_that_site_alone(redesigned: tuple[Crawl, str],
                                               tmp_path: Path) -> None:
    """An archive of two sites re-extracted at once: one run per site, and each run's stats
    count its own site's articles, not a running total."""
    crawl, _ = redesigned
    db = copy_archive(crawl, tmp_path)
    database = sqlite_utils.Database(db)
    moved = [row["id"] for row in database.query("select id from articles order by id limit 10")]
    database.execute(f"update articles set site = 'mirror' where id in ({','.join('?' * 10)})",
                     moved)
    database.conn.commit()
    total = database["articles"].count
    database.close()
    result = improved("reextract", "--db", db)
    assert result.returncode == 0, result.stderr
    runs = {row["site"]: json.loads(row["stats"]) for row in sqlite_utils.Database(db).query(
        "select site, stats from crawl_runs where \"trigger\" = 'reextract'")}
    assert {site: stats["reextract/selected"] for site, stats in runs.items()} == {
        "mirror": 10, "sbiegacza-en": total - 10}
    assert sum(stats["reextract/reread"] for stats in runs.values()) == total
    assert f": {total} of {total} articles re-read" in result.stdout.splitlines()[0]


def test_a_lost_warc_file_is_one_line_per_article_and_the_rest_is_done(
        redesigned: tuple[Crawl, str], tmp_path: Path) -> None:
    """The first run's file pruned: the articles whose newest capture is in it are named,
    exit 1; those the second run stored are re-read all the same."""
    crawl, _ = redesigned
    db = copy_archive(crawl, tmp_path)
    (tmp_path / "archive.warc" / "run-000001.warc.gz").unlink()
    result = improved("reextract", "--db", db)
    assert result.returncode == 1, result.stderr
    lost = [line for line in result.stdout.splitlines() if line.startswith("not re-read: ")]
    assert lost and all("run-000001.warc.gz" in line for line in lost)
    filled = sqlite_utils.Database(db).execute(
        "select count(*) from articles where read_time_minutes is not null").fetchone()[0]
    assert filled and f"{filled} filled" in result.stdout
    total = len(snapshot(db)["articles"])
    assert f" {total - len(lost)} of {total} articles re-read" in result.stdout


def test_a_body_corrupt_under_brotli_is_one_line_and_the_rest_is_done(
        redesigned: tuple[Crawl, str], tmp_path: Path) -> None:
    """One article's newest capture is a response whose body is not what its
    ``Content-Encoding: br`` says (brotli raises its own error, no zlib.error): that article
    is named, exit 1, every other one is re-read."""
    crawl, _ = redesigned
    db = copy_archive(crawl, tmp_path)
    url = crawl.url(crawl.server.blog.by_language("en")[0].path)
    corrupt = "archive.warc/corrupt.warc.gz"
    with open(tmp_path / corrupt, "wb") as stream:
        writer = WARCWriter(stream, gzip=True, warc_version="1.1")
        record = writer.create_warc_record(
            url, "response", payload=BytesIO(b"<html>not brotli</html>"),
            http_headers=StatusAndHeaders("200 OK", [
                ("Content-Type", "text/html"), ("Content-Encoding", "br")], "HTTP/1.1"))
        writer.write_record(record)
        length = stream.tell()
    with Archive.open(db) as archive:
        newest = archive.db.execute(
            "select max(id) from fetches where url = ? and warc_path is not null",
            [url]).fetchone()[0]
        archive.db["fetches"].update(newest, {
            "warc_path": corrupt, "warc_offset": 0, "warc_length": length,
            "warc_refers_to": None, "warc_type": "response", "outcome": "changed",
            "warc_record_id": record.rec_headers.get_header("WARC-Record-ID")})
        total = archive.db["articles"].count
    result = improved("reextract", "--db", db)
    assert result.returncode == 1, result.stderr
    lost = [line for line in result.stdout.splitlines() if line.startswith("not re-read: ")]
    assert len(lost) == 1 and lost[0].startswith(f"not re-read: {url}: ")
    assert "corrupt br body" in lost[0]
    assert f" {total - 1} of {total} articles re-read" in result.stdout.splitlines()[0]
    assert "read_time_minutes: " in result.stdout


def test_stopped_by_sigterm_it_leaves_the_archive_consistent_and_a_rerun_finishes(
        redesigned: tuple[Crawl, str], tmp_path: Path) -> None:
    """SIGTERM arrives while the run waits for the database (a reader of the archive holds a
    write transaction): the run closes as interrupted, exit 1, nothing half-written; the next
    run re-reads everything."""
    crawl, _ = redesigned
    db = copy_archive(crawl, tmp_path)
    before = snapshot(db)
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("begin immediate")
    process = start_improved("reextract", "--db", db)
    try:
        deadline = time.monotonic() + 60
        while not locked_elsewhere(db) and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)  # into SQLite's busy wait for the run's first write
        os.kill(process.pid, signal.SIGTERM)
        time.sleep(0.3)
    finally:
        blocker.execute("rollback")
        blocker.close()
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1, err
    assert "interrupted" in out.splitlines()[0]
    after = snapshot(db)
    assert after["crawl_runs"][-1]["status"] == "interrupted"
    assert {t: rows for t, rows in after.items() if t != "crawl_runs"} == \
        {t: rows for t, rows in before.items() if t != "crawl_runs"}
    fts_in_step(db)
    rerun = improved("reextract", "--db", db)
    assert rerun.returncode == 0, rerun.stderr
    assert "read_time_minutes: " in rerun.stdout


def test_it_refuses_to_write_while_a_crawl_holds_the_archive(
        english_crawl: Crawl, tmp_path: Path) -> None:
    db = copy_archive(english_crawl, tmp_path)
    with ArchiveLock(db):
        result = run_blog_archive("reextract", "--db", db)
    assert result.returncode == 3
    assert result.stderr.startswith("blog-archive: error: ") and \
        len(result.stderr.splitlines()) == 1
    unknown = run_blog_archive("reextract", "--db", db, "--url", "http://nowhere.example/")
    assert (unknown.returncode, unknown.stderr.count("\n")) == (2, 1)


def test_an_article_archived_before_capture_is_named_not_an_error(
        english_crawl: Crawl, tmp_path: Path) -> None:
    """An archive older than WARC capture has no record for its fetches (m016 left them
    NULL): such an article is listed, the others are re-read, exit 0."""
    db = copy_archive(english_crawl, tmp_path)
    url = english_crawl.url("/en/running-socks/")
    with Archive.open(db) as archive:
        archive.db.execute("update fetches set warc_path = null, warc_offset = null, "
                           "warc_length = null where url = ?", [url])
        archive.db.conn.commit()
        total = archive.db["articles"].count
    result = run_blog_archive("reextract", "--db", db)
    assert result.returncode == 0, result.stderr
    assert f"no stored response: {url}" in result.stdout.splitlines()
    assert f": {total - 1} of {total} articles re-read" in result.stdout.splitlines()[0]
