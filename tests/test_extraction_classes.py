"""Extraction failure classes found on real pages, each as a small hand-written page.

Every test names a class of markup (not a site) that lost an article's text or its article
verdict: the fixtures are written here, never copied from the pages that showed the class.
"""

from __future__ import annotations

import pytest

from scraper.extraction import extract

URL = "https://news.example/2024/05/river-cleanup-volunteers/"

#: Three paragraphs of an article: the text every test expects back.
PARAGRAPHS = (
    "Volunteers pulled more than two tonnes of rubbish from the river on Saturday, the "
    "largest haul since the yearly cleanup began eleven years ago in the old mill district.",
    "Organisers said shopping trolleys and tyres made up most of the weight, while plastic "
    "bottles were the most common item, counted at nearly four thousand by the volunteers.",
    "The city council has promised new bins along the towpath before the summer, and the "
    "group plans a second cleanup in September if enough people sign up on its website.",
)
TEXT = "\n\n".join(PARAGRAPHS)
PARAGRAPH_HTML = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)


def page(body: str, head: str = "") -> str:
    return (f"<!DOCTYPE html><html lang='en'><head><title>River cleanup sets a record - "
            f"City News</title>{head}</head><body>{body}</body></html>")


SITE_HEADER = ("<header class='site-header'><a href='/'>City News</a><nav><a href='/news/'>"
               "News</a> <a href='/sport/'>Sport</a></nav></header>")
SITE_FOOTER = "<footer class='site-footer'><p>© City News. All rights reserved.</p></footer>"


# -- body: the text sits in a wrapper named like chrome ------------------------------------


def test_text_inside_a_wrapper_named_for_its_sidebar_is_kept() -> None:
    """A layout wrapper's name says what sits beside it (``content-with-sidebar``,
    ``primary-and-secondary-columns``): the text inside is the article's all the same."""
    html = page(SITE_HEADER + "<article class='node node-article'><h1>River cleanup sets a "
                "record</h1><div class='content-with-sidebar-wrp'><div class='field-body'>"
                f"{PARAGRAPH_HTML}</div></div></article>"
                "<div class='sidebar'><p>Most read: Bus lanes</p></div>" + SITE_FOOTER,
                "<meta property='og:type' content='article'>")
    article = extract(html, URL)
    assert article.is_article
    assert article.body_text == TEXT


def test_text_inside_a_page_wide_form_is_kept() -> None:
    """ASP.NET pages put the whole page in one ``<form>``: it is layout, not a form."""
    html = page("<form id='aspnetForm' method='post' action='./'>" + SITE_HEADER +
                "<div class='article-page'><h1>River cleanup sets a record</h1>"
                f"<div class='article-text'>{PARAGRAPH_HTML}</div></div>" + SITE_FOOTER +
                "</form>", "<meta property='og:type' content='article'>")
    article = extract(html, URL)
    assert article.is_article
    assert article.body_text == TEXT


def test_a_real_sidebar_stays_out_of_the_text() -> None:
    """The rescue is for the wrapper of the text, never for a sidebar beside it."""
    html = page(SITE_HEADER + "<div class='layout has-sidebar'><main><article><h1>River "
                f"cleanup sets a record</h1><div>{PARAGRAPH_HTML}</div></article></main>"
                "<div class='sidebar'><p>Subscribe to our weekly letter for the best of the "
                "city's news in your inbox every Friday morning.</p></div></div>" + SITE_FOOTER)
    assert extract(html, URL).body_text == TEXT


# -- body: the first box of its kind is empty, the text is in another -----------------------


def test_an_empty_content_box_before_the_text_is_passed_over() -> None:
    """A content-classed box left empty (a video slot, a lead section) before the one with
    the paragraphs: the text is in the second."""
    html = page(SITE_HEADER + "<article><h1>River cleanup sets a record</h1>"
                "<div class='article-body'><div class='video-slot'></div></div>"
                f"<div class='article-body'><div class='inner'>{PARAGRAPH_HTML}</div></div>"
                "</article>" + SITE_FOOTER, "<meta property='og:type' content='article'>")
    assert extract(html, URL).body_text == TEXT


