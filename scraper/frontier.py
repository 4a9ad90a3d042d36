"""The shared frontier: scrapy-redis's scheduler and duplicate filter, with what they lack to
let many crawler processes, on any number of machines, crawl one run politely.

``REDIS_URL`` set (``blog-archive crawl --redis URL``, ``-s REDIS_URL=…`` under ``scrapy crawl``,
a ``setting`` of a Scrapyd job) turns it on: the add-on (scraper/shared_frontier.py) swaps Scrapy's
scheduler for scrapy-redis's (:class:`FrontierScheduler`) and its duplicate filter for
scrapy-redis's ``RFPDupeFilter``, one Redis set of fingerprints that every process adds to, so
no URL is requested twice across them. scrapy-redis 0.9.1 is pinned exactly (pyproject.toml):
it is the last release, and this module relies on its scheduler's constructor, its queue
base class (``scrapy_redis.queue.Base``: encoding of requests, callbacks by name) and its
duplicate filter's key. Its spiders are not used: they start from ``start_requests``, which
Scrapy 2.16+ no longer calls; ours keeps ``async def start()``, whose start URL simply meets the
shared duplicate filter in every process after the first.

What scrapy-redis lacks, :class:`SiteQueue` adds, as atomic Lua scripts on one Redis server:

* **Politeness across processes**: one sorted set of requests per site (host), taken round-robin,
  and a count of each site's requests in flight kept in Redis, which every process respects:
  ``FRONTIER_SITE_CONCURRENCY`` (default ``CONCURRENT_REQUESTS_PER_DOMAIN``) is the site's
  concurrency across *all* processes, so ten processes ask no more of one blog at once than one
  process does. AutoThrottle's delay and robots.txt stay per process, as without Redis.
* **Leases**: a request taken from the frontier is moved, in the same script, into its process's
  lease hash, and ends there once its fetch record has been sent to Redis (see
  scraper/frontier_run.py). A process that dies (SIGKILL, a lost machine) stops renewing its
  heartbeat, and the next heartbeat of another process puts its leased requests back on the
  frontier: scrapy-redis's own pop loses them. (Chosen over re-checking known and sitemap URLs
  at the end: a lease also brings back listing pages and pages of a first crawl, which no
  archive knows yet.)
* **FIFO within a priority**: scrapy-redis orders equal priorities by the pickled bytes; here a
  sequence number keeps Scrapy's first-found-first-asked breadth-first order.

The Lua scripts build the per-site queue keys from a prefix, so they need one Redis server (or a
cluster's single slot), not a sharded cluster.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import redis
from scrapy.http import Request
from scrapy_redis.queue import Base
from scrapy_redis.scheduler import Scheduler

from scraper.profiles import PROFILES, SiteProfile, generic_profile, resolve_profile
from scraper.shared_frontier import FrontierUnreachableError

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

    from scraper.frontier_run import FrontierRun

#: Where a popped request carries its lease: (lease id, site).
LEASE_META = "frontier_lease"
#: Redis keys of one frontier start with this (``FRONTIER_KEY``).
DEFAULT_PREFIX = "blog-archive:frontier"

_PUSH = """
local seq = redis.call('INCR', KEYS[4])
local score = -tonumber(ARGV[2]) * 4294967296 + (seq % 4294967296)
redis.call('ZADD', KEYS[1], score, seq .. '|' .. ARGV[3])
redis.call('INCR', KEYS[5])
if redis.call('SADD', KEYS[2], ARGV[1]) == 1 then redis.call('RPUSH', KEYS[3], ARGV[1]) end
if ARGV[4] ~= '' then redis.call('HDEL', KEYS[6], ARGV[4]) end
"""
# Rotate through the sites with queued requests; take the best request of the first site with a
# free slot, lease it to the process and hold the slot; forget sites whose queue is empty.
_POP = """
local cap = tonumber(ARGV[2])
for _ = 1, redis.call('LLEN', KEYS[1]) do
  local site = redis.call('LMOVE', KEYS[1], KEYS[1], 'LEFT', 'RIGHT')
  if not site then return nil end
  local queue = ARGV[1] .. site
  if redis.call('ZCARD', queue) == 0 then
    redis.call('LREM', KEYS[1], 0, site)
    redis.call('SREM', KEYS[2], site)
  elseif tonumber(redis.call('HGET', KEYS[3], site) or '0') < cap then
    local popped = redis.call('ZPOPMIN', queue)
    local lease = redis.call('INCR', KEYS[7])
    redis.call('HSET', KEYS[5], lease, site .. '|' .. popped[2] .. '|' .. popped[1])
    redis.call('HINCRBY', KEYS[3], site, 1)
    redis.call('HINCRBY', KEYS[8], site, 1)
    redis.call('DECR', KEYS[4])
    redis.call('SREM', KEYS[6], ARGV[3])
    return {lease, site, popped[1]}
  end
