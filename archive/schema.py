"""The archive's schema, built by versioned migrations.

sqlite-utils' own :class:`~sqlite_utils.Migrations` records each applied migration by name in
``_sqlite_migrations``, so an archive written by an older release is brought up to date the
first time a newer one opens it, and opening an up-to-date archive writes nothing. A schema
change is a new function appended below, never an edit of one that has shipped.

Tables are written as plain SQL so the file says exactly what is stored. The ``articles`` row
holds only an article's current content and lifecycle: anything about a fetch or a run lives in
``fetches`` and ``crawl_runs``, so re-crawling an unchanged article leaves its row untouched.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlite_utils import Database, Migrations

MIGRATION_SET = "blog-archive"

migrations = Migrations(MIGRATION_SET)


def _execute_script(db: Database, script: str) -> None:
    """Run a migration's statements one by one: ``executescript`` would COMMIT first and
    break the transaction sqlite-utils wraps around each migration, so a crawl killed during
    a migration could leave a table without the record that it was created."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""


@migrations()
def m001_crawl_runs(db: Database) -> None:
    """One row per crawl, open while it runs; the counts are filled in when it finishes."""
    _execute_script(db, """
        CREATE TABLE crawl_runs (
            id INTEGER PRIMARY KEY,
            site TEXT NOT NULL,
            "trigger" TEXT,
            status TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            finish_reason TEXT,
            app_version TEXT,
            scrapy_version TEXT,
            pages_fetched INTEGER,
            new INTEGER,
            changed INTEGER,
            unchanged INTEGER,
            not_modified INTEGER,
            gone INTEGER,
            redirected INTEGER,
            errors INTEGER,
            not_article INTEGER,
            stats TEXT
        );
        CREATE INDEX crawl_runs_site_status ON crawl_runs (site, status);
    """)


@migrations()
def m002_articles(db: Database) -> None:
    """The current content of every article ever archived, and whether it is still there."""
    _execute_script(db, """
        CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            site TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'live'
                CHECK (status IN ('live', 'gone', 'redirected')),
            title TEXT,
            published TEXT,
            modified TEXT,
            read_time_minutes INTEGER,
            read_time_estimated INTEGER,
            author TEXT,
            language TEXT,
            categories TEXT NOT NULL DEFAULT '[]',
            tags TEXT NOT NULL DEFAULT '[]',
            image TEXT,
            body_text TEXT NOT NULL DEFAULT '',
            word_count INTEGER NOT NULL DEFAULT 0,
            teaser_text TEXT NOT NULL DEFAULT '',
            content_hash TEXT NOT NULL,
            version INTEGER NOT NULL DEFAULT 1,
            first_seen_run INTEGER NOT NULL REFERENCES crawl_runs (id),
            last_changed_run INTEGER NOT NULL REFERENCES crawl_runs (id),
            redirected_to TEXT,
            redirected_to_id INTEGER REFERENCES articles (id)
        );
        CREATE INDEX articles_published ON articles (published);
        CREATE INDEX articles_site ON articles (site);
        CREATE INDEX articles_first_seen_run ON articles (first_seen_run);
        CREATE INDEX articles_last_changed_run ON articles (last_changed_run);
        CREATE INDEX articles_redirected_to ON articles (redirected_to);
        CREATE INDEX articles_redirected_to_id ON articles (redirected_to_id);
    """)


@migrations()
def m003_article_versions(db: Database) -> None:
    """A full snapshot of an article's content fields each time they change."""
    _execute_script(db, """
        CREATE TABLE article_versions (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles (id),
            version INTEGER NOT NULL,
            crawl_run_id INTEGER NOT NULL REFERENCES crawl_runs (id),
            captured_at TEXT NOT NULL,
            changed_columns TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            title TEXT,
            published TEXT,
            modified TEXT,
            read_time_minutes INTEGER,
            author TEXT,
            language TEXT,
            categories TEXT NOT NULL,
            tags TEXT NOT NULL,
            image TEXT,
            body_text TEXT NOT NULL,
            teasers TEXT NOT NULL,
            UNIQUE (article_id, version)
        );
        CREATE INDEX article_versions_crawl_run_id ON article_versions (crawl_run_id);
    """)


