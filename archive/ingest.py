"""``blog-archive ingest``: the single process that writes the archive of a crawl on many
machines, from the records its crawler processes push to Redis (archive/stream.py).

SQLite takes one writer at a time; many crawlers writing one archive would wait on each other
and fail with "database is locked". So crawlers only push, and this process alone writes,
holding the archive's lock (archive/lock.py) as a local crawl does, through the same
:class:`~archive.writer.Writer` and ``Archive.record_fetches``.

No record is lost and none is written twice. Entries are read through a consumer group and
acknowledged (then deleted, so the stream does not grow) only after the transaction that
wrote them has committed; a writer killed mid-batch leaves them pending, and the next one
first reads its pending entries again. An entry whose transaction committed just before the
kill is recognised by its id, kept on its fetch row (unique), and skipped; a run's start,
a process's stats and a run's end are each applied once, by the run's token.

After each batch the writer publishes what the batch taught the archive (articles known,
their validators, when each was confirmed) to the crawlers' state in Redis, so a re-crawl on
many machines sends the same conditional requests as a local one.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archive.lock import ArchiveLock
from archive.store import Archive
from archive.stream import (
    RECORDS,
    WRITERS,
    Record,
    SiteState,
    StreamUnavailableError,
    connect,
    decode,
    replace_state,
    shown_url,
    update_state,
)
from archive.writer import Writer

if TYPE_CHECKING:
    import redis

#: The consumer name of the writer: fixed, so a restarted writer finds its pending entries.
CONSUMER = "ingest"


class Until(StrEnum):
    """When ``ingest`` stops: never (a service), once the stream is drained, or once every
    run it has seen has ended."""

    FOREVER = "forever"
    ONCE = "once"
    RUN_ENDS = "run-ends"


class UnwritableRecordsError(Exception):
    """The archive refused a batch (disk full, damaged); its entries stay pending."""


@dataclass
class IngestReport:
    """What one ``ingest`` wrote: entries acknowledged, fetches written (duplicates skipped
    are not), runs ended, seconds spent."""

    entries: int = 0
    fetches: int = 0
    duplicates: int = 0
    runs_ended: int = 0
    seconds: float = 0.0


@dataclass
class Ingest:
    """One writer session over one archive and one Redis server."""

    client: redis.Redis
    archive: Archive
    batch_size: int = 500
    block_ms: int = 1000
    writer: Writer = field(init=False)
    report: IngestReport = field(default_factory=IngestReport)
    stopping: bool = False

    def __post_init__(self) -> None:
        self.writer = Writer(self.archive, lock_held=True, spanning_runs=True)

    def run(self, until: Until) -> IngestReport:
        import redis

        started = time.monotonic()
        try:
            self.join_group()
            for site in self.archive.sites():
                self.publish_site(site)
            self.drain(pending=True)
            while not self.stopping:
                ended = self.drain(pending=False)
                if until is Until.ONCE and not ended.read:
                    break
                if until is Until.RUN_ENDS and ended.runs and not self.writer.open_tokens():
                    break
        except redis.RedisError as error:
            raise StreamUnavailableError(f"lost Redis: {error}") from None
        self.report.seconds = time.monotonic() - started
        return self.report

    def join_group(self) -> None:
        """Create the writers' group (and the stream) from its first entry, once."""
        import redis

        try:
            self.client.xgroup_create(RECORDS, WRITERS, id="0", mkstream=True)
        except redis.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    def drain(self, *, pending: bool) -> _Drained:
        """Read and write batches: with ``pending``, those delivered to this writer before it
        died, until none is left; else new ones, until a read (blocking up to ``block_ms``)
        returns nothing."""
        drained = _Drained()
        while not self.stopping:
            answer = self.client.xreadgroup(
                WRITERS, CONSUMER, {RECORDS: "0" if pending else ">"}, count=self.batch_size,
                block=None if pending else self.block_ms)
            entries = answer[0][1] if answer else []
            records = [decode(entry_id, fields) for entry_id, fields in entries if fields]
            gone = [entry_id for entry_id, fields in entries if not fields]  # deleted already
            if not entries:
                return drained
            drained.read = True
            drained.runs += self.write(records, extra_ids=gone)
            if not pending and len(entries) < self.batch_size:
                return drained
        return drained

    def write(self, records: list[Record], extra_ids: list[Any]) -> int:
        """Write one batch in one transaction, then acknowledge it; the number of runs it
        ended."""
        touched: dict[str, set[str]] = {}
        ended_sites: set[str] = set()
        with self.archive.db.atomic():
            unwritten = self.writer.unwritten
            seen = self.archive.recorded_stream_ids(
                [record.entry_id for record in records if record.kind == "fetch"])
            ended = 0
            for (kind, token, site), group in _runs_of(records):
                if kind == "fetch":
                    fresh = [record for record in group if record.entry_id not in seen]
                    self.report.duplicates += len(group) - len(fresh)
                    self.record(token, site, fresh, touched)
                else:
                    ended_sites |= self.control(group[0])
                    ended += kind == "run-end"
            if self.writer.unwritten > unwritten:
                raise UnwritableRecordsError(
                    f"the archive refused {self.writer.unwritten - unwritten} fetches "
                    f"({self.writer.write_error}); their entries stay in Redis, pending")
        ids = [record.entry_id for record in records] + extra_ids
        acknowledge = self.client.pipeline(transaction=True)
        acknowledge.xack(RECORDS, WRITERS, *ids)
        acknowledge.xdel(RECORDS, *ids)
        acknowledge.execute()
        self.report.entries += len(ids)
        self.report.runs_ended += ended
        for site, urls in touched.items():
            self.publish_batch(site, urls)
        for site in ended_sites:  # a finished run changes which listing validators hold
            self.publish_site(site)
        return ended

    def record(self, token: str, site: str, records: list[Record],
               touched: dict[str, set[str]]) -> None:
        if not records:
            return
        fetches = [record.fetch for record in records]
        self.writer.record(token, site, fetches, [record.entry_id for record in records])
        self.report.fetches += len(fetches)
        urls = touched.setdefault(site, set())
        for fetch in fetches:
            urls.add(fetch.url)
            urls.update(url for url in (fetch.redirect_to,
                                        fetch.article.url if fetch.article else None) if url)

    def control(self, record: Record) -> set[str]:
        """Apply a run's start, a process's end or a run's end; the sites of a run ended."""
        body = record.body
        if record.kind == "run-start":
            self.writer.start(record.token, body["site"], body["trigger"],
                              body["app_version"], body["scrapy_version"])
        elif record.kind == "process-done":
            self.writer.process_done(record.token, body["process"], body["stats"])
        elif record.kind == "run-end":
            sites = {self.archive.db["crawl_runs"].get(run_id)["site"]
                     for run_id in self.writer.token_runs(record.token)}
            self.writer.end(record.token, body["reason"], body.get("bounds"))
            return sites
        return set()

    def publish_site(self, site: str) -> None:
        """The whole state of ``site``, as a local crawl would load it."""
        replace_state(self.client, site, SiteState(
            known_articles=self.archive.article_urls(site),
            validators={**self.archive.page_validators(site),
                        **self.archive.validators(site=site)},
            confirmed_at=self.archive.confirmed_articles(site)))

    def publish_batch(self, site: str, urls: set[str]) -> None:
        """What one batch changed of the state of ``site``: the articles at ``urls``."""
        known = self.archive.article_urls(site, urls)
        update_state(self.client, site, SiteState(
            known_articles=known,
            validators=self.archive.validators(urls, site=site),
            confirmed_at=self.archive.confirmed_articles(site, urls)),
            forgotten=urls - known)


