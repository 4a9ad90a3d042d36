"""The crawling process collects garbage less often while its engine runs, and gives Python's
settings back when it stops (scraper/gc_tuning.py). Each case runs in a fresh interpreter:
the collector's settings are the whole process's, pytest's included."""

from __future__ import annotations

import subprocess
import sys

from scraper import settings

_ENGINE_RUN = """
import gc
from scrapy import signals
from scrapy.utils.test import get_crawler
crawler = get_crawler(settings_dict={{"EXTENSIONS": {{"scraper.gc_tuning.GcTuning": 0}},
                                      "GC_GEN0_THRESHOLD": {threshold}}})
before = gc.get_threshold()[0], gc.get_freeze_count()
crawler.signals.send_catch_log(signals.engine_started)
running = gc.get_threshold()[0], gc.get_freeze_count()
crawler.signals.send_catch_log(signals.engine_stopped)
after = gc.get_threshold()[0], gc.get_freeze_count()
print(*before, *running, *after)
"""


def engine_run(threshold: int) -> list[int]:
    """(gen0 threshold, frozen objects) before the engine starts, while it runs, after it
    stops, in a process with the extension on."""
    done = subprocess.run([sys.executable, "-c", _ENGINE_RUN.format(threshold=threshold)],
                          capture_output=True, text=True, check=True)
    return [int(value) for value in done.stdout.split()]


def test_a_running_crawl_collects_less_often_and_walks_its_start_up_heap_no_more():
    before, frozen_before, running, frozen, after, frozen_after = engine_run(10_000)
    assert (before, frozen_before) == (700, 0)
    assert running == 10_000
    assert frozen > 10_000  # Scrapy, Twisted and lxml, imported before the engine starts
    assert (after, frozen_after) == (700, 0)


def test_a_zero_threshold_leaves_the_collector_as_python_sets_it():
    assert engine_run(0) == [700, 0, 700, 0, 700, 0]


def test_the_crawl_runs_with_the_tuning_on():
    assert "scraper.gc_tuning.GcTuning" in settings.EXTENSIONS
    assert settings.GC_GEN0_THRESHOLD > 700
