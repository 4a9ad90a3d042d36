"""The record sink of a local crawl whose archive writes run in a process of their own.

On the reactor thread a batch's transaction (full-text indexing included) stops fetching and
parsing while it runs. Here the crawl hands each batch to a queue, whose feeder thread pickles
and sends it, and goes on; a child process, started with the crawl, runs the same
:class:`archive.writer.Writer` that ``blog-archive ingest`` runs, and sends each batch's
outcomes back, which the pipeline counts when they arrive. Nothing needs Redis: a user's
machine has none by default, and a pipe between two processes of one crawl needs no
acknowledgements (a crawl killed with its writer loses at most the batches in the queue,
which the next run fetches again, as it would have lost the batch in hand before).

The child starts when the sink is made, with the crawl (see scraper/child_process.py for why
it is forked then), and waits for the crawl to open the run. It leaves when told, or when the
crawl that started it is gone. The crawl holds the archive's lock; the child writes under it
(``lock_held``).
"""

from __future__ import annotations

import os
import queue
import uuid
from collections import deque
from typing import TYPE_CHECKING, Any

from archive import Archive, ArchiveError
from archive.records import Fetch
from archive.writer import Writer
from scraper import child_process
from scraper.child_process import become_child

if TYPE_CHECKING:
    from multiprocessing.queues import Queue

    from scraper.pipelines import Written

#: Batches sent but not yet written before ``write`` waits for the writer: bounds the memory
#: a crawl faster than its archive can fill.
_QUEUED_BATCHES = 64
#: The writer process's name in ``ps`` (at most 15 bytes).
WRITER_NAME = "ba-writer"
#: Seconds between checks that the other process is still there, while waiting for it.
_POLL_SECONDS = 1.0


class WriterProcessGoneError(ArchiveError):
    """The writer process died; what it had not written is lost to this run."""


class WriterProcessSink:
    writes_archive = True

    def __init__(self, db_path: str):
        self.db_path = db_path
        self.token = uuid.uuid4().hex
        self.write_error: str | None = None
        start = child_process.context()
        self.inbox: Queue[Any] = start.Queue(_QUEUED_BATCHES)
        self.outbox: Queue[Any] = start.Queue()
        self.child = start.Process(target=serve, name=WRITER_NAME, daemon=True,
                                   args=(db_path, self.inbox, self.outbox, os.getpid()))
        self.child.start()
        #: Batches sent whose outcomes have not come back, oldest first.
        self.sent: deque[list[Fetch]] = deque()

    def open(self, site: str, trigger: str, versions: dict[str, str]) -> int:
        self.inbox.put(("start", self.token, site, trigger, versions["app"], versions["scrapy"]))
        kind, value = self.reply()
        if kind == "error":
            raise ArchiveError(value)
        return int(value)

    def write(self, fetches: list[Fetch]) -> list[Written]:
        self.inbox.put(("fetches", list(fetches)))
        self.sent.append(list(fetches))
        return self.collect(wait=False)

    def drain(self) -> list[Written]:
        try:
            return self.collect(wait=True)
        except WriterProcessGoneError as error:
            self.write_error = str(error)
            lost = [(fetch, "unwritten") for batch in self.sent for fetch in batch]
            self.sent.clear()
            return lost

    def collect(self, *, wait: bool) -> list[Written]:
        """Outcomes of the batches written since the last call; with ``wait``, of all."""
        written: list[Written] = []
        while self.sent:
            if not wait:
                try:
                    kind, value = self.outbox.get_nowait()
                except queue.Empty:
                    break
            else:
                kind, value = self.reply()
            self.write_error = self.write_error or (value[1] if kind == "written" else None)
            written += zip(self.sent.popleft(), value[0], strict=True)
        return written

    def finish(self, reason: str, stats: dict[str, Any], bounds: dict[str, Any]) -> None:
        if not self.child.is_alive():
            return
        self.inbox.put(("finish", stats, reason, bounds))
        try:
            self.reply()
        finally:
            self.child.join(timeout=30)

    def reply(self) -> tuple[str, Any]:
        """The writer's next answer, or ``WriterProcessGoneError`` if it died first."""
        while True:
            try:
                answer: tuple[str, Any] = self.outbox.get(timeout=_POLL_SECONDS)
                return answer
            except queue.Empty:
                if not self.child.is_alive():
                    raise WriterProcessGoneError(
                        f"the archive's writer process ended (exit code {self.child.exitcode})"
                    ) from None


def serve(db_path: str, inbox: Queue[Any], outbox: Queue[Any], crawl_pid: int) -> None:
    """The writer process: apply what the crawl sends, in order, answering each message."""
    become_child(WRITER_NAME)
    if os.getppid() != crawl_pid:  # the crawl died before the line above
        return
    writer: Writer | None = None
    token = site = ""
    while True:
        try:
            message = inbox.get(timeout=_POLL_SECONDS)
        except queue.Empty:
            if os.getppid() != crawl_pid:  # the crawl died without telling: nothing to write
                return
            continue
        kind, *args = message
        if kind == "start":
            token, site, trigger, app_version, scrapy_version = args
            try:
                writer = Writer(Archive.open(db_path))
                outbox.put(("started", writer.start(token, site, trigger, app_version,
                                                    scrapy_version)))
            except ArchiveError as error:
                outbox.put(("error", str(error)))
                return
        elif kind == "fetches" and writer is not None:
            outcomes = writer.record(token, site, args[0])
            outbox.put(("written", (outcomes, writer.write_error)))
        elif kind == "finish" and writer is not None:
            stats, reason, bounds = args
            writer.process_done(token, "crawl", stats)
            writer.end(token, reason, bounds)
            writer.archive.close()
            outbox.put(("finished", None))
            return