@migrations()
def m004_teasers(db: Database) -> None:
    """The related-post links of each article's current version."""
    _execute_script(db, """
        CREATE TABLE teasers (
            article_id INTEGER NOT NULL REFERENCES articles (id),
            position INTEGER NOT NULL,
            target_url TEXT NOT NULL,
            target_article_id INTEGER REFERENCES articles (id),
            title TEXT,
            text TEXT NOT NULL,
            first_seen_run INTEGER NOT NULL REFERENCES crawl_runs (id),
            last_seen_run INTEGER NOT NULL REFERENCES crawl_runs (id),
            PRIMARY KEY (article_id, position)
        );
        CREATE INDEX teasers_target_url ON teasers (target_url);
        CREATE INDEX teasers_target_article_id ON teasers (target_article_id);
        CREATE INDEX teasers_first_seen_run ON teasers (first_seen_run);
        CREATE INDEX teasers_last_seen_run ON teasers (last_seen_run);
    """)


@migrations()
def m005_fetches(db: Database) -> None:
    """One row per HTTP exchange. The partial index serves ``Archive.validators``: the newest
    fetch of each article whose response the archive holds and that carried a validator."""
    _execute_script(db, """
        CREATE TABLE fetches (
            id INTEGER PRIMARY KEY,
            crawl_run_id INTEGER NOT NULL REFERENCES crawl_runs (id),
            url TEXT NOT NULL,
            final_url TEXT,
            status INTEGER,
            outcome TEXT NOT NULL,
            error_kind TEXT,
            error TEXT,
            etag TEXT,
            last_modified TEXT,
            elapsed_ms INTEGER,
            bytes INTEGER,
            redirect_to TEXT,
            fetched_at TEXT NOT NULL,
            article_id INTEGER REFERENCES articles (id)
        );
        CREATE INDEX fetches_crawl_run_id ON fetches (crawl_run_id, outcome);
        CREATE INDEX fetches_article_id ON fetches (article_id);
        CREATE INDEX fetches_url ON fetches (url);
        CREATE INDEX fetches_validators ON fetches (article_id, id)
            WHERE outcome IN ('new', 'changed', 'unchanged', 'not_modified')
            AND (etag IS NOT NULL OR last_modified IS NOT NULL);
    """)


@migrations()
def m006_articles_fts(db: Database) -> None:
    """Full-text search over title, body and teaser texts, kept current by triggers."""
    db["articles"].enable_fts(
        ["title", "body_text", "teaser_text"], create_triggers=True, tokenize="porter"
    )


@migrations()
def m007_published_month(db: Database) -> None:
    """``YYYY-MM`` of the publication date, for Datasette's month facet. A virtual generated
    column: computed on read, so adding it rewrites no row and fires no FTS trigger."""
    db.execute("ALTER TABLE articles ADD COLUMN published_month TEXT "
                "GENERATED ALWAYS AS (substr(published, 1, 7)) VIRTUAL")
    db.execute("CREATE INDEX articles_published_month ON articles (published_month)")


@migrations()
def m008_search_rank(db: Database) -> None:
    """Make bm25 with the title weighted above the body, and the body above teaser texts, the
    FTS table's own rank: ``order by rank ... limit`` then lets FTS5 keep only the best rows
    while scoring, the fast path for search."""
    db.execute("INSERT INTO articles_fts (articles_fts, rank) "
               "VALUES ('rank', 'bm25(10.0, 1.0, 0.5)')")


