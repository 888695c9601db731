"""Listing search: words, filters and sorts over active listings, one page at a time.

The URL holds the whole query (``parse_search_params`` / ``to_params``), so a search can
be shared. Pages are keyset-paginated (never OFFSET): the cursor carries the last row's
sort key, so page 40 costs what page 1 costs and rows added meanwhile cause no repeats.

The SQL lives in :func:`search_sql`, one builder for both databases (the indexes and the
full-text objects behind it are made by migration 0004):

- PostgreSQL matches the generated, weighted ``listing.search_vector`` against the words
  parsed by ``websearch_to_tsquery`` in English *and* German (a listing is indexed in its
  own language), ranks with ``ts_rank``, and runs with custom plans: psycopg prepares a
  statement after five runs and the generic plan PostgreSQL then picks is several times
  slower for search (see PERFORMANCE.md), so search statements are never prepared. The
  vector also holds facet lexemes for category and price bucket, so the GIN index alone
  narrows to the category and price range.
- SQLite matches the FTS5 table ``listing_fts`` (Porter stemming, case- and
  accent-insensitive) and ranks with ``bm25``. Each word is quoted, so user text never
  reaches FTS5 query syntax. Category and price filters are also written as facet tokens
  in a zero-weight column, so FTS5 drops non-matching rows before it ranks them.

Both keep exact filters on the listing row too: the facet tokens only narrow.

Relevance ranks a bounded set (measured with bench/search.py at 1M listings): ranking
costs per matching listing (PostgreSQL visits each row for its vector, SQLite's bm25
reads every posting of every ranked word), and a broad search ("necklace" in Jewellery)
matches 30,000+ listings. So relevance works in two tiers, both keyset-paginated:

1. the newest ``RELEVANCE_CANDIDATES`` (1,000) matching listings, best first (ties
   newest first);
2. then, when more match, every older match, newest first.

The cursor of a relevance page is (tier, score, id). On SQLite, words found in more than
``COMMON_TERM_SHARE`` of the listings ("handmade") still have to match, but do not count
for the ranking (bm25 would scan all their postings); see :func:`refresh_common_terms`.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import time
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import text
from sqlmodel import Session

from social_market.i18n.catalog import N_
from social_market.i18n.format import format_money
from social_market.models.market import ListingCard
from social_market.services import categories, countries
from social_market.services.errors import InvalidInput
from social_market.services.listings import photo_url
from social_market.services.money import format_plain, parse_cents
from social_market.urls import listing_url

RELEVANCE, NEWEST, PRICE_ASC, PRICE_DESC = "relevance", "newest", "price_asc", "price_desc"
SORTS = (RELEVANCE, NEWEST, PRICE_ASC, PRICE_DESC)
IN_STOCK, MADE_TO_ORDER = "in_stock", "made_to_order"
AVAILABILITIES = (IN_STOCK, MADE_TO_ORDER)
MAX_WORDS_LENGTH = 100
DEFAULT_LIMIT = 24
MAX_LIMIT = 60
MAX_CURSOR_LENGTH = 200
# Relevance ranks at most this many matches, the newest; older ones follow newest first.
RELEVANCE_CANDIDATES = 1000
# SQLite: a word in more than this share of listings filters but does not rank.
COMMON_TERM_SHARE = 0.10
# listing_fts_terms keeps terms in at least this share (so the share above can change).
_STORED_TERM_SHARE = 0.01
_COMMON_TERMS_TTL_S = 300.0

# What the tokenizers treat as a word: letters and digits (an underscore separates).
_TOKEN = re.compile(r"[^\W_]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # PostgreSQL text can't even hold NUL


@dataclass(frozen=True)
class SearchQuery:
    """One search, validated on construction (InvalidInput otherwise).

    ``country`` is the shop's country; ``cursor`` comes from a previous page's
    ``next_cursor`` and must belong to the same sort. ``limit`` is clamped to 1..60.
    """

    words: str = ""
    category_id: int | None = None
    min_price_cents: int | None = None
    max_price_cents: int | None = None
    country: str | None = None
    availability: str | None = None
    sort: str = RELEVANCE
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT
    _after: tuple = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.words, str):
            raise InvalidInput("Please enter the words to search for.", field="q")
        words = " ".join(_CONTROL.sub(" ", self.words).split())
        if len(words) > MAX_WORDS_LENGTH:
            raise InvalidInput(
                "Please search for at most {count} characters.",
                field="q",
                count=MAX_WORDS_LENGTH,
            )
        object.__setattr__(self, "words", words)
        if self.category_id is not None and categories.get(self.category_id) is None:
            raise InvalidInput("Please choose a category from the list.", field="category")
        for name, value in (("min", self.min_price_cents), ("max", self.max_price_cents)):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 0
            ):
                raise InvalidInput("Prices can't be negative.", field=name)
        if (
            self.min_price_cents is not None
            and self.max_price_cents is not None
            and self.min_price_cents > self.max_price_cents
        ):
            raise InvalidInput("The lowest price is above the highest price.", field="max")
        if self.country is not None:
            object.__setattr__(self, "country", countries.check_country(self.country))
        if self.availability is not None and self.availability not in AVAILABILITIES:
            raise InvalidInput("Please choose an availability from the list.", field="availability")
        if self.sort not in SORTS:
            raise InvalidInput("Please choose a sort order from the list.", field="sort")
        limit = self.limit if isinstance(self.limit, int) else DEFAULT_LIMIT
        object.__setattr__(self, "limit", max(1, min(MAX_LIMIT, limit)))
        if self.cursor is not None:
            object.__setattr__(self, "_after", _decode_cursor(self.cursor, self.effective_sort))

    @property
    def tokens(self) -> list[str]:
        """The words as the full-text index sees them (lower case, no punctuation)."""
        return [t.lower() for t in _TOKEN.findall(self.words)]

    @property
    def effective_sort(self) -> str:
        """Relevance means nothing without words: such a search is newest first."""
        return NEWEST if self.sort == RELEVANCE and not self.tokens else self.sort


@dataclass(frozen=True)
class SearchPage:
    items: list[ListingCard]
    next_cursor: str | None  # None on the last page


# ---------------------------------------------------------------------- URL parameters


def parse_search_params(params: Mapping[str, str]) -> SearchQuery:
    """A SearchQuery from a URL's query parameters; InvalidInput names the bad one.

    ``q`` words, ``category`` id or slug, ``min``/``max`` prices in euros ("12.50" or
    "12,50"), ``country`` (ISO code of the shop's country), ``availability``
    (in_stock / made_to_order), ``sort``, ``after`` (the cursor of the next page).
    Unknown parameters are ignored; empty ones mean "not set".
    """

    def get(name: str) -> str:
        value = params.get(name)
        if isinstance(value, list | tuple):
            value = value[0] if value else ""
        return value.strip() if isinstance(value, str) else ""

    category_id = None
    if raw := get("category"):
        found = categories.get(int(raw)) if raw.isdigit() else categories.BY_SLUG.get(raw.lower())
        if found is None:
            raise InvalidInput("Please choose a category from the list.", field="category")
        category_id = found.id
    prices = {}
    for name, label in (("min", N_("The lowest price")), ("max", N_("The highest price"))):
        raw = get(name)
        prices[name] = parse_cents(raw, field=name, label=label, minimum=0) if raw else None
    return SearchQuery(
        words=get("q"),
        category_id=category_id,
        min_price_cents=prices["min"],
        max_price_cents=prices["max"],
        country=get("country") or None,
        availability=get("availability") or None,
        sort=get("sort") or RELEVANCE,
        cursor=get("after") or None,
    )


def to_params(query: SearchQuery) -> dict[str, str]:
    """The URL query parameters for ``query`` (defaults left out); parses back to it."""
    out: dict[str, str] = {}
    if query.words:
        out["q"] = query.words
    if query.category_id is not None:
        out["category"] = categories.CATEGORIES[query.category_id].slug
    if query.min_price_cents is not None:
        out["min"] = format_plain(query.min_price_cents)
    if query.max_price_cents is not None:
        out["max"] = format_plain(query.max_price_cents)
    if query.country:
        out["country"] = query.country
    if query.availability:
        out["availability"] = query.availability
    if query.sort != RELEVANCE:
        out["sort"] = query.sort
    if query.cursor:
        out["after"] = query.cursor
    return out


# ---------------------------------------------------------------------- cursors

# The sort key each sort's cursor carries, by type: (tier, score, id) / (id,) / (price, id).
_CURSOR_SHAPES = {
    RELEVANCE: (int, float, int),
    NEWEST: (int,),
    PRICE_ASC: (int, int),
    PRICE_DESC: (int, int),
}


def _encode_cursor(sort: str, key: tuple) -> str:
    raw = json.dumps([sort, *key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: object, sort: str) -> tuple:
    """The sort key in a cursor made by this module for ``sort``; InvalidInput otherwise."""
    invalid = InvalidInput("This page of results has expired. Please search again.", field="after")
    if not isinstance(cursor, str) or not 0 < len(cursor) <= MAX_CURSOR_LENGTH:
        raise invalid
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise invalid from None
    shape = _CURSOR_SHAPES[sort]
    if not isinstance(data, list) or len(data) != len(shape) + 1 or data[0] != sort:
        raise invalid
    key = []
    for value, kind in zip(data[1:], shape, strict=True):
        if isinstance(value, bool):
            raise invalid
        if kind is float and isinstance(value, int | float) and math.isfinite(value):
            key.append(float(value))
        elif kind is int and isinstance(value, int) and abs(value) < 2**62:
            key.append(value)
        else:
            raise invalid
    return tuple(key)


# ---------------------------------------------------------------------- the SQL

# Top-level category of a category id (children are parent * 100 + n), written exactly as
# in the expression indexes of migration 0004 so that they are used.
_TOP_CATEGORY = "(CASE WHEN category_id >= 100 THEN category_id / 100 ELSE category_id END)"
_CARD_COLUMNS = (
    "l.id, l.slug, l.title, l.price_cents, l.currency, l.cover_key, l.cover_alt, "
    "l.shop_name, l.state, l.made_to_order, l.quantity"
)
# bm25 weights for the FTS5 columns: title, tags, materials, description, shop name, facets.
_BM25 = "bm25(listing_fts, 10.0, 4.0, 4.0, 1.0, 3.0, 0.0)"
_FTS_TEXT_COLUMNS = "{title tags materials description shop_name}"
_MAX_BUCKET = 24  # log2 price buckets in the facet tokens: 2^b <= cents < 2^(b+1)


def _price_bucket(cents: int) -> int:
    return min(max(cents, 1).bit_length() - 1, _MAX_BUCKET)


def _price_buckets(query: SearchQuery) -> range:
    """The log2 price buckets a price filter spans; empty when it spans them all."""
    low, high = query.min_price_cents, query.max_price_cents
    buckets = range(_price_bucket(low or 1), _price_bucket(high or 2**_MAX_BUCKET) + 1)
    return range(0) if len(buckets) > _MAX_BUCKET else buckets


def _fts_words(tokens: list[str]) -> str:
    return f"{_FTS_TEXT_COLUMNS} : (" + " ".join(f'"{t}"' for t in tokens) + ")"


def _fts_match(query: SearchQuery) -> str:
    """An FTS5 query: every word (quoted) in a text column, and the facet tokens."""
    parts = [_fts_words(query.tokens)]
    buckets = _price_buckets(query)
    prefix = f"zc{query.category_id}" if query.category_id is not None else "z"
    if buckets:
        facets = [f"{prefix}p{b}" for b in buckets]
    elif query.category_id is not None:
        facets = [prefix]
    else:
        facets = []
    if facets:
        parts.append("facets : (" + " OR ".join(f'"{t}"' for t in facets) + ")")
    return " AND ".join(parts)


def _pg_facets(query: SearchQuery) -> str | None:
    """The facet lexemes of migration 0004 as a tsquery (they hold a space: quoted)."""
    buckets = _price_buckets(query)
    prefix = f"cat {query.category_id} " if query.category_id is not None else ""
    if buckets:
        return " | ".join(f"'{prefix}price {b}'" for b in buckets)
    return f"'{prefix.strip()}'" if prefix else None


def _fold(word: str) -> str:
    """A word as FTS5 indexes it before stemming: lower case, without diacritics."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _is_common(token: str, common: frozenset[str]) -> bool:
    """Whether ``token`` stems to a common term (a Porter stem is nearly always a prefix).

    A wrong guess only decides whether the word ranks: it must match either way.
    """
    word = _fold(token)
    return word in common or any(
        len(word) - 3 <= n < len(word) and word[:n] in common for n in range(3, len(word))
    )


def _filters(query: SearchQuery, where: list[str], params: dict[str, object]) -> None:
    """The exact filters on the listing row ``l`` (facet tokens only narrow)."""
    if query.category_id is not None:
        has_children = bool(categories.children(query.category_id))
        column = _TOP_CATEGORY.replace("category_id", "l.category_id") if has_children else None
        where.append(f"{column or 'l.category_id'} = :category")
        params["category"] = query.category_id
    if query.min_price_cents is not None:
        where.append("l.price_cents >= :min_price")
        params["min_price"] = query.min_price_cents
    if query.max_price_cents is not None:
        where.append("l.price_cents <= :max_price")
        params["max_price"] = query.max_price_cents
    if query.country:
        where.append("l.shop_country = :country")
        params["country"] = query.country
    if query.availability == IN_STOCK:
        where.append("NOT l.made_to_order AND l.quantity > 0")
    elif query.availability == MADE_TO_ORDER:
        where.append("l.made_to_order")


def _matches(query: SearchQuery, dialect: str, params: dict[str, object]) -> tuple[str, str]:
    """FROM and WHERE of "active listings matching the words and filters", newest first.

    Selects the card columns of ``l``; the newest-first order is by ``row_id`` below.
    """
    where = ["l.state = 'active'"]  # literal: partial indexes need it word for word
    if dialect == "postgresql":
        where.append(f"l.search_vector @@ {_PG_QUERY}")
        params["words"] = query.words
        if facets := _pg_facets(query):
            # A constant tsquery of its own: the planner estimates it from the statistics.
            where.append("l.search_vector @@ CAST(:facets AS tsquery)")
            params["facets"] = facets
        source = "listing AS l"
    else:
        source = "listing_fts AS f JOIN listing AS l ON l.id = f.rowid"
        where.append("f.listing_fts MATCH :match")
        params["match"] = _fts_match(query)
    _filters(query, where, params)
    return source, " AND ".join(where)


# The words in English and German (a listing is indexed in its own language).
_PG_QUERY = "(websearch_to_tsquery('english', :words) || websearch_to_tsquery('german', :words))"


def _row_id(dialect: str) -> str:
    # On SQLite order by the FTS rowid (= listing id) so FTS5 reads its index backwards
    # and stops at the page size.
    return "f.rowid" if dialect == "sqlite" else "l.id"


def _relevance_sql(
    query: SearchQuery, dialect: str, common: frozenset[str]
) -> tuple[str, dict[str, object]]:
    """Tier 1 of relevance (see the module docstring): rank the newest matches.

    Rows: the card columns, the score, and how many candidates there were.
    """
    params: dict[str, object] = {"limit": query.limit + 1, "candidates": RELEVANCE_CANDIDATES}
    source, conditions = _matches(query, dialect, params)
    row_id = _row_id(dialect)
    after = query._after
    cards = _CARD_COLUMNS.replace("l.", "c.")
    if dialect == "postgresql":
        # The candidates keep their vector, so ranking visits no row again.
        candidates = (
            f"SELECT {_CARD_COLUMNS}, l.search_vector FROM {source} WHERE {conditions}"  # noqa: S608
            f" ORDER BY {row_id} DESC LIMIT :candidates"
        )
        # float8: a real would come back rounded in text and break the keyset equality.
        score = f"CAST(ts_rank(c.search_vector, {_PG_QUERY}) AS double precision)"
        ranked = f"SELECT {cards}, {score} AS score FROM cand AS c"  # noqa: S608
        # Higher ts_rank is better; ties newest first.
        order, keyset = "score DESC, id DESC", "(score, id) < (:k1, :k2)"
    else:
        candidates = (
            f"SELECT {row_id} AS id FROM {source} WHERE {conditions}"  # noqa: S608
            f" ORDER BY {row_id} DESC LIMIT :candidates"
        )
        ranked_words = [t for t in query.tokens if not _is_common(t, common)]
        if ranked_words:
            # bm25 over the candidates only: the rowid range keeps FTS5 from walking
            # older postings, "+" keeps SQLite from probing FTS5 once per candidate.
            scores = (
                f"SELECT rowid AS id, {_BM25} AS score FROM listing_fts"  # noqa: S608
                " WHERE listing_fts MATCH :rank AND rowid >= (SELECT min(id) FROM cand)"
                " AND +rowid IN (SELECT id FROM cand)"
            )
            params["rank"] = _fts_words(ranked_words)
        else:  # only very common words: nothing to rank by, so newest first
            scores = "SELECT id, 0.0 AS score FROM cand"
        ranked = (
            f"SELECT {_CARD_COLUMNS.replace('l.id', 's.id')}, s.score AS score"  # noqa: S608
            f" FROM ({scores}) AS s JOIN listing AS l ON l.id = s.id"
        )
        # Lower bm25 is better; ties newest first.
        order = "score, id DESC"
        keyset = "(score > :k1 OR (score = :k1 AND id < :k2))"
    outer_where = ""
    if after:
        outer_where = f" WHERE {keyset}"
        params.update(k1=after[1], k2=after[2])
    sql = (
        f"WITH cand AS MATERIALIZED ({candidates}) "  # noqa: S608
        f"SELECT r.*, (SELECT count(*) FROM cand) AS candidates FROM ({ranked}) AS r"
        f"{outer_where} ORDER BY {order} LIMIT :limit"
    )
    return sql, params


def _older_matches_sql(
    query: SearchQuery, dialect: str, limit: int
) -> tuple[str, dict[str, object]]:
    """Tier 2 of relevance: the matches older than every candidate, newest first.

    After a tier 2 cursor that is simply "older than the cursor's row"; coming from the
    candidates it is "older than the oldest candidate" (recounted here).
    """
    params: dict[str, object] = {"limit": limit, "candidates": RELEVANCE_CANDIDATES}
    source, conditions = _matches(query, dialect, params)
    row_id = _row_id(dialect)
    after = query._after
    if after and after[0] == 1:
        bound = ":k2"
        params["k2"] = after[2]
    else:
        bound = (
            f"(SELECT min(id) FROM (SELECT {row_id} AS id FROM {source} WHERE {conditions}"  # noqa: S608
            f" ORDER BY {row_id} DESC LIMIT :candidates) AS cand)"
        )
    sql = (
        f"SELECT {_CARD_COLUMNS}, 0.0 AS score, NULL AS candidates FROM {source}"  # noqa: S608
        f" WHERE {conditions} AND {row_id} < {bound} ORDER BY {row_id} DESC LIMIT :limit"
    )
    return sql, params


def search_sql(
    query: SearchQuery, dialect: str, common: frozenset[str] = frozenset()
) -> tuple[str, dict[str, object]]:
    """The statement (with ``:name`` parameters) that fetches one page plus one row.

    ``common`` are the very common terms (SQLite, :func:`common_terms`). For relevance
    this is the statement of the cursor's tier; the service may add rows of the second
    tier when the first runs out. Public so that the benchmark can run exactly this SQL
    through the bare driver.
    """
    sort = query.effective_sort
    if sort == RELEVANCE:
        if query._after and query._after[0] == 1:
            return _older_matches_sql(query, dialect, query.limit + 1)
        return _relevance_sql(query, dialect, common)
    params: dict[str, object] = {"limit": query.limit + 1}
    if query.tokens:
        source, conditions = _matches(query, dialect, params)
        row_id = _row_id(dialect)
    else:
        where = ["l.state = 'active'"]  # literal: partial indexes need it word for word
        _filters(query, where, params)
        source, conditions, row_id = "listing AS l", " AND ".join(where), "l.id"

    # Sort key columns and the keyset condition "after the cursor's row".
    if sort == NEWEST:
        order, keyset = f"{row_id} DESC", f"{row_id} < :k0"
    elif sort == PRICE_ASC:
        order = "l.price_cents, l.id"
        keyset = "(l.price_cents, l.id) > (:k0, :k1)"
    else:
        order = "l.price_cents DESC, l.id DESC"
        keyset = "(l.price_cents, l.id) < (:k0, :k1)"
    # Only the fixed fragments above are formatted into the SQL; every value is a parameter.
    if query._after:
        conditions += f" AND {keyset}"
        params.update({f"k{i}": v for i, v in enumerate(query._after)})
    sql = f"SELECT {_CARD_COLUMNS} FROM {source} WHERE {conditions} ORDER BY {order} LIMIT :limit"  # noqa: S608
    return sql, params


# ---------------------------------------------------------------------- common words

_common_cache: dict[str, tuple[float, frozenset[str]]] = {}


def refresh_common_terms(session: Session) -> int:
    """Store the terms found in at least 1% of the searchable listings (SQLite).

    Counting a term's documents reads all its postings, so this is a batch job: run it
    after big imports (the bulk loader does) and now and then (daily is plenty: which
    words are very common hardly changes). Stale or missing counts only cost speed.
    Returns the number of terms stored; does nothing on PostgreSQL.
    """
    if session.get_bind().dialect.name != "sqlite":
        return 0
    conn = session.connection()
    total = conn.execute(text("SELECT count(*) FROM listing WHERE state = 'active'")).scalar()
    conn.execute(text("DELETE FROM listing_fts_terms"))
    conn.execute(
        text(
            "INSERT INTO listing_fts_terms (term, documents) SELECT '', :total"
            " UNION ALL SELECT term, doc FROM listing_fts_vocab WHERE doc >= :least"
        ),
        {"total": total, "least": max(1, math.ceil(total * _STORED_TERM_SHARE))},
    )
    _common_cache.clear()
    return conn.execute(text("SELECT count(*) - 1 FROM listing_fts_terms")).scalar()


def common_terms(session: Session) -> frozenset[str]:
    """The FTS5 terms in more than COMMON_TERM_SHARE of the listings (SQLite, cached)."""
    if session.get_bind().dialect.name != "sqlite":
        return frozenset()
    key = str(session.get_bind().url)
    cached = _common_cache.get(key)
    if cached and time.monotonic() - cached[0] < _COMMON_TERMS_TTL_S:
        return cached[1]
    rows = (
        session.connection().exec_driver_sql("SELECT term, documents FROM listing_fts_terms").all()
    )
    total = next((docs for term, docs in rows if term == ""), 0)
    terms = frozenset(t for t, docs in rows if t and docs > total * COMMON_TERM_SHARE)
    _common_cache[key] = (time.monotonic(), terms)
    return terms


# ---------------------------------------------------------------------- searching


@lru_cache(maxsize=8192)
def _money(cents: int, currency: str, locale: str | None) -> str:
    """format_money is slow next to a search page (Babel); prices repeat a lot."""
    return format_money(cents, currency, locale)


@lru_cache(maxsize=256)
def _pyformat(sql: str) -> str:
    """``:name`` parameters (sqlite3, SQLAlchemy) as psycopg's ``%(name)s``."""
    return re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", sql)


def _fetch(session: Session, dialect: str, sql: str, params: dict) -> list[tuple]:
    """Run ``sql`` on the session's connection, inside its transaction, via the driver.

    For a 24-row page SQLAlchemy's statement and row handling cost as much as the query
    itself (see bench/search.py), and psycopg can be told per statement never to prepare
    it: an unprepared statement is always planned for its actual values (a custom plan,
    what ``plan_cache_mode = force_custom_plan`` would force) at no extra round trip.
    """
    driver = session.connection().connection.driver_connection
    if dialect == "postgresql":
        with driver.cursor() as cur:
            cur.execute(_pyformat(sql), params, prepare=False)
            return cur.fetchall()
    cur = driver.execute(sql, params)
    try:
        return cur.fetchall()
    finally:
        cur.close()


def _card(row: tuple, locale: str | None) -> ListingCard:
    # Positions as in _CARD_COLUMNS. The values come typed from our own columns, so the
    # card is built without validation (SQLite gives 0/1 for booleans: converted here).
    id_, slug, title, cents, currency, cover_key, cover_alt, shop_name, state, mto, qty = row[:11]
    made_to_order = bool(mto)
    return ListingCard.model_construct(
        id=id_,
        url=listing_url(id_, slug),
        title=title,
        price=_money(cents, currency, locale),
        price_cents=cents,
        currency=currency,
        photo_url=photo_url(cover_key),
        photo_alt=cover_alt or title,
        shop_name=shop_name,
        state=state,
        made_to_order=made_to_order,
        in_stock=made_to_order or qty > 0,
    )


def _sort_key(sort: str, row: tuple, tier: int) -> tuple:
    if sort == RELEVANCE:
        return (tier, float(row[11]) if tier == 0 else 0.0, row[0])
    if sort == NEWEST:
        return (row[0],)
    return (row[3], row[0])


def search_listings(
    *, session: Session, query: SearchQuery, locale: str | None = None
) -> SearchPage:
    """One page of active listings matching ``query``, as cards.

    Args:
        session: any session (SQLite or PostgreSQL); nothing is written.
        query: what to find; its cursor says where the page starts.
        locale: formats the prices ('de_DE', 'en_US').

    Returns:
        The cards and, when there are more, the cursor of the next page.
    """
    dialect = session.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):
        raise NotImplementedError(f"search does not support {dialect}")
    sort = query.effective_sort
    sql, params = search_sql(query, dialect, common_terms(session))
    rows = _fetch(session, dialect, sql, params)
    tier = query._after[0] if sort == RELEVANCE and query._after else 0
    first_tier_rows = len(rows) if tier == 0 else 0
    if (
        sort == RELEVANCE
        and tier == 0
        and len(rows) <= query.limit
        and (rows[0][12] >= RELEVANCE_CANDIDATES if rows else bool(query._after))
    ):
        # The candidates ran out and there were as many as allowed: older matches follow.
        more_sql, more_params = _older_matches_sql(query, dialect, query.limit + 1 - len(rows))
        rows += _fetch(session, dialect, more_sql, more_params)
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    next_cursor = None
    if more:
        last_tier = 0 if tier == 0 and len(rows) <= first_tier_rows else 1
        next_cursor = _encode_cursor(sort, _sort_key(sort, rows[-1], last_tier))
    return SearchPage(items=[_card(r, locale) for r in rows], next_cursor=next_cursor)
