"""Re-extraction figure: ``reextract`` pages/s against ``extract()`` alone on the same pages.

The archive is a real crawl (capture on) of the bundled blog plus synthetic posts, with its
theme redesigned so that the read time is missed; the profile given to ``reextract`` has
learned the redesign's words. Every timed run therefore does the whole job re-extraction
exists for: read each article's record from the WARC files, extract, and write a version for
every article that gained its read time (one transaction per batch, teasers and FTS included).
Each run starts from a fresh copy of the crawled archive (copied off the clock).

The baseline is ``extract()`` with the same profile over the same bodies, read from the WARC
files beforehand: what re-extraction adds is reading records and writing versions, and the
target is that this costs at most a fifth of the pages/s (ratio ≥ 0.8).

``python -m bench.reextract [--quick]`` runs this section alone and prints its row.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from archive import Archive
from archive.captures import captured_article_ids, captured_articles, stored_response
from bench.crawl import CRAWL_EXIT_CODES, RELAXED
from bench.harness import Row, Sample, at_least, interleave, run_child, text_table, timed
from bench.plan import FULL, QUICK
from scraper.bundled_blog import BlogServer, BundledBlog
from scraper.bundled_blog.theme import REDESIGNED_READ_TIME_LABELS
from scraper.extraction import extract
from scraper.profiles import PROFILES, SiteProfile
from scraper.reextract import reextract

_SITE = "sbiegacza-en"


def crawled_archive(synthetic: int, folder: Path) -> tuple[Path, SiteProfile]:
    """A crawl of the redesigned blog into ``folder``, the server then stopped; the archive
    and the profile that reads the redesign, served from the blog's address."""
    blog = BundledBlog(synthetic=synthetic)
    blog.redesign_read_time()
    db = folder / "archive.db"
    with BlogServer(blog) as server:
        start_url = f"{server.base_url}/en/"
        settings = [arg for setting in RELAXED for arg in ("-s", setting)]
        run_child([sys.executable, "-m", "scraper", "crawl", "--site", _SITE, "--start-url",
                   start_url, "--db", db, "--quiet", *settings],
                  log=folder / "crawl.log", ok_codes=CRAWL_EXIT_CODES)
    profile = replace(PROFILES[_SITE], labels=REDESIGNED_READ_TIME_LABELS)
    return db, profile.with_start_url(start_url)


def stored_pages(db: Path) -> list[tuple[bytes, str, str | None]]:
    """(body, URL, Content-Type) of every article's stored response, as reextract reads it."""
    with Archive.open(db) as archive:
        ids = [article_id for article_id, _ in captured_article_ids(archive.db)]
        pages = []
        for captured in captured_articles(archive.db, ids):
            assert captured.capture is not None
            stored = stored_response(archive.db, db, captured.capture)
            pages.append((stored.body, stored.response.url,
                          stored.response.header("Content-Type")))
    return pages


def measure(synthetic: int, repeats: int, work: Path) -> list[Row]:
    folder = work / "reextract"
    folder.mkdir()
    db, profile = crawled_archive(synthetic, folder)
    pages = stored_pages(db)
    scratch = folder / "scratch"

    def reextract_pass() -> float:
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir()
        shutil.copyfile(db, scratch / db.name)
        shutil.copytree(folder / "archive.warc", scratch / "archive.warc")
        done: list[int] = []
        seconds = timed(lambda: done.append(
            reextract(scratch / db.name, profiles={_SITE: profile}).changed))
        if not done[0]:
            raise RuntimeError("reextract changed nothing: the bench would time no writes")
        return len(pages) / seconds

    def extract_pass() -> float:
        return len(pages) / timed(lambda: [extract(body, url, profile, content_type)
                                           for body, url, content_type in pages])

    for warm_up in (reextract_pass, extract_pass):  # imports, regexes, caches: off the clock
        warm_up()
    ours, alone = (Sample.of(values) for values in interleave(
        reextract_pass, extract_pass, repeats=repeats))
    return [Row(f"re-extraction (read WARC + extract + write versions) / extract() alone, "
                f"{len(pages)} stored article pages", ours, "pages/s", alone,
                "extract() on the same pages", ours.per(alone), at_least(0.8))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reextract",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the quick plan's size and repeats")
    parser.add_argument("--repeats", type=int,
                        help="interleaved repeats (default: the plan's)")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    with tempfile.TemporaryDirectory(prefix="bench-reextract-") as work:
        print(text_table(measure(plan.reextract_synthetic, args.repeats or plan.reextract_repeats,
                                 Path(work))))


if __name__ == "__main__":
    sys.exit(main())
