"""Re-extraction: today's extractor run over the responses the archive stored, no network.

Extraction keeps improving, and the archive keeps every response as WARC; ``reextract`` brings
an improvement to every archived article, gone ones too, without asking the blog for a page.
Each site's articles are re-read as a run of their own (``crawl_runs.trigger = 'reextract'``)
through the same writer a crawl uses (``Archive.record_fetches``), so a new version is made
only where a content field changed, with ``changed_columns``, and teasers and the full-text
index follow. A re-read article whose content and extraction signals are unchanged writes
nothing at all: a second run over the same archive changes nothing.

Work goes in batches, each one transaction, and SIGINT/SIGTERM stop the run between two
batches: an interrupted run leaves every article either re-read or as it was, and running
again finishes the job. The archive's lock is held throughout, so a crawl and a re-extraction
never write at once.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from functools import cache
from importlib.metadata import version
from itertools import groupby
from pathlib import Path
from types import FrameType
from urllib.parse import urljoin, urlsplit

from archive import Archive
from archive.captures import (
    CapturedArticle,
    CaptureError,
    CaptureReader,
    captured_article_ids,
    captured_articles,
)
from archive.errors import ExitCode
from archive.lock import ArchiveLock
from archive.records import CONTENT_FIELDS, Fetch
from archive.store import EMPTY, REEXTRACT_TRIGGER, PreparedFetch
from scraper import __version__
from scraper.extraction import extract
from scraper.profiles import PROFILES, SiteProfile, generic_profile

#: Articles per transaction: small enough that a stop request is honoured within a second
#: or so (extraction reads a hundred or more pages a second), large enough that what each
#: batch costs besides extraction (its reads of the archive, the rows of the articles its
#: teasers link to, its commit) stays small next to it. Commits are as durable as a crawl's
#: (the same WAL and ``synchronous`` pragmas, see ``archive.store``).
BATCH_SIZE = 100
#: How a stored page came to be read: the archive holds it as an article, evidence as good as
#: a posts sitemap's (see ``scraper.extraction.kind.article_kind``).
_LINKED_AS = "archive"
#: The summary's per-field counts, in the order they are printed.
_FIELD_COUNTS = ("filled", "changed", "emptied")


@dataclass
class Summary:
    """What a re-extraction did (or, dry, would do): per content field, how many articles had
    it filled (empty before), changed or emptied; the articles that could not be re-read,
    each with its reason."""

    dry_run: bool = False
    runs: list[int] = field(default_factory=list)
    selected: int = 0
    reread: int = 0
    changed: int = 0
    fields: dict[str, dict[str, int]] = field(default_factory=dict)
    no_capture: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    not_article: list[str] = field(default_factory=list)
    interrupted: bool = False

    @property
    def exit_code(self) -> ExitCode:
        """1 when a stored response could not be read or the run was stopped: the archive is
        consistent, but not every article was re-read."""
        return ExitCode.PAGE_ERRORS if self.unreadable or self.interrupted else ExitCode.OK

    def count(self, before: dict[str, object], after: dict[str, object]) -> None:
        """Add one article's field changes, its stored content ``before`` against ``after``."""
        for name in CONTENT_FIELDS:
            old, new = before.get(name), after[name]
            if old == new:
                continue
            kind = "filled" if old in EMPTY else "emptied" if new in EMPTY else "changed"
            counts = self.fields.setdefault(name, dict.fromkeys(_FIELD_COUNTS, 0))
            counts[kind] += 1

    def lines(self) -> list[str]:
        """The summary as printed: one line per changed field, one per article not re-read."""
        runs = f"runs {', '.join(map(str, self.runs))}" if len(self.runs) > 1 else \
            f"run {self.runs[0]}" if self.runs else "no run"
        head = "dry run, nothing written" if self.dry_run else runs
        stopped = " (interrupted: run again to finish)" if self.interrupted else ""
        lines = [f"reextract, {head}: {self.reread} of {self.selected} articles re-read from "
                 f"stored responses, {self.changed} changed{stopped}"]
        for name, counts in sorted(self.fields.items()):
            lines.append(f"{name}: " + ", ".join(
                f"{counts[kind]} {kind}" for kind in _FIELD_COUNTS))
        lines += [f"no stored response: {url}" for url in self.no_capture]
        lines += [f"not re-read: {reason}" for reason in self.unreadable]
        lines += [f"no longer read as an article, kept as it was: {reason}"
                  for reason in self.not_article]
        return lines

    def add(self, other: Summary) -> None:
        """Take in one site's summary: the command prints the totals of every site."""
        self.runs += other.runs
        self.reread += other.reread
        self.changed += other.changed
        for name, counts in other.fields.items():
            mine = self.fields.setdefault(name, dict.fromkeys(_FIELD_COUNTS, 0))
            for kind, count in counts.items():
                mine[kind] += count
        self.no_capture += other.no_capture
        self.unreadable += other.unreadable
        self.not_article += other.not_article
        self.interrupted = self.interrupted or other.interrupted

    def stats(self) -> dict[str, object]:
        """The counts, kept in ``crawl_runs.stats`` of the site's run as it finishes."""
        return {"reextract/selected": self.selected, "reextract/reread": self.reread,
                "reextract/changed": self.changed,
                "reextract/fields": json.dumps(self.fields, sort_keys=True),
                "reextract/no_capture": len(self.no_capture),
                "reextract/unreadable": len(self.unreadable),
                "reextract/not_article": len(self.not_article)}


