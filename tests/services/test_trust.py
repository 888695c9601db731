"""Your network's verdict and the "someone you follow loved this" badges: who counts,
and that privacy settings and blocks never leak through them."""

from __future__ import annotations

import pytest

from social_market.models import Order, User, utcnow
from social_market.services import (
    blocks,
    favourites,
    follows,
    orders,
    privacy,
    reviews,
    shares,
    trust,
)
from social_market.services.errors import InvalidInput
from tests.factories import buy, make_user, open_shop_for, publish_listing


def _review(db, maker, buyer, listing, stars: int):
    line = buy(db, buyer, listing)
    order = db.get(Order, line.order_id)
    orders.confirm_payment(session=db, owner_id=maker.id, reference=order.reference)
    orders.mark_shipped(session=db, owner_id=maker.id, reference=order.reference)
    orders.mark_delivered(session=db, actor_id=buyer.id, reference=order.reference)
    return reviews.write_review(session=db, actor_id=buyer.id, line_id=line.id, rating=stars)


def _follow(db, who, whom):
    follows.follow(session=db, actor_id=who.id, handle=whom.handle)


@pytest.fixture
def shop(db):
    maker = make_user(db)
    open_shop_for(db, maker)
    return maker, publish_listing(db, maker, title="Linen apron", quantity="40")


def test_people_i_follow_are_named_with_their_stars_beside_everyone(db, shop):
    maker, listing = shop
    me, anna, ben, stranger = (make_user(db, display_name=n) for n in ("Me", "Anna", "Ben", "X"))
    _follow(db, me, anna)
    _follow(db, me, ben)
    _review(db, maker, anna, listing, 5)
    _review(db, maker, ben, listing, 4)
    _review(db, maker, stranger, listing, 1)
    v = trust.verdict(session=db, viewer_id=me.id, listing_id=listing.id)
    assert (v.overall_count, v.overall_avg) == (3, 3.3)
    assert (v.network_count, v.network_avg) == (2, 4.5)
    assert sorted((p.name, p.stars) for p in v.people) == [("Anna", 5), ("Ben", 4)]
    # Signed out: everyone's verdict only. The shop page sums all its listings.
    assert trust.verdict(session=db, viewer_id=None, listing_id=listing.id).people == []
    assert trust.verdict(session=db, viewer_id=me.id, shop_id=listing.shop_id).network_count == 2


def test_one_step_further_counts_only_visible_follows_and_at_least_three_people(db, shop):
    maker, listing = shop
    me, anna, shy = make_user(db), make_user(db), make_user(db)
    _follow(db, me, anna)
    _follow(db, me, shy)
    privacy.save_settings(
        session=db,
        actor_id=shy.id,
        form={
            "follows": "me",  # nobody may see whom shy follows
            "favourites": "followers",
            "activity": "followers",
            "messages_from": "everyone",
            "share_default": "nobody",
            "discoverable": True,
        },
    )
    far = [make_user(db) for _ in range(4)]
    for person in far[:2]:
        _follow(db, anna, person)
    _follow(db, shy, far[2])
    _follow(db, shy, far[3])
    for person, stars in zip(far, (5, 4, 1, 1), strict=True):
        _review(db, maker, person, listing, stars)
    # Two reachable through anna (shy's follows are private): under the threshold.
    v = trust.verdict(session=db, viewer_id=me.id, listing_id=listing.id)
    assert (v.wider_count, v.wider_avg) == (0, 0.0)
    third = make_user(db)
    _follow(db, anna, third)
    _review(db, maker, third, listing, 3)
    v = trust.verdict(session=db, viewer_id=me.id, listing_id=listing.id)
    assert (v.wider_count, v.wider_avg) == (3, 4.0)
    assert v.network_count == 0 and v.overall_count == 5


def test_a_review_by_someone_blocked_either_way_or_suspended_never_counts(db, shop):
    maker, listing = shop
    me, anna, rude, gone = make_user(db), make_user(db), make_user(db), make_user(db)
    for person in (anna, rude, gone):
        _follow(db, me, person)
    extra = [make_user(db) for _ in range(3)]
    for person in extra:
        _follow(db, anna, person)
        _review(db, maker, person, listing, 2)
    _review(db, maker, anna, listing, 5)
    _review(db, maker, rude, listing, 1)
    _review(db, maker, gone, listing, 1)
    blocks.block(session=db, actor_id=rude.id, handle=me.handle)  # they block me
    blocks.block(session=db, actor_id=me.id, handle=extra[0].handle)  # I block one of them
    gone.suspended_at = utcnow()
    db.add(gone)
    db.flush()
    v = trust.verdict(session=db, viewer_id=me.id, listing_id=listing.id)
    assert [p.handle for p in v.people] == [anna.handle]
    assert v.wider_count == 0  # two left out of three: under the threshold
    _follow(db, anna, rude)  # still blocked: not counted one step further either
    assert trust.verdict(session=db, viewer_id=me.id, listing_id=listing.id).wider_count == 0


