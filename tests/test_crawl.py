"""End-to-end crawls of the bundled blog over real HTTP, asserted on the archive they write."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import sqlite_utils
from datasette.app import Datasette
from scrapy.extension import ExtensionManager
from scrapy.utils.test import get_crawler

from archive.metadata import datasette_metadata
from scraper import PROJECT_URL
from scraper.archive_state import ArchiveState
from scraper.bundled_blog.content import seed_teasers
from scraper.spiders.blog import BlogSpider
from tests.conftest import FAST_CRAWL, Crawl, RunCli, crawl_blog

SEED_PATH = "/en/how-to-roll-your-back-exercises-for-back-pain/"


def test_crawl_exits_cleanly_and_reports_only_the_missing_page(english_crawl: Crawl) -> None:
    assert english_crawl.result.returncode == 1, english_crawl.result.stderr
    failed = [line for line in english_crawl.result.stderr.splitlines() if line]
    missing_404 = english_crawl.url(english_crawl.server.blog.awkward["missing_404"])
    run_id = next(english_crawl.db["crawl_runs"].rows)["id"]
    assert len(failed) == 1 and re.fullmatch(
        rf"failed: {re.escape(missing_404)}: HTTP 404 \(run {run_id}, \d{{4}}-\d\d-\d\dT"
        r"\d\d:\d\d:\d\d\+00:00\)", failed[0]), failed
    assert "Traceback" not in english_crawl.result.stderr


def test_every_english_article_is_archived(english_crawl: Crawl) -> None:
    site = {english_crawl.url(path) for path in english_crawl.server.blog.article_paths("en")}
    archived = {row["url"] for row in english_crawl.db["articles"].rows_where("status = 'live'")}
    assert len(site) >= 40
    assert archived == site


def test_polish_edition_stays_out_of_the_english_archive(english_crawl: Crawl) -> None:
    paths = [path for _, path, _, _ in english_crawl.requests]
    polish = set(english_crawl.server.blog.article_paths("pl"))
    assert polish and not polish & set(paths)
    assert english_crawl.db["articles"].count_where("language != 'en'") == 0


def test_seed_article_fields(english_crawl: Crawl) -> None:
    article = english_crawl.article(SEED_PATH)
    assert article["title"] == "How to roll your back? Exercises for back pain"
    assert article["published"].startswith("2023-08-18")
    assert article["read_time_minutes"] == 6
    assert article["body_text"].startswith("We live in a society where back pain is no stranger")
    assert "They may appeal to you" not in article["body_text"]
    teasers = list(english_crawl.db["teasers"].rows_where(
        "article_id = ?", [article["id"]], order_by="position"))
    assert [t["position"] for t in teasers] == list(range(1, 31))
    assert [t["text"] for t in teasers] == seed_teasers()
    self_link = [t for t in teasers if t["target_url"] == article["url"]]
    assert [t["target_article_id"] for t in self_link] == [article["id"]]


def test_each_parsed_page_records_its_field_sources_and_what_is_missing(
        english_crawl: Crawl) -> None:
    """Per fetch, so the signals behind an unchanged article still show a theme change."""
    seed = next(english_crawl.db["fetches"].rows_where("url = ?", [english_crawl.url(SEED_PATH)]))
    sources = json.loads(seed["field_sources"])
    assert {sources[field] for field in ("title", "published", "read_time_minutes")} == {"site"}
    by_source = dict(english_crawl.db.execute(
        "select json_extract(field_sources, '$.title'), count(*) from fetches "
        "where outcome = 'new' group by 1").fetchall())
    assert by_source == {"site": english_crawl.db["articles"].count}
    listing = next(english_crawl.db["fetches"].rows_where("url = ?", [english_crawl.url("/en/")]))
    assert listing["outcome"] == "not_article"
    assert json.loads(listing["missing"])["is_article"].startswith("listing")
    not_parsed = english_crawl.db["fetches"].count_where(
        "outcome in ('error', 'not_modified') and field_sources is not null")
    assert not_parsed == 0


def test_teasers_link_to_archived_articles(english_crawl: Crawl) -> None:
    unlinked = list(english_crawl.db.query(
        "select target_url from teasers where target_article_id is null"))
    missing_404 = english_crawl.url(english_crawl.server.blog.awkward["missing_404"])
    assert {row["target_url"] for row in unlinked} == {missing_404}


def test_no_url_is_requested_twice(english_crawl: Crawl) -> None:
    counts = Counter(path for method, path, _, _ in english_crawl.requests if method == "GET")
    assert counts["/robots.txt"] == 1
    assert [path for path, count in counts.items() if count > 1] == []


def test_robots_txt_is_obeyed_and_pdf_is_not_fetched(english_crawl: Crawl) -> None:
    paths = {path for _, path, _, _ in english_crawl.requests}
    assert not any(path.startswith(("/en/cart/", "/wp-admin/")) for path in paths)
    assert english_crawl.server.blog.awkward["pdf"] not in paths


def test_requests_carry_an_honest_user_agent(english_crawl: Crawl) -> None:
    agents = {headers.get("User-Agent") for _, _, headers, _ in english_crawl.requests}
    assert len(agents) == 1
    (agent,) = agents
    assert agent.startswith("blog-archive/") and PROJECT_URL in agent


def test_sitemaps_from_robots_are_crawled(english_crawl: Crawl) -> None:
    paths = {path for _, path, _, _ in english_crawl.requests}
    assert {"/sitemap_index.xml", "/post-sitemap.xml"} <= paths


def test_old_url_is_recorded_as_a_redirect(english_crawl: Crawl) -> None:
    old = english_crawl.url(english_crawl.server.blog.awkward["redirect_301"])
    fetch = next(english_crawl.db["fetches"].rows_where("url = ?", [old]))
    assert (fetch["status"], fetch["outcome"]) == (301, "redirected")


def test_awkward_articles_are_archived_with_null_fields(english_crawl: Crawl) -> None:
    awkward = english_crawl.server.blog.awkward
    no_date = english_crawl.article(awkward["no_date"])
    no_read_time = english_crawl.article(awkward["no_read_time"])
    assert no_date["published"] is None and no_date["title"]
    assert no_read_time["read_time_minutes"] is None and no_read_time["read_time_estimated"]


def test_run_is_recorded(english_crawl: Crawl) -> None:
    (run,) = english_crawl.db["crawl_runs"].rows
    article_count = english_crawl.db["articles"].count
    assert run["status"] == "finished" and run["finish_reason"] == "finished"
    assert run["trigger"] == "test" and run["site"] == "sbiegacza-en"
    assert run["new"] == article_count and run["errors"] == 1
    assert run["pages_fetched"] == english_crawl.db["fetches"].count_where("status is not null")


def test_polish_profile_crawls_only_the_polish_edition(
    blog_server, run_cli: RunCli, tmp_path: Path
) -> None:
    db = tmp_path / "pl.db"
    result = run_cli("crawl", "--site", "sbiegacza-pl", "--start-url", f"{blog_server.base_url}/",
                     "--db", db, *FAST_CRAWL)
    assert result.returncode == 0, result.stderr  # no dead link: the cart, categories resolve
    urls = {row["url"] for row in sqlite_utils.Database(db)["articles"].rows}
    expected = {f"{blog_server.base_url}{path}" for path in blog_server.blog.article_paths("pl")}
    assert len(expected) >= 5 and urls == expected


def test_crawl_refuses_another_applications_database_untouched(
    run_cli: RunCli, tmp_path: Path
) -> None:
    foreign = tmp_path / "notes.db"
    with sqlite3.connect(foreign) as conn:  # "articles" is a name the archive uses too
        conn.execute("create table articles (id integer primary key, note text)")
    before = foreign.read_bytes()
    result = run_cli("crawl", "--start-url", "http://127.0.0.1:9/en/", "--db", foreign)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"blog-archive: error: {foreign} is not a blog-archive archive (an SQLite database "
        "without blog-archive's tables); crawl into a new file"]
    assert foreign.read_bytes() == before


def test_max_pages_counts_every_request_and_says_it_was_reached(blog_server,
                                                                 tmp_path: Path) -> None:
    crawl = crawl_blog(blog_server, tmp_path / "small.db", "--max-pages", "5")
    assert crawl.result.returncode == 0, crawl.result.stderr
    requested = [path for _, path, _, _ in crawl.requests if path != "/robots.txt"]
    assert len(requested) == 5 and any(path.endswith(".xml") for path in requested)
    assert crawl.db["fetches"].count == 5
    (run,) = crawl.db["crawl_runs"].rows
    assert run["status"] == "bounded" and run["pages_fetched"] == 5
    assert json.loads(run["bounds_reached"])["pages"]["limit"] == 5
    assert re.fullmatch(r"bound reached: requests per run 5 \(--max-pages or -s "
                        r"CRAWL_MAX_PAGES\); requests refused: \d+\n", crawl.result.stderr)
    assert crawl.result.stdout.startswith("run 1 bounded: 5 pages in ")


def test_idle_recheck_refused_by_max_pages_lets_the_crawl_close() -> None:
    # Keeping the spider open for re-checks --max-pages refused costs an idle cycle (5 s).
    crawler = get_crawler(BlogSpider, {"EXTENSIONS": {ArchiveState: 0}})
    spider = BlogSpider.from_crawler(crawler, site="sbiegacza-en",
                                     start_url="http://127.0.0.1:9/en/", max_pages="1")
    crawler.extensions = ExtensionManager.from_crawler(crawler)
    assert spider.page_request(spider.profile.start_url) is not None
    spider.archive_state.known_articles = {"http://127.0.0.1:9/en/one/", "http://127.0.0.1:9/en/two/"}
    spider.on_idle()  # DontCloseSpider would escape here
    assert crawler.stats.get_value("blog_archive/bound/pages") == 2


def test_generic_profile_crawls_any_blog_in_scope(blog_server, run_cli: RunCli,
                                                  tmp_path: Path) -> None:
    db = tmp_path / "generic.db"
    result = run_cli("crawl", "--start-url", f"{blog_server.base_url}/en/", "--db", db,
                     *FAST_CRAWL)
    assert result.returncode in (0, 1), result.stderr
    archive = sqlite_utils.Database(db)
    urls = {row["url"] for row in archive["articles"].rows}
    assert all(url.startswith(f"{blog_server.base_url}/en/") for url in urls)
    expected = {f"{blog_server.base_url}{path}" for path in blog_server.blog.article_paths("en")}
    assert urls == expected
    seed = next(archive["articles"].rows_where("url like ?", [f"%{SEED_PATH}"]))
    assert seed["read_time_minutes"] == 6 and seed["published"].startswith("2023-08-18")


@pytest.mark.parametrize(
    ("args", "exit_code", "message"),
    [
        (("--site", "no-such-blog"), 2, "unknown site profile 'no-such-blog'"),
        (("--start-url", "ftp://example.org/"), 2, "is not an http(s) URL"),
        (("--max-pages", "0"), 2, "--max-pages"),
        (("-s", "NOEQUALS"), 2, "is not NAME=VALUE"),
        (("-s", "CONCURRENT_REQUESTS=many"), 2,
         "CONCURRENT_REQUESTS='many': a whole number expected"),
        (("-s", "CONCURRENT_REQUESTS=2.5"), 2,
         "CONCURRENT_REQUESTS='2.5': a whole number expected"),
        (("-s", "DOWNLOAD_TIMEOUT=nan"), 2, "DOWNLOAD_TIMEOUT='nan': a finite number expected"),
        (("--start-url", "http://[::1/"), 2, "is not a valid URL (Invalid IPv6 URL)"),
        (("--start-url", "http://exa mple.com/"), 2, "has no valid host name"),
        (("-s", "CONCURRENT_REQUESTS=0"), 2, "CONCURRENT_REQUESTS='0': at least 1 expected"),
        (("-s", "DOWNLOAD_TIMEOUT=-5"), 2, "DOWNLOAD_TIMEOUT='-5': 0 or more expected"),
        (("-s", "DEPTH_LIMIT=-1"), 2, "DEPTH_LIMIT='-1': 0 or more expected"),
        (("-s", "CRAWL_MAX_LINKS_PER_PAGE=lots"), 2,
         "CRAWL_MAX_LINKS_PER_PAGE='lots': a whole number expected"),
        (("--max-time", "0"), 2, "--max-time"),
        (("--max-depth", "x"), 2, "--max-depth"),
        (("-s", "ROBOTSTXT_OBEY=maybe"), 2, "ROBOTSTXT_OBEY='maybe': true or false expected"),
        (("-s", "ITEM_PIPELINES=[1"), 2, "ITEM_PIPELINES='[1': a JSON object expected"),
        (("-s", "ITEM_PIPELINES=5"), 2, "ITEM_PIPELINES='5': a JSON object expected"),
        # A fractional delay is a good value: the crawl starts and finds nobody listening.
        (("-s", "DOWNLOAD_DELAY=0.5", "--start-url", "http://127.0.0.1:9/en/"), 4,
         "could not start: cannot reach"),
        # Scrapy refusing to start (a component it cannot import) is one line too.
        (("-s", 'ITEM_PIPELINES={"nowhere.Pipeline": 300}'), 4,
         "could not start: ModuleNotFoundError: No module named 'nowhere'"),
        (("-s", "SPIDER_LOADER_CLASS=nowhere.Loader"), 4,
         "could not start: ModuleNotFoundError: No module named 'nowhere'"),
        (("--start-url", "http://127.0.0.1:9/en/"), 4, "could not start: cannot reach"),
        (("--db", "/proc/version/archive.db"), 4, "could not start"),
    ],
)
def test_bad_crawl_input_gives_one_line(run_cli: RunCli, tmp_path: Path, args: tuple[str, ...],
                                        exit_code: int, message: str) -> None:
    if "--db" not in args:
        args = (*args, "--db", str(tmp_path / "a.db"))
    result = run_cli("crawl", *args, *FAST_CRAWL, "-s", "RETRY_TIMES=0")
    assert result.returncode == exit_code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("blog-archive: error:"), result.stderr
    assert message in lines[0]


def test_scrapy_crawl_works_from_a_checkout(blog_server, tmp_path: Path) -> None:
    db = tmp_path / "scrapy.db"
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "blog", "-a", "site=sbiegacza-en",
         "-a", f"start_url={blog_server.base_url}/en/", "-s", f"ARCHIVE_DB={db}",
         *FAST_CRAWL, "-s", "LOG_LEVEL=WARNING"],
        capture_output=True, text=True, timeout=180, cwd=root,
    )
    assert result.returncode == 0, result.stderr
    archive = sqlite_utils.Database(db)
    assert archive["articles"].count == len(blog_server.blog.article_paths("en"))
    (run,) = archive["crawl_runs"].rows
    assert run["trigger"] == "scrapy" and run["status"] == "finished"


def test_seed_is_found_by_sqlite_utils_and_datasette_search(english_crawl: Crawl) -> None:
    seed_url = english_crawl.url(SEED_PATH)
    sqlite_utils_cli = Path(sys.executable).with_name("sqlite-utils")
    found = subprocess.run([str(sqlite_utils_cli), "search", str(english_crawl.db_path),
                            "articles", "roller", "-c", "url"],
                           capture_output=True, text=True, timeout=60)
    assert found.returncode == 0, found.stderr
    assert seed_url in {row["url"] for row in json.loads(found.stdout)}

    async def datasette_search() -> list[dict]:
        datasette = Datasette([str(english_crawl.db_path)],
                              metadata=datasette_metadata(english_crawl.db_path.stem))
        response = await datasette.client.get(
            f"/{english_crawl.db_path.stem}/articles.json?_search=roller&_shape=array")
        return response.json()
    assert seed_url in {row["url"] for row in asyncio.run(datasette_search())}


def test_crawling_twice_duplicates_nothing(blog_server, tmp_path: Path) -> None:
    db = tmp_path / "twice.db"
    crawl_blog(blog_server, db)
    first = {table: sqlite_utils.Database(db)[table].count
             for table in ("articles", "teasers", "article_versions")}
    crawl_blog(blog_server, db, "--full")
    again = {table: sqlite_utils.Database(db)[table].count
             for table in ("articles", "teasers", "article_versions")}
    assert again == first


def test_a_local_crawl_loads_neither_redis_nor_the_extraction_code(tmp_path: Path) -> None:
    """Every module a crawl imports is start-up time, which an unchanged re-crawl mostly is:
    Redis's client (70 ms) belongs to a shared frontier, and the extraction code to the
    extraction worker, which loads it itself. (The crawl finds no server: it only has to
    start and end.)"""
    loaded = subprocess.run(
        [sys.executable, "-c",
         "import sys\n"
         "from scraper.cli import main\n"
         "try:\n"
         "    main()\n"
         "except SystemExit:\n"
         "    pass\n"
         "print(sorted(name for name in sys.modules\n"
         "             if name.split('.')[0] == 'redis' or name == 'scraper.extraction'))",
         "crawl", "--site", "sbiegacza-en", "--start-url", "http://127.0.0.1:9/en/",
         "--db", str(tmp_path / "archive.db"), "--quiet", "-s", "RETRY_ENABLED=False"],
        capture_output=True, text=True, timeout=120).stdout.strip().splitlines()
    assert loaded[-1:] == ["[]"]
