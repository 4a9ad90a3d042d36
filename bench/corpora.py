"""Extraction quality on public, labelled corpora of real pages, beside trafilatura and htmldate.

Two sets live in ``../shared/corpora/`` (a parameter: a user may point it at checkouts of the
public repositories instead):

- ``aeb/``, the ScrapingHub article-extraction benchmark: 181 real articles and their gold
  bodies. The score is the benchmark's own: word 4-gram shingles shared with the gold body,
  normalised per page so long pages weigh no more than short ones; precision is averaged over
  the pages with any predicted shingle, recall over every page (an empty prediction has recall
  0), F1 from the two means. :func:`shingle_counts` reproduces trafilatura's published 0.958.
- ``dates-mediacloud/``, htmldate's MediaCloud set: 200 real news pages, 195 of them dated.
  The score is the share of the 195 whose day is right, with and without the URL given; the
  five undated pages should get no date.

``python -m bench.corpora [--corpora DIR] [--worst N]`` prints the figures and, for finding
failure *classes*, the worst pages of each set; ``bench`` puts the figures into results.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.harness import Row, Sample, at_least, at_most, interleave, timed
from scraper.extraction import extract

#: Figures published with the corpora (their READMEs), shown beside ours in results.md.
PUBLISHED_BODY = ("published: rs_trafilatura 0.970, trafilatura 2.0 0.958, newspaper4k 0.949, "
                  "readability-lxml 0.922, goose3 0.896")
PUBLISHED_DATES = "published: htmldate 1.11 extensive 0.913"

#: Where the corpora are unless told otherwise: ``shared/`` beside the project's checkout.
DEFAULT_CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"

_WORD = re.compile(r"\w+")
_SHINGLE = 4


class CorpusMissingError(RuntimeError):
    """The corpus folder lacks a set; the message says which path was looked at."""


# --- the body set --------------------------------------------------------------------------


@dataclass(frozen=True)
class BodyPage:
    key: str
    url: str
    html: bytes
    gold: str


def body_pages(corpora: Path) -> list[BodyPage]:
    folder = corpora / "aeb"
    truth = _ground_truth(folder)
    return [BodyPage(key, item["url"], gzip.decompress((folder / "html" /
                                                        f"{key}.html.gz").read_bytes()),
                     item["articleBody"])
            for key, item in sorted(truth.items())]


def _shingles(text: str) -> Counter[tuple[str, ...]]:
    words = _WORD.findall(text or "")
    return Counter(tuple(words[i:i + _SHINGLE])
                   for i in range(max(1, len(words) - _SHINGLE + 1)) if words[i:i + _SHINGLE])


def shingle_counts(gold: str, predicted: str) -> tuple[float, float, float]:
    """The benchmark's per-page (tp, fp, fn), normalised to sum to 1 (all 0 when both are
    empty)."""
    true, pred = _shingles(gold), _shingles(predicted)
    tp = sum((true & pred).values())
    fp = sum((pred - true).values())
    fn = sum((true - pred).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


@dataclass
class BodyScore:
    """Precision, recall and F1 over a corpus, the benchmark's way, and per page F1."""

    per_page: dict[str, float] = field(default_factory=dict)
    precisions: list[float] = field(default_factory=list)
    recalls: list[float] = field(default_factory=list)
    exact: int = 0
    non_articles: int = 0

    def add(self, page: BodyPage, predicted: str, is_article: bool = True) -> None:
        tp, fp, fn = shingle_counts(page.gold, predicted)
        if tp + fp > 0:
            self.precisions.append(tp / (tp + fp))
        recall = tp / (tp + fn) if tp + fn > 0 else 0.0
        self.recalls.append(recall)
        self.per_page[page.key] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        self.exact += _WORD.findall(page.gold) == _WORD.findall(predicted or "")
        self.non_articles += not is_article

    @property
    def precision(self) -> float:
        return sum(self.precisions) / len(self.precisions) if self.precisions else 0.0

    @property
    def recall(self) -> float:
        return sum(self.recalls) / len(self.recalls) if self.recalls else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def ours_body(page: BodyPage) -> tuple[str, bool]:
    article = extract(page.html, page.url)
    return article.body_text or "", article.is_article


def trafilatura_body(page: BodyPage) -> tuple[str, bool]:
    import trafilatura

    result = trafilatura.bare_extraction(page.html, url=page.url, with_metadata=True)
    text = (result.text if hasattr(result, "text") else (result or {}).get("text")) or ""
    return text, bool(text)


