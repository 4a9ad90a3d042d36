"""The record sink that writes the archive on the crawl's own thread: the simplest way, and the
baseline the writer process is measured against (bench/writer.py). Each batch waits for its
transaction, full-text indexing included, before the reactor fetches on."""

from __future__ import annotations

import uuid
from typing import Any

from archive import Archive
from archive.records import Fetch
from archive.writer import Writer
from scraper.pipelines import Written


class InlineSink:
    writes_archive = True

    def __init__(self, db_path: str):
        self.db_path = db_path
        self.token = uuid.uuid4().hex
        self.site = ""
        self.writer: Writer | None = None

    @property
    def write_error(self) -> str | None:
        return self.writer.write_error if self.writer else None

    def open(self, site: str, trigger: str, versions: dict[str, str]) -> int:
        self.site = site
        self.writer = Writer(Archive.open(self.db_path))
        return self.writer.start(self.token, site, trigger, versions["app"], versions["scrapy"])

    def write(self, fetches: list[Fetch]) -> list[Written]:
        assert self.writer is not None
        return list(zip(fetches, self.writer.record(self.token, self.site, fetches),
                        strict=True))

    def drain(self) -> list[Written]:
        return []

    def finish(self, reason: str, stats: dict[str, Any], bounds: dict[str, Any]) -> None:
        assert self.writer is not None
        self.writer.process_done(self.token, "crawl", stats)
        self.writer.end(self.token, reason, bounds)
        self.writer.archive.close()
