"""An article's versions: when each was captured, by which run, and what changed."""

from __future__ import annotations

import json

from sqlite_utils import Database

_HISTORY_SQL = """
select v.version, v.captured_at, v.crawl_run_id, v.changed_columns, v.content_hash, v.title
from article_versions v
join articles a on a.id = v.article_id
where a.url = ?
order by v.version
"""


def article_history(db: Database, url: str) -> list[dict] | None:
    """The versions of the article at ``url``, oldest first, with ``changed_columns`` decoded;
    None when the archive has no such article (every archived article has a version 1)."""
    versions = [
        {**row, "changed_columns": json.loads(row["changed_columns"])}
        for row in db.query(_HISTORY_SQL, [url])
    ]
    return versions or None
