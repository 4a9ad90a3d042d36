"""Serve the bundled blog over real HTTP on 127.0.0.1, as WordPress behind a cache would.

Every answer carries ``ETag`` and, where the content has a date, ``Last-Modified``; a
conditional request that matches gets ``304 Not Modified``. Every request is logged (method,
path, headers, status), so tests can assert what a crawl asked for from the server's side.
``faults`` maps a path to a function that answers instead of the blog, for fault injection.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from scraper.bundled_blog.site import BundledBlog, Page

#: A fault answers a request in place of the blog; it may write anything to the socket.
Fault = Callable[[BaseHTTPRequestHandler], None]
LogEntry = tuple[str, str, dict[str, str], int]


class BlogServer:
    """The bundled blog on a free loopback port, in a background thread; a context manager."""

    def __init__(self, blog: BundledBlog | None = None, host: str = "127.0.0.1", port: int = 0):
        self.blog = blog or BundledBlog()
        self.request_log: list[LogEntry] = []
        self.faults: dict[str, Fault] = {}
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, port), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True,
                                        name="bundled-blog")

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> BlogServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> BlogServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def log(self, entry: LogEntry) -> None:
        with self._lock:
            self.request_log.append(entry)

    def answer(self, path: str) -> Page:
        with self._lock:
            return self.blog.resolve(path, self.base_url)


def _handler_for(server: BlogServer) -> type[BaseHTTPRequestHandler]:
    class Handler(_BlogHandler):
        blog_server = server

    return Handler


class _BlogHandler(BaseHTTPRequestHandler):
    blog_server: BlogServer
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY, as nginx sets it: headers and body go out as two writes, and with Nagle's
    # algorithm the body waited for the client's delayed ACK of the headers, 40 ms a request
    # on a keep-alive connection, so this server, not the crawler, set every crawl's pace.
    disable_nagle_algorithm = True
    server_version = "nginx"
    sys_version = ""

    def do_GET(self) -> None:
        self.respond(send_body=True)

    def do_HEAD(self) -> None:
        self.respond(send_body=False)

    def respond(self, send_body: bool) -> None:
        path = self.path
        fault = self.blog_server.faults.get(path.split("?", 1)[0])
        if fault is not None:
            self.blog_server.log((self.command, path, dict(self.headers), 0))
            fault(self)
            return
        page = self.blog_server.answer(path)
        status = 304 if page.status == 200 and self.not_modified(page) else page.status
        self.blog_server.log((self.command, path, dict(self.headers), status))
        self.send_response(status)
        self.send_header("ETag", page.etag)
        if page.last_modified is not None:
            self.send_header("Last-Modified", format_datetime(page.last_modified, usegmt=True))
        if page.location:
            self.send_header("Location", page.location)
        if status == 304:
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(page.body)))
        self.end_headers()
        if send_body:
            self.wfile.write(page.body)

    def not_modified(self, page: Page) -> bool:
        """RFC 9110: If-None-Match wins; If-Modified-Since is used only without it."""
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            return page.etag in {tag.strip() for tag in if_none_match.split(",")}
        since = self.headers.get("If-Modified-Since")
        if since is None or page.last_modified is None:
            return False
        try:
            return page.last_modified.replace(microsecond=0) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False

    def log_message(self, format: str, *args: object) -> None:
        """Silence the default access log: the request log is kept in ``request_log``."""