@migrations()
def m009_lean_write_indexes(db: Database) -> None:
    """Fewer index writes per archived article. The redirect columns are NULL for nearly every
    article, so they are indexed only where set (``x = ?`` lookups, foreign-key checks
    included, still use a partial index), and ``fetches.url``, which nothing filters on (an
    article's fetches are found by ``article_id``), loses its index."""
    _execute_script(db, """
        DROP INDEX articles_redirected_to;
        DROP INDEX articles_redirected_to_id;
        DROP INDEX fetches_url;
        CREATE INDEX articles_redirected_to ON articles (redirected_to)
            WHERE redirected_to IS NOT NULL;
        CREATE INDEX articles_redirected_to_id ON articles (redirected_to_id)
            WHERE redirected_to_id IS NOT NULL;
    """)


@migrations()
def m010_teasers_without_rowid(db: Database) -> None:
    """Teasers are found and replaced by (article, position), their primary key: stored in
    that key's order, without a rowid, one B-tree does what a rowid table and its key index
    did, and every teaser written costs one index insert less. Rebuilt with its rows."""
    _execute_script(db, """
        CREATE TABLE teasers_new (
            article_id INTEGER NOT NULL REFERENCES articles (id),
            position INTEGER NOT NULL,
            target_url TEXT NOT NULL,
            target_article_id INTEGER REFERENCES articles (id),
            title TEXT,
            text TEXT NOT NULL,
            first_seen_run INTEGER NOT NULL REFERENCES crawl_runs (id),
            last_seen_run INTEGER NOT NULL REFERENCES crawl_runs (id),
            PRIMARY KEY (article_id, position)
        ) WITHOUT ROWID;
        INSERT INTO teasers_new SELECT article_id, position, target_url, target_article_id,
            title, text, first_seen_run, last_seen_run FROM teasers;
        DROP TABLE teasers;
        ALTER TABLE teasers_new RENAME TO teasers;
        CREATE INDEX teasers_target_url ON teasers (target_url);
        CREATE INDEX teasers_target_article_id ON teasers (target_article_id);
        CREATE INDEX teasers_first_seen_run ON teasers (first_seen_run);
        CREATE INDEX teasers_last_seen_run ON teasers (last_seen_run);
    """)


@migrations()
def m011_fts_automerge(db: Database) -> None:
    """Let FTS5 gather 8 index segments of a size before merging them, not 4. Each batch of
    a crawl adds a segment, and the merges that keep their number down were about a tenth of
    the cost of archiving an article; fewer of them cost searches a few percent (measured:
    p50 +5 %, p95 unchanged at 10,000 articles)."""
    db.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES ('automerge', 8)")


@migrations()
def m012_status_changed_run(db: Database) -> None:
    """The run that last changed an article's status (gone, redirected, live again). Its
    content and ``last_changed_run`` stay as they were, yet a scheduled export must learn
    that the article went away: ``export --since`` reads this column too."""
    _execute_script(db, """
        ALTER TABLE articles ADD COLUMN status_changed_run INTEGER REFERENCES crawl_runs (id);
        CREATE INDEX articles_status_changed_run ON articles (status_changed_run)
            WHERE status_changed_run IS NOT NULL;
    """)


@migrations()
def m013_fetch_field_sources(db: Database) -> None:
    """What extraction made of each parsed page: the signal behind every field, and why a
    field (or the page, as an article) is empty. Per fetch, not per article: an unchanged
    article keeps its row, yet the signals that gave it may have moved (a new theme)."""
    _execute_script(db, """
        ALTER TABLE fetches ADD COLUMN field_sources TEXT;
        ALTER TABLE fetches ADD COLUMN missing TEXT;
    """)


