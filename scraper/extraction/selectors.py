"""Profile selectors: CSS answered from an index of the page's class tokens.

A profile's selectors are a handful of simple CSS selectors (``.post-meta__date``,
``article .entry-content``, ``.cat-links a``) run for every field of every page. As the XPath
cssselect translates them to, each comma-separated part walks the whole scope through
libxml2's per-node predicate evaluation: a fifth of extraction time. Here the content area is
walked once per page to index its class tokens; a selector takes its candidates from the
index (or from lxml's C-level tag iteration) and checks their ancestors. Selectors outside
that simple subset (pseudo-classes, other attribute operators, namespaces) run as the XPath
cssselect gives, so every CSS selector still works, with the same results.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache

import cssselect
from lxml import etree
from parsel.csstranslator import css2xpath

from scraper.extraction.text import Element

#: The whitespace of XPath's ``normalize-space``, which cssselect's ``~=`` is defined with.
_XML_SPACE = str.maketrans("\t\n\r", "   ")


@lru_cache(maxsize=4096)
def tokens(value: str) -> frozenset[str]:
    """The whitespace-separated tokens of an attribute, as XPath's ``normalize-space`` splits
    them (only space, tab, CR and LF separate; a no-break space is part of a token)."""
    return frozenset(value.translate(_XML_SPACE).split(" ")) - {""}


class ClassIndex:
    """The class tokens of one subtree (its top included), each with its elements in page
    order. Built on the first lookup, once per page, and shared by every selector scope
    inside the subtree."""

    def __init__(self, top: Element) -> None:
        self.top = top
        self._elements: dict[str, list[Element]] | None = None
        self._inside: dict[Element, bool] = {}
        self._outside: dict[Element, ClassIndex] = {}

    def covering(self, scope: Element) -> ClassIndex:
        """This index when ``scope`` lies in its subtree, else an index of ``scope`` (a page
        whose article element is ``<html>`` itself, around the indexed ``<body>``). The
        index never refers to itself: a page must not become a reference cycle."""
        inside = self._inside.get(scope)
        if inside is None:
            inside = self._inside[scope] = within(scope, self.top)
        if inside:
            return self
        index = self._outside.get(scope)
        if index is None:
            index = self._outside[scope] = ClassIndex(scope)
        return index

    def by_token(self) -> dict[str, list[Element]]:
        if self._elements is None:
            self._elements = _index(self.top)
        return self._elements


def _index(top: Element) -> dict[str, list[Element]]:
    index: dict[str, list[Element]] = {}
    for el in top.iter():
        value = el.get("class")
        if value:
            for token in tokens(value):
                bucket = index.get(token)
                if bucket is None:
                    index[token] = [el]
                else:
                    bucket.append(el)
    return index


def within(el: Element, ancestor: Element) -> bool:
    """True when ``el`` is ``ancestor`` or one of its descendants."""
    node: Element | None = el
    while node is not None:
        if node is ancestor:
            return True
        node = node.getparent()
    return False


@dataclass(frozen=True)
class _Compound:
    """One compound selector (``a.cat-link[rel~=tag]``): every test one element must pass."""

    tag: str | None
    classes: frozenset[str]
    #: ``(attribute, operator, value)`` with operator ``exists``, ``=`` or ``~=``.
    attributes: tuple[tuple[str, str, str | None], ...]

    @cached_property
    def bare_class(self) -> bool:
        """True for one class and nothing else (``.related``): every element the index
        gives for that class matches, with no test to run."""
        return self.tag is None and not self.attributes and len(self.classes) == 1

    def matches(self, el: Element) -> bool:
        if self.tag is not None and el.tag != self.tag:
            return False
        if self.classes and not self.classes <= tokens(el.get("class") or ""):
            return False
        for name, operator, value in self.attributes:
            actual = el.get(name)
            if actual is None or (operator == "=" and actual != value) or (
                    operator == "~=" and value not in tokens(actual)):
                return False
        return True


@dataclass(frozen=True)
class _Chain:
    """Compounds joined by descendant (``" "``) or child (``">"``) combinators, left to right;
    ``combinators[i]`` joins ``compounds[i]`` and ``compounds[i + 1]``."""

    compounds: tuple[_Compound, ...]
    combinators: tuple[str, ...]

    @cached_property
    def classes(self) -> frozenset[str]:
        """Every class the chain requires somewhere."""
        return frozenset().union(*(compound.classes for compound in self.compounds))

    @cached_property
    def key(self) -> str | None:
        """The class whose index entry gives the candidates, if the last compound has one."""
        return min(self.compounds[-1].classes, default=None)

    @cached_property
    def anchor(self) -> str | None:
        """Without a ``key``, a class of the nearest compound before the last that has one:
        every match lies under an element of that class (``.tags-links a`` is looked for
        in the tag links, not among all the article's links)."""
        return next((min(c.classes) for c in reversed(self.compounds[:-1]) if c.classes), None)

    def select(self, scope: Element, index: ClassIndex) -> list[Element]:
        """The chain's matches under ``scope`` (the scope itself included), page order;
        ``index`` covers the scope.

        A chain naming a class the page does not use at all is answered from the index
        alone: most of a profile's alternatives (``.entry-meta .posted-on`` beside
        ``.post-meta__date``) are for other versions of the theme."""
        by_token = index.by_token()
        for token in self.classes:
            if token not in by_token:
                return []
        last = self.compounds[-1]
        depth = len(self.compounds) - 2
        candidates: Iterable[Element]
        tag = last.tag or etree.Element
        if self.key is None and self.anchor is not None:
            candidates = dict.fromkeys(el for anchor in by_token[self.anchor]
                                       if within(anchor, scope) for el in anchor.iter(tag))
        elif self.key is None:
            candidates = scope.iter(tag)
        else:
            candidates = by_token[self.key]
            if scope is not index.top:
                candidates = [el for el in candidates if within(el, scope)]
            if depth < 0 and last.bare_class:
                return list(candidates)
        return [el for el in candidates
                if last.matches(el) and self._in_context(depth, el, scope)]

    def _in_context(self, depth: int, el: Element, scope: Element) -> bool:
        """True when the ancestors of ``el``, up to ``scope``, match ``compounds[:depth + 1]``
        as the combinators require (backtracking over the candidates for each)."""
        if depth < 0:
            return True
        compound, child_only = self.compounds[depth], self.combinators[depth] == ">"
        node = el
        while node is not scope:
            node = node.getparent()
            if node is None:
                return False
            if compound.matches(node) and self._in_context(depth - 1, node, scope):
                return True
            if child_only:
                return False
        return False


class Selector:
    """A compiled CSS selector; call it with a scope and the page's :class:`ClassIndex`."""

    def __init__(self, css: str) -> None:
        self.chains = _compile(css)
        self.xpath = None if self.chains is not None else etree.XPath(css2xpath(css))

    def __call__(self, scope: Element, index: ClassIndex) -> list[Element]:
        if self.xpath is not None:
            return self.xpath(scope)
        index = index.covering(scope)
        found = [matches for chain in self.chains if (matches := chain.select(scope, index))]
        if len(found) <= 1:
            return found[0] if found else []
        # A union, as XPath returns it: each element once, in page order.
        unique = list(dict.fromkeys(el for matches in found for el in matches))
        return sorted(unique, key=_page_order) if len(unique) > 1 else unique


def _page_order(el: Element) -> list[int]:
    """A sort key putting elements of one tree in document order: the child indexes from the
    root down to ``el``."""
    path = []
    parent = el.getparent()
    while parent is not None:
        path.append(parent.index(el))
        el, parent = parent, parent.getparent()
    path.reverse()
    return path


@lru_cache(maxsize=256)
def compiled(css: str) -> Selector:
    """Profile selectors are compiled once per process, not per page."""
    return Selector(css)


def _compile(css: str) -> tuple[_Chain, ...] | None:
    """The selector's chains, or None when it uses anything beyond tags, classes, ids,
    ``[attr]``, ``[attr=value]``, ``[attr~=value]`` and the descendant/child combinators."""
    try:
        parsed = cssselect.parse(css)
    except cssselect.SelectorError:
        return None
    chains = []
    for selector in parsed:
        if selector.pseudo_element is not None:
            return None
        compounds: list[_Compound] = []
        combinators: list[str] = []
        tree = selector.parsed_tree
        while isinstance(tree, cssselect.parser.CombinedSelector):
            if tree.combinator not in (" ", ">"):
                return None
            compound = _compound(tree.subselector)
            if compound is None:
                return None
            compounds.append(compound)
            combinators.append(tree.combinator)
            tree = tree.selector
        compound = _compound(tree)
        if compound is None:
            return None
        compounds.append(compound)
        chains.append(_Chain(tuple(reversed(compounds)), tuple(reversed(combinators))))
    return tuple(chains)


def _compound(tree: object) -> _Compound | None:
    """A compound of plain tests, translated as cssselect's ``HTMLTranslator`` does (tag and
    attribute names lower-cased, values as written); None for anything else."""
    classes: set[str] = set()
    attributes: list[tuple[str, str, str | None]] = []
    parser = cssselect.parser
    while not isinstance(tree, parser.Element):
        if isinstance(tree, parser.Class) and _plain(tree.class_name):
            classes.add(tree.class_name)
        elif isinstance(tree, parser.Hash):
            attributes.append(("id", "=", tree.id))
        elif isinstance(tree, parser.Attrib) and (test := _attribute_test(tree)) is not None:
            attributes.append(test)
        else:
            return None
        tree = tree.selector
    if tree.namespace is not None:
        return None
    tag = tree.element.lower() if tree.element else None
    return _Compound(tag, frozenset(classes), tuple(reversed(attributes)))


def _attribute_test(attrib: cssselect.parser.Attrib) -> tuple[str, str, str | None] | None:
    if attrib.namespace is not None or attrib.flag not in (None, "s"):
        return None
    name = attrib.attrib.lower()
    if attrib.operator == "exists":
        return name, "exists", None
    value = attrib.value.value if attrib.value is not None else None
    if attrib.operator == "=" and value is not None:
        return name, "=", value
    if attrib.operator == "~=" and value is not None and _plain(value):
        return name, "~=", value
    return None


def _plain(value: str) -> bool:
    """A token ``~=`` can match: not empty, no whitespace (cssselect never matches those)."""
    return bool(value) and not any(c in value for c in " \t\n\r\f")
