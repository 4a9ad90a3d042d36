"""``stats --plot``: the two charts of :mod:`archive.charts` as one PNG, drawn by matplotlib.

matplotlib is an optional extra (``pip install 'blog-archive[plot]'``): a crawler on a server
need not carry it, and without it ``--plot`` fails with one line that says so.
"""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from archive import charts

INSTALL_HINT = "stats --plot needs matplotlib: pip install 'blog-archive[plot]'"


class PlotUnavailableError(RuntimeError):
    """matplotlib is not installed."""


def write_png(db: Database, path: Path) -> None:
    """Articles per month above, field coverage per run below (a panel per field, bars
    stacked by source), written to ``path``."""
    try:
        import matplotlib
    except ImportError:
        raise PlotUnavailableError(INSTALL_HINT) from None
    matplotlib.use("Agg")  # no display: a file is all that is wanted
    from matplotlib import pyplot

    months = charts.articles_per_month(db)
    runs = charts.coverage_by_run(db)
    colours = charts.source_colours(runs)
    fields = list(charts.COVERAGE_FIELDS.items())
    figure, axes = pyplot.subplots(1 + len(fields), 1, figsize=(10, 3 + 2 * len(fields)),
                                   gridspec_kw={"height_ratios": [1.5] + [1] * len(fields)})
    per_month = axes[0]
    per_month.bar(range(len(months)), [count for _, count in months], color="#1f77b4")
    every = max(1, len(months) // 12)
    per_month.set_xticks(range(0, len(months), every),
                         [month for month, _ in months][::every], rotation=45, fontsize=8)
    per_month.set_title("Articles per month")
    labels = [f"#{run.run}" for run in runs]
    for axis, (name, label) in zip(axes[1:], fields, strict=True):
        bottom = [0.0] * len(runs)
        for source, colour in colours.items():
            shares = [run.sources.get(name, {}).get(source, 0) / run.pages for run in runs]
            axis.bar(labels, shares, bottom=bottom, color=colour, label=source, width=0.6)
            bottom = [b + s for b, s in zip(bottom, shares, strict=True)]
        axis.set_ylim(0, 1)
        axis.set_xlim(-0.5, max(len(runs), 8) - 0.5)  # a few runs stay narrow bars
        axis.set_ylabel(label)
    axes[1].set_title("Field coverage per crawl run, by source")
    if colours:
        axes[1].legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    pyplot.close(figure)
