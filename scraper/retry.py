"""Retries that back off, and that honour ``Retry-After``.

Scrapy's RetryMiddleware re-queues a failed request at once. A server answering 503 or 429 is
asking us to slow down, often saying for how long: retrying immediately is both impolite and
likely to fail again. This subclass waits before each retry — the server's ``Retry-After``
when it gives one (capped), else an exponential backoff — and otherwise behaves exactly as
Scrapy's own middleware, whose settings (RETRY_TIMES, RETRY_HTTP_CODES ...) still apply.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.response import response_status_message


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings: BaseSettings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE")
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX")

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        await asyncio.sleep(self.delay(request, response.headers.get("Retry-After")))
        return self._retry(request, response_status_message(response.status)) or response

    async def process_exception(self, request: Request, exception: Exception) -> Request | None:
        if request.meta.get("dont_retry") or not isinstance(exception, self.exceptions_to_retry):
            return None
        await asyncio.sleep(self.delay(request, None))
        return self._retry(request, exception)

    def delay(self, request: Request, retry_after: bytes | None) -> float:
        """Seconds to wait before the next attempt, never more than RETRY_BACKOFF_MAX."""
        if request.meta.get("retry_times", 0) >= request.meta.get(
                "max_retry_times", self.max_retry_times):
            return 0.0  # no retry will follow: give up without waiting
        asked = parse_retry_after(retry_after)
        backoff = self.backoff_base * 2 ** request.meta.get("retry_times", 0)
        return min(asked if asked is not None else backoff, self.backoff_max)


def parse_retry_after(value: bytes | None) -> float | None:
    """Seconds from a ``Retry-After`` header: a number of seconds or an HTTP date."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)
