"""WARC capture: every exchange of a crawl of the bundled blog, read back with standard tools.

The crawls are real (the command line in a subprocess, over real HTTP); the WARC files are
read with warcio's ArchiveIterator, ``warcio check`` and ``cdxj-indexer`` as a replay tool
would, never with the code that wrote them.
"""

from __future__ import annotations

import gzip
import json
import time
import zipfile
import zlib
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import sqlite_utils
from scrapy import Request
from scrapy.extension import ExtensionManager
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from archive import Archive
from archive.records import Capture
from archive.warc import WarcReader
from scraper.archive_state import ArchiveState
from scraper.bundled_blog.server import BlogServer
from scraper.spiders.blog import BlogSpider
from scraper.warc_capture import CAPTURE_META, WarcCaptureMiddleware
from scraper.warc_records import payload_digest
from scraper.warc_writer import WarcWriter
from tests.conftest import Crawl, RunCli, crawl_blog, tool
from tests.faults import send

SEED_PATH = "/en/how-to-roll-your-back-exercises-for-back-pain/"


def warc_files(crawl: Crawl) -> list[Path]:
    return warc_files_in(crawl.db_path.parent)


def warc_files_in(folder: Path) -> list[Path]:
    """The WARC files of the archive ``folder/archive.db``, oldest run first."""
    return sorted((folder / "archive.warc").glob("*.warc.gz"))


def records(path: Path) -> list[dict]:
    """Every record of a WARC file: type, headers, HTTP status and raw payload."""
    found = []
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            found.append({
                "type": record.rec_type, "headers": dict(record.rec_headers.headers),
                "status": record.http_headers and record.http_headers.get_statuscode(),
                "payload": record.raw_stream.read(), "offset": stream.tell()})
    return found


def test_every_fetch_points_at_one_gzip_member_holding_its_record(english_crawl: Crawl) -> None:
    fetches = list(english_crawl.db.query(
        "select * from fetches where status is not null order by id"))
    assert fetches and all(row["warc_path"] == "archive.warc/run-000001.warc.gz"
                           for row in fetches)
    data = warc_files(english_crawl)[0].read_bytes()
    for row in fetches:
        member = data[row["warc_offset"]:row["warc_offset"] + row["warc_length"]]
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        text = inflater.decompress(member)
        assert inflater.eof and not inflater.unused_data, row["url"]  # exactly one member
        head = text.split(b"\r\n\r\n", 1)[0].decode()
        assert f"WARC-Target-URI: {row['url']}\r\n" in head
        assert f"WARC-Record-ID: {row['warc_record_id']}\r\n" in head
        assert f"WARC-Date: {row['warc_date']}\r\n" in head
        assert "WARC-Type: response\r\n" in head and row["warc_refers_to"] is None
        assert f" {row['status']} ".encode() in text.split(b"\r\n\r\n", 2)[1].split(b"\r\n")[0]


def test_an_article_replays_as_the_exact_bytes_the_server_sent(english_crawl: Crawl) -> None:
    url = english_crawl.url(SEED_PATH)
    row = next(english_crawl.db.query(
        "select warc_path, warc_offset, warc_length from fetches where url = ?", [url]))
    sent = english_crawl.server.blog.resolve(SEED_PATH, english_crawl.server.base_url)
    with (english_crawl.db_path.parent / row["warc_path"]).open("rb") as stream:
        stream.seek(row["warc_offset"])
        record = next(iter(ArchiveIterator(stream)))
        assert record.rec_headers.get_header("WARC-Target-URI") == url
        assert record.http_headers.get_header("ETag") == sent.etag
        assert record.content_stream().read() == sent.body
    with WarcReader(english_crawl.db_path) as reader:
        stored = reader.read(row["warc_path"], row["warc_offset"], row["warc_length"])
    assert (stored.status, stored.body, stored.decoded_body()) == (200, sent.body, sent.body)


