"""The ``language`` field: what the page declares (``<html lang>``, JSON-LD, ``og:locale``,
the profile), else a count of words only one language uses."""

from __future__ import annotations

import re

from scraper.extraction.document import Found, Page

_LANG = re.compile(r"^([a-z]{2})(?:[-_][a-z0-9]+)*$", re.IGNORECASE)
#: Frequent words that exist in one language only (no "to", "a", "i", which both share).
_STOP_WORDS = {
    "en": frozenset({"the", "and", "is", "of", "that", "it", "you", "for", "with", "are", "this",
                     "be", "was", "have", "not", "but", "they", "your", "what", "can", "when"}),
    "pl": frozenset({"się", "nie", "na", "jest", "że", "jak", "co", "po", "czy", "ale", "od",
                     "dla", "są", "być", "tak", "już", "może", "tym", "aby", "oraz"}),
}
#: The stop-word heuristic answers only with this many hits and twice the other language's.
_MIN_STOP_WORDS = 5
_LANGUAGE_SAMPLE_WORDS = 2000


def language(page: Page, sample: str) -> Found[str] | None:
    """``<html lang>``, JSON-LD ``inLanguage``, ``og:locale``, the profile's language, then
    the stop-word count of ``sample`` (the body, or the page's text)."""
    lang = _two_letters(page.doc.get("lang") or page.doc.get("xml:lang"))
    if lang:
        return Found(lang, "meta")
    in_language = page.jsonld.article_value("inLanguage") or page.jsonld.first_of_types(
        ("WebPage", "WebSite"), "inLanguage")
    for value, source in ((in_language, "json-ld"), (page.meta_value("og:locale"), "opengraph"),
                          (page.profile.language if page.profile else None, "site")):
        lang = _two_letters(value)
        if lang:
            return Found(lang, source)
    detected = detect_language(sample)
    return Found(detected, "heuristic") if detected else None


def _two_letters(value: object) -> str | None:
    match = _LANG.match(value.strip()) if isinstance(value, str) else None
    return match.group(1).lower() if match else None


def detect_language(text: str) -> str | None:
    """"en" or "pl" by counting words only that language uses; None when unclear."""
    words = text.lower().split()[:_LANGUAGE_SAMPLE_WORDS]
    hits = {lang: sum(word.strip(".,;:!?()\"'„”") in stop for word in words)
            for lang, stop in _STOP_WORDS.items()}
    (best, best_hits), (_, other_hits) = sorted(hits.items(), key=lambda kv: -kv[1])
    return best if best_hits >= _MIN_STOP_WORDS and best_hits >= 2 * other_hits else None
