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

import re
import sqlite3
from typing import Any

from sqlite_utils import Database

#: Characters and operators that mark a query as FTS5 syntax (operators are case-sensitive).
_FTS_SYNTAX = re.compile(r'["():*^]|\b(?:AND|OR|NOT)\b')
#: How SQLite words the errors of a query it cannot parse.
_PARSE_ERRORS = ("fts5:", "unterminated string", "no such column", "unknown special query")

SNIPPET_START = "["
SNIPPET_END = "]"

_SEARCH_SQL = """
select
    a.url, a.title, a.published, a.site, a.status,
    snippet(articles_fts, -1, :start, :end, '…', 16) as snippet,
    bm25(articles_fts, 10.0, 1.0, 0.5) as rank
from articles_fts
join articles a on a.id = articles_fts.rowid
where articles_fts match :query
    and a.status != 'redirected'
    {site_filter}
order by rank
limit :limit
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
        "query": fts_query(query), "limit": limit, "site": site,
        "start": SNIPPET_START, "end": SNIPPET_END,
    }
    sql = _SEARCH_SQL.format(site_filter="and a.site = :site" if site is not None else "")
    try:
        return [dict(row) for row in db.query(sql, params)]
    except sqlite3.OperationalError as error:
        message = str(error)
        if not message.startswith(_PARSE_ERRORS):
            raise
        reason = " ".join(message.removeprefix("fts5: ").split())
        raise SearchQueryError(f"cannot parse search query {query!r}: {reason}") from None
