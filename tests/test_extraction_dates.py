"""Publish dates in the forms real pages state them, one class of signal per test.

Every page here is a few hand-written lines: each test names the markup it stands for, never
a copy of a real page.
"""

from __future__ import annotations

import pytest

from scraper.extraction import extract
from scraper.extraction.dates import parse_date

URL = "https://news.example/story/"
BODY = "<p>" + "The council met on the matter again and voted after a long debate. " * 12 + "</p>"


def page(head: str = "", header: str = "", body: str = BODY) -> str:
    """An article page: ``head`` in ``<head>``, ``header`` between the headline and the text."""
    return (f'<html><head><meta property="og:type" content="article">{head}</head><body>'
            f"<article><h1>Council votes on the bridge</h1>{header}{body}</article>"
            "</body></html>")


def test_modified_label_in_polish_is_never_the_published_date() -> None:
    article = extract(page(header="<p>Data modyfikacji: <time>20.09.2023</time></p>"
                                  "<p>Data publikacji: <time>05.03.2023</time></p>"), URL)
    assert article.published == "2023-03-05"
    assert article.modified == "2023-09-20"


# -- head signals ----------------------------------------------------------------------------


@pytest.mark.parametrize("meta", [
    '<meta name="datePublished" content="2020-08-16">',
    '<meta name="cXenseParse:recs:publishtime" content="2020-08-16T09:06:05+01:00">',
    '<meta property="article:published" content="2020-08-16">',
    '<meta itemprop="datePublished" content="2020-08-16">',  # microdata in <head>
])
def test_publication_date_in_head_meta_names_htmldate_reads(meta: str) -> None:
    assert (extract(page(head=meta), URL).published or "")[:10] == "2020-08-16"


def test_microdata_date_in_a_header_outside_the_article_element() -> None:
    html = ('<html><head><meta property="og:type" content="article"></head>'
            '<body><div class="content-head"><h1>Council votes</h1>'
            '<p><time itemprop="datePublished" datetime="2020-03-08T18:30:29Z">08/03/2020</time>'
            f'</p></div><article itemprop="articleBody">{BODY}</article></body></html>')
    assert extract(html, URL).published == "2020-03-08T18:30:29+00:00"


# -- JSON-LD and script data -----------------------------------------------------------------


def test_json_ld_followed_by_a_stray_brace_is_still_read() -> None:
    script = ('<script type="application/ld+json">{"@type": "NewsArticle", '
              '"datePublished": "2020-10-26T18:10:00+01:00"} }</script>')
    article = extract(page(head=script), URL)
    assert (article.published, article.field_sources["published"]) == \
        ("2020-10-26T18:10:00+01:00", "json-ld")


def test_web_page_node_dates_the_post_when_no_article_node_and_nothing_visible() -> None:
    script = ('<script type="application/ld+json">{"@graph": [{"@type": "WebSite", "name": "S"},'
              '{"@type": "WebPage", "datePublished": "2020-06-04T09:27:16+00:00"}]}</script>')
    assert extract(page(head=script), URL).published == "2020-06-04T09:27:16+00:00"


@pytest.mark.parametrize(("script", "expected"), [
    ('var publication_date = "2020-02-17 21:18:11";', "2020-02-17T21:18:11"),
    ('window.__DATA__ = {"video": {"publishDate": "2020-04-13", "views": 3}};', "2020-04-13"),
    ('ytInitial = "{\\"publishDate\\":\\"2020-04-13\\"}";', "2020-04-13"),
    ('var x = {"metaFirstPublishedDate": "1999-01-01", "datePublished": "2020-04-13"};',
     "2020-04-13"),
])
def test_publication_date_in_inline_script_data(script: str, expected: str) -> None:
    article = extract(page(head=f"<script>{script}</script>"), URL)
    assert (article.published, article.field_sources["published"]) == (expected, "script")


# -- addresses -------------------------------------------------------------------------------


