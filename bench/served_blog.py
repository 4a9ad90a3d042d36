"""The synthetic blog the crawl figures are measured against, served from its own process.

``python -m bench.served_blog N`` builds ``BundledBlog(synthetic=N)``, renders every page a
crawl of its English edition can reach, then serves the blog on 127.0.0.1 and prints one line,
``ready BASE_URL BUILD_SECONDS RENDER_SECONDS PAGES``, once it answers requests.

Why a process of its own: rendering the 10,000-post blog takes most of a minute (see the notes
in results.md), so the bench starts it early and does other, unmeasured work meanwhile; and
while crawls run, the server and the crawler each have a core of their own. Why
pages are rendered in advance: the bundled blog renders on every request, and at 10,000 posts
a listing page sorts all of them, so the server, not the crawler, would set the pace and both
crawlers would look alike. Answering from memory, the server stays far ahead of both (about
0.1 ms of CPU an answer, sent with TCP_NODELAY: see scraper/bundled_blog/server.py).
"""

from __future__ import annotations

import re
import sys
import time
from collections import deque
from urllib.parse import urlsplit

from scraper.bundled_blog import BlogServer, BundledBlog
from scraper.bundled_blog.server import LogEntry
from scraper.bundled_blog.site import Page

#: href and sitemap locations: every way a crawl of the blog discovers a page.
_LINK = re.compile(rb'(?:href="|<loc>)([^"<]+)')
#: Pages a crawl of the English edition never requests (see scraper/links.py DENY).
_SKIPPED = ("/wp-content/", "/feed/", "/wp-json/", "/wp-admin/")


class PrerenderedServer(BlogServer):
    """A :class:`BlogServer` that answers from pages rendered once, and keeps no request log
    unless asked (the bench crawls tens of thousands of pages; the log would only grow; the
    shared-frontier tests read it to see that no URL was fetched twice)."""

    def __init__(self, blog: BundledBlog, *, keep_log: bool = False):
        super().__init__(blog)
        self.pages: dict[str, Page] = {}
        self.keep_log = keep_log

    def answer(self, path: str) -> Page:
        page = self.pages.get(path)
        if page is None:
            page = self.pages[path] = super().answer(path)
        return page

    def log(self, entry: LogEntry) -> None:
        if self.keep_log:
            super().log(entry)

    def prerender(self) -> int:
        """Render every page reachable from robots.txt and the English home page, as a crawl
        discovers them (links and sitemap entries on the same host). Returns the page count."""
        base = self.base_url.encode()
        queue = deque(["/robots.txt", "/sitemap_index.xml", "/en/"])
        seen = set(queue)
        while queue:
            page = self.answer(queue.popleft())
            for link in _LINK.findall(page.body):
                if link.startswith(b"/"):
                    link = base + link
                if not link.startswith(base):
                    continue
                path = urlsplit(link.decode()).path
                if path not in seen and (path.startswith("/en/") or path.endswith(".xml")) \
                        and not any(part in path for part in _SKIPPED):
                    seen.add(path)
                    queue.append(path)
        return len(self.pages)


def main(argv: list[str]) -> None:
    (synthetic,) = argv
    started = time.perf_counter()
    blog = BundledBlog(synthetic=int(synthetic))
    built = time.perf_counter() - started
    with PrerenderedServer(blog) as server:
        started = time.perf_counter()
        pages = server.prerender()
        rendered = time.perf_counter() - started
        print(f"ready {server.base_url} {built:.1f} {rendered:.1f} {pages}", flush=True)
        sys.stdin.read()  # serve until the bench closes our stdin (or dies)


if __name__ == "__main__":
    main(sys.argv[1:])