@migrations()
def m014_article_search(db: Database) -> None:
    """The article index rebuilt over the article's own title and text: teaser texts are
    excerpts of *other* articles and made them match (7 of 9 hits for "roller" matched only
    there). Diacritics are folded so Polish is found typed with or without them, and only a
    change of title or text rewrites an article's index entry. ``article_list`` is the
    reading view of the articles: what a reader scans, searchable and ranked (``search``
    is the index's MATCH column, ``relevance`` its rank while searching, else the date)."""
    _execute_script(db, """
        DROP TRIGGER articles_ai;
        DROP TRIGGER articles_ad;
        DROP TRIGGER articles_au;
        DROP TABLE articles_fts;
        CREATE VIRTUAL TABLE articles_fts USING FTS5 (
            title, body_text,
            tokenize = 'porter unicode61 remove_diacritics 2',
            content="articles", content_rowid='id'
        );
        INSERT INTO articles_fts (articles_fts) VALUES ('rebuild');
        INSERT INTO articles_fts (articles_fts, rank) VALUES ('rank', 'bm25(10.0, 1.0)');
        INSERT INTO articles_fts (articles_fts, rank) VALUES ('automerge', 8);
        CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
            INSERT INTO articles_fts (rowid, title, body_text)
                VALUES (new.id, new.title, new.body_text);
        END;
        CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
            INSERT INTO articles_fts (articles_fts, rowid, title, body_text)
                VALUES ('delete', old.id, old.title, old.body_text);
        END;
        CREATE TRIGGER articles_au AFTER UPDATE OF title, body_text ON articles BEGIN
            INSERT INTO articles_fts (articles_fts, rowid, title, body_text)
                VALUES ('delete', old.id, old.title, old.body_text);
            INSERT INTO articles_fts (rowid, title, body_text)
                VALUES (new.id, new.title, new.body_text);
        END;
        CREATE VIEW article_list AS
        SELECT a.id, a.title, substr(a.published, 1, 10) AS published,
            coalesce(a.read_time_minutes, a.read_time_estimated) AS read_time,
            a.author, a.categories, a.status, a.word_count,
            CASE WHEN length(a.body_text) > 160
                THEN rtrim(substr(replace(a.body_text, char(10), ' '), 1, 160)) || '…'
                ELSE replace(a.body_text, char(10), ' ') END AS excerpt,
            a.published_month, a.site, a.language,
            f.articles_fts AS search,
            coalesce(f.rank, -julianday(a.published), 0) AS relevance
        FROM articles a JOIN articles_fts f ON f.rowid = a.id
        WHERE a.status != 'redirected';
    """)


@migrations()
def m015_run_bounds(db: Database) -> None:
    """The bounds a run reached (pages, depth, time ...) as JSON: name -> its limit and how
    many requests it refused. NULL for a run that reached none, or that ran before bounds."""
    db.execute("ALTER TABLE crawl_runs ADD COLUMN bounds_reached TEXT")


@migrations()
def m016_fetch_warc_records(db: Database) -> None:
    """Each fetch points at its answer's record in the run's WARC file (see
    ``archive.records.Capture``): the file relative to the archive's folder, the gzip member's
    offset and length, the record's id and date, the payload digest, and for a revisit the
    record id of the response it confirms. NULL for fetches with no answer, captured with
    capture off, or made before WARC capture. The partial index finds each URL's newest
    response record (the crawl's revisits refer to it; re-extraction reads it)."""
    _execute_script(db, """
        ALTER TABLE fetches ADD COLUMN warc_path TEXT;
        ALTER TABLE fetches ADD COLUMN warc_offset INTEGER;
        ALTER TABLE fetches ADD COLUMN warc_length INTEGER;
        ALTER TABLE fetches ADD COLUMN warc_record_id TEXT;
        ALTER TABLE fetches ADD COLUMN warc_date TEXT;
        ALTER TABLE fetches ADD COLUMN payload_digest TEXT;
        ALTER TABLE fetches ADD COLUMN warc_refers_to TEXT;
        CREATE INDEX fetches_warc_responses ON fetches (url, id)
            WHERE warc_path IS NOT NULL AND warc_refers_to IS NULL;
    """)