@pytest.mark.parametrize("head", [
    '<link rel="canonical" href="https://news.example/ro/noticia/2020/03/08/story.ghtml">',
    '<meta property="og:url" content="https://news.example/nota/2020-3-8-16-5-0-story">',
    '<link rel="canonical" href="https://news.example/World/News/story-20200308">',
])
def test_date_in_the_pages_own_canonical_address(head: str) -> None:
    article = extract(page(head=head), "https://feeds.example/~r/abc123/")
    assert (article.published, article.field_sources["published"]) == ("2020-03-08", "url")
    # A dated address the page only links to is another page's.
    linked = head.replace('<link rel="canonical" href', '<link rel="next" href').replace(
        'property="og:url"', 'property="og:see_also"')
    assert extract(page(head=linked), "https://feeds.example/~r/abc123/").published is None


# -- visible dates ---------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("martes 17 de marzo de 2020", "2020-03-17"),
    ("1 de novembro de 2020", "2020-11-01"),
    ("9 oktober 2020 11:12", "2020-10-09"),
    ("Le 1er juin 2020", "2020-06-01"),
    ("5. März 2020", "2020-03-05"),
    ("2020. június 4.", "2020-06-04"),
    ("18 февраля 2020", "2020-02-18"),
    ("12 Ekim 2020", "2020-10-12"),
    ("07 أكتوبر 2020", "2020-10-07"),
    ("5 تموز 2020", "2020-07-05"),  # the Levantine names
    ("الجمعة 24 نيسان / أبريل 2020", "2020-04-24"),  # both names, one after the other
    ("2020年07月03日", "2020-07-03"),
    ("2020년 7월 3일", "2020-07-03"),
])
def test_dates_written_in_many_languages(text: str, expected: str) -> None:
    assert parse_date(text) == expected
    html = page(header=f'<p class="published-date">{text}</p>')
    assert extract(html, URL).published == expected


@pytest.mark.parametrize("header", [
    '<p class="tagline">22/11/2020 - 04:30 - Source: Agency</p>',
    '<figure><img src="a.jpg"><div>16 November 2020: the mayor at the bridge.</div></figure>'
    "<p>22 November 2020</p>",
])
def test_date_line_under_the_headline(header: str) -> None:
    assert extract(page(header=header), URL).published == "2020-11-22"
    # Below the first long paragraph the text has started: a date there is the text's.
    assert extract(page(body=BODY + header), URL).published is None


def test_date_line_in_a_list_classed_both_as_navigation_and_as_the_meta_line() -> None:
    """Bootstrap's ``nav`` class lays out any inline list: under the headline, a list that
    its class also names the meta line (``nav meta``) is the meta line, not a menu. A list
    classed ``nav`` alone stays a menu."""
    meta_line = ('<ul class="nav meta"><li><a href="/time/2020-10-13" title="13 Oct 2020 18:29">'
                 '13 Oct 2020 18:29</a></li><li><span>1479</span></li></ul>')
    assert extract(page(header=meta_line), URL).published == "2020-10-13"
    menu = meta_line.replace("nav meta", "nav")
    assert extract(page(header=menu), URL).published is None


@pytest.mark.parametrize("title", ["City News :: Council votes on the bridge",
                                   "Council votes on the bridge - City News"])
def test_date_line_under_a_headline_that_is_no_h1(title: str) -> None:
    """The headline is an h2 saying the page's title (the site's name before or after it),
    outside the article element; the byline and date line opens the article."""
    html = (f'<html><head><title>{title}</title><meta property="og:type" content="article">'
            '</head><body><h2 class="sub_tit">Council votes on the bridge</h2><article><div>'
            '<div><span>Jane Roe | </span> 2020-03-04 16:52:59</div>'
            f"{BODY}</div></article></body></html>")
    assert extract(html, URL).published == "2020-03-04T16:52:59"


@pytest.mark.parametrize("header", [
    '<div class="entry-top-info"><span class="entry-top-info-time">2020年07月03日</span></div>',
    '<h2 class="date-header"><span>Friday, July 3, 2020</span></h2>',
])
def test_date_in_an_element_whose_class_names_a_time(header: str) -> None:
    assert extract(page(header=header), URL).published == "2020-07-03"


def test_wordpress_entry_date_marked_updated_is_still_the_publication() -> None:
    html = page(header='<time class="entry-date published updated" '
                       'datetime="2020-11-01T07:20:16-03:00">1 de novembro de 2020</time>')
    assert extract(html, URL).published == "2020-11-01T07:20:16-03:00"


