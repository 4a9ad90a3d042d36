"""Schema.org JSON-LD: the nodes of a page's ``application/ld+json`` scripts, flattened.

Yoast and Rank Math put a whole ``@graph`` on every page (WebSite, WebPage, Article, Person,
BreadcrumbList) and link the nodes by ``@id``; only the Article-like node speaks for the post,
since the WebPage node may carry another date (the page's, not the post's).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from functools import cached_property
from typing import Any

#: Types whose dates and headline describe the post itself.
_ARTICLE_TYPES = frozenset({
    "Article", "BlogPosting", "NewsArticle", "TechArticle", "ScholarlyArticle", "Report",
    "LiveBlogPosting", "SocialMediaPosting", "OpinionNewsArticle", "AnalysisNewsArticle",
    "ReportageNewsArticle", "ReviewNewsArticle", "BackgroundNewsArticle",
})
#: Properties under which a node holds the post's own node.
_NESTING_KEYS = ("blogPost", "mainEntity", "hasPart")
#: Types of the page node (not the post's): listing types such as CollectionPage are left out.
_PAGE_TYPES = frozenset({"WebPage", "ItemPage"})
_SITE_TYPES = frozenset({"WebSite", "Organization", "Corporation", "OnlineStore"})
#: ``json.loads(script, strict=False)`` without building a decoder per script. Control
#: characters are allowed inside strings: plugins write raw newlines into descriptions.
_DECODER = json.JSONDecoder(strict=False)
#: What may stand between two JSON values in one script: blanks, a comma or a semicolon.
_BETWEEN_VALUES = re.compile(r"[\s,;]*")


def node_types(node: dict[str, Any]) -> set[str]:
    """The node's ``@type`` as a set (it may be a string or a list, with or without a prefix)."""
    value = node.get("@type", ())
    values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return {str(v).rsplit("/", 1)[-1].rsplit(":", 1)[-1] for v in values}


class JsonLd:
    """All JSON-LD nodes of one page, with ``@id`` references resolvable."""

    def __init__(self, scripts: Iterable[str]) -> None:
        self.nodes: list[dict[str, Any]] = []
        #: Scripts of which no JSON value could be read: left to a pattern search.
        self.unread: list[str] = []
        for script in scripts:
            values = list(_values(script))
            if not values and script.strip():
                self.unread.append(script)
            for data in values:
                self.nodes.extend(_flatten(data))
        self.by_id = {node["@id"]: node for node in self.nodes if isinstance(node.get("@id"), str)}

    @cached_property
    def article(self) -> dict[str, Any] | None:
        """The first Article/BlogPosting/NewsArticle... node, never a WebPage one; else the
        one article node nested in another (Hashnode: a ``Blog`` whose ``blogPost`` lists
        this post; a ``WebPage`` with the post as ``mainEntity``). Several nested ones are
        a listing's posts, none of which speaks for the page."""
        found = next((n for n in self.nodes if node_types(n) & _ARTICLE_TYPES), None)
        if found is not None:
            return found
        nested = [child for node in self.nodes for key in _NESTING_KEYS
                  for child in _flatten(node.get(key)) if node_types(child) & _ARTICLE_TYPES]
        return nested[0] if len(nested) == 1 else None

    @cached_property
    def web_page(self) -> dict[str, Any] | None:
        """The page's own WebPage/ItemPage node when no article node speaks for the post:
        Yoast writes the post's dates there on sites whose schema says no Article."""
        if self.article is not None:
            return None
        return next((n for n in self.nodes if node_types(n) & _PAGE_TYPES), None)

    def resolve(self, value: Any) -> Any:
        """A ``{"@id": ...}`` reference replaced by the node it names (when the page has it)."""
        if isinstance(value, dict) and set(value) == {"@id"}:
            return self.by_id.get(value["@id"], value)
        return value

    def article_value(self, key: str) -> Any:
        """``key`` of the article node, references resolved; None without an article node."""
        return self.resolve(self.article.get(key)) if self.article else None

    def first_of_types(self, types: Iterable[str], key: str) -> Any:
        """``key`` of the first node of one of ``types`` that has it."""
        wanted = set(types)
        for node in self.nodes:
            if node_types(node) & wanted and node.get(key):
                return self.resolve(node[key])
        return None

    @cached_property
    def site_name(self) -> str | None:
        """The WebSite/Organization name, to keep it out of titles."""
        name = self.first_of_types(_SITE_TYPES, "name")
        return name if isinstance(name, str) else None


def _values(script: str) -> Iterator[Any]:
    """The JSON values of one script, in order. A script is read up to its first error, so
    a stray closing brace after a whole object (hand-written templates) keeps the object, and
    a broken script hides none of the page's other signals. A value nested past what the
    decoder follows (``RecursionError``) is such an error too."""
    end, size = 0, len(script)
    while True:
        end = _BETWEEN_VALUES.match(script, end).end()
        if end >= size:
            return
        try:
            data, end = _DECODER.raw_decode(script, end)
        except (ValueError, RecursionError):
            return
        yield data


def _flatten(data: Any) -> list[dict[str, Any]]:
    """The nodes of a value, lists and ``@graph`` lists opened, in document order; a loop
    rather than a recursion, so no nesting a page can send ends the page's extraction."""
    nodes: list[dict[str, Any]] = []
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(reversed(item))
        elif isinstance(item, dict):
            graph = item.get("@graph")
            if isinstance(graph, list):
                pending.append(graph)
            else:
                nodes.append(item)
    return nodes


def names(value: Any, resolve: Callable[[Any], Any] | None = None) -> list[str]:
    """Names from a string, a ``{"name": ...}`` node or a list of either (authors, keywords)."""
    items = value if isinstance(value, list) else [value]
    found: list[str] = []
    for item in items:
        node = resolve(item) if resolve else item
        name = node.get("name") if isinstance(node, dict) else node
        if isinstance(name, str) and name.strip():
            found.append(name.strip())
    return found
