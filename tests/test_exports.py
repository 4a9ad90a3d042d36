"""Exports of a real crawl's archive, read back with json, csv and sqlite-utils."""

from __future__ import annotations

import csv
import gzip
import json
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlite_utils

from archive import Archive
from archive.records import Article, Fetch
from archive.schema import migrations
from exports import ExportError, write_export
from tests.conftest import Crawl, RunCli, crawl_blog

#: Columns of the archive that are not exported: the FTS copy of the teasers, and the
#: generated month column (computed from published).
NOT_EXPORTED = {"teaser_text", "published_month"}


def archive_articles(crawl: Crawl) -> list[dict]:
    rows = crawl.db.query("select * from articles order by published, id")
    return [{k: v for k, v in row.items() if k not in NOT_EXPORTED} for row in rows]


def teasers_by_article(crawl: Crawl) -> dict[int, list[dict]]:
    nested: dict[int, list[dict]] = {}
    for row in crawl.db.query("select * from teasers order by article_id, position"):
        article_id = row.pop("article_id")
        nested.setdefault(article_id, []).append(row)
    return nested


def as_stored(row: dict, json_columns: tuple[str, ...] = ("categories", "tags")) -> dict:
    """An exported JSON row with its JSON columns turned back into the archive's JSON text."""
    return {k: json.dumps(v, ensure_ascii=False) if k in json_columns and v is not None else v
            for k, v in row.items()}


def test_jsonl_round_trip_equals_the_archive(english_crawl: Crawl, tmp_path: Path) -> None:
    out = tmp_path / "articles.jsonl"
    count = write_export(english_crawl.db_path, out, "jsonl")
    lines = out.read_text(encoding="utf-8").splitlines()
    assert count == len(lines) == english_crawl.db["articles"].count
    rows = [json.loads(line) for line in lines]
    nested = {row["id"]: row.pop("teasers") for row in rows}
    reimported = sqlite_utils.Database(tmp_path / "reimport.db")
    reimported["articles"].insert_all(as_stored(row) for row in rows)
    assert list(reimported.query("select * from articles")) == [
        {k: (json.dumps(json.loads(v), ensure_ascii=False) if k in ("categories", "tags") and v
             else v) for k, v in row.items()} for row in archive_articles(english_crawl)]
    assert nested == {row["id"]: teasers_by_article(english_crawl).get(row["id"], [])
                      for row in archive_articles(english_crawl)}