# -- the publisher's day ---------------------------------------------------------------------

UTC_STAMP = ('<script type="application/ld+json">{"@type": "NewsArticle", '
             '"datePublished": "2020-02-18T02:18:11Z"}</script>')


@pytest.mark.parametrize(("header", "expected"), [
    ("<time>17 de febrero de 2020</time>", "2020-02-17"),
    ('<time datetime="2020-02-17T21:18:11-05:00">Monday</time>', "2020-02-17T21:18:11-05:00"),
    ('<time>Feb 17, 2020</time><time datetime="2020-02-17T21:18:11-05:00">9:18 pm</time>',
     "2020-02-17T21:18:11-05:00"),
])
def test_utc_stamp_takes_the_day_the_page_shows(header: str, expected: str) -> None:
    assert extract(page(head=UTC_STAMP, header=header), URL).published == expected
    # The stamp stands with nothing local, with a local day not next to its own, and when
    # it carries the publisher's offset itself.
    for stamp, shown in ((UTC_STAMP, ""), (UTC_STAMP, "<time>15 de febrero de 2020</time>"),
                         (UTC_STAMP.replace("02:18:11Z", "00:16:15+03:00"), header)):
        stated = extract(page(head=stamp, header=shown), URL).published
        assert stated == parse_date(stamp)


def test_a_stamp_with_unpadded_seconds_keeps_its_zone() -> None:
    """Some CMSs write the seconds unpadded (``23:15:0Z``): the stamp is still UTC, and the
    day the page shows decides the publisher's day."""
    assert parse_date("2020-12-05T23:15:0Z") == "2020-12-05T23:15:00+00:00"
    stamp = UTC_STAMP.replace("2020-02-18T02:18:11Z", "2020-12-05T23:15:0Z")
    html = page(head=stamp, header="<p itemprop='datePublished'>06 Dicembre 2020</p>")
    assert extract(html, URL).published == "2020-12-06"


# -- pages that are one item but no article --------------------------------------------------

THREAD = ("<html><head><title>Where did my build go? | Example Forums</title></head><body>"
          "<h1>Where did my build go?</h1><ul class='thread-info'><li>Thread starter "
          "<a href='/members/ann.1/'>ann</a></li><li><a href='/threads/build.2/'><time "
          "datetime='2020-03-18T12:22:42-0400'>1 minute ago</time></a></li></ul>"
          "<article class='message'><header><time datetime='2020-03-18T12:22:42-0400'>1 "
          "minute ago</time></header><img src='/attachments/screenshot.png' alt=''></article>"
          "</body></html>")
VIDEO = ("<html><head><title>Morning briefing - Example TV</title>"
         "<meta property='og:type' content='video.other'></head><body>"
         "<div itemscope itemtype='http://schema.org/VideoObject'><h1>Morning briefing</h1>"
         "<meta itemprop='datePublished' content='2020-04-13'>"
         "<meta itemprop='dateModified' content='2020-04-14'></div></body></html>")


@pytest.mark.parametrize(("html", "expected", "modified"), [
    (THREAD, "2020-03-18T12:22:42-04:00", None),
    (VIDEO, "2020-04-13", "2020-04-14"),
])
def test_a_page_that_is_one_item_but_no_article_keeps_its_stated_date(
        html: str, expected: str, modified: str | None) -> None:
    """A forum thread whose post is a picture, a video page: too little text (or a type
    other than an article) to call them articles, yet nothing says they are listings, and
    the date they state about themselves is still their date. The verdict stays."""
    article = extract(html, URL)
    assert article.is_article is False
    assert (article.published, article.modified) == (expected, modified)
    # A profile (a person, not a dated work) and a page of post cards have no date of their
    # own: the first card's <time> dates a card.
    profile = VIDEO.replace("video.other", "profile")
    cards = "".join(f"<article><h2><a href='/p{n}/'>Post {n}</a></h2><time>0{n}.03.2020</time>"
                    "</article>" for n in range(1, 4))
    listing = f"<html><head><title>News</title></head><body>{cards}</body></html>"
    for other in (profile, listing):
        assert (extract(other, URL).published, extract(other, URL).modified) == (None, None)
