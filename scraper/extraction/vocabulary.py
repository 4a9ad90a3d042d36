"""The words every extraction rule reads, one table per language.

A rule never writes its own list of words: it builds its regex or class pattern from
:data:`VOCABULARY`, which joins the tables of every language, so the read time found by
its label and the read-time widget left out of the text name the same classes, and adding
a Spanish read-time label or a Czech related-posts heading touches one table here.

Entries are regex fragments where a label has a grammar ("czas\\s+(?:czytania|lektury)");
class words and stems (``*_classes``, ``*_keywords``, ``*_words``) are plain text. A site
profile adds tables of its own (:meth:`Vocabulary.with_labels`), read by the rules that take
a page: read-time labels and related-posts headings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Language:
    """One language's words, by the rule that reads them."""

    #: Before the minutes: "Reading time: 7 min", "Czas czytania: 5 min".
    read_time_labels: tuple[str, ...] = ()
    #: After the minutes: "12 min read", "8 min czytania".
    read_time_after: tuple[str, ...] = ()
    read_time_units: tuple[str, ...] = ()
    #: "about 5 min", "około 5 min".
    read_time_about: tuple[str, ...] = ()
    #: Stems of the labels above: text nodes holding one are read as a possible label.
    read_time_keywords: tuple[str, ...] = ()
    #: Classes of an element showing the read time (a widget or a meta-line item).
    read_time_classes: tuple[str, ...] = ()
    #: Month names, January to December, each with its other forms (genitive, abbreviation,
    #: without diacritics).
    months: tuple[tuple[str, ...], ...] = ()
    #: Before a published date: "Posted on", "Data publikacji:".
    published_labels: tuple[str, ...] = ()
    #: Stems of the published labels, to find their text nodes.
    published_keywords: tuple[str, ...] = ()
    #: Before a modified date: "Last updated", "Data modyfikacji:".
    updated_labels: tuple[str, ...] = ()
    #: Stems saying a date is the update's, not the publication's ("Data modyfikacji:"): they
    #: find the update labels' text nodes and keep an update date from being the published one.
    updated_words: tuple[str, ...] = ()
    #: Path segments of a category, tag or author archive (``/kategoria/buty/``, ``/t/rust``)
    #: and of a search (``/szukaj?q=``). The category and author words also name the class
    #: of a category list and of an author's name.
    category_segments: tuple[str, ...] = ()
    tag_segments: tuple[str, ...] = ()
    author_segments: tuple[str, ...] = ()
    #: Classes of a list of the post's tags (``ul.post-tags``, Drupal's ``field--tags``).
    tag_classes: tuple[str, ...] = ()
    search_segments: tuple[str, ...] = ()
    #: A heading above related posts ("You may also like", "Mogą Cię zainteresować"), matched
    #: against the whole heading, so body sentences never qualify.
    related_headings: tuple[str, ...] = ()
    #: Classes of a related-posts block (themes and plugins: YARPP, Contextual Related Posts).
    related_classes: tuple[str, ...] = ()
    #: Classes and ids of blocks that are never the article (menus, cookie notices, comments,
    #: sharing, ads...), matched as whole dash/underscore-separated parts of a token.
    noise_classes: tuple[str, ...] = ()
    #: A listing's page-number bar (chrome too).
    pagination_classes: tuple[str, ...] = ()
    #: A title-classed element: a card's title, a block's heading.
    title_classes: tuple[str, ...] = ()
    #: A teaser card's link that is no title: "Read more", "Czytaj dalej".
    read_more: tuple[str, ...] = ()
    #: Before a byline's name: "Posted by", "Autor:", "przez".
    byline: tuple[str, ...] = ()
    #: A link to the previous or next post ("← Previous Post", "Następny wpis »"): the words,
    #: and the nouns that may follow them.
    pager_words: tuple[str, ...] = ()
    pager_nouns: tuple[str, ...] = ()
    #: An error page's title: "Page not found", "Nie znaleziono".
    not_found: tuple[str, ...] = ()
    #: Classes of the article's meta line, where date, read time and author stand side by side.
    meta_line_classes: tuple[str, ...] = ()
    #: Classes of an element holding a date (the article's date line, a card's date).
    date_classes: tuple[str, ...] = ()
    #: Classes of a box that say it holds an article's body (not any page's content).
    article_body_classes: tuple[str, ...] = ()
    #: Classes marking a date as the update's (``time.updated``).
    updated_classes: tuple[str, ...] = ()
    #: A text block that only labels an ad slot ("ADVERTISEMENT", "Reklama", "Anzeige").
    ad_labels: tuple[str, ...] = ()
    #: A text block that is a widget's button or a gallery's control left in the text's box
    #: ("Close", "Back to gallery", "Report an error"), as regex fragments.
    widget_words: tuple[str, ...] = ()
    #: WordPress ``<body>`` classes of a page that is no post: a listing, a search, a 404.
    listing_body_classes: tuple[str, ...] = ()
    #: WooCommerce's ``<body>`` classes of the shop beside the blog: product, cart, checkout.
    shop_body_classes: tuple[str, ...] = ()
    #: Classes of a post card's excerpt on a listing (``entry-summary``): such a card counts.
    listing_excerpt_classes: tuple[str, ...] = ()
    #: Classes of a related-post card's excerpt.
    teaser_excerpt_classes: tuple[str, ...] = ()
    #: Classes of a slider's cloned slides (Swiper, Slick, Glide, Splide): each post once.
    clone_classes: tuple[str, ...] = ()
    #: Prefixes of class tokens that name no block: WordPress's taxonomy slugs
    #: (``tag-newsletter``), layout wrappers saying what they sit beside (``has-sidebar``).
    nameless_class_prefixes: tuple[str, ...] = ()
    #: Classes of the post's title as a heading above its text (``h2.entry-title``).
    headline_classes: tuple[str, ...] = ()
    #: Classes that say a ``<time>`` is the publication's outright, even beside ``updated``.
    published_time_classes: tuple[str, ...] = ()
    #: Plugin output in the text's box that is never text (star ratings, TOC, page links);
    #: read-time widgets are left out by ``read_time_classes`` too.
    never_text_classes: tuple[str, ...] = ()
    #: Visually hidden text: read for labels, never body text.
    hidden_classes: tuple[str, ...] = ()
    #: WordPress's featured image, wherever the theme puts it.
    featured_image_classes: tuple[str, ...] = ()
    #: Images that are no picture of the post: avatars, icons, logos.
    not_picture_classes: tuple[str, ...] = ()


