"""Reading a page for the ``extract`` command: a local file or an http(s) URL.

Every way an input can be unusable (missing, empty, not HTML, unreachable, too large, too
slow) becomes an :class:`ExtractionError` with one sentence, which the command reports as one
line. A URL is bounded as the crawl bounds a download: in bytes once decompressed and in total
time, so a page that never ends or trickles in a byte a second ends in one clear error.
"""

from __future__ import annotations

import sys
import threading
import time
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from http.client import HTTPResponse
from pathlib import Path

from scraper.extraction.decoding import ExtractionError, decode_html, not_html_reason

#: Seconds a page given as a URL may take in all, and bytes it may hold once decompressed: the
#: crawl's own DOWNLOAD_TIMEOUT and DOWNLOAD_MAXSIZE.
FETCH_TIMEOUT = 30
MAX_BYTES = 10 * 1024 * 1024
_CHUNK = 64 * 1024
#: Content-Encoding -> zlib's wbits for it; asked for in Accept-Encoding, the only ones read.
_ENCODINGS = {"identity": None, "gzip": 31, "x-gzip": 31, "deflate": 15}
_USER_AGENT = "blog-archive-extract/0.1 (+https://github.com/blog-archive/blog-archive)"


@dataclass(frozen=True)
class Source:
    """A page's text and the address its links resolve against."""

    text: str
    url: str


def load(target: str, timeout: float = FETCH_TIMEOUT, max_bytes: int = MAX_BYTES) -> Source:
    """The page at ``target`` (a path or an http(s) URL), checked to be HTML. A URL must
    answer within ``timeout`` seconds in all and hold at most ``max_bytes`` decompressed."""
    source = _fetch(target, timeout, max_bytes) if target.startswith(("http://", "https://")) \
        else _read(target)
    reason = not_html_reason(source.text)
    if reason:
        raise ExtractionError(f"{target}: {reason}")
    return source


def _read(target: str) -> Source:
    """A file's page; ``-`` (as for ``export --out -``) or ``/dev/stdin`` reads one piped in."""
    if target == "-":
        return Source(decode_html(sys.stdin.buffer.read()), Path("/dev/stdin").as_uri())
    path = Path(target)
    if not path.exists():
        raise ExtractionError(f"{target}: no such file")
    if path.is_dir():
        raise ExtractionError(f"{target}: is a directory, not a page")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ExtractionError(f"{target}: cannot be read ({error.strerror})") from None
    return Source(decode_html(data), path.resolve().as_uri())


class _PastDeadline(Exception):
    """The worker's own check of the deadline, for the rare race with the caller's."""


def _fetch(url: str, timeout: float, max_bytes: int) -> Source:
    """GET ``url`` in a worker thread, given up after ``timeout`` seconds whatever the server
    does (a socket timeout alone never fires while a byte arrives every second, nor for a
    status line sent that way). The abandoned worker stops at its next read of the body."""
    deadline = time.monotonic() + timeout
    outcome: list[Source | Exception] = []

    def fetch() -> None:
        try:
            outcome.append(_download(url, timeout, max_bytes, deadline))
        except Exception as error:  # noqa: BLE001 — raised again in the caller's thread
            outcome.append(error)

    worker = threading.Thread(target=fetch, name="extract-fetch", daemon=True)
    worker.start()
    worker.join(timeout)
    if not outcome or isinstance(outcome[0], _PastDeadline):
        raise ExtractionError(f"{url}: could not be fetched (took longer than {timeout:g} s; "
                              "--timeout allows more)")
    if isinstance(outcome[0], Exception):
        raise outcome[0]
    return outcome[0]


def _download(url: str, timeout: float, max_bytes: int, deadline: float) -> Source:
    """The page at ``url``; an HTTP error page (a 404) is still a page and is returned."""
    try:
        request = urllib.request.Request(url, headers={
            "User-Agent": _USER_AGENT, "Accept-Encoding": "gzip, deflate"})
        try:
            response: HTTPResponse = urllib.request.urlopen(request, timeout=timeout)
            final_url = response.geturl()
        except urllib.error.HTTPError as error:
            if error.fp is None:
                raise ExtractionError(f"{url}: could not be fetched (HTTP {error.code})") from None
            response, final_url = error.fp, url  # type: ignore[assignment]
        with response:
            body = _body(url, response, max_bytes, deadline)
            return Source(decode_html(body, response.headers.get("Content-Type")), final_url)
    except ExtractionError:  # a ValueError too, already in words
        raise
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", None) or error
        raise ExtractionError(f"{url}: could not be fetched ({reason})") from None
    except ValueError as error:  # urllib's parser: "Invalid IPv6 URL", a bad port...
        raise ExtractionError(f"{url}: not a valid URL ({error})") from None


def _body(url: str, response: HTTPResponse, max_bytes: int, deadline: float) -> bytes:
    """The response's body, decompressed, read a chunk at a time: never more than
    ``max_bytes`` of it held, never read past ``deadline``."""
    encoding = (response.headers.get("Content-Encoding") or "identity").strip().lower()
    if encoding not in _ENCODINGS:
        raise ExtractionError(f"{url}: sent in an encoding extract cannot read ({encoding})")
    wbits = _ENCODINGS[encoding]
    inflate = zlib.decompressobj(wbits) if wbits else None
    too_large = ExtractionError(f"{url}: larger than the size limit ({max_bytes} bytes; "
                                "--max-size allows more)")
    declared = response.headers.get("Content-Length", "")
    if inflate is None and declared.isdigit() and int(declared) > max_bytes:
        raise too_large
    body = bytearray()
    while chunk := response.read1(_CHUNK):
        if time.monotonic() > deadline:
            raise _PastDeadline
        try:
            body += inflate.decompress(chunk, max_bytes + 1 - len(body)) if inflate else chunk
        except zlib.error as error:
            raise ExtractionError(f"{url}: cannot be decompressed ({error})") from None
        if len(body) > max_bytes:
            raise too_large
    return bytes(body)
