"""The add-on (ADDONS) that turns the shared frontier on when ``REDIS_URL`` is set.

The settings are changed before the crawl starts, the same way under the CLI, ``scrapy crawl``
and Scrapyd: scrapy-redis's scheduler and duplicate filter, the run-spanning extension
(scraper/frontier_run.py), the run's token. An unreachable Redis stops the crawl before it
starts. The add-on lives apart from scraper/frontier.py, which needs Redis's client, so that a
local crawl (no ``REDIS_URL``) never imports it: 70 ms of CPU, a tenth of an unchanged re-crawl.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings


class FrontierUnreachableError(Exception):
    """Redis cannot be reached: at start, the crawl cannot start (exit 4, one line)."""


class SharedFrontier:
    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.get("REDIS_URL"):
            return
        from scraper.frontier import join_shared_frontier

        join_shared_frontier(settings)
        settings["EXTENSIONS"]["scraper.frontier_run.FrontierRun"] = 10
