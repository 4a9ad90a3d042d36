"""The bytes of one exchange's WARC 1.1 records, built directly rather than through warcio.

Capture runs once per answer of a crawl, beside the spider, on the same GIL. Through warcio
(``StatusAndHeaders`` objects, the payload read back in 16 KB slices, a digester per field)
and with the body's SHA-1 taken on the reactor's thread, it cost that thread ~590k
instructions per answer of the bench's blog, and every SHA-1 let go of the GIL to the writing
thread's Python. The records of a crawl are few kinds of plain text: a ``WARC/1.1`` line, a
few ``Name: value`` fields, the HTTP head, the body. Here they are joined as bytes, laid out
as warcio lays them out (the same fields, the same digests), and each is compressed in one
call (ISA-L's igzip, see :data:`GZIP_LEVEL`), which lets go of the GIL for the whole record.
warcio stays for what is not per answer: the ``warcinfo`` record, and all reading.

The work is split by thread: :func:`response_head` and :func:`request_head` run on the
reactor's thread (~120k instructions per answer: they snapshot what Scrapy holds), all the
rest on the writer's.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
import zlib
from datetime import datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from isal import isal_zlib

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import Response

WARC_VERSION = "1.1"
#: ISA-L igzip level of each record's gzip member (``isal``, python-isal: a standard gzip
#: member, which warcio, ``warcio check``, cdxj-indexer and Python's gzip read as any other).
#: Measured on the records of a crawl of the bench's 500-article blog (1,564 records, 10.1 MB):
#: CPU per record (median of 7 interleaved passes), instructions per record (valgrind; SIMD
#: code does more per instruction, so these rank zlib-ng lower than its time does), WARC
#: bytes per article, and size against zlib 6:
#:
#: ============  ==========  ============  ===========  ======
#: compressor    µs/record   instructions  B/article    size
#: ============  ==========  ============  ===========  ======
#: zlib 6        80.2        650k          5,506        1.000   (until now)
#: zlib 4        70.9                      5,581        1.014
#: zlib 3        55.1        464k          5,772        1.048
#: zlib-ng 3     45.5        580k          5,596        1.016
#: zlib-ng 4     47.9        599k          5,564        1.011
#: zlib-ng 6     50.9                      5,522        1.003
#: isal 1        13.9                      5,748        1.044
#: isal 2        14.5        153k          5,733        1.041
#: isal 3        20.1        255k          5,663        1.029   (chosen)
#: ============  ==========  ============  ===========  ======
#:
#: isal 3 costs a quarter of zlib 6's CPU for 3 % more bytes; the best zlib-ng level within
#: 2 % of the bytes saves only two fifths. Capture's writer thread shares the crawl's two
#: cores with the crawler and the served blog, so its CPU is crawl time; 3 % of a WARC
#: file is about 160 bytes per article. Like zlib, igzip lets go of the GIL while it works.
GZIP_LEVEL = 3
#: wbits for a gzip member (the compressor writes the header and the CRC trailer itself).
_GZIP_WBITS = zlib.MAX_WBITS | 16
#: The Content-Type of each record type's block, as warcio names them.
CONTENT_TYPES = {
    "response": b"application/http; msgtype=response",
    "revisit": b"application/http; msgtype=response",
    "request": b"application/http; msgtype=request",
}
#: Hop-by-hop framing the downloader has already undone: the record holds the body
#: de-chunked, so a replay tool must not try to de-chunk it again.
_FRAMING_HEADERS = frozenset({b"Transfer-Encoding"})
#: Reason phrases of the status line, looked up once rather than per answer.
_REASONS = {status.value: status.phrase for status in HTTPStatus}


def _digest_label(sha1: bytes) -> str:
    """A WARC digest field's value, as warcio writes it: ``sha1:`` and base32."""
    return "sha1:" + base64.b32encode(sha1).decode("ascii")


def payload_digest(body: bytes) -> str:
    """WARC-Payload-Digest of a body."""
    return _digest_label(hashlib.sha1(body).digest())


#: The payload digest warcio gives a request record (it has no body).
_EMPTY_DIGEST = payload_digest(b"")


def response_head(response: Response) -> bytes:
    """The answer's status line and headers, as the record's HTTP block starts."""
    reason = _REASONS.get(response.status, "")
    protocol = getattr(response, "protocol", None) or "HTTP/1.1"
    return _http_head(f"{protocol} {response.status} {reason}".rstrip(), response.headers.items())


def request_head(request: Request) -> bytes:
    """The request line, ``Host`` and the request's headers, as the request record holds
    them."""
    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return _http_head(f"{request.method} {target} HTTP/1.1",
                      [(b"Host", [parts.netloc.encode("ascii")]), *request.headers.items()])


def _http_head(first_line: str, headers: Any) -> bytes:
    """The HTTP head: the header values as received, byte for byte. (warcio would
    percent-encode a byte beyond ASCII, an ``é`` in a filename, say: the record would no
    longer hold what the server sent, which a WARC response record is for. warcio's reader,
    and so cdxj-indexer and replay tools, read such bytes back as UTF-8 or Latin-1.)"""
    lines = [first_line.encode("ascii")]
    lines += [name + b": " + value for name, values in headers
              if name not in _FRAMING_HEADERS for value in values]
    return b"\r\n".join(lines) + b"\r\n\r\n"


def new_record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def warc_date(moment: datetime) -> str:
    """WARC-Date with microseconds, as warcio writes it for WARC 1.1 (``moment`` in UTC)."""
    return moment.replace(tzinfo=None).isoformat() + "Z"


def record(record_type: str, url: str, fields: list[tuple[str, str]], head: bytes,
           body: bytes = b"") -> bytes:
    """One record, uncompressed: the WARC head (its type, the target URI, ``fields``, the
    block digest, the block's type and length), the HTTP ``head`` and ``body``. A request
    record gets the empty payload's digest, as warcio gives it; a revisit's payload digest,
    if any, is among ``fields`` (it is that of the capture it confirms)."""
    digester = hashlib.sha1(head)
    digester.update(body)
    block_digest = _digest_label(digester.digest())
    if record_type == "request":
        fields = [*fields, ("WARC-Payload-Digest", _EMPTY_DIGEST)]
    warc_head = "".join([
        f"WARC/{WARC_VERSION}\r\n", f"WARC-Type: {record_type}\r\n", f"WARC-Target-URI: {url}\r\n",
        *[f"{name}: {value}\r\n" for name, value in fields],
        f"WARC-Block-Digest: {block_digest}\r\n"]).encode("utf-8")
    return b"".join([warc_head, b"Content-Type: ", CONTENT_TYPES[record_type],
                     b"\r\nContent-Length: ", str(len(head) + len(body)).encode("ascii"),
                     b"\r\n\r\n", head, body, b"\r\n\r\n"])


def gzip_member(data: bytes) -> bytes:
    """``data`` as one gzip member, compressed in one call (igzip lets go of the GIL for all
    of it, where a call per piece would hand it back and forth)."""
    return isal_zlib.compress(data, GZIP_LEVEL, _GZIP_WBITS)
