"""results.png: how crawl time and peak memory grow with the size of the blog.

Medians with min–max bars, on log–log axes so that linear growth is a line of slope one and
anything flatter is sublinear; the memory target is drawn in. The figure is drawn on the Agg
canvas directly, not through pyplot: no display is needed and no global state is touched.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from bench.crawl import SizeResult
from bench.harness import Sample

MEMORY_TARGET_MB = 250


def _series(axes: Axes, sizes: list[int], samples: list[Sample], label: str) -> None:
    medians = [sample.median for sample in samples]
    below = [sample.median - min(sample.values) for sample in samples]
    above = [max(sample.values) - sample.median for sample in samples]
    axes.errorbar(sizes, medians, yerr=[below, above], marker="o", capsize=3, label=label)


def write(results: list[SizeResult], path: Path) -> None:
    sizes = [result.synthetic for result in results]
    figure = Figure(figsize=(11, 4.5))
    FigureCanvasAgg(figure)
    time_axes, memory_axes = figure.subplots(1, 2)
    for runs, label in (("first", "blog-archive crawl"), ("bare", "bare Scrapy, same URLs"),
                        ("second", "re-crawl, unchanged blog")):
        _series(time_axes, sizes, [r.seconds(getattr(r, runs)) for r in results], label)
    for runs, label in (("first", "blog-archive crawl"), ("bare", "bare Scrapy, same URLs")):
        _series(memory_axes, sizes, [r.rss_mb(getattr(r, runs)) for r in results], label)
    memory_axes.axhline(MEMORY_TARGET_MB, color="grey", linestyle="--",
                        label=f"target ≤ {MEMORY_TARGET_MB} MB")
    for axes, title, unit in ((time_axes, "Crawl wall time", "seconds"),
                              (memory_axes, "Peak RSS of the crawl process", "MB")):
        axes.set_xscale("log")
        axes.set_yscale("log")
        axes.set_xlabel("synthetic posts in the blog (N)")
        axes.set_ylabel(unit)
        axes.set_title(title)
        axes.set_xticks(sizes, [f"{size:,}" for size in sizes])
        axes.xaxis.set_minor_formatter(NullFormatter())
        plain = FuncFormatter(lambda value, _: f"{value:g}")
        axes.yaxis.set_major_formatter(plain)
        low, high = axes.get_ylim()  # label minor ticks only when few decades leave few labels
        axes.yaxis.set_minor_formatter(plain if high / low < 10 else NullFormatter())
        axes.grid(True, which="both", alpha=0.3)
        axes.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
