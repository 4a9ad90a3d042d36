"""Full-text search over the archive's articles (SQLite FTS5): one reading of a query for the
``search`` command, Datasette's search box and its canned search query.

The index holds each article's own title and text (not the excerpts its related-post teasers
show: those describe other articles), Porter-stemmed with diacritics folded, so ``cwiczenia``
finds ``ćwiczenia``. :func:`fts_query` reads what a user types the way a web search does:

* Words must all match; a word's punctuation stays inside it (``back-pain``, ``5:30``,
  ``12:00`` and ``don't`` are phrases of their parts, never FTS5 syntax).
* A word of five letters or more matches as a prefix of its stem: the word without a Polish
  inflectional ending (``-ie``, ``-a``, ``-ów``, ``-ami``, mobile ``-ek``...), so ``ćwiczenie``
  finds ``ćwiczenia`` and ``ćwiczeń``, ``biegacz`` finds ``biegaczy`` and ``odpoczynek``
  finds ``odpoczynku``. English words reach their inflections through the Porter stemmer as
  well. Stems whose vowels alternate (``mięsień``, ``mięśnie``) are not found this way.
* ``"a phrase"``, ``roll*`` (prefix), ``title:roller`` or ``body:roller`` (one column),
  ``AND``, ``OR``, ``NOT`` (upper case) and parentheses mean what they do in FTS5;
  ``-foam`` leaves out articles with the word, as ``NOT foam`` does.
* A query that cannot be read (an unclosed quote or parenthesis, ``OR`` with nothing after
  it, only words to leave out) raises :class:`SearchQueryError` with one line saying why.

Hits are ranked by BM25 with a title match worth ten body matches (the table's own ``rank``,
set by a migration); ``order="date"`` lists the newest first instead.
"""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any, Literal

from sqlite_utils import Database

SNIPPET_START = "["
SNIPPET_END = "]"

#: The name of the SQL function (registered on Datasette's connections) that turns a user's
#: query into an FTS5 expression: ``articles_fts match blog_archive_fts(:q)``.
SQL_FUNCTION = "blog_archive_fts"

#: Statuses search leaves out: a redirected article's text lives on at its target.
EXCLUDED_STATUS = "redirected"

#: Column names a user may filter on, and the index column each means.
_COLUMNS = {"title": "title", "body": "body_text", "body_text": "body_text", "text": "body_text"}

#: Polish inflectional endings, longest first. A word that ends in one and keeps a stem of at
#: least four letters is searched as that stem's prefix.
_ENDINGS = tuple(sorted(
    ("a", "e", "i", "y", "o", "u", "ą", "ę", "ie", "ia", "iu", "ii", "ią", "ię", "om", "ów",
     "ach", "ami", "em", "ym", "im", "ych", "ich", "ymi", "imi", "ego", "emu", "ej", "owi",
     "owie", "iem", "iej", "iego", "ek"),
    key=len, reverse=True))
_MIN_STEM = 4

_TOKEN = re.compile(r"""
    \s*(?:
      (?P<open>\()
    | (?P<close>\))
    | (?P<minus>-(?=[^\s-]))?
      (?:(?P<column>[A-Za-z_]+):(?=[^\s:]))?
      (?:"(?P<phrase>[^"]*)(?P<closed>")? | (?P<word>[^\s()"]+))
    )""", re.VERBOSE)
_OPERATORS = frozenset({"AND", "OR", "NOT"})

#: The best ``:window`` matches. ``order by rank`` with a LIMIT lets FTS5 keep only the top
#: rows while it scores, and compute ``snippet`` for those alone.
_HITS_SQL = """
select rowid, rank, snippet(articles_fts, -1, :start, :end, '…', 16) as snippet
from articles_fts
where articles_fts match :query
order by {order}
limit :window
"""
_BY_DATE = "(select published from articles where id = articles_fts.rowid) desc, rank"
_ARTICLES_SQL = f"""
select id, url, title, published, site, status from articles
where id in (select value from json_each(:ids)) and status != '{EXCLUDED_STATUS}' {{site_filter}}
"""


class SearchQueryError(ValueError):
    """A search query that cannot be read; the message is one line a user can act on."""


def fts_query(query: str) -> str:
    """The FTS5 expression for a user's query (see the module docstring)."""
    if not query.strip():
        raise SearchQueryError("empty search query")
    try:
        expression, end = _group(_tokens(query), 0)
        if end is not None:
            raise SearchQueryError("a ')' without its '('")
    except SearchQueryError as error:
        raise SearchQueryError(f"cannot parse search query {query!r}: {error}") from None
    return expression


def _tokens(query: str) -> list[tuple[str, str]]:
    """``(kind, text)`` pairs: ``open``, ``close``, ``op``, ``term`` (an FTS5 operand) or
    ``exclude`` (an operand to leave out). Words of punctuation alone are dropped: the
    tokenizer would drop them too."""
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(query) and query[position:].strip():
        match = _TOKEN.match(query, position)
        if match is None or match.end() == position:
            raise SearchQueryError("unreadable")
        position = match.end()
        if match["open"] or match["close"]:
            tokens.append(("open" if match["open"] else "close", ""))
            continue
        if match["phrase"] is not None and not match["closed"]:
            raise SearchQueryError("a quote without its closing quote")
        word, column = match["word"], match["column"]
        if word and word.endswith(":") and word[:-1].lower() in _COLUMNS:
            raise SearchQueryError(f"{word} needs a word after it")
        if column and column.lower() not in _COLUMNS:  # "pace:5" is a word, not a column
            word, column = f"{column}:{word if word is not None else match['phrase']}", None
        if word in _OPERATORS and not match["minus"] and not column:
            tokens.append(("op", word))
            continue
        operand = _operand(match["phrase"], word)
        if operand is None:
            continue
        if column:
            operand = f"{_COLUMNS[column.lower()]} : {operand}"
        tokens.append(("exclude" if match["minus"] else "term", operand))
    return tokens