def score_bodies(pages: Iterable[BodyPage],
                 extractor: Callable[[BodyPage], tuple[str, bool]]) -> tuple[BodyScore, float]:
    """The score and the pages per second of one extractor over the pages."""
    score, seconds = BodyScore(), 0.0
    for page in pages:
        started = time.perf_counter()
        text, is_article = extractor(page)
        seconds += time.perf_counter() - started
        score.add(page, text, is_article)
    return score, len(score.recalls) / seconds if seconds else math.inf


# --- the date set --------------------------------------------------------------------------


@dataclass(frozen=True)
class DatePage:
    url: str
    html: bytes
    gold: str | None  # None: the page has no date


def date_pages(corpora: Path) -> list[DatePage]:
    folder = corpora / "dates-mediacloud"
    truth = _ground_truth(folder)
    pages = []
    for url, item in sorted(truth.items()):
        gold = item.get("date")
        if not isinstance(gold, str) or not re.fullmatch(r"\d{4}-\d\d-\d\d", gold):
            gold = None
        pages.append(DatePage(url, gzip.decompress((folder / "html" /
                                                    f"{item['file']}.gz").read_bytes()), gold))
    return pages


#: The URL a page is given when the score is taken "without the URL": an address that says
#: nothing about the page, so links still resolve.
_NO_URL = "https://example.invalid/page"


def ours_date(page: DatePage, with_url: bool) -> str | None:
    article = extract(page.html, page.url if with_url else _NO_URL)
    return article.published[:10] if article.published else None


def htmldate_date(page: DatePage, with_url: bool) -> str | None:
    import htmldate

    return htmldate.find_date(page.html, url=page.url if with_url else None,
                              original_date=True, extensive_search=True)


@dataclass
class DateScore:
    right: int = 0
    dated: int = 0
    undated_left_empty: int = 0
    undated: int = 0
    wrong: dict[str, tuple[str, str | None]] = field(default_factory=dict)

    @property
    def accuracy(self) -> float:
        return self.right / self.dated if self.dated else 0.0


def score_dates(pages: Iterable[DatePage], finder: Callable[[DatePage, bool], str | None],
                with_url: bool) -> tuple[DateScore, float]:
    score, seconds, count = DateScore(), 0.0, 0
    for page in pages:
        started = time.perf_counter()
        found = finder(page, with_url)
        seconds += time.perf_counter() - started
        count += 1
        if page.gold is None:
            score.undated += 1
            score.undated_left_empty += found is None
        else:
            score.dated += 1
            if found == page.gold:
                score.right += 1
            else:
                score.wrong[page.url] = (page.gold, found)
    return score, count / seconds if seconds else math.inf


def require(corpora: Path) -> None:
    """Raise :class:`CorpusMissingError` unless both sets are in ``corpora``: checked before
    a long bench starts rather than after its first minutes."""
    for name in ("aeb", "dates-mediacloud"):
        _truth_path(corpora / name)


def _truth_path(folder: Path) -> Path:
    path = folder / "ground-truth.json"
    if not path.is_file():
        raise CorpusMissingError(f"no {path}: point --corpora at a folder holding aeb/ and "
                                 "dates-mediacloud/ (see ../shared/corpora/README.md)")
    return path


def _ground_truth(folder: Path) -> dict:
    return json.loads(_truth_path(folder).read_text(encoding="utf-8"))


# --- the bench rows ------------------------------------------------------------------------


