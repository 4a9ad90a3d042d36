"""The records a crawl produces: one article, its teasers, and one HTTP fetch.

They are plain dataclasses (Scrapy accepts them as items through itemadapter), so extraction,
the archive and the exports share one shape without importing Scrapy.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

#: The fields whose change makes a new version of an article. Fetch-time data (status, ETag,
#: timings) is deliberately absent: a re-fetch of the same content must hash the same.
CONTENT_FIELDS: tuple[str, ...] = (
    "title",
    "published",
    "modified",
    "read_time_minutes",
    "author",
    "language",
    "categories",
    "tags",
    "image",
    "body_text",
    "teasers",
)


@dataclass
class Teaser:
    """One link of an article's related-posts block, as the page shows it."""

    position: int
    url: str
    title: str | None
    text: str


@dataclass
class Article:
    """Everything extraction learns from one page.

    ``field_sources`` names the signal that gave each field (``site``, ``json-ld``, ``opengraph``,
    ``meta``, ``time-element``, ``label``, ``script``, ``url``, ``heuristic``); ``missing``
    gives the reason a field is null, so a drop in coverage after a theme change can be
    explained, not guessed at.
    """

    url: str
    is_article: bool = True
    title: str | None = None
    published: str | None = None
    modified: str | None = None
    read_time_minutes: int | None = None
    read_time_estimated: int | None = None
    author: str | None = None
    language: str | None = None
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    image: str | None = None
    body_text: str = ""
    word_count: int = 0
    headings: list[str] = field(default_factory=list)
    teasers: list[Teaser] = field(default_factory=list)
    field_sources: dict[str, str] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    content_hash: str = ""

    def __post_init__(self) -> None:
        if not self.content_hash:
            self.content_hash = self.compute_content_hash()

    def compute_content_hash(self) -> str:
        """A SHA-256 over the content fields in a canonical JSON form. Built field by field
        rather than with ``asdict``, whose deep copy of the whole article would cost more
        than the hash on every page."""
        content = {name: getattr(self, name) for name in CONTENT_FIELDS}
        content["teasers"] = [vars(teaser) for teaser in self.teasers]
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        values = dict(data)
        values["teasers"] = [Teaser(**t) for t in values.get("teasers", [])]
        return cls(**values)


@dataclass
class Capture:
    """Where one fetch's answer is stored in the run's WARC file, and what it holds.

    ``path`` is relative to the archive file's directory (``archive.warc/run-000042.warc.gz``),
    so an archive moved with its WARC folder still leads to its bytes. ``offset`` and
    ``length`` bound the gzip member of the ``response`` or ``revisit`` record (one member per
    record): ``warcio`` reads it alone from there. ``payload_digest`` is the WARC-Payload-Digest
    (``sha1:BASE32``) of the HTTP body as the server sent it (still content-encoded); for a
    revisit, that of the capture it confirms (None when it confirms none). ``record_type`` is
    ``response`` or ``revisit``; ``refers_to`` is the WARC-Record-ID of the ``response``
    record holding a revisit's payload, None for a response and for a revisit of a URL with
    no earlier capture (a 304 after a crawl made without capture): the type, not
    ``refers_to``, says which records hold bytes.
    """

    path: str
    offset: int
    length: int
    record_id: str
    date: str
    payload_digest: str | None = None
    refers_to: str | None = None
    record_type: str = "response"


@dataclass
class Fetch:
    """One HTTP exchange of a crawl, good or bad, as the archive's ``fetches`` table records it.

    ``outcome`` is ``new`` / ``changed`` / ``unchanged`` / ``not_modified`` / ``not_article`` /
    ``gone`` / ``redirected`` / ``skipped`` (not archived by rule: robots.txt forbids it, or
    another page holds its canonical address; ``error`` says which) / ``error``; the archive
    pipeline fills in the article outcomes.
    """

    url: str
    final_url: str | None = None
    status: int | None = None
    outcome: str = "error"
    error: str | None = None
    error_kind: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    elapsed_ms: int | None = None
    bytes: int | None = None
    article: Article | None = None
    redirect_to: str | None = None
    #: For a parsed page (article or not): the signal behind each field, and why a field, or
    #: the whole page (``is_article``), is empty. Kept per fetch, so a theme change shows.
    field_sources: dict[str, str] | None = None
    missing: dict[str, str] | None = None
    #: The WARC record of the answer (scraper/warc_writer.py); None when nothing was received
    #: or capture is off.
    capture: Capture | None = None