def test_a_text_split_over_two_content_boxes_is_read_whole() -> None:
    """A lead box and the rest, both content-classed, under one wrapper: one text."""
    lead, *rest = PARAGRAPHS
    rest_html = "".join(f"<p>{p}</p>" for p in rest)
    html = page(SITE_HEADER + "<article><h1>River cleanup sets a record</h1>"
                f"<div class='story'><div class='article-body'><p>{lead}</p></div>"
                "<div class='ad-label'>Advertisement</div>"
                f"<div class='article-body'>{rest_html}</div></div></article>" + SITE_FOOTER,
                "<meta property='og:type' content='article'>")
    assert extract(html, URL).body_text == TEXT


def test_an_empty_first_main_area_is_not_the_article() -> None:
    """Two ``<main>`` areas, the first an ad banner: the text is in the second."""
    html = page(SITE_HEADER + "<main class='row'><section class='banner'></section></main>"
                f"<div class='page'><main class='row'><div class='story'>{PARAGRAPH_HTML}"
                "</div></main></div>" + SITE_FOOTER,
                "<meta property='og:type' content='article'>")
    assert extract(html, URL).body_text == TEXT


def test_the_story_beside_an_empty_main_area_is_found() -> None:
    """The only main area holds the header, the story sits in a sibling box: the root is
    widened to hold the text that plainly outweighs it."""
    html = page(SITE_HEADER + "<div id='main'><div class='article-header'><h2>River cleanup "
                "sets a record</h2></div></div>"
                f"<div class='section-wrap'><div class='story-text'>{PARAGRAPH_HTML}</div></div>"
                + SITE_FOOTER, "<meta property='og:type' content='article'>")
    assert extract(html, URL).body_text == TEXT


# -- body: page furniture inside the text's box ---------------------------------------------


def story_page(text_box: str) -> str:
    """A story page whose text's box holds ``text_box``."""
    return page(SITE_HEADER + "<article><h1>River cleanup sets a record</h1><div class='text'>"
                f"{text_box}</div></article>" + SITE_FOOTER,
                "<meta property='og:type' content='article'>")


FIRST, SECOND, THIRD = (f"<p>{p}</p>" for p in PARAGRAPHS)


@pytest.mark.parametrize("text_box", [
    # An ad slot whose classes say nothing leaves its label; a photo credit stands alone.
    f"{FIRST}<div class='DfpSlot-x9'><div class='DfpSlot-label'>ADVERTISEMENT</div></div>"
    f"{SECOND}<img src='/river.jpg' alt=''><div>Photo: Jane Smith, City News</div>{THIRD}",
    # A gallery's buttons, a share bar, a "Continue Reading Below" slot.
    f"{FIRST}<div class='x1'><div>Close</div><div>Caption</div></div>{SECOND}"
    f"<div class='x2'>Share this on WhatsApp</div><div class='x3'>Continue Reading Below</div>"
    f"{THIRD}",
    # A print-friendly address line and the story's update time, above the text.
    f"<div class='x'>{URL}</div><div class='y'>Updated 5:27 am CST, Wednesday, November 20, "
    f"2019</div>{FIRST}{SECOND}{THIRD}",
], ids=["ad-label-and-credit", "widget-buttons", "address-and-updated-line"])
def test_page_furniture_in_the_text_box_is_not_text(text_box: str) -> None:
    """Blocks that only label an ad, credit a photo, are a widget's button or repeat the
    page's address and update time: no sentence of the article."""
    assert extract(story_page(text_box), URL).body_text == TEXT


def test_gallery_captions_and_credits_in_the_text_box_are_not_text() -> None:
    """A slideshow inside the story: its captions and credits are the pictures', not the
    story's (a page wrapper flagged ``caption`` by its theme still holds the text)."""
    first, second, third = PARAGRAPHS
    gallery = ("<div class='asset_gallery'><ul><li><img src='/a.jpg' alt=''>"
               "<div class='caption-full'><p>Volunteers haul a trolley from the river near the "
               "old mill on Saturday morning.</p></div><span class='credit'>Jane Smith</span>"
               "</li></ul></div>")
    html = page(SITE_HEADER + "<div id='page' class='right-column caption'><div class='story'>"
                f"<h1>River cleanup sets a record</h1><div class='text'><p>{first}</p>{gallery}"
                f"<p>{second}</p><p>{third}</p></div></div></div>" + SITE_FOOTER,
                "<meta property='og:type' content='article'>")
    assert extract(html, URL).body_text == TEXT


# -- article or not: post cards beside the story ---------------------------------------------