@migrations()
def m017_record_stream(db: Database) -> None:
    """What the single writer of ``blog-archive ingest`` (archive/ingest.py) needs to be
    idempotent: the run token that names one crawl across many processes, and the Redis
    stream entry each fetch came from, unique, so an entry delivered twice (the writer died
    after its commit, before its acknowledgement) is recognised and not archived again."""
    _execute_script(db, """
        ALTER TABLE crawl_runs ADD COLUMN run_token TEXT;
        CREATE INDEX crawl_runs_run_token ON crawl_runs (run_token) WHERE run_token IS NOT NULL;
        ALTER TABLE fetches ADD COLUMN stream_id TEXT;
        CREATE UNIQUE INDEX fetches_stream_id ON fetches (stream_id) WHERE stream_id IS NOT NULL;
    """)


@migrations()
def m018_warc_record_type(db: Database) -> None:
    """The type of each fetch's WARC record, ``response`` or ``revisit``: ``warc_refers_to``
    cannot say it, as a 304 for a URL with no earlier capture (an archive crawled before
    m016, or with ``--no-warc``) is a revisit that refers to nothing. Rows written before
    this are revisits when they refer to a record or answered 304 (the only two ways the
    writer made one). The partial index finds the capture a revisit confirms: a URL's newest
    ``response`` of a 200 the crawl kept (an error page is never what a 304 confirms); the
    one on ``warc_record_id`` follows a revisit to it without scanning ``fetches``.
    ``crawl_runs.warc_file`` names the run's WARC file as soon as it is opened, so the
    torn record of a killed run is cut from that file and no other."""
    _execute_script(db, """
        ALTER TABLE fetches ADD COLUMN warc_type TEXT;
        UPDATE fetches SET warc_type = CASE
            WHEN warc_refers_to IS NOT NULL OR status = 304 THEN 'revisit' ELSE 'response' END
            WHERE warc_record_id IS NOT NULL;
        DROP INDEX fetches_warc_responses;
        CREATE INDEX fetches_warc_captures ON fetches (url, id)
            WHERE warc_path IS NOT NULL AND warc_type = 'response' AND status = 200
            AND outcome != 'error';
        CREATE INDEX fetches_warc_record_id ON fetches (warc_record_id)
            WHERE warc_record_id IS NOT NULL;
        ALTER TABLE crawl_runs ADD COLUMN warc_file TEXT;
    """)


def migrate(db: Database) -> None:
    """Apply every pending migration; a no-op (and no write) on an up-to-date archive."""
    migrations.apply(db)


def applied_migrations(db: Database) -> list[str]:
    """Names of the migrations this archive has had, oldest first: its schema version."""
    return [migration.name for migration in migrations.applied(db)]


def not_an_archive(path: Path, *, empty_ok: bool = False) -> str | None:
    """Why the existing file at ``path`` is not a blog-archive archive, or None when it is one
    (or, with ``empty_ok``, an empty database, which a crawl makes an archive).

    Read-only, with the standard library: a command that only reads must never turn somebody
    else's SQLite database into an archive, as opening with :func:`migrate` would. A file
    this probe cannot read for another reason (permissions, a read-only directory holding a
    WAL archive, a damaged page) is left to :class:`~archive.store.Archive` to report."""
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            tables = {name for (name,) in db.execute(
                "select name from sqlite_master where type = 'table'")}
            if "_sqlite_migrations" in tables and db.execute(
                    "select 1 from _sqlite_migrations where migration_set = ? limit 1",
                    [MIGRATION_SET]).fetchone():
                return None
    except sqlite3.DatabaseError as error:
        if error.sqlite_errorname == "SQLITE_NOTADB":
            return str(error)
        return None  # unreadable here (locked, damaged...): Archive reports it as it opens
    if tables:
        return "an SQLite database without blog-archive's tables"
    return None if empty_ok else "an empty database"