ENGLISH = Language(
    read_time_labels=(r"reading\s+time", r"read\s+time", r"time\s+to\s+read",
                      r"(?:you\s+can\s+)?read\s+it\s+in"),
    read_time_after=("read", "reading", r"of\s+reading", r"to\s+read"),
    read_time_units=("minutes", "minute", "mins", "min"),
    read_time_about=("about", r"approx\.?", "approximately", "around", "~", "≈"),
    read_time_keywords=("read",),
    read_time_classes=("read-time", "reading-time", "readtime", "time-to-read",
                       "reading-duration"),
    months=(("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sept", "sep"), ("october", "oct"), ("november", "nov"),
            ("december", "dec")),
    published_labels=(r"date\s+published", r"publish(?:ed)?\s+(?:date|on)", "published",
                      r"posted(?:\s+on)?"),
    published_keywords=("publish", "posted"),
    updated_labels=(r"(?:last\s+)?(?:updated|modified)(?:\s+on)?", r"date\s+modified"),
    updated_words=("updated", "modified"),
    category_segments=("category", "categories"),
    # dev.to's tag pages are /t/rust.
    tag_segments=("tag", "tags", "tagged", "t"),
    author_segments=("author",),
    tag_classes=("tag", "tags", "post-tags", "field--tags"),
    search_segments=("search",),
    related_headings=(
        r"related(?:\s+(?:posts?|articles?|stories|reading|content|entries))?",
        r"you\s+(?:may|might|will|could)\s+(?:also\s+)?(?:like|enjoy|be\s+interested(?:\s+in)?)",
        r"(?:they|these|this)\s+(?:may|might)\s+(?:also\s+)?(?:appeal\s+to|interest)\s+you",
        r"read\s+(?:also|next)", r"also\s+read", r"see\s+also",
        r"more\s+(?:posts|articles|stories)",
        r"recommended(?:\s+(?:posts|articles|reading))?", r"similar\s+(?:posts|articles)",
        r"(?:more|recommended)\s+from\s+\S.{0,60}"),
    related_classes=("related", "relatedposts", "yarpp", "crp", "rp4wp", "similar", "read-also",
                     "also-like", "read-more-wrap"),
    noise_classes=(
        "nav", "navbar", "navigation", "menu", "breadcrumb", "breadcrumbs", "crumbs", "cookie",
        "cookies", "consent", "gdpr", "cmplz", "newsletter", "subscribe", "subscription",
        "mailchimp", "mc4wp", "optin", "comment", "comments", "respond", "discussion", "disqus",
        "share", "sharing", "sharedaddy", "social", "sidebar", "secondary", "widget-area",
        "skip-link", "popup", "modal", "masthead", "colophon", "site-header", "site-footer",
        "site-branding", "site-title", "logo", "advert", "advertisement", "ads", "previous",
        "prev", "next", "toc", "author-box", "author-bio", "about-author", "author-description",
        "button", "buttons", "btn", "cta", "signup", "adspot", "ad-slot", "adsbygoogle",
        "sponsored", "wp-caption-text", "product", "products", "wc-block-grid", "woocommerce",
        "caption", "credit"),
    pagination_classes=("pagination", "page-numbers"),
    title_classes=("title", "heading", "headline"),
    read_more=(r"read\s+more", r"continue\s+reading", "more"),
    byline=(r"(?:(?:posted|written|published)\s+)?by", "author"),
    pager_words=("previous", "prev", "next", "older", "newer"),
    pager_nouns=("post", "entry", "article", "story"),
    not_found=(r"not\s+found", r"page\s+(?:does\s+not|doesn't)\s+exist"),
    meta_line_classes=("meta", "meta-line", "byline", "post-info", "entry-info"),
    date_classes=("date", "posted-on", "published", "post-date", "entry-date", "dateline",
                  "timestamp", "pubdate", "publication", "posted", "submitted", "date-header",
                  "time"),
    updated_classes=("updated", "modified", "date-modified", "last-modified"),
    article_body_classes=("article-body", "article-content", "articlebody", "story-body"),
    ad_labels=("advertisement", "advertising", "advert", "ad", "ads", "sponsored"),
    widget_words=("close", "caption", r"back\s+to\s+gallery", r"continue\s+reading\s+below",
                  r"report\s+(?:an\s+)?error"),
    listing_body_classes=("error404", "search", "search-results", "archive", "category", "tag",
                          "author", "date", "blog", "paged", "post-type-archive"),
    shop_body_classes=("single-product", "woocommerce-cart", "woocommerce-checkout",
                       "woocommerce-account"),
    listing_excerpt_classes=("entry-summary", "post-excerpt"),
    teaser_excerpt_classes=("excerpt", "summary", "desc", "description"),
    clone_classes=("swiper-slide-duplicate", "slick-cloned", "cloned", "clone",
                   "glide__slide--clone", "splide__slide--clone"),
    nameless_class_prefixes=("category", "tag", "format", "status", "type", "has", "no", "with",
                             "without"),
    headline_classes=("entry-title", "post-title", "article-title"),
    published_time_classes=("published", "entry-date", "date-published"),
    never_text_classes=("kk-star-ratings", "star-rating", "star-ratings", "lwptoc", "page-links"),
    hidden_classes=("screen-reader-text", "sr-only", "visually-hidden"),
    featured_image_classes=("wp-post-image",),
    not_picture_classes=("avatar", "gravatar", "icon", "logo", "emoji", "author-image"),
)
POLISH = Language(
    read_time_labels=(r"czas\s+(?:czytania|lektury)",
                      r"przeczytasz\s+(?:to\s+|go\s+|ten\s+\w+\s+)?w",
                      r"(?:czytanie|lektura)\s+zajmie(?:\s+ci)?"),
    read_time_after=("czytania", "lektury"),
    # "minut" is also the seed blog's half-translated English label.
    read_time_units=("minuty", "minut", "minutę"),
    read_time_about=(r"ok\.", "około", r"ca\."),
    read_time_keywords=("czyt", "lektur"),
    read_time_classes=("czas-czytania",),
    months=(("styczeń", "stycznia", "styczen", "sty"), ("luty", "lutego", "lut"),
            ("marzec", "marca"), ("kwiecień", "kwietnia", "kwiecien", "kwi"),
            ("maj", "maja"), ("czerwiec", "czerwca", "cze"), ("lipiec", "lipca", "lip"),
            ("sierpień", "sierpnia", "sierpien", "sie"),
            ("wrzesień", "września", "wrzesien", "wrzesnia", "wrz"),
            ("październik", "października", "pazdziernik", "pazdziernika", "paź", "paz"),
            ("listopad", "listopada", "lis"), ("grudzień", "grudnia", "grudzien", "gru")),
    published_labels=(r"data\s+(?:publikacji|dodania|wpisu)", r"opublikowan[oya](?:\s+dnia)?",
                      r"dodan[oya]"),
    published_keywords=("publikac", "opublikowan", "dodan"),
    updated_labels=(r"zaktualizowan[oya](?:\s+dnia)?", r"(?:ostatnia\s+)?aktualizacja",
                    r"data\s+(?:aktualizacji|modyfikacji)"),
    updated_words=("zaktualizowan", "aktualizac", "modyfikac", "edytowan", "zmienion"),
    category_segments=("kategoria", "kategorie"),
    tag_segments=("tagi",),
    author_segments=("autor",),
    tag_classes=("tagi",),
    search_segments=("szukaj", "wyszukaj", "wyszukiwanie"),
    related_headings=(
        r"mo(?:g[aą]|[zż]e)\s+ci[eę]\s+(?:(?:r[oó]wnie[zż]|tak[zż]e)\s+)?zainteresowa[cć]",
        r"(?:podobne|polecane|powi[aą]zane)\s+(?:wpisy|artyku[lł]y|posty|teksty)",
        r"wi[eę]cej\s+(?:wpis[oó]w|artyku[lł][oó]w|post[oó]w|tekst[oó]w)",
        r"(?:zobacz|przeczytaj|czytaj)\s+(?:tak[zż]e|te[zż]|r[oó]wnie[zż])"),
    related_classes=("zobacz-takze",),
    noise_classes=("reklama",),
    read_more=(r"czytaj\s+(?:dalej|więcej)", "więcej"),
    byline=(r"autor(?:ka)?", "przez", r"napisa(?:ł|ła|l|la)"),
    pager_words=("poprzedni", "następny", "nastepny", "starszy", "nowszy"),
    pager_nouns=("wpis", "artykuł"),
    not_found=(r"nie\s+znaleziono", r"nie\s+istnieje"),
    ad_labels=("reklama",),
)
GERMAN = Language(
    date_classes=("datum",),
    ad_labels=("anzeige", "werbung"),
    months=(("januar", "jänner"), ("februar",), ("märz", "maerz", "mär"), ("april",), ("mai",),
            ("juni",), ("juli",), ("august",), ("september",), ("oktober", "okt"), ("november",),
            ("dezember",)),
    read_time_labels=("lesezeit",),
    read_time_keywords=("lesezeit",),
    search_segments=("suche",),
    related_headings=(r"[äa]hnliche\s+(?:beitr[äa]ge|artikel)",
                      r"das\s+k[öo]nnte\s+(?:dich|sie)\s+auch\s+interessieren"),
)
FRENCH = Language(
    ad_labels=("publicit[ée]",),
    title_classes=("titre",),
    months=(("janvier", "janv"), ("février", "fevrier", "févr", "fév"), ("mars",),
            ("avril", "avr"), ("mai",), ("juin",), ("juillet", "juil"), ("août", "aout"),
            ("septembre",), ("octobre",), ("novembre",), ("décembre", "decembre", "déc")),
    read_time_labels=(r"temps\s+de\s+lecture",),
    read_time_keywords=("lecture",),
    search_segments=("recherche",),
    related_headings=(r"articles?\s+similaires", r"vous\s+aimerez\s+aussi"),
)
SPANISH = Language(
    date_classes=("fecha",),
    title_classes=("titulo", "titular"),
    ad_labels=("publicidad",),
    months=(("enero", "ene"), ("febrero",), ("marzo",), ("abril", "abr"), ("mayo",), ("junio",),
            ("julio",), ("agosto", "ago"), ("septiembre", "setiembre"), ("octubre",),
            ("noviembre",), ("diciembre", "dic")),
    search_segments=("buscar",),
    related_headings=(r"art[ií]culos\s+relacionados",),
)

