"""The bundled blog's WordPress theme: the markup of every kind of page the blog serves.

It imitates what a real WordPress theme wraps around a post (header, menu, cookie notice,
breadcrumbs, hero image, meta line with visible labels, comments, a related-posts slider with
cloned slides, newsletter box, footer, scripts, JSON-LD and OpenGraph), so extraction is tested
against the noise of a real page, not a skeleton.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from html import escape

from scraper.bundled_blog.content import Post, excerpt

SITE_NAME = "Sklep Biegacza"


@dataclass(frozen=True)
class Labels:
    """The visible words of one language edition."""

    lang: str
    locale: str
    home: str
    blog: str
    publish_date: str
    read_time: str  # with {n}
    related: str
    comments: str
    newsletter: str
    cookie: str
    not_found: str
    category_base: str
    tag_base: str
    prefix: str
    privacy_path: str
    contact_path: str
    cart_path: str
    #: The class of the meta line's read-time item: a redesign may rename it.
    read_time_class: str = "post-meta__read-time"


LABELS = {
    "en": Labels(
        lang="en-US", locale="en_US", home="Home", blog="Blog", publish_date="Publish date",
        read_time="You can read it in <strong>{n}</strong> minut",
        related="They may appeal to you:", comments="Comments",
        newsletter="Sign up for our newsletter and get 10% off your first order",
        cookie="We use cookies to give you the best experience on our website.",
        not_found="Page not found", category_base="category", tag_base="tag", prefix="/en",
        privacy_path="/en/privacy-policy/", contact_path="/en/contact/", cart_path="/en/cart/",
    ),
    "pl": Labels(
        lang="pl-PL", locale="pl_PL", home="Strona główna", blog="Blog",
        publish_date="Data publikacji", read_time="Przeczytasz w <strong>{n}</strong> minut",
        related="Mogą Cię zainteresować:", comments="Komentarze",
        newsletter="Zapisz się do newslettera i odbierz 10% rabatu na pierwsze zakupy",
        cookie="Korzystamy z plików cookies, aby zapewnić Ci najlepsze doświadczenia.",
        not_found="Nie znaleziono strony", category_base="kategoria", tag_base="tag", prefix="",
        privacy_path="/polityka-prywatnosci/", contact_path="/kontakt/", cart_path="/koszyk/",
    ),
}

#: A theme update that renames the English read-time item and rewords it ("Takes 6 minutes"):
#: the extractor's tables read it no more, so the archive's read times go missing until a
#: profile learns the words (:data:`REDESIGNED_READ_TIME_LABELS`). Re-extraction is tested
#: and measured on it.
REDESIGNED_READ_TIME = {"read_time": "Takes <strong>{n}</strong> minutes",
                        "read_time_class": "post-meta__duration"}
#: The site labels (``SiteProfile.labels``) that read the redesigned read time.
REDESIGNED_READ_TIME_LABELS = {"read_time_labels": ("takes",), "read_time_keywords": ("takes",)}

_STYLE = """<link rel='stylesheet' id='wp-block-library-css'
 href='/wp-includes/css/dist/block-library/style.min.css?ver=6.3.1' media='all' />
