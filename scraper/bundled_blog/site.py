"""The bundled blog as a site: which page answers each path, and how the blog can change.

``BundledBlog.resolve(path, base)`` returns the page the server sends; mutations (``set_body``,
``set_related``, ``remove``, ``redirect``) change the blog the way an editor would, bumping the
post's modification time so sitemaps and ``Last-Modified`` tell crawlers what changed.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from urllib.parse import unquote

from scraper.bundled_blog import theme
from scraper.bundled_blog.content import (
    SEED_RELATED,
    SEED_SLUG,
    Post,
    build_posts,
    synthetic_post,
)

PER_PAGE = 10
RELATED_COUNT = 8

#: Pages that make a crawl awkward, by role; the tests and the demo look them up here.
AWKWARD = {
    "no_read_time": "/en/running-socks/",
    "no_date": "/en/running-with-a-dog/",
    "missing_404": "/en/barefoot-running-myths/",
    "redirect_301": "/en/old-running-shoes-guide/",
    "pdf": "/wp-content/uploads/2023/04/half-marathon-plan.pdf",
}
_DEAD_TEASER_IN = "breathing-while-running"
_OLD_URL_LINKED_FROM = "running-shoes-lifespan"
_PDF_LINKED_FROM = "half-marathon-training-plan"
_REDIRECT_TARGET = "/en/how-to-choose-running-shoes/"

_STATIC_PAGES = {
    "/en/privacy-policy/": ("en", "Privacy policy", "We process personal data only to fulfil "
                            "orders and send the newsletter you asked for."),
    "/en/contact/": ("en", "Contact", "Write to us at shop@example.org or call us on weekdays."),
    "/polityka-prywatnosci/": ("pl", "Polityka prywatności", "Przetwarzamy dane osobowe "
                               "wyłącznie w celu realizacji zamówień."),
    "/kontakt/": ("pl", "Kontakt", "Napisz do nas: sklep@example.org."),
}
_MINIMAL_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
                b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


@dataclass
class Page:
    """One HTTP answer: status, type, body, and the time its content last changed."""

    status: int
    body: bytes
    content_type: str = "text/html; charset=UTF-8"
    last_modified: datetime | None = None
    location: str | None = None

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:20] + '"'


@dataclass
class BundledBlog:
    """The blog's posts and the pages built from them. ``synthetic`` adds generated English
    posts, for benchmarks at sizes the hand-made blog does not reach."""

    synthetic: int = 0
    posts: dict[str, Post] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    awkward: dict[str, str] = field(default_factory=lambda: dict(AWKWARD))
    #: The words and read-time markup each edition's posts show: a test redesigns the theme
    #: by replacing an edition's labels.
    labels: dict[str, theme.Labels] = field(default_factory=lambda: dict(theme.LABELS))

    def __post_init__(self) -> None:
        posts = build_posts()
        start = date(2023, 11, 21)
        posts += [synthetic_post(n, start - timedelta(days=n % 3000))
                  for n in range(1, self.synthetic + 1)]
        self.posts = {post.path: post for post in posts}
        self._link_related()
        self._add_awkward_links()
        self.redirects[AWKWARD["redirect_301"]] = _REDIRECT_TARGET

    # --- content -----------------------------------------------------------------------------

    def _link_related(self) -> None:
        """The seed shows its 30 real teasers; every other post eight of its language's posts,
        drawn by a generator seeded with its slug, so the blog is the same on every run and
        building a 10,000-post blog stays linear."""
        slugs = {language: [p.slug for p in self.by_language(language)]
                 for language in {p.language for p in self.posts.values()}}
        for post in self.posts.values():
            if post.slug == SEED_SLUG:
                post.related = list(SEED_RELATED)
                continue
            candidates = slugs[post.language]
            drawn = random.Random(post.slug).sample(
                range(len(candidates)), min(RELATED_COUNT + 1, len(candidates)))
            post.related = [candidates[i] for i in drawn
                            if candidates[i] != post.slug][:RELATED_COUNT]

    def _add_awkward_links(self) -> None:
        dead = self.posts[f"/en/{_DEAD_TEASER_IN}/"]
        dead.related.insert(2, AWKWARD["missing_404"])
        self.posts[f"/en/{_OLD_URL_LINKED_FROM}/"].body += (
            f'\n<p>This post replaces our <a href="{AWKWARD["redirect_301"]}">older guide to '
            "running shoes</a>.</p>")
        self.posts[f"/en/{_PDF_LINKED_FROM}/"].body += (
            f'\n<p><a href="{AWKWARD["pdf"]}">Download the plan as a PDF</a> and print it.</p>')
        self.posts[AWKWARD["no_read_time"]].show_read_time = False
        self.posts[AWKWARD["no_date"]].show_date = False

    def by_language(self, language: str) -> list[Post]:
        """The language's posts, newest first, as listings show them."""
        posts = [p for p in self.posts.values() if p.language == language]
        return sorted(posts, key=lambda p: (p.published, p.slug), reverse=True)

    def article_paths(self, language: str) -> list[str]:
        return [post.path for post in self.by_language(language)]

    def post(self, slug: str) -> Post:
        for post in self.posts.values():
            if post.slug == slug:
                return post
        raise KeyError(f"no post {slug!r}")

    # --- mutations, as an editor makes them --------------------------------------------------

    def set_body(self, slug: str, html: str) -> None:
        post = self.post(slug)
        post.body = html
        post.modified = datetime.now(UTC)

    def set_related(self, slug: str, slugs: list[str]) -> None:
        post = self.post(slug)
        post.related = list(slugs)
        post.modified = datetime.now(UTC)

    def remove(self, slug: str) -> None:
        del self.posts[self.post(slug).path]

    def redirect(self, old_slug: str, new_slug: str) -> None:
        """Move a post: its old URL answers 301 to the new one, as a redirect plugin does."""
        old = self.post(old_slug)
        del self.posts[old.path]
        self.redirects[old.path] = self.post(new_slug).path

    def redesign_read_time(self, language: str = "en") -> None:
        """Update the theme as :data:`theme.REDESIGNED_READ_TIME` says, for one edition. A
        theme change touches no post, so no modification time moves."""
        self.labels[language] = replace(self.labels[language], **theme.REDESIGNED_READ_TIME)

    # --- pages -------------------------------------------------------------------------------

    def resolve(self, path: str, base: str) -> Page:
        """The answer to a GET of ``path`` on the blog served at ``base``."""
        # As a web server does: /kategoria/sprz%C4%99t/ is the category sprzęt.
        path = unquote(path.split("?", 1)[0].split("#", 1)[0])
        if path in self.redirects:
            return Page(301, b"", location=f"{base}{self.redirects[path]}")
        if path == AWKWARD["pdf"]:
            return Page(200, _MINIMAL_PDF, content_type="application/pdf")
        if path == "/robots.txt":
            return Page(200, theme.render_robots(base).encode(), "text/plain; charset=utf-8")
        if path.endswith(".xml") or path.endswith("/feed/"):
            return self._xml(path, base)
        if path in self.posts:
            post = self.posts[path]
            return self._html(theme.render_post(post, self._related(post), base,
                                                 self.labels[post.language]),
                              post.last_modified)
        if path in _STATIC_PAGES:
            language, title, text = _STATIC_PAGES[path]
            return self._html(theme.render_static(base=base, language=language, title=title,
                                                  path=path, text=text), None)
        listing = self._listing(path, base)
        if listing is not None:
            return listing
        return self._not_found(path, base)

    def _related(self, post: Post) -> list[tuple[str, Post | None]]:
        """The teasers' paths and posts. A removed post drops out of the block, as a related
        posts plugin drops it; only the deliberate dead link stays, pointing at nothing."""
        language_prefix = "/en/" if post.language == "en" else "/"
        related = []
        for entry in post.related:
            path = entry if entry.startswith("/") else f"{language_prefix}{entry}/"
            if path in self.posts or path == AWKWARD["missing_404"]:
                related.append((path, self.posts.get(path)))
        return related

    def _html(self, html: str, last_modified: datetime | None) -> Page:
        return Page(200, html.encode("utf-8"), last_modified=last_modified)

    def _not_found(self, path: str, base: str) -> Page:
        language = "pl" if not path.startswith("/en/") else "en"
        return Page(404, theme.render_not_found(base, language, path).encode("utf-8"))

    def _listing(self, path: str, base: str) -> Page | None:
        """Home, blog, category and tag listings, with ``page/N/`` pagination."""
        stem, page_number = path, 1
        parts = path.rstrip("/").split("/")
        if len(parts) >= 3 and parts[-2] == "page" and parts[-1].isdigit():
            stem, page_number = "/".join(parts[:-2]) + "/", int(parts[-1])
        found = self._listing_posts(stem)
        if found is None:
            return None
        language, title, posts = found
        pages = max(1, math.ceil(len(posts) / PER_PAGE))
        if not 1 <= page_number <= pages:
            return None
        shown = posts[(page_number - 1) * PER_PAGE:page_number * PER_PAGE]
        html = theme.render_listing(base=base, language=language, title=title, path=path,
                                    posts=shown, page_number=page_number, pages=pages,
                                    page_path=stem)
        newest = max((p.last_modified for p in shown), default=None)
        return self._html(html, newest)

    def _listing_posts(self, stem: str) -> tuple[str, str, list[Post]] | None:
        for language, labels in theme.LABELS.items():
            prefix = labels.prefix
            posts = self.by_language(language)
            if stem in (f"{prefix}/", f"{prefix}/blog/"):
                return language, labels.blog, posts
            for base_name, key in ((labels.category_base, "category"), (labels.tag_base, "tag")):
                head = f"{prefix}/{base_name}/"
                if stem.startswith(head) and stem.count("/") == head.count("/") + 1:
                    name = stem[len(head):-1]
                    chosen = [p for p in posts if name in self._terms(p, key)]
                    if chosen:
                        return language, name.replace("-", " ").title(), chosen
        return None

    @staticmethod
    def _terms(post: Post, key: str) -> set[str]:
        names = [post.category] if key == "category" else post.tags
        return {theme.slugify(name) for name in names}

    def _xml(self, path: str, base: str) -> Page:
        posts = sorted(self.posts.values(), key=lambda p: p.path)
        newest = max(p.last_modified for p in posts)
        if path == "/sitemap_index.xml":
            body = theme.render_sitemap_index(base, [("/post-sitemap.xml", newest),
                                                     ("/page-sitemap.xml", newest)])
        elif path == "/post-sitemap.xml":
            body = theme.render_urlset(base, [(p.path, p.last_modified) for p in posts])
        elif path == "/page-sitemap.xml":
            body = theme.render_urlset(base, [(p, newest) for p in _STATIC_PAGES])
        elif path in ("/en/feed/", "/feed/"):
            language = "en" if path == "/en/feed/" else "pl"
            body = theme.render_feed(base, language, self.by_language(language)[:10])
        else:
            return self._not_found(path, base)
        return Page(200, body.encode("utf-8"), "application/xml; charset=UTF-8", newest)
