"""What an address says, and the one way addresses are cleaned.

Every address extraction stores or the crawl follows (the canonical URL, teaser links,
images, the links of a page) is made absolute here, without its fragment and the parameters
that only track a click (:func:`archive.urls.without_tracking`, the one rule the archive reads
pasted addresses with too). Every rule that reads an address (is the page an archive, does a
teaser link a post, is a link a category's) builds on the path segments of the vocabulary,
joined here once, so the rules cannot drift apart again.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urldefrag, urljoin

from archive.urls import without_tracking
from scraper.extraction.vocabulary import VOCABULARY

_CATEGORY = VOCABULARY.alternation("category_segments")
_TAG = VOCABULARY.alternation("tag_segments")
_ANY_TERM = f"(?:{_CATEGORY}|{_TAG}|{VOCABULARY.alternation('author_segments')})"
#: A category, tag or author archive's path: a term segment and the term's slug, at the end.
ARCHIVE_PATH = re.compile(rf"/{_ANY_TERM}/[^/]+/?$")
#: A link into a term archive, by kind: the segment may carry a platform's prefix
#: (Squarespace's ``/blog-categories/``), since such a link is only a term's, never a page.
TERM_LINK = {kind: re.compile(rf"/(?:[\w-]+-)?{segment}/[^/]+/?$")
             for kind, segment in (("tag", _TAG), ("category", _CATEGORY))}
#: An address inside a category archive (a post's link says its category whatever its rel).
IN_CATEGORY = re.compile(rf"/{_CATEGORY}/")
#: An address inside any term archive (its pages too: ``/tag/x/page/2/``), or an author's
#: page by handle (Medium's ``/@name``): never a post.
NOT_A_POST = re.compile(rf"/{_ANY_TERM}/|/@[^/]+/?$")
#: A search's path segment (``/search``, ``/szukaj``).
SEARCH_SEGMENTS = frozenset(VOCABULARY.words("search_segments"))

#: An absolute http(s) address that ``urljoin`` and ``urldefrag`` give back as written (but for
#: the fragment): printable ASCII, a host without brackets, no ``;params``, no empty query.
_PLAIN_ABSOLUTE = re.compile(
    r"https?://[!\"$-.0->@-Z\\^-~]+(?:/[!\"$-:<->@-~]*)?(?:\?[!\"$-~]+)?(?:#[!-~]*)?")


def absolute(base: str, href: str) -> str | None:
    """``href`` resolved against ``base``, fragment and tracking parameters dropped; None for
    an empty, ``data:``, script or unparsable link."""
    stripped = href.strip()
    url = _resolve(base, stripped) if stripped else None
    found = url if url and url.startswith(("http://", "https://", "file:")) else None
    if found and "?" in found:
        found = without_tracking(found)
    return found


@lru_cache(maxsize=4096)
def join(base: str, href: str) -> str | None:
    """``urljoin`` without the fragment; cached, since a page links the same posts many times.
    None for an address Python cannot parse (``http://[::1/``, a bracketed host that is no IP
    address): one broken link must not cost the page its article."""
    try:
        return urldefrag(urljoin(base, href))[0]
    except ValueError:
        return None


def _resolve(base: str, href: str) -> str | None:
    """:func:`join` without parsing either address when ``href`` is already plainly absolute,
    as nearly every link of a WordPress page is."""
    return href.partition("#")[0] if _PLAIN_ABSOLUTE.fullmatch(href) else join(base, href)