<style id='global-styles-inline-css'>body{--wp--preset--color--black:#000;margin:0}
.post-meta{color:#666}.related-posts .swiper-slide{width:25%}</style>"""

_SCRIPTS = """<script>window.dataLayer = window.dataLayer || [];
function gtag(){dataLayer.push(arguments);} gtag('js', new Date()); gtag('config', 'G-XXXX');
var related = {"published": "01.01.2020", "title": "Not this one"};</script>
<script src='/wp-content/themes/sbiegacza/js/swiper.min.js?ver=8.4.7' id='swiper-js'></script>"""


def slugify(name: str) -> str:
    return "-".join(name.lower().replace("’", "").split())


def category_path(post: Post) -> str:
    labels = LABELS[post.language]
    return f"{labels.prefix}/{labels.category_base}/{slugify(post.category)}/"


def tag_path(language: str, tag: str) -> str:
    labels = LABELS[language]
    return f"{labels.prefix}/{labels.tag_base}/{slugify(tag)}/"


def read_minutes(post: Post) -> int:
    """The read time the theme prints: the post's own, else words / 200, at least one."""
    if post.read_time is not None:
        return post.read_time
    words = len(_strip_tags(post.body).split())
    return max(1, round(words / 200))


def _strip_tags(html: str) -> str:
    out, inside = [], False
    for char in html:
        if char == "<":
            inside = True
            out.append(" ")
        elif char == ">":
            inside = False
        elif not inside:
            out.append(char)
    return "".join(out).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")


def post_excerpt(post: Post) -> str:
    return f"{excerpt(_strip_tags(post.body))} […]"


def _date(value: datetime) -> str:
    return value.strftime("%d.%m.%Y")


def page(*, base: str, language: str, title: str, path: str, body_class: str, main: str,
         head_extra: str = "", alternate: str | None = None) -> str:
    """A full HTML document around ``main``: head, cookie notice, header, footer, scripts."""
    labels = LABELS[language]
    home = f"{base}{labels.prefix}/"
    other = "pl" if language == "en" else "en"
    switch = alternate or f"{base}{LABELS[other].prefix}/"
    return f"""<!DOCTYPE html>
<html lang="{labels.lang}">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} - {SITE_NAME}</title>
<link rel="canonical" href="{base}{path}">
<link rel="alternate" type="application/rss+xml" title="{SITE_NAME} &raquo; Feed"
 href="{base}{labels.prefix}/feed/">
<meta property="og:locale" content="{labels.locale}">
<meta property="og:site_name" content="{SITE_NAME}">
<meta property="og:title" content="{escape(title)} - {SITE_NAME}">
<meta property="og:url" content="{base}{path}">
{head_extra}
{_STYLE}
</head>
<body class="{body_class} wp-theme-sbiegacza">
<div id="cookie-notice" class="cookie-notice" role="dialog">
 <p>{labels.cookie} <a href="{base}{labels.privacy_path}">Privacy policy</a></p>
 <button class="cookie-notice__accept">OK</button>
</div>
<header id="masthead" class="site-header">
 <a href="{home}" class="custom-logo-link" rel="home"><img src="{base}/wp-content/uploads/logo.svg"
  class="custom-logo" alt="{SITE_NAME}"></a>
 <nav id="site-navigation" class="main-navigation"><ul id="primary-menu" class="menu">
  <li class="menu-item"><a href="{home}">{labels.home}</a></li>
  <li class="menu-item"><a href="{base}{labels.prefix}/blog/">{labels.blog}</a></li>
  <li class="menu-item"><a href="{base}{labels.cart_path}">Cart (0)</a></li>
  <li class="menu-item lang-item"><a href="{switch}" hreflang="{other}">{other.upper()}</a></li>
 </ul></nav>
</header>
<div id="content" class="site-content">
{main}
</div>
<aside class="newsletter-box"><h3>Newsletter</h3><p>{labels.newsletter}</p>
 <form class="newsletter-form" action="{base}/wp-admin/admin-post.php" method="post">
 <input type="email" name="email" placeholder="E-mail"><button>OK</button></form></aside>
<footer id="colophon" class="site-footer">
 <div class="footer-widgets"><p>{SITE_NAME} — running shoes, clothing and accessories.</p>
 <ul><li><a href="{base}{labels.contact_path}">Contact</a></li>
 <li><a href="{base}{labels.privacy_path}">Privacy policy</a></li></ul></div>
 <div class="site-info">© 2023 {SITE_NAME}. All rights reserved.</div>
</footer>
{_SCRIPTS}
</body>
</html>
"""


def json_ld(data: dict) -> str:
    text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/ld+json" class="yoast-schema-graph">{text}</script>'


def render_post(post: Post, related: list[tuple[str, Post | None]], base: str,
                labels: Labels | None = None) -> str:
    """A single post. ``related`` pairs each teaser's path with its post (None: a dead link).
    ``labels`` are the edition's words, :data:`LABELS` unless the theme was redesigned."""
    labels = labels or LABELS[post.language]
    url = f"{base}{post.path}"
    image = f"{base}/wp-content/uploads/2023/08/{post.slug}.jpg"
    graph: dict = {
        "@type": "BlogPosting", "headline": post.title, "inLanguage": labels.lang,
        "author": {"@type": "Person", "name": post.author}, "image": image,
        "mainEntityOfPage": {"@id": url}, "articleSection": [post.category],
    }
    head = ['<meta property="og:type" content="article">',
            f'<meta property="og:image" content="{image}">']
    if post.show_date:
        graph["datePublished"] = post.published.isoformat()
        graph["dateModified"] = post.last_modified.isoformat()
        head.append(f'<meta property="article:published_time" '
                    f'content="{post.published.isoformat()}">')
    head.append(json_ld({"@context": "https://schema.org", "@graph": [
        {"@type": "Organization", "name": SITE_NAME, "url": f"{base}/"},
        {"@type": "WebPage", "@id": url, "url": url, "name": f"{post.title} - {SITE_NAME}"},
        graph,
    ]}))
    meta = []
    if post.show_date:
        meta.append(f'<span class="post-meta__date">{labels.publish_date} <time datetime="'
                    f'{post.published.isoformat()}">{_date(post.published)}</time></span>')
    if post.show_read_time:
        minutes = labels.read_time.format(n=read_minutes(post))
        meta.append(f'<span class="{labels.read_time_class}">{minutes}</span>')
    meta.append(f'<span class="post-meta__author">{escape(post.author)}</span>')
    meta.append(f'<span class="post-meta__categories"><a href="{base}{category_path(post)}" '
                f'rel="category tag">{escape(post.category)}</a></span>')
    tags = "".join(f'<a href="{base}{tag_path(post.language, tag)}" rel="tag">{escape(tag)}</a> '
                   for tag in post.tags)
    previous = next((p for _, p in related if p is not None and p is not post), None)
    top = ""
    if previous is not None:
        top = (f'<div class="header-slider"><a href="{base}{previous.path}" class="header-slider__'
               f'link">{escape(post_excerpt(previous))}</a></div>')
    main = f"""{top}
<nav class="breadcrumbs" aria-label="breadcrumbs"><a href="{base}{labels.prefix}/">{labels.home}</a>
 » <a href="{base}{labels.prefix}/blog/">{labels.blog}</a> » <span>{escape(post.title)}</span></nav>
<main id="main" class="site-main">
<article id="post-{zlib.crc32(post.slug.encode()) % 9000 + 100}"
 class="post type-post status-publish format-standard has-post-thumbnail hentry
 category-{slugify(post.category)}">
 <header class="entry-header">
  <img src="{image}" class="attachment-full wp-post-image hero-image" alt="{escape(post.title)}">
  <h1 class="entry-title">{escape(post.title)}</h1>
  <div class="post-meta">{' '.join(meta)}</div>
 </header>
 <div class="entry-content">
{post.body}
 </div>
 <footer class="entry-footer"><span class="tags-links">{tags}</span></footer>
</article>
{_comments(post, labels)}
{_related(related, labels, base)}
</main>"""
    return page(base=base, language=post.language, title=post.title, path=post.path,
                body_class="post-template-default single single-post single-format-standard",
                main=main, head_extra="\n".join(head))


def _comments(post: Post, labels: Labels) -> str:
    when = post.published.replace(day=min(post.published.day + 3, 28))
    return f"""<div id="comments" class="comments-area">
<h2 class="comments-title">{labels.comments} (2)</h2>
<ol class="comment-list">
 <li class="comment"><article class="comment-body"><footer class="comment-meta">
  <b class="fn">Kasia</b> <time datetime="{when.isoformat()}">{_date(when)} at 10:12</time></footer>
  <div class="comment-content"><p>Great article, thank you! Published 01.02.2021 on my blog too.</p>
  </div></article></li>
 <li class="comment"><article class="comment-body"><footer class="comment-meta">
  <b class="fn">Tomek</b> <time datetime="{when.isoformat()}">{_date(when)} at 18:40</time></footer>
  <div class="comment-content"><p>Reading time 2 minutes, useful for 20 years.</p></div>
 </article></li>
</ol></div>"""


def _slide(path: str, post: Post | None, base: str, extra_class: str = "") -> str:
    title = post.title if post is not None else "Barefoot running: myths and facts"
    text = post_excerpt(post) if post is not None else \
        "Barefoot running is back in fashion, but most of what you […]"
    return f"""<div class="swiper-slide{extra_class}"><div class="related-post">
 <a href="{base}{path}" class="related-post__image"><img src="{base}/wp-content/uploads/thumb.jpg"
  alt=""></a>
 <h3 class="related-post__title"><a href="{base}{path}">{escape(title)}</a></h3>
 <p class="related-post__excerpt">{escape(text)}</p>
</div></div>"""


def _related(related: list[tuple[str, Post | None]], labels: Labels, base: str) -> str:
    if not related:
        return ""
    slides = [_slide(path, post, base) for path, post in related]
    clones = (_slide(*related[-1], base, " swiper-slide-duplicate"),
              _slide(*related[0], base, " swiper-slide-duplicate"))
    return f"""<section class="related-posts">
<h2 class="related-posts__heading">{labels.related}</h2>
<div class="swiper related-posts__slider"><div class="swiper-wrapper">
{clones[0]}
{''.join(slides)}
{clones[1]}
</div><div class="swiper-button-next"></div><div class="swiper-button-prev"></div></div>
</section>"""


def render_listing(*, base: str, language: str, title: str, path: str, posts: Iterable[Post],
                   page_number: int, pages: int, page_path: str) -> str:
    """A listing (blog, category, tag, home): post cards and WordPress pagination links."""
    labels = LABELS[language]
    cards = "\n".join(
        f"""<article class="post type-post hentry"><a href="{base}{post.path}"><img
 src="{base}/wp-content/uploads/2023/08/{post.slug}-300x200.jpg" alt=""></a>
 <h2 class="entry-title"><a href="{base}{post.path}" rel="bookmark">{escape(post.title)}</a></h2>
 <div class="entry-meta">{_date(post.published) if post.show_date else ''}</div>
 <div class="entry-summary"><p>{escape(post_excerpt(post))}</p></div></article>"""
        for post in posts
    )
    links = []
    if page_number > 1:
        previous_href = _page_href(base, page_path, page_number - 1)
        links.append(f'<a class="prev page-numbers" href="{previous_href}">&laquo; Previous</a>')
    shown = _shown_page_numbers(page_number, pages)
    for previous, number in zip([0, *shown], shown, strict=False):
        if number > previous + 1:
            links.append('<span class="page-numbers dots">&hellip;</span>')
        if number == page_number:
            links.append(f'<span aria-current="page" class="page-numbers current">{number}</span>')
        else:
            links.append(f'<a class="page-numbers" href="{_page_href(base, page_path, number)}">'
                         f"{number}</a>")
    if page_number < pages:
        next_href = _page_href(base, page_path, page_number + 1)
        links.append(f'<a class="next page-numbers" href="{next_href}">Next &raquo;</a>')
    main = f"""<main id="main" class="site-main"><header class="page-header">
<h1 class="page-title">{escape(title)}</h1></header>
{cards}
<nav class="navigation pagination"><div class="nav-links">{''.join(links)}</div></nav></main>"""
    return page(base=base, language=language, title=title, path=path,
                body_class="blog archive hfeed", main=main,
                head_extra=json_ld({"@context": "https://schema.org", "@type": "CollectionPage",
                                    "name": title, "inLanguage": labels.lang}))


def _page_href(base: str, page_path: str, number: int) -> str:
    return f"{base}{page_path}" if number == 1 else f"{base}{page_path}page/{number}/"


def _shown_page_numbers(current: int, pages: int) -> list[int]:
    """The numbers WordPress's ``paginate_links`` shows (end_size 1, mid_size 2): the first,
    the last and two either side of the current page; gaps become an ellipsis."""
    return sorted({1, pages, *range(max(1, current - 2), min(pages, current + 2) + 1)})


def render_static(*, base: str, language: str, title: str, path: str, text: str) -> str:
    """A WordPress page (not a post): privacy policy, contact."""
    main = f"""<main id="main" class="site-main"><article class="page type-page hentry">
<header class="entry-header"><h1 class="entry-title">{escape(title)}</h1></header>
<div class="entry-content"><p>{escape(text)}</p></div></article></main>"""
    return page(base=base, language=language, title=title, path=path,
                body_class="page-template-default page", main=main,
                head_extra=json_ld({"@context": "https://schema.org", "@type": "WebPage",
                                    "name": title}))


def render_not_found(base: str, language: str, path: str) -> str:
    labels = LABELS[language]
    main = f"""<main id="main" class="site-main"><section class="error-404 not-found">
<h1 class="page-title">{labels.not_found}</h1><p>Nothing was found at this location.</p>
</section></main>"""
    return page(base=base, language=language, title=labels.not_found, path=path,
                body_class="error404", main=main)


def render_robots(base: str) -> str:
    return (
        "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n"
        "Disallow: /en/cart/\nDisallow: /koszyk/\n\n"
        f"Sitemap: {base}/sitemap_index.xml\n"
    )


def render_sitemap_index(base: str, sitemaps: list[tuple[str, datetime]]) -> str:
    entries = "".join(f"<sitemap><loc>{base}{path}</loc><lastmod>{when.isoformat()}</lastmod>"
                      "</sitemap>\n" for path, when in sitemaps)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{entries}</sitemapindex>\n")


def render_urlset(base: str, entries: list[tuple[str, datetime]]) -> str:
    rows = "".join(f"<url><loc>{base}{path}</loc><lastmod>{when.isoformat()}</lastmod></url>\n"
                   for path, when in entries)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{rows}</urlset>\n")


def render_feed(base: str, language: str, posts: list[Post]) -> str:
    labels = LABELS[language]
    items = "".join(
        f"<item><title>{escape(post.title)}</title><link>{base}{post.path}</link>"
        f"<pubDate>{format_datetime(post.published)}</pubDate>"
        f"<description>{escape(post_excerpt(post))}</description></item>\n"
        for post in posts
    )
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            f"<title>{SITE_NAME}</title><link>{base}{labels.prefix}/</link>"
            f"<language>{labels.lang}</language>\n{items}</channel></rss>\n")
