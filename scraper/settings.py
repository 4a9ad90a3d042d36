"""Scrapy settings for blog-archive: every knob in one place.

The defaults are for an unattended crawl of somebody else's blog: obey robots.txt, let
AutoThrottle pace the crawl, say who we are, retry what is transient, bound what we download.
Tests and benchmarks relax only the pacing, through ``-s`` overrides, never by editing this file.
"""

from scraper import PROJECT_URL, __version__

BOT_NAME = "blog_archive"
SPIDER_MODULES = ["scraper.spiders"]
NEWSPIDER_MODULE = "scraper.spiders"

USER_AGENT = f"blog-archive/{__version__} (+{PROJECT_URL})"
ROBOTSTXT_OBEY = True
# Keeps the Sitemap: lines of robots.txt, so the spider discovers sitemaps without fetching
# robots.txt a second time.
ROBOTSTXT_PARSER = "scraper.robots.SitemapAwareRobotParser"

# Politeness: AutoThrottle adapts the delay to the server's latency, starting cautious.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 4

# Faults: retry what is transient, give up on the rest quickly, never download a monster.
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 2
# Wait before each retry: Retry-After when the server sends one, else BASE * 2**attempt seconds,
# never more than MAX (scraper/retry.py).
RETRY_BACKOFF_BASE = 1.0
RETRY_BACKOFF_MAX = 30.0
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024

# Bounds: every run ends, whatever traps the site holds (scraper/bounds.py). Each default is
# meant never to cut a real blog short; 0 turns a bound off. A bound reached is recorded in
# the run (status "bounded") and printed as one "bound reached:" line.
#: Requests per run: pages, listings and sitemaps alike (robots.txt aside). --max-pages.
CRAWL_MAX_PAGES = 50_000
#: Links from the start URL or a sitemap: a pager of 1,000 pages that links only its
#: neighbours is about 250 deep. --max-depth.
DEPTH_LIMIT = 500
#: Distinct query strings asked for on one path (?page=2 ... or a search form's tree).
CRAWL_MAX_QUERY_VARIANTS = 100
#: Links followed from one page, in page order (an article's related posts always).
CRAWL_MAX_LINKS_PER_PAGE = 2_000
#: Sitemap documents per run, indexes included (a sitemap of 50,000 URLs is one).
CRAWL_MAX_SITEMAPS = 1_000
#: Seconds per run: under an hourly schedule the next run never finds this one still going.
#: --max-time.
CLOSESPIDER_TIMEOUT = 3_000
# Breadth-first, as Scrapy's FAQ says: within a priority (scraper/spiders/blog.py), shallow
# pages before deep ones, and first found first asked.
DEPTH_PRIORITY = 1
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"
# Items and requests of one response handled one at a time. Scrapy (>= 2.13, asyncio reactor)
# starts CONCURRENT_ITEMS worker tasks for every response's output whatever its length: with
# the default 100 that was a sixth of the crawl's CPU on the reactor thread (profiled at
# N=2,000). Our pipeline never waits, so concurrency between items buys nothing.
CONCURRENT_ITEMS = 1

# Every response reaches the spider, which records it: a 404 marks an article gone, a 301 marks
# it redirected, a 304 means unchanged. Scrapy's redirect middleware would hide the 301, so the
# spider marks its own requests dont_redirect; the middleware stays on for robots.txt, whose
# redirects RFC 9309 says to follow (at least five), or a robots.txt moved to https is lost.
HTTPERROR_ALLOW_ALL = True
REDIRECT_ENABLED = True
REDIRECT_MAX_TIMES = 5
METAREFRESH_ENABLED = False

# Nothing listens on a port of ours while a scheduled job runs.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
EXTENSIONS = {
    "scrapy.extensions.remote_control.RemoteControl": None,
    "scrapy.extensions.telnet.TelnetConsole": None,
    "scraper.progress.ProgressLine": 500,
    # What earlier runs learnt, read once for the spider and the middlewares.
    "scraper.archive_state.ArchiveState": 0,
    # The same, published in Redis by `blog-archive ingest`, when REDIS_URL is set.
    "scraper.redis_archive_state.RedisArchiveState": 0,
    # scraper.frontier_run.FrontierRun, one run across the processes of a shared frontier, is
    # added by the shared frontier's add-on when REDIS_URL is set (scraper/shared_frontier.py).
    # The run's WARC file (scraper/warc_writer.py); WARC_ENABLED = False leaves it out.
    "scraper.warc_writer.WarcWriter": 10,
    # Fewer, cheaper garbage collections while the engine runs (scraper/gc_tuning.py).
    "scraper.gc_tuning.GcTuning": 0,
}
#: The young generation's collection threshold while a crawl runs (Python's: 700); 0 leaves
#: the collector as Python sets it.
GC_GEN0_THRESHOLD = 10_000