def test_badges_show_only_what_followed_people_let_me_see(db, shop):
    maker, listing = shop
    other = publish_listing(db, maker, title="Linen napkins", quantity="9")
    third = publish_listing(db, maker, title="Linen towel", quantity="9")
    me, anna, shy = (
        make_user(db, display_name="Anna me"),
        make_user(db, display_name="Anna"),
        make_user(db),
    )
    _follow(db, me, anna)
    _follow(db, me, shy)
    shy.privacy_favourites = 0  # only me
    db.add(shy)
    db.flush()
    favourites.set_listing_favourite(session=db, user_id=shy.id, listing_id=other.id, on=True)
    favourites.set_listing_favourite(session=db, user_id=anna.id, listing_id=other.id, on=True)
    bought = buy(db, anna, third)
    unshared = buy(db, shy, listing)
    found = trust.badges(db, me.id, [listing.id, other.id, third.id])
    assert found == {other.id: ("favourited", "Anna", 0)}  # shy's favourite is private
    shares.share_purchase(session=db, actor_id=anna.id, line_id=bought.id, audience="followers")
    found = trust.badges(db, me.id, [listing.id, other.id, third.id])
    assert found[third.id] == ("bought", "Anna", 0)
    assert listing.id not in found  # a purchase nobody shared stays private
    assert unshared.listing_id == listing.id
    cards = trust.with_badges(db, me.id, [])
    assert cards == []
    assert trust.badges(db, None, [listing.id]) == {}
    assert db.get(User, me.id) is not None


def test_best_rated_for_me_follows_the_trust_setting(db, shop):
    from social_market.services import search

    maker, loved = shop
    crowd_pick = publish_listing(db, maker, title="Linen throw", quantity="40")
    me, anna = make_user(db), make_user(db)
    _follow(db, me, anna)
    _review(db, maker, anna, loved, 5)
    crowd = [make_user(db) for _ in range(6)]
    for person in crowd:
        _review(db, maker, person, crowd_pick, 5)
        _review(db, maker, person, loved, 2)

    def order(trust_level: str) -> list[int]:
        settings = privacy.get_settings(session=db, actor_id=me.id).model_dump()
        privacy.save_settings(session=db, actor_id=me.id, form={**settings, "trust": trust_level})
        query = search.parse_search_params({"q": "linen", "sort": "for_me"})
        page = search.search_listings(session=db, query=query, viewer_id=me.id)
        return [c.id for c in page.items]

    assert order("0") == [crowd_pick.id, loved.id]  # everyone's rating alone
    assert order("100") == [loved.id, crowd_pick.id]  # only people I follow
    with pytest.raises(InvalidInput):
        privacy.save_settings(
            session=db,
            actor_id=me.id,
            form={**privacy.get_settings(session=db, actor_id=me.id).model_dump(), "trust": "7"},
        )
    # Paged by offset, signed out too (everyone's rating).
    first = search.search_listings(
        session=db, query=search.SearchQuery(words="linen", sort="for_me", limit=1)
    )
    assert len(first.items) == 1 and first.next_cursor
    second = search.search_listings(
        session=db,
        query=search.SearchQuery(words="linen", sort="for_me", limit=1, cursor=first.next_cursor),
    )
    assert second.items[0].id != first.items[0].id


def test_someone_who_keeps_their_activity_private_is_never_pointed_out(db, shop):
    maker, listing = shop
    me, private_friend, open_friend = make_user(db), make_user(db), make_user(db)
    _follow(db, me, private_friend)
    _follow(db, me, open_friend)
    private_friend.privacy_activity = 0  # only me
    db.add(private_friend)
    db.flush()
    _review(db, maker, private_friend, listing, 1)
    _review(db, maker, open_friend, listing, 5)
    v = trust.verdict(session=db, viewer_id=me.id, listing_id=listing.id)
    assert [p.handle for p in v.people] == [open_friend.handle]
    assert v.overall_count == 2  # the review itself stays public
    assert trust.badges(db, me.id, [listing.id])[listing.id] == (
        "reviewed",
        open_friend.display_name or open_friend.handle,
        0,
    )
    assert trust.network_ratings(db, me.id, [listing.id]) == {listing.id: (5.0, 1)}
