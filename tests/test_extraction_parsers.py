"""The text parsers behind dates, read times and encodings, on tricky strings."""

from __future__ import annotations

import pytest

from scraper.extraction.dates import parse_date
from scraper.extraction.decoding import guess_encoding, not_html_reason
from scraper.extraction.language import detect_language
from scraper.extraction.read_time import estimated_read_time, parse_duration, parse_read_time
from scraper.extraction.teasers import strip_marker


@pytest.mark.parametrize(("text", "expected"), [
    ("05.04.2023", "2023-04-05"),
    ("5/4/2023", "2023-04-05"),
    ("05-04-2023", "2023-04-05"),
    ("Publish date 18.08.2023", "2023-08-18"),
    ("Publish date18.08.2023You can read it in 6 minut", "2023-08-18"),
    ("12/25/2023", "2023-12-25"),  # day-first impossible, so the only reading left
])
def test_day_first_numeric_date(text: str, expected: str) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("18 sierpnia 2023", "2023-08-18"),
    ("3 stycznia 2024", "2024-01-03"),
    ("14 lutego 2022", "2022-02-14"),
    ("1 września 2021", "2021-09-01"),
    ("31 października 2020", "2020-10-31"),
    ("6 grudnia 2019 r.", "2019-12-06"),
    ("Sierpień 18, 2023", "2023-08-18"),
    ("August 18, 2023", "2023-08-18"),
    ("18 August 2023", "2023-08-18"),
    ("Posted on Aug 18th, 2023", "2023-08-18"),
    ("the 18th of August 2023", "2023-08-18"),
    ("Friday, 18. Aug. 2023", "2023-08-18"),
])
def test_month_name_dates_in_english_and_polish(text: str, expected: str) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("2023-08-18T08:00:00+00:00", "2023-08-18T08:00:00+00:00"),
    ("2023-08-18T08:00:00Z", "2023-08-18T08:00:00+00:00"),
    ("2023-08-18T10:00:00.123+0200", "2023-08-18T10:00:00+02:00"),
    ("2023-08-18 08:00", "2023-08-18T08:00:00"),
    ("2023-08-18", "2023-08-18"),
    ("2023/08/18", "2023-08-18"),
])
def test_iso_dates_keep_their_time(text: str, expected: str) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", [
    "", "no date here", "version 1.2.3", "10.000 steps", "31.02.2023", "2023-13-01",
    "call 555-12-2023x", "18 smarch 2023",
])
def test_impossible_or_absent_dates_give_none(text: str) -> None:
    assert parse_date(text) is None


def test_impossible_date_skipped_for_the_next_valid_one() -> None:
    assert parse_date("31.02.2023 then 01.03.2023") == "2023-03-01"


@pytest.mark.parametrize(("text", "expected"), [
    ("You can read it in 6 minut", 6),
    ("You can read it in 6minut", 6),
    ("12 min read", 12),
    ("12 min. read", 12),
    ("5-minute read", 5),
    ("Reading time: 7 minutes", 7),
    ("Reading time: about 7 minutes", 7),
    ("Przeczytasz w 4 minut", 4),
    ("Przeczytasz w 4 minuty", 4),
    ("Czas czytania: 5 min", 5),
    ("Publish date 18.08.2023You can read it in 6 minut", 6),
])
def test_read_time_labels(text: str, expected: int) -> None:
    assert parse_read_time(text) == expected


@pytest.mark.parametrize("text", [
    "Run 6 minutes fast, then rest", "2023 min", "Read more", "minutes of reading", "",
    "You can read it in 0 minut",
])
def test_read_time_without_a_label_is_none(text: str) -> None:
    assert parse_read_time(text) is None


def test_bare_minutes_accepted_only_from_a_site_selector() -> None:
    assert parse_read_time("6 minut") is None
    assert parse_read_time("6 minut", require_label=False) == 6


@pytest.mark.parametrize(("value", "expected"), [
    ("PT6M", 6), ("PT1H5M", 65), ("PT90S", 2), ("P0D", None), ("6 minutes", None),
])
def test_iso_duration_in_minutes(value: str, expected: int | None) -> None:
    assert parse_duration(value) == expected


@pytest.mark.parametrize(("words", "expected"), [(0, None), (1, 1), (200, 1), (201, 2)])
def test_estimated_read_time_rounds_up(words: int, expected: int | None) -> None:
    assert estimated_read_time(words) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Back pain is no […]", "Back pain is no"),
    ("A long day spent at work [...]", "A long day spent at work"),
    ("Stairs are hills…", "Stairs are hills"),
    ("  Daily running is fun. […]  ", "Daily running is fun."),
    ("No marker here.", "No marker here."),
])
def test_excerpt_marker_stripped(text: str, expected: str) -> None:
    assert strip_marker(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Zażółć gęślą jaźń. Ślisko, źle i świetnie.", "iso-8859-2"),
    ("Zażółć gęślą jaźń. Ślisko, źle i świetnie.", "cp1250"),
    ("Zażółć gęślą jaźń. Ślisko, źle i świetnie.", "utf-8"),
])
def test_polish_encoding_guess(text: str, expected: str) -> None:
    assert guess_encoding(text.encode(expected)) == expected


@pytest.mark.parametrize(("text", "reason"), [
    ("", "empty"), ("\x00\x01\x02\x03 binary", "binary"), ("plain words only", "no HTML tags"),
])
def test_not_html_reasons(text: str, reason: str) -> None:
    assert reason in (not_html_reason(text) or "")


def test_html_is_html() -> None:
    assert not_html_reason("<!doctype html><p>x</p>") is None


@pytest.mark.parametrize(("text", "expected"), [
    ("The runner and the coach said that it is what you can do with this plan.", "en"),
    ("Nie jest tak, że bieganie to sport dla każdego, ale już po tym tygodniu się okaże.", "pl"),
    ("Run. Biegaj.", None),
])
def test_stop_word_language_detection(text: str, expected: str | None) -> None:
    assert detect_language(text) == expected
