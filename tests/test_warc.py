"""WARC capture: every exchange of a crawl of the bundled blog, read back with standard tools.

The crawls are real (the command line in a subprocess, over real HTTP); the WARC files are
read with warcio's ArchiveIterator, ``warcio check`` and ``cdxj-indexer`` as a replay tool
would, never with the code that wrote them.
"""

from __future__ import annotations

import zlib
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive.warc import read_response
from tests.conftest import Crawl

SEED_PATH = "/en/how-to-roll-your-back-exercises-for-back-pain/"


def warc_files(crawl: Crawl) -> list[Path]:
    return sorted((crawl.db_path.parent / "archive.warc").glob("*.warc.gz"))


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
        "select warc_path, warc_offset from fetches where url = ?", [url]))
    sent = english_crawl.server.blog.resolve(SEED_PATH, english_crawl.server.base_url)
    with (english_crawl.db_path.parent / row["warc_path"]).open("rb") as stream:
        stream.seek(row["warc_offset"])
        record = next(iter(ArchiveIterator(stream)))
        assert record.rec_headers.get_header("WARC-Target-URI") == url
        assert record.http_headers.get_header("ETag") == sent.etag
        assert record.content_stream().read() == sent.body
    stored = read_response(english_crawl.db_path, row["warc_path"], row["warc_offset"])
    assert (stored.status, stored.body, stored.decoded_body()) == (200, sent.body, sent.body)