#: Languages known by their month names only (after htmldate 1.11's list, Apache-2.0);
#: those whose names clash with another's (Croatian ``listopad`` is October, Polish and
#: Czech November) are left out.
PORTUGUESE = Language(title_classes=("titulo",),
                      months=(("janeiro",), ("fevereiro", "fev"), ("março", "marco"), ("abril",),
                              ("maio",), ("junho",), ("julho",), ("agosto",), ("setembro", "set"),
                              ("outubro", "out"), ("novembro",), ("dezembro", "dez")))
ITALIAN = Language(ad_labels=("pubblicit[àa]",), title_classes=("titolo",),
                   months=(("gennaio", "gen"), ("febbraio",), ("marzo",), ("aprile",),
                           ("maggio", "mag"), ("giugno", "giu"), ("luglio", "lug"), ("agosto",),
                           ("settembre",), ("ottobre", "ott"), ("novembre",), ("dicembre",)))
DUTCH = Language(months=(("januari",), ("februari",), ("maart", "mrt"), ("april",), ("mei",),
                         ("juni",), ("juli",), ("augustus",), ("september",), ("oktober",),
                         ("november",), ("december",)))
ROMANIAN = Language(months=(("ianuarie",), ("februarie",), ("martie",), ("aprilie",), ("mai",),
                            ("iunie",), ("iulie",), ("august",), ("septembrie",), ("octombrie",),
                            ("noiembrie",), ("decembrie",)))
