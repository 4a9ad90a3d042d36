"""The archive under stress: crawls killed mid-write, readers during a crawl, hostile content,
and bad command-line input. Each test records what it saw for ``docs/reliability.md``."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
import sqlite_utils
from datasette.app import Datasette
from warcio.archiveiterator import ArchiveIterator

from archive import Archive
from scraper.bundled_blog import BlogServer
from scraper.bundled_blog.content import Post
from tests.conftest import FAST_CRAWL, Crawl, RunCli, crawl_blog, tool
from tests.reliability import record

pytestmark = pytest.mark.xdist_group("reliability")

#: Fetch rows written by a run when it is killed: before any, then at points through the crawl.
KILL_POINTS = (0, 4, 12, 30, 55)
#: A slower crawl with small write batches, so the kill points fall inside the crawl.
SLOW_CRAWL = ("-s", "DOWNLOAD_DELAY=0.04", "-s", "ARCHIVE_BATCH_SIZE=4")


def crawl_command(server: BlogServer, db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "scraper", "crawl", "--site", "sbiegacza-en",
            "--start-url", f"{server.base_url}/en/", "--db", str(db), *FAST_CRAWL, *args]


def fetches_of_latest_run(db: Path) -> int | None:
    """Rows the running crawl has committed so far, read as a separate reader would."""
    if not db.exists():
        return None
    try:
        connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            running = connection.execute(
                "select count(f.id) from crawl_runs r left join fetches f "
                "on f.crawl_run_id = r.id where r.status = 'running' group by r.id").fetchone()
            return running[0] if running else None
        finally:
            connection.close()
    except sqlite3.OperationalError:  # the schema is still being created
        return None


def kill_when(process: subprocess.Popen[str], db: Path, written: int) -> bool:
    """SIGKILL the crawl once its run has committed ``written`` fetches; False if it ended."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and process.poll() is None:
        count = fetches_of_latest_run(db)
        if count is not None and count >= written:
            process.send_signal(signal.SIGKILL)
            process.wait()
            return True
        time.sleep(0.01)
    return False


def assert_consistent(db_path: Path) -> None:
    """integrity_check ok on the file as the kill left it; then, opened as the next run opens
    it: foreign keys hold, FTS in sync, and no half-written article: every article has the
    snapshot of its current version and exactly that snapshot's teasers."""
    raw = sqlite3.connect(db_path)
    assert raw.execute("pragma integrity_check").fetchone()[0] == "ok"
    raw.close()
    Archive.open(db_path).close()
    db = sqlite_utils.Database(db_path)
    assert db.execute("pragma foreign_key_check").fetchall() == []
    db.execute("insert into articles_fts(articles_fts) values ('integrity-check')")
    torn = list(db.query("""
        select a.url from articles a
        left join article_versions v on v.article_id = a.id and v.version = a.version
        where v.id is null or v.content_hash != a.content_hash
           or json_array_length(v.teasers) !=
              (select count(*) from teasers t where t.article_id = a.id)
    """))
    assert torn == []
    db.close()


def complete_members(data: bytes) -> tuple[list[int], int]:
    """Where each complete gzip member of a WARC file starts, and where the last one ends:
    a killed crawl may leave a torn member after them, never a torn one before."""
    offsets: list[int] = []
    at = 0
    view = memoryview(data)
    while at < len(data):
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        try:
            inflater.decompress(view[at:])
        except zlib.error:
            break
        if not inflater.eof:
            break
        offsets.append(at)
        at = len(data) - len(inflater.unused_data)
    return offsets, at


def assert_warc_readable(db_path: Path, warc_dir: Path | None = None) -> set[Path]:
    """Every complete record of every WARC file the archive points at reads back with
    warcio's ArchiveIterator, and every fetch points at one of them (its own record id at
    its offset, wholly within the complete records): no row points at bytes not written.
    The files, for the caller to count."""
    db = sqlite_utils.Database(db_path)
    rows = list(db.query("select * from fetches where warc_path is not null"))
    files = {db_path.parent / row["warc_path"] for row in rows}
    files |= set((warc_dir or db_path.parent / "archive.warc").glob("*.warc.gz"))
    db.close()
    complete = {}
    for path in files:
        data = path.read_bytes()
        offsets, end = complete_members(data)
        read = [(record.rec_type, record.rec_headers.get_header("WARC-Record-ID"))
                for record in ArchiveIterator(BytesIO(data[:end]))]
        assert len(read) == len(offsets), path
        assert not read or read[0][0] == "warcinfo", path  # empty: killed before a sync
        complete[path] = dict(zip(offsets, read, strict=True)), end
    for row in rows:
        records, end = complete[db_path.parent / row["warc_path"]]
        assert records[row["warc_offset"]][1] == row["warc_record_id"], row["url"]
        assert row["warc_offset"] + row["warc_length"] <= end, row["url"]
    return files


