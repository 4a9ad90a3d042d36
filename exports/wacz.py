"""``export --format wacz``: the crawl's WARC files packaged for ReplayWeb.page and pywb.

A WACZ (Web Archive Collection Zipped) is a zip of WARC files with their CDXJ index, a page
list and a signed-off manifest, which ReplayWeb.page opens as it is and pywb imports. py-wacz
(``wacz``, the Webrecorder project's own packager) builds it; this chooses what goes in:

- the WARC files the archive's fetches point at (of one run with ``run``), and the files
  holding the responses that run's revisit records refer to, so every page of the run
  replays (a revisit has headers only);
- a page list naming each archived article at its capture, with its archived title, so the
  replay tool opens on the blog's articles rather than on every sitemap and listing.

py-wacz is an optional extra (``pip install 'blog-archive[wacz]'``): it brings a dozen
packages (frictionless, pydantic ...) that nothing else here needs.
"""

from __future__ import annotations

import contextlib
import io
import json
import sqlite3
import tempfile
import warnings
from contextlib import closing
from pathlib import Path

from exports.tables import ExportError, UnreadableArchiveError
from exports.writer import output, unreadable_error, upgrade_if_older

#: The WARC files of a run (or of all runs), and those holding the responses its revisit
#: records refer to.
_FILES_SQL = """
select distinct warc_path from fetches
where warc_path is not null and (:run is null or crawl_run_id = :run)
union
select distinct held.warc_path from fetches revisit
join fetches held on held.warc_record_id = revisit.warc_refers_to
where :run is not null and revisit.crawl_run_id = :run and held.warc_path is not null
"""
#: Each archived article's newest capture (in the run), for the page list.
_PAGES_SQL = """
select f.url, f.warc_date, a.title from fetches f join articles a on a.id = f.article_id
where f.id in (
    select max(id) from fetches
    where warc_path is not null and article_id is not null and status in (200, 304)
        and (:run is null or crawl_run_id = :run)
    group by article_id
)
order by f.url
"""


def write_wacz(db_path: str | Path, out: str | Path, *, run: int | None = None) -> int:
    """Package the WARC files of the archive at ``db_path`` (of run ``run`` only, with the
    captures its revisits confirm) as a WACZ at ``out``; returns the number of pages listed.
    Raises ``ExportError`` for anything the user can correct."""
    with warnings.catch_warnings():  # cdxj-indexer's pyamf warns about pkg_resources
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
        try:
            from wacz.main import main as wacz_main
        except ImportError:
            raise ExportError("--format wacz needs py-wacz: pip install 'blog-archive[wacz]'") \
                from None
    db_path = Path(db_path)
    if not db_path.is_file():
        raise ExportError(f"no archive at {db_path}")
    upgrade_if_older(db_path)
    try:
        with closing(sqlite3.connect(db_path)) as db:
            if run is not None and not db.execute(
                    "select 1 from crawl_runs where id = ?", [run]).fetchone():
                raise ExportError(f"no run {run} in {db_path}")
            files = [db_path.resolve().parent / path for (path,) in
                     db.execute(_FILES_SQL, {"run": run})]
            pages = db.execute(_PAGES_SQL, {"run": run}).fetchall()
    except sqlite3.DatabaseError as error:
        raise unreadable_error(db_path, error) from None
    if not files:
        raise ExportError(f"no WARC records in {db_path}"
                          + (f" for run {run}" if run is not None else "")
                          + ": the crawl ran with capture off, or before it existed")
    missing = [str(path) for path in files if not path.is_file()]
    if missing:
        raise UnreadableArchiveError(f"WARC file gone: {missing[0]} (the archive still "
                                     "points at it; see docs/operations.md on pruning)")
    with tempfile.TemporaryDirectory(prefix="blog-archive-wacz-") as work:
        page_list = Path(work) / "pages.jsonl"
        page_list.write_text("".join(
            json.dumps(line, ensure_ascii=False) + "\n" for line in [
                {"format": "json-pages-1.0", "id": "pages", "title": "Archived articles"},
                *({"url": url, "ts": date, "title": title or url}
                  for url, date, title in pages)]), encoding="utf-8")
        package = Path(work) / "archive.wacz"
        said = io.StringIO()  # py-wacz prints its progress: kept for an error message only
        with contextlib.redirect_stdout(said):
            failed = wacz_main(["create", "-o", str(package), "-p", str(page_list),
                                "--title", f"blog-archive {db_path.stem}"
                                + (f" run {run}" if run is not None else ""),
                                *map(str, files)])
        if failed:
            last = said.getvalue().strip().splitlines()[-1:] or ["no reason given"]
            raise ExportError(f"py-wacz could not package the WARC files: {last[0]}")
        with package.open("rb") as built, output(out, compress=False) as stream:
            while chunk := built.read(1 << 20):
                stream.write(chunk)
    return len(pages)
