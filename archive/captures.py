"""The stored response behind each archived article, as re-extraction reads it.

A crawl writes every answer to a WARC file beside the archive and points its ``fetches`` row
at the record (see ``archive.records.Capture``); :mod:`archive.warc` reads one record back.
This module finds, per article, the newest fetch that holds or confirms its content, follows
a revisit (a ``304``: server-not-modified; an unchanged ``200``: identical-payload-digest) to
the response it names (``warc_refers_to``), and turns every way the bytes can fail to be
there — a pruned file, a cut file, a wrong offset, an encoding that cannot be undone — into
one :class:`CaptureError` line, so one lost file never stops a re-extraction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlite_utils import Database

from archive.errors import ArchiveError
from archive.warc import StoredResponse, WarcReader

#: The fetch outcomes whose answer holds the article's content (fetched whole, or confirmed
#: unchanged by a 304 whose revisit record leads to it).
CONTENT_OUTCOMES = ("new", "changed", "unchanged", "not_modified")
#: The response record a revisit refers to, by its WARC-Record-ID (m018's index finds it: a
#: re-extraction follows one per article, which must not scan ``fetches`` each time).
RESPONSE_BY_RECORD_ID_SQL = ("select * from fetches where warc_record_id = ? "
                             "and warc_type = 'response' and warc_path is not null limit 1")


class CaptureError(ArchiveError):
    """A stored response cannot be read: its file is missing, cut short or not WARC."""


@dataclass(frozen=True)
class Stored:
    """A stored response, and its body decoded as the spider parsed it."""

    response: StoredResponse
    body: bytes


class CaptureReader:
    """Reads the stored responses that ``fetches`` rows point at, each WARC file opened once
    for all of them (see :class:`archive.warc.WarcReader`)."""

    def __init__(self, db: Database, archive_path: Path):
        self.db = db
        self.warc = WarcReader(archive_path)

    def read(self, fetch: dict[str, Any]) -> Stored:
        """The response the ``fetches`` row ``fetch`` stored, a revisit followed to the
        response record it confirms; ``CaptureError`` in one line when it cannot be read."""
        if fetch.get("warc_path") is None:
            raise CaptureError(f"no stored response for {fetch['url']} (fetch {fetch['id']})")
        row = fetch
        if fetch.get("warc_type") == "revisit":
            row = next(self.db.query(RESPONSE_BY_RECORD_ID_SQL, [fetch["warc_refers_to"]]),
                       None)
            if row is None:
                raise CaptureError(f"the revisit of {fetch['url']} in {fetch['warc_path']} "
                                   "refers to a response the archive no longer holds")
        try:
            response = self.warc.read(row["warc_path"], row["warc_offset"], row["warc_length"])
        except ArchiveError as error:
            raise CaptureError(str(error)) from None
        try:
            return Stored(response, response.decoded_body())
        except ArchiveError as error:
            raise CaptureError(f"the response at offset {row['warc_offset']} of "
                               f"{row['warc_path']} is unreadable: {error}") from None

    def close(self) -> None:
        self.warc.close()

    def __enter__(self) -> CaptureReader:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def stored_response(db: Database, archive_path: Path, fetch: dict[str, Any]) -> Stored:
    """The one stored response of ``fetch``; see :class:`CaptureReader`."""
    with CaptureReader(db, archive_path) as reader:
        return reader.read(fetch)


def _latest_capture(column: str) -> str:
    """SQL for ``column`` of article ``a``'s newest fetch whose stored record holds or
    confirms its content (a revisit that refers to nothing, a 304 of a page never captured
    whole, leads to no bytes: an older capture may)."""
    outcomes = ", ".join(f"'{outcome}'" for outcome in CONTENT_OUTCOMES)
    return (f"(select f.{column} from fetches f where f.article_id = a.id "
            f"and f.warc_path is not null and f.outcome in ({outcomes}) "
            "and (f.warc_type = 'response' or f.warc_refers_to is not null) "
            "order by f.id desc limit 1)")


@dataclass(frozen=True)
class CapturedArticle:
    """An archived article as re-extraction needs it: its id, URL and content hash (not its
    whole row: its texts are in ``snapshot`` already), the content of its current version
    (as stored), the signals and reasons its last extraction recorded, and the ``fetches``
    row of its newest capture (None: nothing was stored for it)."""

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
    (four queries for the lot, not four per article)."""
    wanted = json.dumps(ids)
    articles = {row["id"]: row for row in db.query(
        f"select a.id, a.url, a.content_hash, {_latest_capture('id')} as capture_id "
        "from articles a "
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