def assert_story(html: str, text: str = TEXT) -> None:
    """The page is an article whose body is the story's text."""
    article = extract(html, URL)
    assert article.is_article, article.missing
    assert article.body_text == text


def _card(n: int, tag: str = "article", heading: str = "h3") -> str:
    return (f"<{tag} class='story-card'><a href='/2024/05/story-{n}/'><img src='/{n}.jpg' alt=''>"
            f"</a><{heading}><a href='/2024/05/story-{n}/'>Other story number {n}</a>"
            f"</{heading}></{tag}>")


def test_a_rail_of_story_cards_beside_the_story_is_no_listing() -> None:
    """A rail of ``<article>`` cards ("Latest", "Most read") beside a story: the cards do
    not hold the text, so they do not make the page a listing."""
    rail = "<div class='rail'>" + "".join(_card(n) for n in range(1, 7)) + "</div>"
    html = page(SITE_HEADER + "<div class='layout'><div class='story'><h1>River cleanup sets a "
                f"record</h1><div class='story-text'>{PARAGRAPH_HTML}</div></div>{rail}</div>"
                + SITE_FOOTER, "<meta property='og:type' content='article'>")
    assert_story(html)


def test_a_story_in_nested_article_elements_beside_a_rail_is_no_listing() -> None:
    """The story sits in ``<article>`` inside ``<article>`` (a page shell and the story's
    fragment), a rail of cards beside them: the shells around the text are not cards."""
    rail = "<div class='right-col'>" + "".join(_card(n) for n in range(1, 5)) + "</div>"
    html = page(SITE_HEADER + "<main><div class='left-col'><article id='news-article'>"
                "<div class='headline'>River cleanup sets a record</div><article id='frag'>"
                f"{PARAGRAPH_HTML}</article></article></div>{rail}</main>" + SITE_FOOTER,
                "<meta property='og:type' content='article'>")
    assert_story(html)


def test_a_featured_card_with_an_h1_below_the_story_is_not_the_article() -> None:
    """The story's own element has no h1; a featured-story card further down has one. The
    article element holding the page's text is the article."""
    cards = "".join(_card(n) for n in range(1, 5))
    html = page(SITE_HEADER + "<section><article class='single-story'><h2>River cleanup sets "
                f"a record</h2><div class='content'>{PARAGRAPH_HTML}</div></article></section>"
                "<section><article class='featured-story'><h1><a href='/2024/05/other/'>A "
                f"featured story</a></h1></article>{cards}</section>" + SITE_FOOTER,
                "<meta property='og:type' content='article'>")
    assert_story(html)


def test_a_news_brief_beside_two_cards_is_no_listing() -> None:
    """A news brief (one short paragraph) in the ``<article>`` holding the headline, two
    story cards beside it: the story's own element is no card, so two cards make no
    listing."""
    rail = "<div class='extra'>" + "".join(_card(n) for n in range(1, 3)) + "</div>"
    html = page(SITE_HEADER + "<div class='row'><article><header><h1>River cleanup sets a "
                f"record</h1></header><div class='news-txt'><p>{PARAGRAPHS[0]}</p></div>"
                f"</article>{rail}</div>" + SITE_FOOTER,
                "<meta property='og:type' content='article'>")
    assert_story(html, PARAGRAPHS[0])


def test_a_story_stream_is_the_story_its_title_names() -> None:
    """A story stream: the page's story, then the next stories loaded under it, each a whole
    ``<article>`` with an h2 headline and its text, and no h1 anywhere. The article element
    whose headline says the page's title is the article; the others are no listing."""
    others = "".join(
        f"<article class='story'><h2><a href='/2024/05/story-{n}/'>Another story number {n}"
        f"</a></h2><div class='story-text'><p>{PARAGRAPHS[n % 3]}</p></div></article>"
        for n in range(1, 4))
    html = page(SITE_HEADER + "<div class='stream'><article class='story'><h2><a href="
                "'/2024/05/river-cleanup-volunteers/'>River cleanup sets a record</a></h2>"
                f"<div class='story-text'>{PARAGRAPH_HTML}</div></article>{others}</div>"
                + SITE_FOOTER, "<meta property='og:type' content='article'>")
    article = extract(html, URL)
    assert article.is_article, article.missing
    assert article.body_text == TEXT
    # Titled after none of the stories, the same page is a listing.
    listing = html.replace("River cleanup sets a record - City News", "Latest - City News")
    assert not extract(listing, "https://news.example/latest/").is_article


