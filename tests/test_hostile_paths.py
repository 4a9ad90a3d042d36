"""Paths a careless user or a second job hands the commands: links to a locked archive, FIFOs
and devices as ``--out``, the files SQLite keeps beside a database, CSV cells a spreadsheet
would run; and the small rough edges of issue 15 (the cron log's ``failed:`` lines, an
unknown ``--site``, ``export --since``, ``extract -``, the packaging banner).

Real processes hold and contend for the lock, real FIFOs and devices are written into, and
every archive is read back with SQLite and checked whole.
"""

from __future__ import annotations

import csv
import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
import sqlite_utils

from archive import Archive
from archive.records import Article, Fetch
from exports import write_export
from scraper.bundled_blog import BlogServer
from tests.conftest import FAST_CRAWL, Crawl, RunCli, crawl_blog

ROOT = Path(__file__).resolve().parent.parent

#: Holds the archive's lock through the Python API until its stdin closes.
_HOLD_LOCK = ("import sys; from archive.lock import ArchiveLock; "
              "lock = ArchiveLock(sys.argv[1]); lock.acquire(); print('held', flush=True); "
              "sys.stdin.read(); lock.release()")


@contextmanager
def lock_held_by_another_process(path: Path) -> Iterator[subprocess.Popen[str]]:
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        yield holder
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)


def other_paths(db: Path, kind: str) -> Path:
    """Another path to the archive file ``db`` (a symlink, a hard link), or ``db`` itself
    after whatever ``ARCHIVE.lock`` file it had was replaced (as an older release locked)."""
    if kind == "symlink":
        (db.parent / "link.db").symlink_to(db)
        return db.parent / "link.db"
    if kind == "hard link":
        os.link(db, db.parent / "hard.db")
        return db.parent / "hard.db"
    lock = Path(f"{db}.lock")
    lock.unlink(missing_ok=True)
    lock.write_text("")
    return db


def assert_whole(db: Path) -> None:
    with closing(sqlite3.connect(db)) as connection:
        assert connection.execute("pragma integrity_check").fetchone() == ("ok",)
        connection.execute("insert into articles_fts (articles_fts) values ('integrity-check')")


def posix_locks_of_this_process(db: Path) -> list[str]:
    """This process's POSIX (fcntl) locks on the file, from /proc/locks: SQLite's own."""
    status = db.stat()
    wanted = f"{os.major(status.st_dev):02x}:{os.minor(status.st_dev):02x}:{status.st_ino}"
    return [line for line in Path("/proc/locks").read_text().splitlines()
            if line.split()[1:2] == ["POSIX"] and line.split()[4:6] == [str(os.getpid()), wanted]]


def new_archive(db: Path) -> None:
    with Archive.open(db) as archive:
        run = archive.start_run("blog", "test", "1.0", "2.19")
        archive.finish_run(run, "finished", "finished", {})


# --- 4. one lock per archive file --------------------------------------------------------


@pytest.mark.parametrize("kind", ["symlink", "hard link", "lock file replaced"])
def test_a_second_crawl_of_a_locked_archive_by_any_path_exits_3(
        blog_server: BlogServer, tmp_path: Path, kind: str) -> None:
    """The lock follows the file, not its name; holding it stops neither SQLite's reads
    nor its writes (flock and SQLite's fcntl locks are separate on Linux)."""
    db = tmp_path / "archive.db"
    new_archive(db)
    with lock_held_by_another_process(db) as holder:
        other = other_paths(db, kind)
        crawl = crawl_blog(blog_server, other)
        with Archive.open(other) as archive:  # SQLite reads and writes under the flock
            run = archive.start_run("blog", "test", "1.0", "2.19")
            archive.finish_run(run, "finished", "finished", {})
            assert archive.db["crawl_runs"].count == 2
    assert crawl.result.returncode == 3, crawl.result.stderr
    assert crawl.result.stderr.splitlines() == [
        f"blog-archive: error: another crawl (pid {holder.pid}) is writing to {other.name}; "
        "try again when it has finished"]
    assert crawl.requests == []
    assert_whole(db)


