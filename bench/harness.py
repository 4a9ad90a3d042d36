"""Timing, repeats, child processes and the results table, shared by every measured area.

This machine is shared and noisy, so no absolute time means much on its own: every figure is
a median over repeats with its min–max spread, and is set against a baseline measured in the
same run, the two interleaved (A B A B ...) so both meet the same noise. A ratio is taken per
pair and then summarised, so a slow moment hits the pair it fell in, not only one side.
"""

from __future__ import annotations

import multiprocessing
import os
import platform
import sqlite3
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, Literal, TypeVar

import psutil

MB = 1024 * 1024
#: The repository root: children run here, so ``python -m bench.…`` resolves from any cwd.
ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


@contextmanager
def scratch(prefix: str) -> Iterator[Path]:
    """A folder of its own under bench/out, removed afterwards even on error: a section run
    alone writes its archives where the full bench does (the checkout's disk, not a tmpfs
    that would flatter SQLite's syncs), and never into another run's folder."""
    (ROOT / "bench" / "out").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=prefix, dir=ROOT / "bench" / "out") as work:
        yield Path(work)


def in_fresh_process(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` in a newly spawned interpreter, its result sent back.

    For a section that times parsing in its own process: what an earlier section leaves in
    the process (lxml's per-thread parser dictionary, caches, a fragmented heap) slowed
    ``extract()`` on the real pages by a fifth after the re-extraction section had run (123
    against 104 pages/s) while trafilatura, parsing with its own parser, kept its speed; the
    section's figure depended on the order of the sections, not on the code measured.
    """
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


@dataclass(frozen=True)
class Sample:
    """Repeated measurements of one quantity; reported as median (min–max, n)."""

    values: tuple[float, ...]

    @classmethod
    def of(cls, values: Sequence[float]) -> Sample:
        if not values:
            raise ValueError("a sample needs at least one value")
        return cls(tuple(values))

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def map(self, function: Callable[[float], float]) -> Sample:
        return Sample(tuple(function(value) for value in self.values))

    def per(self, other: Sample) -> Sample:
        """Element-wise ratio ``self / other`` of paired (interleaved) measurements."""
        return Sample(tuple(a / b for a, b in zip(self.values, other.values, strict=True)))

    def show(self, unit: str = "") -> str:
        unit = f" {unit}" if unit else ""
        if len(self.values) == 1:
            return f"{number(self.median)}{unit} (n=1)"
        low, high = min(self.values), max(self.values)
        return f"{number(self.median)}{unit} ({number(low)}–{number(high)}, n={len(self.values)})"


def number(value: float) -> str:
    """Three significant figures or so, without scientific notation."""
    size = abs(value)
    if size >= 100:
        return f"{value:,.0f}"
    if size >= 10:
        return f"{value:.1f}"
    if size >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


@dataclass(frozen=True)
class Target:
    """What a figure should reach: the median of ``on`` (``value`` or ``ratio``) compared with
    ``limit``; ``at_most`` for ceilings (time, memory), else a floor (speed)."""

    on: Literal["value", "ratio"]
    limit: float
    at_most: bool

    def text(self, unit: str) -> str:
        sign = "≤" if self.at_most else "≥"
        return f"{self.on} {sign} {number(self.limit)}{' ' + unit if self.on == 'value' else ''}"


def at_least(limit: float, on: Literal["value", "ratio"] = "ratio") -> Target:
    return Target(on=on, limit=limit, at_most=False)


def at_most(limit: float, on: Literal["value", "ratio"] = "ratio") -> Target:
    return Target(on=on, limit=limit, at_most=True)


@dataclass(frozen=True)
class Row:
    """One line of the results table. ``baseline`` is measured in the same run, interleaved
    with ``value``; ``ratio`` is taken per pair (see :meth:`Sample.per`) except where a figure
    compares sizes measured at different times (memory growth), where it is of medians."""

    figure: str
    value: Sample
    unit: str
    baseline: Sample | None = None
    baseline_name: str = ""
    ratio: Sample | None = None
    target: Target | None = None

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        judged = self.ratio if self.target.on == "ratio" else self.value
        if judged is None:
            return None
        if self.target.at_most:
            return judged.median <= self.target.limit
        return judged.median >= self.target.limit

    def cells(self) -> list[str]:
        baseline = "—"
        if self.baseline is not None:
            baseline = f"{self.baseline_name}: {self.baseline.show(self.unit)}"
        verdict = {None: "—", True: "met", False: "MISSED"}[self.met]
        return [
            self.figure,
            self.value.show(self.unit),
            baseline,
            self.ratio.show() if self.ratio is not None else "—",
            self.target.text(self.unit) if self.target is not None else "—",
            verdict,
        ]


HEADER = ["Figure", "Value: median (min–max, n)", "Baseline (same run)", "Ratio", "Target",
          "Met"]


def text_table(rows: Sequence[Row]) -> str:
    """The table as aligned plain text, for the terminal."""
    lines = [HEADER, *(row.cells() for row in rows)]
    widths = [max(len(line[column]) for line in lines) for column in range(len(HEADER))]
    rendered = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
                .rstrip() for line in lines]
    rendered.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(rendered)


def markdown_table(rows: Sequence[Row]) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    return "\n".join([line(HEADER), line(["---"] * len(HEADER)),
                      *(line(row.cells()) for row in rows)])


def interleave(*runs: Callable[[], T], repeats: int) -> list[list[T]]:
    """Call the runs in turn (A B A B ... or A B C A B C ...) ``repeats`` times; each returns
    its own measurement. Returns one list of measurements per run."""
    results: list[list[T]] = [[] for _ in runs]
    for _ in range(repeats):
        for run, measured in zip(runs, results, strict=True):
            measured.append(run())
    return results


def timed(function: Callable[[], object]) -> float:
    """Seconds ``function`` takes, on the monotonic high-resolution clock."""
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


@dataclass(frozen=True)
class ChildRun:
    """A finished child process: wall time, its own peak RSS in bytes, and exit code; and
    the CPU time it used (user + system), which a busy machine disturbs less than wall time."""

    seconds: float
    peak_rss: int
    returncode: int
    cpu_seconds: float = 0.0


class ChildFailed(RuntimeError):
    """A measured command exited with a code it should not have; the message names its log."""


#: How often a running child's memory high-water mark is read: often enough that the growth
#: after the last read is negligible, rarely enough to cost the machine nothing.
POLL_SECONDS = 0.005


def run_child(args: Sequence[str | Path], *, log: Path, stdout: Path | None = None,
              timeout: float = 900, ok_codes: tuple[int, ...] = (0,)) -> ChildRun:
    """Run ``args`` from the repository root and measure it.

    The peak RSS is the kernel's high-water mark of the child's own memory (``VmHWM``), read
    while it runs. The ``ru_maxrss`` that ``wait4`` reports would be wrong here: a child
    forked from this process starts with this process's pages counted, and keeps that peak
    across ``exec``, so every child would seem at least as big as the bench itself.
    """
    with (open(stdout or os.devnull, "wb") as out, open(log, "wb") as err):
        started = time.perf_counter()
        process = subprocess.Popen([str(arg) for arg in args], stdout=out, stderr=err, cwd=ROOT)
        peak = 0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            peak = max(peak, _high_water_mark(process.pid))
            if time.perf_counter() - started > timeout:
                process.kill()
            time.sleep(POLL_SECONDS)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in ok_codes:
        raise ChildFailed(f"{' '.join(map(str, args[:3]))} ... exited {process.returncode}; "
                          f"see {log}")
    return ChildRun(seconds=seconds, peak_rss=peak, returncode=process.returncode,
                    cpu_seconds=usage.ru_utime + usage.ru_stime)


def _high_water_mark(pid: int) -> int:
    """Peak resident memory of a live process in bytes (Linux ``VmHWM``; elsewhere the current
    RSS, which polling turns into a close lower bound); 0 once it has exited."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        try:
            return psutil.Process(pid).memory_info().rss
        except psutil.Error:
            return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0  # a zombie: the process has exited and its memory is gone


def machine() -> dict[str, str]:
    """What the figures were measured on, for results.md."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "CPU": f"{cpu}, {os.cpu_count()} logical CPUs",
        "RAM": f"{psutil.virtual_memory().total / 1024 ** 3:.1f} GiB",
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "Scrapy": metadata.version("scrapy"),
        "SQLite": sqlite3.sqlite_version,
        "sqlite-utils": metadata.version("sqlite-utils"),
        "lxml": metadata.version("lxml"),
        "trafilatura": metadata.version("trafilatura"),
        "htmldate": metadata.version("htmldate"),
        "Date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
