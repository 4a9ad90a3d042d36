"""What the archive holds, and how complete extraction was: the numbers behind ``stats``.

Field coverage is measured over live articles only, so a theme change that breaks one field
shows up as a drop in its share instead of being diluted by articles that are long gone.
"""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

#: The content fields whose coverage is reported, and what "present" means for each.
_PRESENT: dict[str, str] = {
    "title": "coalesce(title, '') != ''",
    "published": "published is not null",
    "modified": "modified is not null",
    "read_time_minutes": "read_time_minutes is not null",
    "author": "coalesce(author, '') != ''",
    "language": "coalesce(language, '') != ''",
    "categories": "categories != '[]'",
    "tags": "tags != '[]'",
    "image": "coalesce(image, '') != ''",
    "body_text": "body_text != ''",
    "teasers": "exists (select 1 from teasers t where t.article_id = articles.id)",
}
_RUN_COLUMNS = (
    'id, site, "trigger", status, started_at, finished_at, finish_reason, pages_fetched, '
    "new, changed, unchanged, not_modified, gone, redirected, errors, not_article"
)
LAST_RUNS = 5


def archive_stats(db: Database) -> dict[str, Any]:
    """Counts of articles (by status), teasers, versions, runs and fetches; the last runs,
    newest first; and each field's share of live articles that have it (None with none)."""
    return {
        "articles": article_counts(db),
        "teasers": db["teasers"].count,
        "versions": db["article_versions"].count,
        "runs": db["crawl_runs"].count,
        "fetches": db["fetches"].count,
        "last_runs": list(db.query(
            f"select {_RUN_COLUMNS} from crawl_runs order by id desc limit {LAST_RUNS}")),
        "coverage": field_coverage(db),
    }


def article_counts(db: Database) -> dict[str, int]:
    counts = {"total": 0, "live": 0, "gone": 0, "redirected": 0}
    for row in db.query("select status, count(*) as n from articles group by status"):
        counts[row["status"]] = row["n"]
        counts["total"] += row["n"]
    return counts


def field_coverage(db: Database) -> dict[str, float | None]:
    sums = ", ".join(f"sum({test}) as {name}" for name, test in _PRESENT.items())
    row = next(db.query(
        f"select count(*) as live, {sums} from articles where status = 'live'"))
    live = row.pop("live")
    return {name: (present / live if live else None) for name, present in row.items()}