def test_json_is_an_array_of_the_same_objects(english_crawl: Crawl, tmp_path: Path) -> None:
    write_export(english_crawl.db_path, tmp_path / "a.json", "json")
    write_export(english_crawl.db_path, tmp_path / "a.jsonl", "jsonl")
    with (tmp_path / "a.json").open(encoding="utf-8") as handle:
        array = json.load(handle)
    lines = (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()
    assert array == [json.loads(line) for line in lines]
    seed = next(row for row in array if row["url"].endswith(
        "/en/how-to-roll-your-back-exercises-for-back-pain/"))
    assert [t["position"] for t in seed["teasers"]] == list(range(1, 31))
    assert isinstance(seed["categories"], list)


def test_csv_round_trip_with_sqlite_utils(english_crawl: Crawl, tmp_path: Path) -> None:
    out = tmp_path / "articles.csv"
    count = write_export(english_crawl.db_path, out, "csv")
    assert out.read_bytes().count(b"\r\n") >= count + 1  # RFC 4180 line ends
    with out.open("rb") as handle:
        rows, _ = sqlite_utils.utils.rows_from_file(handle, sqlite_utils.utils.Format.CSV)
        reimported = sqlite_utils.Database(tmp_path / "csv.db")
        reimported["articles"].insert_all(rows)
    expected = [{k: "" if v is None else str(v) for k, v in row.items()}
                for row in archive_articles(english_crawl)]
    assert list(reimported["articles"].rows) == expected
    assert count == len(expected)


def test_teasers_csv_names_their_article(english_crawl: Crawl, tmp_path: Path) -> None:
    out = tmp_path / "teasers.csv"
    count = write_export(english_crawl.db_path, out, "csv", table="teasers")
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert count == len(rows) == english_crawl.db["teasers"].count
    urls = {row["id"]: row["url"] for row in english_crawl.db["articles"].rows}
    assert all(urls[int(row["article_id"])] == row["article_url"] for row in rows)


def test_non_ascii_text_is_written_as_is(english_crawl: Crawl, tmp_path: Path) -> None:
    for export_format in ("json", "jsonl", "csv"):
        out = tmp_path / f"a.{export_format}"
        write_export(english_crawl.db_path, out, export_format)
        text = out.read_text(encoding="utf-8")
        assert "’" in text and "\\u2019" not in text


def test_export_of_an_unchanged_archive_is_byte_identical(english_crawl: Crawl,
                                                          tmp_path: Path) -> None:
    for export_format in ("json", "jsonl", "csv"):
        first, second = tmp_path / f"1.{export_format}.gz", tmp_path / f"2.{export_format}.gz"
        write_export(english_crawl.db_path, first, export_format, compress=True)
        write_export(english_crawl.db_path, second, export_format, compress=True)
        assert first.read_bytes() == second.read_bytes()
        assert gzip.decompress(first.read_bytes()).startswith(
            b"[" if export_format == "json" else b"{" if export_format == "jsonl" else b"id,")


def test_since_and_site_filter(english_crawl: Crawl, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    total = english_crawl.db["articles"].count
    assert write_export(english_crawl.db_path, out, "jsonl", since="2000-01-01") == total
    assert write_export(english_crawl.db_path, out, "jsonl", since="2999-01-01") == 0
    assert out.read_text() == ""
    assert write_export(english_crawl.db_path, out, "jsonl", site="sbiegacza-en") == total
    assert write_export(english_crawl.db_path, out, "jsonl", site="elsewhere") == 0
    assert write_export(english_crawl.db_path, out, "csv", table="runs") == 1


def test_other_tables_export(english_crawl: Crawl, tmp_path: Path) -> None:
    out = tmp_path / "versions.jsonl"
    count = write_export(english_crawl.db_path, out, "jsonl", table="versions")
    versions = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert count == english_crawl.db["article_versions"].count == len(versions)
    assert all(isinstance(v["changed_columns"], list) and v["article_url"] for v in versions)


def test_since_exports_articles_that_went_away(tmp_path: Path) -> None:
    """A removed or moved article is news for a scheduled export, though its content did
    not change; an article merely fetched again unchanged is not."""
    db = tmp_path / "archive.db"
    blog = "https://blog.example"
    urls = [f"{blog}/{slug}/" for slug in ("kept", "removed", "moved")]
    with Archive.open(db) as archive:
        first = archive.start_run("blog", "test", "1.0", "2.19")
        archive.record_fetches(first, [
            Fetch(url=url, status=200, outcome="new", article=Article(url=url, title=url))
            for url in urls])
        archive.finish_run(first, "finished", "finished", {})
        second = archive.start_run("blog", "test", "1.0", "2.19")
        archive.record_fetches(second, [
            Fetch(url=urls[0], status=200, outcome="new",
                  article=Article(url=urls[0], title=urls[0])),
            Fetch(url=urls[1], status=404, outcome="error", error="HTTP 404"),
            Fetch(url=urls[2], status=301, outcome="redirected", redirect_to=urls[0])])
        archive.finish_run(second, "finished", "finished", {})
        archive.db.execute("update article_versions set captured_at = '2024-01-01'")
        archive.db.execute("update fetches set fetched_at = case crawl_run_id when ? "
                           "then '2024-01-01' else '2024-02-01' end", [first])
    out = tmp_path / "news.jsonl"
    write_export(db, out, "jsonl", since="2024-02-01")
    news = {row["url"]: row["status"] for row in map(json.loads, out.read_text().splitlines())}
    assert news == {urls[1]: "gone", urls[2]: "redirected"}


def test_an_archive_of_an_older_release_is_upgraded_before_it_is_exported(
        tmp_path: Path) -> None:
    """A scheduled export may run before the first crawl of a new release: --since reads a
    column the newest migration added, so the archive is brought up to date first."""
    db = tmp_path / "old.db"
    older = sqlite_utils.Database(db)
    migrations.apply(older, stop_before="m012_status_changed_run")
    older.close()
    out = tmp_path / "news.jsonl"
    assert write_export(db, out, "jsonl", since="2024-01-01") == 0
    assert "status_changed_run" in sqlite_utils.Database(db)["articles"].columns_dict


@pytest.mark.parametrize("table", ["articles", "teasers", "versions", "runs"])
@pytest.mark.parametrize("export_format", ["json", "jsonl", "csv"])
def test_every_table_exports_in_every_format(english_crawl: Crawl, tmp_path: Path,
                                             table: str, export_format: str) -> None:
    stored = {"articles": "articles", "teasers": "teasers", "versions": "article_versions",
              "runs": "crawl_runs"}[table]
    out = tmp_path / f"{table}.{export_format}"
    count = write_export(english_crawl.db_path, out, export_format, table=table)
    text = out.read_text(encoding="utf-8")
    if export_format == "json":
        rows = json.loads(text)
    elif export_format == "jsonl":
        rows = [json.loads(line) for line in text.splitlines()]
    else:
        rows = list(csv.DictReader(text.splitlines()))
    assert count == len(rows) == english_crawl.db[stored].count > 0


def test_export_keeps_the_permissions_of_the_file_it_replaces(english_crawl: Crawl,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "articles.csv"
    out.write_text("old export")
    out.chmod(0o644)  # a temporary file is created 0600: the rename must not keep that
    write_export(english_crawl.db_path, out, "csv")
    assert stat.S_IMODE(out.stat().st_mode) == 0o644 and out.read_text() != "old export"


def test_export_refuses_to_overwrite_the_archive(english_crawl: Crawl, tmp_path: Path) -> None:
    archive = tmp_path / "archive.db"
    archive.write_bytes(english_crawl.db_path.read_bytes())
    with pytest.raises(ExportError, match="is the archive itself"):
        write_export(archive, archive, "csv")
    assert archive.read_bytes() == english_crawl.db_path.read_bytes()


def test_a_full_disk_is_one_line(english_crawl: Crawl) -> None:
    with open("/dev/full", "wb") as full:
        result = subprocess.run([sys.executable, "-m", "scraper", "export", "--format", "csv",
                                 "--db", str(english_crawl.db_path)],
                                stdout=full, stderr=subprocess.PIPE, text=True, check=False)
    assert result.returncode == 2
    assert result.stderr.strip() == "blog-archive: error: cannot write -: No space left on device"


def test_a_closed_pipe_ends_the_export_quietly(english_crawl: Crawl) -> None:
    export = subprocess.Popen([sys.executable, "-m", "scraper", "export", "--format", "jsonl",
                               "--db", str(english_crawl.db_path)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert export.stdout is not None and export.stdout.read(10)
    export.stdout.close()  # as `| head -c 10` does
    _, stderr = export.communicate()
    assert (export.returncode, stderr) == (128 + signal.SIGPIPE, b"")


def test_sigterm_removes_the_temporary_file(english_crawl: Crawl, tmp_path: Path) -> None:
    out = tmp_path / "articles.jsonl"
    # Stopped as soon as rows reach its temporary file, while it writes (or, on a fast
    # machine, just after it renamed it: then there is no temporary file to leave either).
    export = subprocess.Popen([sys.executable, "-m", "scraper", "export", "--format", "jsonl",
                               "--db", str(english_crawl.db_path), "--out", str(out)],
                              stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while export.poll() is None and not any(
            part.stat().st_size for part in tmp_path.glob(".articles.jsonl.*")):
        assert time.monotonic() < deadline
        time.sleep(0.001)
    export.terminate()
    export.communicate()
    assert export.returncode in (0, 128 + signal.SIGTERM)
    assert list(tmp_path.glob(".articles.jsonl.*")) == []


def test_failed_export_leaves_no_file(english_crawl: Crawl, tmp_path: Path) -> None:
    broken = tmp_path / "broken.db"
    broken.write_bytes(english_crawl.db_path.read_bytes())
    db = sqlite_utils.Database(broken)
    db.execute("update articles set categories = 'not json' where id = "
               "(select id from articles order by published desc, id desc limit 1)")
    db.conn.commit()
    db.close()
    out = tmp_path / "out.jsonl"
    with pytest.raises(Exception, match="malformed JSON"):
        write_export(broken, out, "jsonl")
    assert list(tmp_path.glob("out.jsonl*")) == [] and list(tmp_path.glob(".out.jsonl*")) == []


def test_stdout_export(english_crawl: Crawl, run_cli: RunCli) -> None:
    result = run_cli("export", "--format", "json", "--db", english_crawl.db_path, "--out", "-")
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == english_crawl.db["articles"].count


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--format", "xml"), "Invalid value for '--format'"),
        (("--table", "runs"), "Missing option '--format'. Choose from: json, jsonl, csv"),
        (("--format", "csv", "--table", "users"), "Invalid value for '--table'"),
        (("--format", "csv", "--since", "last tuesday"), "is not a date"),
        (("--format", "csv", "--out", "/proc/version/out.csv"), "cannot write"),
        (("--format", "csv", "--out", "/nonexistent-dir/out.csv"), "cannot write"),
        (("--format", "csv", "--db", "/nonexistent/archive.db"), "no archive at"),
        (("--format", "jsonl", "--db", __file__), "file is not a database"),
    ],
)
def test_bad_export_input_gives_one_line_and_exit_2(english_crawl: Crawl, run_cli: RunCli,
                                                    tmp_path: Path, args: tuple[str, ...],
                                                    message: str) -> None:
    if "--db" not in args:
        args = (*args, "--db", str(english_crawl.db_path))
    if "--out" not in args:
        args = (*args, "--out", str(tmp_path / "out.csv"))
    result = run_cli("export", *args)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("blog-archive: error:"), result.stderr
    assert message in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_bad_export_arguments_raise_export_error(english_crawl: Crawl, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="unknown format"):
        write_export(english_crawl.db_path, tmp_path / "x", "xml")
    with pytest.raises(ExportError, match="unknown table"):
        write_export(english_crawl.db_path, tmp_path / "x", "csv", table="users")


def test_exports_are_byte_identical_after_an_unchanged_recrawl(blog_server, tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    crawl_blog(blog_server, db)
    before = {f: (tmp_path / f"before.{f}") for f in ("json", "jsonl", "csv")}
    for export_format, path in before.items():
        write_export(db, path, export_format)
    write_export(db, tmp_path / "teasers-before.csv", "csv", table="teasers")
    crawl_blog(blog_server, db)
    for export_format, path in before.items():
        write_export(db, tmp_path / f"after.{export_format}", export_format)
        assert (tmp_path / f"after.{export_format}").read_bytes() == path.read_bytes()
    write_export(db, tmp_path / "teasers-after.csv", "csv", table="teasers")
    assert (tmp_path / "teasers-after.csv").read_bytes() == \
        (tmp_path / "teasers-before.csv").read_bytes()


def test_csv_null_is_an_empty_field_and_text_is_quoted(english_crawl: Crawl,
                                                       tmp_path: Path) -> None:
    out = tmp_path / "articles.csv"
    write_export(english_crawl.db_path, out, "csv")
    no_date = english_crawl.article(english_crawl.server.blog.awkward["no_date"])
    (line,) = [line for line in out.read_bytes().decode("utf-8").split("\r\n")
               if line.startswith(f'{no_date["id"]},"')]
    title = no_date["title"].replace('"', '""')
    assert f',"{title}",,' in line  # published is NULL: nothing between the commas
