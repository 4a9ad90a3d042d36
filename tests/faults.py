"""Faults the bundled blog can inject, each on its own post while the rest of the blog is healthy.

``install_faults(server, elsewhere)`` adds one post per fault to the blog (so listings and the
sitemap link to it like any other post) and makes the server answer that post's path with the
fault: errors, hangs, resets, redirect loops, oversized or mis-encoded pages, hostile sitemaps
and a robots.txt rule. ``elsewhere`` is the base URL of a second server standing for another
host, whose request log proves the crawler never went there.
"""

from __future__ import annotations

import io
import random
import socket
import struct
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from itertools import count

from scraper.bundled_blog.content import Post, compose_body
from scraper.bundled_blog.server import BlogServer, Fault

#: How long a hanging page keeps the client waiting; tests set a shorter download timeout.
HANG_SECONDS = 20
OVERSIZED_BYTES = 50 * 1024 * 1024
DISALLOWED_PREFIX = "/en/members-only/"


@dataclass(frozen=True)
class FaultCase:
    """One fault: the post it sits on and whether that post must still end up archived."""

    name: str
    description: str
    slug: str
    recoverable: bool

    @property
    def path(self) -> str:
        return f"/en/{self.slug}/"


CASES: tuple[FaultCase, ...] = (
    FaultCase("http_500", "500 Internal Server Error on every try", "fault-500", False),
    FaultCase("http_503", "503 Service Unavailable with Retry-After: 1", "fault-503", False),
    FaultCase("http_429", "429 Too Many Requests with Retry-After: 1", "fault-429", False),
    FaultCase("timeout", "no response at all (the server hangs)", "fault-timeout", False),
    FaultCase("reset", "connection reset in the middle of the body", "fault-reset", False),
    FaultCase("redirect_loop", "redirect loop between two URLs", "fault-loop", False),
    FaultCase("offsite_redirect", "301 to another host", "fault-offsite-redirect", False),
    FaultCase("oversized", "a 50 MB page (over the 10 MB download limit)", "fault-50mb", False),
    FaultCase("binary", "binary data served as text/html", "fault-binary", False),
    FaultCase("wrong_charset", "UTF-8 page whose header and meta declare ISO-8859-1",
              "fault-wrong-charset", True),
    FaultCase("latin2_undeclared", "Latin-2 (ISO-8859-2) Polish page with no declared charset",
              "fault-latin2", True),
    FaultCase("truncated", "truncated HTML: the document stops mid-body, tags unclosed",
              "fault-truncated", True),
    FaultCase("flaky", "503 on the first try, fine on the second", "fault-flaky", True),
)

#: Faults outside any one post: hostile sitemaps and a robots.txt rule.
SITE_CASES: tuple[tuple[str, str], ...] = (
    ("entity_bomb_sitemap", "a sitemap with an XML entity bomb (billion laughs)"),
    ("offsite_sitemap", "a sitemap listing URLs on another host"),
    ("robots_disallow", f"robots.txt disallowing {DISALLOWED_PREFIX}, which the sitemap lists"),
)


def install_faults(server: BlogServer, elsewhere: str) -> None:
    blog = server.blog
    for number, case in enumerate(CASES):
        blog.posts[case.path] = _fault_post(case, number)
    secret = _fault_post(FaultCase("secret", "a disallowed post",
                                   f"{DISALLOWED_PREFIX.removeprefix('/en/')}secret", False),
                         len(CASES))
    blog.posts[secret.path] = secret
    handlers: dict[str, Fault] = {
        "/en/fault-500/": _status(500),
        "/en/fault-503/": _status(503, {"Retry-After": "1"}),
        "/en/fault-429/": _status(429, {"Retry-After": "1"}),
        "/en/fault-timeout/": _hang,
        "/en/fault-reset/": _reset_mid_body,
        "/en/fault-loop/": _redirect("/en/fault-loop-b/"),
        "/en/fault-loop-b/": _redirect("/en/fault-loop/"),
        "/en/fault-offsite-redirect/": _redirect(f"{elsewhere}/en/strength-training-for-runners/"),
        "/en/fault-50mb/": _oversized,
        "/en/fault-binary/": _binary,
        "/en/fault-wrong-charset/": _wrong_charset,
        "/en/fault-latin2/": _latin2,
        "/en/fault-truncated/": _truncated,
        "/en/fault-flaky/": _fails_once(),
        "/robots.txt": _robots,
        "/bomb-sitemap.xml": _static(_ENTITY_BOMB, "application/xml"),
        "/elsewhere-sitemap.xml": _static(_offsite_sitemap(elsewhere), "application/xml"),
    }
    server.faults.update(handlers)


