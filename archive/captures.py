"""The stored responses behind the archive: one WARC record read back per ``fetches`` row.

A crawl writes every HTTP exchange to a WARC file beside the archive and points its
``fetches`` row at the record (``warc_path``, relative to the archive's folder, so the pair
can be moved together; ``warc_offset`` and ``warc_length`` of the record's gzip member). Reading
one record is a seek and one member: no index to build, no file to walk.

An unchanged page is stored once. A later fetch of it is a ``revisit`` record (a ``304``:
server-not-modified; an unchanged ``200``: identical-payload-digest) that names the response
it confirms (``WARC-Refers-To``, ``-Target-URI``, ``-Date``); :func:`stored_response` follows
it to that response, so whoever re-reads a page always gets the bytes the server sent.
"""

from __future__ import annotations

import io
import json
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArchiveLoadFailed, ArcWarcRecord

from archive.errors import ArchiveError

#: The fetch outcomes whose response holds the article's content (fetched whole, or
#: confirmed unchanged by a 304 whose revisit record leads to it).
CONTENT_OUTCOMES = ("new", "changed", "unchanged", "not_modified")


class CaptureError(ArchiveError):
    """A stored response cannot be read: its file is missing, cut short or not WARC."""


@dataclass(frozen=True)
class Location:
    """Where a record lies: its file (relative to the archive's folder), offset, length."""

    path: str
    offset: int
    length: int

    @classmethod
    def of(cls, row: dict[str, Any]) -> Location | None:
        """The location a ``fetches`` row points at, or None when nothing was stored."""
        if row.get("warc_path") is None or row.get("warc_offset") is None:
            return None
        return cls(row["warc_path"], row["warc_offset"], row["warc_length"])


@dataclass(frozen=True)
class Capture:
    """A stored HTTP response: what the server sent, its body decoded (``Content-Encoding``
    undone), and where its record lies."""

    url: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    record_id: str
    date: str
    location: Location

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)


@dataclass(frozen=True)
class _Revisit:
    """A revisit record: the response it confirms, by record id, URL and date."""

    refers_to: str | None
    target_uri: str
    date: str | None


def read_record(archive_path: Path, location: Location) -> Capture | _Revisit:
    """The response or revisit record at ``location``; ``CaptureError`` in one line when the
    file is missing or the bytes there are not one whole WARC record of either kind."""
    path = archive_path.parent / location.path
    try:
        with open(path, "rb") as stream:
            stream.seek(location.offset)
            member = stream.read(location.length)
    except OSError as error:
        raise CaptureError(f"cannot read {path}: {error.strerror or error}") from None
    if len(member) < location.length:
        raise CaptureError(f"{path} is cut short: no whole record at offset {location.offset}")
    try:
        record = next(iter(ArchiveIterator(io.BytesIO(member))), None)
        if record is None:
            raise CaptureError(f"{path} holds no record at offset {location.offset}")
        return _parsed(record, location)
    except (ArchiveLoadFailed, OSError, EOFError, ValueError, zlib.error) as error:
        raise CaptureError(
            f"{path} holds no readable record at offset {location.offset}: {error}") from None


def _parsed(record: ArcWarcRecord, location: Location) -> Capture | _Revisit:
    headers = record.rec_headers
    if record.rec_type == "revisit":
        return _Revisit(headers.get_header("WARC-Refers-To"),
                        headers.get_header("WARC-Refers-To-Target-URI")
                        or headers.get_header("WARC-Target-URI"),
                        headers.get_header("WARC-Refers-To-Date"))
    if record.rec_type != "response" or record.http_headers is None:
        raise ValueError(f"a {record.rec_type} record, not a response")
    return Capture(
        url=headers.get_header("WARC-Target-URI"),
        status=int(record.http_headers.get_statuscode()),
        headers=tuple(record.http_headers.headers),
        body=record.content_stream().read(),
        record_id=headers.get_header("WARC-Record-ID"),
        date=headers.get_header("WARC-Date"),
        location=location,
    )


