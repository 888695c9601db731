"""Listing search: full-text index and the partial indexes behind search filters and sorts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 14:10:00.000000

Only active listings are searchable, so every index here is partial (``state = 'active'``)
and the queries in ``social_market/services/search.py`` repeat that condition literally
(SQLite only uses a partial index when the query states its condition word for word).

PostgreSQL: a stored generated ``tsvector`` column, weighted A (title), B (tags,
materials, shop name), C (description), in the listing's own language ('german' for
'de', else 'english'), with a GIN index. The vector also holds facet lexemes (category,
top-level category, log2 price bucket and their combinations, see ``PG_FACETS``), so the
GIN index alone narrows a search to its category and price range: a listing row (about
1.4 kB, mostly not in shared buffers) is only visited for rows that match.

SQLite: an external-content FTS5 table over the *active* listings, kept in step by
triggers. Its last column holds facet tokens (category, top-level category, log2 price
bucket and their combinations) with zero weight in the ranking, so a search for words
in a category and price range lets FTS5 drop non-matching rows before it ranks.
``listing_fts_terms`` keeps the terms found in very many listings (from the fts5vocab
table ``listing_fts_vocab``; refreshed by ``search.refresh_common_terms``): bm25 scans
every listing containing a ranked word, so search filters by such words but does not
rank by them.

None of these objects is declared on the models; ``social_market.migrations.include_object``
keeps autogenerate and the model/migration comparison from reporting them.

Caution for later SQLite migrations: ``batch_alter_table("listing")`` copies the table
and drops the old one, and with it these triggers. A migration that does so must call
``_drop_sqlite()`` / ``_create_sqlite()`` from here again (copy them, migrations must not
import each other's moving parts).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Top-level category of a category id (children are parent * 100 + n). The same text is
# in search.py: an expression index is only used for the very same expression.
TOP_CATEGORY = "(CASE WHEN category_id >= 100 THEN category_id / 100 ELSE category_id END)"
ACTIVE = "state = 'active'"

# name -> indexed expressions. Measured with bench/search.py (1M listings):
# - category + price range or price sort: (category_id, price_cents, id);
# - a top-level category (all its children) the same by the expression above;
# - newest first within a category, leaf or top level: (…, id), read backwards;
# - price sort over everything: (price_cents, id).
# Newest first over everything uses the primary key (ids follow creation order).
BTREES = {
    "ix_listing_search_category_price": "category_id, price_cents, id",
    "ix_listing_search_top_category_price": f"{TOP_CATEGORY}, price_cents, id",
    "ix_listing_search_category_newest": "category_id, id",
    "ix_listing_search_top_category_newest": f"{TOP_CATEGORY}, id",
    "ix_listing_search_price": "price_cents, id",
}

# --------------------------------------------------------------------- PostgreSQL

# Casting a literal is folded to a constant; casting a CASE result would be a (stable,
# search_path dependent) function call, which a generated column refuses.
PG_CONFIG = "(CASE WHEN language = 'de' THEN 'german'::regconfig ELSE 'english'::regconfig END)"
# Prices are at most 10^7 cents, so 24 buckets cover them; bucket b holds [2^b, 2^(b+1)).
_BUCKET = "(CASE {} END)".format(
    " ".join(f"WHEN {{p}}price_cents < {2 ** (b + 1)} THEN {b}" for b in range(24)) + " ELSE 24"
)
_PG_BUCKET = _BUCKET.format(p="")
# Facet lexemes hold a space, which no parsed word can, so typed words never match them;
# they carry no position and weight D and search ranks against the words only.
PG_FACETS = f"""array_to_tsvector(ARRAY[
        'cat ' || category_id, 'cat ' || {TOP_CATEGORY}, 'price ' || {_PG_BUCKET},
        'cat ' || category_id || ' price ' || {_PG_BUCKET},
        'cat ' || {TOP_CATEGORY} || ' price ' || {_PG_BUCKET}])"""
PG_VECTOR = f"""
    setweight(to_tsvector({PG_CONFIG}, title), 'A')
    || setweight(to_tsvector({PG_CONFIG}, tags || ' ' || materials || ' ' || shop_name), 'B')
    || setweight(to_tsvector({PG_CONFIG}, description), 'C')
    || {PG_FACETS}
