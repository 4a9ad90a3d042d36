"""Addresses as the crawler stores them, and the forms users paste them in.

The crawl drops a link's fragment and its tracking parameters before it requests it
(:func:`without_tracking` lives here, the one home both the crawler and the archive use), so
``history`` reads a pasted URL the same way, and also tries the forms a user types without
thinking: another case of scheme or host, a missing or extra trailing slash, a bare path.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import parse_qsl, urldefrag, urlencode, urlsplit, urlunsplit

_TRACKING_KEYS = frozenset({"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid",
                            "igshid", "_hsenc", "_hsmi"})


@lru_cache(maxsize=4096)
def without_tracking(url: str) -> str:
    """``url`` without the parameters that only say where a click came from (``utm_*``,
    ``fbclid``, Medium's ``source=post_page-----…``): the same post must have one address,
    or a teaser never finds the archived article it points to."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(key, value) for key, value in pairs if not _is_tracking(key, value)]
    if len(kept) == len(pairs):
        return url
    return urlunsplit(parts._replace(query=urlencode(kept)))


def _is_tracking(key: str, value: str) -> bool:
    key = key.lower()
    return key.startswith("utm_") or key in _TRACKING_KEYS or (
        key == "source" and "-----" in value)


def url_forms(pasted: str) -> list[str]:
    """The archived URLs ``pasted`` may stand for, most literal first: as given; without
    fragment and tracking parameters, scheme and host in lower case; then each with the
    trailing slash added or removed. A bare path (``/en/post/``) gives no absolute form:
    :func:`path_of` is for those."""
    url = pasted.strip()
    forms = [url]
    if "://" in url:
        parts = urlsplit(urldefrag(url)[0])
        normal = without_tracking(urlunsplit(
            parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower())))
        forms.append(normal)
    for form in list(forms):
        base, query = form.split("?", 1) if "?" in form else (form, None)
        other = base[:-1] if base.endswith("/") else f"{base}/"
        forms.append(other if query is None else f"{other}?{query}")
    return list(dict.fromkeys(forms))


def path_of(pasted: str) -> str | None:
    """The path (and query) of a pasted bare path, with a leading slash; None for an
    absolute URL."""
    text = urldefrag(pasted.strip())[0]
    if "://" in text or not text:
        return None
    return text if text.startswith("/") else f"/{text}"
