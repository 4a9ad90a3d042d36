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

import queue
import signal
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archive.lock import ArchiveLock
from archive.store import Archive, PreparedFetch
from archive.stream import (
    RECORDS,
    WRITERS,
    Record,
    SiteState,
    StreamLostError,
    connect,
    decode,
    replace_state,
    shown_url,
    update_state,
)
from archive.writer import Writer

if TYPE_CHECKING:
    import redis

#: Seconds the writer and its reader wait on each other before looking for a stop.
_WAKE_SECONDS = 0.2
#: Seconds between two attempts to end the reader's blocked read when the writer stops (an
#: attempt finds no read blocked while the reader is between two reads).
_UNBLOCK_SECONDS = 0.01
#: Commits whose acknowledgements and state may wait to be sent while the writer goes on.
_AHEAD = 4
#: WAL frames (pages) past which the writer, before its next transaction, waits for the
#: checkpoint of its last commit, so that transaction starts the WAL over (64 MiB of 4 KiB
#: pages; SQLite's own automatic checkpoint keeps it to 1,000 pages, at the commit's cost).
_WAL_FRAMES = 16_384
#: SQLite's page cache for the writer's connection, in KiB: a batch of 500 articles dirties
#: about 12 MB of pages, which SQLite's default 2 MB cache would spill to the WAL mid-batch.
_CACHE_KIB = 65_536
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
    publisher: _Publisher = field(init=False)
    checkpointer: _Checkpointer = field(init=False)
    report: IngestReport = field(default_factory=IngestReport)
    stopping: bool = False

    def __post_init__(self) -> None:
        self.writer = Writer(self.archive, lock_held=True, spanning_runs=True)
        self.archive.db.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
        self.publisher = _Publisher()
        self.checkpointer = _Checkpointer(self.archive)

    def run(self, until: Until) -> IngestReport:
        import redis

        started = time.monotonic()
        self.publisher.start()
        self.checkpointer.start()
        try:
            self.join_group()
            for site in self.archive.sites():
                self.publish_site(site)
            after = "0"  # first those delivered to a writer that died, oldest first
            while not self.stopping and not (batch := self.read(after, block=None)).empty:
                self.write(batch)
                after = batch.last_id
            self.write_new(until)
            self.publisher.finish()
        except redis.RedisError as error:
            raise StreamLostError(f"lost Redis: {error}") from None
        finally:
            self.publisher.stop()
            self.checkpointer.stop()
        self.report.seconds = time.monotonic() - started
        return self.report

    def write_new(self, until: Until) -> None:
        """Write new entries as they come, each batch read, decoded and prepared
        (``PreparedFetch``) by a thread while the one before it is written (SQLite lets go of
        the GIL while it works), until ``until`` says so or a signal asks to stop. Entries read
        ahead but not written stay pending for the next writer."""
        reader = _ReadAhead(self.client,
                            lambda client: self.read(">", block=self.block_ms, client=client),
                            stop_when_empty=until is Until.ONCE)
        reader.start()
        try:
            while not self.stopping:
                batch = reader.next()
                if batch is None:  # nothing yet: look at self.stopping again
                    continue
                if batch.empty:
                    if until is Until.ONCE:
                        return
                    continue
                ended = self.write(batch)
                if until is Until.RUN_ENDS and ended and not self.writer.open_tokens():
                    return
        finally:
            reader.stop()

    def join_group(self) -> None:
        """Create the writers' group (and the stream) from its first entry, once."""
        import redis

        try:
            self.client.xgroup_create(RECORDS, WRITERS, id="0", mkstream=True)
        except redis.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    def read(self, start: str, *, block: int | None,
             client: redis.Redis | None = None) -> _Batch:
        """One batch for this writer: with ``start`` an entry id, its pending entries after
        it (delivered before it died; their acknowledgements may still be on their way, so
        the next read starts after the last one); with ">" new ones, waiting up to ``block``
        ms for one. ``client``: the connection to read on, if not the writer's."""
        answer = (client or self.client).xreadgroup(WRITERS, CONSUMER, {RECORDS: start},
                                                    count=self.batch_size, block=block)
        entries = answer[0][1] if answer else []
        records = [decode(entry_id, fields) for entry_id, fields in entries if fields]
        return _Batch(records=records,
                      gone=[entry_id for entry_id, fields in entries if not fields],
                      last_id=entries[-1][0] if entries else start,
                      prepared={record.entry_id: PreparedFetch(record.fetch).ahead()
                                for record in records if record.fetch is not None})

    def write(self, batch: _Batch) -> int:
        """Write one batch in one transaction, then acknowledge it; the number of runs it
        ended."""
        records = batch.records
        touched: dict[str, set[str]] = {}
        #: site -> its listing pages' validators before a run of it ended in this batch.
        pages_before: dict[str, dict[str, tuple[str | None, str | None]]] = {}
        self.checkpointer.make_room()
        with self.archive.write_transaction():
            unwritten = self.writer.unwritten
            seen = self.archive.recorded_stream_ids(
                [record.entry_id for record in records if record.kind == "fetch"])
            ended = 0
            for (kind, token, site), group in _runs_of(records):
                if kind == "fetch":
                    fresh = [record for record in group if record.entry_id not in seen]
                    self.report.duplicates += len(group) - len(fresh)
                    self.record(token, site, fresh, batch.prepared, touched)
                else:
                    pages_before = self.control(group[0]) | pages_before
                    ended += kind == "run-end"
            if self.writer.unwritten > unwritten:
                raise UnwritableRecordsError(
                    f"the archive refused {self.writer.unwritten - unwritten} fetches "
                    f"({self.writer.write_error}); their entries stay in Redis, pending")
        self.checkpointer.committed()
        ids = [record.entry_id for record in records] + batch.gone
        self.publisher.send(lambda: acknowledge(self.client, ids))
        self.report.entries += len(ids)
        self.report.runs_ended += ended
        for site, urls in touched.items():
            self.publish_batch(site, urls)
        for site, before in pages_before.items():
            self.publish_pages(site, before)
        return ended

    def record(self, token: str, site: str, records: list[Record],
               prepared: dict[str, PreparedFetch], touched: dict[str, set[str]]) -> None:
        if not records:
            return
        fetches = [record.fetch for record in records if record.fetch is not None]
        self.writer.record(token, site, fetches, [record.entry_id for record in records],
                           [prepared[record.entry_id] for record in records])
        self.report.fetches += len(fetches)
        urls = touched.setdefault(site, set())
        for fetch in fetches:
            urls.add(fetch.url)
            urls.update(url for url in (fetch.redirect_to,
                                        fetch.article.url if fetch.article else None) if url)

    def control(self, record: Record) -> dict[str, dict[str, tuple[str | None, str | None]]]:
        """Apply a run's start, a process's end or a run's end; for a run's end, each of its
        sites with the validators of its listing pages before the run ended."""
        body = record.body
        if record.kind == "run-start":
            self.writer.start(record.token, body["site"], body["trigger"],
                              body["app_version"], body["scrapy_version"])
        elif record.kind == "process-done":
            self.writer.process_done(record.token, body["process"], body["stats"])
        elif record.kind == "run-end":
            pages_before = {site: self.archive.page_validators(site) for site in
                            {self.archive.db["crawl_runs"].get(run_id)["site"]
                             for run_id in self.writer.token_runs(record.token)}}
            self.writer.end(record.token, body["reason"], body.get("bounds"))
            return pages_before
        return {}

    def publish_site(self, site: str) -> None:
        """The whole state of ``site``, as a local crawl would load it."""
        state = SiteState(
            known_articles=self.archive.article_urls(site),
            validators={**self.archive.page_validators(site),
                        **self.archive.validators(site=site)},
            confirmed_at=self.archive.confirmed_articles(site))
        self.publisher.send(lambda: replace_state(self.client, site, state))

    def publish_pages(self, site: str,
                      before: dict[str, tuple[str | None, str | None]]) -> None:
        """What a run's end changed of the state of ``site``: the listing pages' validators,
        which are those of the last successful run (``Archive.page_validators``). Nothing
        else of the state depends on a run's end, so the articles' state, published batch by
        batch, is not sent again (a whole site's state at every run's end would cost a
        service writer as much as the site's size). An article's own validator wins over a
        page's at the same URL, as in :meth:`publish_site`."""
        after = self.archive.page_validators(site)
        articles = self.archive.validators(before.keys() | after.keys(), site=site)
        validators = {url: pair for url, pair in after.items() if url not in articles}
        dropped = before.keys() - after.keys() - articles.keys()
        if validators or dropped:
            state = SiteState(known_articles=set(), validators=validators, confirmed_at={})
            self.publisher.send(lambda: update_state(self.client, site, state, set(),
                                                     dropped_validators=dropped))

    def publish_batch(self, site: str, urls: set[str]) -> None:
        """What one batch changed of the state of ``site``: the articles at ``urls``."""
        known = self.archive.article_urls(site, urls)
        state = SiteState(known_articles=known,
                          validators=self.archive.validators(urls, site=site),
                          confirmed_at=self.archive.confirmed_articles(site, urls))
        self.publisher.send(lambda: update_state(self.client, site, state, urls - known))


