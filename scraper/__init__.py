"""blog-archive: crawl a blog with Scrapy into a searchable SQLite archive."""

PROJECT_URL = "https://github.com/blog-archive/blog-archive"


def __getattr__(name: str) -> str:
    """``__version__``, read from the installed package's metadata when first asked for:
    importing ``importlib.metadata`` costs more than the rest of an export's start-up, and
    only crawls (for the User-Agent and the run record) and ``--version`` need it."""
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("blog-archive")
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "0.0.0"
