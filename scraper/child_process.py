"""How the crawl starts its helper processes: the archive's writer and the extraction workers.

Both are forked while the crawl is being built, when the process still has one thread, no
running reactor and no connection to the archive open (SQLite's must never cross a fork; the
archive's state is read once the spider opens), so a child starts with every module the crawl
has imported. A spawned child
imported them again (about a third of a second of CPU each) while the crawl waited for its
writer to answer, a fixed cost that was a fifth of a 500-page crawl. Forking later, with the
reactor and its threads running, would be unsafe (a lock held by another thread stays held in
the child for ever), so a child made then is spawned instead.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import signal
import sys
import threading
from multiprocessing.context import BaseContext

#: prctl(2) options: the signal this process gets when its parent dies; this thread's name.
_PR_SET_PDEATHSIG = 1
_PR_SET_NAME = 15


def context() -> BaseContext:
    """Fork while it is safe (one thread, no running reactor), else spawn. (The reactor is
    looked up, not imported: importing it would install Twisted's default one.)"""
    reactor = sys.modules.get("twisted.internet.reactor")
    if threading.active_count() == 1 and not getattr(reactor, "running", False):
        sys.stdout.flush()  # what the parent buffered must not be written twice
        sys.stderr.flush()
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def become_child(name: str) -> None:
    """Ask Linux to SIGKILL this process when the crawl dies, as it would be if its work ran
    in the crawl itself: a killed crawl's writer must not write on into a run the next crawl
    closes as killed, and no process of a killed crawl lingers. ``name`` is what ``ps`` and
    /proc/PID/comm show (at most 15 bytes), so a child can be told from its forked parent."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        libc.prctl(_PR_SET_NAME, name.encode()[:15])
    except (OSError, AttributeError):
        pass
