"""The Redis side of a crawl on many machines: the records crawler processes push, and the
archive's state the writer publishes back for them.

Records travel in one Redis stream, ``blog-archive:records``, read by the writer
(``blog-archive ingest``, archive/ingest.py) through a consumer group: an entry stays pending
until the writer acknowledges it, which it does only once the entry's transaction has
committed, so no record is lost when the writer dies. Each entry is one record of one run,
named by its run token (shared by every process of one crawl):

* ``run-start``: the run's site, trigger and versions, sent once by whoever starts the crawl;
* ``fetch``: one ``Fetch`` as JSON, with the site and the process that fetched it;
* ``process-done``: one crawler process's Scrapy stats, when it closes;
* ``run-end``: the Scrapy finish reason (and bounds reached), when the whole crawl is over.

The state a re-crawl needs (known articles, their validators, when each was last confirmed,
the validators of the listing pages) is kept per site under ``blog-archive:state:SITE:*``,
written by the writer at start and after each batch, read by each crawler when its spider
opens (scraper/archive_state.py). This module lives in ``archive/`` because both sides speak
it; it imports Redis only when called.

Entries are JSON, written and read by orjson: each fetch record carries its article's whole
text, and decoding it is most of what the writer does beyond the archive's own work; orjson
parses it in half the time the standard library takes, and writes it (crawler side) in a
seventh, dataclasses included. The JSON is what ``json.dumps(default=str)``
wrote (datetimes of Scrapy's stats as ``str()`` gives them, keys that are not strings as
strings), so entries pushed before the switch read the same.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import orjson

from archive.errors import ArchiveError
from archive.records import Article, Capture, Fetch

if TYPE_CHECKING:
    import redis

RECORDS = "blog-archive:records"
WRITERS = "blog-archive:writers"
_STATE = "blog-archive:state:{site}:{part}"
#: Parts of a site's state: a set, then hashes of url -> JSON.
KNOWN, VALIDATORS, CONFIRMED = "known", "validators", "confirmed"
#: orjson writing what ``json.dumps(default=str)`` wrote (see above); dataclasses (a
#: ``Fetch``, its ``Article``, ``Teaser``s and ``Capture``) as objects of their fields.
_DUMPS_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


class StreamUnavailableError(ArchiveError):
    """Redis cannot be reached (or refused a command); one line, without the password."""


class StreamLostError(StreamUnavailableError):
    """Redis went away while the writer was writing; what it wrote stays written."""


@dataclass(frozen=True)
class Record:
    """One stream entry, decoded: its id, its kind, its run's token and what it carries."""

    entry_id: str
    kind: str
    token: str
    body: dict[str, Any]
    #: A ``fetch`` record's fetch, rebuilt when the entry is decoded.
    fetch: Fetch | None = None


def connect(url: str) -> redis.Redis:
    """A client of the Redis server at ``url``, checked with a PING, or
    ``StreamUnavailableError`` saying which server could not be reached."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5)
        client.ping()
    except (redis.RedisError, ValueError) as error:
        raise StreamUnavailableError(f"cannot reach Redis at {shown_url(url)}: {error}") from None
    return client


def shown_url(url: str) -> str:
    """``url`` without its password, fit for a log line."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