end
return nil
"""
# A process's leases go back on the frontier and the slots it holds are freed, at once: of two
# processes reclaiming a dead one together, one gets everything, the other nothing.
_RECLAIM = """
local entries = redis.call('HGETALL', KEYS[1])
for i = 2, #entries, 2 do
  local value = entries[i]
  local first = string.find(value, '|', 1, true)
  local second = string.find(value, '|', first + 1, true)
  local site = string.sub(value, 1, first - 1)
  redis.call('ZADD', ARGV[1] .. site, string.sub(value, first + 1, second - 1),
             string.sub(value, second + 1))
  redis.call('INCR', KEYS[5])
  if redis.call('SADD', KEYS[3], site) == 1 then redis.call('RPUSH', KEYS[4], site) end
end
local held = redis.call('HGETALL', KEYS[9])
for i = 1, #held, 2 do redis.call('HINCRBY', KEYS[2], held[i], 0 - tonumber(held[i + 1])) end
redis.call('DEL', KEYS[1], KEYS[8], KEYS[9])
redis.call('SREM', KEYS[6], ARGV[2])
redis.call('SREM', KEYS[7], ARGV[2])
return #entries / 2
"""
# The run's state, seen at once: 'busy' while anything is queued, a live process works or a
# dead one's requests are not yet back (the heartbeat takes them back), else 'idle'.
_STATE = """
if tonumber(redis.call('GET', KEYS[3]) or '0') > 0 then return 'busy' end
for _, process in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[1] .. process) == 1 then
    if redis.call('SISMEMBER', KEYS[2], process) == 0 then return 'busy' end
  elseif redis.call('HLEN', ARGV[2] .. process) > 0 then return 'busy' end
