"""Which page's text an address gets when several pages of one run claim it as their canonical.

A page's ``rel=canonical`` is its claim to be filed under another address (extraction accepts
only same-site http(s) claims). Two pages claiming one address must not overwrite each other
in turn, or the archive keeps whichever the crawl happened to fetch last and makes a version
of each swap. The rule: the page fetched at the address itself wins; a page claiming another
address waits for that address's own fetch (requesting it when the run has not), and takes
the address only when that fetch gave no article of it (an error, a listing, a redirect),
the first such claim of the run winning. Every page that loses is still recorded: its fetch
becomes ``skipped`` with the reason, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Literal

from archive.records import Fetch

#: What the crawl does about an address a page claims: it is being (or will be) fetched, it is
#: archived and unchanged (the sitemap's lastmod says so: not fetched), or it will not be
#: fetched this run (out of the page budget).
OwnFetch = Literal["fetching", "unchanged", "not_fetched"]


class CanonicalClaims:
    """Arbitrates the fetches of one run; :meth:`admit` takes each fetch in the order the
    spider yields them and returns those to write now (a claim may wait for its address)."""

    def __init__(self, own_fetch: Callable[[str], OwnFetch]):
        self.own_fetch = own_fetch
        #: address -> the fetched URL whose article holds it in this run
        self.claimed: dict[str, str] = {}
        #: address -> fetches of other pages claiming it, waiting for its own fetch
        self.waiting: dict[str, list[Fetch]] = {}
        #: URLs whose own fetch this run has recorded
        self.settled: set[str] = set()

    def admit(self, fetch: Fetch) -> list[Fetch]:
        address = fetch.article.url if fetch.article is not None else None
        if address is not None and address != fetch.url:
            ready = self.claim(fetch, address)
        else:
            if address is not None or fetch.outcome == "not_modified":
                self.claimed.setdefault(fetch.url, fetch.url)  # the page at its own address
            ready = [fetch]
        self.settled.add(fetch.url)
        return ready + self.settle(fetch.url)

    def release(self) -> list[Fetch]:
        """At the end of the run: claims still waiting (their address was never answered)
        are decided as if its fetch had given no article."""
        ready: list[Fetch] = []
        for address in list(self.waiting):
            self.settled.add(address)
            ready += self.settle(address)
        return ready

    def claim(self, fetch: Fetch, address: str) -> list[Fetch]:
        winner = self.claimed.get(address)
        if winner is None and address not in self.settled:
            own = self.own_fetch(address)
            if own == "fetching":
                self.waiting.setdefault(address, []).append(fetch)
                return []
            if own == "unchanged":
                winner = self.claimed[address] = address
        if winner is not None:
            return [_skipped(fetch, address, winner)]
        self.claimed[address] = fetch.url
        return [fetch]

    def settle(self, address: str) -> list[Fetch]:
        ready: list[Fetch] = []
        for fetch in self.waiting.pop(address, []):
            ready += self.claim(fetch, address)
        return ready


def _skipped(fetch: Fetch, address: str, winner: str) -> Fetch:
    holder = "its own page" if winner == address else winner
    return replace(fetch, outcome="skipped", article=None, error_kind="duplicate_canonical",
                   error=f"claims {address} as its canonical; that address is archived "
                         f"from {holder}")