@dataclass
class _Batch:
    """Entries read in one XREADGROUP, decoded; ``gone``: ids of entries pending for this
    writer but deleted from the stream already (acknowledged and deleted, then delivered
    again to a writer that died between the two)."""

    records: list[Record]
    gone: list[Any]
    last_id: Any = None
    #: entry id -> its fetch, prepared ahead (by the read-ahead thread, while the writer
    #: writes the batch before).
    prepared: dict[str, PreparedFetch] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.records and not self.gone


class _ReadAhead(threading.Thread):
    """Reads batches into a queue one ahead of the writer; a Redis error reaches the writer
    through the queue. It reads on a connection of its own, whose blocked read ``stop`` ends
    at once (CLIENT UNBLOCK): the writer stops as soon as its last batch is written instead
    of waiting out the read's ``block`` ms, which a run's end would otherwise always cost."""

    def __init__(self, client: redis.Redis, read: Callable[[redis.Redis], _Batch], *,
                 stop_when_empty: bool):
        import redis

        super().__init__(name="ingest-read-ahead", daemon=True)
        self.read = read
        self.stop_when_empty = stop_when_empty
        self.waker = client
        self.client = redis.Redis(connection_pool=client.connection_pool,
                                  single_connection_client=True)
        self.client_id = self.client.client_id()
        self.batches: queue.Queue[_Batch | Exception] = queue.Queue(maxsize=1)
        self.done = threading.Event()

    def run(self) -> None:
        import redis

        try:
            while not self.done.is_set():
                batch = self.read(self.client)
                self.put(batch)
                if batch.empty and self.stop_when_empty:
                    return
        except redis.RedisError as error:
            self.put(error)

    def put(self, item: _Batch | Exception) -> None:
        while not self.done.is_set():
            try:
                self.batches.put(item, timeout=_WAKE_SECONDS)
                return
            except queue.Full:
                continue

    def next(self) -> _Batch | None:
        """The next batch, or None after a short wait without one."""
        try:
            item = self.batches.get(timeout=_WAKE_SECONDS)
        except queue.Empty:
            return None
        if isinstance(item, Exception):
            raise item
        return item

    def stop(self) -> None:
        """Stop reading: a read waiting for entries returns at once, empty (an unblocked
        XREADGROUP delivers nothing, so nothing more is left pending), and a batch waiting
        to be handed over is dropped (it stays pending for the next writer)."""
        import redis

        self.done.set()
        try:
            while self.is_alive():
                with suppress(queue.Empty):
                    self.batches.get_nowait()
                self.waker.client_unblock(self.client_id)
                self.join(timeout=_UNBLOCK_SECONDS)
        except redis.RedisError:  # Redis is gone, and with it the read
            self.join()
        self.client.close()