def _operand(phrase: str | None, word: str | None) -> str | None:
    """One FTS5 operand: a quoted phrase, a prefix, or a word (by its stem when inflected)."""
    if phrase is not None:
        return _quoted(phrase) if _has_letters(phrase) else None
    assert word is not None
    if word.endswith("*"):
        stem = word.rstrip("*")
        return f"{_quoted(stem)}*" if _has_letters(stem) else None
    if not _has_letters(word):
        return None
    stem = _inflection_stem(word)
    return f"{_quoted(stem)}*" if stem else _quoted(word)


def _inflection_stem(word: str) -> str | None:
    """The stem a word of letters alone is searched by, as a prefix: without its Polish
    inflectional ending (one of ``_ENDINGS``), or the whole word when it has five letters or
    more and no such ending (``biegacz`` finds ``biegacza``); None for a short word."""
    lower = word.lower()
    if not lower.isalpha() or len(lower) <= _MIN_STEM:
        return None
    for ending in _ENDINGS:
        if lower.endswith(ending) and len(lower) - len(ending) >= _MIN_STEM:
            return lower[: -len(ending)]
    return lower


def _has_letters(text: str) -> bool:
    return any(character.isalnum() for character in text)


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _group(tokens: list[tuple[str, str]], start: int) -> tuple[str, int | None]:
    """The expression of the tokens from ``start`` up to the ``)`` closing the group (or the
    end), and the index of that ``)`` (None at the end). Words to leave out are gathered and
    put after the rest, since FTS5's NOT needs something on its left."""
    parts: list[str] = []  # operands and the operators between them
    excluded: list[str] = []
    index = start
    while index < len(tokens):
        kind, text = tokens[index]
        if kind == "close":
            break
        if kind == "open":
            inner, close = _group(tokens, index + 1)
            if close is None:
                raise SearchQueryError("a '(' without its ')'")
            kind, text, index = "term", f"({inner})", close
        if kind == "op":
            parts.append(text)
        elif kind == "exclude":
            excluded.append(text)
        else:
            if parts and parts[-1] == "NOT" and (len(parts) == 1 or parts[-2] in _OPERATORS):
                parts.pop()  # "NOT foam" first, or "roller AND NOT foam": leave foam out
                if parts and parts[-1] == "AND":
                    parts.pop()
                elif parts:
                    raise SearchQueryError(
                        f"{parts[-1]} NOT cannot be searched; write -word to leave a word out")
                excluded.append(text)
                index += 1
                continue
            if parts and parts[-1] not in _OPERATORS:
                parts.append("AND")  # FTS5 wants it spelled out before and after a group
            parts.append(text)
        index += 1
    _check_operators(parts)
    if not parts:
        raise SearchQueryError(
            "only words to leave out, none to find" if excluded else "no words to find")
    expression = " ".join(parts)
    if excluded:
        if len(parts) > 1:
            expression = f"({expression})"
        expression += "".join(f" NOT {operand}" for operand in excluded)
    return expression, (index if index < len(tokens) else None)


def _check_operators(parts: list[str]) -> None:
    """Every AND, OR and NOT must stand between two operands."""
    for position, part in enumerate(parts):
        if part not in _OPERATORS:
            continue
        if position == 0 or position == len(parts) - 1 or parts[position + 1] in _OPERATORS:
            raise SearchQueryError(
                f"{part} needs a word on each side (write it in lower case to search for it)")


def search(db: Database, query: str, *, limit: int = 20, site: str | None = None,
           order: Literal["rank", "date"] = "rank") -> list[dict]:
    """Live and gone articles matching ``query``, best first (a lower ``rank`` is better) or
    newest first; ``snippet`` marks the matched words with ``[`` and ``]``. Redirected
    articles are left out: their text lives on at the URL they redirect to."""
    params: dict[str, Any] = {
        "query": fts_query(query), "start": SNIPPET_START, "end": SNIPPET_END, "site": site,
    }
    hits_sql = _HITS_SQL.format(order="rank" if order == "rank" else _BY_DATE)
    articles_sql = _ARTICLES_SQL.format(
        site_filter="and site = :site" if site is not None else "")
    window = limit
    try:
        while True:  # widen the window only when filtered-out articles left too few hits
            hits = db.execute(hits_sql, {**params, "window": window}).fetchall()
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


def register_sql_function(connection: sqlite3.Connection) -> None:
    """Make ``blog_archive_fts(q)`` available on ``connection``: the canned search query
    reads a query exactly as the ``search`` command does."""
    connection.create_function(SQL_FUNCTION, 1, _sql_fts_query, deterministic=True)


def _sql_fts_query(query: str | None) -> str:
    """:func:`fts_query` for SQL, where an empty query is a form not filled in yet: it
    matches nothing (the empty phrase) rather than failing."""
    return fts_query(query) if query and query.strip() else NOTHING


#: An FTS5 expression that matches no row.
NOTHING = '""'


def _index_answers(db: Database) -> bool:
    """True when the index answers a query known to be valid: then an error for the user's
    query is about the query, not the archive."""
    try:
        db.execute(_HITS_SQL.format(order="rank"),
                   {"query": '"a"', "start": "", "end": "", "window": 1}).fetchall()
    except sqlite3.OperationalError:
        return False
    return True


def _without_id(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key != "id"}
