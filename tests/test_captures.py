"""Reading stored responses back for re-extraction (archive/captures.py): real WARC files
written with warcio in the layout a crawl leaves (one gzip member per record; rows of a real
archive's ``fetches`` pointing at them by a path relative to the archive's folder)."""

from __future__ import annotations

import gzip
import sys
import zlib
from http import HTTPStatus
from io import BytesIO
from pathlib import Path

import brotli
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive import Archive
from archive.captures import RESPONSE_BY_RECORD_ID_SQL, CaptureError, stored_response

if sys.version_info >= (3, 14):
    from compression import zstd
else:
    from backports import zstd

URL = "http://127.0.0.1:8000/en/long-run/"
PAGE = "<html><body><h1>Long run</h1><p>Zażółć gęślą jaźń.</p></body></html>".encode()
SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
#: The Content-Encodings Scrapy asks for, as a server applies them.
_ENCODE = {"gzip": gzip.compress, "deflate": zlib.compress, "br": brotli.compress,
           "zstd": zstd.compress}


class WarcFile:
    """One run's WARC file beside an archive, and the ``fetches`` rows pointing into it."""

    def __init__(self, archive: Path, name: str = "archive.warc/run-000001.warc.gz"):
        self.archive = archive
        self.relative = name
        (archive.parent / name).parent.mkdir(parents=True, exist_ok=True)
        self.stream = open(archive.parent / name, "ab")  # noqa: SIM115 — closed by close()
        self.writer = WARCWriter(self.stream, gzip=True, warc_version="1.1")
        self.store = Archive.open(archive)
        self.db = self.store.db
        self.run_id = self.store.start_run("test", "test", "0", "0")

    def close(self) -> None:
        self.stream.close()
        self.store.close()

    def write(self, record: object, refers_to: str | None = None, **columns: object) -> dict:
        """Append ``record`` and a ``fetches`` row pointing at it, as a crawl does (``columns``
        set the fetch's own, such as its article and outcome); the row."""
        offset = self.stream.tell()
        self.writer.write_record(record)
        self.stream.flush()
        headers = record.rec_headers
        row = {"crawl_run_id": self.run_id, "url": URL, "outcome": "new",
               "fetched_at": "2026-12-01T10:00:00+00:00", "warc_path": self.relative,
               "warc_offset": offset, "warc_length": self.stream.tell() - offset,
               "warc_record_id": headers.get_header("WARC-Record-ID"),
               "warc_date": headers.get_header("WARC-Date"), "warc_refers_to": refers_to,
               "warc_type": record.rec_type,
               "payload_digest": headers.get_header("WARC-Payload-Digest"), **columns}
        table = self.db["fetches"]
        table.insert(row)
        return {**row, "id": table.last_pk}

    def response(self, body: bytes, *, date: str, encoding: str | None = None,
                 payload: bytes | None = None, status: int = 200,
                 **columns: object) -> dict:
        """A response of ``body`` under ``encoding`` (``payload``: the bytes sent instead)."""
        headers = [("Content-Type", "text/html; charset=UTF-8"), ("ETag", '"v1"')]
        if encoding:
            headers.append(("Content-Encoding", encoding))
        if payload is None:
            payload = _ENCODE[encoding](body) if encoding else body
        record = self.writer.create_warc_record(
            URL, "response", payload=BytesIO(payload), warc_headers_dict={"WARC-Date": date},
            http_headers=StatusAndHeaders(f"{status} {HTTPStatus(status).phrase}", headers,
                                          protocol="HTTP/1.1"))
        return self.write(record, status=status, **columns)

    def revisit(self, refers_to: dict, *, profile: str | None = None,
                **columns: object) -> dict:
        """A revisit of the response ``refers_to`` (its row), by record id."""
        record = self.writer.create_revisit_record(
            URL, "sha1:AAAA", URL, refers_to["warc_date"], warc_headers_dict={
                "WARC-Refers-To": refers_to["warc_record_id"]},
            http_headers=StatusAndHeaders("304 Not Modified", [], protocol="HTTP/1.1"))
        if profile:
            record.rec_headers.replace_header("WARC-Profile", profile)
        return self.write(record, refers_to["warc_record_id"], status=304, **columns)


@pytest.fixture
def warc(tmp_path: Path) -> WarcFile:
    warc_file = WarcFile(tmp_path / "archive.db")
    yield warc_file
    warc_file.close()