def test_a_listing_of_cards_with_excerpts_stays_a_listing() -> None:
    """The rail rule never makes a listing an article: there the cards hold the text."""
    cards = "".join(
        f"<article class='post'><h2><a href='/2024/05/story-{n}/'>Story {n}</a></h2>"
        f"<p>{PARAGRAPHS[n % 3]}</p></article>" for n in range(1, 6))
    html = page(SITE_HEADER + f"<main><h1>News</h1>{cards}</main>" + SITE_FOOTER,
                "<meta property='og:type' content='article'>")
    article = extract(html, "https://news.example/news/")
    assert not article.is_article
    assert "listing" in article.missing["is_article"]


# -- article or not: the crawl's evidence and unusual og:types -------------------------------


def _static_like(head: str = "", body_class: str = "") -> str:
    """A post whose markup says nothing of an article: no JSON-LD, no article element."""
    return (f"<!DOCTYPE html><html lang='en'><head><title>River cleanup sets a record - City "
            f"News</title>{head}</head><body class='{body_class}'>{SITE_HEADER}"
            f"<div id='content'><h1>River cleanup sets a record</h1>"
            f"<div class='text'>{PARAGRAPH_HTML}</div></div>{SITE_FOOTER}</body></html>")


def test_a_post_linked_from_the_posts_sitemap_is_an_article_despite_page_id() -> None:
    """WordPress's ``page-id-N`` on what the posts sitemap lists as a post: the crawl's
    evidence outweighs the body class."""
    html = _static_like(body_class="page-template-default page page-id-42")
    assert not extract(html, URL).is_article
    article = extract(html, URL, linked_as="sitemap")
    assert article.is_article
    assert article.body_text == TEXT


def test_a_post_linked_from_a_teaser_is_an_article_despite_an_unknown_og_type() -> None:
    html = _static_like("<meta property='og:type' content='video.other'>")
    assert not extract(html, URL).is_article
    assert extract(html, URL, linked_as="teaser").is_article


def test_the_crawls_evidence_never_makes_a_listing_or_a_search_an_article() -> None:
    cards = "".join(
        f"<article class='post'><h2><a href='/2024/05/story-{n}/'>Story {n}</a></h2>"
        f"<p>{PARAGRAPHS[n % 3]}</p></article>" for n in range(1, 6))
    listing = page(SITE_HEADER + f"<main><h1>News</h1>{cards}</main>" + SITE_FOOTER)
    assert not extract(listing, "https://news.example/news/", linked_as="sitemap").is_article
    assert not extract(_static_like(), "https://news.example/?s=river",
                       linked_as="teaser").is_article
    assert not extract(_static_like(), "https://news.example/category/city/",
                       linked_as="sitemap").is_article


def test_og_types_that_name_a_post_make_an_article() -> None:
    """``commentary`` (an opinion section) and ``post`` (a blog engine) name one post."""
    for og_type in ("commentary", "post"):
        html = _static_like(f"<meta property='og:type' content='{og_type}'>")
        article = extract(html, URL)
        assert article.is_article, og_type
        assert article.body_text == TEXT


def test_an_og_type_that_is_a_media_type_decides_nothing() -> None:
    """``og:type`` written as a media type (``text/html``) names no OpenGraph type: the
    page's structure decides, as with no og:type at all."""
    html = _static_like("<meta property='og:type' content='text/html'>")
    assert_story(html)


def test_only_a_sitemap_of_posts_is_evidence_of_articles() -> None:
    """The crawl passes ``linked_as="sitemap"`` for pages a posts sitemap lists; a sitemap of
    pages or terms (the bundled blog's ``page-sitemap.xml``) or a generic one is none."""
    from scraper.spiders.blog import _lists_posts

    posts = ("post-sitemap.xml", "post-sitemap2.xml", "wp-sitemap-posts-post-1.xml",
             "news-sitemap.xml", "sitemap-articles.xml.gz")
    others = ("page-sitemap.xml", "wp-sitemap-posts-page-1.xml", "category-sitemap.xml",
              "wp-sitemap-taxonomies-post_tag-1.xml", "author-sitemap.xml", "sitemap.xml",
              "sitemap_index.xml")
    assert all(_lists_posts(f"https://blog.example/{name}") for name in posts)
    assert not any(_lists_posts(f"https://blog.example/{name}") for name in others)


