"""Full-text search over the archive's articles (SQLite FTS5, Porter stemming).

A query is read one of two ways, so nobody has to know FTS5 to search:

* Plain words — anything without ``"`` ``(`` ``)`` ``*`` ``^`` ``:`` and without an upper-case
  ``AND`` / ``OR`` / ``NOT`` — are quoted one by one and must all match. Punctuation that FTS5
  would reject (``back-pain``, ``don't``, ``e.g.``) is therefore harmless.
* Anything else is FTS5 query syntax and goes to SQLite as written: phrases, prefixes
  (``roll*``), boolean operators, column filters (``title:roller``). If SQLite cannot parse it,
  :class:`SearchQueryError` says why, rather than the search silently meaning something else.

Hits are ranked by BM25 with a title match worth ten body matches and a teaser match half of
one, since a teaser only describes another article.
"""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any

from sqlite_utils import Database

#: Characters and operators that mark a query as FTS5 syntax (operators are case-sensitive).
_FTS_SYNTAX = re.compile(r'["():*^]|\b(?:AND|OR|NOT)\b')

SNIPPET_START = "["
SNIPPET_END = "]"

#: The best ``:window`` matches. ``order by rank`` (the table's rank function, bm25 with the
#: weights above, set by a migration) with a LIMIT lets FTS5 keep only the top rows while it
#: scores, and compute ``snippet`` for those alone rather than for every match.
_HITS_SQL = """
select rowid, rank, snippet(articles_fts, -1, :start, :end, '…', 16) as snippet
from articles_fts
where articles_fts match :query
order by rank
limit :window
"""
_ARTICLES_SQL = """
select id, url, title, published, site, status from articles
where id in (select value from json_each(:ids)) and status != 'redirected' {site_filter}
"""


class SearchQueryError(ValueError):
    """A search query FTS5 cannot parse; the message is one line a user can act on."""


def fts_query(query: str) -> str:
    """The FTS5 expression for a user's query (see the module docstring)."""
    if not query.strip():
        raise SearchQueryError("empty search query")
    if _FTS_SYNTAX.search(query):
        return query
    return " ".join('"' + token + '"' for token in query.split())


def search(db: Database, query: str, *, limit: int = 20, site: str | None = None) -> list[dict]:
    """Live and gone articles matching ``query``, best first (a lower ``rank`` is better);
    ``snippet`` marks the matched words with ``[`` and ``]``. Redirected articles are left
    out: their text lives on at the URL they redirect to."""
    params: dict[str, Any] = {
        "query": fts_query(query), "start": SNIPPET_START, "end": SNIPPET_END, "site": site,
    }
    articles_sql = _ARTICLES_SQL.format(
        site_filter="and site = :site" if site is not None else "")
    window = limit
    try:
        while True:  # widen the window only when filtered-out articles left too few hits
            hits = db.execute(_HITS_SQL, {**params, "window": window}).fetchall()
            ids = json.dumps([rowid for rowid, _, _ in hits])
            wanted = {row["id"]: row for row in db.query(articles_sql, {**params, "ids": ids})}
            found = [{**_without_id(wanted[rowid]), "snippet": snippet, "rank": rank}
                     for rowid, rank, snippet in hits if rowid in wanted]
            if len(found) >= limit or len(hits) < window:
                return found[:limit]
            window *= 4
    except sqlite3.OperationalError as error:
        if not _index_answers(db):
            raise  # the archive is at fault (locked, damaged), not the query
        reason = " ".join(str(error).removeprefix("fts5: ").split())
        raise SearchQueryError(f"cannot parse search query {query!r}: {reason}") from None


def _index_answers(db: Database) -> bool:
    """True when the index answers a query known to be valid: then an error for the user's
    query is about the query. SQLite words FTS5's parse errors in many ways ("fts5: syntax
    error", "no such column", "expected integer" inside NEAR...), so none is matched on."""
    try:
        db.execute(_HITS_SQL, {"query": '"a"', "start": "", "end": "", "window": 1}).fetchall()
    except sqlite3.OperationalError:
        return False
    return True


def _without_id(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key != "id"}
