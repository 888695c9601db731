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
costs per matching listing (PostgreSQL visits each ~1.4 kB row for its vector, about
4 us each when it is not in shared buffers; SQLite's bm25 reads every posting of every
ranked word), and a broad search ("necklace" in Jewellery) matches 30,000+ listings,
which took 300+ ms. So relevance works in two tiers, both keyset-paginated:

1. up to ``RELEVANCE_CANDIDATES`` (500) matching listings, best first (ties newest
   first). Which ones, when more match: on SQLite the newest (FTS5 reads its index
   backwards and stops); on PostgreSQL the first the GIN index yields, i.e. storage
   order, which is arbitrary (ordering all matches would visit every one of them);
2. then, when more match, every other match, newest first.

(On PostgreSQL these statements run without parallel workers, so that "the first the
index yields" is the same set for every page.)

When fewer than 500 listings match (any search narrowed by words, category and price
usually), the order is plain relevance. The cursor of a relevance page is (tier, score,
id); rows that move between tiers while someone pages (PostgreSQL: an updated row may
move in storage) can be skipped or shown twice, as rows whose sort key changes can in
any keyset pagination.

On SQLite, words found in more than ``COMMON_TERM_SHARE`` of the listings ("handmade")
still have to match, but do not count for the ranking: bm25 scans every listing with a
ranked word to weigh it (60+ ms for "handmade"). See :func:`refresh_common_terms`.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
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
FOR_ME = "for_me"  # best rated for me: see _best_for
SORTS = (RELEVANCE, NEWEST, PRICE_ASC, PRICE_DESC, FOR_ME)
# "Best rated for me" ranks this many of the best matches (relevance, or newest).
FOR_ME_CANDIDATES = 240
IN_STOCK, MADE_TO_ORDER = "in_stock", "made_to_order"
AVAILABILITIES = (IN_STOCK, MADE_TO_ORDER)
MAX_WORDS_LENGTH = 100
DEFAULT_LIMIT = 24
MAX_LIMIT = 60
MAX_CURSOR_LENGTH = 200
# Relevance ranks at most this many matches, the newest; older ones follow newest first.
RELEVANCE_CANDIDATES = 500
# A word in more than this share of the listings is "very common". SQLite: it filters
# but does not rank (bm25 would read all its postings to weigh it). PostgreSQL: GIN is
# not given it; the rows it yields are checked for it instead. That costs a row visit
# (~5 us) per non-matching row, more than reading its postings (~35 ns per listing)
# saves unless most listings have the word, hence the higher share.
COMMON_TERM_SHARE = {"sqlite": 0.10, "postgresql": 0.50}
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
    FOR_ME: (int,),  # the offset in the ranked candidates
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
    if sort == RELEVANCE and key[0] not in (0, 1):  # the tier
        raise invalid
    return tuple(key)


# ---------------------------------------------------------------------- the SQL

# Top-level category of a category id (children are parent * 100 + n), written exactly as
# in the expression indexes of migration 0004 so that they are used.
_TOP_CATEGORY = "(CASE WHEN category_id >= 100 THEN category_id / 100 ELSE category_id END)"
_CARD_COLUMNS = (
    "l.id, l.slug, l.title, l.price_cents, l.currency, l.cover_key, l.cover_alt, "
    "l.shop_name, l.state, l.made_to_order, l.quantity, l.rating_count, l.rating_sum"
)
_SCORE, _CANDIDATES = 13, 14  # positions after the card columns (relevance queries)
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


def _fts_facets(query: SearchQuery) -> str:
    """The facet tokens of the category and price range, as an FTS5 query ('' for none)."""
    buckets = _price_buckets(query)
    prefix = f"zc{query.category_id}" if query.category_id is not None else "z"
    if buckets:
        facets = [f"{prefix}p{b}" for b in buckets]
    elif query.category_id is not None:
        facets = [prefix]
    else:
        return ""
    return "facets : (" + " OR ".join(f'"{t}"' for t in facets) + ")"


def _fts_match(query: SearchQuery) -> str:
    """An FTS5 query: every word (quoted) in a text column, and the facet tokens."""
    facets = _fts_facets(query)
    return _fts_words(query.tokens) + (f" AND {facets}" if facets else "")


# PostgreSQL: price bucket lexemes for a price range of at most this many buckets.
_PG_MAX_BUCKETS = 4


def _pg_facets(query: SearchQuery) -> str | None:
    """The facet lexemes of migration 0004 as a tsquery (they hold a space: quoted).

    GIN puts every listing it finds into a bitmap before any row is read (~0.2 us per
    listing and lexeme), so a wide price range (5+ buckets: prices a factor of 16+
    apart) is left to the row filter, which then rejects few rows.
    """
    buckets = _price_buckets(query)
    prefix = f"cat {query.category_id} " if query.category_id is not None else ""
    if buckets and len(buckets) <= _PG_MAX_BUCKETS:
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


def _matches(
    query: SearchQuery, dialect: str, params: dict[str, object], common: frozenset[str]
) -> tuple[str, str]:
    """FROM and WHERE of "active listings matching the words and filters".

    Selects the card columns of ``l``; the newest-first order is by ``_row_id``.
    """
    where = ["l.state = 'active'"]  # literal: partial indexes need it word for word
    if dialect == "postgresql":
        params["words"] = query.words
        rare = [t for t in query.tokens if not _is_common(t, common)]
        if len(rare) == len(query.tokens) or not _PLAIN_WORDS.fullmatch(query.words):
            where.append(f"l.search_vector @@ {_PG_QUERY}")
        else:
            # GIN reads the whole posting list of every word it is given (35 ns per
            # listing: 30 ms for "handmade"). It gets the rarer words (their matches
            # include all the real ones), and each row it yields is checked against all
            # the words: ts_match_vq is @@ as a function, which no index serves.
            if rare:
                where.append(f"l.search_vector @@ {_PG_QUERY.replace(':words', ':rare_words')}")
                params["rare_words"] = " ".join(rare)
            where.append(f"ts_match_vq(l.search_vector, {_PG_QUERY})")
        if facets := _pg_facets(query):
            # A constant tsquery of its own: the planner estimates it from the statistics.
            where.append("l.search_vector @@ CAST(:facets AS tsquery)")
            params["facets"] = facets
        source = "listing AS l"
        # The category lexemes are exact, so no row filter repeats them: a btree on the
        # category would tempt the planner into visiting the whole category (its
        # estimate for an expression is poor), where GIN finds the matches alone.
        _filters(dataclasses.replace(query, category_id=None, cursor=None), where, params)
    else:
        source = "listing_fts AS f JOIN listing AS l ON l.id = f.rowid"
        where.append("f.listing_fts MATCH :match")
        params["match"] = _fts_match(query)
        _filters(query, where, params)
    return source, " AND ".join(where)


# The words in English and German (a listing is indexed in its own language).
_PG_QUERY = "(websearch_to_tsquery('english', :words) || websearch_to_tsquery('german', :words))"
# Words without websearch syntax (quotes, "-" for not, "or"), so any of them can be left
# out of the index condition without changing what matches.
_PLAIN_WORDS = re.compile(r"(?i)(?!.*\bor\b)[^\W_]+(?:\s+[^\W_]+)*")


def _row_id(dialect: str) -> str:
    # On SQLite order by the FTS rowid (= listing id) so FTS5 reads its index backwards
    # and stops at the page size.
    return "f.rowid" if dialect == "sqlite" else "l.id"


def _relevance_sql(
    query: SearchQuery, dialect: str, common: frozenset[str]
) -> tuple[str, dict[str, object]]:
    """The first tier of relevance (see the module docstring): rank the candidates.

    Rows: the card columns, the score, and how many candidates there were.
    """
    params: dict[str, object] = {"limit": query.limit + 1, "candidates": RELEVANCE_CANDIDATES}
    source, conditions = _matches(query, dialect, params, common)
    after = query._after
    cards = _CARD_COLUMNS.replace("l.", "c.")
    if dialect == "postgresql":
        # The first matches the GIN index yields (no order: sorting them all would
        # visit every match). They keep their vector, so ranking visits no row again.
        candidates = _pg_candidates(source, conditions)
        # float8: a real would come back rounded in text and break the keyset equality.
        score = f"CAST(ts_rank(c.search_vector, {_PG_QUERY}) AS double precision)"
        ranked = f"SELECT {cards}, {score} AS score FROM cand AS c"  # noqa: S608
        # Higher ts_rank is better; ties newest first.
        order, keyset = "score DESC, id DESC", "(score, id) < (:k1, :k2)"
    else:
        candidates = _candidates_sql(query, source, conditions, dialect)
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
            if query.category_id is not None and _price_buckets(query):
                # Category-and-price tokens are rare enough that counting them for bm25
                # costs less than they save: FTS5 skips the word's postings outside
                # them. (In the zero-weight column: they don't change the score.)
                params["rank"] += f" AND {_fts_facets(query)}"
        else:  # only very common words: nothing to rank by, so newest first
            scores = "SELECT id, 0.0 AS score FROM cand"
        # Lower bm25 is better; ties newest first.
        order = "score, id DESC"
        keyset = "(score > :k1 OR (score = :k1 AND id < :k2))"
    outer_where = ""
    if after:
        outer_where = f" WHERE {keyset}"
        params.update(k1=after[1], k2=after[2])
    count = "(SELECT count(*) FROM cand) AS candidates"
    if dialect == "postgresql":
        sql = (
            f"WITH cand AS MATERIALIZED ({candidates}) "  # noqa: S608
            f"SELECT r.*, {count} FROM ({ranked}) AS r{outer_where} ORDER BY {order} LIMIT :limit"
        )
    else:
        # Page the scores first, then read the page's listings: not all the candidates'.
        page = f"SELECT * FROM ({scores}) AS s{outer_where} ORDER BY {order} LIMIT :limit"  # noqa: S608
        sql = (
            f"WITH cand AS MATERIALIZED ({candidates}) "  # noqa: S608
            f"SELECT {_CARD_COLUMNS}, r.score AS score, {count} FROM ({page}) AS r"
            " JOIN listing AS l ON l.id = r.id ORDER BY r.score, r.id DESC"
        )
    return sql, params


def _pg_candidates(source: str, conditions: str) -> str:
    """PostgreSQL's first tier: the first matches the scan yields (no ORDER BY: sorting
    them would visit every match). Both tiers use this exact text, so that they are
    planned alike and agree on which rows these are."""
    return (
        f"SELECT {_CARD_COLUMNS}, l.search_vector FROM {source} WHERE {conditions}"  # noqa: S608
        " LIMIT :candidates"
    )


def _candidates_sql(query: SearchQuery, source: str, conditions: str, dialect: str) -> str:
    """The ids of the relevance candidates (first tier), as :func:`_relevance_sql` has them."""
    if dialect == "postgresql":
        return f"SELECT l.id FROM {source} WHERE {conditions} LIMIT :candidates"  # noqa: S608
    if (
        query.min_price_cents is None
        and query.max_price_cents is None
        and not (query.country or query.availability)
    ):
        # FTS5 holds active listings only and its category tokens are exact: nothing
        # left to check on the listing row, which would cost a read per candidate.
        source, conditions = "listing_fts AS f", "f.listing_fts MATCH :match"
    return (
        f"SELECT f.rowid AS id FROM {source} WHERE {conditions}"  # noqa: S608
        " ORDER BY f.rowid DESC LIMIT :candidates"
    )


def _older_matches_sql(
    query: SearchQuery, dialect: str, limit: int, common: frozenset[str]
) -> tuple[str, dict[str, object]]:
    """The second tier of relevance: the matches that are not candidates, newest first."""
    params: dict[str, object] = {"limit": limit, "candidates": RELEVANCE_CANDIDATES}
    source, conditions = _matches(query, dialect, params, common)
    row_id = _row_id(dialect)
    after = query._after
    where = [conditions]
    if after and after[0] == 1:
        where.append(f"{row_id} < :k2")
        params["k2"] = after[2]
    candidates = _candidates_sql(query, source, conditions, dialect)
    if dialect == "postgresql":
        # Candidates are whichever rows the first tier's scan yielded first: leave them
        # out by id, selected by the very same statement (a statement selecting only
        # the id may be planned as another scan, which yields other rows first).
        where.append("l.id NOT IN (SELECT id FROM cand)")
    elif not (after and after[0] == 1):
        # Candidates are the newest matches: the rest is older than the oldest of them.
        where.append(f"f.rowid < (SELECT min(id) FROM ({candidates}) AS cand)")  # noqa: S608
    sql = (
        f"SELECT {_CARD_COLUMNS}, 0.0 AS score, NULL AS candidates FROM {source}"  # noqa: S608
        f" WHERE {' AND '.join(where)} ORDER BY {row_id} DESC LIMIT :limit"
    )
    if dialect == "postgresql":
        sql = f"WITH cand AS MATERIALIZED ({_pg_candidates(source, conditions)}) {sql}"
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
            return _older_matches_sql(query, dialect, query.limit + 1, common)
        return _relevance_sql(query, dialect, common)
    params: dict[str, object] = {"limit": query.limit + 1}
    if query.tokens:
        source, conditions = _matches(query, dialect, params, common)
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
    """The terms in more than COMMON_TERM_SHARE of the listings (cached a few minutes).

    SQLite: FTS5 terms from ``listing_fts_terms``. PostgreSQL: lexemes from the
    statistics ANALYZE (autovacuum) keeps of ``listing.search_vector``.
    """
    bind = session.get_bind()
    key = str(bind.engine.url)
    cached = _common_cache.get(key)
    if cached and time.monotonic() - cached[0] < _COMMON_TERMS_TTL_S:
        return cached[1]
    conn = session.connection()
    if bind.dialect.name == "postgresql":
        # The element frequencies are shares of the rows already (3 extra at the end).
        rows = conn.execute(
            text(
                "SELECT e.term FROM pg_stats AS s, unnest("
                " CAST(CAST(s.most_common_elems AS text) AS text[]), s.most_common_elem_freqs"
                ") AS e(term, share) WHERE s.schemaname = current_schema()"
                " AND s.tablename = 'listing' AND s.attname = 'search_vector' AND e.share > :share"
            ),
            {"share": COMMON_TERM_SHARE["postgresql"]},
        ).all()
        terms = frozenset(t for (t,) in rows if t)
    else:
        rows = conn.execute(text("SELECT term, documents FROM listing_fts_terms")).all()
        total = next((docs for term, docs in rows if term == ""), 0)
        share = COMMON_TERM_SHARE["sqlite"]
        terms = frozenset(t for t, docs in rows if t and docs > total * share)
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
            if "candidates" in params:
                # The relevance candidates are "the first the index yields" (LIMIT with
                # no ORDER BY): the same rows for every page only if the scan is not
                # parallel, whose workers return rows in a different order each run.
                cur.execute("SET LOCAL max_parallel_workers_per_gather = 0", prepare=False)
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
    rating_count, rating_sum = row[11] or 0, row[12] or 0
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
        rating_avg=round(rating_sum / rating_count, 1) if rating_count else 0.0,
        rating_count=rating_count,
        network_kind="",
        network_name="",
        network_others=0,
    )


