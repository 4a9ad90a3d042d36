"""The archive on real SQLite files: schema, change-only writes, lifecycle, search, Datasette."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils

from archive import Archive, ArchiveError, NotAnArchiveError, SearchQueryError
from archive.metadata import archive_datasette, datasette_metadata
from archive.records import CONTENT_FIELDS, Article, Capture, Fetch, Teaser
from archive.schema import applied_migrations, migrate, migrations
from archive.search import fts_query
from archive.store import PreparedFetch

BLOG = "https://blog.example"
MIGRATIONS = ["m001_crawl_runs", "m002_articles", "m003_article_versions", "m004_teasers",
              "m005_fetches", "m006_articles_fts", "m007_published_month",
              "m008_search_rank", "m009_lean_write_indexes", "m010_teasers_without_rowid",
              "m011_fts_automerge", "m012_status_changed_run",
              "m013_fetch_field_sources", "m014_article_search", "m015_run_bounds",
              "m016_fetch_warc_records", "m017_record_stream", "m018_warc_record_type"]


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    opened = Archive.open(tmp_path / "archive.db")
    yield opened
    opened.close()


def start(archive: Archive, site: str = "blog") -> int:
    return archive.start_run(site=site, trigger="test", app_version="1.0",
                             scrapy_version="2.19")


def article(slug: str, **fields: object) -> Article:
    values: dict[str, object] = {
        "title": f"Article {slug}", "published": "2024-05-01T10:00:00+00:00",
        "read_time_minutes": 4, "author": "Ola", "language": "en", "categories": ["Running"],
        "body_text": f"The body of {slug}.", "word_count": 4, **fields,
    }
    return Article(url=f"{BLOG}/{slug}/", **values)  # type: ignore[arg-type]


def page(item: Article, **fields: object) -> Fetch:
    """A 200 response that extraction made an article of."""
    values: dict[str, object] = {"status": 200, "etag": None, **fields}
    return Fetch(url=item.url, final_url=item.url, outcome="new", article=item,
                 **values)  # type: ignore[arg-type]


def teaser(position: int, slug: str, text: str = "A related post.") -> Teaser:
    return Teaser(position=position, url=f"{BLOG}/{slug}/", title=f"Article {slug}", text=text)


def row(archive: Archive, url: str) -> dict:
    return next(archive.db["articles"].rows_where("url = ?", [url]))


def fts_index(archive: Archive) -> list[tuple]:
    """The FTS5 index's own storage: any reindexing of an article rewrites it."""
    return archive.db.execute("select * from articles_fts_data order by id").fetchall()


def versions(archive: Archive, url: str) -> list[dict]:
    return list(archive.db.query(
        "select v.* from article_versions v join articles a on a.id = v.article_id "
        "where a.url = ? order by v.version", [url]))


# -- schema ----------------------------------------------------------------------------------


def test_open_creates_every_table_and_records_each_migration(archive: Archive) -> None:
    assert {"articles", "article_versions", "teasers", "crawl_runs", "fetches",
            "articles_fts"} <= set(archive.db.table_names())
    assert applied_migrations(archive.db) == MIGRATIONS
    assert migrations.pending(archive.db) == []


def test_open_sets_wal_busy_timeout_foreign_keys_and_normal_sync(archive: Archive) -> None:
    pragma = {name: archive.db.execute(f"pragma {name}").fetchone()[0]
              for name in ("journal_mode", "busy_timeout", "foreign_keys", "synchronous")}
    assert pragma == {"journal_mode": "wal", "busy_timeout": 5000, "foreign_keys": 1,
                      "synchronous": 1}


def test_migrations_are_idempotent_and_reopening_writes_nothing(tmp_path: Path) -> None:
    Archive.open(tmp_path / "archive.db").close()
    reopened = Archive.open(tmp_path / "archive.db")
    try:
        assert reopened.db.conn.total_changes == 0
        migrate(reopened.db)
        assert reopened.db.conn.total_changes == 0
        assert applied_migrations(reopened.db) == MIGRATIONS
    finally:
        reopened.close()


def test_every_foreign_key_is_the_first_column_of_an_index(archive: Archive) -> None:
    for table in ("articles", "article_versions", "teasers", "fetches"):
        indexed = {index.columns[0] for index in archive.db[table].indexes}
        indexed |= {archive.db[table].pks[0]}
        foreign = {fk.column for fk in archive.db[table].foreign_keys}
        assert foreign and foreign <= indexed, table


def test_articles_published_is_indexed(archive: Archive) -> None:
    assert ["published"] in [index.columns for index in archive.db["articles"].indexes]


@pytest.mark.parametrize("where", ["under_a_file", "proc", "not_a_database"])
def test_unusable_path_raises_archive_error_naming_it(tmp_path: Path, where: str) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("this is not SQLite, and not a directory either\n" * 100)
    path = {
        "under_a_file": blocker / "archive.db",
        "proc": Path("/proc/version/archive.db"),
        "not_a_database": blocker,
    }[where]
    with pytest.raises(ArchiveError) as raised:
        Archive.open(path)
    message = str(raised.value)
    expected = (f"{path} is not a blog-archive archive (file is not a database)"
                if where == "not_a_database" else f"cannot open archive {path}: ")
    assert message.startswith(expected) and "\n" not in message


# -- writing articles -------------------------------------------------------------------------


