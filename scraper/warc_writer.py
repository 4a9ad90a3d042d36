"""WARC capture: every HTTP exchange of a crawl, as the server sent it, in one file per run.

The archive keeps what extraction made of a page; this keeps the page. Each answer a crawl
receives (articles, listings, sitemaps, robots.txt, error pages, redirects) is written as a
WARC 1.1 ``response`` record and the request that asked for it as a ``request`` record, laid
out as ``warcio`` writes them (:mod:`scraper.warc_records` builds the bytes), each its own
gzip member, in ``<archive dir>/<archive stem>.warc/
run-<run id>.warc.gz`` (``WARC_DIR`` elsewhere; ``WARC_ENABLED = False`` turns it off). A
file starts with a ``warcinfo`` record naming the software, its versions and the run.

An answer that repeats what the archive already holds costs a ``revisit`` record of its
headers only: a ``304`` (profile *server-not-modified*) and a ``200`` whose payload digest is
that of the URL's newest capture (profile *identical-payload-digest*), each pointing at that
capture with ``WARC-Refers-To``. The newest captures come from the archive, through
:class:`~scraper.archive_state.ArchiveState`, and from this run as it goes.

The downloader middleware in :mod:`scraper.warc_capture` hands each response to
:meth:`WarcWriter.write_exchange` and the record's :class:`~archive.records.Capture` reaches
the fetch through ``request.meta``. The reactor's thread only snapshots the exchange (the
two HTTP heads, a reference to the body) and hands it over through a queue whose ``put`` never
waits; a thread of the writer's own digests it, decides response or revisit, builds the
records and compresses and appends them (SHA-1, zlib and the file let go of the GIL, so the
crawl goes on meanwhile) into a buffered file, and fills in the record's ``Capture``. The
archive pipeline calls :meth:`WarcWriter.sync` (wait for that thread, flush, fsync) before it
commits a batch of fetches, so no row ever points at bytes that are not on disk, nor reads a
``Capture`` the thread has not finished. When a write fails (a full disk), the torn record is
cut off, capture stops, the crawl closes with reason ``warc_write_failed`` and the command exits
4; fetches whose records did not reach the disk are archived without a pointer.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import tempfile
import threading
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import scrapy
from scrapy import signals
from scrapy.exceptions import CloseSpider, NotConfigured
from scrapy.utils.defer import deferred_from_coro
from warcio.warcwriter import WARCWriter

from archive import Archive
from archive.records import Capture
from scraper import __version__
from scraper.archive_state import ArchiveState, PriorCapture
from scraper.warc_records import (
    WARC_VERSION,
    gzip_member,
    new_record_id,
    payload_digest,
    record,
    request_head,
    response_head,
    warc_date,
)

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
IDENTICAL_PAYLOAD = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
#: Buffer of the open WARC file: records reach the disk at each batch's sync, not one by one.
_BUFFER_BYTES = 1 << 20
#: Exchanges queued for the writing thread at most between two syncs: past that the reactor
#: waits for it, rather than holding every body of a fast crawl in memory.
_QUEUED_EXCHANGES = 256
#: The stats a failed write leaves for the command to report (it exits 4).
ERROR_STAT = "blog_archive/warc_error"
FILE_STAT = "blog_archive/warc_file"
#: The reason the crawl closes with when the WARC file cannot be written.
WRITE_FAILED = "warc_write_failed"


class WarcError(Exception):
    """The WARC folder or file cannot be written; one line for the user."""


def warc_dir(settings: Any) -> Path:
    """Where a crawl's WARC files go: ``WARC_DIR``, else ``<stem>.warc`` beside the archive."""
    configured = settings.get("WARC_DIR")
    if configured:
        return Path(configured)
    db = Path(settings["ARCHIVE_DB"])
    return db.parent / f"{db.stem}.warc"