# -- body: text written without paragraphs, a content box named with a noise word -------------


def test_the_text_box_beside_an_article_element_holding_only_the_headline() -> None:
    """The ``<article>`` holds the headline and a share bar only; the story, one block with
    no paragraph, sits in its box (``itemprop=articleBody``) beside it, over a ticker of
    links to other stories. The box is the text, not the page around it."""
    ticker = "".join(f"<li><a href='/2024/05/story-{n}/'>Other story number {n} of the day</a>"
                     "</li>" for n in range(40))
    html = page(SITE_HEADER + "<main><article><h1>River cleanup sets a record</h1><div "
                "class='share-buttons'><a href='#'>Mail</a></div></article><div class='row'>"
                f"<div itemprop='articleBody'>{PARAGRAPHS[0]}</div></div><div class='row'>"
                f"<ul class='ticker'>{ticker}</ul></div></main>" + SITE_FOOTER,
                "<meta property='og:type' content='article'>")
    assert_story(html, PARAGRAPHS[0])


def test_a_text_written_in_divs_without_paragraphs_is_found() -> None:
    """Each paragraph a ``<div>`` of its own, beside an empty ``<article>`` shell: nothing
    counted as paragraph text, and the body came out empty."""
    lines = "".join(f"<div class='line'>{p}</div>" for p in PARAGRAPHS)
    html = page(SITE_HEADER + "<div class='left-side'><h1>River cleanup sets a record</h1>"
                f"<div class='story-inner'>{lines}</div></div><article></article>"
                + SITE_FOOTER, "<meta property='og:type' content='article'>")
    assert extract(html, URL).body_text == TEXT


def test_a_short_post_is_not_widened_to_its_meta_lines() -> None:
    """The loose-text search is for a text without paragraphs, never a short post's box."""
    html = page(SITE_HEADER + "<article><h1>Short note</h1><div class='meta'>12 May 2024 · "
                "by Jane Smith · 1 min read</div><div class='entry-content'><p>The towpath "
                "reopens on Monday.</p></div><div class='tags'>Tags: river, council, towpath,"
                " summer</div></article>" + SITE_FOOTER,
                "<meta property='og:type' content='article'>")
    assert extract(html, URL).body_text == "The towpath reopens on Monday."


def test_a_content_box_flagged_with_a_noise_word_keeps_its_text() -> None:
    """``article-body pagination-first``: the first page of a paginated story, its box named
    with a noise word (and named as the text's box)."""
    html = page(SITE_HEADER + "<main><h1>River cleanup sets a record</h1><div class='recommend'>"
                "<p>We recommend</p></div><div class='article-body pagination-first'>"
                f"{PARAGRAPH_HTML}</div></main>" + SITE_FOOTER,
                "<meta property='og:type' content='article'>")
    assert extract(html, URL).body_text == TEXT


def test_recommended_cards_inside_the_text_box_do_not_make_a_listing() -> None:
    """A recommendation widget's ``<article>`` cards at the end of the story's own box: the
    text is the story's paragraphs, not the cards' (which hold none)."""
    widget = "<ul class='outbrain'>" + "".join(
        f"<li>{_card(n)}</li>" for n in range(1, 5)) + "</ul>"
    html = page(SITE_HEADER + "<article class='page-shell'><h1>River cleanup sets a record</h1>"
                f"<div class='story-box'>{PARAGRAPH_HTML}{widget}</div>"
                "</article>" + SITE_FOOTER, "<meta property='og:type' content='article'>")
    article = extract(html, URL)
    assert article.is_article, article.missing
    assert article.body_text.startswith(TEXT)


def test_text_widgets_beside_the_post_do_not_widen_its_box_to_the_page() -> None:
    """A sidebar of text widgets holding about a third of the page's paragraph text: the
    post's box holds most of it, and the widgets stay out."""
    widget = ("<li class='widget widget_text'><div class='textwidget'><p>Our weekly letter "
              "brings the best stories of the city to your inbox, with events, walks, talks "
              "and the odd recipe, every Friday morning. Sign up below, it is free and you can "
              "leave at any time.</p></div></li>")
    html = ("<!DOCTYPE html><html><head><title>River cleanup sets a record - City News</title>"
            "<meta property='og:type' content='article'></head><body class='single'>"
            "<div id='page'><div class='narrowcolumn'><div class='post-12 post'><h2>River "
            f"cleanup sets a record</h2><div class='entry'>{PARAGRAPH_HTML}</div></div></div>"
            f"<div class='obar'><ul>{widget}</ul></div></div></body></html>")
    assert extract(html, URL).body_text == TEXT