def test_new_article_is_live_at_version_one_with_a_snapshot(archive: Archive) -> None:
    run = start(archive)
    item = article("a", tags=["foam", "back"], teasers=[teaser(1, "b")])
    assert archive.record_fetches(run, [page(item)]) == ["new"]
    stored = row(archive, item.url)
    assert stored["status"] == "live" and stored["version"] == 1 and stored["site"] == "blog"
    assert stored["first_seen_run"] == stored["last_changed_run"] == run
    assert json.loads(stored["tags"]) == ["foam", "back"]
    assert stored["content_hash"] == item.content_hash
    (first,) = versions(archive, item.url)
    assert first["version"] == 1 and first["crawl_run_id"] == run
    assert set(json.loads(first["changed_columns"])) == {
        "title", "published", "read_time_minutes", "author", "language", "categories", "tags",
        "body_text", "teasers"}
    assert json.loads(first["teasers"]) == [
        {"position": 1, "url": f"{BLOG}/b/", "title": "Article b", "text": "A related post."}]


def test_unchanged_article_row_and_fts_are_not_written(archive: Archive) -> None:
    item = article("a", teasers=[teaser(1, "b"), teaser(2, "c")])
    archive.record_fetches(start(archive), [page(item)])
    before, index = row(archive, item.url), fts_index(archive)
    second_run = start(archive)
    changes = archive.db.conn.total_changes
    assert archive.record_fetches(second_run, [page(article("a", teasers=[
        teaser(1, "b"), teaser(2, "c")]))]) == ["unchanged"]
    # One fetch row, and the two teasers' last_seen_run; nothing else.
    assert archive.db.conn.total_changes - changes == 1 + 2
    assert row(archive, item.url) == before and fts_index(archive) == index
    assert len(versions(archive, item.url)) == 1
    assert {t["last_seen_run"] for t in archive.db["teasers"].rows} == {second_run}


def test_changed_body_makes_version_two_naming_only_body_text(archive: Archive) -> None:
    first_run = start(archive)
    archive.record_fetches(first_run, [page(article("a"))])
    second_run = start(archive)
    edited = article("a", body_text="A rewritten body about foam rollers.")
    assert archive.record_fetches(second_run, [page(edited)]) == ["changed"]
    stored = row(archive, edited.url)
    assert stored["version"] == 2 and stored["body_text"] == edited.body_text
    assert (stored["first_seen_run"], stored["last_changed_run"]) == (first_run, second_run)
    latest = versions(archive, edited.url)[-1]
    assert (latest["version"], latest["crawl_run_id"]) == (2, second_run)
    assert json.loads(latest["changed_columns"]) == ["body_text"]
    assert [hit["url"] for hit in archive.search("rewritten")] == [edited.url]


def test_teaser_only_change_is_reported_as_teasers(archive: Archive) -> None:
    first_run = start(archive)
    archive.record_fetches(first_run, [page(article("a", teasers=[teaser(1, "b")]))])
    second_run = start(archive)
    moved = article("a", teasers=[teaser(1, "b"), teaser(2, "c", "Stretching after a run.")])
    assert archive.record_fetches(second_run, [page(moved)]) == ["changed"]
    assert json.loads(versions(archive, moved.url)[-1]["changed_columns"]) == ["teasers"]
    teasers = list(archive.db["teasers"].rows_where(order_by="position"))
    assert [(t["target_url"], t["first_seen_run"], t["last_seen_run"]) for t in teasers] == [
        (f"{BLOG}/b/", first_run, second_run), (f"{BLOG}/c/", second_run, second_run)]
    assert archive.search("stretching") == []  # another article's excerpt: not this one's text


def test_a_reread_batch_writes_its_versions_in_one_insert_and_reads_them_in_one_query(
        archive: Archive) -> None:
    """A batch re-read from stored responses is nearly all updates: its versions go in one
    INSERT and the versions they are compared with come in one query, not one of each per
    article. An article read twice in the batch still gets both versions in order, the
    second against the first (its queued rows are written before it is updated again)."""
    slugs = "abcde"
    archive.record_fetches(start(archive), [
        page(article(slug, teasers=[teaser(1, "b")])) for slug in slugs])
    run = start(archive)
    improved = [article(slug, read_time_minutes=7, teasers=[teaser(1, "b")]) for slug in slugs]
    again = article("a", read_time_minutes=8, teasers=[teaser(1, "c")])
    statements: list[str] = []
    archive.db.conn.set_trace_callback(statements.append)
    outcomes = archive.record_fetches(run, [page(item) for item in [*improved, again]],
                                      reread=True)
    archive.db.conn.set_trace_callback(None)
    assert outcomes == ["changed"] * 6
    inserts = [sql for sql in statements if sql.startswith("insert into article_versions")]
    reads = [sql for sql in statements if "from article_versions" in sql]
    assert (len(inserts), len(reads)) == (2, 2)  # the batch's, and those of "a" read again
    assert [(v["version"], v["read_time_minutes"], json.loads(v["changed_columns"]))
            for v in versions(archive, again.url)] == [
        (1, 4, ["title", "published", "read_time_minutes", "author", "language", "categories",
                "body_text", "teasers"]),
        (2, 7, ["read_time_minutes"]), (3, 8, ["read_time_minutes", "teasers"])]
    assert [(t["article_id"], t["target_url"]) for t in archive.db.query(
        "select * from teasers where article_id = ?", [row(archive, again.url)["id"]])] == [
        (row(archive, again.url)["id"], f"{BLOG}/c/")]
    assert {row(archive, item.url)["read_time_minutes"] for item in improved[1:]} == {7}