def check_warc_dir(directory: Path) -> None:
    """Create ``directory`` if needed and prove a file can be written in it, or raise
    :class:`WarcError`: a crawl must fail before its first request, not after an hour of
    fetching pages it cannot keep."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory) as probe:
            probe.write(b"WARC/1.1\r\n")
            probe.flush()
    except OSError as error:
        raise WarcError(f"cannot write WARC files in {directory}: "
                        f"{error.strerror or error}") from None


@dataclass(slots=True)
class _Exchange:
    """One answer and its request as the reactor's thread hands them to the writing thread:
    the two HTTP heads (a snapshot: Scrapy's header objects may change later), the body
    (immutable bytes, not copied), when it arrived, and the record to fill in."""

    url: str
    status: int
    response_head: bytes
    body: bytes
    request_head: bytes
    received: datetime
    capture: Capture


class WarcWriter:
    """The run's WARC file; built by Scrapy as an extension, used by the capture
    middleware (writes) and the archive pipeline (syncs)."""

    def __init__(self, crawler: Crawler, directory: Path):
        self.crawler = crawler
        self.directory = directory
        self.archive_dir = Path(crawler.settings["ARCHIVE_DB"]).resolve().parent
        self.file: BinaryIO | None = None
        self.path: Path | None = None
        self.relative_path = ""
        self.position = 0
        #: Bytes of the file known to be on disk (flushed and fsynced).
        self.durable = 0
        self.failed: OSError | None = None
        self.captures: dict[str, PriorCapture] = {}
        #: Exchanges waiting for the writing thread, which digests, builds, compresses and
        #: appends them (SHA-1, zlib and the file let go of the GIL: the reactor goes on with
        #: the next page meanwhile). A SimpleQueue: its ``put`` never blocks nor lets go of the
        #: GIL, where ``queue.Queue``'s takes a lock the writing thread may hold, and the
        #: reactor would wait for that thread's turn of the GIL, page after page.
        self.jobs: queue.SimpleQueue[_Exchange | threading.Event | None] = queue.SimpleQueue()
        #: Exchanges queued since the writing thread was last waited for.
        self.queued = 0
        self.thread: threading.Thread | None = None
        #: The error that stopped the writing thread, for the reactor's thread to act on.
        self.write_error: OSError | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("WARC_ENABLED"):
            raise NotConfigured("WARC capture is off")
        if crawler.settings.get("REDIS_URL"):  # under scrapy crawl or Scrapyd, as the CLI does
            raise NotConfigured("WARC capture is a local crawl's: off on a shared frontier")
        directory = warc_dir(crawler.settings)
        check_warc_dir(directory)
        return cls(crawler, directory)

    @classmethod
    def of(cls, crawler: Crawler) -> WarcWriter | None:
        """The crawl's writer, or None when capture is off."""
        return crawler.get_extension(cls)

    # --- the file --------------------------------------------------------------------------

    def spider_opened(self, spider: Spider) -> None:
        run_id = self.crawler.stats.get_value("blog_archive/run_id")
        if run_id is None:  # the pipeline did not start a run (the archive is locked)
            return
        state = ArchiveState.of(self.crawler)
        self.captures = state.captures
        self.cut_torn_records(state.killed_runs_warc)
        try:
            self.file, self.path = _new_file(self.directory, run_id)
        except OSError as error:
            self.fail(error)
            raise CloseSpider(WRITE_FAILED) from None
        self.relative_path = os.path.relpath(self.path, self.archive_dir)
        with Archive.open(self.crawler.settings["ARCHIVE_DB"]) as archive:
            archive.record_run_warc_file(run_id, self.relative_path)
        self.crawler.stats.set_value(FILE_STAT, str(self.path))
        settings = self.crawler.settings
        self.append(_warcinfo(self.path.name, {
            "software": f"blog-archive/{__version__}",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
                          "warc-format/warc-1.1/",
            "blog-archive-version": __version__,
            "scrapy-version": scrapy.__version__,
            "warcio-version": version("warcio"),
            "run": str(run_id),
            "site": getattr(spider, "profile", None) and spider.profile.name,
            "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            "http-header-user-agent": settings.get("USER_AGENT"),
        }))
        self.thread = threading.Thread(target=self.drain, name="warc-writer", daemon=True)
        self.thread.start()

    def cut_torn_records(self, killed: dict[int, tuple[str, int]]) -> None:
        """Cut the record a killed run may have been writing off the end of its file: every
        WARC reader (warcio check, cdxj-indexer, py-wacz) fails on a torn gzip member, so one
        killed crawl would make the whole folder unreadable to them. Only the file the
        archive names as the run's is touched (never one guessed from the run's number,
        which in a shared folder may be another archive's, perhaps still being written), and
        only what follows the last record a fetch points at is read; whole records there are
        kept."""
        for relative, end in killed.values():
            path = self.archive_dir / relative
            with contextlib.suppress(OSError):  # gone (pruned) or unreadable: leave it
                size = path.stat().st_size
                whole = end + _whole_members(path, end)
                if whole < size:
                    os.truncate(path, whole)

    def spider_closed(self, spider: Spider) -> None:
        if self.file is not None:
            self.sync()
        if self.thread is not None:
            self.jobs.put(None)
            self.thread.join()
            self.thread = None
        if self.file is not None:
            self.file.close()
            self.file = None

    def sync(self) -> None:
        """Put every record queued so far on disk (written, flushed, fsynced); the pipeline
        calls it before committing fetches that point at them. A failure stops capture."""
        if self.file is None:
            return
        self.wait_for_writing()
        if self.write_error is not None:
            self.fail(self.write_error)
            self.close_crawl()
            return
        if self.durable == self.position:
            return
        try:
            self.file.flush()
            _sync_data(self.file.fileno())
        except OSError as error:
            self.fail(error)
            self.close_crawl()
            return
        self.durable = self.position

    def is_durable(self, capture: Capture) -> bool:
        """True when the capture's record is on disk (after :meth:`sync`): a fetch may point
        at it."""
        return capture.offset >= 0 and (capture.path != self.relative_path or
                                        capture.offset + capture.length <= self.durable)

    def fail(self, error: OSError) -> None:
        """Stop capture: cut off what is not on disk for sure (a torn record would make the
        whole file unreadable to some tools) and leave the reason for the command."""
        if self.failed is not None:
            return
        self.failed = error
        where = self.path or self.directory
        self.crawler.stats.set_value(ERROR_STAT, f"{where}: {error.strerror or error}")
        logger.error("WARC capture stopped, and the crawl with it: cannot write %s: %s",
                     where, error.strerror or error)
        if self.file is not None:
            with contextlib.suppress(OSError):  # flushing its buffer may fail again
                self.file.close()
            self.file = None
            with contextlib.suppress(OSError):
                os.truncate(self.path, self.durable)  # type: ignore[arg-type]

    def close_crawl(self) -> None:
        """End the crawl: pages fetched from here on could not be kept (once; the engine
        ignores a second close, and one already closing keeps its own reason)."""
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=WRITE_FAILED))

    def wait_for_writing(self) -> None:
        """Wait until the writing thread has handled everything queued so far (the queue is
        in order: once it reaches this marker, it has)."""
        self.queued = 0
        if self.thread is None:
            return
        done = threading.Event()
        self.jobs.put(done)
        done.wait()

    # --- records ---------------------------------------------------------------------------

    def append(self, data: bytes) -> tuple[int, int]:
        """Append one record as its own gzip member; its (offset, length) in the file."""
        member = gzip_member(data)
        self.file.write(member)  # type: ignore[union-attr]
        offset = self.position
        self.position += len(member)
        return offset, len(member)

    def write_exchange(self, request: Request, response: Response) -> Capture | None:
        """Queue one answer and its request for writing; the answer's record (its offset and
        length filled in once written), or None when capture has stopped (or never started:
        no run)."""
        if self.file is None:
            return None
        if self.write_error is not None:  # the writing thread stopped: stop capture now
            self.sync()
            return None
        if self.queued >= _QUEUED_EXCHANGES:
            self.wait_for_writing()
        capture = Capture(path=self.relative_path, offset=-1, length=0, record_id="", date="")
        self.jobs.put(_Exchange(response.url, response.status, response_head(response),
                                response.body, request_head(request), datetime.now(UTC),
                                capture))
        self.queued += 1
        return capture

    def drain(self) -> None:
        """The writing thread: write each queued exchange, response record first, and fill
        in its answer's record. After a failed write it only empties the queue; the reactor's
        thread acts on ``write_error`` (see :meth:`sync`)."""
        while (job := self.jobs.get()) is not None:
            if isinstance(job, threading.Event):
                job.set()
            elif self.write_error is None:
                try:
                    self.write_exchange_records(job)
                except OSError as error:
                    self.write_error = error
                except Exception as error:  # noqa: BLE001 — a bug must stop capture, not hang
                    self.write_error = OSError(f"{type(error).__name__}: {error}")

    def write_exchange_records(self, job: _Exchange) -> None:
        """The answer's record (a response, or a revisit of what it repeats) and its
        request's; fills in the answer's :class:`Capture` with what was written where."""
        url, capture = job.url, job.capture
        digest = payload_digest(job.body)
        prior = self.captures.get(url)
        record_id, date = new_record_id(), warc_date(job.received)
        fields = [("WARC-Record-ID", record_id), ("WARC-Date", date)]
        profile = _revisit_profile(job.status, digest, prior)
        if profile is None:
            answer = record("response", url, [*fields, ("WARC-Payload-Digest", digest)],
                            job.response_head, job.body)
            if job.status == 200:
                self.captures[url] = PriorCapture(record_id, date, digest)
            capture.payload_digest = digest
        else:
            answer = record("revisit", url, [*fields, *self.revisit(url, profile, prior)],
                            job.response_head)
            capture.record_type = "revisit"
            if prior is not None:
                capture.refers_to = prior.record_id
                capture.payload_digest = prior.payload_digest  # a 304 has none of its own
        asked = record("request", url, [("WARC-Record-ID", new_record_id()), ("WARC-Date", date),
                                        ("WARC-Concurrent-To", record_id)], job.request_head)
        capture.record_id, capture.date = record_id, date
        capture.offset, capture.length = self.append(answer)
        self.append(asked)

    @staticmethod
    def revisit(url: str, profile: str, prior: PriorCapture | None) -> list[tuple[str, str]]:
        """A revisit record's own fields (it holds the answer's headers only), pointing at
        the capture it confirms.

        A 304 for a URL never captured whole is still a revisit, with no ``WARC-Refers-To*``
        fields and no payload digest: WARC 1.1 asks those of a server-not-modified revisit
        with "should" and "may", never "must" (never a field with no value), and a revisit
        says truthfully that the server sent no payload, where a ``response`` record of the
        304 would pass its empty body off as the page's content. (With capture on, the crawl
        asks a URL never captured for the whole page, see :mod:`scraper.archive_state`: only
        a server that answers 304 to a request without validators sends one.)"""
        fields = [("WARC-Profile", profile)]
        if prior is not None:
            fields += [("WARC-Refers-To", prior.record_id), ("WARC-Refers-To-Target-URI", url),
                       ("WARC-Refers-To-Date", prior.date),
                       ("WARC-Payload-Digest", prior.payload_digest)]
        return fields