def test_a_gzipped_response_reads_back_as_the_bytes_the_server_meant(warc: WarcFile) -> None:
    row = warc.response(PAGE, date="2026-12-01T10:00:00Z", encoding="gzip")
    stored = stored_response(warc.db, warc.archive, row)
    assert (stored.response.url, stored.response.status, stored.body) == (URL, 200, PAGE)
    assert stored.response.header("content-type") == "text/html; charset=UTF-8"
    assert stored.response.record_id == row["warc_record_id"]


def test_every_encoding_scrapy_asks_for_reads_back(warc: WarcFile) -> None:
    """zstd too: Scrapy 2.19 asks every server for it."""
    for encoding in _ENCODE:
        row = warc.response(PAGE, date="2026-12-01T10:00:00Z", encoding=encoding)
        assert stored_response(warc.db, warc.archive, row).body == PAGE, encoding


def test_a_body_corrupt_under_its_encoding_is_one_line(warc: WarcFile) -> None:
    """Each decoding library raises its own error on bytes it cannot undo (brotli's and
    zstd's are no zlib.error): every one is a CaptureError naming the encoding."""
    for encoding in _ENCODE:
        row = warc.response(PAGE, date="2026-12-01T10:00:00Z", encoding=encoding,
                            payload=b"\x1f\x8b\x08 not what the encoding says")
        with pytest.raises(CaptureError, match=f"corrupt {encoding} body"):
            stored_response(warc.db, warc.archive, row)


@pytest.mark.parametrize("profile", [None, SERVER_NOT_MODIFIED])
def test_a_revisit_leads_to_the_response_it_confirms(warc: WarcFile, profile: str | None) -> None:
    """Identical-payload-digest and server-not-modified alike: the response the revisit
    names, not merely the newest one of the URL."""
    first = warc.response(PAGE, date="2026-12-01T10:00:00Z")
    warc.response(PAGE.replace(b"Long", b"Longer"), date="2026-12-02T10:00:00Z")
    revisit = warc.revisit(first, profile=profile)
    stored = stored_response(warc.db, warc.archive, revisit)
    assert (stored.body, stored.response.record_id) == (PAGE, first["warc_record_id"])


def test_a_revisit_whose_response_is_gone_is_one_line(warc: WarcFile) -> None:
    first = warc.response(PAGE, date="2026-12-01T10:00:00Z")
    revisit = warc.revisit(first)
    warc.db["fetches"].delete(first["id"])
    with pytest.raises(CaptureError, match="refers to a response the archive no longer holds"):
        stored_response(warc.db, warc.archive, revisit)


def test_a_missing_file_a_cut_file_and_a_wrong_offset_are_each_one_line(
        warc: WarcFile) -> None:
    row = warc.response(PAGE, date="2026-12-01T10:00:00Z")
    path = warc.archive.parent / warc.relative
    wrong = {**row, "warc_offset": 7, "warc_length": row["warc_length"] - 7}
    with pytest.raises(CaptureError, match="holds no readable response at offset"):
        stored_response(warc.db, warc.archive, wrong)
    path.write_bytes(path.read_bytes()[: row["warc_length"] // 2])
    with pytest.raises(CaptureError, match="is cut short"):
        stored_response(warc.db, warc.archive, row)
    path.unlink()
    with pytest.raises(CaptureError, match=r"cannot read .*run-000001\.warc\.gz"):
        stored_response(warc.db, warc.archive, row)


def test_a_revisit_of_a_response_whose_file_was_forgotten_is_one_line(warc: WarcFile) -> None:
    """docs/operations.md's pruning sets a deleted file's ``warc_path`` to NULL: the revisit
    that confirmed a record in it leads to no file, said in one line."""
    first = warc.response(PAGE, date="2026-12-01T10:00:00Z")
    revisit = warc.revisit(first)
    warc.db.execute("update fetches set warc_path = null where id = ?", [first["id"]])
    with pytest.raises(CaptureError, match="refers to a response the archive no longer holds"):
        stored_response(warc.db, warc.archive, revisit)


def test_a_revisit_is_followed_by_an_index_not_a_scan(warc: WarcFile) -> None:
    plan = " ".join(row[3] for row in warc.db.execute(
        f"explain query plan {RESPONSE_BY_RECORD_ID_SQL}", ["<urn:uuid:x>"]))
    assert plan == "SEARCH fetches USING INDEX fetches_warc_record_id (warc_record_id=?)"