def stored_response(db: Database, archive_path: Path, fetch: dict[str, Any]) -> Capture:
    """The response ``fetch`` (a ``fetches`` row) stored, a revisit followed to the response
    it confirms: the newest earlier fetch of the same URL whose record is that response (by
    ``WARC-Refers-To``, else ``WARC-Refers-To-Date``, else the newest response stored)."""
    location = Location.of(fetch)
    if location is None:
        raise CaptureError(f"no stored response for {fetch['url']} (fetch {fetch['id']})")
    record = read_record(archive_path, location)
    if isinstance(record, Capture):
        return record
    for row in db.query(
            "select * from fetches where url = ? and id < ? and warc_path is not null "
            "order by id desc", [record.target_uri, fetch["id"]]):
        earlier = read_record(archive_path, Location.of(row))  # type: ignore[arg-type]
        if isinstance(earlier, Capture) and _confirms(record, earlier):
            return earlier
    raise CaptureError(f"the revisit of {record.target_uri} in {location.path} refers to a "
                       "response the archive no longer holds")


def _confirms(revisit: _Revisit, response: Capture) -> bool:
    if revisit.refers_to:
        return revisit.refers_to == response.record_id
    return revisit.date is None or revisit.date == response.date


def _latest_capture(column: str) -> str:
    """SQL for ``column`` of article ``a``'s newest fetch whose stored record holds or
    confirms its content."""
    outcomes = ", ".join(f"'{outcome}'" for outcome in CONTENT_OUTCOMES)
    return (f"(select f.{column} from fetches f where f.article_id = a.id "
            f"and f.warc_path is not null and f.outcome in ({outcomes}) "
            "order by f.id desc limit 1)")


@dataclass(frozen=True)
class CapturedArticle:
    """An archived article as re-extraction needs it: its row, the content of its current
    version (as stored), the signals and reasons its last extraction recorded, and the
    ``fetches`` row of its newest capture (None: nothing was stored for it)."""

    article: dict[str, Any]
    snapshot: dict[str, Any]
    field_sources: str | None
    missing: str | None
    capture: dict[str, Any] | None


def captured_article_ids(db: Database, *, url: str | None = None, site: str | None = None,
                         since_run: int | None = None) -> list[tuple[int, str]]:
    """(id, site) of the archived articles to re-read, oldest first: live and gone ones
    (a redirected article's content lives at its target); only ``url``, only the ``site``'s,
    or only those whose newest capture was made in run ``since_run`` or later."""
    where, params = ["a.status != 'redirected'"], []
    for clause, value in (("a.url = ?", url), ("a.site = ?", site),
                          (f"{_latest_capture('crawl_run_id')} >= ?", since_run)):
        if value is not None:
            where.append(clause)
            params.append(value)
    return [(article_id, article_site) for article_id, article_site in db.execute(
        f"select a.id, a.site from articles a where {' and '.join(where)} order by a.id",
        params).fetchall()]


def captured_articles(db: Database, ids: list[int]) -> list[CapturedArticle]:
    """The articles ``ids``, in that order, each with its current content and newest capture
    (three queries for the lot, not three per article)."""
    wanted = json.dumps(ids)
    articles = {row["id"]: row for row in db.query(
        f"select a.*, {_latest_capture('id')} as capture_id from articles a "
        "where a.id in (select value from json_each(?))", [wanted])}
    versions = {row["article_id"]: row for row in db.query(
        "select v.* from article_versions v join articles a "
        "on a.id = v.article_id and v.version = a.version "
        "where a.id in (select value from json_each(?))", [wanted])}
    fetch_ids = [row["capture_id"] for row in articles.values() if row["capture_id"]]
    fetches = {row["id"]: row for row in db.query(
        "select * from fetches where id in (select value from json_each(?))",
        [json.dumps(fetch_ids)])}
    sources = {row["article_id"]: row for row in db.query(
        "select article_id, field_sources, missing from fetches where id in ("
        "select max(id) from fetches where field_sources is not null "
        "and article_id in (select value from json_each(?)) group by article_id)", [wanted])}
    return [CapturedArticle(
        article=articles[article_id],
        snapshot=versions.get(article_id, {}),
        field_sources=sources.get(article_id, {}).get("field_sources"),
        missing=sources.get(article_id, {}).get("missing"),
        capture=fetches.get(articles[article_id]["capture_id"]),
    ) for article_id in ids if article_id in articles]
