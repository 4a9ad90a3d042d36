"""The Datasette plugin ``serve`` loads: search read as ``blog-archive search`` reads it, cells
a reader can scan, an article page that reads like the article, and the charts page.

Everything is served from here (CSS, SVG, templates): pages render with no network.
"""

from __future__ import annotations

import json
import re
import sqlite3
from html import escape
from importlib.resources import files
from typing import Any

from datasette import hookimpl
from datasette.filters import FilterArguments
from datasette.utils.asgi import BadRequest, Response
from jinja2 import Environment, FunctionLoader
from markupsafe import Markup
from sqlite_utils import Database

from archive import charts
from archive.search import EXCLUDED_STATUS, SearchQueryError, fts_query, register_sql_function

#: The reading view of the articles (schema m014) and the canned search query.
READING_VIEW = "article_list"
SEARCH_QUERY = "search_with_snippet"
CSS_PATH = "/-/blog-archive.css"
CHARTS_PATH = "/-/charts"
#: JSON columns shown as the lists or pairs they hold.
_JSON_LISTS = frozenset({"categories", "tags", "changed_columns", "teasers"})
_JSON_OBJECTS = frozenset({"field_sources", "missing", "stats"})
#: Templates this plugin ships, by the name Datasette asks for (``row-DB-articles.html`` is
#: the row page of the articles table in any database).
_TEMPLATES = {re.compile(r"row-.+-articles\.html"): "article.html",
              re.compile(r"blog_archive_charts\.html"): "charts.html"}
_TEASERS_SQL = """
select t.position, coalesce(a.title, t.title, t.target_url) as title, t.target_url,
    t.target_article_id, t.text
from teasers t left join articles a on a.id = t.target_article_id
where t.article_id = ? order by t.position
"""


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    register_sql_function(conn)


@hookimpl
def prepare_jinja2_environment(env: Environment) -> None:
    """Add this plugin's templates after the user's (``--template-dir`` still wins)."""
    env.loader.loaders.append(FunctionLoader(_template_source))  # type: ignore[union-attr]


def _template_source(name: str) -> str | None:
    for pattern, filename in _TEMPLATES.items():
        if pattern.fullmatch(name):
            return files("archive").joinpath("templates", filename).read_text("utf-8")
    return None


@hookimpl(trylast=True)
def filters_from_request(request, database: str, table: str, datasette) -> FilterArguments | None:
    """``?_search=`` on the reading view and the articles table, read by :func:`fts_query`.

    On the view, the match goes through its ``search`` column so that its ``relevance`` is
    the index's rank: the view sorts by it, best first. On the table, Datasette's own
    search clause (``searchmode: raw``) gets the translated query in place of the user's,
    and redirected articles are left out as everywhere else. Runs last, so its parameter
    and search-box context are the ones that count."""
    if table not in (READING_VIEW, "articles"):
        return None
    query = request.args.get("_search", "")
    context = {"supports_search": True, "search": query}
    if not query.strip():
        return FilterArguments([], {}, [], context)
    try:
        expression = fts_query(query)
    except SearchQueryError as error:
        raise BadRequest(str(error)) from None
    if table == READING_VIEW:
        return FilterArguments(["search match :blog_archive_search"],
                               {"blog_archive_search": expression},
                               [f'search matches "{query}"'], context)
    return FilterArguments([f"status != '{EXCLUDED_STATUS}'"], {"search": expression}, [],
                           context)


@hookimpl
def render_cell(row, value: Any, column: str, table: str | None, database: str, datasette):
    """Titles of the reading view link to the article; JSON lists read as lists and JSON
    objects as ``key: value`` pairs (long ones folded away, one click to open)."""
    if table == READING_VIEW and column == "title":
        url = datasette.urls.row(database, "articles", str(row["id"]))
        return Markup(f'<a href="{url}">{escape(value or "(no title)")}</a>')
    if not isinstance(value, str) or column not in _JSON_LISTS | _JSON_OBJECTS:
        return None
    try:
        decoded = json.loads(value)
    except ValueError:
        return None
    if isinstance(decoded, list):  # teasers are objects: their titles name them
        return Markup(", ".join(escape(str(item.get("title") if isinstance(item, dict) else item))
                                for item in decoded))
    if isinstance(decoded, dict):
        pairs = "; ".join(f"{escape(str(k))}: {escape(str(v))}" for k, v in decoded.items())
        if len(decoded) <= 4:
            return Markup(pairs)
        return Markup(f"<details><summary>{len(decoded)} values</summary>{pairs}</details>")
    return None


@hookimpl
def extra_css_urls(datasette) -> list[str]:
    return [datasette.urls.path(CSS_PATH)]


@hookimpl
def extra_body_script() -> str:
    """Fold the column descriptions away (one click to open) so they do not push the rows
    below the first screen."""
    return ("document.querySelectorAll('dl.column-descriptions').forEach(function (dl) {"
            "var d = document.createElement('details'), s = document.createElement('summary');"
            "s.textContent = 'Column descriptions'; dl.replaceWith(d); d.append(s, dl); });")


@hookimpl
def extra_template_vars(template: str, database: str | None, table: str | None, request,
                        datasette) -> Any:
    """The article for its row page; for the canned search, a query that cannot be read
    says why in one line instead of SQLite's "user-defined function raised exception"."""
    if request is None or database is None:
        return {}
    table = table or request.url_vars.get("table")
    if table == SEARCH_QUERY and request.args.get("q"):
        try:
            fts_query(request.args["q"])
        except SearchQueryError as error:
            return {"error": str(error)}
        return {}
    if table == "articles" and template.startswith("row-"):
        return _article_page(datasette, database, request.url_vars.get("pks", ""))
    return {}


async def _article_page(datasette, database: str, pk: str) -> dict[str, Any]:
    db = datasette.get_database(database)
    rows = await db.execute("select * from articles where id = ?", [pk])
    if not rows.rows:
        return {}
    article = dict(rows.first())
    teasers = [dict(row) for row in await db.execute(_TEASERS_SQL, [pk])]
    for teaser in teasers:
        teaser["href"] = (datasette.urls.row(database, "articles", str(teaser["target_article_id"]))
                          if teaser["target_article_id"] else teaser["target_url"])
    return {
        "article": article,
        "paragraphs": [p for p in re.split(r"\n\s*\n", article["body_text"]) if p.strip()],
        "categories": json.loads(article["categories"] or "[]"),
        "tags": json.loads(article["tags"] or "[]"),
        "teasers": teasers,
    }


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(re.escape(CSS_PATH) + "$", _css), (re.escape(CHARTS_PATH) + "$", _charts_page)]


async def _css() -> Response:
    return Response(files("archive").joinpath("templates", "blog-archive.css").read_text("utf-8"),
                    content_type="text/css; charset=utf-8",
                    headers={"Cache-Control": "max-age=3600"})


async def _charts_page(datasette, request) -> Response:
    """Articles per month and field coverage per run of the first (normally only) archive."""
    name = request.args.get("database") or next(
        (name for name in datasette.databases if name != "_internal"), None)
    if name not in datasette.databases:
        return Response.html(f"<p>No database {escape(str(name))}</p>", status=404)

    def draw(conn: sqlite3.Connection) -> tuple[str, str]:
        db = Database(conn)
        return (charts.per_month_svg(charts.articles_per_month(db)),
                charts.coverage_svg(charts.coverage_by_run(db)))

    per_month, coverage = await datasette.get_database(name).execute_fn(draw)
    return Response.html(await datasette.render_template(
        "blog_archive_charts.html",
        {"database": name, "per_month": Markup(per_month), "coverage": Markup(coverage)},
        request=request))
