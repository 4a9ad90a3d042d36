"""The archive's one writer: applies the records of crawls (a run's start, its fetches, each
process's end, the run's end) to one archive, whatever carried them.

Three carriers share it, so a page is archived the same way whichever way it came: the crawl's
own process (``ArchivePipeline`` writing in place), a writer process of a local crawl
(scraper/writer_process.py) and ``blog-archive ingest``, which reads the records crawler
processes on many machines pushed to a Redis stream (archive/ingest.py). Each batch goes
through ``Archive.record_fetches``, so the change-only versions are those of a local crawl.

A run is named by a token and a site. In the stream a run spans many processes, and the writer
may be restarted in the middle of it; its token is then kept on the ``crawl_runs`` row
(``spanning_runs``), where a restarted writer finds the run again, and each process's stats
are added to it once, however often its end is delivered.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from archive.records import Fetch
from archive.store import Archive, PreparedFetch

#: How a Scrapy finish reason maps onto the status of the run's record. A run that reached a
#: bound (scraper/bounds.py) is "bounded" however it closed: it walked only part of the site.
RUN_STATUS = {
    "finished": "finished",
    "closespider_timeout": "bounded",
    "closespider_pagecount": "bounded",
    "closespider_itemcount": "bounded",
    "shutdown": "interrupted",
}
#: The stat listing the processes whose stats a run's row already counts.
PROCESSES_STAT = "blog_archive/processes"
#: Errors about one row (a constraint, a value), not about the archive as a whole.
_ROW_ERRORS = (sqlite3.IntegrityError, sqlite3.DataError)


def run_status(reason: str, bounds: dict[str, Any] | None, pages: int) -> str:
    """The run's status: "failed" when no page answered at all (an unreachable start URL, a
    robots.txt forbidding everything), whatever Scrapy's reason for closing."""
    status = RUN_STATUS.get(reason, "failed")
    if status == "finished" and bounds:
        status = "bounded"
    if status in ("finished", "bounded") and not pages:
        status = "failed"
    return status


