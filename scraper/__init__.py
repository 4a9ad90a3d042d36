"""blog-archive: crawl a blog with Scrapy into a searchable SQLite archive."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("blog-archive")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0"

PROJECT_URL = "https://github.com/blog-archive/blog-archive"
