"""The bundled blog's pages saved as files, for extraction tests that need no server.

``python -m tests.bundled_pages`` rewrites ``tests/pages/bundled/`` from the blog as it now
renders; a test fails when the saved copies fall behind the theme.
"""

from __future__ import annotations

from pathlib import Path

from scraper.bundled_blog import BundledBlog

SAVED = Path(__file__).parent / "pages" / "bundled"
BASE = "https://sbiegacza.pl"
#: Saved name -> path on the blog: the seed, a Polish post, every awkward page, a listing.
PAGES = {
    "seed": "/en/how-to-roll-your-back-exercises-for-back-pain/",
    "polish": "/jak-rolowac-plecy/",
    "no_date": "/en/running-with-a-dog/",
    "no_read_time": "/en/running-socks/",
    "dead_teaser": "/en/breathing-while-running/",
    "old_url_link": "/en/running-shoes-lifespan/",
    "pdf_link": "/en/half-marathon-training-plan/",
    "not_found": "/en/barefoot-running-myths/",
    "listing": "/en/blog/page/2/",
    "category": "/en/category/health/",
    "static_page": "/en/privacy-policy/",
}


def render(name: str) -> bytes:
    return BundledBlog().resolve(PAGES[name], BASE).body


def save() -> None:
    SAVED.mkdir(parents=True, exist_ok=True)
    for name in PAGES:
        (SAVED / f"{name}.html").write_bytes(render(name))


if __name__ == "__main__":
    save()
