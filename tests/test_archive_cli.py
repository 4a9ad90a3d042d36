"""The archive's commands (search, history, stats, serve), run through click's test runner."""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from archive import Archive
from archive.cli import history, search, serve, stats
from archive.records import Article, Fetch
from exports.cli import export

BLOG = "https://blog.example"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """An archive with two versions of a roller article and a body-only mention."""
    path = tmp_path / "archive.db"
    with Archive.open(path) as archive:
        first = archive.start_run("blog", "test", "1.0", "2.19")
        archive.record_fetches(first, [
            page("roller", "Foam roller basics", "Roll slowly.", "2024-05-01"),
            page("stretch", "Stretching", "Then the roller, gently.", None),
        ])
        archive.finish_run(first, "finished", "finished", {})
        second = archive.start_run("blog", "test", "1.0", "2.19")
        archive.record_fetches(second, [
            page("roller", "Foam roller basics", "Roll slowly, twice.", "2024-05-01")])
        archive.finish_run(second, "finished", "finished", {})
    return path


def page(slug: str, title: str, body: str, published: str | None) -> Fetch:
    url = f"{BLOG}/{slug}/"
    return Fetch(url=url, status=200, outcome="new", article=Article(
        url=url, title=title, body_text=body, published=published, language="en"))


def invoke(command: click.Command, *args: str | Path) -> Result:
    return CliRunner().invoke(command, [str(arg) for arg in args])


