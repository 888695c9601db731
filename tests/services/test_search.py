"""Listing search on SQLite (FTS5) and PostgreSQL (tsvector): words, filters, sorts, pages."""

from __future__ import annotations

import base64
import dataclasses
import json

import pytest

from social_market.services import search
from social_market.services.errors import InvalidInput
from social_market.services.search import SearchQuery, parse_search_params, to_params
from tests.factories import make_listing, make_shop


def find(db, **query) -> list[int]:
    """Ids of every matching listing, walking all pages."""
    ids: list[int] = []
    q = SearchQuery(**query)
    for _ in range(100):
        page = search.search_listings(session=db, query=q)
        ids += [c.id for c in page.items]
        if page.next_cursor is None:
            return ids
        q = SearchQuery(**{**query, "cursor": page.next_cursor})
    raise AssertionError("more than 100 pages")


def fillers(db, n: int = 6) -> None:
    """Unrelated listings, so that words in the tests are rare (as bm25 expects)."""
    for i in range(n):
        make_listing(
            db,
            title=f"Plain object {i}",
            description="Nothing to see.",
            tags="misc",
            price_cents=777,
        )


def is_postgresql(db) -> bool:
    return db.get_bind().dialect.name == "postgresql"


# ---------------------------------------------------------------------- words


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "Speckled porcelain teacup"),
        ("tags", "teatime,porcelain"),
        ("materials", "porcelain,glaze"),
        ("description", "Thrown by hand from porcelain and fired twice."),
    ],
)
def test_words_match_in_title_tags_materials_and_description(db, field, value):
    fillers(db)
    wanted = make_listing(db, **{field: value})
    assert find(db, words="porcelain") == [wanted.id]


def test_words_match_the_shop_name(db):
    fillers(db)
    shop = make_shop(db, name="Rabbit Hollow Pottery")
    wanted = make_listing(db, shop=shop)
    assert find(db, words="hollow") == [wanted.id]


def test_matching_ignores_case(db):
    fillers(db)
    wanted = make_listing(db, title="CAFÉ Mug in Blue")
    assert find(db, words="café mug") == [wanted.id]
    assert find(db, words="Café MUG") == [wanted.id]


def test_matching_ignores_accents_on_sqlite(db):
    if is_postgresql(db):
        pytest.skip("PostgreSQL's english/german configurations keep accents")
    fillers(db)
    wanted = make_listing(db, title="CAFÉ Mug in Blue")
    assert find(db, words="cafe") == [wanted.id]


def test_every_word_must_match(db):
    fillers(db)
    both = make_listing(db, title="Silver ring with moonstone")
    make_listing(db, title="Silver necklace")
    assert find(db, words="silver moonstone") == [both.id]


@pytest.mark.parametrize(("indexed", "searched"), [("rings", "ring"), ("ring", "rings")])
def test_english_plural_and_singular_find_each_other(db, indexed, searched):
    fillers(db)
    wanted = make_listing(db, title=f"Hammered silver {indexed}")
    assert find(db, words=searched) == [wanted.id]


@pytest.mark.parametrize(("indexed", "searched"), [("Ketten", "Kette"), ("Kette", "Ketten")])
def test_german_word_forms_find_each_other_on_postgresql(db, indexed, searched):
    if not is_postgresql(db):
        pytest.skip("SQLite's FTS5 stems English only")
    fillers(db)
    wanted = make_listing(db, title=f"Handgemachte {indexed} aus Silber", language="de")
    assert find(db, words=searched) == [wanted.id]


def test_only_active_listings_are_found(db):
    fillers(db)
    active = make_listing(db, title="Oak spoon")
    for state in ("draft", "paused", "sold_out", "deleted"):
        make_listing(db, title="Oak spoon", state=state)
    assert find(db, words="spoon") == [active.id]
    assert set(find(db, category_id=101)) == set(find(db)) and active.id in find(db)
    assert len(find(db)) == 7


def test_edits_and_state_changes_are_searchable_at_once(db):
    fillers(db)
    item = make_listing(db, title="Walnut bowl")
    item.title = "Cherry bowl"
    db.add(item)
    db.flush()
    assert find(db, words="walnut") == []
    assert find(db, words="cherry") == [item.id]
    item.state = "paused"
    db.add(item)
    db.flush()
    assert find(db, words="cherry") == []
    item.state = "active"
    item.price_cents = 9900
    db.add(item)
    db.flush()
    assert find(db, words="cherry", min_price_cents=9000) == [item.id]
    db.delete(item)
    db.flush()
    assert find(db, words="cherry") == []


