"""The archive's two pictures, as numbers and as SVG drawn here (no script, no network):
articles published per month, and field coverage per crawl run.

Coverage is read from ``fetches.field_sources``: for every article page a run parsed, the
signal that gave each field. A field's bar per run is stacked by source, so a theme change
shows at a glance twice over: the bar drops (fewer articles have the field) or changes colour
(the site's own markup stopped giving it and a fallback took over).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from sqlite_utils import Database

#: The fields whose coverage is charted, by their key in ``field_sources``, with a label.
COVERAGE_FIELDS = {"published": "date", "read_time_minutes": "read time", "author": "author",
                   "teasers": "teasers"}
#: Sources in the order they are stacked (the profile's own selectors at the bottom).
#: Every source extraction records (``archive.records.Article.field_sources``), each its colour.
SOURCES = ("site", "json-ld", "opengraph", "meta", "time-element", "label", "script", "url",
           "heuristic")
_COLOURS = ("#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#17becf", "#bcbd22", "#e377c2",
            "#d62728", "#ff7f0e", "#7f7f7f")

_PER_MONTH_SQL = """
select substr(published, 1, 7) as month, count(*) as articles from articles
where status = 'live' and published is not null group by month order by month
"""
#: Article pages each run parsed (a 304 or an error parses nothing).
_PARSED = "f.field_sources is not null and f.outcome in ('new', 'changed', 'unchanged')"
_PAGES_SQL = f"""
select f.crawl_run_id as run, r.started_at, count(*) as pages
from fetches f join crawl_runs r on r.id = f.crawl_run_id
where {_PARSED} group by f.crawl_run_id order by f.crawl_run_id
"""
_SOURCES_SQL = f"""
select f.crawl_run_id as run, s.key as field, s.value as source, count(*) as pages
from fetches f, json_each(f.field_sources) s
where {_PARSED} and s.key in ({", ".join(f"'{key}'" for key in COVERAGE_FIELDS)})
group by 1, 2, 3
"""


@dataclass
class RunCoverage:
    """One crawl run's article pages, and per field how many each source gave."""

    run: int
    started_at: str
    pages: int
    sources: dict[str, dict[str, int]] = field(default_factory=dict)

    def share(self, name: str) -> float:
        return sum(self.sources.get(name, {}).values()) / self.pages if self.pages else 0.0


