"""Export figures: speed against ``sqlite-utils rows`` and peak memory as the archive grows.

Both sides are the command a user runs, in a child process, writing a file: ``blog-archive
export --format jsonl|csv --out FILE`` against ``sqlite-utils rows DB articles --nl|--csv``
with stdout sent to a file. Ours does more per row (teasers nested in every JSON object), so
parity is the target. Memory must not grow with the archive: an export streams its rows.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from bench.harness import MB, ChildRun, Row, Sample, at_least, at_most, interleave, run_child

#: (our --format, the sqlite-utils rows flag for the same layout)
FORMATS = (("jsonl", "--nl"), ("csv", "--csv"))


@dataclass
class ExportRuns:
    """The runs of one format at one archive size, paired by repeat."""

    format: str
    size: int
    ours: list[ChildRun]
    baseline: list[ChildRun]

    def rate(self, runs: list[ChildRun]) -> Sample:
        return Sample.of([self.size / run.seconds for run in runs])

    def rss_mb(self) -> Sample:
        return Sample.of([run.peak_rss / MB for run in self.ours])


def measure(db: Path, size: int, repeats: int, work: Path) -> list[ExportRuns]:
    results = []
    for export_format, flag in FORMATS:
        out = work / f"export.{export_format}"
        ours_command = [sys.executable, "-m", "scraper", "export", "--format", export_format,
                        "--db", str(db), "--out", str(out)]
        baseline_command = [sys.executable, "-m", "sqlite_utils", "rows", str(db), "articles",
                            flag]

        def ours(command: list[str] = ours_command) -> ChildRun:
            return run_child(command, log=work / "export.log")

        def baseline(command: list[str] = baseline_command,
                     out: Path = work / f"sqlite-utils.{export_format}") -> ChildRun:
            return run_child(command, log=work / "export.log", stdout=out)

        ours_runs, baseline_runs = interleave(ours, baseline, repeats=repeats)
        results.append(ExportRuns(export_format, size, ours_runs, baseline_runs))
        for path in work.glob("*." + export_format):
            path.unlink()
    return results


def speed_rows(results: list[ExportRuns]) -> list[Row]:
    rows = []
    for runs in results:
        flag = dict(FORMATS)[runs.format]
        ours, baseline = runs.rate(runs.ours), runs.rate(runs.baseline)
        rows.append(Row(f"export {runs.format} speed / sqlite-utils rows {flag}, "
                        f"{runs.size:,} articles", ours, "rows/s", baseline,
                        f"sqlite-utils rows {flag}", ours.per(baseline), at_least(1.0)))
    return rows


def memory_rows(small: list[ExportRuns], large: list[ExportRuns]) -> list[Row]:
    """Peak RSS at the larger archive against the smaller, per format."""
    rows = []
    for low, high in zip(small, large, strict=True):
        growth = high.rss_mb().median / low.rss_mb().median
        rows.append(Row(f"export {high.format} peak RSS, {high.size:,} vs {low.size:,} articles",
                        high.rss_mb(), "MB", low.rss_mb(), f"at {low.size:,}",
                        Sample.of([growth]), at_most(1.2)))
    return rows