@dataclass
class _Drained:
    read: bool = False
    runs: int = 0


def _runs_of(records: list[Record]) -> Iterator[tuple[tuple[str, str, str], list[Record]]]:
    """Consecutive fetches of one run and site together (one ``record_fetches`` each);
    every other record alone, in stream order."""
    group: list[Record] = []
    key: tuple[str, str, str] | None = None
    for record in records:
        this = (record.kind, record.token, record.body.get("site", ""))
        if group and (this != key or record.kind != "fetch"):
            yield key, group  # type: ignore[misc]
            group = []
        key = this
        group.append(record)
    if group:
        yield key, group  # type: ignore[misc]


@contextmanager
def _stop_on_signals(session: Ingest) -> Iterator[None]:
    """SIGTERM (systemd's stop) and SIGINT finish the batch in hand, then stop."""
    def stop(signum: int, frame: Any) -> None:
        session.stopping = True

    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def ingest(url: str, db: Path, until: Until, *, batch_size: int = 500,
           block_ms: int = 1000) -> IngestReport:
    """Write into ``db`` the records of the Redis server at ``url``, holding the archive's
    lock. Raises ``StreamUnavailableError`` when Redis cannot be reached (before anything is
    written), ``ArchiveLockedError`` when another process writes ``db``, ``ArchiveError``
    when it cannot be opened and ``UnwritableRecordsError`` when it refuses a batch."""
    client = connect(url)
    with ArchiveLock(db), Archive.open(db) as archive:
        session = Ingest(client, archive, batch_size=batch_size, block_ms=block_ms)
        with _stop_on_signals(session):
            try:
                return session.run(until)
            except StreamUnavailableError as error:
                raise StreamUnavailableError(f"{error} ({shown_url(url)})") from None
