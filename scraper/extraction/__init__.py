"""Pure extraction: one HTML page in, one :class:`~archive.records.Article` out.

No network and no Scrapy: the spider, the CLI and the tests call :func:`extract` with the
page's HTML (text or bytes) and its URL.
"""

from scraper.extraction.decoding import ExtractionError, decode_html
from scraper.extraction.page import extract

__all__ = ["ExtractionError", "decode_html", "extract"]