def rows(corpora: Path, repeats: int, limit: int | None = None) -> list[Row]:
    """Quality on both sets (one pass each: the scores do not vary) and the speed against
    trafilatura's ``bare_extraction`` (``repeats`` interleaved passes over the body set).
    ``limit`` takes the first pages of each set only (the quick plan)."""
    bodies, dated = body_pages(corpora)[:limit], date_pages(corpora)[:limit]
    ours, _ = score_bodies(bodies, ours_body)
    theirs, _ = score_bodies(bodies, trafilatura_body)
    label = f"ScrapingHub set, {len(bodies)} real articles"

    def quality(figure: str, value: float, baseline: float, name: str, **kwargs: Any) -> Row:
        """A score measured once, beside the anchor's in the same run."""
        return Row(figure, Sample.of([value]), "", Sample.of([baseline]), name, **kwargs)

    result = [
        quality(f"body F1 ({PUBLISHED_BODY}), {label}", ours.f1, theirs.f1,
                "trafilatura bare_extraction", target=at_least(0.965, "value")),
        quality(f"context: body precision, {label}", ours.precision, theirs.precision,
                "trafilatura bare_extraction"),
        quality(f"context: body recall, {label}", ours.recall, theirs.recall,
                "trafilatura bare_extraction"),
        Row(f"real articles called non-articles, {label}", Sample.of([ours.non_articles]),
            "pages", Sample.of([theirs.non_articles]), "trafilatura (empty text)",
            target=at_most(0, "value")),
    ]
    for with_url in (False, True):
        mine, _ = score_dates(dated, ours_date, with_url)
        htmldate_score, _ = score_dates(dated, htmldate_date, with_url)
        figure = (f"publish date, exact day, {'with' if with_url else 'without'} the URL "
                  f"({PUBLISHED_DATES}), MediaCloud set, {mine.dated} dated pages")
        ratio = Sample.of([mine.accuracy / htmldate_score.accuracy
                           if htmldate_score.accuracy else 0.0])
        if with_url:
            result.append(quality(f"context: {figure}", mine.accuracy,
                                  htmldate_score.accuracy, "htmldate extensive", ratio=ratio))
            continue
        result += [
            quality(figure, mine.accuracy, htmldate_score.accuracy, "htmldate extensive",
                    target=at_least(0.92, "value")),
            quality(f"{figure} / htmldate's", mine.accuracy, htmldate_score.accuracy,
                    "htmldate extensive", ratio=ratio, target=at_least(1.0)),
            Row(f"undated pages given no date, MediaCloud set, {mine.undated} undated pages",
                Sample.of([mine.undated_left_empty]), "pages",
                Sample.of([htmldate_score.undated_left_empty]), "htmldate extensive",
                target=at_least(mine.undated, "value")),
        ]

    def one_pass(extractor: Callable[[BodyPage], object]) -> Callable[[], float]:
        return lambda: len(bodies) / timed(lambda: [extractor(page) for page in bodies])

    ours_rate, their_rate = (Sample.of(values) for values in interleave(
        one_pass(ours_body), one_pass(trafilatura_body), repeats=repeats))
    result.append(Row(f"extraction speed-up over trafilatura bare_extraction, {label}",
                      ours_rate, "pages/s", their_rate, "trafilatura bare_extraction",
                      ours_rate.per(their_rate), at_least(3.0)))
    return result


# --- the command ---------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.corpora",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--worst", type=int, default=15,
                        help="list this many of the worst pages of each set")
    parser.add_argument("--no-anchors", action="store_true",
                        help="skip trafilatura and htmldate (quicker, ours only)")
    args = parser.parse_args(argv)

    bodies = body_pages(args.corpora)
    ours, ours_rate = score_bodies(bodies, ours_body)
    print(f"aeb body: ours F1 {ours.f1:.3f} (P {ours.precision:.3f}, R {ours.recall:.3f}), "
          f"exact {ours.exact}, non-articles {ours.non_articles} of {len(bodies)}, "
          f"{ours_rate:.1f} pages/s")
    if not args.no_anchors:
        traf, traf_rate = score_bodies(bodies, trafilatura_body)
        print(f"aeb body: trafilatura F1 {traf.f1:.3f} (P {traf.precision:.3f}, "
              f"R {traf.recall:.3f}), {traf_rate:.1f} pages/s; "
              f"ours is {ours_rate / traf_rate:.2f}x its speed")
    worst = sorted(ours.per_page.items(), key=lambda item: item[1])[:args.worst]
    by_key = {page.key: page for page in bodies}
    for key, f1 in worst:
        print(f"  body F1 {f1:.2f}  {key[:12]}  {by_key[key].url}")

    dated = date_pages(args.corpora)
    for with_url in (False, True):
        mine, _ = score_dates(dated, ours_date, with_url)
        line = (f"dates {'with' if with_url else 'without'} URL: ours {mine.accuracy:.3f} "
                f"({mine.right}/{mine.dated}), undated left empty "
                f"{mine.undated_left_empty}/{mine.undated}")
        if not args.no_anchors:
            theirs, _ = score_dates(dated, htmldate_date, with_url)
            line += f"; htmldate {theirs.accuracy:.3f} ({theirs.right}/{theirs.dated})"
        print(line)
        if not with_url:
            for url, (gold, found) in list(mine.wrong.items())[:args.worst]:
                print(f"  date gold {gold} ours {found}  {url}")


if __name__ == "__main__":
    main()