def _revisit_profile(status: int, digest: str, prior: PriorCapture | None) -> str | None:
    """The revisit profile of an answer that repeats a capture, None for one to keep whole:
    a 304 confirms the URL's newest capture; a body with that capture's digest repeats it."""
    if status == 304:
        return SERVER_NOT_MODIFIED
    if prior is not None and prior.payload_digest == digest:
        return IDENTICAL_PAYLOAD
    return None


def _warcinfo(filename: str, info: dict[str, Any]) -> bytes:
    """The file's ``warcinfo`` record, uncompressed, as warcio builds it (once per file: no
    need for the per-answer fast path)."""
    out = BytesIO()
    writer = WARCWriter(out, gzip=False, warc_version=WARC_VERSION)
    writer.write_record(writer.create_warcinfo_record(filename, info))
    return out.getvalue()


#: fdatasync where the system has it: the data and the file's size, without the times a
#: full fsync also writes.
_sync_data = getattr(os, "fdatasync", os.fsync)


def _whole_members(path: Path, start: int) -> int:
    """Bytes of whole gzip members in ``path`` from ``start`` on."""
    with path.open("rb") as stream:
        stream.seek(start)
        data = stream.read()
    whole = 0
    while whole < len(data):
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        try:
            inflater.decompress(memoryview(data)[whole:])
        except zlib.error:
            break
        if not inflater.eof:
            break
        whole = len(data) - len(inflater.unused_data)
    return whole


def _new_file(directory: Path, run_id: int) -> tuple[BinaryIO, Path]:
    """The run's file, never an existing one (a WARC file is never overwritten: an archive
    started afresh beside an old WARC folder counts its runs from 1 again)."""
    stem = f"run-{run_id:06d}"
    for attempt in range(1000):
        path = directory / (f"{stem}.warc.gz" if not attempt else f"{stem}-{attempt}.warc.gz")
        try:
            return open(path, "xb", buffering=_BUFFER_BYTES), path
        except FileExistsError:
            continue
    raise FileExistsError(f"{directory / stem}.warc.gz and 999 more exist")