HUNGARIAN = Language(months=(("január",), ("február",), ("március",), ("április",), ("május",),
                             ("június",), ("július",), ("augusztus",), ("szeptember",),
                             ("október",), ("november",), ("december",)))
CZECH = Language(months=(("ledna", "leden"), ("února", "únor"), ("března", "březen"),
                         ("dubna", "duben"), ("května", "květen"), ("června", "červen"),
                         ("července", "červenec"), ("srpna", "srpen"), ("září",),
                         ("října", "říjen"), ("listopadu",), ("prosince", "prosinec")))
TURKISH = Language(months=(("ocak",), ("şubat",), ("mart",), ("nisan",), ("mayıs",), ("haziran",),
                           ("temmuz",), ("ağustos",), ("eylül",), ("ekim",), ("kasım",),
                           ("aralık",)))
INDONESIAN = Language(ad_labels=("iklan",),
                      months=(("januari",), ("februari",), ("maret",), ("april",), ("mei",),
                              ("juni",), ("juli",), ("agustus",), ("september",), ("oktober",),
                              ("november",), ("desember",)))
RUSSIAN = Language(months=(("января", "январь"), ("февраля", "февраль"), ("марта", "март"),
                           ("апреля", "апрель"), ("мая", "май"), ("июня", "июнь"),
                           ("июля", "июль"), ("августа", "август"), ("сентября", "сентябрь"),
                           ("октября", "октябрь"), ("ноября", "ноябрь"), ("декабря", "декабрь")))
