"""Every error a user sees, and the exit code each command gives it: one home for all three
command-line front ends (``scraper``, ``archive``, ``exports``), apart from the code that
raises them. It lives here, at the bottom of the flow, so each front end can import it."""

from __future__ import annotations

from enum import IntEnum

import click


class ArchiveError(Exception):
    """The archive cannot be opened, or holds nothing for what was asked; one line."""


class NotAnArchiveError(ArchiveError):
    """The file is something else (not SQLite, or another application's database)."""


class ExitCode(IntEnum):
    """The exit codes of every ``blog-archive`` command, documented in README.md: a scheduled
    job branches on them, so each means one thing whichever command gives it."""

    OK = 0
    #: Done, but some pages failed, or the run was interrupted.
    PAGE_ERRORS = 1
    #: Bad usage: a flag, a path, a query.
    USAGE = 2
    #: Another crawl holds the archive.
    LOCKED = 3
    #: Could not start (an unreachable site, an unreadable or unwritable archive) or write.
    CANNOT_START = 4
    #: An internal error: a bug.
    INTERNAL = 70


class CommandFailed(click.ClickException):
    """A command's failure: one line, with its exit code. ``blog-archive``'s group prints it as
    ``blog-archive: error: …``; every front end (crawl, archive, exports) raises this one."""

    def __init__(self, message: str, exit_code: ExitCode):
        super().__init__(message)
        self.exit_code = exit_code
