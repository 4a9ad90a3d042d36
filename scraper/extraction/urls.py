"""What an address says, and the one way addresses are cleaned.

Every rule that reads an address (is the page an archive, does a teaser link a post, is a
link a category's) builds on the path segments of the vocabulary, joined here once, so the
rules cannot drift apart again.
"""

from __future__ import annotations

import re

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