def test_warcio_check_passes_and_cdxj_indexer_lists_every_fetched_url(
        english_crawl: Crawl) -> None:
    (path,) = warc_files(english_crawl)
    checked = tool("warcio", "check", "-v", path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "digest pass" in checked.stdout and "fail" not in checked.stdout
    indexed = tool("cdxj-indexer", path)
    assert indexed.returncode == 0, indexed.stderr
    lines = [json.loads(line.split(" ", 2)[2]) for line in indexed.stdout.splitlines()]
    fetched = {row["url"] for row in english_crawl.db.query(
        "select url from fetches where status is not null")}
    assert len(fetched) > 40
    indexed_urls = {line["url"] for line in lines}
    assert fetched | {english_crawl.url("/robots.txt")} <= indexed_urls
    by_offset = {int(line["offset"]): line for line in lines}
    for row in english_crawl.db.query("select * from fetches where status is not null"):
        line = by_offset[row["warc_offset"]]  # the index finds each fetch's record
        assert (line["url"], int(line["status"]), int(line["length"])) == (
            row["url"], row["status"], row["warc_length"])


def test_warcinfo_names_the_software_the_versions_and_the_run(english_crawl: Crawl) -> None:
    first = records(warc_files(english_crawl)[0])[0]
    assert first["type"] == "warcinfo"
    fields = dict(line.split(": ", 1) for line in first["payload"].decode().splitlines())
    run_id = next(english_crawl.db["crawl_runs"].rows)["id"]
    assert fields["run"] == str(run_id) and fields["robots"] == "obey"
    assert fields["software"].startswith("blog-archive/")
    assert {"scrapy-version", "warcio-version", "http-header-user-agent"} <= set(fields)


def test_every_exchange_is_captured_request_and_answer(english_crawl: Crawl) -> None:
    """robots.txt, sitemaps, the redirect, the 404: each answer the server logged has its
    request and response records, paired by WARC-Concurrent-To."""
    found = records(warc_files(english_crawl)[0])
    answers = {r["headers"]["WARC-Record-ID"]: r for r in found if r["type"] == "response"}
    requests = [r for r in found if r["type"] == "request"]
    assert len(requests) == len(answers) == len(english_crawl.requests)
    assert {r["headers"]["WARC-Concurrent-To"] for r in requests} == set(answers)
    statuses = sorted(int(r["status"]) for r in answers.values())
    assert statuses == sorted(status for *_, status in english_crawl.requests)
    assert {200, 301, 404} <= set(statuses)


def test_an_unchanged_recrawl_writes_revisits_under_5_percent_of_the_first(
        blog_server: BlogServer, tmp_path: Path) -> None:
    first = crawl_blog(blog_server, tmp_path / "archive.db")
    second = crawl_blog(blog_server, tmp_path / "archive.db")
    assert (first.result.returncode, second.result.returncode) == (1, 0), second.result.stderr
    run1, run2 = warc_files(second)
    assert run1.name == "run-000001.warc.gz" and run2.name == "run-000002.warc.gz"
    assert run2.stat().st_size < 0.05 * run1.stat().st_size
    found = records(run2)
    answers = [r for r in found if r["type"] not in ("warcinfo", "request")]
    assert len(answers) == len(second.requests) > 5
    # robots.txt is the one page the archive keeps no fetch of, so nothing to refer to
    assert {r["headers"]["WARC-Target-URI"] for r in answers if r["type"] == "response"} == {
        second.url("/robots.txt")}
    revisits = [r for r in answers if r["type"] == "revisit"]
    earlier = {r["headers"]["WARC-Record-ID"]: r for r in records(run1)
               if r["type"] == "response"}
    profiles = set()
    for revisit in revisits:
        headers = revisit["headers"]
        profile = headers["WARC-Profile"].rsplit("/", 1)[1]
        profiles.add(profile)
        assert (profile == "server-not-modified") == (revisit["status"] == "304")
        confirmed = earlier[headers["WARC-Refers-To"]]
        assert confirmed["headers"]["WARC-Target-URI"] == headers["WARC-Refers-To-Target-URI"] \
            == headers["WARC-Target-URI"]
        assert confirmed["headers"]["WARC-Date"] == headers["WARC-Refers-To-Date"]
        assert confirmed["headers"]["WARC-Payload-Digest"] == headers["WARC-Payload-Digest"]
    assert profiles == {"server-not-modified", "identical-payload-digest"}
    rows = list(second.db.query(
        "select * from fetches where crawl_run_id = 2 and status is not null"))
    assert rows and all(row["warc_refers_to"] in earlier for row in rows)


def test_a_warc_folder_that_cannot_be_written_fails_before_any_request(
        blog_server: BlogServer, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    refused = crawl_blog(blog_server, tmp_path / "archive.db",
                         "--warc-dir", str(tmp_path / "a-file" / "warc"))
    assert refused.result.returncode == 4
    assert refused.result.stderr == (
        f"blog-archive: error: could not start: cannot write WARC files in "
        f"{tmp_path / 'a-file' / 'warc'}: Not a directory\n")
    assert refused.requests == [] and not (tmp_path / "archive.db").exists()


def test_no_warc_captures_nothing(blog_server: BlogServer, tmp_path: Path) -> None:
    crawl = crawl_blog(blog_server, tmp_path / "archive.db", "--no-warc", "--max-pages", "3")
    assert crawl.result.returncode == 0, crawl.result.stderr
    assert not (tmp_path / "archive.warc").exists()
    assert crawl.db.execute(
        "select count(*), count(warc_path) from fetches").fetchone() == (3, 0)


def test_export_wacz_packages_the_warc_for_replay(english_crawl: Crawl, run_cli: RunCli,
                                                  tmp_path: Path) -> None:
    out = tmp_path / "archive.wacz"
    result = run_cli("export", "--format", "wacz", "--db", english_crawl.db_path, "--out", out)
    articles = english_crawl.db["articles"].count
    assert result.returncode == 0 and result.stderr == \
        f"{articles} pages packaged in {out}\n", result.stderr
    validated = tool("wacz", "validate", "-f", out)
    assert validated.returncode == 0 and "is valid" in validated.stdout, validated.stdout
    (warc,) = warc_files(english_crawl)
    with zipfile.ZipFile(out) as wacz:
        assert wacz.read(f"archive/{warc.name}") == warc.read_bytes()
        pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").splitlines()[1:]]
        index = gzip.decompress(wacz.read("indexes/index.cdx.gz")).decode().splitlines()
    titles = {row["url"]: row["title"] for row in english_crawl.db["articles"].rows}
    assert {page["url"]: page["title"] for page in pages} == titles
    indexed = {json.loads(line.split(" ", 2)[2])["url"] for line in index}
    assert {row["url"] for row in english_crawl.db.query(
        "select url from fetches where status is not null")} <= indexed


def test_export_wacz_of_a_run_that_does_not_exist_is_one_line(
        english_crawl: Crawl, run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("export", "--format", "wacz", "--run", "99", "--db",
                     english_crawl.db_path, "--out", tmp_path / "x.wacz")
    assert (result.returncode, result.stderr) == (
        2, f"blog-archive: error: no run 99 in {english_crawl.db_path}\n")
    result = run_cli("export", "--format", "csv", "--run", "1", "--db", english_crawl.db_path)
    assert (result.returncode, result.stderr) == (
        2, "blog-archive: error: --run does not apply to --format csv\n")


def test_a_record_torn_by_a_kill_is_cut_off_by_the_next_crawl(
        blog_server: BlogServer, tmp_path: Path) -> None:
    """A crawl killed while writing a record leaves half a gzip member at the end of its file
    and its run marked running; every WARC reader fails on that file until the next crawl,
    which closes the run as killed, cuts the torn record off and keeps every whole one."""
    db = tmp_path / "archive.db"
    crawl_blog(blog_server, db, "--max-pages", "5")
    (path,) = warc_files_in(tmp_path)
    whole = path.read_bytes()
    row = next(sqlite_utils.Database(db).query(
        "select warc_offset, warc_length from fetches order by id desc limit 1"))
    member = whole[row["warc_offset"]:row["warc_offset"] + row["warc_length"]]
    # torn within the record's headers, before its URI, where warcio and cdxj-indexer fail
    # (a tear in the body they read as a short record)
    cut = max(size for size in range(10, len(member)) if b"WARC-Target-URI" not in
              zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(member[:size]))
    torn = member[:cut]
    path.write_bytes(whole + torn)
    with sqlite_utils.Database(db).conn as conn:
        conn.execute("update crawl_runs set status = 'running', finished_at = null")
    assert tool("warcio", "check", path).returncode != 0  # the fault is real
    crawl_blog(blog_server, db, "--max-pages", "5")
    assert path.read_bytes() == whole
    assert tool("warcio", "check", path).returncode == 0
    statuses = [run["status"] for run in sqlite_utils.Database(db)["crawl_runs"].rows]
    assert statuses[0] == "killed" and len(warc_files_in(tmp_path)) == 2


def test_capture_begun_on_an_archive_crawled_without_it_stores_each_page_once(
        blog_server: BlogServer, tmp_path: Path, run_cli: RunCli) -> None:
    """An archive whose pages were never captured whole (crawled with ``--no-warc``, or
    before WARC capture): the first crawl with capture fetches each of them whole, unchanged
    as the blog is (no conditional request, no sitemap skip), so every article has a
    response record re-extraction reads; the crawl after it is conditional again."""
    db = tmp_path / "archive.db"
    crawl_blog(blog_server, db, "--no-warc")
    second = crawl_blog(blog_server, db)
    third = crawl_blog(blog_server, db)
    assert third.result.returncode == 0, third.result.stderr
    assert not [path for _, path, headers, _ in second.requests
                if {"If-None-Match", "If-Modified-Since"} & set(headers)]
    articles = {row["url"] for row in second.db["articles"].rows}
    run2, run3 = warc_files(third)  # the --no-warc run wrote none
    stored = {r["headers"]["WARC-Target-URI"] for r in records(run2)
              if r["type"] == "response" and r["status"] == "200"}
    assert len(articles) > 40 and articles <= stored
    reread = run_cli("reextract", "--db", db)
    assert reread.returncode == 0, reread.stdout + reread.stderr
    assert f": {len(articles)} of {len(articles)} articles re-read" in reread.stdout
    answers = [r for r in records(run3) if r["type"] not in ("warcinfo", "request")]
    assert {r["headers"]["WARC-Target-URI"] for r in answers if r["type"] == "response"} == {
        third.url("/robots.txt")}
    assert any(status == 304 for *_, status in third.requests)
    assert all("WARC-Refers-To" in r["headers"] for r in answers if r["type"] == "revisit")


def test_a_revisit_never_confirms_an_error_page(fresh_blog_server: BlogServer,
                                                tmp_path: Path) -> None:
    """A 503 retried into a 304 (same run), and a 503 kept as the fetch's answer after its
    retries (next run): each later 304 confirms the 200 of the first run, not the 503."""
    server, db = fresh_blog_server, tmp_path / "archive.db"
    retried, failed = (f"/en/{post.slug}/" for post in server.blog.by_language("en")[:2])

    def busy_once(handler: BaseHTTPRequestHandler) -> None:
        del server.faults[retried]  # the retry reaches the blog, which answers 304
        send(handler, 503, b"<h1>Busy</h1>", {"Retry-After": "0"})

    def busy(handler: BaseHTTPRequestHandler) -> None:
        send(handler, 503, b"<h1>Busy</h1>", {"Retry-After": "0"})

    recheck = ("-s", "TRUST_SITEMAP_LASTMOD=False", "-s", "RETRY_BACKOFF_BASE=0.01")
    crawl_blog(server, db)
    server.faults.update({retried: busy_once, failed: busy})
    crawl_blog(server, db, *recheck)
    del server.faults[failed]
    crawl_blog(server, db, *recheck)
    archive = sqlite_utils.Database(db)
    for path, run in ((retried, 2), (failed, 3)):
        url = f"{server.base_url}{path}"
        first, revisit = (next(archive.query(
            "select * from fetches where url = ? and crawl_run_id = ?", [url, number]))
            for number in (1, run))
        assert (first["status"], revisit["status"]) == (200, 304), path
        assert revisit["warc_refers_to"] == first["warc_record_id"], path
    assert archive.execute("select count(*) from fetches where url = ? and status = 503",
                           [f"{server.base_url}{failed}"]).fetchone()[0] == 1


def test_a_killed_run_cuts_only_its_own_file_in_a_shared_warc_dir(
        blog_server: BlogServer, tmp_path: Path) -> None:
    """Two archives share a WARC folder, so each has a run 1 (``run-000001.warc.gz`` and
    ``run-000001-1.warc.gz``). The second's run 1 is killed before any fetch pointed into its
    file: the next crawl cuts the torn record off that file, never off the first archive's
    of the same run number, whose tail may be a record its own crawl is writing."""
    shared = tmp_path / "warc"
    first, second = tmp_path / "first" / "archive.db", tmp_path / "second" / "archive.db"
    for db in (first, second):
        db.parent.mkdir()
        crawl_blog(blog_server, db, "--max-pages", "3", "--warc-dir", str(shared))
    others, own = shared / "run-000001.warc.gz", shared / "run-000001-1.warc.gz"
    torn = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS | 16).compress(b"WARC/1.1\r\n" * 99)
    others_bytes = others.read_bytes() + torn
    others.write_bytes(others_bytes)
    own_bytes = own.read_bytes()
    own.write_bytes(own_bytes + torn)
    with sqlite_utils.Database(second).conn as conn:  # killed before its first commit
        conn.execute("update fetches set warc_path = null, warc_offset = null, "
                     "warc_length = null")
        conn.execute("update crawl_runs set status = 'running', finished_at = null")
    crawl_blog(blog_server, second, "--max-pages", "3", "--warc-dir", str(shared))
    assert others.read_bytes() == others_bytes
    assert own.read_bytes() == own_bytes


def test_a_header_beyond_ascii_is_kept_as_the_server_sent_it(fresh_blog_server: BlogServer,
                                                             tmp_path: Path) -> None:
    """A header value with a byte beyond ASCII (a Latin-1 ``é``, as http.server sends it) is
    stored byte for byte, as a response record holds the answer received; warcio's reader,
    and so every tool built on it, reads it back."""
    server = fresh_blog_server
    disposition = 'inline; filename="café.html"'

    def with_filename(handler: BaseHTTPRequestHandler) -> None:
        send(handler, 200, server.answer(SEED_PATH).body, {"Content-Disposition": disposition})

    server.faults[SEED_PATH] = with_filename
    crawl = crawl_blog(server, tmp_path / "archive.db")
    row = next(crawl.db.query("select warc_path, warc_offset, warc_length from fetches "
                              "where url = ?", [crawl.url(SEED_PATH)]))
    data = (tmp_path / row["warc_path"]).read_bytes()
    member = data[row["warc_offset"]:row["warc_offset"] + row["warc_length"]]
    sent = f"Content-Disposition: {disposition}\r\n".encode("latin-1")
    assert sent in zlib.decompress(member, zlib.MAX_WBITS | 16)
    checked = tool("warcio", "check", tmp_path / row["warc_path"])
    assert checked.returncode == 0, checked.stdout + checked.stderr
    with WarcReader(crawl.db_path) as reader:
        stored = reader.read(row["warc_path"], row["warc_offset"], row["warc_length"])
    assert stored.header("Content-Disposition") == disposition


def test_the_crawls_thread_does_no_work_per_byte_of_an_answer(tmp_path: Path) -> None:
    """Capture runs on the thread the whole crawl waits for (the reactor's, holding the GIL):
    there it only hands the answer over, and the SHA-1, the records and the gzip member are
    the writing thread's. So a 16 MB answer costs that thread no more CPU than a one-byte one
    (its SHA-1 alone takes 8 ms or more), and is stored whole all the same."""
    db = tmp_path / "archive.db"
    with Archive.open(db) as archive:
        run_id = archive.start_run("sbiegacza-en", "test", "0", "0")
    crawler = get_crawler(BlogSpider, {"ARCHIVE_DB": str(db), "WARC_ENABLED": True,
                                       "EXTENSIONS": {ArchiveState: 0, WarcWriter: 10}})
    spider = BlogSpider.from_crawler(crawler, site="sbiegacza-en",
                                     start_url="http://127.0.0.1:9/en/")
    crawler.extensions = ExtensionManager.from_crawler(crawler)
    crawler.stats.set_value("blog_archive/run_id", run_id)
    ArchiveState.of(crawler).spider_opened(spider)
    writer = WarcWriter.of(crawler)
    assert writer is not None
    writer.spider_opened(spider)
    middleware = WarcCaptureMiddleware.from_crawler(crawler)
    big = b"<p>" + b"A page of the blog, repeated. " * (16 << 15) + b"</p>"
    captures: dict[str, Capture] = {}

    def thread_cpu(body: bytes, name: str) -> float:
        """The least CPU this thread spent capturing one of three answers with ``body``."""
        spent = []
        for number in range(3):
            request = Request(f"http://127.0.0.1:9/en/{name}-{number}/")
            response = HtmlResponse(request.url, body=body, request=request)
            started = time.thread_time()
            middleware.process_response(request, response)
            spent.append(time.thread_time() - started)
            captures[request.url] = request.meta[CAPTURE_META]
        return min(spent)

    try:
        small, large = thread_cpu(b"x", "small"), thread_cpu(big, "big")
        writer.sync()
    finally:
        writer.spider_closed(spider)
    assert large < small + 0.002, (small, large)
    capture = captures["http://127.0.0.1:9/en/big-0/"]
    assert writer.is_durable(capture) and capture.payload_digest == payload_digest(big)
    with WarcReader(db) as reader:
        assert reader.read(capture.path, capture.offset, capture.length).body == big