class _StopRequest:
    """Set by SIGINT or SIGTERM; checked between batches, never inside one."""

    def __init__(self) -> None:
        self.requested = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True


@contextmanager
def _stop_on_signals() -> Iterator[_StopRequest]:
    """SIGINT and SIGTERM only ask for a stop while re-extracting: Python's default would end
    the process in the middle of a batch, and a killed run is closed as such by the next."""
    stop = _StopRequest()
    previous = {signum: signal.signal(signum, stop)
                for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def reextract(db: Path, *, url: str | None = None, site: str | None = None,
              since_run: int | None = None, dry_run: bool = False,
              profiles: Mapping[str, SiteProfile] = PROFILES) -> Summary:
    """Re-read the stored responses of the archive's articles (all, or only ``url``, the
    ``site``'s, or those captured in run ``since_run`` or later) with today's extractor and
    the site ``profiles``. ``dry_run`` reports the same summary and writes nothing.

    Raises ``NotAnArchiveError``/``ArchiveError`` when ``db`` cannot be opened and
    ``ArchiveLockedError`` when a crawl holds it; an article whose response cannot be read
    is named in the summary, and the others are still done."""
    archive = Archive.open(db, empty_ok=False)
    summary = Summary(dry_run=dry_run)
    try:
        # Signals are caught before the lock is taken: whoever sees the lock held may stop us.
        with _stop_on_signals() as stop, nullcontext() if dry_run else ArchiveLock(db), \
                CaptureReader(archive.db, archive.path) as reader:
            ids = captured_article_ids(archive.db, url=url, site=site, since_run=since_run)
            summary.selected = len(ids)
            for article_site, group in groupby(sorted(ids, key=lambda pair: pair[1]),
                                               key=lambda pair: pair[1]):
                if stop.requested:
                    summary.interrupted = True
                    break
                site_ids = [article_id for article_id, _ in group]
                site_summary = Summary(dry_run=dry_run, selected=len(site_ids))
                _SiteRun(archive, reader, site_summary, profiles.get(article_site)).run(
                    article_site, site_ids, stop)
                summary.add(site_summary)
    finally:
        archive.close()
    return summary


class _SiteRun:
    """The re-extraction of one site's articles: one run, batch by batch, with a summary of
    its own (its run's stats count that site only)."""

    def __init__(self, archive: Archive, reader: CaptureReader, summary: Summary,
                 profile: SiteProfile | None):
        self.archive = archive
        self.reader = reader
        self.summary = summary
        self.profile = profile
        self.served_from: dict[str, SiteProfile] = {}

    def run(self, site: str, ids: list[int], stop: _StopRequest) -> None:
        run_id = None if self.summary.dry_run else self.archive.start_run(
            site=site, trigger=REEXTRACT_TRIGGER, app_version=__version__,
            scrapy_version=_scrapy_version())
        if run_id is not None:
            self.summary.runs.append(run_id)
        for start in range(0, len(ids), BATCH_SIZE):
            if stop.requested:
                self.summary.interrupted = True
                break
            prepared = [fetch for captured in captured_articles(
                self.archive.db, ids[start:start + BATCH_SIZE])
                if (fetch := self.reread(captured)) is not None]
            if run_id is not None and prepared:
                self.archive.record_fetches(run_id, [ready.fetch for ready in prepared],
                                            reread=True, prepared=prepared)
        if run_id is not None:
            stopped = self.summary.interrupted
            self.archive.finish_run(
                run_id, status="interrupted" if stopped else "finished",
                finish_reason="shutdown" if stopped else "finished", stats=self.summary.stats())

    def reread(self, captured: CapturedArticle) -> PreparedFetch | None:
        """The fetch record that writes the article's re-extraction, or None when there is
        nothing to write (or nothing could be read). Prepared (``PreparedFetch``): the content
        snapshot the summary compares is the one the archive stores, made once."""
        url = captured.article["url"]
        if captured.capture is None:
            self.summary.no_capture.append(url)
            return None
        try:
            stored = self.reader.read(captured.capture)
        except CaptureError as error:
            self.summary.unreadable.append(f"{url}: {error}")
            return None
        response = stored.response
        article = extract(stored.body, response.url, self.profile_for(url),
                          response.header("Content-Type"), _LINKED_AS)
        if not article.is_article:
            why = article.missing.get("is_article") or article.missing.get("page")
            self.summary.not_article.append(f"{url}: {why}")
            return None
        if article.url != url:  # the archive's address stands: re-reading does not move it
            article = replace(article, url=url)
        self.summary.reread += 1
        changed = article.content_hash != captured.article["content_hash"]
        if not changed and (_stored(captured.field_sources), _stored(captured.missing)) == (
                article.field_sources, article.missing):
            return None
        # No WARC pointer: the run received nothing, and a run's fetches point only into its
        # own file (what a killed run's recovery and ``export --format wacz`` rely on).
        prepared = PreparedFetch(Fetch(
            url=url, final_url=response.url, status=response.status, outcome="new",
            article=article, field_sources=article.field_sources, missing=article.missing))
        if changed:
            self.summary.changed += 1
            self.summary.count(captured.snapshot, prepared.snapshot)
        return prepared

    def profile_for(self, url: str) -> SiteProfile:
        """The site's profile, served from the article's host as the crawl that stored it
        was (a mirror, the bundled copy); a generic one for a site no profile names. One per
        host, so what extraction builds per profile is built once."""
        origin = _origin(url)
        if origin not in self.served_from:
            root = urljoin(url, "/")
            self.served_from[origin] = generic_profile(root) if self.profile is None else \
                self.profile.with_start_url(urljoin(root, urlsplit(self.profile.start_url).path))
        return self.served_from[origin]


def _origin(url: str) -> str:
    """The URL up to the slash after its host: two URLs alike to there share their scheme and
    host. Cut by hand: it is asked of every article, and ``urljoin`` there cost a twentieth
    of all that re-reading adds to extraction."""
    end = url.find("/", url.find("//") + 2)
    return url if end < 0 else url[:end]


@cache
def _scrapy_version() -> str:
    """Scrapy's version as installed, read once per process: each read parses its METADATA
    file again, which costs as much as re-reading a few articles."""
    return version("scrapy")


def _stored(value: str | None) -> dict[str, str] | None:
    """Field sources or missing reasons as ``fetches`` stores them (JSON), read back."""
    return json.loads(value) if value is not None else None