def test_blank_words_mean_no_text_filter(db):
    fillers(db, 3)
    assert len(find(db, words="   ")) == 3
    assert len(find(db, words='"*')) == 3


# ---------------------------------------------------------------------- filters


def test_a_category_filter_includes_its_subcategories(db):
    ring = make_listing(db, title="Gold ring", category_id=103)
    necklace = make_listing(db, title="Gold necklace", category_id=101)
    scarf = make_listing(db, title="Gold scarf", category_id=204)
    assert find(db, category_id=103) == [ring.id]
    assert set(find(db, category_id=1)) == {ring.id, necklace.id}
    assert set(find(db, category_id=1, words="gold")) == {ring.id, necklace.id}
    assert find(db, category_id=2, words="gold") == [scarf.id]
    assert find(db, category_id=103, words="scarf") == []


def test_price_bounds_are_inclusive(db):
    fillers(db)
    cheap = make_listing(db, title="Clay bead", price_cents=500)
    middle = make_listing(db, title="Clay bowl", price_cents=2500)
    dear = make_listing(db, title="Clay vase", price_cents=12000)
    assert set(find(db, words="clay", min_price_cents=500, max_price_cents=2500)) == {
        cheap.id,
        middle.id,
    }
    assert find(db, words="clay", min_price_cents=2501) == [dear.id]
    assert find(db, min_price_cents=2000, max_price_cents=3000) == [middle.id]
    assert find(db, words="clay", max_price_cents=499) == []
    assert find(db, words="clay", category_id=101, min_price_cents=100, max_price_cents=600) == [
        cheap.id
    ]


def test_country_filter_is_the_shops_country(db):
    german = make_listing(db, shop=make_shop(db, country="DE"), title="Linen towel")
    french = make_listing(db, shop=make_shop(db, country="FR"), title="Linen towel")
    assert find(db, country="FR") == [french.id]
    assert find(db, words="towel", country="de") == [german.id]


def test_availability_filter_separates_stock_from_made_to_order(db):
    ready = make_listing(db, title="Knitted hat", quantity=3)
    custom = make_listing(db, title="Knitted hat", quantity=0, made_to_order=True)
    assert find(db, availability="in_stock") == [ready.id]
    assert find(db, words="hat", availability="made_to_order") == [custom.id]


# ---------------------------------------------------------------------- sorts and pages


def test_newest_first_is_the_default_without_words(db):
    ids = [make_listing(db, title=f"Card {i}").id for i in range(5)]
    assert find(db) == ids[::-1]
    assert find(db, sort="newest", words="card") == ids[::-1]


def test_price_sorts_break_ties_by_id(db):
    prices = [3000, 1000, 2000, 1000, 3000]
    ids = [make_listing(db, title="Print", price_cents=p).id for p in prices]
    by_price = sorted(zip(prices, ids, strict=True))
    assert find(db, sort="price_asc") == [i for _, i in by_price]
    assert find(db, sort="price_desc", words="print") == [i for _, i in reversed(by_price)]


def test_relevance_puts_title_matches_before_description_matches(db):
    fillers(db)
    in_description = make_listing(db, title="Small bowl", description="Glazed in indigo blue.")
    in_title = make_listing(db, title="Indigo bowl", description="Small and sturdy.")
    assert find(db, words="indigo") == [in_title.id, in_description.id]


@pytest.mark.parametrize("sort", ["relevance", "newest", "price_asc", "price_desc"])
@pytest.mark.parametrize("words", ["", "lantern"])
def test_pages_cover_every_row_once_even_with_ties(db, sort, words):
    fillers(db)
    # Identical titles give identical relevance; prices repeat too.
    expected = {
        make_listing(db, title="Paper lantern", price_cents=1000 + 500 * (i % 3)).id
        for i in range(11)
    }
    if not words:
        expected |= set(find(db, limit=60))
    one_page = find(db, words=words, sort=sort, limit=60)
    paged = find(db, words=words, sort=sort, limit=3)
    assert paged == one_page
    assert len(paged) == len(set(paged)) and set(paged) == expected