def test_a_plain_paragraph_heading_a_list_of_linked_stories_is_a_related_block() -> None:
    """"You may also like..." as a plain ``<p>``, then paragraphs that are each one link to
    another story: a related block, not the text (and its links are the teasers)."""
    links = "".join(f"<p><a href='/2024/05/story-{n}/'>Other story number {n}</a></p>"
                    for n in range(1, 4))
    html = page(SITE_HEADER + "<article><h1>River cleanup sets a record</h1>"
                f"<div class='entry-content'>{PARAGRAPH_HTML}<p>You may also like...</p>{links}"
                "</div></article>" + SITE_FOOTER, "<meta property='og:type' content='article'>")
    article = extract(html, URL)
    assert article.body_text == TEXT
    assert [t.title for t in article.teasers] == [f"Other story number {n}" for n in (1, 2, 3)]


def test_a_story_in_spans_beside_a_paragraph_of_disclosure_is_found() -> None:
    """The only ``<p>`` is an affiliate disclosure; the story is in ``<span>`` lines split by
    ``<br>``, over twenty-five times its length: the paragraph count found a sliver."""
    disclosure = " ".join(["We may earn a commission when you buy through links here."] * 6)
    story = "<br><br>".join(f"<span class='lead'>{p}</span>" for p in PARAGRAPHS * 20)
    html = page(SITE_HEADER + "<div id='content'><h1>River cleanup sets a record</h1>"
                f"<div class='disclosure'><p>{disclosure}</p></div>"
                f"<div class='story'>{story}</div></div>" + SITE_FOOTER,
                "<meta property='og:type' content='article'>")
    assert extract(html, URL).body_text.startswith(PARAGRAPHS[0])


def test_a_story_beside_big_scripts_and_link_menus_is_no_sliver_of_the_page() -> None:
    """No article element: the story's paragraphs are measured against all of ``<body>``,
    where an inline script and menus of links are most of the characters but none of the
    prose. The story is no sliver of the page, so no wider block (the story with the menus
    and a ticker beside it) is taken for the text."""
    script = "<script>var state = {" + ", ".join(f'"k{n}": {n}' for n in range(3000)) + "};"
    menu = "".join(f"<li><a href='/topics/{n}/'>Topic number {n} of the site</a></li>"
                   for n in range(60))
    ticker = "".join(f"<span>Bus lane {n} closes for works on Monday morning. </span>"
                     for n in range(10))
    html = page(SITE_HEADER + script + "</script><div class='wrap'><div class='col-3'><ul>"
                f"{menu}</ul><div class='ticker'>{ticker}</div></div><div class='col-9'>"
                f"<h1>River cleanup sets a record</h1>{PARAGRAPH_HTML}</div></div>"
                + SITE_FOOTER)
    assert extract(html, URL).body_text == TEXT


# -- teaser cards: one link holding the title and the excerpt ------------------------------


@pytest.mark.parametrize("block", ["div", "span class='t'", "p"])
def test_a_card_that_is_one_link_over_title_and_excerpt_gives_both_apart(block: str) -> None:
    """A related card that is one ``<a>`` holding two blocks whose classes say nothing (the
    title, then the excerpt): the first block is the title, the rest the teaser's text,
    never the two glued into a title with no text."""
    tag = block.split()[0]
    cards = "".join(
        f"<li><a href='/2024/05/story-{n}/'><{block}>Other story {n}</{tag}>"
        f"<{block}>What happened next in story {n}, in two lines.</{tag}></a></li>"
        for n in (1, 2, 3))
    html = page(SITE_HEADER + "<article><h1>River cleanup sets a record</h1>"
                f"<div class='entry-content'>{PARAGRAPH_HTML}</div></article>"
                f"<section class='related-posts'><h2>Related posts</h2><ul>{cards}</ul></section>"
                + SITE_FOOTER, "<meta property='og:type' content='article'>")
    teasers = extract(html, URL).teasers
    assert [(t.title, t.text) for t in teasers] == [
        (f"Other story {n}", f"What happened next in story {n}, in two lines.")
        for n in (1, 2, 3)]