def test_snapshots_hold_every_content_field(archive: Archive) -> None:
    archive.record_fetches(start(archive), [page(article("a"))])
    columns = {column.name for column in archive.db["article_versions"].columns}
    assert set(CONTENT_FIELDS) <= columns


def test_teaser_targets_link_in_both_directions(archive: Archive) -> None:
    run = start(archive)
    first = article("a", teasers=[teaser(1, "b"), teaser(2, "a")])
    archive.record_fetches(run, [page(first)])
    links = {t["target_url"]: t["target_article_id"] for t in archive.db["teasers"].rows}
    a_id = row(archive, first.url)["id"]
    assert links == {f"{BLOG}/b/": None, f"{BLOG}/a/": a_id}  # the self-link, at once

    later = article("b", teasers=[teaser(1, "a")])
    archive.record_fetches(run, [page(later)])
    b_id = row(archive, later.url)["id"]
    links = {(t["article_id"], t["target_url"]): t["target_article_id"]
             for t in archive.db["teasers"].rows}
    assert links[(a_id, later.url)] == b_id  # filled in when the target arrived
    assert links[(b_id, first.url)] == a_id  # resolved when written


def test_a_batch_writes_what_its_fetches_written_one_by_one_would(tmp_path: Path) -> None:
    """The writer queues a batch's rows and links them up at the end; whatever the order of
    the fetches inside the batch, the archive must end as if each had its own batch. A batch
    prepared ahead (``PreparedFetch``, as ``ingest`` prepares it on its read-ahead thread)
    must end the same too."""
    moved = article("old")
    capture = Capture(path="archive.warc/run-000002.warc.gz", offset=0, length=10,
                      record_id="<urn:uuid:1>", date="2026-12-07T04:00:00Z",
                      payload_digest="sha1:AAAA")
    fetches = [
        page(article("a", teasers=[teaser(1, "b"), teaser(2, "a"), teaser(3, "old")]),
             field_sources={"title": "h1"}, missing={"author": "no byline"}, capture=capture),
        page(article("b", teasers=[teaser(1, "a")])),
        page(article("a", body_text="Rewritten.", teasers=[teaser(1, "b")])),
        Fetch(url=moved.url, status=301, outcome="redirected", redirect_to=f"{BLOG}/new/"),
        page(article("new", teasers=[teaser(1, "old")])),
        page(article("c")),
        Fetch(url=f"{BLOG}/c/", status=404, outcome="error", error="HTTP 404"),
        page(article("d", teasers=[teaser(1, "e")])),
        page(article("e")),
        page(article("b", teasers=[teaser(1, "a")])),
    ]
    contents = []
    for name, batches, prepared in (
            ("batch", [fetches], None), ("one by one", [[fetch] for fetch in fetches], None),
            ("prepared ahead", [fetches], [PreparedFetch(fetch).ahead() for fetch in fetches])):
        with Archive.open(tmp_path / f"{name}.db") as archive:
            archive.record_fetches(start(archive), [page(moved)])
            run = start(archive)
            outcomes = [o for batch in batches
                        for o in archive.record_fetches(run, batch, prepared=prepared)]
            rows = {table: list(archive.db.query(f"select * from {table} order by 1, 2"))
                    for table in ("articles", "teasers", "article_versions", "fetches")}
        for stored in rows["article_versions"] + rows["fetches"]:
            stored.pop("captured_at", None) or stored.pop("fetched_at")
        contents.append((outcomes, rows))
    (batched, batched_rows), (single, single_rows), (ahead, ahead_rows) = contents
    assert batched == single == ahead == ["new", "new", "changed", "redirected", "new", "new",
                                          "gone", "new", "new", "unchanged"]
    assert batched_rows == single_rows == ahead_rows
    assert all(t["target_article_id"] for t in batched_rows["teasers"])
    assert batched_rows["fetches"][1]["warc_path"] == capture.path


def test_404_of_an_archived_article_marks_it_gone_until_it_returns(archive: Archive) -> None:
    item = article("a")
    archive.record_fetches(start(archive), [page(item)])
    run = start(archive)
    missing = Fetch(url=item.url, status=404, outcome="error", error="HTTP 404",
                    error_kind="http_404")
    unknown = Fetch(url=f"{BLOG}/never/", status=404, outcome="error", error="HTTP 404")
    assert archive.record_fetches(run, [missing, unknown]) == ["gone", "error"]
    assert row(archive, item.url)["status"] == "gone"
    assert archive.record_fetches(run, [page(article("a"))]) == ["unchanged"]
    assert row(archive, item.url)["status"] == "live"


def test_server_error_of_an_archived_article_is_only_an_error(archive: Archive) -> None:
    item = article("a")
    archive.record_fetches(start(archive), [page(item)])
    failed = Fetch(url=item.url, status=503, outcome="error", error="HTTP 503")
    assert archive.record_fetches(start(archive), [failed]) == ["error"]
    assert row(archive, item.url)["status"] == "live"