@pytest.mark.parametrize("limit", [1, 2, 3, 60])
def test_relevance_ranks_a_bounded_set_then_lists_older_matches(db, monkeypatch, limit):
    """Past RELEVANCE_CANDIDATES matches, the rest follows newest first, each once."""
    monkeypatch.setattr(search, "RELEVANCE_CANDIDATES", 3)
    fillers(db)
    ids = []
    for i in range(8):
        # Alternate a title match (ranks high) and a description match (ranks low).
        title, description = ("Lantern", "Plain.") if i % 2 else ("Plain", "A lantern.")
        ids.append(make_listing(db, title=f"{title} {i}", description=description).id)
    found = find(db, words="lantern", limit=limit)
    assert sorted(found) == sorted(ids)
    candidates, rest = found[:3], found[3:]
    assert rest == sorted(rest, reverse=True)  # the second tier: newest first
    if not is_postgresql(db):  # SQLite ranks the newest matches
        assert set(candidates) == set(ids[-3:])
        assert candidates == [ids[7], ids[5], ids[6]]  # title matches first, then newest


def test_very_common_words_filter_but_do_not_rank_on_sqlite(db, monkeypatch):
    if is_postgresql(db):
        assert search.refresh_common_terms(db) == 0  # nothing to do: ts_rank has no idf
        pytest.skip("only SQLite's bm25 pays for very common words")
    monkeypatch.setattr(search, "_common_cache", {})
    fillers(db, 24)  # so that "indigo", in 3 of 33 listings, is not very common
    plain = [make_listing(db, title=f"Handmade cup {i}").id for i in range(6)]
    indigo_in_title = make_listing(db, title="Handmade indigo cup").id
    indigo_in_text = make_listing(db, title="Handmade cup", description="Glazed indigo.").id
    not_handmade = make_listing(db, title="Indigo cup").id
    assert search.refresh_common_terms(db) > 0
    assert {"handmad", "cup"} <= search.common_terms(db)  # in 8 and 9 of 33 listings
    assert "indigo" not in search.common_terms(db)
    # Every word must still match; only "indigo" ranks.
    assert find(db, words="handmade indigo") == [indigo_in_title, indigo_in_text]
    found = find(db, words="indigo cup")
    assert set(found[:2]) == {indigo_in_title, not_handmade} and found[2:] == [indigo_in_text]
    # Nothing left to rank by: newest first, every match once across pages.
    everything = [*plain, indigo_in_title, indigo_in_text]
    assert find(db, words="handmade", limit=3) == everything[::-1]
    assert find(db, words="handmade cups", limit=5) == everything[::-1]


@pytest.mark.parametrize("words", ["handmade cup", "handmade", "cup -handmade", "handmade or cup"])
def test_very_common_words_find_what_they_found_before(db, monkeypatch, words):
    """Left out of the index condition (PostgreSQL) or the ranking (SQLite) only."""
    fillers(db)
    make_listing(db, title="Handmade cup")
    make_listing(db, title="Handmade bowl")
    make_listing(db, title="Cup", description="Made by a machine.")
    before = set(find(db, words=words))
    monkeypatch.setattr(search, "common_terms", lambda session: frozenset({"handmad"}))
    assert set(find(db, words=words)) == before
    assert before or words == "handmade or cup"  # SQLite treats "or" as a word


def test_common_terms_are_guessed_from_stems():
    common = frozenset({"handmad", "silver", "glaze", "a"})
    assert search._is_common("Handmade", common)
    assert search._is_common("silver", common)
    assert search._is_common("glazed", common)
    assert not search._is_common("ab", common)  # stems shorter than 3 only exactly
    assert not search._is_common("silverware", common)
    assert not search._is_common("hand", common)


def test_cards_carry_what_grids_show(db):
    item = make_listing(
        db, title="Blue mug", slug="blue-mug", price_cents=2450, cover_key="abc", cover_alt=""
    )
    page = search.search_listings(session=db, query=SearchQuery(words="mug"), locale="de_DE")
    card = page.items[0]
    assert card.url == f"/listing/{item.id}-blue-mug"
    assert card.price == "24,50\xa0€"
    assert card.photo_url == "listings/abc_400.webp"
    assert card.photo_alt == "Blue mug"
    assert card.in_stock and not card.made_to_order and card.state == "active"
    assert page.next_cursor is None


# ---------------------------------------------------------------------- hostile input


@pytest.mark.parametrize(
    "words",
    [
        '"',
        '"unterminated',
        "*",
        "pot*",
        "NEAR(a b)",
        "NEAR(",
        "-",
        "-pot",
        "pot OR bowl",
        "pot AND NOT bowl",
        "title:pot",
        "{title}: pot",
        "^pot",
        "'; DROP TABLE listing; --",
        "pot' OR '1'='1",
        "zc101 zp10",
        "\x00pot",
        "((((",
        "<->",
        "!!",
        ":k0",
    ],
)
def test_hostile_words_are_treated_as_plain_text(db, words):
    fillers(db, 2)
    pot = make_listing(db, title="Stoneware pot")
    found = find(db, words=words)
    assert set(found) <= {pot.id} | set(find(db))
    assert find(db, words="pot") == [pot.id]