def _sort_key(sort: str, row: tuple, tier: int) -> tuple:
    if sort == RELEVANCE:
        return (tier, float(row[_SCORE]) if tier == 0 else 0.0, row[0])
    if sort == NEWEST:
        return (row[0],)
    return (row[3], row[0])


def search_listings(
    *,
    session: Session,
    query: SearchQuery,
    locale: str | None = None,
    viewer_id: int | None = None,
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
    common = common_terms(session)
    if sort == FOR_ME:
        return _best_for(session, query, dialect, common, locale, viewer_id)
    sql, params = search_sql(query, dialect, common)
    rows = _fetch(session, dialect, sql, params)
    tier = query._after[0] if sort == RELEVANCE and query._after else 0
    first_tier_rows = len(rows) if tier == 0 else 0
    if (
        sort == RELEVANCE
        and tier == 0
        and len(rows) <= query.limit
        and (rows[0][_CANDIDATES] >= RELEVANCE_CANDIDATES if rows else bool(query._after))
    ):
        # The candidates ran out and there were as many as allowed: older matches follow.
        more_sql, more_params = _older_matches_sql(
            query, dialect, query.limit + 1 - len(rows), common
        )
        rows += _fetch(session, dialect, more_sql, more_params)
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    next_cursor = None
    if more:
        last_tier = 0 if tier == 0 and len(rows) <= first_tier_rows else 1
        next_cursor = _encode_cursor(sort, _sort_key(sort, rows[-1], last_tier))
    return SearchPage(items=[_card(r, locale) for r in rows], next_cursor=next_cursor)


def _best_for(
    session: Session,
    query: SearchQuery,
    dialect: str,
    common: frozenset[str],
    locale: str | None,
    viewer_id: int | None,
) -> SearchPage:
    """ "Best rated for me": the best FOR_ME_CANDIDATES matches (by relevance with words,
    else the newest) ranked by everyone's rating blended with the rating of the people
    the viewer follows, as much as their trust setting says; a page is a slice of that
    ranking (the cursor is the offset). Two queries besides the candidates'."""
    from social_market.models import User
    from social_market.services import trust

    base = dataclasses.replace(query, sort=RELEVANCE, cursor=None)
    object.__setattr__(base, "limit", FOR_ME_CANDIDATES)
    sql, params = search_sql(base, dialect, common)
    rows = _fetch(session, dialect, sql, params)[:FOR_ME_CANDIDATES]
    user = session.get(User, viewer_id) if viewer_id is not None else None
    weight = user.trust_weight if user is not None else 0
    network = trust.network_ratings(session, viewer_id, [r[0] for r in rows])
    ranked = sorted(
        rows,
        key=lambda r: (-trust.score_for(r[11] or 0, r[12] or 0, network.get(r[0]), weight), -r[0]),
    )
    start = max(0, query._after[0]) if query._after else 0
    page = ranked[start : start + query.limit]
    more = start + query.limit < len(ranked)
    return SearchPage(
        items=[_card(r, locale) for r in page],
        next_cursor=_encode_cursor(FOR_ME, (start + query.limit,)) if more else None,
    )