def process_id() -> str:
    """This crawler process, as the run's stats name it: host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


# --- the crawler side ----------------------------------------------------------------------


def publish_run_start(client: redis.Redis, token: str, site: str, trigger: str,
                      versions: dict[str, str]) -> None:
    """Open the run ``token`` on ``site``; ``versions`` has ``app`` and ``scrapy``."""
    _add(client, "run-start", token, {"site": site, "trigger": trigger,
                                      "app_version": versions.get("app", ""),
                                      "scrapy_version": versions.get("scrapy", "")})


def publish_fetches(client: redis.Redis, token: str, site: str, process: str,
                    fetches: Iterable[Fetch]) -> None:
    """One entry per fetch (its entry id becomes the fetch row's ``stream_id``), sent in one
    round trip."""
    pipe = client.pipeline(transaction=False)
    for fetch in fetches:
        _add(pipe, "fetch", token, {"site": site, "process": process, "fetch": fetch})
    pipe.execute()


def publish_process_done(client: redis.Redis, token: str, process: str,
                         stats: dict[str, Any]) -> None:
    """One crawler process of the run has closed; its stats are added to the run's row."""
    _add(client, "process-done", token, {"process": process, "stats": stats})


def publish_run_end(client: redis.Redis, token: str, reason: str,
                    bounds: dict[str, Any] | None = None) -> None:
    """The whole crawl is over (Scrapy's finish reason); the writer closes the run's row."""
    _add(client, "run-end", token, {"reason": reason, "bounds": bounds})


def _add(client: redis.Redis, kind: str, token: str, body: dict[str, Any]) -> None:
    client.xadd(RECORDS, {"kind": kind, "token": token,
                          "body": orjson.dumps(body, default=str, option=_DUMPS_OPTIONS)})


def decode(entry_id: bytes | str, fields: dict[bytes, bytes]) -> Record:
    """A stream entry as the writer reads it."""
    kind = fields[b"kind"].decode()
    body = orjson.loads(fields[b"body"])
    fetch = _fetch(body.pop("fetch")) if kind == "fetch" else None
    return Record(entry_id=entry_id.decode() if isinstance(entry_id, bytes) else entry_id,
                  kind=kind, token=fields[b"token"].decode(), body=body, fetch=fetch)


def _fetch(data: dict[str, Any]) -> Fetch:
    """A ``Fetch`` from its fields, its article and capture rebuilt from theirs."""
    article, capture = data.pop("article", None), data.pop("capture", None)
    return Fetch(**data, article=Article.from_dict(article) if article else None,
                 capture=Capture(**capture) if capture else None)


# --- the archive's state, for the crawlers --------------------------------------------------


@dataclass
class SiteState:
    """What a crawl of one site needs to know of the archive (see scraper/archive_state.py)."""

    known_articles: set[str]
    #: url -> (etag, last_modified), of articles and of listing pages.
    validators: dict[str, tuple[str | None, str | None]]
    #: url -> ISO 8601 time the archive last confirmed the article.
    confirmed_at: dict[str, str]


def state_key(site: str, part: str) -> str:
    return _STATE.format(site=site, part=part)


def replace_state(client: redis.Redis, site: str, state: SiteState) -> None:
    """Publish the whole state of ``site`` at once: built under temporary keys and renamed
    over the old ones in one transaction, so a crawler never reads half of it."""
    pipe = client.pipeline(transaction=True)
    for part, values in _state_parts(state):
        key, building = state_key(site, part), state_key(site, f"{part}:building")
        pipe.delete(building)
        if values:
            _write_part(pipe, building, part, values)
            pipe.rename(building, key)
        else:
            pipe.delete(key)
    pipe.execute()


def update_state(client: redis.Redis, site: str, state: SiteState, forgotten: set[str], *,
                 dropped_validators: Collection[str] = ()) -> None:
    """Add what one batch taught the archive to the state of ``site``; ``forgotten`` are
    articles no longer to re-check (redirected: their content lives elsewhere now);
    ``dropped_validators``, URLs no longer to ask for conditionally (listing pages of a run
    no longer the last successful one)."""
    pipe = client.pipeline(transaction=True)
    for part, values in _state_parts(state):
        if values:
            _write_part(pipe, state_key(site, part), part, values)
    if forgotten:
        pipe.srem(state_key(site, KNOWN), *forgotten)
    if dropped_validators:
        pipe.hdel(state_key(site, VALIDATORS), *dropped_validators)
    pipe.execute()


def _state_parts(state: SiteState) -> list[tuple[str, Any]]:
    return [(KNOWN, state.known_articles), (VALIDATORS, state.validators),
            (CONFIRMED, state.confirmed_at)]


def _write_part(pipe: Any, key: str, part: str, values: Any) -> None:
    if part == KNOWN:
        pipe.sadd(key, *values)
    elif part == VALIDATORS:
        pipe.hset(key, mapping={url: json.dumps(pair) for url, pair in values.items()})
    else:
        pipe.hset(key, mapping=values)


def read_state(client: redis.Redis, site: str) -> SiteState:
    """The state of ``site`` as the writer last published it (empty for a new site)."""
    pipe = client.pipeline(transaction=True)
    pipe.smembers(state_key(site, KNOWN))
    pipe.hgetall(state_key(site, VALIDATORS))
    pipe.hgetall(state_key(site, CONFIRMED))
    known, validators, confirmed = pipe.execute()
    return SiteState(
        known_articles={url.decode() for url in known},
        validators={url.decode(): tuple(json.loads(pair)) for url, pair in validators.items()},
        confirmed_at={url.decode(): when.decode() for url, when in confirmed.items()},
    )
