"""Reading a fetch's answer back from the WARC files the crawl wrote beside the archive.

A ``fetches`` row points at its record: ``warc_path`` (relative to the archive file's
folder), ``warc_offset`` and ``warc_length`` bound one gzip member, which warcio reads on its
own. A revisit record holds headers only; the bytes are in the response record it refers to
(``warc_refers_to``), which is also the URL's newest fetch of a 200 with ``warc_type``
``response``: :func:`newest_responses` finds those, :func:`read_response` reads one.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from archive.errors import ArchiveError

#: Content-Encoding -> how to undo it, for the encodings a crawl asks for without extras.
_DECODERS = {
    "gzip": lambda body: zlib.decompress(body, zlib.MAX_WBITS | 32),
    "x-gzip": lambda body: zlib.decompress(body, zlib.MAX_WBITS | 32),
    "deflate": lambda body: _inflate(body),
    "identity": lambda body: body,
}
try:  # Scrapy asks for br when brotli is installed, as it is with Scrapy's own extras
    import brotli

    _DECODERS["br"] = brotli.decompress
except ImportError:  # pragma: no cover — then no crawl asked for it either
    pass

#: Per URL, its newest fetch that holds the response record of a 200 the crawl kept.
_NEWEST_RESPONSES_SQL = """
select f.* from fetches f join (
    select max(id) as id from fetches indexed by fetches_warc_captures
    where warc_path is not null and warc_type = 'response' and status = 200
        and outcome != 'error'
    group by url
) newest on newest.id = f.id
"""


@dataclass
class StoredResponse:
    """One ``response`` record: the answer as the server sent it (body still encoded)."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    record_id: str
    date: str

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    def decoded_body(self) -> bytes:
        """The body with its Content-Encoding undone, as the spider parsed it; ArchiveError
        for an encoding this cannot undo."""
        body = self.body
        for coding in reversed((self.header("Content-Encoding") or "").split(",")):
            coding = coding.strip().lower()
            if not coding:
                continue
            decoder = _DECODERS.get(coding)
            if decoder is None:
                raise ArchiveError(f"{self.url}: cannot decode Content-Encoding {coding}")
            try:
                body = decoder(body)
            except zlib.error as error:
                raise ArchiveError(f"{self.url}: corrupt {coding} body: {error}") from None
        return body


def read_response(archive_path: str | Path, warc_path: str, offset: int) -> StoredResponse:
    """The response record at ``offset`` of ``warc_path`` (relative to the archive's folder);
    ArchiveError when the file is gone or the record there is not a response."""
    path = Path(archive_path).resolve().parent / warc_path
    try:
        with path.open("rb") as stream:
            stream.seek(offset)
            record = next(iter(ArchiveIterator(stream)), None)
            if record is None or record.rec_type != "response" or record.http_headers is None:
                raise ArchiveError(f"{path}: no response record at offset {offset}")
            headers = record.rec_headers
            return StoredResponse(
                url=headers.get_header("WARC-Target-URI"),
                status=int(record.http_headers.get_statuscode()),
                headers=list(record.http_headers.headers),
                body=record.raw_stream.read(),
                record_id=headers.get_header("WARC-Record-ID"),
                date=headers.get_header("WARC-Date"))
    except OSError as error:
        raise ArchiveError(f"cannot read {path}: {error.strerror or error}") from None


def newest_responses(db: Any) -> list[dict[str, Any]]:
    """The ``fetches`` rows that hold each URL's newest response record."""
    return list(db.query(_NEWEST_RESPONSES_SQL))


def _inflate(body: bytes) -> bytes:
    """``deflate`` as servers send it: zlib-wrapped, or raw as some do."""
    try:
        return zlib.decompress(body)
    except zlib.error:
        return zlib.decompress(body, -zlib.MAX_WBITS)
