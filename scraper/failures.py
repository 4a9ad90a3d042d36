"""Name what went wrong with a request, in one line a person can act on.

The spider records every failed fetch in the archive; a ``kind`` groups them for the run summary
(``timeout``, ``unreachable``, ``http_500`` ...) and the message says what happened, without a
traceback. Scrapy ≥ 2.16 wraps the download handlers' own errors in ``scrapy.exceptions``.
"""

from __future__ import annotations

import re

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from twisted.python.failure import Failure

_KINDS: tuple[tuple[type[BaseException], str, str], ...] = (
    (DownloadTimeoutError, "timeout", "no answer before the download timeout"),
    (CannotResolveHostError, "unreachable", "host name could not be resolved"),
    (DownloadConnectionRefusedError, "unreachable", "connection refused"),
    (ResponseDataLossError, "connection_lost", "connection lost in the middle of the response"),
    (DownloadCancelledError, "too_large", "response larger than the download size limit"),
    (DownloadFailedError, "connection_lost", "connection failed"),
)


class ForbiddenByRobotsTxt(IgnoreRequest):
    """A request robots.txt does not allow: nothing was fetched. Its own type (raised by
    :class:`scraper.robots.FailClosedRobotsTxtMiddleware`), so the spider tells it from the
    other requests Scrapy drops."""


#: How Scrapy's HttpCompressionMiddleware words a body that decompresses past the limit.
_MAXSIZE_EXCEEDED = re.compile(r"exceeded DOWNLOAD_MAXSIZE \((\d+) B\) during decompression")

#: Kinds that mean the site itself could not be reached, rather than one page failing.
UNREACHABLE_KINDS = frozenset({"unreachable"})


def classify_failure(failure: Failure) -> tuple[str, str]:
    """Return ``(kind, message)`` for a download failure seen by a spider errback."""
    return classify_error(failure.value)


def classify_error(error: BaseException) -> tuple[str, str]:
    """Return ``(kind, message)`` for the error a download ended with.

    Scrapy drops some responses with an ``IgnoreRequest``: robots.txt refusals (``robots_txt``,
    see :class:`ForbiddenByRobotsTxt`) and a compressed body that grows past
    ``DOWNLOAD_MAXSIZE`` while it is decompressed (``too_large``); any other is ``ignored``."""
    if isinstance(error, IgnoreRequest):
        return _ignored(error)
    for error_type, kind, message in _KINDS:
        if isinstance(error, error_type):
            return kind, message
    detail = _first_line(error)
    name = type(error).__name__
    return "download_error", f"{name}: {detail}" if detail else name


def _ignored(error: IgnoreRequest) -> tuple[str, str]:
    if isinstance(error, ForbiddenByRobotsTxt):
        return "robots_txt", "forbidden by robots.txt"
    # Scrapy's HttpCompressionMiddleware says what it dropped in words only.
    detail = _first_line(error)
    limit = _MAXSIZE_EXCEEDED.search(detail)
    if limit:
        return "too_large", (f"response larger than the download size limit ({limit[1]} B) "
                             "once decompressed")
    return "ignored", detail or "request dropped"


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else ""