# -- article or not: the headline is not an h1 --------------------------------------------


def test_a_heading_naming_the_pages_title_over_article_text_is_an_article() -> None:
    """No h1, no og:type, no JSON-LD: the story's headline is an ``h2`` that says what the
    ``<title>`` says (before the site's name), above the story's text. That is an article."""
    html = page(SITE_HEADER + "<div class='main'><h2>River cleanup sets a record</h2>"
                f"<div class='story'>{PARAGRAPH_HTML}</div></div>" + SITE_FOOTER)
    assert_story(html)


def test_a_heading_that_is_not_the_pages_title_makes_no_article() -> None:
    """A section heading above long text, on a page whose title says something else (a
    static 'About' page), stays a non-article."""
    html = page(SITE_HEADER + "<div class='main'><h2>Our volunteers</h2>"
                f"<div class='story'>{PARAGRAPH_HTML}</div></div>" + SITE_FOOTER).replace(
        "River cleanup sets a record - City News", "About us - City News")
    assert extract(html, URL).is_article is False


def test_text_in_a_box_named_the_articles_body_is_an_article_without_a_headline() -> None:
    """No heading at all, no og:type, no JSON-LD: the text sits in a box whose class says it
    is an article's body (``article-body``). A category page's ``entry-content`` says no such
    thing (tests/pages/unseen/reviewer3_hugo_category_one.html stays a listing)."""
    html = page(SITE_HEADER + f"<section class='article'><div class='article-body'>"
                f"{PARAGRAPH_HTML}</div></section>" + SITE_FOOTER)
    assert_story(html)


def test_a_title_classed_paragraph_naming_the_pages_title_is_a_headline() -> None:
    """Some CMSs print the headline as a paragraph classed as a title, in the site's language
    (``<p class="titulo">``): it says what the ``<title>`` says, over the story's text, so the
    page is an article as with an h2 headline."""
    html = page(SITE_HEADER + "<div class='col-md-9'><p class='titulo'>River cleanup sets a "
                f"record</p><div class='texto'>{PARAGRAPH_HTML}</div></div>" + SITE_FOOTER)
    article = extract(html, URL)
    assert article.is_article, article.missing
    assert article.body_text == TEXT
    # A title-classed block saying something else than the page's title decides nothing.
    other = html.replace("River cleanup sets a record - City News", "About us - City News")
    assert extract(other, URL).is_article is False


# -- noise: class names that name no block -------------------------------------------------


def test_atomic_css_utility_classes_name_no_block() -> None:
    """Atomic CSS writes styles as classes (``Ff($ff-secondary)``, ``modal-open_Op(1)``):
    a font called 'secondary' or a style for an open modal says nothing of the block, so
    the story's box is no sidebar and no modal."""
    html = page(SITE_HEADER + "<div class='render-target Pos(a) modal-open_Op(1)'><div "
                "class='Pos(r)'><header class='canvas-header'><h1>River cleanup sets a record"
                "</h1></header></div><article><div class='canvas-body Mb(20px) "
                f"Ff($ff-secondary) D(i)'>{PARAGRAPH_HTML}</div></article></div>" + SITE_FOOTER,
                "<meta property='og:type' content='article'>")
    article = extract(html, URL)
    assert article.is_article, article.missing
    assert article.body_text == TEXT
    # A real class word still counts: a secondary column stays out of the text.
    aside = html.replace("</article>", "<div class='secondary'><p>Most read: Bus lanes "
                         "closed all week.</p></div></article>")
    assert extract(aside, URL).body_text == TEXT


def test_a_site_header_left_open_around_the_article_is_no_chrome() -> None:
    """A site header left unclosed swallows the page: the parser puts the article inside
    ``<header id="site-header">``. A header around the article with the headline is the
    page's layout, not its chrome."""
    html = page("<header id='site-header'><a href='/'>City News</a><nav><a href='/news/'>News"
                "</a></nav><main id='site-content'><article><h1>A record haul on the river</h1>"
                f"<div class='post-text'>{PARAGRAPH_HTML}</div></article></main></header>"
                + SITE_FOOTER, "<meta property='og:type' content='article'>")
    assert_story(html)