"""

# --------------------------------------------------------------------- SQLite

FTS_COLUMNS = "title, tags, materials, description, shop_name, facets"


def _facets(p: str) -> str:
    """SQL for the facet tokens of the row ``p`` ('' for a plain row, 'new.' / 'old.')."""
    top = TOP_CATEGORY.replace("category_id", f"{p}category_id")
    bucket = _BUCKET.format(p=p)
    return (
        f"'zc' || {p}category_id || ' zc' || {top} || ' zp' || {bucket}"
        f" || ' zc' || {p}category_id || 'p' || {bucket}"
        f" || ' zc' || {top} || 'p' || {bucket}"
    )


def _values(p: str) -> str:
    return f"{p}id, {p}title, {p}tags, {p}materials, {p}description, {p}shop_name, {_facets(p)}"


# Only the fixed fragments above are formatted into this DDL.
SQLITE_CREATE = [
    f"""CREATE VIEW listing_fts_source AS
        SELECT id, title, tags, materials, description, shop_name, {_facets("")} AS facets
        FROM listing WHERE {ACTIVE}""",  # noqa: S608
    f"""CREATE VIRTUAL TABLE listing_fts USING fts5(
        {FTS_COLUMNS},
        content='listing_fts_source', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    )""",
    f"""CREATE TRIGGER listing_fts_insert AFTER INSERT ON listing WHEN new.{ACTIVE} BEGIN
        INSERT INTO listing_fts(rowid, {FTS_COLUMNS}) VALUES ({_values("new.")});
    END""",  # noqa: S608
    f"""CREATE TRIGGER listing_fts_delete AFTER DELETE ON listing WHEN old.{ACTIVE} BEGIN
        INSERT INTO listing_fts(listing_fts, rowid, {FTS_COLUMNS})
        VALUES ('delete', {_values("old.")});
    END""",  # noqa: S608
    # Only the columns search reads: counters (views, favourites) change often.
    f"""CREATE TRIGGER listing_fts_update
        AFTER UPDATE OF title, tags, materials, description, shop_name, state, category_id,
            price_cents ON listing
        BEGIN
        INSERT INTO listing_fts(listing_fts, rowid, {FTS_COLUMNS})
            SELECT 'delete', {_values("old.")} WHERE old.{ACTIVE};
        INSERT INTO listing_fts(rowid, {FTS_COLUMNS})
            SELECT {_values("new.")} WHERE new.{ACTIVE};
    END""",
    # Backfill from the listings that exist already.
    "INSERT INTO listing_fts(listing_fts) VALUES ('rebuild')",
    # Documents per term, read straight from the index (counting a common term scans it).
    "CREATE VIRTUAL TABLE listing_fts_vocab USING fts5vocab(listing_fts, row)",
    # The very common terms and their document counts (search.refresh_common_terms).
    """CREATE TABLE listing_fts_terms (
        term TEXT PRIMARY KEY, documents INTEGER NOT NULL
    ) WITHOUT ROWID""",
    # Filled as search.refresh_common_terms does (terms in >= 1% of the active listings,
    # and '' for their number): migrations must not import the app.
    f"""INSERT INTO listing_fts_terms (term, documents)
        SELECT '', count(*) FROM listing WHERE {ACTIVE}
        UNION ALL SELECT term, doc FROM listing_fts_vocab
        WHERE doc >= max(1, (SELECT (count(*) + 99) / 100 FROM listing WHERE {ACTIVE}))""",  # noqa: S608
]

SQLITE_DROP = [
    "DROP TABLE IF EXISTS listing_fts_terms",
    "DROP TABLE IF EXISTS listing_fts_vocab",
    "DROP TRIGGER IF EXISTS listing_fts_update",
    "DROP TRIGGER IF EXISTS listing_fts_delete",
    "DROP TRIGGER IF EXISTS listing_fts_insert",
    "DROP TABLE IF EXISTS listing_fts",
    "DROP VIEW IF EXISTS listing_fts_source",
]


def _create_sqlite() -> None:
    for statement in SQLITE_CREATE:
        op.execute(statement)


def _drop_sqlite() -> None:
    for statement in SQLITE_DROP:
        op.execute(statement)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        # Adding a stored generated column fills it for the rows that exist (backfill).
        op.execute(
            f"ALTER TABLE listing ADD COLUMN search_vector tsvector "
            f"GENERATED ALWAYS AS ({PG_VECTOR}) STORED"
        )
        op.execute(
            "CREATE INDEX ix_listing_search_vector ON listing USING gin (search_vector) "
            f"WITH (fastupdate = off) WHERE {ACTIVE}"
        )
    elif dialect == "sqlite":
        _create_sqlite()
    for name, columns in BTREES.items():
        op.execute(f"CREATE INDEX {name} ON listing ({columns}) WHERE {ACTIVE}")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name in reversed(BTREES):
        op.execute(f"DROP INDEX IF EXISTS {name}")
    if dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_listing_search_vector")
        op.execute("ALTER TABLE listing DROP COLUMN IF EXISTS search_vector")
    elif dialect == "sqlite":
        _drop_sqlite()
