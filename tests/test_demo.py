"""``blog-archive demo``, run as ``make demo`` runs it, in a fresh folder."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import sqlite_utils

from scraper.bundled_blog import BundledBlog
from tests.conftest import RunCli, tool


def test_demo_archives_every_article_and_exports_it(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("demo", "--out", "demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "demo"
    blog = BundledBlog()
    total = len(blog.article_paths("en"))
    summary = result.stdout
    assert f"{total} of the site's {total} articles archived" in summary
    failed = re.findall(r"^  (http://\S+): (.+)$", summary, re.M)
    assert [(url.split(":", 2)[2].split("/", 1)[1], why) for url, why in failed] == [
        (blog.awkward["missing_404"].lstrip("/"), "HTTP 404")]
    assert "Pages that failed: 1" in summary
    assert "redirected: " in summary and blog.awkward["redirect_301"] in summary
    hits = summary.split("Search 'roller':", 1)[1]
    assert "How to roll your back? Exercises for back pain" in hits

    archive = sqlite_utils.Database(out / "archive.db")
    assert archive["articles"].count == total
    # the run's WARC file, read back as a replay tool reads it
    warc = out / "archive.warc" / "run-000001.warc.gz"
    assert f"Kept every answer as WARC records in {Path('demo') / 'archive.warc' / warc.name}" \
        in summary
    checked = tool("warcio", "check", warc)
    assert checked.returncode == 0, checked.stdout
    indexed = {json.loads(line.split(" ", 2)[2])["url"]
               for line in tool("cdxj-indexer", warc).stdout.splitlines()}
    assert {row["url"] for row in archive["fetches"].rows_where("status is not null")} \
        <= indexed
    assert len(json.loads((out / "articles.json").read_text(encoding="utf-8"))) == total
    assert len((out / "articles.jsonl").read_text(encoding="utf-8").splitlines()) == total
    with (out / "articles.csv").open(encoding="utf-8", newline="") as handle:
        assert len(list(csv.DictReader(handle))) == total
    with (out / "teasers.csv").open(encoding="utf-8", newline="") as handle:
        assert len(list(csv.DictReader(handle))) == archive["teasers"].count


def test_demo_run_twice_starts_from_scratch(run_cli: RunCli, tmp_path: Path) -> None:
    for _ in range(2):
        result = run_cli("demo", "--out", "demo", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    archive = sqlite_utils.Database(tmp_path / "demo" / "archive.db")
    assert archive["crawl_runs"].count == 1
    assert [path.name for path in (tmp_path / "demo" / "archive.warc").iterdir()] == [
        "run-000001.warc.gz"]
