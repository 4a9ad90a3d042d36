"""Read time: what the page says ("You can read it in 6 minut", "12 min read", "Czas czytania:
5 min", JSON-LD ``timeRequired``), and an estimate from the body's word count.

The stated value and the estimate are kept apart: the first is the blog's claim, the second is
ours, and the archive must never present a guess as what the page said.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import NamedTuple

from scraper.extraction.document import Found, Page
from scraper.extraction.text import META_LINE, meta_items, text_of, with_class, word_pattern
from scraper.extraction.vocabulary import VOCABULARY, Vocabulary

_READ_TIME_CLASS = word_pattern(VOCABULARY.words("read_time_classes"))
_CLASSED_TAGS = ("span", "div", "p", "li", "small", "em", "strong")
_DURATION = re.compile(
    r"P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?",
    re.IGNORECASE,
)
#: Words per minute for the estimate: a common figure for adult silent reading of web text.
WORDS_PER_MINUTE = 200


class _Patterns(NamedTuple):
    """A vocabulary's read-time rules: a labelled read time, bare minutes, the label stems."""

    labelled: re.Pattern[str]
    bare: re.Pattern[str]
    keywords: tuple[str, ...]


@lru_cache(maxsize=64)
def _patterns(vocabulary: Vocabulary) -> _Patterns:
    """Built once per vocabulary: at import for the default, once per profile with labels."""
    unit = vocabulary.alternation("read_time_units") + r"\b\.?"
    about = vocabulary.alternation("read_time_about") + "?"
    labelled = re.compile(
        rf"{vocabulary.alternation('read_time_labels')}\s*:?\s*{about}\s*"
        rf"(?P<before>\d{{1,3}})\s*{unit}"
        rf"|(?<![\d.,])(?P<after>\d{{1,3}})[\s-]*{unit}\s*"
        rf"{vocabulary.alternation('read_time_after')}\b",
        re.IGNORECASE,
    )
    bare = re.compile(rf"(?<![\d.,])(?P<before>\d{{1,3}})\s*{unit}", re.IGNORECASE)
    return _Patterns(labelled, bare, vocabulary.words("read_time_keywords"))


_patterns(VOCABULARY)  # built at import, not on the first page's clock


def parse_read_time(text: str, *, require_label: bool = True,
                    vocabulary: Vocabulary = VOCABULARY) -> int | None:
    """Minutes stated in ``text`` ("Reading time: 7 minutes", "12 min read"), or None.

    Without a label a bare "6 min" is accepted only when ``require_label`` is False, i.e. when a
    site selector already says the element is the read time.
    """
    patterns = _patterns(vocabulary)
    match = patterns.labelled.search(text) or (
        None if require_label else patterns.bare.search(text))
    if match is None:
        return None
    minutes = int(match.group("before") or match.group("after"))
    return minutes or None


def parse_duration(value: str) -> int | None:
    """An ISO 8601 duration (``PT6M``, ``PT1H5M``, ``PT90S``) in whole minutes, rounded up."""
    match = _DURATION.fullmatch(value.strip())
    if match is None:
        return None
    days, hours, minutes, seconds = (float(match.group(k) or 0) for k in "dhms")
    total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    return math.ceil(total / 60) or None


def read_time(page: Page) -> Found[int] | None:
    """The read time the page states: site selector, visible label, an element classed as
    the read time ("⏱ 4 min" needs no label there), then JSON-LD.

    The visible label comes before ``timeRequired`` because it is what the blog shows its
    readers; SEO plugins fill ``timeRequired`` from their own estimate.
    """
    vocabulary = page.vocabulary
    for el in page.site("read_time_minutes"):
        minutes = parse_read_time(text_of(el), require_label=False, vocabulary=vocabulary)
        if minutes:
            return Found(minutes, "site")
    labelled = next(page.labelled(_patterns(vocabulary).keywords,
                                  lambda text: parse_read_time(text, vocabulary=vocabulary)),
                    None)
    if labelled:
        return Found(labelled, "label")
    for el in with_class(page.root, _CLASSED_TAGS, _READ_TIME_CLASS):
        minutes = parse_read_time(text_of(el), require_label=False, vocabulary=vocabulary)
        if minutes and not page.in_noise(el):
            return Found(minutes, "heuristic")
    for el in with_class(page.root, _CLASSED_TAGS, META_LINE):
        minutes = _minutes_in_meta_line(text_of(el), vocabulary)
        if minutes and not page.in_noise(el):
            return Found(minutes, "heuristic")
    required = page.jsonld.article_value("timeRequired")
    minutes = parse_duration(required) if isinstance(required, str) else None
    return Found(minutes, "json-ld") if minutes else None


def _minutes_in_meta_line(text: str, vocabulary: Vocabulary) -> int | None:
    """A meta line's item that is only minutes ("2023-04-05 · 5 min · Jane", Hugo PaperMod)."""
    bare = _patterns(vocabulary).bare
    for item in meta_items(text):
        match = bare.fullmatch(item.strip())
        if match:
            return int(match.group("before")) or None
    return None


def estimated_read_time(word_count: int) -> int | None:
    """Minutes to read ``word_count`` words at :data:`WORDS_PER_MINUTE`, rounded up; None for
    an empty body."""
    return math.ceil(word_count / WORDS_PER_MINUTE) if word_count else None
