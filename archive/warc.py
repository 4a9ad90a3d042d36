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
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from isal import isal_zlib

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
_UNREADABLE = (ArchiveError, ValueError, LookupError, zlib.error, isal_zlib.error)
#: Ends a header block, WARC's or HTTP's.
_END_OF_HEADERS = b"\r\n\r\n"

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
    is read whole (its length is in the ``fetches`` row), inflated in one call and split
    in memory (see :func:`_response`), rather than streamed through warcio's block-wise
    decompressing reader and line-by-line header parser."""

    def __init__(self, archive_path: str | Path):
        self.folder = Path(archive_path).resolve().parent
        #: warc_path -> (open file, its size when opened).
        self.files: dict[str, tuple[BinaryIO, int]] = {}

    def read(self, warc_path: str, offset: int, length: int) -> StoredResponse:
        """The response record of ``length`` bytes at ``offset`` of ``warc_path`` (relative to
        the archive's folder); ArchiveError in one line when the file cannot be read, ends
        before the record does, or holds no response record there."""
        try:
            stream, size = self._open(warc_path)
            if size < offset + length:
                raise ArchiveError(f"{self.folder / warc_path} is cut short: no whole record "
                                   f"at offset {offset}")
            stream.seek(offset)
            member = stream.read(length)
        except OSError as error:
            raise ArchiveError(f"cannot read {self.folder / warc_path}: "
                               f"{error.strerror or error}") from None
        try:
            # ISA-L's inflate (the crawl compresses with its igzip): 17 µs a record of the
            # bench's blog, where zlib's takes 34, a tenth of re-extraction's own overhead
            return _response(isal_zlib.decompress(member, _GZIP))
        except _UNREADABLE as error:
            raise ArchiveError(f"{self.folder / warc_path} holds no readable response at "
                               f"offset {offset}: {' '.join(str(error).split())}") from None

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


def _response(record: bytes) -> StoredResponse:
    """The response in one whole, inflated WARC record. The record is in memory, so its
    header blocks are split off at their blank lines and parsed as warcio's parser reads
    them (see :func:`_headers`): warcio's line-by-line reading through a stream costs as
    much as inflating the record. ArchiveError, ValueError or LookupError for anything
    else."""
    head, _, block = record.partition(_END_OF_HEADERS)
    version, warc = _headers(head)
    if not version.startswith("WARC/"):
        raise ArchiveError(f"not a WARC record: {version[:40]!r}")
    fields = {name.lower(): value for name, value in warc}
    if fields.get("warc-type") != "response":
        raise ArchiveError(f"a {fields.get('warc-type')} record, not a response")
    size = int(fields["content-length"])
    if len(block) < size or _END_OF_HEADERS not in block[:size]:
        raise ArchiveError("the record ends before its HTTP headers and body do")
    http_head, _, body = block[:size].partition(_END_OF_HEADERS)
    status_line, http_headers = _headers(http_head)
    protocol, status = status_line.split(" ", 2)[:2]
    if not protocol.upper().startswith("HTTP/"):
        raise ArchiveError(f"no HTTP status line: {status_line[:40]!r}")
    return StoredResponse(url=fields["warc-target-uri"], status=int(status),
                          headers=http_headers, body=body,
                          record_id=fields["warc-record-id"], date=fields["warc-date"])


def _headers(block: bytes) -> tuple[str, list[tuple[str, str]]]:
    """A header block's first line and its (name, value) pairs, as warcio reads them: each
    line UTF-8 or else Latin-1, a line starting with a space or tab continuing the value
    before it, a line without a colon dropped."""
    try:  # UTF-8 throughout (CR and LF never occur inside a UTF-8 sequence), as is usual
        first, *lines = block.decode("utf-8").split("\r\n")
    except UnicodeDecodeError:
        first, *lines = (_text(line) for line in block.split(b"\r\n"))
    pairs: list[tuple[str, str | None]] = []
    for line in lines:
        if line.startswith((" ", "\t")) and pairs:
            name, value = pairs[-1]
            pairs[-1] = (name, None if value is None else value + line)
            continue
        name, colon, value = line.partition(":")
        pairs.append((name.rstrip(" \t"), value.lstrip() if colon else None))
    return first, [(name, value) for name, value in pairs if value is not None]


def _text(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("iso-8859-1")


def _inflate(body: bytes) -> bytes:
    """``deflate`` as servers send it: zlib-wrapped, or raw as some do."""
    try:
        return zlib.decompress(body)
    except zlib.error:
        return zlib.decompress(body, -zlib.MAX_WBITS)
