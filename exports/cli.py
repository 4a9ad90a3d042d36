"""``blog-archive export``: the command-line face of :func:`exports.write_export`."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from types import FrameType

import click

from archive.errors import CommandFailed, ExitCode
from exports.tables import TABLES, ExportError, UnreadableArchiveError
from exports.writer import FORMATS, write_export


@click.command()
@click.option("--format", "export_format", type=click.Choice((*FORMATS, "wacz")),
              required=True,
              help="json: one array; jsonl: one object per line; csv: a header row, then rows; "
                   "wacz: the crawl's WARC files for ReplayWeb.page and pywb (needs "
                   "blog-archive[wacz]).")
@click.option("--table", type=click.Choice(list(TABLES)), default="articles", show_default=True,
              help="What to export; articles carry their teasers nested in JSON and JSON Lines.")
@click.option("--since", metavar="DATE",
              help="Only what changed at or after DATE (ISO 8601): articles and teasers whose "
                   "content or status changed, versions captured, runs started or finished.")
@click.option("--site", help="Only this site profile's rows.")
@click.option("--run", type=click.IntRange(min=1), metavar="N",
              help="wacz only: the WARC files of run N (and the captures its revisit records "
                   "confirm) instead of every run's.")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default="archive.db",
              show_default=True, help="The archive to read.")
@click.option("--out", default="-", show_default=True, metavar="PATH",
              help="File to write (atomically); - for stdout. A FIFO or a device (/dev/stdout, "
                   "/dev/null) is written into, not replaced.")
@click.option("--gzip", "compress", is_flag=True, help="Compress the output with gzip.")
@click.option("--escape-formulas/--no-escape-formulas", default=True, show_default=True,
              help="CSV only: prefix text starting with = + - @, a tab or a carriage return "
                   "with ' so a spreadsheet shows it instead of running it as a formula.")
def export(export_format: str, table: str, since: str | None, site: str | None,
           run: int | None, db: Path, out: str, compress: bool, escape_formulas: bool) -> None:
    """Export the archive as JSON, JSON Lines or CSV, or its WARC files as WACZ."""
    # systemd and timeout(1) stop a job with SIGTERM: as an exit, not a kill, it lets the
    # export remove its temporary file as it does on Ctrl-C.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    check_options(click.get_current_context(), export_format)
    try:
        if export_format == "wacz":
            from exports.wacz import write_wacz  # py-wacz loads only for this format

            pages = write_wacz(db, out, run=run)
        else:
            rows = write_export(db, out, export_format, table=table, since=since, site=site,
                                compress=compress, escape_formulas=escape_formulas)
    except UnreadableArchiveError as error:
        raise CommandFailed(str(error), ExitCode.CANNOT_START) from None
    except ExportError as error:
        raise CommandFailed(str(error), ExitCode.USAGE) from None
    except BrokenPipeError:
        # As a shell pipeline expects of a writer whose reader is gone: no message, the
        # status of a SIGPIPE death, and stdout pointed away so exiting cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(128 + signal.SIGPIPE)
    if out != "-":
        click.echo(f"{pages} pages packaged in {out}" if export_format == "wacz"
                   else f"{rows} rows written to {out}", err=True)


#: Options that shape a table export, and the one that picks a run's WARC files: each given
#: with the other kind of format is a mistake worth saying, not an option silently ignored.
_TABLE_OPTIONS = ("table", "since", "site", "compress", "escape_formulas")


def check_options(ctx: click.Context, export_format: str) -> None:
    given = [name for name in (*_TABLE_OPTIONS, "run")
             if ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT]
    wrong = [name for name in given if (name == "run") != (export_format == "wacz")]
    if wrong:
        option = "--" + wrong[0].replace("_", "-").replace("compress", "gzip")
        raise click.UsageError(f"{option} does not apply to --format {export_format}")


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)