#: Arabic has two sets of month names: the Egyptian and Gulf ``يناير``... and the Levantine and
#: Iraqi ``كانون الثاني``...; many sites print both ("24 نيسان / أبريل 2020").
ARABIC = Language(months=(("يناير", "كانون الثاني"), ("فبراير", "شباط"), ("مارس", "آذار"),
                          ("أبريل", "ابريل", "نيسان"), ("مايو", "أيار", "ايار"),
                          ("يونيو", "حزيران"), ("يوليو", "تموز"), ("أغسطس", "اغسطس", "آب"),
                          ("سبتمبر", "أيلول", "ايلول"), ("أكتوبر", "اكتوبر", "تشرين الأول"),
                          ("نوفمبر", "تشرين الثاني"), ("ديسمبر", "كانون الأول")))

#: Every language the rules know, English first (the order alternatives are tried in).
LANGUAGES: dict[str, Language] = {"en": ENGLISH, "pl": POLISH, "de": GERMAN, "fr": FRENCH,
                                  "es": SPANISH, "pt": PORTUGUESE, "it": ITALIAN, "nl": DUTCH,
                                  "ro": ROMANIAN, "hu": HUNGARIAN, "cs": CZECH, "tr": TURKISH,
                                  "id": INDONESIAN, "ru": RUSSIAN, "ar": ARABIC}
