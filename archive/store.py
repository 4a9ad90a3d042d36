"""The archive: one SQLite file holding every article, its versions, teasers, runs and fetches.

Writes are change-only. An article whose content hash is unchanged is not written at all (its
FTS index would be rewritten by any UPDATE), so a re-crawl of an unchanged blog costs one
``fetches`` row per page and leaves ``articles`` byte-identical; a real change bumps the
article's version and stores a full snapshot with the names of the fields that changed.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from sqlite_utils import Database

from archive.errors import ArchiveError, NotAnArchiveError
from archive.history import AmbiguousPathError, article_history
from archive.lock import locked_elsewhere
from archive.records import CONTENT_FIELDS, Article, Fetch
from archive.schema import migrate, not_an_archive
from archive.search import search as search_articles
from archive.stats import archive_stats

_PRAGMAS = ("journal_mode=WAL", "busy_timeout=5000", "foreign_keys=ON", "synchronous=NORMAL")
#: HTTP statuses that mean an archived article was removed, not that the fetch failed.
_GONE_STATUSES = frozenset({404, 410})
#: crawl_runs count column -> the fetch outcome it counts.
RUN_COUNTS = {
    "new": "new", "changed": "changed", "unchanged": "unchanged",
    "not_modified": "not_modified", "gone": "gone", "redirected": "redirected",
    "errors": "error", "not_article": "not_article",
}
#: Stored values that mean "the page had nothing for this field".
EMPTY = (None, "", "[]")
#: The ``articles`` columns the full-text index reads: its trigger reindexes an article on any
#: UPDATE that names one of them, changed or not, so an update names them only when changed.
_INDEXED = ("title", "body_text")
#: The trigger of a run that re-read stored responses (``blog-archive reextract``): it
#: fetched nothing, so it confirms no article and is no baseline for the next crawl.
REEXTRACT_TRIGGER = "reextract"

#: One index seek per article: the planner would otherwise walk the article's every fetch
#: through the plain article_id index when a site sends no validators at all.
_VALIDATORS_SQL = """
select a.url, f.etag, f.last_modified
from articles a
join fetches f on f.id = (
    select v.id from fetches v indexed by fetches_validators
    where v.article_id = a.id
        and v.outcome in ('new', 'changed', 'unchanged', 'not_modified')
        and (v.etag is not null or v.last_modified is not null)
    order by v.id desc
    limit 1
)
"""

#: Per article, the start of the newest run whose fetch holds or confirmed its content:
#: walks each article's fetches newest first through the article_id index.
_CONFIRMED_SQL = """
select a.url, (
    select r.started_at from fetches f join crawl_runs r on r.id = f.crawl_run_id
    where f.article_id = a.id and f.outcome in ('new', 'changed', 'unchanged', 'not_modified')
        and r."trigger" is not ?
    order by f.id desc
    limit 1
)
from articles a
where a.site = ? and a.status != 'redirected'
"""
#: Per URL, its newest response record in the WARC files (a revisit holds no payload of its
#: own): one walk of the partial index that holds exactly those fetches.
_CAPTURES_SQL = """
select f.url, f.warc_record_id, f.warc_date, f.payload_digest
from fetches f join (
    select max(id) as id from fetches indexed by fetches_warc_captures
    where warc_path is not null and warc_type = 'response' and status = 200
        and outcome != 'error'
    group by url
) newest on newest.id = f.id
"""
#: A failure the next run may not meet again: a 5xx, a 429, a timeout or a lost connection.
_TRANSIENT_ERRORS_SQL = """
select 1 from fetches
where crawl_run_id = ? and outcome = 'error' and (status is null or status = 429 or status >= 500)
limit 1
"""


class Archive:
    """An open archive. Get one with :meth:`open`; ``db`` is its ``sqlite_utils.Database``."""

    def __init__(self, db: Database, path: Path):
        self.db = db
        self.path = path

    @classmethod
    def open(cls, path: str | Path, *, empty_ok: bool = True) -> Archive:
        """Open (creating if needed) and migrate the archive at ``path``. WAL lets searches
        and Datasette read while a crawl writes; the busy timeout rides out short overlaps.
        Another application's database is refused before anything is written to it: WAL
        mode and the migrations would change it, or stop halfway on a table name both use.
        A command that only reads passes ``empty_ok=False``: an empty file is no archive."""
        path = Path(path)
        reason = not_an_archive(path, empty_ok=empty_ok) if path.is_file() else None
        if reason:
            raise NotAnArchiveError(f"{path} is not a blog-archive archive ({reason})")
        db: Database | None = None
        try:
            db = Database(path)
            for pragma in _PRAGMAS:
                db.conn.execute(f"PRAGMA {pragma}")
            migrate(db)
        except (sqlite3.Error, OSError) as error:
            if db is not None:
                db.close()
            raise ArchiveError(f"cannot open archive {path}: {error}") from None
        return cls(db, path)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- runs ----------------------------------------------------------------------------

    def start_run(self, site: str, trigger: str, app_version: str, scrapy_version: str,
                  *, run_token: str | None = None, lock_held: bool = False) -> int:
        """Open the run's record first, so even a crawl that dies leaves a trace. A run still
        marked running was killed, and is closed as such, unless another process holds the
        archive's lock (see ``archive.lock``): then that run is alive, whatever path the
        caller opened the archive by, and is left alone. ``lock_held`` says the caller's
        crawl holds the lock through another process (the crawl that started this writer).
        A run with a ``run_token`` spans many crawler processes and is closed only by its
        run's end (see archive/ingest.py), never as killed by another run's start."""
        running = [] if locked_elsewhere(self.path) and not lock_held else list(self.db.query(
            "select * from crawl_runs where status = 'running'"))
        for run in running:
            if run.get("run_token") is None:
                self.finish_run(run["id"], status="killed",
                                finish_reason="the crawl process ended before the run finished",
                                stats={})
        return _insert(self.db, "crawl_runs", {
            "site": site, "trigger": trigger, "status": "running", "started_at": _now(),
            "app_version": app_version, "scrapy_version": scrapy_version,
            **({"run_token": run_token} if run_token else {}),
        })

    def finish_run(self, run_id: int, status: str, finish_reason: str,
                   stats: dict[str, Any], bounds: dict[str, Any] | None = None) -> None:
        """Close the run's record; its counts come from its fetches, so they always agree
        with what was written, even when the pipeline's own tally was lost. ``bounds`` are
        those the run reached, if any."""
        outcomes = Counter({row["outcome"]: row["n"] for row in self.db.query(
            "select outcome, count(*) as n from fetches where crawl_run_id = ? group by outcome",
            [run_id],
        )})
        pages = self.db.execute(
            "select count(status) from fetches where crawl_run_id = ?", [run_id]).fetchone()[0]
        _update(self.db, "crawl_runs", run_id, {
            "finished_at": _now(), "status": status, "finish_reason": finish_reason,
            "stats": json.dumps(stats, sort_keys=True, default=str), "pages_fetched": pages,
            **{column: outcomes[outcome] for column, outcome in RUN_COUNTS.items()},
            "bounds_reached": json.dumps(bounds, sort_keys=True) if bounds else None,
        })

    def last_successful_run(self, site: str) -> dict[str, Any] | None:
        """The site's newest run that walked the whole site: finished, with pages fetched and
        no bound reached (a bounded run has status ``bounded``; before bounds, the page
        budget left ``blog_archive/over_max_pages`` in the stats of a ``finished`` one). A
        run that reached nothing, or only part of the site, must not become the baseline the
        next run trusts."""
        return next(self.db.query(
            "select * from crawl_runs where site = ? and status = 'finished' "
            "and pages_fetched > 0 and \"trigger\" is not ? "
            "and json_extract(stats, '$.\"blog_archive/over_max_pages\"') is null "
            "order by id desc limit 1", [site, REEXTRACT_TRIGGER],
        ), None)

    def confirmed_articles(self, site: str,
                           urls: Collection[str] | None = None) -> dict[str, str]:
        """url -> when the site's article was last fetched whole or confirmed by a 304 (the
        start of that run). A sitemap ``lastmod`` older than this is already archived; one
        article failing in a run must not make the next run skip its edit. ``urls`` limits
        it to those articles (what a batch touched, for the writer's state in Redis). A
        re-extraction's run confirms nothing: it fetched nothing."""
        sql, params = _only(_CONFIRMED_SQL, [site], urls)
        # The trigger's placeholder stands before the articles (and json_each's) in the SQL.
        return {url: started_at for url, started_at
                in self.db.execute(sql, [REEXTRACT_TRIGGER, *params]).fetchall() if started_at}

    # --- writing fetches -----------------------------------------------------------------

    def record_fetches(self, run_id: int, fetches: list[Fetch], *, reread: bool = False,
                       stream_ids: list[str] | None = None,
                       prepared: list[PreparedFetch] | None = None) -> list[str]:
        """Write a batch of fetches in one transaction and return each one's final outcome
        (an article fetched as ``new`` may turn out ``changed`` or ``unchanged``; a 404 of an
        archived article is ``gone``). ``reread``: the pages were read again from the
        archive's stored responses, not fetched (see :class:`_BatchWriter`). ``stream_ids``,
        one per fetch, name the Redis stream entries the fetches came from (see
        :meth:`recorded_stream_ids`); ``prepared``, one per fetch, what their rows hold of
        theirs alone, if the caller worked it out ahead (see :class:`PreparedFetch`)."""
        site = self.db.execute("select site from crawl_runs where id = ?", [run_id]).fetchone()
        if site is None:
            raise ArchiveError(f"no crawl run {run_id} in {self.path}")
        with self.write_transaction():
            writer = _BatchWriter(self.db, run_id, site[0], _now(), fetches, reread)
            outcomes = [writer.record(ready, stream_id) for ready, stream_id in zip(
                prepared or [PreparedFetch(fetch) for fetch in fetches],
                stream_ids or [None] * len(fetches), strict=True)]
            writer.flush()
        return outcomes

    @contextmanager
    def write_transaction(self) -> Iterator[None]:
        """One transaction that writes, taking the write lock at its start (``BEGIN
        IMMEDIATE``): a transaction that read first and then wanted to write while another
        connection held the lock would fail at once, without waiting out the busy timeout
        (SQLite cannot let it wait: its snapshot might be stale). Nested, a savepoint."""
        if self.db.conn.in_transaction:
            with self.db.atomic():
                yield
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.conn.rollback()
            raise
        self.db.execute("COMMIT")

    def recorded_stream_ids(self, stream_ids: list[str]) -> set[str]:
        """Those of ``stream_ids`` already written: an entry delivered again after the
        writer died between its commit and its acknowledgement."""
        return {stream_id for (stream_id,) in self.db.execute(
            "select stream_id from fetches where stream_id in (select value from json_each(?))",
            [_json(stream_ids)])}

    # --- reading -------------------------------------------------------------------------

    def validators(self, urls: Collection[str] | None = None, site: str | None = None
                   ) -> dict[str, tuple[str | None, str | None]]:
        """url -> (ETag, Last-Modified) for conditional requests: from each article's newest
        fetch that carried either and whose content the archive holds (a validator from a
        failed extraction would make the server answer 304 to a page never stored).
        ``urls`` and ``site`` limit it to those articles."""
        sql, params = _only(*((f"{_VALIDATORS_SQL} where a.site = ?", [site]) if site
                              else (_VALIDATORS_SQL, [])), urls)
        return {url: (etag, modified)
                for url, etag, modified in self.db.execute(sql, params).fetchall()}

    def page_validators(self, site: str) -> dict[str, tuple[str | None, str | None]]:
        """url -> (ETag, Last-Modified) of the non-article pages (listings, sitemaps) the
        site's last successful run fetched whole or had confirmed by a 304. A listing that
        answers 304 again has the same links as then, so the crawl need not walk below it."""
        last = self.last_successful_run(site)
        if last is None or self.db.execute(_TRANSIENT_ERRORS_SQL, [last["id"]]).fetchone():
            return {}  # a page it failed to fetch may hang below a listing that answers 304
        return {url: (etag, modified) for url, etag, modified in self.db.execute(
            "select url, etag, last_modified from fetches where crawl_run_id = ? "
            "and article_id is null and outcome in ('not_article', 'not_modified') "
            "and (etag is not null or last_modified is not null)", [last["id"]]).fetchall()}

    def latest_captures(self) -> dict[str, tuple[str, str, str]]:
        """url -> (WARC-Record-ID, WARC-Date, payload digest) of its newest ``response``
        record of a 200 the crawl kept: what the next capture of that URL confirms with a
        revisit record (never an error page, which a 304 does not confirm)."""
        return {url: (record_id, date, digest) for url, record_id, date, digest
                in self.db.execute(_CAPTURES_SQL).fetchall()}

    def record_run_warc_file(self, run_id: int, path: str) -> None:
        """Name the run's WARC file (relative to the archive's folder) as soon as it is
        opened: if the run is killed, the next crawl cuts a torn record off that file and no
        other (a shared WARC folder holds other archives' files of the same run number)."""
        with self.db.conn:
            _update(self.db, "crawl_runs", run_id, {"warc_file": path})

    def killed_runs_warc(self) -> dict[int, tuple[str, int]]:
        """run id -> (its WARC file, end of its last record a fetch points at, 0 if none) of
        every run closed as killed whose file is known: named when it was opened (m018), or
        for an older run the file its fetches point at. What follows that end in the file
        may be a record torn by the kill."""
        return {run_id: (path, end) for run_id, path, end in self.db.execute(
            "select r.id, coalesce(r.warc_file, f.warc_path), "
            "coalesce(max(f.warc_offset + f.warc_length), 0) from crawl_runs r "
            "left join fetches f on f.crawl_run_id = r.id and f.warc_path is not null "
            "where r.status = 'killed' group by r.id "
            "having coalesce(r.warc_file, f.warc_path) is not null")}

    def article_urls(self, site: str, urls: Collection[str] | None = None) -> set[str]:
        """URLs of the site's live and gone articles: those a crawl should re-check.
        Redirected ones are left out, as their content lives at the redirect's target.
        ``urls`` limits it to those articles."""
        sql, params = _only("select url as url from articles a where a.site = ? "
                            "and a.status != 'redirected'", [site], urls)
        return {row["url"] for row in self.db.query(sql, params)}

    def search(self, query: str, *, limit: int = 20, site: str | None = None,
               order: Literal["rank", "date"] = "rank") -> list[dict]:
        """See :func:`archive.search.search`; raises ``SearchQueryError`` on bad syntax."""
        return search_articles(self.db, query, limit=limit, site=site, order=order)

    def sites(self) -> list[str]:
        """The site profiles the archive has crawled (a run or an article), sorted."""
        return [site for (site,) in self.db.execute(
            "select site from crawl_runs union select site from articles order by 1")]

    def history(self, url: str) -> list[dict]:
        """The versions of the article ``url`` leads to (see :mod:`archive.history`)."""
        try:
            found = article_history(self.db, url)
        except AmbiguousPathError as error:
            raise ArchiveError(str(error)) from None
        if found is None:
            raise ArchiveError(f"no article with URL {url} in {self.path}")
        return found[1]

    def stats(self) -> dict[str, Any]:
        return archive_stats(self.db)


class PreparedFetch:
    """A fetch with what its rows hold of the fetch alone, not of the archive: each part worked
    out when first asked for, or all of it ahead (:meth:`ahead`) by whoever has the time.
    ``blog-archive ingest`` prepares the next batch on its read-ahead thread while SQLite
    writes the one before (SQLite lets go of the GIL while it works); a crawl's pipeline has
    no thread to spare, and works out only what its batch needs (an unchanged article's
    snapshot is never made). Nothing made is changed afterwards."""

    def __init__(self, fetch: Fetch):
        self.fetch = fetch

    @cached_property
    def columns(self) -> dict[str, Any]:
        """The ``fetches`` row's own columns: the archive adds the run, outcome, article and
        time."""
        fetch = self.fetch
        return {
            "url": fetch.url, "final_url": fetch.final_url, "status": fetch.status,
            "error_kind": fetch.error_kind, "error": fetch.error, "etag": fetch.etag,
            "last_modified": fetch.last_modified, "elapsed_ms": fetch.elapsed_ms,
            "bytes": fetch.bytes, "redirect_to": fetch.redirect_to,
            **_extraction_columns(fetch), **_capture_columns(fetch),
        }

    @cached_property
    def snapshot(self) -> dict[str, Any]:
        """The article's content as stored (:func:`content_snapshot`)."""
        return content_snapshot(self.article)

    @cached_property
    def article_columns(self) -> dict[str, Any]:
        """The article's ``articles`` content columns (:func:`article_columns`)."""
        return article_columns(self.article, self.snapshot)

    @property
    def article(self) -> Article:
        if self.fetch.article is None:
            raise ValueError(f"the fetch of {self.fetch.url} has no article")
        return self.fetch.article

    def ahead(self) -> PreparedFetch:
        """Everything worked out now, whatever the archive will need of it."""
        _ = self.columns
        if self.fetch.article is not None:
            _ = self.article_columns
        return self


class _BatchWriter:
    """Applies the fetches of one batch of one run; runs inside the batch's transaction.

    A crawl's batches are mostly new articles, so their rows are queued and written with one
    multi-row INSERT per table at the end (a dozen single-row statements per article cost as
    much as the article's full-text indexing). Articles get their ids here, in the order they
    arrive, so queued rows can point at each other. Anything written at once (an update of an
    archived article, a lifecycle change) first flushes the queue, so the statements reach
    SQLite in the order of the fetches, as if each were written on its own.

    A batch ``reread`` from stored responses changes content only: pages read again say
    nothing of whether an article is still there, so its status, redirect and teasers' last
    sighting stay as the last crawl left them (a gone article stays gone). Its writes at once
    touch the re-read article's own rows and nothing queued for another, so the queue is
    flushed only for an article that has rows in it (read twice in one batch): a re-read
    batch is nearly all updates, and a flush before each would cost two single-row INSERTs
    per article. The newest versions its updates compare against are read in one query.
    """

    def __init__(self, db: Database, run_id: int, site: str, now: str, fetches: list[Fetch],
                 reread: bool = False):
        self.db = db
        self.reread = reread
        self.run_id = run_id
        self.site = site
        self.now = now
        self.known = _known_articles(db, fetches)
        self.next_id: int | None = None
        self.queued: dict[str, list[dict[str, Any]]] = {
            "articles": [], "article_versions": [], "teasers": [], "fetches": []}
        #: The articles that have rows in ``queued`` (see the class's docstring).
        self.queued_articles: set[int] = set()
        self.arrived: list[str] = []
        #: article id -> content of its newest version, read ahead for a re-read batch.
        self.versions = _newest_versions(db, [
            self.known[fetch.article.url]["id"] for fetch in fetches
            if fetch.article is not None and fetch.article.url in self.known]) if reread else {}

    def record(self, prepared: PreparedFetch, stream_id: str | None = None) -> str:
        outcome, article_id = self.apply(prepared)
        self.queued["fetches"].append({
            **({"stream_id": stream_id} if stream_id else {}), **prepared.columns,
            "crawl_run_id": self.run_id, "outcome": outcome, "fetched_at": self.now,
            "article_id": article_id,
        })
        return outcome

    def apply(self, prepared: PreparedFetch) -> tuple[str, int | None]:
        """What the fetch means for the archived article, if any: (outcome, article id)."""
        fetch = prepared.fetch
        if fetch.outcome == "new" and fetch.article is not None:
            return self.store_article(prepared)
        known = self.known.get(fetch.url)
        if known is None:
            return fetch.outcome, None
        if fetch.outcome == "error" and fetch.status in _GONE_STATUSES:
            self.set_lifecycle(known, "gone")
            return "gone", known["id"]
        if fetch.outcome == "redirected" and fetch.redirect_to:
            target = self.known.get(fetch.redirect_to)
            self.set_lifecycle(known, "redirected", fetch.redirect_to,
                               target["id"] if target else None)
            return "redirected", known["id"]
        return fetch.outcome, known["id"]

    def set_lifecycle(self, known: dict[str, Any], status: str, redirected_to: str | None = None,
                      redirected_to_id: int | None = None) -> None:
        """Set the article's status, writing only if it differs (any UPDATE reindexes it)."""
        wanted = {"status": status, "redirected_to": redirected_to,
                  "redirected_to_id": redirected_to_id}
        if any(known[column] != value for column, value in wanted.items()):
            self.flush()
            change = {**wanted, **self.status_change(known, status)}
            _update(self.db, "articles", known["id"], change)
            known.update(wanted)

    def status_change(self, known: dict[str, Any], status: str) -> dict[str, int]:
        """``status_changed_run`` when the article's status changes (gone, redirected, live
        again): news for a scheduled export, though its content did not change."""
        return {"status_changed_run": self.run_id} if known["status"] != status else {}

    def store_article(self, prepared: PreparedFetch) -> tuple[str, int]:
        """The fetch's article, new, unchanged or changed (``prepared`` has an article)."""
        article = prepared.article
        known = self.known.get(article.url)
        if known is None:
            return "new", self.insert_article(prepared)
        if not self.reread or known["id"] in self.queued_articles:
            self.flush()  # what follows writes an archived row at once
        if known["content_hash"] == article.content_hash:
            if not self.reread:
                self.set_lifecycle(known, "live")
                self.see_teasers(known["id"])
            return "unchanged", known["id"]
        self.update_article(known, prepared)
        return "changed", known["id"]

    def insert_article(self, prepared: PreparedFetch) -> int:
        article, snapshot = prepared.article, prepared.snapshot
        article_id = self.allocate_id()
        self.queued["articles"].append({
            "id": article_id, "url": article.url, "site": self.site, **prepared.article_columns,
            "first_seen_run": self.run_id, "last_changed_run": self.run_id,
        })
        captured = [name for name, value in snapshot.items() if value not in EMPTY]
        self.queue_version(article_id, 1, article, snapshot, captured)
        self.queued["teasers"].extend(self.teaser_rows(article_id, article, {}))
        self.arrived.append(article.url)
        self.known[article.url] = {
            "id": article_id, "status": "live", "version": 1,
            "content_hash": article.content_hash, "redirected_to": None, "redirected_to_id": None,
        }
        return article_id

    def allocate_id(self) -> int:
        """The id SQLite would give the next article (max + 1): the batch holds the write
        lock, so no other writer can take it first."""
        if self.next_id is None:
            self.next_id = self.db.execute(
                "select coalesce(max(id), 0) + 1 from articles").fetchone()[0]
        article_id, self.next_id = self.next_id, self.next_id + 1
        return article_id

    def update_article(self, known: dict[str, Any], prepared: PreparedFetch) -> None:
        article, snapshot = prepared.article, prepared.snapshot
        previous = self.versions.pop(known["id"], None) or next(self.db.query(
            f"select {', '.join(CONTENT_FIELDS)} from article_versions where article_id = ? "
            "order by version desc limit 1", [known["id"]]), {})
        changed = [name for name in CONTENT_FIELDS if previous.get(name) != snapshot[name]]
        version = known["version"] + 1
        wanted: dict[str, Any] = {"version": version, "content_hash": article.content_hash}
        if not self.reread:
            wanted |= {"status": "live", "redirected_to": None, "redirected_to_id": None,
                       **self.status_change(known, "live")}
        columns = {name: value for name, value in prepared.article_columns.items()
                   if name not in _INDEXED or name in changed}
        _update(self.db, "articles", known["id"], {
            **columns, **wanted, "last_changed_run": self.run_id})
        known.update(wanted)
        self.queue_version(known["id"], version, article, snapshot, changed)
        if "teasers" not in changed:  # the rows are as they were: no need to write them again
            if not self.reread:
                self.see_teasers(known["id"])
            return
        seen = {
            (row["position"], row["target_url"]): (row["first_seen_run"], row["last_seen_run"])
            for row in self.db.query(
                "select position, target_url, first_seen_run, last_seen_run from teasers "
                "where article_id = ?", [known["id"]])
        }
        self.db.execute("delete from teasers where article_id = ?", [known["id"]])
        self.queued["teasers"].extend(self.teaser_rows(known["id"], article, seen))

    def see_teasers(self, article_id: int) -> None:
        """The article's teasers, unchanged, were seen again by this run."""
        self.db.execute(
            "update teasers set last_seen_run = ? where article_id = ? and last_seen_run != ?",
            [self.run_id, article_id, self.run_id])

    def queue_version(self, article_id: int, version: int, article: Article,
                      snapshot: dict[str, Any], changed: list[str]) -> None:
        self.queued_articles.add(article_id)
        self.queued["article_versions"].append({
            "article_id": article_id, "version": version, "crawl_run_id": self.run_id,
            "captured_at": self.now, "changed_columns": _json(changed),
            "content_hash": article.content_hash, **snapshot,
        })

    def teaser_rows(self, article_id: int, article: Article,
                    seen: dict[tuple[int, str], tuple[int, int]]) -> list[dict[str, Any]]:
        """The article's teasers as rows; one still at the same position with the same target
        keeps its ``first_seen_run`` (and, when re-read, its ``last_seen_run``). A target
        archived later in the batch is linked by :meth:`flush`."""
        rows = []
        for t in article.teasers:
            first, last = seen.get((t.position, t.url), (self.run_id, self.run_id))
            rows.append({"article_id": article_id, "position": t.position, "target_url": t.url,
                         "target_article_id": self.known.get(t.url, {}).get("id"),
                         "title": t.title, "text": t.text, "first_seen_run": first,
                         "last_seen_run": last if self.reread else self.run_id})
        return rows

    def flush(self) -> None:
        """Write the queued rows, parents before children, then point teasers and redirects
        that were waiting for the articles just written at them."""
        for table, rows in self.queued.items():
            if rows:
                _insert_many(self.db, table, rows)
                rows.clear()
        self.queued_articles.clear()
        if self.arrived:
            urls = _json(self.arrived)
            self.db.execute(_LINK_TEASERS_SQL, [urls])
            self.db.execute(_LINK_REDIRECTS_SQL, [urls])
            self.arrived.clear()


#: Teasers and redirects whose target was not archived yet, linked once it is: by
#: everything written so far, including teasers queued in the same batch as their target.
_LINK_TEASERS_SQL = """
update teasers set target_article_id = (select id from articles where url = teasers.target_url)
where target_article_id is null and target_url in (select value from json_each(?))
"""
_LINK_REDIRECTS_SQL = """
update articles
set redirected_to_id = (select id from articles a where a.url = articles.redirected_to)
where redirected_to_id is null and redirected_to in (select value from json_each(?))
"""


def _known_articles(db: Database, fetches: list[Fetch]) -> dict[str, dict[str, Any]]:
    """url -> what the writer needs of each archived article the batch mentions (fetched,
    extracted under its canonical URL, redirected to, or the target of a teaser), in one
    query rather than one per fetch."""
    urls = {fetch.url for fetch in fetches} | {f.redirect_to for f in fetches if f.redirect_to}
    urls.update(fetch.article.url for fetch in fetches if fetch.article)
    urls.update(teaser.url for fetch in fetches if fetch.article
                for teaser in fetch.article.teasers)
    return {row["url"]: row for row in db.query(
        "select id, url, status, version, content_hash, redirected_to, redirected_to_id "
        "from articles where url in (select value from json_each(?))", [_json(list(urls))])}


def _newest_versions(db: Database, article_ids: list[int]) -> dict[int, dict[str, Any]]:
    """article id -> the content fields of its newest version, for ``article_ids`` in one
    query."""
    return {row.pop("article_id"): row for row in db.query(
        f"select v.article_id, {', '.join(f'v.{name}' for name in CONTENT_FIELDS)} "
        "from article_versions v join (select article_id, max(version) as version "
        "from article_versions where article_id in (select value from json_each(?)) "
        "group by article_id) newest using (article_id, version)", [_json(article_ids)])}


def content_snapshot(article: Article) -> dict[str, Any]:
    """The article's content fields as stored: lists as JSON text, teasers included."""
    snapshot = {name: getattr(article, name) for name in CONTENT_FIELDS}
    snapshot["categories"] = _json(article.categories)
    snapshot["tags"] = _json(article.tags)
    snapshot["teasers"] = _json([vars(teaser) for teaser in article.teasers])
    return snapshot


def article_columns(article: Article, snapshot: dict[str, Any]) -> dict[str, Any]:
    """The ``articles`` content columns: the snapshot less the teasers (they have their own
    table; their texts are kept as ``teaser_text`` for full-text search) plus derived values."""
    columns = {name: value for name, value in snapshot.items() if name != "teasers"}
    return {
        **columns,
        "read_time_estimated": article.read_time_estimated,
        "word_count": article.word_count,
        "teaser_text": "\n".join(teaser.text for teaser in article.teasers if teaser.text),
        "content_hash": article.content_hash,
    }


def _insert(db: Database, table: str, values: dict[str, Any]) -> int:
    columns = ", ".join(f'"{column}"' for column in values)
    placeholders = ", ".join("?" for _ in values)
    sql = f"insert into {table} ({columns}) values ({placeholders})"
    return db.execute(sql, list(values.values())).lastrowid


def _insert_many(db: Database, table: str, rows: list[dict[str, Any]]) -> None:
    """Insert rows (a column a row lacks is NULL) with as few multi-row INSERTs as SQLite's
    limit on parameters allows. One statement, not one per row: FTS5 flushes its pending index data
    to a new segment at the end of every statement that touches it, so row-by-row inserts
    into ``articles`` cost about half as much again in full-text indexing and merging."""
    names = list(dict.fromkeys(name for row in rows for name in row))
    columns = ", ".join(f'"{column}"' for column in names)
    row_sql = "(" + ", ".join("?" * len(names)) + ")"
    per_statement = max(1, db.conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // len(names))
    for start in range(0, len(rows), per_statement):
        chunk = rows[start:start + per_statement]
        db.execute(f"insert into {table} ({columns}) values {', '.join([row_sql] * len(chunk))}",
                   [row.get(name) for row in chunk for name in names])


def _update(db: Database, table: str, row_id: int, values: dict[str, Any]) -> None:
    assignments = ", ".join(f'"{column}" = ?' for column in values)
    db.execute(f"update {table} set {assignments} where id = ?", [*values.values(), row_id])


def _only(sql: str, params: list[Any], urls: Collection[str] | None) -> tuple[str, list[Any]]:
    """``sql`` (whose articles table is ``a``) limited to the articles at ``urls``, if given:
    found through their URLs' index, never by a walk through every article of the site."""
    if urls is None:
        return sql, params
    limited = sql.replace("from articles a",
                          "from json_each(?) j cross join articles a on a.url = j.value", 1)
    return limited, [_json(list(urls)), *params]


#: One encoder for every value the archive stores as JSON: ``json.dumps`` with an option
#: builds a new encoder per call, which costs more than encoding a short list or dict.
_ENCODER = json.JSONEncoder(ensure_ascii=False)


def _json(value: Any) -> str:
    return _ENCODER.encode(value)


def _extraction_columns(fetch: Fetch) -> dict[str, str]:
    """What extraction made of a parsed page; nothing for one it never parsed (an error, a
    304, a sitemap), whose columns stay NULL."""
    if fetch.field_sources is None:
        return {}
    return {"field_sources": _json(fetch.field_sources), "missing": _json(fetch.missing or {})}


def _capture_columns(fetch: Fetch) -> dict[str, Any]:
    """Where the fetch's answer lies in the run's WARC file; nothing (NULL) without one."""
    capture = fetch.capture
    if capture is None:
        return {}
    return {"warc_path": capture.path, "warc_offset": capture.offset,
            "warc_length": capture.length, "warc_record_id": capture.record_id,
            "warc_date": capture.date, "payload_digest": capture.payload_digest,
            "warc_refers_to": capture.refers_to, "warc_type": capture.record_type}


def _now() -> str:
    """UTC, to the second, ISO 8601: ``2026-11-25T19:07:44+00:00``."""
    return datetime.now(UTC).isoformat(timespec="seconds")
