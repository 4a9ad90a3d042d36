"""``blog-archive enqueue``: put sites on the shared frontier, for the crawler processes to take.

Each site is registered by host (its profile: a named one, or a generic one for a start URL,
as ``crawl`` resolves them) so every crawler process, whatever site it was started with,
crawls it with the right scope and selectors and records its fetches under its ``site``; and
its start URL goes through the shared duplicate filter onto the frontier, exactly as the
scheduler of a crawler process would put it there. One ``blog-archive ingest`` writes every
site into one archive.
"""

from __future__ import annotations

from scrapy_redis import picklecompat
from scrapy_redis.dupefilter import RFPDupeFilter

from scraper.frontier import DEFAULT_PREFIX, FrontierStore, site_of
from scraper.profiles import SiteProfile
from scraper.spiders.blog import BlogSpider


def enqueue_sites(store: FrontierStore, profiles: list[SiteProfile]) -> int:
    """Register every site and queue its start URL; how many start URLs were new to the run
    (one already requested in this run is not asked for again)."""
    fingerprints = RFPDupeFilter(store.client, key=store.fingerprints_key)
    spider = BlogSpider()  # names the callbacks a crawler process calls, nothing more
    queued = 0
    for profile in profiles:
        store.register_site(profile)
        request = spider.new_request(profile.start_url)
        if not fingerprints.request_seen(request):
            store.push(site_of(request.url), request.priority,
                       picklecompat.dumps(request.to_dict(spider=spider)))
            queued += 1
    return queued


def frontier_at(redis_url: str) -> FrontierStore:
    """The frontier crawler processes started with ``--redis redis_url`` share."""
    import redis

    return FrontierStore(redis.Redis.from_url(redis_url), DEFAULT_PREFIX)