def test_sigkill_at_any_point_leaves_a_consistent_archive(fresh_blog_server: BlogServer,
                                                         tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    for written in KILL_POINTS:
        process = subprocess.Popen(crawl_command(fresh_blog_server, db, "--full", *SLOW_CRAWL),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        assert kill_when(process, db, written), f"crawl ended before {written} fetches"
        assert_consistent(db)
        assert_warc_readable(db)
    final = crawl_blog(fresh_blog_server, db)
    assert final.result.returncode in (0, 1), final.result.stderr
    missing_404 = final.url(fresh_blog_server.blog.awkward["missing_404"])
    assert final.result.stderr == "" or re.fullmatch(
        rf"failed: {re.escape(missing_404)}: HTTP 404 \(run \d+, [^)]+\)\n", final.result.stderr)
    assert_consistent(db)
    expected = {final.url(path) for path in fresh_blog_server.blog.article_paths("en")}
    urls = [row["url"] for row in final.db["articles"].rows]
    assert sorted(urls) == sorted(expected)  # every article, none twice
    assert final.db["article_versions"].count == len(expected)  # nothing re-versioned
    statuses = [row["status"] for row in final.db["crawl_runs"].rows_where(order_by="id")]
    assert statuses == ["killed"] * (len(statuses) - 1) + ["finished"]
    # a file per run (none for a run killed before it opened one), each whole: the next run
    # cut any record a kill tore off the end, or no WARC reader could read the folder
    files = assert_warc_readable(db)
    assert f"run-{len(statuses):06d}.warc.gz" in {path.name for path in files} <= {
        f"run-{run:06d}.warc.gz" for run in range(1, len(statuses) + 1)}
    for path in files:
        checked = tool("warcio", "check", path)
        assert checked.returncode == 0, (path, checked.stdout, checked.stderr)
    points = ", ".join(map(str, KILL_POINTS))
    record("Crash", f"SIGKILL at {len(KILL_POINTS)} points: after {points} fetches written",
           "integrity_check ok each time, no torn article; every complete WARC record "
           "readable and every fetch pointing at one; the next run completed the archive "
           "with no duplicates, in a WARC file of its own; killed runs closed as 'killed'",
           lost=0)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB file system (tmpfs; the tests run as root, in CI too): a crawl's WARC file
    outgrows it within a dozen pages, while the archive beside it has room."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
                   check=True, capture_output=True, text=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_a_full_disk_stops_capture_with_one_line_and_no_row_points_past_it(
        fresh_blog_server: BlogServer, small_disk: Path, tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    full = crawl_blog(fresh_blog_server, db, "--warc-dir", str(small_disk),
                      "-s", "ARCHIVE_BATCH_SIZE=4")
    lines = full.result.stderr.splitlines()
    assert full.result.returncode == 4, full.result.stderr
    assert len(lines) == 1 and lines[0].startswith(
        "blog-archive: error: WARC capture stopped: cannot write "
        f"{small_disk}/run-000001.warc.gz: No space left on device"), lines
    assert_consistent(db)
    (path,) = assert_warc_readable(db, small_disk)
    pointed = full.db.execute(
        "select count(*) from fetches where warc_path is not null").fetchone()[0]
    assert pointed > 0
    run = next(full.db["crawl_runs"].rows)
    assert (run["status"], run["finish_reason"]) == ("failed", "warc_write_failed")
    checked = tool("warcio", "check", path)
    assert checked.returncode == 0, checked.stdout  # cut back to its last whole record
    record("Crash", "the WARC folder's disk fills up mid-crawl (a 64 KiB tmpfs)",
           f"one line, exit 4, the crawl stopped; {pointed} fetches point at whole records, "
           "none past them; the file ends with its last whole record", lost=0)


def test_readers_never_see_a_lock_or_a_torn_row(fresh_blog_server: BlogServer,
                                                tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    crawl_blog(fresh_blog_server, db, "--max-pages", "3")  # the schema exists before reading
    process = subprocess.Popen(crawl_command(fresh_blog_server, db, "--full", *SLOW_CRAWL),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    errors: list[str] = []
    reads = {"sqlite3": 0, "datasette": 0}

    def sqlite_reader() -> None:
        connection = sqlite3.connect(db, timeout=5)
        while process.poll() is None:
            try:
                for url, version, content_hash, snapshot in connection.execute(
                        "select a.url, a.version, a.content_hash, v.content_hash from articles a "
                        "left join article_versions v on v.article_id = a.id "
                        "and v.version = a.version"):
                    if snapshot != content_hash:
                        errors.append(f"torn row {url} v{version}")
                reads["sqlite3"] += 1
            except sqlite3.Error as error:
                errors.append(f"sqlite3: {error}")
        connection.close()

    async def datasette_reader() -> None:
        datasette = Datasette([str(db)])
        while process.poll() is None:
            response = await datasette.client.get("/archive/articles.json?_shape=array&_size=5")
            if response.status_code != 200:
                errors.append(f"datasette: {response.status_code} {response.text[:200]}")
            reads["datasette"] += 1
            await asyncio.sleep(0.01)

    thread = threading.Thread(target=sqlite_reader)
    thread.start()
    asyncio.run(datasette_reader())
    thread.join()
    _, stderr = process.communicate()
    assert process.returncode == 1, stderr
    assert errors == []
    assert reads["sqlite3"] > 10 and reads["datasette"] > 10
    record("Concurrency", "sqlite3 and Datasette reading in a loop during a crawl",
           "no 'database is locked', no row without its version snapshot (WAL)", lost=0)


HOSTILE_TITLE = "<script>alert('x')</script> Robert'); DROP TABLE articles;-- & “quotes”"


def test_hostile_content_is_stored_as_text_and_escaped(fresh_blog_server: BlogServer,
                                                       run_cli: RunCli, tmp_path: Path) -> None:
    template = fresh_blog_server.blog.post("running-socks")
    hostile = Post(slug="hostile-post", title=HOSTILE_TITLE, language="en", category="Training",
                   published=template.published,
                   body="<p>Body with &lt;img src=x onerror=alert(1)&gt; as text.</p>"
                        "<script>document.write('injected')</script>")
    fresh_blog_server.blog.posts[hostile.path] = hostile
    crawl = crawl_blog(fresh_blog_server, tmp_path / "archive.db")
    article = crawl.article(hostile.path)
    assert article["title"] == HOSTILE_TITLE
    assert "<img src=x onerror=alert(1)>" in article["body_text"]
    assert "injected" not in article["body_text"]

    async def page() -> str:
        response = await Datasette([str(crawl.db_path)]).client.get(
            f"/archive/articles/{article['id']}")
        return response.text
    html = asyncio.run(page())
    assert "<script>alert('x')</script>" not in html and "&lt;script&gt;" in html

    injection = run_cli("search", "Robert'); DROP TABLE articles;--", "--db", crawl.db_path)
    assert injection.returncode == 2
    assert injection.stderr.startswith("blog-archive: error: cannot parse search query")
    assert crawl.db["articles"].count == len(fresh_blog_server.blog.article_paths("en"))
    search = run_cli("search", "Robert DROP TABLE", "--db", crawl.db_path, "--json")
    assert search.returncode == 0, search.stderr
    assert [hit["url"] for hit in json.loads(search.stdout)] == [crawl.url(hostile.path)]

    out = tmp_path / "dir with space" / "zażółć 'quoted' $HOME.csv"
    out.parent.mkdir()
    exported = run_cli("export", "--format", "csv", "--db", crawl.db_path, "--out", out)
    assert exported.returncode == 0, exported.stderr
    assert [p.name for p in out.parent.iterdir()] == [out.name]
    assert HOSTILE_TITLE in out.read_text(encoding="utf-8")
    record("Content", "script, HTML and SQL inside a title and a body",
           "stored verbatim as text; Datasette shows it escaped; search parameterised; "
           "export written to exactly the path given", lost=0)


MISSING_DB = "/nonexistent/archive.db"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("crawl", "--max-pages", "-1"), "--max-pages"),
        (("crawl", "--max-pages", "ten"), "--max-pages"),
        (("crawl", "--site", ""), "--site"),
        (("crawl", "--no-such-flag"), "No such option"),
        (("crawl", "-s", "=1"), "is not NAME=VALUE"),
        (("crawl", "--start-url", "not a url"), "is not an http(s) URL"),
        (("frobnicate",), "No such command"),
        (("search", "", "--db", MISSING_DB), "no archive at"),
        (("search", "roller", "--limit", "0", "--db", MISSING_DB), "--limit"),
        (("history", "http://example.org/x/", "--db", MISSING_DB), "no archive at"),
        (("stats", "--db", MISSING_DB), "no archive at"),
        (("serve", "--port", "70000"), "--port"),
        (("export", "--format", "csv", "--db", MISSING_DB), "no archive at"),
        (("export", "--format", "csv", "--since", "2023-13-45"), "is not a date"),
        (("extract", "/nonexistent/page.html"), "/nonexistent/page.html"),
        (("extract", "--site", "no-such-blog", "/nonexistent/page.html"), "no-such-blog"),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, tuple) else None,
)
def test_bad_command_line_input_gives_one_line_and_exit_2(run_cli: RunCli, tmp_path: Path,
                                                          args: tuple[str, ...],
                                                          message: str) -> None:
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("blog-archive: error:"), result.stderr
    assert message in lines[0]
    assert list(tmp_path.iterdir()) == []  # nothing created: no archive, no export


def test_bad_search_query_gives_one_line_and_exit_2(english_crawl: Crawl, run_cli: RunCli) -> None:
    for query in ('"unbalanced', "AND", "*", "title:", ""):
        result = run_cli("search", query, "--db", english_crawl.db_path)
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "search query" in lines[0], result.stderr