# The shared frontier (scraper/frontier.py): set REDIS_URL (redis://HOST:PORT/DB) and every
# process started with it joins the same crawl; unset, the crawl is local, as it always was.
ADDONS = {"scraper.shared_frontier.SharedFrontier": 0}
#: Prefix of the frontier's Redis keys: two prefixes, two independent frontiers on one server.
FRONTIER_KEY = "blog-archive:frontier"
#: Requests in flight to one site across every process (0: CONCURRENT_REQUESTS_PER_DOMAIN).
FRONTIER_SITE_CONCURRENCY = 0
#: A process silent this long is dead, and its requests go back on the frontier.
FRONTIER_PROCESS_TIMEOUT = 30.0
#: How often a process renews its heartbeat and looks for work queued by the others.
FRONTIER_HEARTBEAT_INTERVAL = 0.5
# The add-on also sets FRONTIER_RUN_STARTED: this process started the run (see CRAWL_RUN_TOKEN).
# The live progress line; the CLI turns it on when stderr is a terminal.
PROGRESS_ENABLED = False

DOWNLOADER_MIDDLEWARES = {
    # The spider keeps to its site itself (the profile's paths, the crawl's bounds) and sets no
    # allowed_domains, so Scrapy's filter let every request through, at a URL parse, a regex
    # and a signal each: 2 % of a first crawl's CPU (N=2,000, 10.9 -> 10.7 s).
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "scraper.middlewares.ConditionalRequestsMiddleware": 50,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "scraper.retry.BackoffRetryMiddleware": 550,
    # Below the retries (a response passes it after them): a robots.txt still answering 5xx.
    "scraper.robots.UnreachableRobotsTxtMiddleware": 540,
    # Scrapy's robots.txt middleware, but one that cannot be fetched at all forbids everything.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "scraper.robots.FailClosedRobotsTxtMiddleware": 100,
    # Closest to the downloader: every answer, robots.txt and retries included, is captured
    # as the server sent it, before decompression and the redirect and retry middlewares.
    "scraper.warc_capture.WarcCaptureMiddleware": 950,
}
ITEM_PIPELINES = {
    "scraper.pipelines.ArchivePipeline": 300,
}

# Where the archive lives when the crawl is started by `scrapy crawl` or Scrapyd; the
# blog-archive CLI sets it from --db.
ARCHIVE_DB = "archive.db"
# How many fetch records the pipeline writes per transaction.
ARCHIVE_BATCH_SIZE = 50
# Where the archive is written (scraper/pipelines.py): "process", a writer process of the
# crawl's own, leaving the reactor to fetch and parse; or "inline", on the reactor thread.
# With REDIS_URL set, records go to Redis for `blog-archive ingest` instead.
ARCHIVE_WRITER = "process"
# Worker processes extracting the pages (scraper/extraction_pool.py), so the reactor goes on
# fetching meanwhile; 0: extract on the reactor thread. Never more than the cores beside the
# reactor's (none on a one-core machine). With one worker the reactor's CPU per page is bare
# Scrapy's (docs/scaling.md).
EXTRACTION_WORKERS = 1
# The Redis server of a crawl on many machines (docs/scaling.md); empty: a local crawl.
REDIS_URL = ""
# CRAWL_RUN_TOKEN, the token every process of one crawl on many machines shares, is set by the
# shared frontier's add-on (scraper/frontier.py) when REDIS_URL is; not here, where the
# project's priority would override the add-on's.
#: Skip archived articles whose sitemap lastmod predates the last successful run. Turn off for
#: a blog whose sitemap lags behind its pages: every article then gets a conditional request.
TRUST_SITEMAP_LASTMOD = True
#: Keep every HTTP exchange as WARC 1.1 records, one file per run (scraper/warc_writer.py).
#: --no-warc.
WARC_ENABLED = True
#: Where the WARC files go; empty: the folder <archive stem>.warc beside the archive
#: (archive.warc/ for archive.db). --warc-dir.
WARC_DIR = ""
# Set by the CLI when it already holds the archive's lock for this crawl.
ARCHIVE_LOCK_HELD = False
# Label stored on the crawl_runs row: cli, cron, scrapyd, demo, test ...
CRAWL_TRIGGER = "scrapy"

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
