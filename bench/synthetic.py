"""Synthetic archive rows and search queries, generated fast and the same on every run.

The archive and export figures need tens of thousands of articles; crawling that many pages
would take the whole time budget, so the rows are made here instead, straight as the
:class:`~archive.records.Article` objects extraction would yield. Words follow a Zipf-like
frequency (a few very common, a long tail of rare ones), as in real prose, so full-text search
meets both huge and tiny posting lists, and bodies run 300–1,500 words.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from archive.records import Article, Fetch, Teaser
from archive.store import article_columns, content_snapshot

SITE = "bench"
BASE_URL = "https://bench.example/en"
_SYLLABLES = ("ba", "ko", "ri", "ne", "ta", "lu", "mo", "si", "da", "pe", "ga", "vu", "ze",
              "ha", "jo", "fi", "ran", "tol", "mer", "kas", "pil", "dun", "sor", "bel")
_VOCABULARY_SIZE = 20_000
_CATEGORIES = ("Training", "Nutrition", "Gear", "Health", "Races", "Recovery")
_TAGS = ("5k", "10k", "marathon", "trail", "shoes", "stretching", "injury", "beginners",
         "intervals", "winter", "hydration", "strength")
_SENTENCE = 12


@dataclass(frozen=True)
class Vocabulary:
    """Words ranked by frequency, with cumulative Zipf weights for ``random.choices``."""

    words: tuple[str, ...]
    cum_weights: tuple[float, ...]

    @classmethod
    def build(cls, size: int = _VOCABULARY_SIZE, seed: int = 8) -> Vocabulary:
        rng = random.Random(seed)
        words: dict[str, None] = {}
        while len(words) < size:
            words["".join(rng.choices(_SYLLABLES, k=rng.randint(2, 4)))] = None
        weights = itertools.accumulate(1.0 / rank for rank in range(1, size + 1))
        return cls(tuple(words), tuple(weights))

    def sample(self, rng: random.Random, count: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cum_weights, k=count)


def articles(count: int, *, start: int = 0, seed: int = 1,
             vocabulary: Vocabulary | None = None) -> Iterator[Article]:
    """``count`` articles numbered from ``start``; lazily, so 50,000 never sit in memory."""
    vocabulary = vocabulary or Vocabulary.build()
    rng = random.Random(seed * 1_000_003 + start)
    for number in range(start, start + count):
        yield _article(number, rng, vocabulary)


def _article(number: int, rng: random.Random, vocabulary: Vocabulary) -> Article:
    words = vocabulary.sample(rng, rng.randint(300, 1_500))
    sentences = (" ".join(words[i:i + _SENTENCE]).capitalize()
                 for i in range(0, len(words), _SENTENCE))
    title = " ".join(vocabulary.sample(rng, rng.randint(4, 8))).capitalize()
    teasers = [
        Teaser(position=position, url=f"{BASE_URL}/post-{rng.randrange(number + 1):06d}/",
               title=" ".join(vocabulary.sample(rng, 5)).capitalize(),
               text=" ".join(vocabulary.sample(rng, 10)) + " […]")
        for position in range(1, rng.randint(3, 6) + 1)
    ]
    published = date(2015, 1, 1) + timedelta(days=number % 3_650)
    return Article(
        url=f"{BASE_URL}/post-{number:06d}/",
        title=title,
        published=f"{published.isoformat()}T08:00:00+00:00",
        read_time_minutes=max(1, len(words) // 200),
        read_time_estimated=max(1, len(words) // 220),
        author=rng.choice(("Anna Kowalska", "Piotr Nowak", "Ewa Wiśniewska")),
        language="en",
        categories=[rng.choice(_CATEGORIES)],
        tags=rng.sample(_TAGS, rng.randint(1, 3)),
        image=f"https://bench.example/wp-content/uploads/{number:06d}.jpg",
        body_text=". ".join(sentences) + ".",
        word_count=len(words),
        headings=[],
        teasers=teasers,
    )


def fetch_of(article: Article) -> Fetch:
    """The fetch record the spider yields for a freshly extracted article."""
    return Fetch(url=article.url, final_url=article.url, status=200, outcome="new",
                 etag=f'"{article.content_hash[:20]}"', elapsed_ms=12,
                 bytes=len(article.body_text) * 2, article=article)


def article_row(article: Article) -> dict[str, object]:
    """The article as a row of the archive's ``articles`` table, for the sqlite-utils baseline:
    the same columns the archive writes, built by the archive's own helpers."""
    return {"url": article.url, "site": SITE, **article_columns(article, content_snapshot(article))}


def teaser_rows(article: Article) -> list[dict[str, object]]:
    return [{"article_url": article.url, "position": t.position, "target_url": t.url,
             "title": t.title, "text": t.text} for t in article.teasers]


def search_queries(count: int = 200, seed: int = 3,
                   vocabulary: Vocabulary | None = None) -> list[str]:
    """Queries of every kind a user types: one to three words, phrases, prefixes, column
    filters and ``OR``. Words are drawn with frequency ranks spread log-uniformly from 10 to
    the rarest: the ten most frequent words stand for English stopwords nobody searches for,
    while the next hundred still occur in most articles, like "running" on a running blog.
    A prefix keeps all but the last two letters of a word, as "stretch*" does "stretching"."""
    vocabulary = vocabulary or Vocabulary.build()
    rng = random.Random(seed)
    rarest = len(vocabulary.words) - 1

    def word() -> str:
        return vocabulary.words[min(int(10 ** rng.uniform(1, math.log10(rarest))), rarest)]

    def prefix() -> str:
        chosen = word()
        return f"{chosen[:max(4, len(chosen) - 2)]}*"

    kinds = (
        lambda: word(),
        lambda: f"{word()} {word()}",
        lambda: f"{word()} {word()} {word()}",
        lambda: f'"{word()} {word()}"',
        prefix,
        lambda: f"title:{word()}",
        lambda: f"{word()} OR {word()}",
    )
    return [kinds[i % len(kinds)]() for i in range(count)]