def _fault_post(case: FaultCase, number: int) -> Post:
    language = "pl" if case.name == "latin2_undeclared" else "en"
    title = "Zażółć gęślą jaźń - bieganie" if language == "pl" else \
        f"Fault page {number}: {case.name.replace('_', ' ')}"
    opening = ("Łódź, Gdańsk i Kraków: gdzie biegać jesienią? Ścieżki, parki i bulwary."
               if language == "pl" else f"This post tests a fault: {case.description}.")
    return Post(slug=case.slug, title=title, language="en", category="Training",
                published=datetime(2023, 2, 1 + number, 8, 0, tzinfo=UTC), tags=["faults"],
                body=compose_body(case.slug, opening, ["What to expect"], language))


# --- handlers ----------------------------------------------------------------------------------

def send(handler: BaseHTTPRequestHandler, status: int, body: bytes,
          headers: dict[str, str] | None = None, content_type: str = "text/html") -> None:
    handler.send_response(status)
    for name, value in {"Content-Type": content_type, **(headers or {})}.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(body)


def _page(handler: BaseHTTPRequestHandler) -> bytes:
    return handler.blog_server.answer(handler.path).body  # type: ignore[attr-defined]


def _status(status: int, headers: dict[str, str] | None = None) -> Fault:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        send(handler, status, b"<html><body><h1>Error</h1></body></html>", headers)
    return answer


def _redirect(location: str) -> Fault:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        base = handler.blog_server.base_url  # type: ignore[attr-defined]
        target = location if location.startswith("http") else f"{base}{location}"
        send(handler, 301, b"", {"Location": target})
    return answer


def _static(body: bytes, content_type: str) -> Fault:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        send(handler, 200, body, content_type=content_type)
    return answer


def _hang(handler: BaseHTTPRequestHandler) -> None:
    time.sleep(HANG_SECONDS)
    handler.close_connection = True


def _reset_mid_body(handler: BaseHTTPRequestHandler) -> None:
    body = _page(handler)
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=UTF-8")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body[:len(body) // 3])
    handler.wfile.flush()
    abort(handler)


def abort(handler: BaseHTTPRequestHandler) -> None:
    """Close with a TCP reset (SO_LINGER 0), not an orderly FIN."""
    connection: socket.socket = handler.connection  # type: ignore[attr-defined]
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.close()
    handler.close_connection = True
    handler.wfile = io.BytesIO()  # the stdlib flushes it after the handler returns


def _oversized(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=UTF-8")
    handler.send_header("Content-Length", str(OVERSIZED_BYTES))
    handler.end_headers()
    chunk = b"<p>" + b"x" * 65_530 + b"</p>"
    try:
        for _ in range(OVERSIZED_BYTES // len(chunk)):
            handler.wfile.write(chunk)
    except OSError:  # the client gave up at its size limit, as it should
        handler.close_connection = True
        handler.wfile = io.BytesIO()


def _binary(handler: BaseHTTPRequestHandler) -> None:
    send(handler, 200, random.Random(7).randbytes(30_000), content_type="text/html")


def _wrong_charset(handler: BaseHTTPRequestHandler) -> None:
    body = _page(handler).replace(b'<meta charset="UTF-8">', b'<meta charset="ISO-8859-1">')
    send(handler, 200, body, content_type="text/html; charset=ISO-8859-1")


def _latin2(handler: BaseHTTPRequestHandler) -> None:
    html = _page(handler).decode("utf-8").replace('<meta charset="UTF-8">', "")
    html = html.replace("’", "'").replace("–", "-").replace("—", "-").replace("…", "...")
    html = html.replace("»", ">").replace("©", "(c)").replace("“", '"').replace("”", '"')
    send(handler, 200, html.encode("iso-8859-2", errors="replace"), content_type="text/html")


def _truncated(handler: BaseHTTPRequestHandler) -> None:
    body = _page(handler)
    cut = body.index(b"</p>", body.index(b'class="entry-content"')) + 4
    send(handler, 200, body[:cut] + b"\n<p>The end of this sentence never", content_type=(
        "text/html; charset=UTF-8"))


def _fails_once() -> Fault:
    attempts = count()

    def answer(handler: BaseHTTPRequestHandler) -> None:
        if next(attempts) == 0:
            send(handler, 503, b"<h1>Busy</h1>", {"Retry-After": "0"})
        else:
            send(handler, 200, _page(handler), content_type="text/html; charset=UTF-8")
    return answer


def _robots(handler: BaseHTTPRequestHandler) -> None:
    base = handler.blog_server.base_url  # type: ignore[attr-defined]
    text = _page(handler).decode().replace(
        "Disallow: /wp-admin/\n", f"Disallow: /wp-admin/\nDisallow: {DISALLOWED_PREFIX}\n")
    text += f"Sitemap: {base}/bomb-sitemap.xml\nSitemap: {base}/elsewhere-sitemap.xml\n"
    send(handler, 200, text.encode(), content_type="text/plain")


_ENTITY_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>&lol9;</loc></url>
</urlset>
"""


def _offsite_sitemap(elsewhere: str) -> bytes:
    rows = "".join(f"<url><loc>{elsewhere}/en/{slug}/</loc></url>"
                   for slug in ("strength-training-for-runners", "running-watches"))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/'
            f'schemas/sitemap/0.9">{rows}</urlset>\n').encode()

