"""The bundled blog the demo and the crawl tests run against, served over real HTTP."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler

import pytest

from scraper.bundled_blog import BlogServer, BundledBlog
from scraper.bundled_blog.content import SEED_SLUG, seed_body_lines, seed_teasers
from scraper.bundled_blog.theme import post_excerpt


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@pytest.fixture(scope="module")
def blog() -> BundledBlog:
    return BundledBlog()


def test_blog_has_the_articles_the_issue_asks_for(blog: BundledBlog) -> None:
    assert len(blog.article_paths("en")) >= 40
    assert len(blog.article_paths("pl")) >= 5
    assert all(path.startswith("/en/") for path in blog.article_paths("en"))
    assert not any(path.startswith("/en/") for path in blog.article_paths("pl"))


def test_seed_teasers_are_excerpts_of_real_posts(blog: BundledBlog) -> None:
    seed = blog.post(SEED_SLUG)
    assert len(seed.related) == 30
    shown = [post_excerpt(blog.post(slug)).removesuffix("[…]").strip() for slug in seed.related]
    assert shown == seed_teasers()
    assert SEED_SLUG in seed.related  # the page links to itself, as the real one does


def test_seed_page_carries_the_real_text_and_labels(blog: BundledBlog) -> None:
    html = blog.resolve(f"/en/{SEED_SLUG}/", "http://blog.test").body.decode()
    assert "Publish date <time" in html and ">18.08.2023</time>" in html
    assert "You can read it in <strong>6</strong> minut" in html
    assert "They may appeal to you:" in html
    for line in seed_body_lines():
        assert line.replace("’", "’") in html.replace("&amp;", "&")


def test_every_post_has_its_own_related_block(blog: BundledBlog) -> None:
    assert all(post.related for post in blog.posts.values())


def test_served_page_has_validators_and_answers_304(blog_server: BlogServer) -> None:
    url = f"{blog_server.base_url}/en/{SEED_SLUG}/"
    status, headers, body = fetch(url)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert headers["ETag"] and headers["Last-Modified"]
    assert fetch(url, {"If-None-Match": headers["ETag"]})[0] == 304
    assert fetch(url, {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    assert fetch(url, {"If-None-Match": '"stale"'})[0] == 200
    assert len(body) > 10_000  # a full theme, not a skeleton


def test_changed_post_gets_a_new_etag_and_sitemap_lastmod(fresh_blog_server: BlogServer) -> None:
    base = fresh_blog_server.base_url
    url = f"{base}/en/{SEED_SLUG}/"
    _, before, _ = fetch(url)
    fresh_blog_server.blog.set_body(SEED_SLUG, "<p>New text.</p>")
    status, after, body = fetch(url, {"If-None-Match": before["ETag"]})
    assert status == 200 and after["ETag"] != before["ETag"] and b"New text." in body
    sitemap = fetch(f"{base}/post-sitemap.xml")[2].decode()
    modified = fresh_blog_server.blog.post(SEED_SLUG).last_modified.isoformat()
    assert f"<loc>{url}</loc><lastmod>{modified}</lastmod>" in sitemap
    assert format_datetime(fresh_blog_server.blog.post(SEED_SLUG).last_modified,
                           usegmt=True)[:16] == after["Last-Modified"][:16]


def test_removed_and_moved_posts(fresh_blog_server: BlogServer) -> None:
    blog = fresh_blog_server.blog
    removed, moved, target = (post.slug for post in blog.by_language("en")[:3])
    blog.remove(removed)
    blog.redirect(moved, target)
    base = fresh_blog_server.base_url
    assert fetch(f"{base}/en/{removed}/")[0] == 404
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as answer:
        opener.open(f"{base}/en/{moved}/", timeout=10)
    assert answer.value.code == 301
    assert answer.value.headers["Location"] == f"{base}/en/{target}/"
    assert f"/en/{removed}/" not in blog.article_paths("en")


def test_robots_sitemaps_and_feed(blog_server: BlogServer) -> None:
    base = blog_server.base_url
    robots = fetch(f"{base}/robots.txt")[2].decode()
    assert "Disallow: /en/cart/" in robots and f"Sitemap: {base}/sitemap_index.xml" in robots
    index = fetch(f"{base}/sitemap_index.xml")[2].decode()
    assert f"<loc>{base}/post-sitemap.xml</loc>" in index
    posts = fetch(f"{base}/post-sitemap.xml")[2].decode()
    assert posts.count("<lastmod>") == len(blog_server.blog.posts)
    feed = fetch(f"{base}/en/feed/")[2].decode()
    assert feed.count("<item>") == 10 and "<rss" in feed


def test_listing_pagination_reaches_every_english_post(blog_server: BlogServer) -> None:
    base, seen, page = blog_server.base_url, set(), 1
    while True:
        path = "/en/blog/" if page == 1 else f"/en/blog/page/{page}/"
        status, _, body = fetch(f"{base}{path}")
        if status != 200:
            break
        html = body.decode()
        seen |= {p for p in blog_server.blog.article_paths("en") if f'href="{base}{p}"' in html}
        page += 1
    assert seen == set(blog_server.blog.article_paths("en"))
    assert fetch(f"{base}/en/blog/page/{page + 1}/")[0] == 404


def test_awkward_pages(blog_server: BlogServer) -> None:
    base, awkward = blog_server.base_url, blog_server.blog.awkward
    assert fetch(f"{base}{awkward['missing_404']}")[0] == 404
    status, headers, body = fetch(f"{base}{awkward['pdf']}")
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    assert body.startswith(b"%PDF")
    no_date = fetch(f"{base}{awkward['no_date']}")[2].decode()
    no_read = fetch(f"{base}{awkward['no_read_time']}")[2].decode()
    assert "post-meta__date" not in no_date and "datePublished" not in no_date
    assert "post-meta__read-time" not in no_read


def test_polish_pages_use_polish_labels(blog: BundledBlog) -> None:
    html = blog.resolve(blog.article_paths("pl")[0], "http://blog.test").body.decode()
    assert '<html lang="pl-PL">' in html
    assert "Data publikacji" in html and "Przeczytasz w" in html
    assert "Mogą Cię zainteresować:" in html


def test_synthetic_posts_extend_the_blog() -> None:
    blog = BundledBlog(synthetic=25)
    assert len(blog.article_paths("en")) == len(BundledBlog().article_paths("en")) + 25
    page = blog.resolve("/en/synthetic-post-00025/", "http://blog.test")
    assert page.status == 200 and b"Synthetic post 25" in page.body


def test_server_logs_every_request(blog_server: BlogServer) -> None:
    before = len(blog_server.request_log)
    fetch(f"{blog_server.base_url}/en/", {"User-Agent": "probe/1"})
    method, path, headers, status = blog_server.request_log[before]
    assert (method, path, status, headers["User-Agent"]) == ("GET", "/en/", 200, "probe/1")


def test_answers_leave_without_waiting_for_the_crawlers_ack(
        fresh_blog_server: BlogServer) -> None:
    """A page is written as headers, then body: with Nagle's algorithm on, the body waits for
    the crawler's delayed ACK of the headers (40 ms on Linux) on every keep-alive request, and
    the served blog, not the crawler, sets the pace of every crawl test and bench figure."""
    nodelay: list[int] = []

    def record_nodelay(handler: BaseHTTPRequestHandler) -> None:
        nodelay.append(handler.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        handler.send_response(204)
        handler.end_headers()

    fresh_blog_server.faults["/probe"] = record_nodelay
    fetch(f"{fresh_blog_server.base_url}/probe")
    assert nodelay and nodelay[0] != 0
