"""The scheduling recipes of docs/operations.md, run as written against the bundled blog."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import sqlite_utils

from archive.captures import captured_articles, stored_response
from archive.records import Article, Fetch
from archive.stream import publish_fetches, publish_run_end, publish_run_start
from scraper import settings
from scraper.bounds import BOUND_SETTINGS
from scraper.bundled_blog.server import BlogServer
from tests.conftest import FAST_CRAWL, Crawl
from tests.redis_server import RedisServer
from tests.test_captures import PAGE, URL, WarcFile

DOC = Path(__file__).resolve().parents[1] / "docs" / "operations.md"
DOC_ROOT = "/srv/blog-archive"


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(), flags=re.DOTALL)


def installation(tmp_path: Path) -> Path:
    """A stand-in for /srv/blog-archive: a folder whose .venv is the one running the tests."""
    root = tmp_path / "srv"
    root.mkdir()
    (root / ".venv").symlink_to(Path(sys.executable).parents[1])
    return root


def bundled_site(server: BlogServer) -> str:
    """What turns a documented crawl of the real blog into one of the bundled copy."""
    return shlex.join(["--site", "sbiegacza-en", "--start-url", f"{server.base_url}/en/",
                       *FAST_CRAWL])


def test_crontab_line_crawls_and_logs(blog_server: BlogServer, tmp_path: Path) -> None:
    (block,) = code_blocks("crontab")
    fields = block.strip().split(maxsplit=5)
    assert len(fields) == 6 and fields[:5] == ["17", "*", "*", "*", "*"]
    root = installation(tmp_path)
    command = fields[5].replace(DOC_ROOT, str(root)).replace(
        " --quiet", f" --quiet {bundled_site(blog_server)}")
    result = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True,
                            timeout=180)
    assert result.returncode == 1  # the bundled blog has one deliberately missing page
    log = (root / "crawl.log").read_text()
    assert [line for line in log.splitlines() if line.startswith("failed:")] and \
        "Traceback" not in log
    archive = sqlite_utils.Database(root / "archive.db")
    assert archive["articles"].count == len(blog_server.blog.article_paths("en"))
    assert next(archive["crawl_runs"].rows)["trigger"] == "cron"


def test_systemd_service_runs_and_its_exit_status_counts_as_success(
    blog_server: BlogServer, tmp_path: Path
) -> None:
    service = next(block for block in code_blocks("ini") if "[Service]" in block)
    keys = dict(re.findall(r"^(\w+)=(.*)$", service, flags=re.MULTILINE))
    root = installation(tmp_path)
    assert keys["WorkingDirectory"] == DOC_ROOT
    command = keys["ExecStart"].replace(DOC_ROOT, str(root))
    result = subprocess.run([*shlex.split(command), *shlex.split(bundled_site(blog_server))],
                            cwd=root, capture_output=True, text=True, timeout=180)
    success = {0, *map(int, keys["SuccessExitStatus"].split())}
    assert result.returncode in success, result.stderr
    assert result.stdout == ""  # --quiet: the journal gets failures only
    archive = sqlite_utils.Database(root / "archive.db")
    assert next(archive["crawl_runs"].rows)["trigger"] == "systemd"



def test_reextract_example_runs_as_written(english_crawl: Crawl, tmp_path: Path) -> None:
    """The documented commands, run in a folder holding a crawled archive and its WARC files:
    each prints its summary and exits 0; the archive gains one reextract run per real one."""
    section = DOC.read_text().split("## Re-extraction", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL)
    shutil.copyfile(english_crawl.db_path, tmp_path / "archive.db")
    shutil.copytree(english_crawl.db_path.parent / "archive.warc", tmp_path / "archive.warc")
    path = f"{Path(sys.executable).parent}:{os.environ['PATH']}"
    for command in block.strip().splitlines():
        result = subprocess.run(["/bin/sh", "-c", command], cwd=tmp_path, capture_output=True,
                                text=True, timeout=180, env={**os.environ, "PATH": path})
        assert result.returncode == 0, (command, result.stderr)
        assert result.stdout.startswith("reextract, "), command
    runs = sqlite_utils.Database(tmp_path / "archive.db")["crawl_runs"]
    assert [run["trigger"] for run in runs.rows_where("trigger = 'reextract'")] == \
        ["reextract"] * sum("--dry-run" not in line for line in block.strip().splitlines())


def test_bounds_table_gives_every_bound_and_its_default() -> None:
    section = DOC.read_text().split("## Bounds", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| [^|]+ \| ([\d,]+) \| [^|]*-s (\w+)=", section, flags=re.MULTILINE)
    documented = {name: int(default.replace(",", "")) for default, name in rows}
    assert documented == {name: getattr(settings, name) for name in BOUND_SETTINGS}


def test_warc_recipes_read_a_page_and_prune_a_run_the_archive_no_longer_needs(
        blog_server: BlogServer, tmp_path: Path) -> None:
    """The Python snippet reads an article's stored answer; the pruning queries name the
    first run's file as the one to keep after an unchanged re-crawl, and once the second
    run's file is deleted as they say, the next crawl and the WACZ export still work."""
    for _ in range(2):
        subprocess.run([sys.executable, "-m", "scraper", "crawl", "--db", "archive.db",
                        *shlex.split(bundled_site(blog_server))],
                       cwd=tmp_path, capture_output=True, timeout=180)
    (snippet,) = code_blocks("python")
    path = "/en/how-to-roll-your-back-exercises-for-back-pain/"
    snippet = re.sub(r'url = "[^"]+"', f'url = "{blog_server.base_url}{path}"', snippet)
    read = subprocess.run([sys.executable, "-c", snippet], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    body = blog_server.blog.resolve(path, blog_server.base_url).body
    assert read.stdout == f"200 text/html; charset=UTF-8 {len(body)} bytes\n", read.stderr
    keep_query, forget = code_blocks("sql")
    db = sqlite_utils.Database(tmp_path / "archive.db")
    assert [row["warc_path"] for row in db.query(keep_query)] == [
        "archive.warc/run-000001.warc.gz"]
    (tmp_path / "archive.warc" / "run-000002.warc.gz").unlink()
    db.execute(forget.replace("run-000041", "run-000002"))
    db.conn.commit()
    assert db.execute("select count(*) from fetches where warc_path like '%run-000002%'"
                      ).fetchone()[0] == 0
    db.close()
    for command in (["crawl", "--db", "archive.db", *shlex.split(bundled_site(blog_server))],
                    ["export", "--format", "wacz", "--db", "archive.db", "--out", "a.wacz"]):
        result = subprocess.run([sys.executable, "-m", "scraper", *command], cwd=tmp_path,
                                capture_output=True, text=True, timeout=180)
        assert result.returncode == 0, result.stderr


def test_ingest_service_writes_the_archive_from_redis(redis: RedisServer, tmp_path: Path) -> None:
    """The ingest unit's ExecStart, pointed at the test's Redis, writes what a crawler
    process pushed (``--once`` in place of running until stopped)."""
    service = next(block for block in code_blocks("ini") if "ingest" in block)
    keys = dict(re.findall(r"^(\w+)=(.*)$", service, flags=re.MULTILINE))
    assert keys["WorkingDirectory"] == DOC_ROOT
    root = installation(tmp_path)
    command = shlex.split(keys["ExecStart"].replace(DOC_ROOT, str(root)))
    command[command.index("--redis") + 1] = redis.url
    client = redis.client()
    publish_run_start(client, "run", "blog", "test", {"app": "1", "scrapy": "2.19"})
    publish_fetches(client, "run", "blog", "crawler", [
        Fetch(url="https://blog.example/a/", status=200, outcome="new",
              article=Article(url="https://blog.example/a/", title="A", body_text="Run."))])
    publish_run_end(client, "run", "finished")
    result = subprocess.run([*command, "--once"], cwd=root, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""  # --quiet
    archive = sqlite_utils.Database(root / "archive.db")
    assert [row["title"] for row in archive["articles"].rows] == ["A"]
    assert next(archive["crawl_runs"].rows)["status"] == "finished"


def test_pruning_keeps_the_only_copy_of_an_article_since_gone(tmp_path: Path) -> None:
    """Run 1 stores the article whole, run 2 confirms it with a 304, run 3 finds it gone (a
    404, now the URL's newest response): run 1's file holds its only copy and is kept; once
    the others are pruned as documented, re-extraction still reads it."""
    keep_query, forget = code_blocks("sql")
    db = tmp_path / "archive.db"
    files = [f"archive.warc/run-00000{run}.warc.gz" for run in (1, 2, 3)]
    first = WarcFile(db, files[0])
    article = first.db["articles"].insert({
        "url": URL, "site": "test", "status": "gone", "content_hash": "x",
        "first_seen_run": first.run_id, "last_changed_run": first.run_id}).last_pk
    stored = first.response(PAGE, date="2026-12-01T10:00:00Z", article_id=article,
                            outcome="new")
    first.close()
    second = WarcFile(db, files[1])
    second.revisit(stored, article_id=article, outcome="not_modified")
    second.close()
    third = WarcFile(db, files[2])
    try:
        third.response(b"Not found", date="2026-12-03T10:00:00Z", status=404,
                       article_id=article, outcome="gone")
        archive = third.db
        assert [row["warc_path"] for row in archive.query(keep_query)] == [files[0]]
        for pruned in files[1:]:
            archive.execute(forget.replace("archive.warc/run-000041.warc.gz", pruned))
            (tmp_path / pruned).unlink()
        (found,) = captured_articles(archive, [article])
        assert stored_response(archive, db, found.capture).body == PAGE
    finally:
        third.close()
