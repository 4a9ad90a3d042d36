"""Finding the crawl's instance of an extension that other components serve from."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

Extension = TypeVar("Extension")


def required_extension(crawler: Crawler, cls: type[Extension]) -> Extension:
    """The crawl's instance of ``cls`` (or a subclass): a crawl configured without it is a
    bug in the settings, said as such rather than as an AttributeError far away."""
    found = crawler.get_extension(cls)
    if found is None:
        raise RuntimeError(f"{cls.__module__}.{cls.__name__} is not in EXTENSIONS")
    return found
