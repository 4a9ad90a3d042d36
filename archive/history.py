"""An article's versions: when each was captured, by which run, and what changed.

The article is found the way the crawler would have stored its URL (see
:mod:`archive.urls`), and through redirects: an old URL that now redirects leads to the
article it redirects to, as a browser would.
"""

from __future__ import annotations

import json

from sqlite_utils import Database

from archive.urls import path_of, url_forms

#: Redirects followed from a pasted URL, at most (a loop stops here too).
MAX_REDIRECTS = 5

_HISTORY_SQL = """
select v.version, v.captured_at, v.crawl_run_id, v.changed_columns, v.content_hash, v.title
from article_versions v
where v.article_id = ?
order by v.version
"""
_BY_URL_SQL = """
select id, url, status, redirected_to from articles
where url in (select value from json_each(?)) limit 1
"""
#: The newest redirect the crawl met at a URL that is no article of its own.
_REDIRECT_SQL = """
select redirect_to from fetches
where url in (select value from json_each(?)) and redirect_to is not null
order by id desc limit 1
"""


class AmbiguousPathError(LookupError):
    """A bare path that names articles of more than one site."""


def article_history(db: Database, url: str) -> tuple[str, list[dict]] | None:
    """The archived URL of the article ``url`` leads to, and its versions oldest first with
    ``changed_columns`` decoded; None when it leads to no archived article."""
    found = find_article(db, url)
    if found is None:
        return None
    article_id, archived_url = found
    versions = [{**row, "changed_columns": json.loads(row["changed_columns"])}
                for row in db.query(_HISTORY_SQL, [article_id])]
    return archived_url, versions


def find_article(db: Database, url: str) -> tuple[int, str] | None:
    """``(id, url)`` of the archived article a pasted ``url`` leads to."""
    forms = url_forms(url)
    path = path_of(url)
    if path is not None:
        forms = _urls_with_path(db, path)
    for _ in range(MAX_REDIRECTS + 1):
        row = next(db.query(_BY_URL_SQL, [json.dumps(forms)]), None)
        target = row["redirected_to"] if row and row["status"] == "redirected" else None
        if row is not None and target is None:
            return row["id"], row["url"]
        if target is None:
            redirect = next(db.query(_REDIRECT_SQL, [json.dumps(forms)]), None)
            if redirect is None:
                return None
            target = redirect["redirect_to"]
        forms = url_forms(target)
    return None


def _urls_with_path(db: Database, path: str) -> list[str]:
    """The archived URLs (articles, and fetched URLs that redirected) whose path is
    ``path``, with or without its trailing slash."""
    paths = list(dict.fromkeys([path, path[:-1] if path.endswith("/") else f"{path}/"]))
    patterns = [f"%://%{p}" for p in paths]
    urls = {row["url"] for row in db.query(
        "select url from articles where " + " or ".join(["url like ?"] * len(patterns))
        + " union select url from fetches where redirect_to is not null and ("
        + " or ".join(["url like ?"] * len(patterns)) + ")", patterns * 2)
        if _path(row["url"]) in paths}
    sites = {u.split("/", 3)[2] for u in urls}
    if len(sites) > 1:
        raise AmbiguousPathError(
            f"{path} is a path on {len(sites)} sites ({', '.join(sorted(sites))}); "
            "give the whole URL")
    return sorted(urls)


def _path(url: str) -> str:
    rest = url.split("://", 1)[1]
    return "/" + rest.split("/", 1)[1] if "/" in rest else "/"
