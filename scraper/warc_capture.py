"""Downloader middleware that hands every answer to the WARC writer as the server sent it.

It sits closest to the downloader (950, above every Scrapy middleware: ``process_response``
runs from the highest number down), so it sees the body before HttpCompressionMiddleware
(590) decodes it and before the redirect and retry middlewares act on it: every exchange,
robots.txt and each retried attempt included, is captured once, as received. The record's
:class:`~archive.records.Capture` goes into ``request.meta`` (``response.meta`` is the same
dict), where the spider's ``fetch_record`` takes it. The writer is the
:class:`~scraper.warc_writer.WarcWriter` extension; with capture off this is not built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.exceptions import NotConfigured

from scraper.warc_writer import WarcWriter

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

#: The ``meta`` key holding the answer's record.
CAPTURE_META = "warc_capture"


class WarcCaptureMiddleware:
    def __init__(self, writer: WarcWriter):
        self.writer = writer

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        writer = WarcWriter.of(crawler)
        if writer is None:
            raise NotConfigured("WARC capture is off")
        return cls(writer)

    def process_request(self, request: Request) -> None:
        # a retry copies the meta of the attempt before it: that answer is not this one's
        request.meta.pop(CAPTURE_META, None)

    def process_response(self, request: Request, response: Response) -> Response:
        capture = self.writer.write_exchange(request, response)
        if capture is not None:
            request.meta[CAPTURE_META] = capture
        return response