def error_line(result: Result) -> str:
    """The one line an error leaves on stderr (click's own 'Error: ' prefix removed)."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    return lines[0].removeprefix("Error: ")


def test_search_prints_best_hit_first_with_snippet(db: Path) -> None:
    result = invoke(search, "roller", "--db", db)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:3] == ["1. Foam roller basics (2024-05-01)", f"   {BLOG}/roller/",
                         "   Foam [roller] basics"]
    assert lines[3] == "2. Stretching"


def test_search_json_limit_and_site(db: Path) -> None:
    result = invoke(search, "roller", "--db", db, "--json", "--limit", "1", "--site", "blog")
    assert result.exit_code == 0, result.output
    (hit,) = json.loads(result.stdout)
    assert hit["url"] == f"{BLOG}/roller/" and hit["snippet"] == "Foam [roller] basics"
    unknown = invoke(search, "roller", "--db", db, "--json", "--site", "x")
    assert unknown.exit_code == 2 and "no site 'x' in" in unknown.output


def test_search_without_hits_says_so_on_stderr(db: Path) -> None:
    result = invoke(search, "marathon", "--db", db)
    assert result.exit_code == 0 and result.stdout == ""
    assert "no articles match 'marathon'" in result.stderr


@pytest.mark.parametrize("query", ['"unbalanced', "AND", "title:", "roller OR"])
def test_unparsable_query_exits_2_with_one_line(db: Path, query: str) -> None:
    result = invoke(search, query, "--db", db)
    assert result.exit_code == 2
    assert error_line(result).startswith(f"cannot parse search query {query!r}: ")


@pytest.mark.parametrize("limit", ["0", "99999999999999999999"])
def test_limit_out_of_range_is_a_usage_error(db: Path, limit: str) -> None:
    result = invoke(search, "roller", "--db", db, "--limit", limit)
    assert result.exit_code == 2
    assert "Invalid value for '--limit'" in result.stderr


@pytest.mark.parametrize(("command", "args"), [
    (search, ("roller",)), (history, (f"{BLOG}/roller/",)), (stats, ()),
    (export, ("--format", "jsonl")),
])
def test_a_damaged_archive_is_one_line_and_exit_4(db: Path, command: click.Command,
                                                  args: tuple[str, ...]) -> None:
    with sqlite3.connect(db) as conn:  # every page after the schema, overwritten
        conn.execute("pragma wal_checkpoint(truncate)")
        page_size = conn.execute("pragma page_size").fetchone()[0]
    data = bytearray(db.read_bytes())
    data[2 * page_size:] = b"\x07" * (len(data) - 2 * page_size)
    db.write_bytes(bytes(data))
    result = invoke(command, *args, "--db", db)
    assert result.exit_code == 4, result.output
    line = error_line(result)
    assert line.startswith((f"cannot read {db}: ", f"cannot open archive {db}: "))
    assert line.endswith("database disk image is malformed")


@pytest.mark.parametrize(("command", "args"), [
    (search, ("roller",)), (history, (f"{BLOG}/roller/",)), (stats, ()), (serve, ()),
])
def test_missing_archive_is_reported_and_not_created(tmp_path: Path, command: click.Command,
                                                     args: tuple[str, ...]) -> None:
    missing = tmp_path / "missing.db"
    result = invoke(command, *args, "--db", missing)
    assert result.exit_code == 2
    assert error_line(result) == f"no archive at {missing}"
    assert not missing.exists()


def test_a_file_that_is_not_a_database_is_a_usage_error(tmp_path: Path) -> None:
    junk = tmp_path / "notes.db"
    junk.write_text("not a database\n" * 200)
    result = invoke(stats, "--db", junk)
    assert result.exit_code == 2
    assert error_line(result) == f"{junk} is not a blog-archive archive (file is not a database)"


@pytest.mark.parametrize(("command", "args"), [
    (search, ("roller",)), (history, (f"{BLOG}/roller/",)), (stats, ()), (serve, ()),
])
def test_another_applications_database_is_refused_untouched(
        tmp_path: Path, command: click.Command, args: tuple[str, ...]) -> None:
    foreign = tmp_path / "notes.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("create table notes (id integer primary key, body text)")
    before = foreign.read_bytes()
    result = invoke(command, *args, "--db", foreign)
    assert result.exit_code == 2
    assert error_line(result) == (f"{foreign} is not a blog-archive archive "
                                  "(an SQLite database without blog-archive's tables)")
    assert foreign.read_bytes() == before


def test_an_empty_file_is_not_made_an_archive(tmp_path: Path) -> None:
    empty = tmp_path / "archive.db"
    empty.touch()
    result = invoke(search, "roller", "--db", empty)
    assert result.exit_code == 2
    assert error_line(result) == f"{empty} is not a blog-archive archive (an empty database)"
    assert empty.stat().st_size == 0


@pytest.mark.parametrize("command", [("stats",), ("search", "roller"), ("export", "--format",
                                                                          "csv")])
def test_a_path_the_file_system_refuses_is_one_line(command: tuple[str, ...]) -> None:
    too_long = "x" * 300  # ENAMETOOLONG: Path.exists() raises rather than answer False
    result = subprocess.run([sys.executable, "-m", "scraper", *command, "--db", too_long],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 4
    assert result.stderr.splitlines() == [f"blog-archive: error: {too_long}: File name too long"]


def test_history_lists_each_version_and_what_changed(db: Path) -> None:
    result = invoke(history, f"{BLOG}/roller/", "--db", db)
    assert result.exit_code == 0, result.output
    title, first, second = result.stdout.splitlines()
    assert title == f"Foam roller basics — {BLOG}/roller/"
    assert first.startswith("  v1  ") and "run 1" in first
    assert second.startswith("  v2  ") and second.endswith("run 2  body_text")
    versions = json.loads(invoke(history, f"{BLOG}/roller/", "--db", db, "--json").stdout)
    assert [v["changed_columns"] for v in versions][1] == ["body_text"]


def test_history_of_an_unknown_url_exits_2(db: Path) -> None:
    result = invoke(history, f"{BLOG}/nope/", "--db", db)
    assert result.exit_code == 2
    assert error_line(result) == f"no article with URL {BLOG}/nope/ in {db}"


def test_stats_prints_counts_coverage_and_runs(db: Path) -> None:
    result = invoke(stats, "--db", db)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("Articles: 2 (2 live, 0 gone, 0 redirected)\n")
    assert "Versions: 3" in out and re.search(r"^  published +50%$", out, re.MULTILINE)
    assert "#2 " in out and "1 pages — 0 new, 1 changed" in out
    numbers = json.loads(invoke(stats, "--db", db, "--json").stdout)
    assert numbers["coverage"]["title"] == 1.0 and numbers["runs"] == 2


def test_serve_runs_datasette_on_the_archive(db: Path) -> None:
    server = subprocess.Popen(
        [sys.executable, "-c", "from archive.cli import serve; serve()",
         "--db", str(db), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert line.startswith(f"Serving {db} at http://127.0.0.1:"), server.stderr
        base = line.split(" at ")[1].split()[0]
        with urllib.request.urlopen(f"{base}archive/articles.json?_search=roller&_shape=array",
                                    timeout=30) as response:
            rows = json.load(response)
        assert {row["url"] for row in rows} == {f"{BLOG}/roller/", f"{BLOG}/stretch/"}
    finally:
        server.terminate()
        server.communicate(timeout=30)


def test_serve_on_a_port_in_use_exits_4(db: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = invoke(serve, "--db", db, "--port", str(port))
    assert result.exit_code == 4
    assert error_line(result).startswith(f"cannot listen on 127.0.0.1:{port}: ")
