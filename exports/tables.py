"""What each exportable table is: its rows in a stable order, and how to filter them.

Rows are selected with SQL the archive's own SQLite runs, so an export streams from a cursor
(memory stays flat however large the archive grows) and the row order is fixed: ``published``
then ``id`` for articles and what hangs off them, so an unchanged archive exports the same
bytes every time. Column lists come from the live schema, so a migration's new column is
exported without touching this module.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime


class ExportError(ValueError):
    """An export that cannot be made as asked: one line for the user."""


class UnreadableArchiveError(ExportError):
    """The archive is there but cannot be read (damaged, locked, an I/O error): not the
    user's request at fault, so the command line exits 4 for it, as the read commands do."""


@dataclass(frozen=True)
class TableSpec:
    """How to select one table: ``source`` is its FROM clause (alias ``x`` for the table,
    ``a`` for the article it belongs to), ``since`` and ``site`` the filters' SQL, ``extra``
    columns added from the article, ``excluded`` columns left out."""

    table: str
    source: str
    order: str
    since: str
    site: str
    json_columns: frozenset[str] = frozenset()
    excluded: frozenset[str] = frozenset()
    extra: tuple[str, ...] = field(default_factory=tuple)




def _changed_since(alias: str) -> str:
    """The articles (under ``alias``) whose content or status changed at or after ``:since``:
    what a scheduled export has not seen yet, removals included. The content changed when
    the article's current version was captured; the status (gone, redirected, live again)
    when its fetch in the run that changed it was written. A run that started before
    ``:since`` and captured a change after it therefore counts, as ``--help`` promises."""
    captured = (f"(select v.captured_at from article_versions v where v.article_id = {alias}.id"
                f" and v.version = {alias}.version) >= :since")
    status = (f"exists (select 1 from fetches f where f.article_id = {alias}.id"
              f" and f.crawl_run_id = {alias}.status_changed_run and f.fetched_at >= :since)")
    return f"({captured} or {status})"


TABLES: dict[str, TableSpec] = {
    "articles": TableSpec(
        table="articles", source="articles x",
        order="x.published, x.id", since=_changed_since("x"), site="x.site = :site",
        json_columns=frozenset({"categories", "tags"}),
        excluded=frozenset({"teaser_text"}),  # the FTS copy of the teasers, nested instead
    ),
    "teasers": TableSpec(
        table="teasers", source="teasers x join articles a on a.id = x.article_id",
        order="a.published, a.id, x.position", since=_changed_since("a"), site="a.site = :site",
        extra=("a.url as article_url",),
    ),
    "versions": TableSpec(
        table="article_versions",
        source="article_versions x join articles a on a.id = x.article_id",
        order="a.published, a.id, x.version", since="x.captured_at >= :since",
        site="a.site = :site", json_columns=frozenset({"categories", "tags", "teasers",
                                                       "changed_columns"}),
        extra=("a.url as article_url",),
    ),
    "runs": TableSpec(
        table="crawl_runs", source="crawl_runs x", order="x.id",
        since="(x.started_at >= :since or x.finished_at >= :since)",
        site="x.site = :site", json_columns=frozenset({"stats"}),
    ),
}


def table_spec(name: str) -> TableSpec:
    try:
        return TABLES[name]
    except KeyError:
        raise ExportError(f"unknown table {name!r} (choose from {', '.join(TABLES)})") from None


def parse_since(value: str | None) -> str | None:
    """``YYYY-MM-DD`` or an ISO 8601 datetime, as the UTC text the archive stores."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ExportError(f"--since {value!r} is not a date (YYYY-MM-DD) or ISO 8601 "
                          "datetime") from None
    if len(value.strip()) == 10:
        return parsed.date().isoformat()
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).isoformat()


def columns(db: sqlite3.Connection, spec: TableSpec) -> list[str]:
    """The table's stored columns (generated ones, like ``published_month``, are left out),
    in schema order."""
    names = [name for (name,) in db.execute("select name from pragma_table_info(?)",
                                            [spec.table])]
    if not names:
        raise ExportError(f"the archive has no {spec.table} table: is it a blog-archive archive?")
    return [name for name in names if name not in spec.excluded]


def select(spec: TableSpec, *, since: str | None, site: str | None,
           select_list: str) -> tuple[str, dict[str, str]]:
    """The SQL and parameters that stream ``select_list`` over the filtered table in order."""
    where, params = [], {}
    if since is not None:
        where.append(spec.since)
        params["since"] = since
    if site is not None:
        where.append(spec.site)
        params["site"] = site
    clause = f" where {' and '.join(where)}" if where else ""
    return f"select {select_list} from {spec.source}{clause} order by {spec.order}", params
