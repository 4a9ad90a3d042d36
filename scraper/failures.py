"""Name what went wrong with a request, in one line a person can act on.

The spider records every failed fetch in the archive; a ``kind`` groups them for the run summary
(``timeout``, ``unreachable``, ``http_500`` ...) and the message says what happened, without a
traceback. Scrapy ≥ 2.16 wraps the download handlers' own errors in ``scrapy.exceptions``.
"""

from __future__ import annotations

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

#: Kinds that mean the site itself could not be reached, rather than one page failing.
UNREACHABLE_KINDS = frozenset({"unreachable"})


def classify_failure(failure: Failure) -> tuple[str, str]:
    """Return ``(kind, message)`` for a download failure seen by a spider errback."""
    error = failure.value
    if isinstance(error, IgnoreRequest):
        return "ignored", _first_line(error) or "request dropped"
    for error_type, kind, message in _KINDS:
        if isinstance(error, error_type):
            return kind, message
    detail = _first_line(error)
    name = type(error).__name__
    return "download_error", f"{name}: {detail}" if detail else name


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else ""
