"""Publication and modification dates.

Numeric dates are day-first (05.04.2023 is 5 April), as on Polish and most European blogs;
month names are English or Polish (nominative, genitive and abbreviated). Values are ISO 8601:
``YYYY-MM-DD``, or a full datetime when the signal carries the time.

Order of trust: site selector, JSON-LD Article node, OpenGraph/meta, ``<time>`` in the article,
visible labels, heuristics. The first signal that has a date decides the DAY; when it gives only
a date and a later signal gives a full datetime on the same day, that datetime is returned
(source stays the deciding signal): the archive keeps the most precise value the page states
without letting a less trusted signal move the date.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from lxml.html import HtmlElement

from scraper.extraction.document import Found, Page
from scraper.extraction.text import (
    has_class_word,
    is_invisible,
    normalize_space,
    text_of,
    with_class,
    word_pattern,
)

_MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: ("january", "jan", "styczeń", "stycznia", "styczen", "sty"),
    2: ("february", "feb", "luty", "lutego", "lut"),
    3: ("march", "mar", "marzec", "marca"),
    4: ("april", "apr", "kwiecień", "kwietnia", "kwiecien", "kwi"),
    5: ("may", "maj", "maja"),
    6: ("june", "jun", "czerwiec", "czerwca", "cze"),
    7: ("july", "jul", "lipiec", "lipca", "lip"),
    8: ("august", "aug", "sierpień", "sierpnia", "sierpien", "sie"),
    9: ("september", "sept", "sep", "wrzesień", "września", "wrzesien", "wrzesnia", "wrz"),
    10: ("october", "oct", "październik", "października", "pazdziernik", "pazdziernika", "paź",
         "paz"),
    11: ("november", "nov", "listopad", "listopada", "lis"),
    12: ("december", "dec", "grudzień", "grudnia", "grudzien", "gru"),
}
_MONTHS = {name: number for number, names in _MONTH_NAMES.items() for name in names}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE = re.compile(
    rf"""
    (?<![\d.])(?P<iso_y>\d{{4}})-(?P<iso_m>\d{{1,2}})-(?P<iso_d>\d{{1,2}})
        (?:[T\s](?P<hour>\d{{1,2}}):(?P<minute>\d{{2}})(?::(?P<second>\d{{2}})(?:[.,]\d+)?)?
           \s*(?P<tz>Z|[+-]\d{{2}}(?::?\d{{2}})?)?)?(?![\d-])
  | (?<![\d.])(?P<ymd_y>\d{{4}})(?P<ymd_sep>[./])(?P<ymd_m>\d{{1,2}})(?P=ymd_sep)
        (?P<ymd_d>\d{{1,2}})(?!\d)
  | (?<![\d.])(?P<dmy_d>\d{{1,2}})(?P<dmy_sep>[./-])(?P<dmy_m>\d{{1,2}})(?P=dmy_sep)
        (?P<dmy_y>\d{{4}})(?!\d)
  | (?<!\w)(?P<dn_d>\d{{1,2}})(?:st|nd|rd|th)?\.?\s+(?:of\s+)?(?P<dn_m>{_MONTH})\b\.?,?\s+
        (?P<dn_y>\d{{4}})(?!\d)
  | (?<!\w)(?P<nd_m>{_MONTH})\b\.?\s+(?P<nd_d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+
        (?P<nd_y>\d{{4}})(?!\d)
    """,
    re.IGNORECASE | re.VERBOSE,
)


class DateMatch(NamedTuple):
    """A date found in text: its ISO value and where it sits."""

    value: str
    start: int
    end: int


def search_date(text: str) -> DateMatch | None:
    """The first valid date in ``text`` (impossible dates like 31.02.2023 are passed over)."""
    for match in _DATE.finditer(text):
        value = _to_iso(match)
        if value:
            return DateMatch(value, match.start(), match.end())
    return None


def parse_date(text: str) -> str | None:
    """The first date in ``text`` as ISO 8601, or None.

    >>> parse_date("Data publikacji: 18 sierpnia 2023")
    '2023-08-18'
    """
    found = search_date(text)
    return found.value if found else None


def _to_iso(m: re.Match[str]) -> str | None:
    # Groups are read one by one: ``groupdict`` would build a dict of every group per date.
    if m["iso_y"]:
        return _iso(m["iso_y"], m["iso_m"], m["iso_d"], m)
    if m["ymd_y"]:
        return _iso(m["ymd_y"], m["ymd_m"], m["ymd_d"])
    if m["dmy_y"]:
        # Day first; a US month-first date is read only when day-first is impossible.
        return _iso(m["dmy_y"], m["dmy_m"], m["dmy_d"]) or _iso(m["dmy_y"], m["dmy_d"], m["dmy_m"])
    if m["dn_y"]:
        return _iso(m["dn_y"], str(_MONTHS[m["dn_m"].lower()]), m["dn_d"])
    return _iso(m["nd_y"], str(_MONTHS[m["nd_m"].lower()]), m["nd_d"])


def _iso(year: str, month: str, day: str, time: re.Match[str] | None = None) -> str | None:
    try:
        day_value = date(int(year), int(month), int(day))
    except ValueError:
        return None
    if time is None or time["hour"] is None:
        return day_value.isoformat()
    zone = (time["tz"] or "").upper().replace("Z", "+00:00")
    if len(zone) == 3:
        zone += ":00"
    elif len(zone) == 5:
        zone = f"{zone[:3]}:{zone[3:]}"
    stamp = f"{day_value}T{int(time['hour']):02}:{time['minute']}:{time['second'] or '00'}{zone}"
    try:
        return datetime.fromisoformat(stamp).isoformat()
    except ValueError:
        return None


# -- signals ---------------------------------------------------------------------------------

#: Word stems that mark a date as the update, not the publication: the one list behind both the
#: "is this ``<time>`` an update?" test and the modified date's label search.
UPDATED_WORDS = ("updated", "modified", "zaktualizowan", "aktualizac", "modyfikac", "edytowan",
                 "zmienion")
_UPDATED = re.compile("|".join(UPDATED_WORDS), re.I)
_UPDATED_CLASS = word_pattern(("updated", "modified", "date-modified", "last-modified"))
_PUBLISHED_CLASS = word_pattern(("date", "posted-on", "published", "post-date", "entry-date",
                                 "meta", "byline", "post-meta", "entry-meta"))
_URL_DATE = re.compile(r"/(\d{4})/(\d{2})/(\d{2})/")
#: An element of the article's header this short may be a bare date.
_LONE_DATE_CHARS = 40
_DATED_TAGS = ("div", "p", "span", "time", "li", "ul", "header", "small")


@dataclass(frozen=True)
class DateKind:
    """What tells a published date from a modified one, signal by signal."""

    field: str
    jsonld: str
    opengraph: tuple[str, ...]
    meta: tuple[str, ...]
    itemprop: str
    #: Visible label before the date, and the words that find its text node.
    label: re.Pattern[str]
    label_keywords: tuple[str, ...]
    updated: bool


PUBLISHED = DateKind(
    field="published",
    jsonld="datePublished",
    opengraph=("article:published_time", "og:article:published_time", "og:published_time"),
    meta=("date", "dc.date", "dc.date.issued", "dcterms.created", "dcterms.issued", "pubdate",
          "publishdate", "publish-date", "publish_date", "article.published",
          "parsely-pub-date", "sailthru.date", "citation_publication_date"),
    itemprop="datePublished",
    label=re.compile(
        r"(?:date\s+published|publish(?:ed)?\s+(?:date|on)|published|posted(?:\s+on)?"
        r"|data\s+(?:publikacji|dodania|wpisu)|opublikowan[oya](?:\s+dnia)?|dodan[oya])\s*:?",
        re.I),
    label_keywords=("publish", "posted", "publikac", "opublikowan", "dodan"),
    updated=False,
)
MODIFIED = DateKind(
    field="modified",
    jsonld="dateModified",
    opengraph=("article:modified_time", "og:updated_time", "og:article:modified_time"),
    meta=("dcterms.modified", "dc.date.modified", "last-modified", "article.updated"),
    itemprop="dateModified",
    label=re.compile(
        r"(?:(?:last\s+)?(?:updated|modified)(?:\s+on)?|date\s+modified|zaktualizowan[oya]"
        r"(?:\s+dnia)?|(?:ostatnia\s+)?aktualizacja|data\s+(?:aktualizacji|modyfikacji))\s*:?",
        re.I),
    label_keywords=UPDATED_WORDS,
    updated=True,
)


def published(page: Page) -> Found[str] | None:
    """The article's publication date (never an "updated" one)."""
    return _decide(_candidates(page, PUBLISHED))


def modified(page: Page) -> Found[str] | None:
    """The article's last-modified date, when the page states one."""
    return _decide(_candidates(page, MODIFIED))


def _decide(candidates: Iterator[Found[str]]) -> Found[str] | None:
    """The first candidate, upgraded to a same-day full datetime from a later one."""
    first = next(candidates, None)
    if first is None or "T" in first.value:
        return first
    same_day = next((c.value for c in candidates
                     if "T" in c.value and c.value.startswith(first.value)), None)
    return Found(same_day, first.source) if same_day else first


def _candidates(page: Page, kind: DateKind) -> Iterator[Found[str]]:
    for el in page.site(kind.field):
        yield from (Found(value, "site") for value in _element_dates(page, el, kind))
    value = page.jsonld.article_value(kind.jsonld)
    if isinstance(value, str) and (parsed := parse_date(value)):
        yield Found(parsed, "json-ld")
    yield from _head_dates(page, kind)
    for el in page.root.iter("time"):
        if _is_updated(el) == kind.updated and not page.in_noise(el):
            yield from (Found(v, "time-element") for v in _time_values(el))
    yield from (Found(v, "label") for v in page.labelled(kind.label_keywords,
                                                         lambda text: _after_label(text, kind)))
    if not kind.updated:
        yield from _heuristic_dates(page)


def _head_dates(page: Page, kind: DateKind) -> Iterator[Found[str]]:
    for keys, source in ((kind.opengraph, "opengraph"), (kind.meta, "meta")):
        value = page.meta_value(*keys)
        if value and (parsed := parse_date(value)):
            yield Found(parsed, source)
    for el in page.itemprop(kind.itemprop):
        # Blogger puts the machine date in <abbr title=...> and shows only the time of day.
        raw = el.get("content") or el.get("datetime") or (
            el.get("title") if el.tag == "abbr" else None) or el.text_content()
        if parsed := parse_date(raw):
            yield Found(parsed, "meta")


def _is_updated(el: HtmlElement) -> bool:
    """A ``<time>`` marked as the update date: by class, itemprop or the label before it."""
    if has_class_word(el, _UPDATED_CLASS) or el.get("itemprop") == "dateModified":
        return True
    previous = el.getprevious()
    before = (previous.tail if previous is not None else el.getparent().text) or ""
    if previous is not None:
        before = previous.text_content() + before
    return bool(_UPDATED.search(before[-40:]))


def _time_values(el: HtmlElement) -> Iterator[str]:
    """A ``<time>``'s visible date first (what the reader sees decides the day), then its
    machine-readable ``datetime`` attribute."""
    for raw in (el.text_content(), el.get("datetime") or ""):
        parsed = parse_date(raw)
        if parsed:
            yield parsed


def _element_dates(page: Page, el: HtmlElement, kind: DateKind) -> Iterator[str]:
    """Dates of a site-selected element: its visible text first, then the ``datetime``
    attributes of its ``<time>`` elements; for the published date, update-marked ``<time>``
    elements are left out of both."""
    times = list(el.iter("time"))
    updated = set() if kind.updated else {t for t in times if _is_updated(t)}
    text = text_of(el, lambda e: page.skip(e) or e in updated)
    found = _after_label(text, kind) or _unlabelled(text, kind)
    if found:
        yield found
    for time in times:
        if time not in updated and (parsed := parse_date(time.get("datetime") or "")):
            yield parsed


def _unlabelled(text: str, kind: DateKind) -> str | None:
    """The first date of ``text``, unless (for a published date) an update label precedes it."""
    found = search_date(text)
    if found is None or (not kind.updated and _UPDATED.search(text[:found.start])):
        return None
    return found.value


def _after_label(text: str, kind: DateKind) -> str | None:
    """The date right after ``kind``'s label in ``text`` (no other label in between)."""
    for label in kind.label.finditer(text):
        found = search_date(text[label.end():label.end() + 60])
        if found is None:
            continue
        between = text[label.end():label.end() + found.start]
        if kind.updated or not _UPDATED.search(between):
            return found.value
    return None


def _not_published(el: HtmlElement) -> bool:
    """Inside a meta line: what the reader does not see, and the update date (Woodmart lists
    ``li.modified-date`` before ``li.meta-date``)."""
    return is_invisible(el) or has_class_word(el, _UPDATED_CLASS)


def _heuristic_dates(page: Page) -> Iterator[Found[str]]:
    """Last resorts: a date in the article's meta line, an element of the article's header
    saying nothing but a date (Gatsby's ``<header><h1>…</h1><p>April 05, 2023</p>``), then
    a ``/YYYY/MM/DD/`` permalink."""
    for el in with_class(page.root, _DATED_TAGS, _PUBLISHED_CLASS):
        if not has_class_word(el, _UPDATED_CLASS) and not page.in_noise(el):
            value = _unlabelled(text_of(el, _not_published), PUBLISHED)
            if value:
                yield Found(value, "heuristic")
    for header in page.root.iter("header"):
        for el in header.iter("p", "span", "div", "small"):
            text = normalize_space(el.text_content())
            found = search_date(text) if len(text) <= _LONE_DATE_CHARS else None
            if found and found.end - found.start >= len(text) - 2 and not page.in_noise(el):
                yield Found(found.value, "heuristic")
    match = _URL_DATE.search(page.url)
    if match and (value := _iso(*match.groups())):
        yield Found(value, "heuristic")
