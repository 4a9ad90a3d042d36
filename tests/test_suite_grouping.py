"""The suite's own scheduling: tests that share an expensive fixture (one quick bench, one
served blog, one browser) say so with ``xdist_group``, and ``make test`` relies on
``--dist loadgroup`` sending each group to one worker. A pytest release that drops the mark
(pytest 9.2 did: pytest-dev/pytest-xdist#1386) makes every worker build those fixtures again,
and the suite outgrows its ten minutes without a single test failing; this test fails instead.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path


def test_one_xdist_group_runs_on_one_worker(tmp_path: Path) -> None:
    (tmp_path / "test_grouped.py").write_text(
        "import pytest\n"
        "pytestmark = pytest.mark.xdist_group('shared')\n"
        "@pytest.mark.parametrize('n', range(6))\n"
        "def test_grouped(n):\n"
        "    pass\n", encoding="utf-8")
    (tmp_path / "test_free.py").write_text(
        "def test_free_one():\n    pass\n\ndef test_free_two():\n    pass\n", encoding="utf-8")

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "2",
         "--dist", "loadgroup", "-v", "--rootdir", str(tmp_path), str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stdout + result.stderr
    workers = set(re.findall(r"\[(gw\d+)\].*test_grouped", result.stdout))
    assert len(re.findall(r"PASSED .*test_grouped", result.stdout)) == 6
    assert len(workers) == 1, result.stdout