def test_redirected_article_points_at_its_target_once_archived(archive: Archive) -> None:
    moved, target = article("old"), article("new")
    run = start(archive)
    archive.record_fetches(run, [page(moved)])
    redirect = Fetch(url=moved.url, status=301, outcome="redirected", redirect_to=target.url)
    other = Fetch(url=f"{BLOG}/?p=1", status=301, outcome="redirected", redirect_to=target.url)
    assert archive.record_fetches(run, [redirect, other]) == ["redirected", "redirected"]
    stored = row(archive, moved.url)
    assert (stored["status"], stored["redirected_to"], stored["redirected_to_id"]) == (
        "redirected", target.url, None)
    archive.record_fetches(run, [page(target)])
    assert row(archive, moved.url)["redirected_to_id"] == row(archive, target.url)["id"]
    assert archive.article_urls("blog") == {target.url}
    assert archive.db["articles"].count == 2  # the non-article URL made no article


def test_not_modified_and_not_article_write_only_their_fetch(archive: Archive) -> None:
    item = article("a")
    archive.record_fetches(start(archive), [page(item)])
    before, index = row(archive, item.url), fts_index(archive)
    run = start(archive)
    changes = archive.db.conn.total_changes
    fetches = [Fetch(url=item.url, status=304, outcome="not_modified", etag='"v1"'),
               Fetch(url=f"{BLOG}/page/2/", status=200, outcome="not_article")]
    assert archive.record_fetches(run, fetches) == ["not_modified", "not_article"]
    assert archive.db.conn.total_changes - changes == 2
    assert row(archive, item.url) == before and fts_index(archive) == index
    recorded = list(archive.db["fetches"].rows_where("crawl_run_id = ?", [run], order_by="id"))
    assert [r["article_id"] for r in recorded] == [before["id"], None]