def articles_per_month(db: Database) -> list[tuple[str, int]]:
    """``(YYYY-MM, live articles published that month)``, oldest first, with the months
    between that have none, so the bars stand on a true time axis."""
    counts = {row["month"]: row["articles"] for row in db.query(_PER_MONTH_SQL)}
    if not counts:
        return []
    months, (year, month) = [], map(int, min(counts).split("-"))
    last = max(counts)
    while (label := f"{year:04d}-{month:02d}") <= last:
        months.append((label, counts.get(label, 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def coverage_by_run(db: Database) -> list[RunCoverage]:
    """Every run that parsed article pages, oldest first."""
    runs = {row["run"]: RunCoverage(row["run"], row["started_at"], row["pages"])
            for row in db.query(_PAGES_SQL)}
    for row in db.query(_SOURCES_SQL):
        runs[row["run"]].sources.setdefault(row["field"], {})[row["source"]] = row["pages"]
    return list(runs.values())


def source_colours(runs: list[RunCoverage]) -> dict[str, str]:
    """A colour for every source the runs name, the known ones in ``SOURCES`` order."""
    seen = {source for run in runs for by in run.sources.values() for source in by}
    ordered = [s for s in SOURCES if s in seen] + sorted(seen - set(SOURCES))
    return {source: _COLOURS[min(i, len(_COLOURS) - 1)] for i, source in enumerate(ordered)}


def per_month_svg(months: list[tuple[str, int]], width: int = 900, height: int = 260) -> str:
    """A bar per month; every label when they fit, else every year's January."""
    if not months:
        return _empty_svg("No live article has a publication date yet.", width)
    left, bottom, top = 40, 40, 20
    plot_w, plot_h = width - left - 10, height - bottom - top
    peak = max(count for _, count in months) or 1
    step = plot_w / len(months)
    parts = [_axis(left, top, plot_w, plot_h, peak, lambda v: str(round(v)))]
    every = max(1, round(len(months) / (plot_w / 60)))
    for index, (month, count) in enumerate(months):
        x = left + index * step
        bar_h = plot_h * count / peak
        parts.append(f'<rect x="{x + step * 0.1:.1f}" y="{top + plot_h - bar_h:.1f}" '
                     f'width="{step * 0.8:.1f}" height="{bar_h:.1f}" fill="{_COLOURS[0]}">'
                     f"<title>{month}: {count}</title></rect>")
        if index % every == 0:
            parts.append(f'<text x="{x + step / 2:.1f}" y="{top + plot_h + 16}" '
                         f'text-anchor="middle" font-size="11">{month}</text>')
    return _svg(width, height, "Articles per month", parts)


def coverage_svg(runs: list[RunCoverage], width: int = 900) -> str:
    """One panel per field: a bar per run, its height the share of article pages that have
    the field, stacked by the source that gave it."""
    if not runs:
        return _empty_svg("No crawl run has recorded field sources yet.", width)
    colours = source_colours(runs)
    panel_h, top, left, gap = 120, 30, 40, 34
    height = top + len(COVERAGE_FIELDS) * (panel_h + gap) + 10
    plot_w = width - left - 150
    step = min(plot_w / len(runs), 60.0)  # one run is a bar, not a wall
    parts = []
    for panel, (name, label) in enumerate(COVERAGE_FIELDS.items()):
        y0 = top + panel * (panel_h + gap)
        parts.append(f'<text x="{left}" y="{y0 - 6}" font-size="13" font-weight="bold">'
                     f"{escape(label)}</text>")
        parts.append(_axis(left, y0, plot_w, panel_h, 1.0, lambda v: f"{v:.0%}"))
        for index, run in enumerate(runs):
            x, base = left + index * step, y0 + panel_h
            for source, colour in colours.items():
                count = run.sources.get(name, {}).get(source, 0)
                if not count:
                    continue
                bar_h = panel_h * count / run.pages
                base -= bar_h
                parts.append(
                    f'<rect x="{x + step * 0.15:.1f}" y="{base:.1f}" width="{step * 0.7:.1f}" '
                    f'height="{bar_h:.1f}" fill="{colour}"><title>run {run.run}: {escape(label)}'
                    f" from {escape(source)} on {count} of {run.pages} pages</title></rect>")
            parts.append(f'<text x="{x + step / 2:.1f}" y="{y0 + panel_h + 14}" '
                         f'text-anchor="middle" font-size="11">#{run.run}</text>')
    for index, (source, colour) in enumerate(colours.items()):
        y = top + index * 18
        parts.append(f'<rect x="{width - 140}" y="{y}" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{width - 122}" y="{y + 10}" font-size="12">{escape(source)}</text>')
    return _svg(width, height, "Field coverage per crawl run", parts)


def _axis(left: int, top: int, width: float, height: float, peak: float, label) -> str:
    lines = [f'<line x1="{left}" y1="{top + height}" x2="{left + width}" y2="{top + height}" '
             'stroke="#444"/>']
    for fraction in (0.0, 0.5, 1.0):
        y = top + height * (1 - fraction)
        lines.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + width}" y2="{y:.1f}" '
                     'stroke="#ddd"/>'
                     f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="10">'
                     f"{label(peak * fraction)}</text>")
    return "".join(lines)


def _svg(width: int, height: int, title: str, parts: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
            f'font-family="sans-serif"><title>{escape(title)}</title>{"".join(parts)}</svg>')


def _empty_svg(message: str, width: int) -> str:
    return _svg(width, 40, message, [f'<text x="10" y="24" font-size="14">{escape(message)}'
                                     "</text>"])