@dataclass
class Writer:
    """Writes the records of any number of runs into ``archive``. ``lock_held``: the crawl
    that feeds it holds the archive's lock, perhaps from another process."""

    archive: Archive
    lock_held: bool = True
    #: Keep each run's token in the archive: its records may come from many processes and
    #: outlive this writer (the Redis stream). A local crawl's run ends with its process.
    spanning_runs: bool = False
    #: (token, site) -> crawl_runs id, for the runs this writer has written to.
    runs: dict[tuple[str, str], int] = field(default_factory=dict)
    #: Fetches not even recorded as errors (the archive refused them: locked, disk full).
    unwritten: int = 0
    write_error: str | None = None

    def start(self, token: str, site: str, trigger: str, app_version: str,
              scrapy_version: str) -> int:
        """The run of ``token`` on ``site``: opened by the first record that names it."""
        if (token, site) in self.runs:
            return self.runs[token, site]
        found = self.archive.db.execute(
            "select id from crawl_runs where run_token = ? and site = ?", [token, site]
        ).fetchone() if self.spanning_runs else None
        self.runs[token, site] = found[0] if found else self.archive.start_run(
            site=site, trigger=trigger, app_version=app_version, scrapy_version=scrapy_version,
            run_token=token if self.spanning_runs else None, lock_held=self.lock_held)
        return self.runs[token, site]

    def run_of(self, token: str, site: str) -> int:
        """The run for a fetch of ``site``: a site the run's start did not name (a crawl of
        many sites) gets a run of its own, labelled like the token's first one."""
        if (token, site) in self.runs:
            return self.runs[token, site]
        first = next((self.archive.db["crawl_runs"].get(run_id)
                      for (other, _), run_id in self.runs.items() if other == token), None)
        return self.start(token, site, trigger=first["trigger"] if first else "ingest",
                          app_version=first["app_version"] if first else "",
                          scrapy_version=first["scrapy_version"] if first else "")

    def record(self, token: str, site: str, fetches: list[Fetch],
               stream_ids: list[str] | None = None,
               prepared: list[PreparedFetch] | None = None) -> list[str]:
        """Write one batch; outcomes as ``Archive.record_fetches`` gives them, ``unwritten``
        for a fetch the archive refused even as an error record. A batch the archive refuses
        as a whole is written fetch by fetch, so one bad fetch costs it nothing else.
        ``prepared``: the fetches prepared ahead, if they were (see ``PreparedFetch``)."""
        run_id = self.run_of(token, site)
        try:
            return self.archive.record_fetches(run_id, fetches, stream_ids=stream_ids,
                                               prepared=prepared)
        except sqlite3.Error:
            return self.record_one_by_one(run_id, fetches, stream_ids or [None] * len(fetches))

    def record_one_by_one(self, run_id: int, fetches: list[Fetch],
                          stream_ids: list[str | None]) -> list[str]:
        """Each fetch of a refused batch on its own. A fetch the archive refuses (a
        constraint) becomes an error record; when the archive itself fails (locked, disk
        full, damaged) the rest are counted unwritten at once, rather than each waiting out
        the busy timeout."""
        outcomes: list[str] = []
        try:
            for fetch, stream_id in zip(fetches, stream_ids, strict=True):
                outcomes.append(self.record_alone(run_id, fetch, stream_id))
        except sqlite3.Error as error:
            left = len(fetches) - len(outcomes)
            self.count_unwritten(left, error)
            outcomes += ["unwritten"] * left
        return outcomes

    def record_alone(self, run_id: int, fetch: Fetch, stream_id: str | None) -> str:
        """Write one fetch, or an error record of it when the archive refuses that row; an
        error about the archive rather than the row propagates."""
        ids = [stream_id] if stream_id else None
        try:
            return self.archive.record_fetches(run_id, [fetch], stream_ids=ids)[0]
        except _ROW_ERRORS as error:
            refused = Fetch(url=fetch.url, final_url=fetch.final_url, status=fetch.status,
                            error_kind="archive", error=f"could not be archived: {error}",
                            elapsed_ms=fetch.elapsed_ms, bytes=fetch.bytes,
                            capture=fetch.capture)
        try:
            return self.archive.record_fetches(run_id, [refused], stream_ids=ids)[0]
        except _ROW_ERRORS as error:
            self.count_unwritten(1, error)
            return "unwritten"

    def count_unwritten(self, count: int, error: sqlite3.Error) -> None:
        self.unwritten += count
        self.write_error = str(error)

    def process_done(self, token: str, process: str, stats: dict[str, Any]) -> None:
        """Add one process's stats to each run of its token, once per process: numbers are
        summed, anything else is kept as the last process gave it."""
        for run_id in self.token_runs(token):
            row = self.archive.db["crawl_runs"].get(run_id)
            summed = json.loads(row["stats"] or "{}")
            counted = summed.get(PROCESSES_STAT, [])
            if process in counted:
                continue
            for name, value in stats.items():
                before = summed.get(name, 0)
                # a stat one process left empty (None) and another counted is not summed
                number = all(isinstance(part, int | float) and not isinstance(part, bool)
                             for part in (value, before))
                summed[name] = before + value if number else value
            summed[PROCESSES_STAT] = [*counted, process]
            self.archive.db.execute("update crawl_runs set stats = ? where id = ?",
                                    [json.dumps(summed, sort_keys=True, default=str), run_id])

    def end(self, token: str, reason: str, bounds: dict[str, Any] | None = None) -> None:
        """Close every run of the token still open; a run already closed (its end delivered
        again) is left as it is."""
        for run_id in self.token_runs(token):
            row = self.archive.db["crawl_runs"].get(run_id)
            if row["status"] != "running":
                continue
            pages = self.archive.db.execute(
                "select count(status) from fetches where crawl_run_id = ?", [run_id]
            ).fetchone()[0]
            stats = json.loads(row["stats"] or "{}")
            self.archive.finish_run(run_id, status=run_status(reason, bounds, pages),
                                    finish_reason=reason, stats=stats, bounds=bounds)
            self.runs = {key: value for key, value in self.runs.items() if value != run_id}

    def token_runs(self, token: str) -> list[int]:
        """The runs of ``token``: those this writer opened, and in the archive those an
        earlier writer opened (``spanning_runs``)."""
        known = {run_id for (other, _), run_id in self.runs.items() if other == token}
        if self.spanning_runs:
            known.update(run_id for (run_id,) in self.archive.db.execute(
                "select id from crawl_runs where run_token = ?", [token]))
        return sorted(known)

    def open_tokens(self) -> set[str]:
        """Tokens of the runs still open in the archive (``spanning_runs``)."""
        return {token for (token,) in self.archive.db.execute(
            "select distinct run_token from crawl_runs "
            "where status = 'running' and run_token is not null")}
