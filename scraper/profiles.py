"""Site profiles: what differs from one blog to the next, kept out of the spider.

A profile says where a blog starts, which URLs belong to it (host and language path) and which
selectors and labels its theme uses. Selectors are only the first signal extraction tries; every
field also has generic fallbacks, so a theme change degrades a profile instead of breaking it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit


class UnknownProfileError(ValueError):
    """Raised for a ``--site`` name no profile carries."""


@dataclass(frozen=True)
class SiteProfile:
    name: str
    start_url: str
    #: Path prefixes (under the start URL's host) that the crawl may follow.
    include_paths: tuple[str, ...] = ("/",)
    #: Path prefixes excluded even inside ``include_paths`` (another language edition, admin).
    exclude_paths: tuple[str, ...] = ()
    #: Two-letter language the edition is written in, when the profile knows it.
    language: str | None = None
    #: CSS selectors tried first for each field; keys are Article field names plus ``body``,
    #: ``teasers`` (the related-posts block) and ``teaser_link``.
    selectors: dict[str, str] = field(default_factory=dict)
    #: The blog's own words, added to the extraction vocabulary's tables for this site:
    #: table name (a field of ``scraper.extraction.vocabulary.Language``, e.g.
    #: ``read_time_labels``) to regex fragments, such as a label in a language no table has.
    labels: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def host(self) -> str:
        return urlsplit(self.start_url).netloc.lower()

    def with_start_url(self, start_url: str) -> SiteProfile:
        """The same theme knowledge, crawled from another address (a mirror or the bundled copy).

        The language path of the profile is kept relative to the new start URL's root, so
        ``sbiegacza-en`` served on ``http://127.0.0.1:8000/en/`` still excludes the Polish root.
        """
        return replace(self, start_url=start_url)

    def in_scope(self, url: str) -> bool:
        """True when ``url`` is on the profile's host and inside its language paths."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.netloc.lower() != self.host:
            return False
        path = parts.path or "/"
        if not any(path.startswith(prefix) for prefix in self.include_paths):
            return False
        return not any(path.startswith(prefix) for prefix in self.exclude_paths)


_SBIEGACZA_SELECTORS: dict[str, str] = {
    "title": "article .entry-title, h1.entry-title",
    "published": ".post-meta__date, .entry-meta .posted-on",
    "read_time_minutes": ".post-meta__read-time, .reading-time",
    "author": ".post-meta__author, .entry-meta .author",
    "body": "article .entry-content",
    "teasers": ".related-posts",
    "categories": ".post-meta__categories a[rel~=category], .cat-links a",
    "tags": ".tags-links a[rel~=tag]",
}

PROFILES: dict[str, SiteProfile] = {
    "sbiegacza-en": SiteProfile(
        name="sbiegacza-en",
        start_url="https://sbiegacza.pl/en/",
        include_paths=("/en/",),
        exclude_paths=("/en/wp-admin/", "/en/wp-json/", "/en/cart/", "/en/my-account/"),
        language="en",
        selectors=_SBIEGACZA_SELECTORS,
    ),
    "sbiegacza-pl": SiteProfile(
        name="sbiegacza-pl",
        start_url="https://sbiegacza.pl/",
        include_paths=("/",),
        exclude_paths=("/en/", "/wp-admin/", "/wp-json/", "/koszyk/", "/moje-konto/"),
        language="pl",
        selectors=_SBIEGACZA_SELECTORS,
    ),
}

DEFAULT_PROFILE = "sbiegacza-en"


def get_profile(name: str) -> SiteProfile:
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(sorted(PROFILES))
        raise UnknownProfileError(f"unknown site profile {name!r} (known: {known})") from None


def resolve_profile(site: str | None, start_url: str | None) -> SiteProfile:
    """The profile a crawl runs with: a named one (optionally served from ``start_url``), a
    generic one for an unknown blog at ``start_url``, or the default."""
    if site:
        profile = get_profile(site)
        return profile.with_start_url(start_url) if start_url else profile
    if start_url:
        return generic_profile(start_url)
    return get_profile(DEFAULT_PROFILE)


def generic_profile(start_url: str) -> SiteProfile:
    """A profile for any blog: scope is the start URL's host and path, no site selectors."""
    parts = urlsplit(start_url)
    path = parts.path or "/"
    prefix = path if path.endswith("/") else path.rsplit("/", 1)[0] + "/"
    return SiteProfile(name=parts.netloc.lower() or "generic", start_url=start_url,
                       include_paths=(prefix,))
