"""Reading a page for the ``extract`` command: a local file or an http(s) URL.

Every way an input can be unusable (missing, empty, not HTML, unreachable) becomes an
:class:`ExtractionError` with one sentence, which the command reports as one line.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from scraper.extraction.decoding import ExtractionError, decode_html, not_html_reason

#: Seconds to wait for a page given as a URL.
FETCH_TIMEOUT = 20
_USER_AGENT = "blog-archive-extract/0.1 (+https://github.com/blog-archive/blog-archive)"


@dataclass(frozen=True)
class Source:
    """A page's text and the address its links resolve against."""

    text: str
    url: str


def load(target: str, timeout: float = FETCH_TIMEOUT) -> Source:
    """The page at ``target`` (a path or an http(s) URL), checked to be HTML."""
    source = _fetch(target, timeout) if target.startswith(("http://", "https://")) \
        else _read(target)
    reason = not_html_reason(source.text)
    if reason:
        raise ExtractionError(f"{target}: {reason}")
    return source


def _read(target: str) -> Source:
    """A file's page; ``-`` (as for ``export --out -``) or ``/dev/stdin`` reads one piped in."""
    if target == "-":
        return Source(decode_html(sys.stdin.buffer.read()), Path("/dev/stdin").as_uri())
    path = Path(target)
    if not path.exists():
        raise ExtractionError(f"{target}: no such file")
    if path.is_dir():
        raise ExtractionError(f"{target}: is a directory, not a page")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ExtractionError(f"{target}: cannot be read ({error.strerror})") from None
    return Source(decode_html(data), path.resolve().as_uri())


def _fetch(url: str, timeout: float) -> Source:
    """GET ``url``; an HTTP error page (a 404) is still a page and is returned."""
    try:
        request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Source(decode_html(response.read(), response.headers.get("Content-Type")),
                          response.geturl())
    except urllib.error.HTTPError as error:
        return Source(decode_html(error.read(), error.headers.get("Content-Type")), url)
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", None) or error
        raise ExtractionError(f"{url}: could not be fetched ({reason})") from None
    except ValueError as error:  # urllib's parser: "Invalid IPv6 URL", a bad port...
        raise ExtractionError(f"{url}: not a valid URL ({error})") from None