#: The tables a site profile may add to: those of the rules that read the page's vocabulary.
SITE_TABLES = ("read_time_labels", "read_time_after", "read_time_units", "read_time_about",
               "read_time_keywords", "related_headings")


@dataclass(frozen=True, eq=False)
class Vocabulary:
    """The tables rules are built from. Compared and hashed by identity, so a rule compiled
    for a vocabulary is cached per vocabulary (:func:`functools.lru_cache`) at the cost of
    a pointer hash."""

    languages: tuple[Language, ...]

    def words(self, table: str) -> tuple[str, ...]:
        """Every language's entries of ``table``, first occurrence kept, in language order."""
        return tuple(dict.fromkeys(word for language in self.languages
                                   for word in getattr(language, table)))

    def months(self) -> dict[int, tuple[str, ...]]:
        """Every language's names of each month, by its number (1 for January)."""
        return {number: tuple(dict.fromkeys(name for language in self.languages
                                            if language.months
                                            for name in language.months[number - 1]))
                for number in range(1, 13)}

    def alternation(self, table: str) -> str:
        """``table``'s entries as one non-capturing regex group (fragments as written)."""
        return "(?:" + "|".join(self.words(table)) + ")"

    def with_labels(self, labels: Mapping[str, tuple[str, ...]]) -> Vocabulary:
        """This vocabulary and one more table, a site profile's own labels; raises
        ValueError naming a table no rule reads per site."""
        unknown = sorted(set(labels) - set(SITE_TABLES))
        if unknown:
            raise ValueError(f"no site labels for {unknown[0]!r} "
                             f"(known: {', '.join(SITE_TABLES)})")
        return _extended(self, tuple(sorted((k, tuple(v)) for k, v in labels.items())))


@lru_cache(maxsize=64)
def _extended(vocabulary: Vocabulary, labels: tuple[tuple[str, tuple[str, ...]], ...]
              ) -> Vocabulary:
    """One extended vocabulary per profile's labels, so rules built for it are built once."""
    return Vocabulary((*vocabulary.languages, Language(**dict(labels))))


VOCABULARY = Vocabulary(tuple(LANGUAGES.values()))
