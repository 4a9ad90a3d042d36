"""``blog-archive extract``: run extraction on saved pages or live URLs and print JSON.

A tool for checking a site profile or a theme change by hand: what would the crawl store for
this page? Bad input (a missing or empty file, a non-HTML file, an unknown profile) is a usage
error reported in one sentence; the top-level command turns it into one line and exit code 2.
"""

from __future__ import annotations

import json

import click

from scraper.extraction.decoding import ExtractionError
from scraper.extraction.inputs import FETCH_TIMEOUT, MAX_BYTES, load
from scraper.extraction.page import extract as extract_page
from scraper.profiles import SiteProfile, UnknownProfileError, get_profile


@click.command("extract")
@click.argument("targets", nargs=-1, required=True, metavar="PATH_OR_URL...")
@click.option("--url", "page_url", metavar="URL",
              help="The page's own address (links resolve against it); one input only.")
@click.option("--site", metavar="NAME", help="Site profile whose selectors to try first.")
@click.option("--jsonl", is_flag=True, help="One JSON object per line (needed for several inputs).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=FETCH_TIMEOUT,
              show_default=True, help="Seconds a URL may take in all.")
@click.option("--max-size", type=click.IntRange(min=1), default=MAX_BYTES, show_default=True,
              help="Bytes a URL's page may hold, once decompressed.")
def extract(targets: tuple[str, ...], page_url: str | None, site: str | None,
            jsonl: bool, timeout: float, max_size: int) -> None:
    """Print what extraction finds in each page (a file, - for stdin, or an http(s) URL)
    as JSON."""
    if len(targets) > 1 and not jsonl:
        raise click.UsageError("several inputs need --jsonl (one JSON object per line).")
    if page_url and len(targets) > 1:
        raise click.UsageError("--url names the address of one page; give one input with it.")
    profile = _profile(site)
    unreadable = 0
    for target in targets:
        try:
            source = load(target, timeout, max_size)
        except ExtractionError as error:
            if len(targets) == 1:
                raise click.UsageError(f"{error}.") from None
            click.echo(f"failed: {error}", err=True)  # the other inputs still get their line
            unreadable += 1
            continue
        article = extract_page(source.text, page_url or source.url, profile)
        click.echo(json.dumps(article.to_dict(), ensure_ascii=False, indent=None if jsonl else 2))
    if unreadable:
        raise click.UsageError(f"{unreadable} of {len(targets)} inputs could not be read "
                               "(each is a failed: line above).")


def _profile(name: str | None) -> SiteProfile | None:
    if name is None:
        return None
    try:
        return get_profile(name)
    except UnknownProfileError as error:
        raise click.UsageError(f"{error}.") from None
