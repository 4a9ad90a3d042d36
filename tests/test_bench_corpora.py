"""The real-page scorer of ``bench.corpora``: the benchmark's shingle metric, worked by hand,
and one clear line when the corpora are not where the bench looks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.corpora import BodyPage, BodyScore, shingle_counts

ROOT = Path(__file__).resolve().parents[1]


def test_shingle_counts_are_normalised_per_page() -> None:
    # gold "a b c d e": shingles abcd, bcde; predicted "a b c d x": abcd, bcdx
    assert shingle_counts("a b c d e", "a b c d x") == pytest.approx((1 / 3, 1 / 3, 1 / 3))


def test_short_texts_are_one_shingle_and_empty_texts_none() -> None:
    assert shingle_counts("two words", "two words") == (1.0, 0.0, 0.0)
    assert shingle_counts("", "") == (0.0, 0.0, 0.0)
    assert shingle_counts("gold only here", "") == (0.0, 0.0, 1.0)


def test_precision_skips_empty_predictions_and_recall_counts_them_as_zero() -> None:
    score = BodyScore()
    score.add(BodyPage("1", "u", b"", "a b c d e"), "a b c d e")
    score.add(BodyPage("2", "u", b"", "a b c d e"), "", is_article=False)
    assert (score.precision, score.recall, score.exact, score.non_articles) == (1.0, 0.5, 1, 1)
    assert score.f1 == pytest.approx(2 / 3)


def test_bench_without_corpora_says_where_it_looked(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "bench", "--quick", "--out", str(tmp_path),
                             "--corpora", str(tmp_path / "nowhere")],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert f"no {tmp_path / 'nowhere' / 'aeb' / 'ground-truth.json'}" in result.stderr
    assert "Traceback" not in result.stderr
