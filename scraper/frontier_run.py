"""One run across every crawler process of the shared frontier: joined, kept alive, ended once.

The first process of a run creates its token (``join_shared_frontier``, scraper/frontier.py); the
others join it. Each process then, through this extension:

* renews a heartbeat in Redis every ``FRONTIER_HEARTBEAT_INTERVAL`` seconds, and wakes its
  engine when the frontier holds work. A process silent for ``FRONTIER_PROCESS_TIMEOUT``
  seconds is dead: the next heartbeat of another process puts the dead one's leased requests
  back on the frontier and frees the site slots it held. A SIGKILLed crawler loses no request;
  one it had fetched and sent the record of, but whose lease it had not yet ended, is fetched
  again: never lost, at worst fetched twice, and the writer keeps one version of it;
* frees a request's site slot as soon as the request leaves the downloader (the politeness
  count is of requests in flight), and ends its lease once the archive pipeline has sent the
  request's fetch record to Redis (``records_sent``), in batches on the heartbeat;
* when idle, marks itself so and asks Redis for the run's state: the run is over only when the
  frontier is empty, every live process is idle and no dead one's requests wait to come back.
  Then, once per run, one process re-checks
  the known articles nothing linked to (the spider's ``recheck_known``), which may fill the
  frontier again; the next time all are idle, every process closes;
* on close, puts back whatever it had taken and not finished (a time bound, Ctrl-C), and the
  last live process of a finished run ends it, once, so the next crawl starts a new one.

A run stopped before its frontier emptied (every process interrupted, Redis lost) stays in
Redis: the next ``crawl --redis`` joins it and finishes it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import redis
import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.http import Request
from scrapy.utils.defer import deferred_from_coro
from twisted.internet.task import LoopingCall

from archive.records import Fetch
from archive.stream import publish_run_end, publish_run_start
from scraper import __version__
from scraper.extensions import required_extension
from scraper.frontier import LEASE_META, FrontierStore, own_process_id
from scraper.pipelines import records_sent

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

#: The close reason of a process that lost Redis: the CLI reports it, the run stays open.
LOST_REASON = "frontier_lost"
#: The stat holding why Redis was lost, for the command's one line.
LOST_STAT = "blog_archive/frontier_lost"
#: The stat counting requests taken back from dead processes (summed in the run's stats).
RECLAIMED_STAT = "blog_archive/frontier_reclaimed"
#: The recheck of known articles: not begun (no flag), being scheduled, done.
_RECHECK = "rechecked"


class FrontierRun:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.store = FrontierStore.from_settings(settings)
        self.process = own_process_id()
        self.timeout = settings.getfloat("FRONTIER_PROCESS_TIMEOUT")
        self.interval = settings.getfloat("FRONTIER_HEARTBEAT_INTERVAL")
        self.token: str = settings["CRAWL_RUN_TOKEN"]
        #: url -> lease id of the requests this process took and has not sent a record of.
        self.leases: dict[str, str] = {}
        #: lease id -> site, of the requests holding their site's slot.
        self.holding: dict[str, str] = {}
        #: Leases of requests whose records were sent, ended on the next beat.
        self.done: list[str] = []
        self.heartbeat = LoopingCall(self.beat)
        #: True once this process saw the run over: it closes, and may end the run.
        self.finished = False
        self.lost_error: str | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.request_left_downloader,
                                signal=signals.request_left_downloader)
        crawler.signals.connect(self.records_sent, signal=records_sent)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.get("REDIS_URL"):
            raise NotConfigured("no shared frontier without REDIS_URL")
        return cls(crawler)

    @classmethod
    def of(cls, crawler: Crawler) -> FrontierRun:
        return required_extension(crawler, cls)

    def spider_opened(self, spider: Spider) -> None:
        # Connected now, after the item pipelines connected theirs: Scrapy calls a signal's
        # receivers in the order they connected, and the run may end only after this
        # process's own stats have been sent (the archive pipeline's spider_closed).
        self.crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        try:
            self.store.join(self.process, self.timeout)  # again: startup may outlast a timeout
            if self.crawler.settings.getbool("FRONTIER_RUN_STARTED"):
                publish_run_start(self.store.client, self.token, spider.profile.name,
                                  self.crawler.settings["CRAWL_TRIGGER"],
                                  {"app": __version__, "scrapy": scrapy.__version__})
        except redis.RedisError as error:
            self.lost(error)
            return
        self.crawler.stats.set_value("blog_archive/run_token", self.token)
        self.heartbeat.start(self.interval, now=False)

    def beat(self) -> None:
        try:
            self.store.beat(self.process, self.timeout)
            self.end_leases()
            self.take_back_from_dead()
            if self.store.queued():
                self.wake_engine()
        except redis.RedisError as error:
            self.lost(error)

    def take_back_from_dead(self) -> None:
        """Put the requests of processes whose heartbeat stopped back on the frontier, with
        the site slots they held: checked on every beat, not only when idle, since a dead
        process holding a site's every slot would stop the others from taking its requests."""
        for process in self.store.dead():
            back = self.store.reclaim(process)
            self.crawler.stats.inc_value(RECLAIMED_STAT, back)
            logger.warning("crawler process %s stopped answering: %d of its requests are back "
                           "on the frontier", process, back)

    def wake_engine(self) -> None:
        """Ask the engine for its next requests now. Scrapy polls its scheduler when one of its
        own requests finishes, else only every 5 s (``ExecutionEngine._SLOT_HEARTBEAT_INTERVAL``):
        work queued by another process, or a site slot another process freed, is an event it
        cannot see, and an idle process would wait up to 5 s for it. Scrapy has no public call
        for this; ``engine.crawl`` makes the same one after scheduling a request."""
        engine = self.crawler.engine
        slot = getattr(engine, "_slot", None)
        if slot is not None and not engine.needs_backout():
            slot.nextcall.schedule()

    def taken(self, request: Request) -> None:
        """The scheduler took ``request`` from the frontier, under a lease, holding a slot."""
        lease, site = request.meta[LEASE_META]
        self.leases[request.url] = lease
        self.holding[lease] = site

    def request_left_downloader(self, request: Request, spider: Spider) -> None:
        lease = request.meta.get(LEASE_META, ("", ""))[0]
        self.free_slot(lease)

    def free_slot(self, lease: str) -> None:
        site = self.holding.pop(lease, None)
        if site is not None:
            try:
                self.store.free_slot(self.process, site)
            except redis.RedisError as error:
                self.lost(error)

    def records_sent(self, fetches: list[Fetch]) -> None:
        """The records of these fetches have left the process: their requests are done. (A
        request robots.txt refused never reached the downloader: its slot is freed here.)"""
        for fetch in fetches:
            lease = self.leases.pop(fetch.url, None)
            if lease is not None:
                self.free_slot(lease)
                self.done.append(lease)

    def end_leases(self) -> None:
        self.store.release(self.process, self.done)
        self.done = []

    def spider_idle(self, spider: Spider) -> None:
        if self.lost_error is not None:
            return  # let the process close
        try:
            self.end_leases()
            self.store.mark_idle(self.process)
            if not self.run_over(spider):
                raise DontCloseSpider
        except redis.RedisError as error:
            self.lost(error)

    def run_over(self, spider: Spider) -> bool:
        """True when the run is over for every process; the first process to see the frontier
        empty and every process idle starts the run's one re-check of known articles instead."""
        if self.store.state() != "idle":
            return False
        if self.store.set_flag(_RECHECK, "scheduling", only_new=True):
            spider.recheck_known()
            self.store.set_flag(_RECHECK, "done")
            return False
        self.finished = self.store.flag(_RECHECK) == "done"
        return self.finished

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.heartbeat.running:
            self.heartbeat.stop()
        if self.lost_error is not None:
            return
        try:
            self.end_leases()
            back = self.store.reclaim(self.process)
            if back:
                logger.info("%d unfinished requests are back on the frontier", back)
            if self.finished and self.store.alive() == 0 \
                    and self.store.set_flag(f"ended:{self.token}", "1", only_new=True):
                publish_run_end(self.store.client, self.token, reason,
                                spider.bounds.reached(reason))
                self.store.end_run()
        except redis.RedisError as error:
            self.lost(error)

    def lost(self, error: redis.RedisError) -> None:
        """Redis is gone: stop this process cleanly, once, with its reason in the stats. Its
        leases stay in Redis, for whichever process or run comes next."""
        if self.lost_error is not None:
            return
        self.lost_error = f"{type(error).__name__}: {error}"
        logger.error("lost the shared frontier: %s", self.lost_error)
        self.crawler.stats.set_value(LOST_STAT, self.lost_error)
        if self.heartbeat.running:
            self.heartbeat.stop()
        if self.crawler.engine is not None and self.crawler.engine.spider is not None:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=LOST_REASON))
