"""Reading a fetch's answer back from the WARC files the crawl wrote beside the archive.

A ``fetches`` row points at its record: ``warc_path`` (relative to the archive file's
folder), ``warc_offset`` and ``warc_length`` bound one gzip member, which warcio reads on its
own. A revisit record holds headers only; the bytes are in the response record it refers to
(``warc_refers_to``), which is also the URL's newest fetch of a 200 with ``warc_type``
``response`` (archive.store's ``_CAPTURES_SQL`` finds those); a :class:`WarcReader` reads them.
"""

from __future__ import annotations

import os
import sys
import zlib
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from warcio.recordloader import ArchiveLoadFailed, ArcWarcRecordLoader
from warcio.statusandheaders import StatusAndHeadersParserException

from archive.errors import ArchiveError

#: Content-Encoding -> how to undo it, for the encodings a crawl asks for without extras.
_DECODERS = {
    "gzip": lambda body: zlib.decompress(body, zlib.MAX_WBITS | 32),
    "x-gzip": lambda body: zlib.decompress(body, zlib.MAX_WBITS | 32),
    "deflate": lambda body: _inflate(body),
    "identity": lambda body: body,
}
#: What the decoders raise on a body that is not what its Content-Encoding says (each
#: library has its own error: zlib's, brotli's, zstd's).
_CORRUPT: list[type[Exception]] = [zlib.error]
try:  # Scrapy asks for br when brotli is installed, as it is with Scrapy's own extras
    import brotli

    _DECODERS["br"] = brotli.decompress
    _CORRUPT.append(brotli.error)
except ImportError:  # pragma: no cover — then no crawl asked for it either
    pass
try:  # Scrapy 2.19 asks for zstd too: the standard library's from Python 3.14, else the backport
    if sys.version_info >= (3, 14):
        from compression import zstd
    else:
        from backports import zstd

    _DECODERS["zstd"] = zstd.decompress
    _CORRUPT.append(zstd.ZstdError)
except ImportError:  # pragma: no cover — then no crawl asked for it either
    pass

#: zlib's wbits for one gzip member (a record, as the crawl writes them).
_GZIP = zlib.MAX_WBITS | 16
#: What inflating and parsing raise on bytes that are not one whole record.
_UNREADABLE = (ArchiveError, ArchiveLoadFailed, StatusAndHeadersParserException, EOFError,
               ValueError, zlib.error)
#: warcio's record parser, as its ArchiveIterator uses it (it keeps no state between records).
_LOADER = ArcWarcRecordLoader()

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
            except tuple(_CORRUPT) as error:
                raise ArchiveError(f"{self.url}: corrupt {coding} body: {error}") from None
        return body


class WarcReader:
    """Reads response records by their place in the WARC files beside an archive, each file
    opened once and kept open: a re-extraction reads hundreds of records from one file, and
    an open, seek and close per record cost as much as parsing it. The record's gzip member
    is read whole (its length is in the ``fetches`` row) and inflated in one call, rather
    than streamed through warcio's block-wise decompressing reader."""

    def __init__(self, archive_path: str | Path):
        self.folder = Path(archive_path).resolve().parent
        #: warc_path -> (open file, its size when opened).
        self.files: dict[str, tuple[BinaryIO, int]] = {}

    def read(self, warc_path: str, offset: int, length: int) -> StoredResponse:
        """The response record of ``length`` bytes at ``offset`` of ``warc_path`` (relative to
        the archive's folder); ArchiveError in one line when the file cannot be read, ends
        before the record does, or holds no response record there."""
        path = self.folder / warc_path
        try:
            stream, size = self._open(warc_path)
            if size < offset + length:
                raise ArchiveError(f"{path} is cut short: no whole record at offset {offset}")
            stream.seek(offset)
            member = stream.read(length)
        except OSError as error:
            raise ArchiveError(f"cannot read {path}: {error.strerror or error}") from None
        try:
            record = _LOADER.parse_record_stream(
                BytesIO(zlib.decompress(member, _GZIP)), known_format="warc")
            if record.rec_type != "response" or record.http_headers is None:
                raise ArchiveError(f"a {record.rec_type} record, not a response")
            headers = record.rec_headers
            return StoredResponse(
                url=headers.get_header("WARC-Target-URI"),
                status=int(record.http_headers.get_statuscode()),
                headers=list(record.http_headers.headers),
                body=record.raw_stream.read(),
                record_id=headers.get_header("WARC-Record-ID"),
                date=headers.get_header("WARC-Date"))
        except _UNREADABLE as error:
            raise ArchiveError(f"{path} holds no readable response at offset {offset}: "
                               f"{' '.join(str(error).split())}") from None

    def _open(self, warc_path: str) -> tuple[BinaryIO, int]:
        if warc_path not in self.files:
            stream = (self.folder / warc_path).open("rb")
            self.files[warc_path] = (stream, os.fstat(stream.fileno()).st_size)
        return self.files[warc_path]

    def close(self) -> None:
        for stream, _ in self.files.values():
            stream.close()
        self.files.clear()

    def __enter__(self) -> WarcReader:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _inflate(body: bytes) -> bytes:
    """``deflate`` as servers send it: zlib-wrapped, or raw as some do."""
    try:
        return zlib.decompress(body)
    except zlib.error:
        return zlib.decompress(body, -zlib.MAX_WBITS)