def test_fetch_row_records_every_field_of_the_exchange(archive: Archive) -> None:
    run = start(archive)
    fetch = Fetch(url=f"{BLOG}/x/", final_url=f"{BLOG}/x/", status=500, outcome="error",
                  error="HTTP 500", error_kind="http_500", etag='"e"',
                  last_modified="Wed, 01 May 2024 10:00:00 GMT", elapsed_ms=12, bytes=345)
    archive.record_fetches(run, [fetch])
    (stored,) = archive.db["fetches"].rows
    assert {k: stored[k] for k in ("crawl_run_id", "url", "final_url", "status", "outcome",
                                   "error", "error_kind", "etag", "last_modified",
                                   "elapsed_ms", "bytes", "redirect_to", "article_id")} == {
        "crawl_run_id": run, "url": fetch.url, "final_url": fetch.url, "status": 500,
        "outcome": "error", "error": "HTTP 500", "error_kind": "http_500", "etag": '"e"',
        "last_modified": fetch.last_modified, "elapsed_ms": 12, "bytes": 345,
        "redirect_to": None, "article_id": None,
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", stored["fetched_at"])


def test_a_failing_batch_writes_nothing(archive: Archive) -> None:
    run = start(archive)
    broken = Fetch(url=None, outcome="error")  # type: ignore[arg-type]  # url is NOT NULL
    with pytest.raises(Exception, match="NOT NULL"):
        archive.record_fetches(run, [page(article("a")), broken])
    assert archive.db["articles"].count == 0 and archive.db["fetches"].count == 0


def test_hostile_and_polish_content_is_stored_verbatim(archive: Archive) -> None:
    title = "<script>alert('x')</script> Zażółć gęślą jaźń'; DROP TABLE articles; --"
    item = article("zazolc", title=title, body_text="Łódź — “cudzysłów” \u00a0 i emoji 🏃.")
    archive.record_fetches(start(archive), [page(item)])
    stored = row(archive, item.url)
    assert (stored["title"], stored["body_text"]) == (title, item.body_text)
    assert [hit["url"] for hit in archive.search("gęślą")] == [item.url]


# -- runs ---------------------------------------------------------------------------------------


def test_start_run_opens_a_running_record_with_a_utc_timestamp(archive: Archive) -> None:
    run = archive.db["crawl_runs"].get(start(archive))
    assert run["status"] == "running" and run["trigger"] == "test" and run["site"] == "blog"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", run["started_at"])


def test_finish_run_counts_the_runs_fetches_by_final_outcome(archive: Archive) -> None:
    archive.record_fetches(start(archive), [page(article("a")), page(article("b"))])
    run = start(archive)
    archive.record_fetches(run, [
        page(article("a")),
        page(article("b", title="Retitled")),
        page(article("c")),
        Fetch(url=f"{BLOG}/d/", status=304, outcome="not_modified"),
        Fetch(url=f"{BLOG}/feed/", status=200, outcome="not_article"),
        Fetch(url=f"{BLOG}/x/", outcome="error", error="timeout", error_kind="timeout"),
    ])
    archive.finish_run(run, status="finished", finish_reason="finished", stats={"a/b": 3})
    stored = archive.db["crawl_runs"].get(run)
    assert {k: stored[k] for k in ("pages_fetched", "new", "changed", "unchanged",
                                   "not_modified", "gone", "redirected", "errors",
                                   "not_article")} == {
        "pages_fetched": 5, "new": 1, "changed": 1, "unchanged": 1, "not_modified": 1,
        "gone": 0, "redirected": 0, "errors": 1, "not_article": 1,
    }
    assert (stored["status"], stored["finish_reason"]) == ("finished", "finished")
    assert json.loads(stored["stats"]) == {"a/b": 3} and stored["finished_at"]


def test_an_archived_article_fetched_under_another_url_is_updated_not_inserted(
        archive: Archive) -> None:
    """A page fetched at ``?utm=...`` or on a mirror whose canonical link names an archived
    article is that article, even when nothing else in the batch names its URL."""
    archive.record_fetches(start(archive), [page(article("a"))])
    again = Fetch(url=f"{BLOG}/a/?utm_source=feed", status=200, outcome="new",
                  article=article("a", body_text="The body of a, edited."))
    assert archive.record_fetches(start(archive), [again]) == ["changed"]
    (row,) = archive.db["articles"].rows
    assert (row["url"], row["version"]) == (f"{BLOG}/a/", 2)


def test_opening_another_applications_database_refuses_and_leaves_it_untouched(
        tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    with sqlite3.connect(path) as conn:
        conn.execute("create table articles (id integer primary key, note text)")
    before = path.read_bytes()
    with pytest.raises(NotAnArchiveError, match="an SQLite database without blog-archive's"):
        Archive.open(path)
    assert path.read_bytes() == before  # not even switched to WAL
    empty = tmp_path / "empty.db"
    empty.touch()
    Archive.open(empty).close()  # an empty file is made an archive, as a new one is
    assert applied_migrations(sqlite_utils.Database(empty)) == MIGRATIONS


def test_last_successful_run_is_the_newest_whole_finished_one_of_the_site(
        archive: Archive) -> None:
    finished = start(archive)
    archive.record_fetches(finished, [page(article("a"))])
    archive.finish_run(finished, "finished", "finished", {})
    archive.finish_run(start(archive), "interrupted", "shutdown", {})
    archive.finish_run(start(archive), "finished", "finished", {})  # reached no page
    budget = start(archive)
    archive.record_fetches(budget, [page(article("b"))])
    archive.finish_run(budget, "finished", "finished", {"blog_archive/over_max_pages": 3})
    bounded = start(archive)  # a trap's calendar pages under the listings: not a baseline
    archive.record_fetches(bounded, [page(article("d"))])
    archive.finish_run(bounded, "bounded", "finished", {},
                       bounds={"depth": {"limit": 3, "refused": 7}})
    assert json.loads(archive.db["crawl_runs"].get(bounded)["bounds_reached"]) == {
        "depth": {"limit": 3, "refused": 7}}
    other = start(archive, site="other")
    archive.record_fetches(other, [page(article("c"))])
    archive.finish_run(other, "finished", "finished", {})
    start(archive)  # still running
    assert archive.last_successful_run("blog")["id"] == finished
    assert archive.last_successful_run("nobody") is None


def test_listing_validators_are_not_trusted_after_a_transient_error(archive: Archive) -> None:
    listing = Fetch(url=f"{BLOG}/", status=200, outcome="not_article", etag='"l1"')
    run = start(archive)
    archive.record_fetches(run, [listing])
    archive.finish_run(run, "finished", "finished", {})
    assert archive.page_validators("blog") == {f"{BLOG}/": ('"l1"', None)}
    run = start(archive)
    archive.record_fetches(run, [listing, Fetch(url=f"{BLOG}/new/", status=503, outcome="error",
                                                error="HTTP 503")])
    archive.finish_run(run, "finished", "finished", {})
    assert archive.page_validators("blog") == {}  # /new/ may be linked from the listing only


def test_confirmed_articles_remember_each_articles_own_last_good_fetch(
        archive: Archive) -> None:
    first = start(archive)
    archive.record_fetches(first, [page(article("a")), page(article("b"))])
    archive.finish_run(first, "finished", "finished", {})
    second = start(archive)
    archive.record_fetches(second, [page(article("a")),
                                    Fetch(url=f"{BLOG}/b/", status=500, outcome="error")])
    archive.finish_run(second, "finished", "finished", {})
    for run, started in ((first, "2024-01-01T00:00:00+00:00"),
                         (second, "2024-02-01T00:00:00+00:00")):
        archive.db.execute("update crawl_runs set started_at = ? where id = ?", [started, run])
    assert archive.confirmed_articles("blog") == {f"{BLOG}/a/": "2024-02-01T00:00:00+00:00",
                                                  f"{BLOG}/b/": "2024-01-01T00:00:00+00:00"}


def test_article_urls_are_the_sites_live_and_gone_articles(archive: Archive) -> None:
    run = start(archive)
    archive.record_fetches(run, [page(article("a")), page(article("b")), page(article("c"))])
    archive.record_fetches(run, [
        Fetch(url=f"{BLOG}/b/", status=410, outcome="error"),
        Fetch(url=f"{BLOG}/c/", status=301, outcome="redirected", redirect_to=f"{BLOG}/a/"),
    ])
    archive.record_fetches(start(archive, site="other"), [page(article("z"))])
    assert archive.article_urls("blog") == {f"{BLOG}/a/", f"{BLOG}/b/"}


# -- validators -------------------------------------------------------------------------------


def test_validators_come_from_the_newest_fetch_that_stored_content(archive: Archive) -> None:
    item = article("a")
    archive.record_fetches(start(archive), [page(item, etag='"v1"'),
                                            Fetch(url=f"{BLOG}/feed/", status=200,
                                                  outcome="not_article", etag='"feed"')])
    archive.record_fetches(start(archive), [
        Fetch(url=item.url, status=304, outcome="not_modified", etag='"v2"',
              last_modified="Wed, 01 May 2024 10:00:00 GMT")])
    archive.record_fetches(start(archive), [
        Fetch(url=item.url, status=503, outcome="error", etag='"broken"'),
        Fetch(url=item.url, status=200, outcome="error", error_kind="extraction", etag='"x"'),
    ])
    assert archive.validators() == {item.url: ('"v2"', "Wed, 01 May 2024 10:00:00 GMT")}


def test_validators_of_50000_articles_take_one_indexed_query(archive: Archive) -> None:
    run = start(archive)
    db = archive.db
    with db.atomic():
        db.conn.executemany(
            "insert into articles (url, site, content_hash, first_seen_run, last_changed_run) "
            "values (?, 'blog', 'h', ?, ?)", [(f"{BLOG}/{n}/", run, run) for n in range(50_000)])
        db.conn.executemany(
            "insert into fetches (crawl_run_id, url, status, outcome, etag, fetched_at, "
            "article_id) values (?, ?, 304, 'not_modified', ?, 'now', ?)",
            [(run, f"{BLOG}/{n}/", f'"{n}"' if n % 2 else None, n + 1) for n in range(50_000)])
    started = time.perf_counter()
    found = archive.validators()
    assert time.perf_counter() - started < 2.0
    assert len(found) == 25_000 and found[f"{BLOG}/1/"] == ('"1"', None)


# -- search ---------------------------------------------------------------------------------


def test_title_match_outranks_body_only_match(archive: Archive) -> None:
    body_only = article("b", title="Stretching", body_text="Use a foam roller after running.")
    in_title = article("t", title="Foam roller basics", body_text="Rolling helps recovery.")
    archive.record_fetches(start(archive), [page(body_only), page(in_title)])
    hits = archive.search("roller")
    assert [hit["url"] for hit in hits] == [in_title.url, body_only.url]
    assert hits[0]["rank"] < hits[1]["rank"]
    assert set(hits[0]) >= {"url", "title", "published", "site", "snippet", "rank"}


def test_snippet_marks_the_matched_words(archive: Archive) -> None:
    item = article("s", body_text="Warm up first. Then use the foam roller on your calves.")
    archive.record_fetches(start(archive), [page(item)])
    (hit,) = archive.search("roller calves")
    assert "[roller]" in hit["snippet"] and "[calves]" in hit["snippet"]


def test_search_stems_english_words(archive: Archive) -> None:
    archive.record_fetches(start(archive), [page(article("e", body_text="Five exercises."))])
    assert len(archive.search("exercise")) == 1


@pytest.mark.parametrize("query", ["back-pain", "don't", "e.g. back", "back, pain?"])
def test_plain_words_with_punctuation_are_searched_as_words(archive: Archive,
                                                            query: str) -> None:
    item = article("p", body_text="Back pain, e.g. after sitting: don't ignore it.")
    archive.record_fetches(start(archive), [page(item)])
    assert [hit["url"] for hit in archive.search(query)] == [item.url]


def test_fts_syntax_is_passed_through(archive: Archive) -> None:
    archive.record_fetches(start(archive), [
        page(article("r", title="Roller", body_text="Nothing else.")),
        page(article("s", title="Stretch", body_text="A roller too.")),
    ])
    assert [hit["url"] for hit in archive.search("title:roll*")] == [f"{BLOG}/r/"]
    assert len(archive.search("roller OR stretch")) == 2
    assert fts_query("foam roller") == '"foam" AND "roller"*'


@pytest.mark.parametrize("query", ['"unbalanced', "AND", "title:", "   "])
def test_unparsable_query_raises_search_query_error(archive: Archive, query: str) -> None:
    archive.record_fetches(start(archive), [page(article("a"))])
    with pytest.raises(SearchQueryError) as raised:
        archive.search(query)
    assert "\n" not in str(raised.value) and "query" in str(raised.value)


def test_search_filters_by_site_limits_and_skips_redirected(archive: Archive) -> None:
    run = start(archive)
    archive.record_fetches(run, [page(article(f"{n}", body_text="roller")) for n in range(4)])
    archive.record_fetches(run, [Fetch(url=f"{BLOG}/0/", status=301, outcome="redirected",
                                       redirect_to=f"{BLOG}/1/")])
    archive.record_fetches(start(archive, site="other"), [
        page(Article(url="https://other.example/x/", title="x", body_text="roller"))])
    assert len(archive.search("roller")) == 4
    assert len(archive.search("roller", limit=2)) == 2
    assert {hit["url"] for hit in archive.search("roller", site="blog")} == {
        f"{BLOG}/{n}/" for n in (1, 2, 3)}


# -- history and stats ----------------------------------------------------------------------------


def test_history_lists_versions_with_changed_columns(archive: Archive) -> None:
    first_run = start(archive)
    archive.record_fetches(first_run, [page(article("h"))])
    second_run = start(archive)
    archive.record_fetches(second_run, [page(article("h", title="New title", tags=["x"]))])
    history = archive.history(f"{BLOG}/h/")
    assert [(v["version"], v["crawl_run_id"]) for v in history] == [(1, first_run),
                                                                    (2, second_run)]
    assert history[1]["changed_columns"] == ["title", "tags"]
    assert all(re.fullmatch(r"\d{4}-.*\+00:00", v["captured_at"]) for v in history)


def test_history_of_an_unknown_url_raises_archive_error(archive: Archive) -> None:
    with pytest.raises(ArchiveError, match=f"no article with URL {BLOG}/nope/"):
        archive.history(f"{BLOG}/nope/")


def test_stats_count_articles_and_measure_field_coverage(archive: Archive) -> None:
    run = start(archive)
    archive.record_fetches(run, [
        page(article("a", teasers=[teaser(1, "b")], image=f"{BLOG}/a.jpg")),
        page(article("b", published=None, categories=[])),
        page(article("c")),
    ])
    archive.record_fetches(run, [Fetch(url=f"{BLOG}/c/", status=404, outcome="error")])
    archive.finish_run(run, "finished", "finished", {})
    numbers = archive.stats()
    assert numbers["articles"] == {"total": 3, "live": 2, "gone": 1, "redirected": 0}
    assert (numbers["teasers"], numbers["versions"], numbers["runs"]) == (1, 3, 1)
    assert [r["id"] for r in numbers["last_runs"]] == [run]
    coverage = numbers["coverage"]
    assert list(coverage) == list(CONTENT_FIELDS)
    assert (coverage["title"], coverage["published"], coverage["categories"],
            coverage["teasers"], coverage["image"], coverage["modified"]) == (
        1.0, 0.5, 0.5, 0.5, 0.5, 0.0)


def test_stats_of_an_empty_archive_have_no_coverage(archive: Archive) -> None:
    numbers = archive.stats()
    assert numbers["articles"]["total"] == 0 and numbers["last_runs"] == []
    assert set(numbers["coverage"].values()) == {None}


# -- Datasette --------------------------------------------------------------------------------


def get(path: Path, url: str) -> tuple[int, str]:
    """Fetch ``url`` from a Datasette serving the archive at ``path``, as ``serve`` runs it."""
    async def fetch() -> tuple[int, str]:
        response = await archive_datasette(path).client.get(url)
        return response.status_code, response.text
    return asyncio.run(fetch())


def test_datasette_shows_metadata_and_searches_articles(archive: Archive) -> None:
    archive.record_fetches(start(archive), [
        page(article("r", title="Foam roller basics")), page(article("o"))])
    status, html = get(archive.path, "/")
    assert status == 200 and "<title>blog-archive" in html
    status, body = get(archive.path, "/archive/articles.json?_search=roller&_shape=array")
    assert status == 200 and [r["url"] for r in json.loads(body)] == [f"{BLOG}/r/"]
    status, body = get(archive.path, "/archive/articles_per_month.json?_shape=array")
    assert status == 200 and json.loads(body) == [{"month": "2024-05", "articles": 2}]


def test_canned_queries_and_month_facet_run_in_datasette(archive: Archive) -> None:
    run = start(archive)
    archive.record_fetches(run, [page(article("r", title="Foam roller basics",
                                              teasers=[Teaser(1, f"{BLOG}/o/", "O", "o")])),
                                 page(article("o"))])
    status, body = get(archive.path, "/archive/search_with_snippet.json?q=roller&_shape=array")
    assert status == 200 and [r["url"] for r in json.loads(body)] == [f"{BLOG}/r/"]
    assert "[roller]" in json.loads(body)[0]["snippet"]
    for odd in ("", "back-pain", "don't", "e.g."):  # plain words, as the CLI reads them
        status, body = get(archive.path, f"/archive/search_with_snippet.json?q={odd}&_shape=array")
        assert status == 200 and json.loads(body) == [], (odd, body)
    status, body = get(archive.path, "/archive/search_with_snippet.json?q=roll*&_shape=array")
    assert status == 200 and [r["url"] for r in json.loads(body)] == [f"{BLOG}/r/"]
    status, body = get(archive.path, "/archive/most_recommended.json?_shape=array")
    assert status == 200 and [(r["url"], r["teasers_pointing_here"])
                              for r in json.loads(body)] == [(f"{BLOG}/o/", 1)]
    status, body = get(archive.path, "/archive/changed_since.json?since=2000-01-01&_shape=array")
    assert status == 200 and len(json.loads(body)) == 2
    status, body = get(archive.path, "/archive/articles.json?_facet=published_month")
    assert status == 200
    months = json.loads(body)["facet_results"]["published_month"]["results"]
    assert [(m["value"], m["count"]) for m in months] == [("2024-05", 2)]


def test_the_field_sources_query_shows_which_signal_gave_each_field(archive: Archive) -> None:
    """Per run: a theme change shows as fields moving from ``site`` to other signals."""
    for sources in ({"title": "site", "author": "site"}, {"title": "site", "author": "json-ld"}):
        run = start(archive)
        archive.record_fetches(run, [
            page(article(slug), field_sources=sources) for slug in ("r", "o")] + [
            Fetch(url=f"{BLOG}/", outcome="not_article", status=200,
                  field_sources={"title": "meta"}, missing={"is_article": "listing page"})])
        archive.finish_run(run, "finished", "finished", {})
    status, body = get(archive.path, "/archive/field_sources.json?_shape=array")
    assert status == 200
    assert json.loads(body) == [{"field": "author", "source": "json-ld", "pages": 2},
                                {"field": "title", "source": "site", "pages": 2}]
    status, body = get(archive.path, f"/archive/field_sources.json?run={run - 1}&_shape=array")
    assert [row["source"] for row in json.loads(body)] == ["site", "site"]


def test_archive_of_an_older_schema_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    older = sqlite_utils.Database(path)  # the schema as the release before m007 left it
    migrations.apply(older, stop_before="m007_published_month")
    old = Archive(older, path)
    run = start(old)
    old.record_fetches(run, [
        page(article("o", title="Other post")),
        page(article("r", title="Foam roller basics", teasers=[teaser(1, "o"), teaser(2, "x")])),
    ])
    before = {table: list(older.query(f"select * from {table} order by 1, 2"))
              for table in ("articles", "teasers", "article_versions", "fetches")}
    old.close()

    upgraded = Archive.open(path)
    try:
        assert applied_migrations(upgraded.db) == MIGRATIONS
        after = {table: list(upgraded.db.query(f"select * from {table} order by 1, 2"))
                 for table in before}
        added = {"published_month": "2024-05", "status_changed_run": None}  # m007, m012
        assert [{k: v for k, v in row.items() if k not in added}
                for row in after["articles"]] == before.pop("articles")
        assert [{k: row[k] for k in added} for row in after.pop("articles")] == [added] * 2
        extraction = {"field_sources": None, "missing": None,  # m013
                      **dict.fromkeys(("warc_path", "warc_offset", "warc_length",  # m016
                                       "warc_record_id", "warc_date", "payload_digest",
                                       "warc_refers_to")),
                      "stream_id": None, "warc_type": None}  # m017, m018
        assert [{k: v for k, v in row.items() if k not in extraction}
                for row in after["fetches"]] == before.pop("fetches")
        assert [{k: row[k] for k in extraction} for row in after.pop("fetches")] == [
            extraction] * 2
        assert after == before
        assert [r["published_month"] for r in upgraded.db["articles"].rows] == ["2024-05"] * 2
        assert [hit["url"] for hit in upgraded.search("roller")] == [f"{BLOG}/r/"]
        assert "WITHOUT ROWID" in upgraded.db["teasers"].schema
        assert {index.name for index in upgraded.db["teasers"].indexes if index.origin == "c"} == {
            "teasers_target_url", "teasers_target_article_id", "teasers_first_seen_run",
            "teasers_last_seen_run"}
    finally:
        upgraded.close()


def test_datasette_opens_a_teaser_by_its_key(archive: Archive) -> None:
    """Teasers have no rowid: Datasette must address them by (article_id, position)."""
    archive.record_fetches(start(archive), [
        page(article("a", teasers=[teaser(1, "b", "Stretching after a run.")]))])
    article_id = row(archive, f"{BLOG}/a/")["id"]
    status, body = get(archive.path, f"/archive/teasers/{article_id},1.json?_shape=array")
    assert status == 200
    assert [(t["target_url"], t["text"]) for t in json.loads(body)] == [
        (f"{BLOG}/b/", "Stretching after a run.")]


def test_datasette_escapes_html_in_article_fields(archive: Archive) -> None:
    archive.record_fetches(start(archive), [page(article("x", title="<script>alert(1)</script>"))])
    status, html = get(archive.path, "/archive/articles")
    assert status == 200
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)" in html


def test_datasette_metadata_describes_real_columns_under_the_files_name(archive: Archive) -> None:
    metadata = datasette_metadata("backup")
    (tables,) = [database["tables"] for database in metadata["databases"].values()]
    assert list(metadata["databases"]) == ["backup"]
    for table, config in tables.items():
        columns = {row[1] for row in archive.db.execute(f"pragma table_xinfo({table})")}
        assert set(config.get("columns", {})) <= columns, table
        facets = {f if isinstance(f, str) else next(iter(f.values()))
                  for f in config.get("facets", [])}
        assert facets <= columns, table


def test_m018_types_the_warc_records_of_earlier_fetches(tmp_path: Path) -> None:
    """A revisit is a fetch that refers to a record or answered 304 (one for a page never
    stored whole refers to nothing); every other fetch with a record holds a response."""
    path = tmp_path / "old.db"
    older = sqlite_utils.Database(path)
    migrations.apply(older, stop_before="m018_warc_record_type")
    run = older["crawl_runs"].insert({"site": "blog", "trigger": "test", "status": "finished",
                                      "started_at": "2026-12-01T10:00:00+00:00"}).last_pk
    rows = {"response": (200, "<urn:a>", None), "revisit": (200, "<urn:b>", "<urn:a>"),
            "not_modified": (304, "<urn:c>", None), "no_answer": (None, None, None)}
    for name, (status, record_id, refers_to) in rows.items():
        older["fetches"].insert({"crawl_run_id": run, "url": f"{BLOG}/{name}/",
                                 "outcome": "new", "status": status,
                                 "fetched_at": "2026-12-01T10:00:00+00:00",
                                 "warc_path": record_id and "archive.warc/run-000001.warc.gz",
                                 "warc_record_id": record_id, "warc_refers_to": refers_to})
    older.close()
    upgraded = Archive.open(path)
    try:
        assert {row["url"]: row["warc_type"] for row in upgraded.db["fetches"].rows} == {
            f"{BLOG}/response/": "response", f"{BLOG}/revisit/": "revisit",
            f"{BLOG}/not_modified/": "revisit", f"{BLOG}/no_answer/": None}
        assert upgraded.latest_captures() == {f"{BLOG}/response/": ("<urn:a>", None, None)}
    finally:
        upgraded.close()
