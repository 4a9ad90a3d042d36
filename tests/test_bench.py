"""Smoke test of the benchmark harness: ``python -m bench --quick`` runs end to end.

Nothing here judges a timing (the quick sizes are far too small to mean anything, and the
bench reports missed targets rather than failing on them); it checks that every figure of
issue 8 is measured, printed with its target and verdict, and written to results.md, and that
the plot is drawn. ``make test`` installs the ``bench`` extra, so this always runs.
"""

from __future__ import annotations

import fcntl
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.xdist_group("bench")

ROOT = Path(__file__).resolve().parents[1]

#: Every figure issue 8 names a target for, as the table starts its row.
FIGURES_WITH_TARGETS = (
    "crawl pages/s, N=",
    "re-crawl time / first crawl, N=",
    "crawl peak RSS, N=",
    "crawl RSS growth ÷ N growth",
    "extraction time / lxml parse time",
    "extraction speed-up over trafilatura metadata + htmldate",
    "archive upsert+FTS speed / sqlite-utils insert_all+FTS",
    "search p95,",
    "export jsonl speed / sqlite-utils rows --nl",
    "export csv speed / sqlite-utils rows --csv",
    "export jsonl peak RSS",
    "export csv peak RSS",
    "body F1 (",
    "real articles called non-articles",
    "publish date, exact day, without the URL",
    "undated pages given no date",
    "extraction speed-up over trafilatura bare_extraction, ScrapingHub set",
    "re-extraction (read WARC + extract + write versions) / extract() alone",
    "WARC capture: crawl pages/s, on ÷ off",
    "WARC bytes per article, unchanged re-crawl",
    # issue 18: the one writer, and a local crawl whose writes run in a process of their own
    "writer rows/s (ingest from Redis)",
    "crawl pages/s, writer process, N=",
)


def small_corpora(folder: Path) -> Path:
    """Both real-page sets in their published layout, made of two saved pages: the harness is
    checked on any checkout, with or without ``../shared/corpora`` beside it."""
    pages = {"polish_article": ROOT / "tests/pages/polish_article.html",
             "listing": ROOT / "tests/pages/listing.html"}
    for name, layout in (("aeb", "{}.html.gz"), ("dates-mediacloud", "{}.gz")):
        (folder / name / "html").mkdir(parents=True)
        truth = {}
        for key, path in pages.items():
            (folder / name / "html" / layout.format(key)).write_bytes(
                gzip.compress(path.read_bytes()))
            url = f"https://example.org/{key}/"
            truth[key if name == "aeb" else url] = (
                {"articleBody": "Some gold text of the article, four words.", "url": url}
                if name == "aeb" else {"file": key, "date": "2023-04-05"})
        (folder / name / "ground-truth.json").write_text(json.dumps(truth), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def quick_bench(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """One quick bench for the whole session, whichever pytest-xdist worker asks first: the
    workers share the base temporary folder's parent, and a lock on a file there makes the
    others wait for the first one's results instead of running the bench again."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    out = shared / "quick-bench"
    printed = shared / "quick-bench.stdout"
    with (shared / "quick-bench.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not printed.exists():
            corpora = small_corpora(tmp_path_factory.mktemp("corpora"))
            result = subprocess.run([sys.executable, "-m", "bench", "--quick", "--out",
                                     str(out), "--corpora", str(corpora)],
                                    cwd=ROOT, capture_output=True, text=True, timeout=420)
            assert result.returncode == 0, result.stderr
            printed.write_text(result.stdout, encoding="utf-8")
    return printed.read_text(encoding="utf-8"), out


def rows_starting(lines: list[str], figure: str) -> list[str]:
    return [line for line in lines if line.lstrip("| ").startswith(figure)]


@pytest.mark.parametrize("figure", FIGURES_WITH_TARGETS)
def test_table_lists_figure_with_target_and_verdict(quick_bench: tuple[str, Path],
                                                    figure: str) -> None:
    printed, out = quick_bench
    markdown = (out / "results.md").read_text(encoding="utf-8")
    for lines in (printed.splitlines(), markdown.splitlines()):
        rows = rows_starting(lines, figure)
        assert rows, f"no row for {figure!r}"
        for row in rows:
            assert "≤" in row or "≥" in row, row
            assert row.rstrip(" |").endswith(("met", "MISSED")), row


def test_results_md_describes_the_machine_and_the_run(quick_bench: tuple[str, Path]) -> None:
    markdown = (quick_bench[1] / "results.md").read_text(encoding="utf-8")
    for name in ("CPU", "RAM", "Python", "Scrapy", "SQLite", "Date"):
        assert f"* {name}: " in markdown
    assert "Crawl repeats per blog size N" in markdown
    assert "targets met" in markdown


def test_plot_is_a_png(quick_bench: tuple[str, Path]) -> None:
    png = quick_bench[1] / "results.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_scratch_files_are_removed(quick_bench: tuple[str, Path]) -> None:
    assert sorted(path.name for path in quick_bench[1].iterdir()) == ["results.md",
                                                                      "results.png"]
