"""A small web server for hostile-web tests: a site built from a dict of routes.

A route maps a path to what it serves: bytes or text (an HTML page, or XML / plain text by the
path's extension), an :class:`Answer` (any status, headers and body), or a callable given the
request's path and query string that returns either, or None for a 404. A key ending in ``*``
matches every path it starts (the longest such key wins over a shorter one; an exact key over
both), which is how a trap serves its endless pages. :func:`healthy_blog` gives the routes of a
small blog whose every article a crawl must archive, whatever trap is served beside it.

The server listens on 127.0.0.1 on a free port, in a thread, and logs every request it answers
(path with query), so a test can count what the crawler asked for.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

Body = bytes | str


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: Body = b""
    headers: Mapping[str, str] = field(default_factory=dict)


#: What a route serves; a callable gets (path, query) and returns one, or None for a 404.
Route = Body | Answer | Callable[[str, str], Body | Answer | None]


class HostileServer:
    """``with HostileServer(routes) as server:`` serves ``routes`` at ``server.base_url``."""

    def __init__(self, routes: Mapping[str, Route]):
        self.routes = dict(routes)
        self.prefixes = sorted((key[:-1] for key in self.routes if key.endswith("*")),
                               key=len, reverse=True)
        self.request_log: list[str] = []
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def requested(self, prefix: str) -> list[str]:
        """Every logged request (path with query) starting with ``prefix``."""
        return [path for path in self.request_log if path.startswith(prefix)]

    def answer(self, path: str, query: str) -> Answer:
        route = self.routes.get(path)
        if route is None:
            route = next((self.routes[f"{prefix}*"] for prefix in self.prefixes
                          if path.startswith(prefix)), None)
        if callable(route):
            route = route(path, query)
        if route is None:
            return Answer(404, "<html><body><h1>Not found</h1></body></html>")
        return route if isinstance(route, Answer) else Answer(200, route)

    def __enter__(self) -> HostileServer:
        self.thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def _handler(server: HostileServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            server.request_log.append(self.path)
            answer = server.answer(parts.path, parts.query)
            body = answer.body.encode() if isinstance(answer.body, str) else answer.body
            headers = {"Content-Type": _content_type(parts.path), **answer.headers}
            try:
                self.send_response(answer.status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the crawler gave up on it
                pass

        def log_message(self, format: str, *args: object) -> None:
            pass  # the request log is kept above; stderr stays quiet

    return Handler


def _content_type(path: str) -> str:
    if path.endswith(".xml"):
        return "application/xml"
    if path.endswith(".txt"):
        return "text/plain; charset=utf-8"
    return "text/html; charset=utf-8"


# --- a healthy blog ------------------------------------------------------------------------

BLOG = "/blog/"
ARTICLES_PER_PAGE = 2


def article_path(number: int) -> str:
    return f"{BLOG}post-{number}/"


def html_page(title: str, body: str, *, body_class: str = "blog") -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f'</head><body class="{body_class}">{body}</body></html>')


def listing(title: str, links: list[str]) -> str:
    """A listing page: one link per path, in order."""
    items = "".join(f'<li><a href="{link}">{link}</a></li>' for link in links)
    return html_page(title, f"<main><h1>{title}</h1><ul>{items}</ul></main>")


def article_page(number: int) -> str:
    words = " ".join(f"word{number}x{index}" for index in range(80))
    return html_page(
        f"Healthy post {number}",
        f'<article><h1 class="entry-title">Healthy post {number}</h1>'
        f'<time datetime="2024-0{1 + number % 9}-10T08:00:00+00:00">10 January 2024</time>'
        f'<div class="entry-content"><p>Healthy post {number} says: {words}.</p></div>'
        f'</article><p><a href="{BLOG}">Back to the blog</a></p>',
        body_class="single-post")


def healthy_blog(articles: int = 6, *, home_links: tuple[str, ...] = (),
                 pager: Route | None = None) -> dict[str, Route]:
    """Routes of a small blog at ``/blog/``: ``articles`` posts, two per listing page, the
    home page linking the first two and ``/blog/page/2/``, each page the next (so the last
    posts are a few links deep). ``home_links`` come first on the home page (where a trap's
    entry goes, to be found before any article); ``pager`` answers the ``page/N/`` pages
    past the last one (a 404 without it)."""
    pages = -(-articles // ARTICLES_PER_PAGE)
    numbers = list(range(1, articles + 1))

    def page_links(page: int) -> list[str]:
        shown = numbers[(page - 1) * ARTICLES_PER_PAGE:page * ARTICLES_PER_PAGE]
        following = [f"{BLOG}page/{page + 1}/"] if page < pages or pager else []
        return [*map(article_path, shown), *following]

    routes: dict[str, Route] = {
        "/robots.txt": "User-agent: *\nAllow: /\n",
        BLOG: listing("The blog", [*home_links, *page_links(1)]),
        **{f"{BLOG}page/{page}/": listing(f"Page {page}", page_links(page))
           for page in range(2, pages + 1)},
        **{article_path(number): article_page(number) for number in numbers},
    }
    if pager is not None:
        routes[f"{BLOG}page/*"] = pager
    return routes


def article_paths(articles: int = 6) -> list[str]:
    return [article_path(number) for number in range(1, articles + 1)]