end
return 'idle'
"""


@dataclass
class FrontierStore:
    """The frontier's Redis keys and the scripts that change them: one place that knows the
    layout, for the scheduler, the queue, the run coordination and ``blog-archive enqueue``."""

    client: redis.Redis
    prefix: str = DEFAULT_PREFIX

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Self:
        return cls(redis.Redis.from_url(settings["REDIS_URL"]),
                   settings.get("FRONTIER_KEY") or DEFAULT_PREFIX)

    def key(self, name: str) -> str:
        return f"{self.prefix}:{name}"

    @property
    def fingerprints_key(self) -> str:
        """scrapy-redis's duplicate filter set (SCHEDULER_DUPEFILTER_KEY)."""
        return self.key("fingerprints")

    def push(self, site: str, priority: int, data: bytes, lease: str | None = None) -> None:
        """Queue an encoded request on its site. A request that comes back under a lease of
        ours (a retry) ends that lease in the same step: it is on the frontier again."""
        self.client.eval(_PUSH, 6, self.key(f"queue:{site}"), self.key("sites"),
                         self.key("rotation"), self.key("seq"), self.key("queued"),
                         self.key(f"leases:{own_process_id()}"),
                         site, priority, data, lease or "")

    def pop(self, process: str, site_concurrency: int) -> tuple[str, str, bytes] | None:
        """The next request of the next site with a free slot, leased to ``process`` with the
        slot held: (lease id, site, encoded request); None when nothing can be taken now."""
        popped = self.client.eval(_POP, 8, self.key("rotation"), self.key("sites"),
                                  self.key("busy"), self.key("queued"),
                                  self.key(f"leases:{process}"), self.key("idle"),
                                  self.key("seq"), self.key(f"slots:{process}"),
                                  self.key("queue:"), site_concurrency, process)
        if not popped:
            return None
        lease, site, member = popped
        return str(lease), site.decode(), member.split(b"|", 1)[1]

    def free_slot(self, process: str, site: str) -> None:
        """The request left the downloader: the site may take another, from any process."""
        with self.client.pipeline() as transaction:
            transaction.hincrby(self.key("busy"), site, -1)
            transaction.hincrby(self.key(f"slots:{process}"), site, -1)
            transaction.execute()

    def release(self, process: str, leases: list[str]) -> None:
        """End the leases of requests that are done: their fetch records are on their way to
        the archive, nothing of theirs needs fetching again."""
        if leases:
            self.client.hdel(self.key(f"leases:{process}"), *leases)

    def reclaim(self, process: str) -> int:
        """Put a process's leased requests back on the frontier, free its slots and forget it
        (a dead one, or one closing before its requests were done); how many came back."""
        return int(self.client.eval(
            _RECLAIM, 9, self.key(f"leases:{process}"), self.key("busy"), self.key("sites"),
            self.key("rotation"), self.key("queued"), self.key("processes"), self.key("idle"),
            self.key(f"alive:{process}"), self.key(f"slots:{process}"),
            self.key("queue:"), process))

    def register_site(self, profile: SiteProfile) -> None:
        """Make a site known to every process: its profile, by host (``blog-archive enqueue``)."""
        self.client.hset(self.key("profiles"), profile.host,
                         json.dumps({"site": profile.name, "start_url": profile.start_url}))

    def site_profile(self, host: str) -> SiteProfile | None:
        """The profile of a site enqueued on this frontier, by host; None for any other."""
        found = self.client.hget(self.key("profiles"), host)
        if found is None:
            return None
        site = json.loads(found)
        return resolve_profile(site["site"], site["start_url"]) if site["site"] in PROFILES \
            else generic_profile(site["start_url"])

    def queued(self) -> int:
        return int(self.client.get(self.key("queued")) or 0)

    def join_run(self) -> tuple[str, bool]:
        """The run's token, and True when this call started the run: the first process of a
        run creates it, every later one joins it, until the run ends (:meth:`end_run`)."""
        while True:
            token = uuid.uuid4().hex
            if self.client.set(self.key("run"), token, nx=True):
                return token, True
            current = self.client.get(self.key("run"))
            if current is not None:  # else the run ended meanwhile: start the next one
                return current.decode(), False

    def end_run(self) -> None:
        """Forget the finished run: the next process to join starts a new one, with an empty
        duplicate filter (the frontier's queues are empty: the run ended because they were)."""
        self.client.delete(self.key("run"), self.key("rechecked"), self.fingerprints_key,
                           self.key("processes"), self.key("idle"), self.key("busy"),
                           self.key("queued"))

    def join(self, process: str, timeout: float) -> None:
        self.beat(process, timeout)  # alive first: a member without a heartbeat is dead
        self.client.sadd(self.key("processes"), process)

    def beat(self, process: str, timeout: float) -> None:
        """The process is alive for ``timeout`` seconds more."""
        self.client.set(self.key(f"alive:{process}"), 1, px=max(1, round(timeout * 1000)))

    def mark_idle(self, process: str) -> None:
        """Idle until its next pop (which unmarks it, in the pop's script)."""
        self.client.sadd(self.key("idle"), process)

    def state(self) -> str:
        """'busy', or 'idle': the frontier empty and every live process idle."""
        state: bytes = self.client.eval(_STATE, 3, self.key("processes"), self.key("idle"),
                                        self.key("queued"), self.key("alive:"),
                                        self.key("leases:"))
        return state.decode()

    def dead(self) -> list[str]:
        """The processes of the run whose heartbeat has stopped."""
        processes = [process.decode() for process in self.client.smembers(self.key("processes"))]
        with self.client.pipeline(transaction=False) as pipe:
            for process in processes:
                pipe.exists(self.key(f"alive:{process}"))
            alive = pipe.execute()
        return [process for process, exists in zip(processes, alive, strict=True) if not exists]

    def alive(self) -> int:
        """How many processes of the run are alive."""
        processes = self.client.smembers(self.key("processes"))
        return sum(self.client.exists(self.key(f"alive:{process.decode()}"))
                   for process in processes)

    def flag(self, name: str) -> str | None:
        value = self.client.get(self.key(name))
        return value.decode() if value is not None else None

    def set_flag(self, name: str, value: str, *, only_new: bool = False) -> bool:
        """Set a flag of the run; with ``only_new``, True only for the one process that sets
        it first."""
        return bool(self.client.set(self.key(name), value, nx=only_new, ex=86_400))


@cache
def own_process_id() -> str:
    """This crawler process, as the frontier knows it: host and pid for the operator reading
    Redis, and a random part, since pids repeat across machines and restarts."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def site_of(url: str) -> str:
    """The politeness unit: a host (with its port), as Scrapy's downloader slots are."""
    return urlsplit(url).netloc.lower()


