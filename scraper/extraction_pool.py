"""Where the crawl extracts its pages: on the reactor thread, or in worker processes.

Extraction (about a millisecond a page) is the largest part of what the crawl adds to Scrapy's
own work on the reactor's one thread, and while it runs nothing is downloaded. With
``EXTRACTION_WORKERS`` above 0 (1 by default; never more than the cores beside the reactor's)
the spider hands each page's bytes to one of that many worker processes and awaits the
answer, so the reactor goes on fetching meanwhile; with 0, or on a machine with one core, it
extracts in place. Either way the same function,
:func:`extract_page`, runs: one parse of the page gives the article and the links it holds.
Which links are *followed* stays with the spider, whose bounds and "requested" set are state
of the crawl that a worker must not hold.

Why a socket per worker and not ``ProcessPoolExecutor``: the executor hands each call through
a thread of its own in the crawl's process, which must win the GIL from the busy reactor to
pass on an answer or the next page; the worker then waits, idle, and a crawl with a worker
came out no faster than one without. Here the reactor's own event loop writes each page to the
worker's socket and reads the answers as they arrive (asyncio streams), no thread in between;
the worker reads pages in the order sent and answers each in turn. Pages waiting for a worker
are bounded by Scrapy's own limit on responses being processed (``SCRAPER_SLOT_MAX_ACTIVE_SIZE``).

A worker that raises gives the spider the same exception as inline extraction would (one bad
page, one ``extraction`` error). A worker that dies (killed, out of memory) closes its socket:
every page waiting on it gets :class:`ExtractionPoolBrokenError`, at once, never a hang; the
spider then stops the crawl, which is recorded as any interrupted run.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pickle
import socket
import struct
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals

from archive.records import Article
from scraper import child_process
from scraper.child_process import become_child
from scraper.links import followed_links

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

    from scrapy.crawler import Crawler

    from scraper.profiles import SiteProfile

#: Every message on a worker's socket: its length, then a pickle of that length.
_FRAME = struct.Struct("!Q")
#: A worker's name in ``ps`` (at most 15 bytes).
WORKER_NAME = "ba-extraction"
#: Seconds a closed pool gives its workers to leave before they are killed.
_LEAVE_SECONDS = 5.0


class ExtractionPoolBrokenError(Exception):
    """A worker process of the pool died: no page can be extracted by it any more."""


@dataclass(frozen=True)
class Extracted:
    """What one parse of a page gives the crawl: picklable, to come back from a worker."""

    article: Article
    #: The page's followable links in page order, at most the ``links_limit`` asked for.
    links: list[str]


def extract_page(body: bytes, url: str, profile: SiteProfile, content_type: str | None,
                 linked_as: str | None, links_limit: int | None) -> Extracted:
    """The article of the page and its links; ``ExtractionError`` for a page that is not
    readable at all (empty, no tags, nested too deep), which loses an article.

    The extraction code is imported here, not with this module: a crawl whose pages go to
    workers never loads it itself (a re-crawl answered with 304s starts that much sooner)."""
    from scraper.extraction.decoding import ExtractionError
    from scraper.extraction.page import extract_with_page

    article, page = extract_with_page(body, url, profile, content_type, linked_as)
    if page is None:
        raise ExtractionError(article.missing["page"])
    return Extracted(article, followed_links(page, links_limit))


def serve(connection: socket.socket) -> None:
    """A worker: answer every page the crawl sends, in order, until the crawl closes its end.

    An answer is ``(True, Extracted)`` or ``(False, exception)``; an exception that cannot be
    pickled goes back as an ``ExtractionError`` with its message, which is all the spider
    reads of it."""
    become_child(WORKER_NAME)
    from scraper.extraction.decoding import ExtractionError  # and the rest, before any page

    with connection, connection.makefile("rb") as pages:
        while header := pages.read(_FRAME.size):
            (size,) = _FRAME.unpack(header)
            try:
                answer = pickle.dumps((True, extract_page(*pickle.loads(pages.read(size)))),
                                      protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as error:  # noqa: BLE001 — the spider decides what it costs
                try:
                    answer = pickle.dumps((False, error), protocol=pickle.HIGHEST_PROTOCOL)
                except Exception:  # noqa: BLE001 — e.g. an exception holding a parser
                    answer = pickle.dumps((False, ExtractionError(str(error))))
            connection.sendall(_FRAME.pack(len(answer)) + answer)


@dataclass
class _Worker:
    """One worker process and the crawl's end of its socket, with the pages it was sent."""

    process: BaseProcess
    connection: socket.socket
    #: Pages sent and not answered yet, oldest first: the worker answers in that order.
    waiting: deque[asyncio.Future[Extracted]] = field(default_factory=deque)
    opened: asyncio.Task[asyncio.StreamWriter] | None = None
    #: The stream over ``connection``, once opened: it owns the socket from then on.
    stream: asyncio.StreamWriter | None = None
    reading: asyncio.Task[None] | None = None

    @classmethod
    def start(cls) -> _Worker:
        ours, theirs = socket.socketpair()
        process = child_process.context().Process(
            target=serve, args=(theirs,), name=WORKER_NAME, daemon=True)
        process.start()
        theirs.close()
        return cls(process, ours)

    async def extract(self, args: tuple[Any, ...]) -> Extracted:
        if self.opened is None:  # once, however many pages arrive while it opens
            self.opened = asyncio.get_running_loop().create_task(self.open())
        stream = await self.opened
        if self.reading is not None and self.reading.done():
            raise self.broken()
        page = pickle.dumps(args, protocol=pickle.HIGHEST_PROTOCOL)
        answer: asyncio.Future[Extracted] = asyncio.get_running_loop().create_future()
        # no await between these two lines: pages are waited for in the order they are sent
        self.waiting.append(answer)
        stream.write(_FRAME.pack(len(page)) + page)
        return await answer

    async def open(self) -> asyncio.StreamWriter:
        reader, self.stream = await asyncio.open_unix_connection(sock=self.connection)
        self.reading = asyncio.get_running_loop().create_task(self.read_answers(reader))
        return self.stream

    async def read_answers(self, reader: asyncio.StreamReader) -> None:
        """Hand each answer to the page waiting for it, until the worker's socket closes."""
        try:
            while True:
                (size,) = _FRAME.unpack(await reader.readexactly(_FRAME.size))
                ok, value = pickle.loads(await reader.readexactly(size))
                answer = self.waiting.popleft()
                if answer.done():  # its page's processing was cancelled (crawl closing)
                    continue
                if ok:
                    answer.set_result(value)
                else:
                    answer.set_exception(value)
        except (asyncio.IncompleteReadError, ConnectionError):
            while self.waiting:
                if not (answer := self.waiting.popleft()).done():
                    answer.set_exception(self.broken())

    def broken(self) -> ExtractionPoolBrokenError:
        self.process.join(timeout=1)
        return ExtractionPoolBrokenError(
            f"the extraction worker process died (exit code {self.process.exitcode})")

    def close(self) -> None:
        """Tell the worker there are no more pages (it leaves when it reads to the end), then
        wait for it. The socket is shut at once: the stream would close it only on a later
        turn of the event loop, which this wait would hold up."""
        if self.opened is None:  # never sent a page (a re-crawl of 304s): nothing to finish
            self.process.kill()
        if self.reading is not None:
            self.reading.cancel()
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_WR)
        self.process.join(timeout=_LEAVE_SECONDS)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        if self.stream is not None:
            self.stream.close()
        else:
            self.connection.close()


