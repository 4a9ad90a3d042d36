"""Publication and modification dates.

Numeric dates are day-first (05.04.2023 is 5 April), as on Polish and most European blogs;
month names are read in every language of the vocabulary, and CJK dates (2020年7月3日).
Values are ISO 8601: ``YYYY-MM-DD``, or a full datetime when the signal carries the time.

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
from datetime import date, datetime, timedelta
from itertools import chain
from typing import NamedTuple

from scraper.extraction.document import Found, Page
from scraper.extraction.text import (
    Element,
    has_class_word,
    is_invisible,
    normalize_space,
    text_content,
    text_of,
    with_class,
    word_pattern,
)
from scraper.extraction.vocabulary import VOCABULARY

_MONTH_NAMES = VOCABULARY.months()
_MONTHS = {name: number for number, names in _MONTH_NAMES.items() for name in names}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
#: Between a day and its month name, and between the month and the year: "5 de julio de
#: 2020" (Spanish, Portuguese), "5. Juli 2020", "July 5th, 2020", "le 1er juin 2020".
_DAY_SUFFIX = r"(?:st|nd|rd|th|er)?\.?"
_DE = r"(?:\s+de)?"
#: The same month in a second set of names after a slash: "24 نيسان / أبريل 2020" (Arabic
#: prints its Levantine and its Egyptian name side by side).
_ALSO_NAMED = rf"(?:\s*/\s*(?:{_MONTH})\b)?"
_DATE = re.compile(
    rf"""
    (?<![\d.])(?P<iso_y>\d{{4}})-(?P<iso_m>\d{{1,2}})-(?P<iso_d>\d{{1,2}})
        (?:[T\s](?P<hour>\d{{1,2}}):(?P<minute>\d{{2}})(?::(?P<second>\d{{1,2}})(?:[.,]\d+)?)?
           \s*(?P<tz>Z|[+-]\d{{2}}(?::?\d{{2}})?)?)?(?![\d-])
  | (?<![\d.])(?P<ymd_y>\d{{4}})(?P<ymd_sep>[./])(?P<ymd_m>\d{{1,2}})(?P=ymd_sep)
        (?P<ymd_d>\d{{1,2}})(?!\d)
  | (?<![\d.])(?P<dmy_d>\d{{1,2}})(?P<dmy_sep>[./-])(?P<dmy_m>\d{{1,2}})(?P=dmy_sep)
        (?P<dmy_y>\d{{4}})(?!\d)
  | (?<!\w)(?P<dn_d>\d{{1,2}}){_DAY_SUFFIX}\s*{_DE}\s+(?:of\s+)?(?P<dn_m>{_MONTH})\b\.?,?
        {_ALSO_NAMED}{_DE}\s+(?P<dn_y>\d{{4}})(?!\d)
  | (?<!\w)(?P<nd_m>{_MONTH})\b\.?\s+(?P<nd_d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+
        (?P<nd_y>\d{{4}})(?!\d)
  | (?<!\d)(?P<yn_y>\d{{4}})\.\s+(?P<yn_m>{_MONTH})\b\.?\s+(?P<yn_d>\d{{1,2}})(?!\d)
  | (?<!\d)(?P<cjk_y>\d{{4}})\s*[年년]\s*(?P<cjk_m>\d{{1,2}})\s*[月월]\s*(?P<cjk_d>\d{{1,2}})
        \s*[日일]
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
    if m["nd_y"]:
        return _iso(m["nd_y"], str(_MONTHS[m["nd_m"].lower()]), m["nd_d"])
    if m["yn_y"]:  # Hungarian: "2020. június 4."
        return _iso(m["yn_y"], str(_MONTHS[m["yn_m"].lower()]), m["yn_d"])
    return _iso(m["cjk_y"], m["cjk_m"], m["cjk_d"])


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
    second = int(time["second"] or 0)  # unpadded by some CMSs: "23:15:0Z"
    stamp = f"{day_value}T{int(time['hour']):02}:{time['minute']}:{second:02}{zone}"
    try:
        return datetime.fromisoformat(stamp).isoformat()
    except ValueError:
        return None


# -- signals ---------------------------------------------------------------------------------

#: An update label before a date: the same stems that find the modified date's labels.
_UPDATED = re.compile("|".join(VOCABULARY.words("updated_words")), re.I)
_UPDATED_CLASS = word_pattern(VOCABULARY.words("updated_classes"))
#: Classes that say "published" outright: WordPress marks the publication ``<time
#: class="entry-date published updated">`` while it was never updated.
_PUBLISHED_TIME_CLASS = word_pattern(VOCABULARY.words("published_time_classes"))
#: Class words of the element holding the article's date line; htmldate's cues (``datum``,
#: ``fecha``, ``dateline``, ``submitted``...) are among them.
_PUBLISHED_CLASS = word_pattern((*VOCABULARY.words("date_classes"), "meta", "byline",
                                 "post-meta", "entry-meta"))
#: A date in an address: ``/2020/07/05/``, ``/2020-4-15-...``, ``_2020_07_05``, or eight
#: digits between separators (``/20200705/``, ``-20200113``). Years 1990–2039, as htmldate's
#: ``COMPLETE_URL`` (htmldate 1.11, extractors.py, Apache-2.0).
_URL_DATE = re.compile(
    r"(?<![\d.])(199\d|20[0-3]\d)[/_-](\d{1,2})[/_-](\d{1,2})(?:\D|$)"
    r"|[/_-](199\d|20[0-3]\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?:[/_.-]|$)")
_UTC = timedelta(0)
#: UTC hours before which the publisher's day may be the day before, and from which it may be
#: the day after: offsets from UTC-9 (Alaska) to UTC+11 (eastern Australia in summer), where
#: nearly every publisher is; a wider span lets an unrelated date on the page move the stamp.
_MOST_WEST = 9
_MOST_EAST = 13
#: An element of the article's header this short may be a bare date.
_LONE_DATE_CHARS = 40
_DATED_TAGS = ("div", "p", "span", "time", "li", "ul", "header", "small", "h2", "h3", "h4",
               "abbr")
#: A date line under the headline ("22/11/2020 - 04:30 - Source: ...", "2020年07月03日 |
#: Hiking"): the date opens a short element among the first few after the headline.
_DATELINE_TAGS = ("p", "div", "span", "time", "small", "li", "h2", "h3", "h4", "h5", "h6",
                  "header")
_DATELINE_CHARS = 160
_DATELINE_OPENING = 20
_DATELINE_ELEMENTS = 25
#: A paragraph this long under the headline is the text: no date line follows.
_TEXT_STARTED_CHARS = 200


@dataclass(frozen=True)
class DateKind:
    """What tells a published date from a modified one, signal by signal."""

    field: str
    jsonld: str
    opengraph: tuple[str, ...]
    meta: tuple[str, ...]
    itemprop: str
    #: Keys of the date in the page's scripts: JSON (``"datePublished":"..."``, escaped or
    #: not) or JavaScript (``var publication_date = "..."``).
    script_keys: tuple[str, ...]
    #: Visible label before the date, and the words that find its text node.
    label: re.Pattern[str]
    label_keywords: tuple[str, ...]
    updated: bool


#: What follows a date's key in a script: the value, quoted (escaped quotes too).
_SCRIPT_VALUE = re.compile(r"""\\?["']?\s*[:=]\s*\\?["']([^"'\\<>]{8,40})""")


#: Meta names and properties of the publication date: ours first, then htmldate's
#: ``DATE_ATTRIBUTES`` (htmldate 1.11, core.py, Apache-2.0) but for its loosest ("meta",
#: "timestamp", "created", "gentime", "date_created"), which name other dates as often.
PUBLISHED_META = (
    "date", "dc.date", "dc.date.issued", "dcterms.created", "dcterms.issued", "pubdate",
    "publishdate", "publish-date", "publish_date", "article.published", "parsely-pub-date",
    "sailthru.date", "citation_publication_date",
    "analyticsattributes.articledate", "article.created", "article_date_original",
    "article:post_date", "article:published", "article:published_date",
    "article:publicationdate", "bt:pubdate", "citation_date", "content_create_date",
    "cxenseparse:recs:publishtime", "datecreated", "dateposted", "datepublished",
    "date_published", "dc.created", "dc.date.created", "dc.date.publication",
    "dcsext.articlefirstpublished", "dcterms.date", "dc:created", "dc:date", "displaydate",
    "doc_date", "field-name-post-date", "mediator_published_time", "og:article:published",
    "og:datepublished", "og:pubdate", "og:publish_date", "og:question:published_time",
    "og:regdate", "originalpublicationdate", "pdate", "ptime", "publish_time",
    "published-date", "published_date", "published_time", "publisheddate", "publication_date",
    "rbpubdate", "release_date", "rnews:datepublished", "shareaholic:article_published_time",
    "twt-published-at", "video:release_date", "vr:published_time",
)
#: Meta names and properties of the last update: ours, then htmldate's ``NAME_MODIFIED`` and
#: ``PROPERTY_MODIFIED`` (same source) but for ``release_date``, a publication date.
MODIFIED_META = (
    "dcterms.modified", "dc.date.modified", "last-modified", "article.updated",
    "lastdate", "lastmod", "lastmodified", "modified", "utime", "article:modified",
    "article:modified_date", "article:post_modified", "bt:moddate", "datemodified",
    "dc.modified", "modified_time", "modificationdate", "og:modified_time", "revision_date",
    "updated_time",
)

PUBLISHED = DateKind(
    field="published",
    jsonld="datePublished",
    opengraph=("article:published_time", "og:article:published_time", "og:published_time"),
    meta=PUBLISHED_META,
    itemprop="datePublished",
    script_keys=("datePublished", "publishDate", "publishedDate", "publishedAt",
                 "published_at", "publication_date", "date_published", "firstPublishedDate"),
    label=re.compile(VOCABULARY.alternation("published_labels") + r"\s*:?", re.I),
    label_keywords=VOCABULARY.words("published_keywords"),
    updated=False,
)
MODIFIED = DateKind(
    field="modified",
    jsonld="dateModified",
    opengraph=("article:modified_time", "og:updated_time", "og:article:modified_time"),
    meta=MODIFIED_META,
    itemprop="dateModified",
    script_keys=("dateModified", "modifiedDate", "updatedAt", "updated_at", "date_modified",
                 "lastModifiedDate"),
    label=re.compile(VOCABULARY.alternation("updated_labels") + r"\s*:?", re.I),
    label_keywords=VOCABULARY.words("updated_words"),
    updated=True,
)


def published(page: Page) -> Found[str] | None:
    """The article's publication date (never an "updated" one)."""
    return _decide(_stated(page, PUBLISHED), chain(_data(page, PUBLISHED), _heuristic_dates(page)))


def modified(page: Page) -> Found[str] | None:
    """The article's last-modified date, when the page states one."""
    return _decide(_stated(page, MODIFIED), _data(page, MODIFIED))


def published_stated(page: Page) -> Found[str] | None:
    """The publication date a page states about itself (site selector, JSON-LD, head,
    ``<time>``, label), for a page that is one item but no article (a video, a forum thread):
    the verdict and the date are separate facts. The heuristics (a meta line, a date under
    the headline), script data and the address are left out: they read an article's layout,
    which the verdict has just denied."""
    return _decide(_stated(page, PUBLISHED), iter(()))


def modified_stated(page: Page) -> Found[str] | None:
    """:func:`published_stated` for the last update."""
    return _decide(_stated(page, MODIFIED), iter(()))


def _decide(stated: Iterator[Found[str]], rest: Iterator[Found[str]]) -> Found[str] | None:
    """The first candidate, upgraded to a same-day full datetime from a later one; a UTC
    stamp moved to the publisher's day when a later stated signal shows it."""
    first = next(stated, None) or next(rest, None)
    if first is None:
        return None
    if "T" in first.value:
        return _publishers_day(first, stated)
    same_day = next((c.value for c in chain(stated, rest)
                     if "T" in c.value and c.value.startswith(first.value)), None)
    return Found(same_day, first.source) if same_day else first


def _publishers_day(stamp: Found[str], later: Iterator[Found[str]]) -> Found[str]:
    """``stamp`` as the publisher's day. Yoast and many CMSs write machine dates in UTC
    (``...+00:00``, ``...Z``), while the page shows the day where it was published: 21:18 on
    17 February in Miami is 02:18 on the 18th in UTC. The first later signal that states a
    local time (a date, a time without zone, or another offset) decides: on the day next to
    the stamp's, at an offset a publisher's zone has, it is the same moment in the publisher's
    zone, given at that offset when it has one. Only what the page states moves a stamp:
    neither script data nor an address (which names the day a story was filed) nor a
    heuristic."""
    moment = datetime.fromisoformat(stamp.value)
    if moment.utcoffset() != _UTC or _MOST_WEST <= moment.hour < _MOST_EAST:
        return stamp  # stated at an offset, or the same day everywhere publishers are
    for candidate in later:
        value = candidate.value
        local = datetime.fromisoformat(value) if "T" in value else None
        if local is not None and local.utcoffset() == _UTC:
            continue  # another UTC stamp tells nothing of the publisher's zone
        shift = (date.fromisoformat(value[:10]) - moment.date()).days
        if shift == (-1 if moment.hour < _MOST_WEST else 1):
            if local is not None and local.utcoffset() is not None:
                return Found(moment.astimezone(local.tzinfo).isoformat(), candidate.source)
            # A bare day: a later signal may give the moment at the publisher's offset.
            zoned = next((c.value for c in later if c.value.startswith(value[:10])
                          and datetime.fromisoformat(c.value).utcoffset() not in (None, _UTC)),
                         None) if local is None else None
            return Found(zoned or value, candidate.source)
        return stamp
    return stamp


def _stated(page: Page, kind: DateKind) -> Iterator[Found[str]]:
    """The date signals the page states for ``kind``, most trusted first: site selector,
    JSON-LD article node, head, ``<time>``, labels. Generated lazily, so a page whose JSON-LD
    gives the date never pays for the rest."""
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


def _data(page: Page, kind: DateKind) -> Iterator[Found[str]]:
    """Dates the page carries for machines only: its JSON-LD page node, its scripts' data
    and (for the publication) its own addresses."""
    node = page.jsonld.web_page
    if node is not None and isinstance(node.get(kind.jsonld), str) and \
            (parsed := parse_date(node[kind.jsonld])):
        yield Found(parsed, "json-ld")
    yield from (Found(v, "script") for v in _script_dates(page, kind))
    if not kind.updated:
        yield from (Found(v, "url") for v in _address_dates(page))


def _head_dates(page: Page, kind: DateKind) -> Iterator[Found[str]]:
    for keys, source in ((kind.opengraph, "opengraph"), (kind.meta, "meta")):
        value = page.meta_value(*keys)
        if value and (parsed := parse_date(value)):
            yield Found(parsed, source)
    # The article's own microdata first; else the page's (a <meta itemprop> in <head>, a
    # header outside the <article> element).
    for el in page.itemprop(kind.itemprop) or page.itemprop(kind.itemprop, anywhere=True):
        # Blogger puts the machine date in <abbr title=...> and shows only the time of day.
        raw = el.get("content") or el.get("datetime") or (
            el.get("title") if el.tag == "abbr" else None) or text_content(el)
        if parsed := parse_date(raw):
            yield Found(parsed, "meta")


def _script_dates(page: Page, kind: DateKind) -> Iterator[str]:
    """Dates under ``kind``'s keys in the page's scripts, page order: the data apps keep in
    inline scripts, and JSON-LD no parser reads. JSON-LD that parses has spoken already
    (a listing's ``blogPost`` dates are none of the page's)."""
    scripts = [el.text for el in page.doc.iter("script")
               if "ld+json" not in (el.get("type") or "")]
    for text in (*scripts, *page.jsonld.unread):
        if text:
            yield from (value for _, value in sorted(_keyed_dates(text, kind.script_keys)))


def _keyed_dates(text: str, keys: tuple[str, ...]) -> Iterator[tuple[int, str]]:
    """``(position, date)`` of each whole key of ``keys`` in ``text`` followed by a date.
    Keys are found by ``str.find``: a regex probing every position of a page's scripts
    costs more than the rest of the date search."""
    for key in keys:
        at = text.find(key)
        while at >= 0:
            end = at + len(key)
            before = text[at - 1] if at else " "
            value = _SCRIPT_VALUE.match(text, end) if not (before.isalnum() or before in "_$") \
                else None
            if value and (parsed := parse_date(value[1])):
                yield at, parsed
            at = text.find(key, end)


def _address_dates(page: Page) -> Iterator[str]:
    """A date in the page's own addresses: the one it was fetched from, its canonical link
    and its ``og:url`` (a publisher's address names the publisher's day)."""
    canonical = next((link.get("href") for link in page.doc.iter("link")
                      if link.get("rel") == "canonical"), None)
    for address in (page.url, canonical, page.meta_value("og:url")):
        match = _URL_DATE.search(address) if address else None
        if match and (value := _iso(*(g for g in match.groups() if g))):
            yield value


def _is_updated(el: Element) -> bool:
    """A ``<time>`` marked as the update date: by class, itemprop or the label before it."""
    if el.get("itemprop") == "dateModified" or (
            has_class_word(el, _UPDATED_CLASS) and not has_class_word(el, _PUBLISHED_TIME_CLASS)):
        return True
    previous = el.getprevious()
    before = (previous.tail if previous is not None else el.getparent().text) or ""
    if previous is not None:
        before = text_content(previous) + before
    return bool(_UPDATED.search(before[-40:]))


def _time_values(el: Element) -> Iterator[str]:
    """A ``<time>``'s visible date first (what the reader sees decides the day), then its
    machine-readable ``datetime`` attribute."""
    for raw in (text_content(el), el.get("datetime") or ""):
        parsed = parse_date(raw)
        if parsed:
            yield parsed


def _element_dates(page: Page, el: Element, kind: DateKind) -> Iterator[str]:
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


def _not_published(el: Element) -> bool:
    """Inside a meta line: what the reader does not see, and the update date (Woodmart lists
    ``li.modified-date`` before ``li.meta-date``)."""
    return is_invisible(el) or has_class_word(el, _UPDATED_CLASS)


def _heuristic_dates(page: Page) -> Iterator[Found[str]]:
    """Last resorts: a date in the article's meta line, an element of the article's header
    saying nothing but a date (Gatsby's ``<header><h1>…</h1><p>April 05, 2023</p>``), then
    a date line under the headline."""
    for el in with_class(page.root, _DATED_TAGS, _PUBLISHED_CLASS):
        if not has_class_word(el, _UPDATED_CLASS) and not page.in_noise(el):
            value = _unlabelled(text_of(el, _not_published), PUBLISHED)
            if value:
                yield Found(value, "heuristic")
    for header in page.root.iter("header"):
        for el in header.iter("p", "span", "div", "small"):
            text = normalize_space(text_content(el))
            found = search_date(text) if len(text) <= _LONE_DATE_CHARS else None
            if found and found.end - found.start >= len(text) - 2 and not page.in_noise(el):
                yield Found(found.value, "heuristic")
    if (value := _dateline(page)) is not None:
        yield Found(value, "heuristic")


def _meta_line(page: Page, el: Element) -> bool:
    """True when ``el`` or its parent is classed as the meta line as well as noise, under
    no other noise: Bootstrap's ``nav`` lays out any inline list (``<ul class="nav meta">``),
    and the meta word says which list this is."""
    for node in (el, el.getparent()):
        parent = node.getparent() if node is not None else None
        if parent is not None and has_class_word(node, _PUBLISHED_CLASS) and \
                not page.in_noise(parent):
            return True
    return False


def _dateline(page: Page) -> str | None:
    """The date opening a short element among the first few after the headline, before
    the text starts (a long paragraph): news sites print "22/11/2020 - 04:30 - Source"
    or a bare "January 18, 2020" there, with no class or label to say so. With no h1, the
    headline is the heading that says the page's title, perhaps above the article element."""
    headline, scope = page.headline, page.root
    if headline is None:
        scope = page.content_area
        headline = page.titled_heading(scope)
        if headline is None:
            return None
    passed, looked = False, 0
    for el in scope.iter(*_DATELINE_TAGS, "h1"):
        if not passed:
            passed = el is headline
            continue
        text = normalize_space(text_content(el))
        if el.tag == "p" and len(text) >= _TEXT_STARTED_CHARS:
            return None
        looked += 1
        if looked > _DATELINE_ELEMENTS:
            return None
        if len(text) > _DATELINE_CHARS or (page.in_noise(el) and not _meta_line(page, el)) \
                or next(el.iterancestors("figure"), None) is not None:
            continue  # a caption dates the picture
        found = search_date(text)
        if found is not None and found.start <= _DATELINE_OPENING and \
                not _UPDATED.search(text[:found.start]) and not _is_updated(el):
            return found.value
    return None