def test_crawls_through_links_never_run_alongside_nor_mark_the_live_run_killed(
        fresh_blog_server: BlogServer, tmp_path: Path) -> None:
    """Three crawls at once, through the archive's name, a hard link and a symlink: the
    first archives everything and finishes; the others exit 3 and touch nothing."""
    db = tmp_path / "archive.db"
    command = [sys.executable, "-m", "scraper", "crawl", "--site", "sbiegacza-en",
               "--start-url", f"{fresh_blog_server.base_url}/en/", *FAST_CRAWL]
    first = subprocess.Popen([*command, "--db", str(db), "-s", "DOWNLOAD_DELAY=0.1"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(fresh_blog_server.request_log) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    others = [subprocess.Popen([*command, "--db", str(other_paths(db, kind))],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for kind in ("hard link", "symlink")]
    refused = [other.communicate(timeout=120) for other in others]
    assert first.poll() is None, "the first crawl ended before the others were refused"
    _, first_err = first.communicate(timeout=180)
    assert first.returncode == 1, first_err  # finished; only the bundled blog's 404 failed
    for other, (_, err) in zip(others, refused, strict=True):
        assert other.returncode == 3, err
        assert err.startswith(f"blog-archive: error: another crawl (pid {first.pid}) is "), err
        assert "Traceback" not in err
    assert "Traceback" not in first_err
    archive = sqlite_utils.Database(db)
    assert [(run["status"]) for run in archive["crawl_runs"].rows] == ["finished"]
    assert archive["articles"].count == len(fresh_blog_server.blog.article_paths("en"))
    archive.close()
    assert_whole(db)


def test_a_finished_crawl_leaves_nothing_beside_the_archive(
        blog_server: BlogServer, tmp_path: Path) -> None:
    """No lock file is made, and the one an older release left behind is removed."""
    db = tmp_path / "archive.db"
    Path(f"{db}.lock").write_text("4242")  # an older release's lock file
    crawl = crawl_blog(blog_server, db, "--max-pages", "3")
    assert crawl.result.returncode in (0, 1), crawl.result.stderr
    # the run's WARC file is the only thing kept beside it, on purpose (docs/operations.md)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["archive.db", "archive.warc"]
    assert [path.name for path in (tmp_path / "archive.warc").iterdir()] == [
        "run-000001.warc.gz"]


def test_a_stale_run_is_closed_as_killed_only_when_no_process_holds_the_lock(
        tmp_path: Path) -> None:
    """``start_run`` closes a run left ``running`` as killed, unless another process holds
    the archive's lock (through whatever path): that run is alive. Probing the lock keeps
    the POSIX locks SQLite holds on the archive in this process."""
    db = tmp_path / "archive.db"
    with Archive.open(db) as archive:
        live = archive.start_run("blog", "test", "1.0", "2.19")  # as another crawl's run
    link = tmp_path / "link.db"
    link.symlink_to(db)
    with lock_held_by_another_process(other_paths(db, "hard link")), \
            Archive.open(link) as archive:
        assert archive.db["crawl_runs"].count == 1
        sqlite_locks = posix_locks_of_this_process(db)
        assert sqlite_locks  # WAL mode: SQLite holds a read lock while the connection is open
        archive.start_run("blog", "test", "1.0", "2.19")
        assert archive.db["crawl_runs"].get(live)["status"] == "running"
        assert posix_locks_of_this_process(db)
    with Archive.open(db) as archive:
        archive.start_run("blog", "test", "1.0", "2.19")
        assert archive.db["crawl_runs"].get(live)["status"] == "killed"


# --- 5. exports write only where they may ------------------------------------------------


def export_command(db: Path, out: str | Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "scraper", "export", "--format", "jsonl", "--db", str(db),
            "--out", str(out), *args]


def test_export_into_a_fifo_streams_into_it(english_crawl: Crawl, tmp_path: Path) -> None:
    fifo = tmp_path / "articles.jsonl"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader waiting on the FIFO
    export = subprocess.Popen(export_command(english_crawl.db_path, fifo),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    received = bytearray()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            chunk = os.read(reader, 1 << 16)
        except BlockingIOError:  # the export has the FIFO open, and wrote nothing yet
            chunk = None
        if chunk:
            received += chunk
        elif export.poll() is not None:
            break
        else:
            time.sleep(0.01)
    os.close(reader)
    _, err = export.communicate(timeout=60)
    assert export.returncode == 0, err
    assert stat.S_ISFIFO(fifo.lstat().st_mode), "the FIFO was replaced by a file"
    rows = [json.loads(line) for line in received.decode().splitlines()]
    assert len(rows) == english_crawl.db["articles"].count > 0
    assert err == f"{len(rows)} rows written to {fifo}\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["articles.jsonl"]


def test_export_into_dev_null_keeps_the_device(english_crawl: Crawl, run_cli: RunCli) -> None:
    result = run_cli("export", "--format", "csv", "--db", english_crawl.db_path,
                     "--out", "/dev/null")
    assert result.returncode == 0, result.stderr
    assert stat.S_ISCHR(Path("/dev/null").stat().st_mode)
    assert not [name for name in os.listdir("/dev") if name.startswith(".null.")]
    assert result.stderr.endswith("rows written to /dev/null\n")


def test_export_into_dev_stdout_writes_into_the_stream(english_crawl: Crawl,
                                                      tmp_path: Path) -> None:
    """A redirected stdout is written into where it stands: after ``>>``, appended to."""
    log = tmp_path / "export.log"
    log.write_text("earlier line\n")
    with log.open("a") as stdout:
        result = subprocess.run(export_command(english_crawl.db_path, "/dev/stdout"),
                                stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert Path("/dev/stdout").is_symlink()
    first, *rows = log.read_text().splitlines()
    assert first == "earlier line"
    assert len([json.loads(row) for row in rows]) == english_crawl.db["articles"].count
    piped = subprocess.run(export_command(english_crawl.db_path, "/dev/stdout"),
                           capture_output=True, text=True, timeout=60)
    assert piped.returncode == 0 and piped.stdout.splitlines() == rows, piped.stderr


@pytest.mark.parametrize("target", ["archive.db-wal", "archive.db-shm", "archive.db.lock",
                                    "wal-link", "other.db-wal"])
def test_export_refuses_the_files_sqlite_keeps_beside_a_database(
        english_crawl: Crawl, tmp_path: Path, target: str) -> None:
    """While a writer has the archive open (as a crawl does), replacing its WAL would make
    every reader fail with "disk I/O error": the export is refused, nothing is touched."""
    db = tmp_path / "archive.db"
    with closing(sqlite3.connect(english_crawl.db_path)) as source, \
            closing(sqlite3.connect(db)) as copy:
        source.backup(copy)
    (tmp_path / "wal-link").symlink_to(tmp_path / "archive.db-wal")
    other = sqlite3.connect(tmp_path / "other.db")
    writer = sqlite3.connect(db)
    try:
        for connection in (writer, other):
            connection.execute("pragma journal_mode=wal")
            connection.execute("create table if not exists t (x)")
            connection.execute("insert into t values (1)")
            connection.commit()
        before = {path.name: path.read_bytes() for path in tmp_path.iterdir()
                  if path.is_file() and not path.is_symlink()}
        result = subprocess.run(export_command(db, tmp_path / target), capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 2, result.stderr
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and re.fullmatch(
            rf"blog-archive: error: --out {re.escape(str(tmp_path / target))} is the "
            r"(write-ahead log|shared-memory index|lock file) of the SQLite database \S+; "
            "writing it would break that database", lines[0]), lines
        assert {path.name: path.read_bytes() for path in tmp_path.iterdir()
                if path.is_file() and not path.is_symlink()} == before
        with closing(sqlite3.connect(db)) as reader:
            assert reader.execute("select count(*) from t").fetchone() == (1,)
    finally:
        writer.close()
        other.close()
    assert_whole(db)


FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"click\")", "+1+1", "-2+3", "@SUM(A1:A2)",
            "\tTab first", "\rReturn first"]
HARMLESS = ["A title", "'already quoted", "a=b", ""]


@pytest.fixture(scope="module")
def formula_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("formulas") / "archive.db"
    with Archive.open(db) as archive:
        run = archive.start_run("blog", "test", "1.0", "2.19")
        archive.record_fetches(run, [
            Fetch(url=f"https://blog.example/{number}/", status=200, outcome="new",
                  article=Article(url=f"https://blog.example/{number}/", title=title,
                                  author=title, word_count=-number))
            for number, title in enumerate(FORMULAS + HARMLESS, start=1)])
        archive.finish_run(run, "finished", "finished", {})
    return db


def exported_titles(out: Path) -> list[tuple[str, str, str]]:
    with out.open(encoding="utf-8", newline="") as handle:
        return [(row["title"], row["author"], row["word_count"])
                for row in csv.DictReader(handle)]


def test_csv_cells_a_spreadsheet_would_run_are_neutralised(
        formula_archive: Path, tmp_path: Path, run_cli: RunCli) -> None:
    out = tmp_path / "articles.csv"
    result = run_cli("export", "--format", "csv", "--db", formula_archive, "--out", out)
    assert result.returncode == 0, result.stderr
    rows = exported_titles(out)
    expected = [f"'{title}" for title in FORMULAS] + HARMLESS
    assert [title for title, _, _ in rows] == expected
    assert [author for _, author, _ in rows] == expected
    assert [number for _, _, number in rows] == [str(-n) for n in range(1, len(expected) + 1)]


def test_raw_csv_keeps_formulas_on_request_from_the_cli_and_the_api(
        formula_archive: Path, tmp_path: Path, run_cli: RunCli) -> None:
    out = tmp_path / "articles.csv"
    result = run_cli("export", "--format", "csv", "--db", formula_archive, "--out", out,
                     "--no-escape-formulas")
    assert result.returncode == 0, result.stderr
    assert [title for title, _, _ in exported_titles(out)] == FORMULAS + HARMLESS
    write_export(formula_archive, out, "csv", escape_formulas=False)
    assert [title for title, _, _ in exported_titles(out)] == FORMULAS + HARMLESS
    write_export(formula_archive, out, "csv")
    assert exported_titles(out)[0][0] == f"'{FORMULAS[0]}"


# --- 7. small items ----------------------------------------------------------------------


def test_failed_lines_in_the_cron_log_carry_the_run_and_the_time(english_crawl: Crawl) -> None:
    run_id = next(english_crawl.db["crawl_runs"].rows)["id"]
    failed = [line for line in english_crawl.result.stderr.splitlines()
              if line.startswith("failed:")]
    assert failed and all(re.fullmatch(
        rf"failed: \S+: .+ \(run {run_id}, \d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00\)", line)
        for line in failed), failed


def test_search_in_an_unknown_site_names_it(english_crawl: Crawl, run_cli: RunCli) -> None:
    result = run_cli("search", "roller", "--site", "nosuch", "--db", english_crawl.db_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"blog-archive: error: no site 'nosuch' in {english_crawl.db_path} "
        "(it holds sbiegacza-en)"]
    known = run_cli("search", "roller", "--site", "sbiegacza-en", "--db",
                    english_crawl.db_path)
    assert known.returncode == 0 and known.stdout.startswith("1. "), known.stderr


def test_export_since_takes_what_changed_at_or_after_the_date(tmp_path: Path,
                                                              run_cli: RunCli) -> None:
    """A run that started before DATE and captured a change after it: the change is
    exported (and its run, finished after DATE); one captured before DATE is not."""
    db = tmp_path / "archive.db"
    urls = [f"https://blog.example/{slug}/" for slug in ("before", "after", "removed")]
    with Archive.open(db) as archive:
        first = archive.start_run("blog", "test", "1.0", "2.19")
        archive.record_fetches(first, [Fetch(url=url, status=200, outcome="new",
                                             article=Article(url=url, title=url))
                                       for url in urls])
        archive.finish_run(first, "finished", "finished", {})
        second = archive.start_run("blog", "test", "1.0", "2.19")
        archive.record_fetches(second, [
            Fetch(url=urls[1], status=200, outcome="new",
                  article=Article(url=urls[1], title="edited")),
            Fetch(url=urls[2], status=404, outcome="error", error="HTTP 404")])
        archive.finish_run(second, "finished", "finished", {})
        archive.db.execute("update crawl_runs set started_at = '2024-01-01T09:00:00+00:00', "
                           "finished_at = '2024-01-01T09:10:00+00:00' where id = ?", [first])
        archive.db.execute("update article_versions set captured_at = "
                           "'2024-01-01T09:05:00+00:00' where crawl_run_id = ?", [first])
        archive.db.execute("update crawl_runs set started_at = '2024-02-01T09:58:00+00:00', "
                           "finished_at = '2024-02-01T10:20:00+00:00' where id = ?", [second])
        archive.db.execute("update article_versions set captured_at = "
                           "'2024-02-01T10:05:00+00:00' where crawl_run_id = ?", [second])
        archive.db.execute("update fetches set fetched_at = case crawl_run_id when ? then "
                           "'2024-01-01T09:05:00+00:00' else '2024-02-01T10:05:00+00:00' end",
                           [first])
    out = tmp_path / "news.jsonl"
    since = ("--since", "2024-02-01T10:00:00Z")
    result = run_cli("export", "--format", "jsonl", "--db", db, "--out", out, *since)
    assert result.returncode == 0, result.stderr
    news = {row["url"]: row["status"] for row in map(json.loads, out.read_text().splitlines())}
    assert news == {urls[1]: "live", urls[2]: "gone"}
    assert write_export(db, out, "jsonl", table="runs", since="2024-02-01T10:00:00Z") == 1
    assert json.loads(out.read_text())["id"] == second
    assert write_export(db, out, "jsonl", table="runs", since="2024-02-01T10:30:00Z") == 0
    assert write_export(db, out, "jsonl", since="2024-02-01T10:30:00Z") == 0


def test_extract_dash_reads_the_page_from_stdin() -> None:
    """As ``export --out -`` writes stdout, ``extract -`` reads stdin."""
    html = (b"<html><head><title>Piped</title></head><body><article><h1>Piped</h1>"
            b"<p>Text of a page read from standard input.</p></article></body></html>")
    result = subprocess.run([sys.executable, "-m", "scraper", "extract", "-"], input=html,
                            capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    page = json.loads(result.stdout)
    assert (page["url"], page["title"]) == ("file:///dev/stdin", "Piped")


def test_the_package_metadata_raises_no_setuptools_deprecation(tmp_path: Path) -> None:
    """What ``pip install`` prints as setuptools' banner is this deprecation warning, raised
    while setuptools reads pyproject.toml: read it the same way, with warnings recorded."""
    from setuptools.config.pyprojecttoml import apply_configuration
    from setuptools.dist import Distribution

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        distribution = apply_configuration(Distribution(), ROOT / "pyproject.toml")
    deprecations = [str(w.message) for w in caught if "Deprecat" in w.category.__name__]
    assert deprecations == []
    assert distribution.metadata.license_expression == "Apache-2.0"