class _Publisher(threading.Thread):
    """Sends to Redis, in order, what follows each commit (its acknowledgements, then the
    state it changed) while the writer goes on with the next batch. A writer killed before
    the acknowledgements went out leaves its entries pending: the next one finds them
    written (by their ids) and acknowledges them then."""

    def __init__(self) -> None:
        super().__init__(name="ingest-publisher", daemon=True)
        self.jobs: queue.Queue[Callable[[], object] | None] = queue.Queue(maxsize=_AHEAD)
        self.error: Exception | None = None

    def run(self) -> None:
        import redis

        while (job := self.jobs.get()) is not None:
            if self.error is None:
                try:
                    job()
                except redis.RedisError as error:
                    self.error = error

    def send(self, job: Callable[[], object]) -> None:
        self.check()
        self.jobs.put(job)

    def finish(self) -> None:
        """Wait until everything sent has gone out."""
        self.stop()
        self.check()

    def stop(self) -> None:
        if self.is_alive():
            self.jobs.put(None)
            self.join()

    def check(self) -> None:
        if self.error is not None:
            raise self.error


class _Checkpointer(threading.Thread):
    """Copies what the writer committed from the WAL into the archive's file, on a connection
    of its own, while the writer goes on with the next batch: SQLite lets go of the GIL while
    it copies and syncs, and a checkpoint may run beside a writer. Left to SQLite, the commit
    that fills the WAL past 1,000 pages checkpoints it itself, and the writer waits (0.08 s,
    syncs included, of the 0.6 s it takes to write 2,000 articles: 50 MB of WAL).

    The WAL starts over only when a write transaction begins with all of it checkpointed, which
    a writer that never waits would never see; so once it holds more than ``_WAL_FRAMES``
    pages the writer waits for the checkpoint of its last commit before its next transaction
    (a reader holding an old snapshot stops a checkpoint short, as it stops SQLite's own)."""

    def __init__(self, archive: Archive):
        super().__init__(name="ingest-checkpointer", daemon=True)
        self.archive = archive
        self.changed = threading.Condition()
        #: Commits made, and commits the last finished checkpoint covered.
        self.commits = self.checkpointed = 0
        #: Pages in the WAL at the last checkpoint.
        self.frames = 0
        self.stopping = False
        self.error: sqlite3.Error | None = None
        self.autocheckpoint = archive.db.execute("PRAGMA wal_autocheckpoint").fetchone()[0]

    def start(self) -> None:
        self.archive.db.execute("PRAGMA wal_autocheckpoint = 0")
        super().start()

    def run(self) -> None:
        try:
            connection = sqlite3.connect(self.archive.path, check_same_thread=False)
        except sqlite3.Error as error:
            self.failed(error)
            return
        try:
            while (covered := self.next_pass()) is not None:
                try:
                    _, frames, _ = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.Error as error:
                    self.failed(error)
                    return
                with self.changed:
                    self.checkpointed, self.frames = covered, frames
                    self.changed.notify_all()
        finally:
            connection.close()

    def failed(self, error: sqlite3.Error) -> None:
        """A checkpoint failed (the disk, most likely, which the writer's next commit will
        meet too): stop, and let SQLite checkpoint at the writer's commits again."""
        with self.changed:
            self.error = error
            self.changed.notify_all()

    def next_pass(self) -> int | None:
        """Wait for a commit not yet checkpointed; the commits the pass covers, or None once
        stopped with none left (or after an error: SQLite's own checkpoints take over)."""
        with self.changed:
            while self.commits == self.checkpointed and not self.stopping:
                self.changed.wait()
            return None if self.commits == self.checkpointed else self.commits

    def committed(self) -> None:
        """The writer committed: checkpoint it (or, after a failure, let SQLite do it)."""
        if self.error is not None:
            self.hand_back()
        with self.changed:
            self.commits += 1
            self.changed.notify_all()

    def make_room(self) -> None:
        """Before a transaction: with the WAL over its bound, wait until the last commit is
        checkpointed, so the transaction writes from the WAL's start again; and never run
        more than one commit ahead of the checkpoints (a starved checkpointer would let the
        WAL grow past its bound before a checkpoint told the writer so)."""
        with self.changed:
            while (self.error is None and self.is_alive()
                   and (self.commits - self.checkpointed > 1
                        or (self.frames > _WAL_FRAMES and self.checkpointed < self.commits))):
                self.changed.wait(_WAKE_SECONDS)

    def stop(self) -> None:
        """Finish the checkpoint of the last commit, close the connection and hand
        checkpoints back to SQLite (the archive's close checkpoints what is left)."""
        if self.is_alive():
            with self.changed:
                self.stopping = True
                self.changed.notify_all()
            self.join()
        self.hand_back()

    def hand_back(self) -> None:
        self.archive.db.execute(f"PRAGMA wal_autocheckpoint = {int(self.autocheckpoint)}")


def acknowledge(client: redis.Redis, ids: list[Any]) -> None:
    """The entries are written: acknowledge them, and delete them, so the stream does not
    grow with the archive."""
    pipe = client.pipeline(transaction=True)
    pipe.xack(RECORDS, WRITERS, *ids)
    pipe.xdel(RECORDS, *ids)
    pipe.execute()


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
    written), ``StreamLostError`` when it goes away later, ``ArchiveLockedError`` when another
    process writes ``db``, ``ArchiveError`` when it cannot be opened and
    ``UnwritableRecordsError`` when it refuses a batch."""
    client = connect(url)
    with ArchiveLock(db), Archive.open(db) as archive:
        session = Ingest(client, archive, batch_size=batch_size, block_ms=block_ms)
        with _stop_on_signals(session):
            try:
                return session.run(until)
            except StreamLostError as error:
                raise StreamLostError(f"{error} ({shown_url(url)})") from None
