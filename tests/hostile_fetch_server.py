"""Hostile answers for a local test server: compression bombs, endless and trickling bodies,
a robots.txt that hangs or resets, pages that claim another page's address.

Each function returns a :data:`~scraper.bundled_blog.server.Fault`, an answer that the bundled
blog's server (a real HTTP server on 127.0.0.1 that logs every request) gives for one path in
place of the blog; ``serve(faults)`` starts one such server with only these answers changed,
so the rest of the blog stays healthy and every healthy article can be counted.
"""

from __future__ import annotations

import gzip
import io
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from http.server import BaseHTTPRequestHandler

import brotli
from backports import zstd

from scraper.bundled_blog.server import BlogServer, Fault
from tests import faults

#: A bomb's size once decompressed: just over the crawl's default DOWNLOAD_MAXSIZE (10 MiB),
#: from a body of a few KB.
BOMB_BYTES = 11 * 1024 * 1024
ENCODINGS = ("gzip", "deflate", "br", "zstd")
#: The longest any answer here keeps a client waiting, so a test never waits on the server.
MAX_WAIT_SECONDS = 10.0


@contextmanager
def serve(faults: dict[str, Fault] | None = None) -> Iterator[BlogServer]:
    """The bundled blog on a free 127.0.0.1 port, ``faults`` answering in its place."""
    with BlogServer() as server:
        server.faults.update(faults or {})
        yield server


@cache
def bomb(encoding: str, size: int = BOMB_BYTES) -> bytes:
    """``size`` bytes of HTML whitespace compressed with ``encoding``: a few KB on the wire."""
    raw = b" " * size
    compress = {"gzip": gzip.compress, "deflate": zlib.compress, "br": brotli.compress,
                "zstd": zstd.compress}[encoding]
    return compress(raw)


def encoded(body: bytes, encoding: str, content_type: str = "text/html; charset=UTF-8") -> Fault:
    """``body`` sent as it is, labelled ``Content-Encoding: encoding``."""
    def answer(handler: BaseHTTPRequestHandler) -> None:
        faults.send(handler, 200, body, {"Content-Encoding": encoding}, content_type)
    return answer


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes,
         content_type: str = "text/html; charset=UTF-8", **headers: str) -> None:
    faults.send(handler, status, body, headers, content_type)


def replaced(*pairs: str, page: str | None = None) -> Fault:
    """The blog's page at this path (or at ``page``) with each ``old, new`` of ``pairs``
    replaced once."""
    def answer(handler: BaseHTTPRequestHandler) -> None:
        html = handler.blog_server.answer(page or handler.path).body.decode()  # type: ignore[attr-defined]
        for old, new in zip(pairs[::2], pairs[1::2], strict=True):
            assert old in html, old
            html = html.replace(old, new, 1)
        send(handler, 200, html.encode())
    return answer


def robots_with(server: BlogServer, rules: str, sitemaps: tuple[str, ...] = ()) -> Fault:
    """The blog's robots.txt with ``rules`` added to its ``User-agent: *`` group and more
    ``Sitemap:`` lines."""
    text = server.answer("/robots.txt").body.decode()
    text = text.replace("User-agent: *\n", f"User-agent: *\n{rules}", 1)
    text += "".join(f"Sitemap: {server.base_url}{path}\n" for path in sitemaps)
    body = text.encode()
    return lambda handler: send(handler, 200, body, "text/plain; charset=utf-8")


def hang(seconds: float = MAX_WAIT_SECONDS) -> Fault:
    """No answer at all for ``seconds``, then the connection closes."""
    def answer(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        handler.close_connection = True
    return answer


def reset(handler: BaseHTTPRequestHandler) -> None:
    """A status line and half the headers, then a TCP reset."""
    handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/pl")
    handler.wfile.flush()
    faults.abort(handler)


def endless(declared: int | None) -> Fault:
    """A page that streams HTML until the client stops reading (or ``MAX_WAIT_SECONDS``
    pass), saying it is ``declared`` bytes long, or saying nothing (it ends when it closes)."""
    chunk = b"<p>" + b"x" * 65_530 + b"</p>"

    def answer(handler: BaseHTTPRequestHandler) -> None:
        _start(handler, declared)
        _write_until(handler, lambda: chunk)
    return answer


def trickle(body: bytes, per_byte: float = 1.0) -> Fault:
    """``body`` one byte every ``per_byte`` seconds: each read gets something before any
    socket timeout, so only a bound on the whole fetch ends it."""
    def answer(handler: BaseHTTPRequestHandler) -> None:
        _start(handler, len(body))
        left = iter(body)

        def next_byte() -> bytes:
            time.sleep(per_byte)
            return bytes([next(left, 32)])
        _write_until(handler, next_byte)
    return answer


def _start(handler: BaseHTTPRequestHandler, declared: int | None) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=UTF-8")
    if declared is None:
        handler.send_header("Connection", "close")
    else:
        handler.send_header("Content-Length", str(declared))
    handler.end_headers()


def _write_until(handler: BaseHTTPRequestHandler, chunk: Callable[[], bytes]) -> None:
    deadline = time.monotonic() + MAX_WAIT_SECONDS
    try:
        while time.monotonic() < deadline:
            handler.wfile.write(chunk())
            handler.wfile.flush()
    except OSError:  # the client gave up, as it should
        pass
    handler.close_connection = True
    handler.wfile = io.BytesIO()  # the stdlib flushes it after the handler returns