class SiteQueue(Base):
    """scrapy-redis's queue interface over :class:`FrontierStore`: per-site queues, leases
    and the site concurrency shared by every process (see the module docstring)."""

    def __init__(self, server: redis.Redis, spider: Spider, key: str, serializer: Any = None):
        super().__init__(server, spider, key, serializer)
        settings = spider.settings
        self.store = FrontierStore(server, settings.get("FRONTIER_KEY") or DEFAULT_PREFIX)
        self.site_concurrency = settings.getint("FRONTIER_SITE_CONCURRENCY") \
            or settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")

    def __len__(self) -> int:
        return self.store.queued()

    def push(self, request: Request) -> None:
        lease = request.meta.pop(LEASE_META, None)  # ours to end, not to store with it
        self.store.push(site_of(request.url), request.priority, self._encode_request(request),
                        lease[0] if lease else None)

    def pop(self, timeout: int = 0) -> Request | None:
        popped = self.store.pop(own_process_id(), self.site_concurrency)
        if popped is None:
            return None
        lease, site, data = popped
        request: Request = self._decode_request(data)
        request.meta[LEASE_META] = (lease, site)
        return request

    def clear(self) -> None:
        """Never: the frontier outlives any one process (see FrontierRun for the run's end)."""


class FrontierScheduler(Scheduler):
    """scrapy-redis's scheduler on :class:`SiteQueue`, patched for Scrapy 2.19: its stats calls
    pass ``spider``, which Scrapy deprecates (a warning per request), and Redis errors stop this
    process cleanly (close reason ``frontier_lost``) instead of a traceback per engine loop."""

    crawler: Crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        instance: Self = super().from_crawler(crawler)
        instance.crawler = crawler
        return instance

    def enqueue_request(self, request: Request) -> bool:
        try:
            if not request.dont_filter and self.df.request_seen(request):
                self.df.log(request, self.spider)
                return False
            self.queue.push(request)
        except redis.RedisError as error:
            self.lost(error)
            return False
        self.crawler.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        try:
            request: Request | None = self.queue.pop()
        except redis.RedisError as error:
            self.lost(error)
            return None
        if request is not None:
            self.crawler.stats.inc_value("scheduler/dequeued/redis")
            self.run.taken(request)
        return request

    def has_pending_requests(self) -> bool:
        try:
            return bool(super().has_pending_requests())
        except redis.RedisError as error:
            self.lost(error)
            return False

    @property
    def run(self) -> FrontierRun:
        from scraper.frontier_run import FrontierRun  # which imports this module

        return FrontierRun.of(self.crawler)

    def lost(self, error: redis.RedisError) -> None:
        self.run.lost(error)


def join_shared_frontier(settings: BaseSettings) -> None:
    """What the add-on (scraper/shared_frontier.py) sets when ``REDIS_URL`` is set: Redis
    answers, or ``FrontierUnreachableError``; then scrapy-redis's scheduler and duplicate
    filter, and this process joined to the run (its token)."""
    store = FrontierStore.from_settings(settings)
    try:
        store.client.ping()
    except redis.RedisError as error:
        raise FrontierUnreachableError(
            f"Redis at {settings['REDIS_URL']} cannot be reached: {error}") from None
    settings.set("SCHEDULER", "scraper.frontier.FrontierScheduler", priority="addon")
    settings.set("SCHEDULER_QUEUE_CLASS", "scraper.frontier.SiteQueue", priority="addon")
    settings.set("SCHEDULER_QUEUE_KEY", store.key("queue"), priority="addon")
    settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter",
                 priority="addon")
    settings.set("SCHEDULER_DUPEFILTER_KEY", store.fingerprints_key, priority="addon")
    # Never flushed by a process that closes: the frontier belongs to the run.
    settings.set("SCHEDULER_PERSIST", True, priority="addon")
    token, started = store.join_run()
    # Counted in the run from now, not only once the spider opens seconds later: else a
    # process still starting could find the run over and end it without this one.
    store.join(own_process_id(), settings.getfloat("FRONTIER_PROCESS_TIMEOUT"))
    settings.set("CRAWL_RUN_TOKEN", token, priority="addon")
    settings.set("FRONTIER_RUN_STARTED", started, priority="addon")
