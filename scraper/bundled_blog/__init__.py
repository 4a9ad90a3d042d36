"""A local copy of the Sklep Biegacza running blog, served on loopback for the demo and tests.

No machine running the tests reaches the live site, so the project ships its own: the real
seed article with its 30 teasers, dozens of written posts in English and Polish, listings,
sitemaps, robots.txt, a feed, and the awkward pages a real blog has.
"""

from scraper.bundled_blog.server import BlogServer
from scraper.bundled_blog.site import BundledBlog

__all__ = ["BlogServer", "BundledBlog"]