def test_words_are_limited_to_100_characters(db):
    with pytest.raises(InvalidInput) as caught:
        SearchQuery(words="pot " * 2500)
    assert caught.value.field == "q"
    with pytest.raises(InvalidInput):
        parse_search_params({"q": "x" * 10_000})
    assert find(db, words="x" * 100) == []


def test_an_unknown_sort_is_refused(db):
    with pytest.raises(InvalidInput) as caught:
        parse_search_params({"sort": "price; DROP TABLE listing"})
    assert caught.value.field == "sort"


def _cursor(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor!",
        "%%%",
        "x" * 5000,
        _cursor(["newest", "1; DROP TABLE listing"]),
        _cursor(["newest", 1.5]),
        _cursor(["newest", True]),
        _cursor(["newest"]),
        _cursor(["price_asc", 100, 1]),  # another sort's cursor
        _cursor({"sort": "newest"}),
        _cursor(["newest", 10**30]),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_a_tampered_cursor_is_refused_not_crashed_on(db, cursor):
    with pytest.raises(InvalidInput) as caught:
        search.search_listings(session=db, query=SearchQuery(sort="newest", cursor=cursor))
    assert caught.value.field == "after"
    with pytest.raises(InvalidInput):
        parse_search_params({"sort": "newest", "after": cursor})


def test_a_relevance_cursor_with_a_nan_score_is_refused(db):
    with pytest.raises(InvalidInput):
        SearchQuery(words="pot", cursor=_cursor(["relevance", 0, "NaN", 1]))
    with pytest.raises(InvalidInput):
        SearchQuery(words="pot", cursor=_cursor(["relevance", 0, None, 1]))
    with pytest.raises(InvalidInput):  # the old shape, without the tier
        SearchQuery(words="pot", cursor=_cursor(["relevance", 0.5, 1]))
    with pytest.raises(InvalidInput):  # tiers are 0 and 1
        SearchQuery(words="pot", cursor=_cursor(["relevance", 2, 0.5, 1]))


# ---------------------------------------------------------------------- URL parameters


def test_params_parse_prices_in_euros_with_point_or_comma():
    query = parse_search_params(
        {"q": "  blue   mug ", "min": "12,50", "max": "40", "category": "ceramics"}
    )
    assert query.words == "blue mug"
    assert (query.min_price_cents, query.max_price_cents) == (1250, 4000)
    assert query.category_id == 301
    assert parse_search_params({"category": "3"}).category_id == 3


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"min": "30", "max": "20"}, "max"),
        ({"min": "-5"}, "min"),
        ({"max": "ten"}, "max"),
        ({"category": "spaceships"}, "category"),
        ({"category": "999"}, "category"),
        ({"country": "Atlantis"}, "country"),
        ({"availability": "soon"}, "availability"),
        ({"sort": "cheapest"}, "sort"),
        ({"after": "garbage"}, "after"),
    ],
)
def test_invalid_params_name_the_field(params, field):
    with pytest.raises(InvalidInput) as caught:
        parse_search_params(params)
    assert caught.value.field == field
    assert caught.value.message


def test_empty_and_unknown_params_mean_no_filter():
    query = parse_search_params({"q": "", "min": "", "category": "", "utm_source": "x"})
    assert query == SearchQuery()
    assert to_params(query) == {}


def test_params_round_trip(db):
    make_listing(db, title="Teal scarf", price_cents=1500, category_id=204)
    make_listing(db, title="Teal scarf", price_cents=1500, category_id=204)
    first = SearchQuery(
        words="teal scarf",
        category_id=2,
        min_price_cents=1050,
        max_price_cents=9999,
        country="DE",
        availability="in_stock",
        sort="price_desc",
        limit=1,
    )
    cursor = search.search_listings(session=db, query=first).next_cursor
    assert cursor
    query = dataclasses.replace(first, cursor=cursor, limit=24)
    params = to_params(query)
    assert params == {
        "q": "teal scarf",
        "category": "clothing",
        "min": "10.50",
        "max": "99.99",
        "country": "DE",
        "availability": "in_stock",
        "sort": "price_desc",
        "after": cursor,
    }
    assert parse_search_params(params) == query