class ExtractionPool:
    """Runs :func:`extract_page` for the spider, in ``workers`` processes (0: in place), from
    one running event loop (the crawl's)."""

    def __init__(self, workers: int):
        """The workers start with the pool, with the crawl (forked while the crawl is built:
        see scraper/child_process.py) rather than when the first page is waiting. A worker
        never sent a page is killed at the end."""
        self.workers = [_Worker.start() for _ in range(workers)]

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """``EXTRACTION_WORKERS``, at most one fewer than the cores this process may use: a
        worker without a core of its own only takes turns with the reactor, and the page's
        trip through the socket is then pure cost."""
        cores = len(os.sched_getaffinity(0))
        pool = cls(min(crawler.settings.getint("EXTRACTION_WORKERS"), cores - 1))
        crawler.signals.connect(pool.close, signal=signals.spider_closed)
        return pool

    async def extract(self, body: bytes, url: str, profile: SiteProfile,
                      content_type: str | None, linked_as: str | None,
                      links_limit: int | None) -> Extracted:
        """:func:`extract_page`, in the least busy worker when there are any; raises what it
        raises, and ``ExtractionPoolBrokenError`` when the worker died."""
        args = (body, url, profile, content_type, linked_as, links_limit)
        if not self.workers:
            return extract_page(*args)
        worker = min(self.workers, key=lambda worker: len(worker.waiting))
        return await worker.extract(args)

    def close(self) -> None:
        for worker in self.workers:
            worker.close()
        self.workers.clear()
