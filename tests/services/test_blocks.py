"""Blocking: ends follows both ways, stops new follows and purchases, stays private."""

from __future__ import annotations

import pytest

from social_market.models import CartItem
from social_market.services import blocks, cart, checkout, follows
from social_market.services.errors import InvalidInput, NotAllowed, NotFound
from tests.factories import make_listing, make_shop, make_user

ADDRESS = {"name": "B", "line1": "Weg 1", "postcode": "10115", "city": "Berlin", "country": "DE"}


def test_blocking_ends_follows_both_ways_and_fixes_counts(db):
    me, pest = make_user(db), make_user(db)
    follows.follow(session=db, actor_id=me.id, handle=pest.handle)
    follows.follow(session=db, actor_id=pest.id, handle=me.handle)
    blocks.block(session=db, actor_id=me.id, handle=pest.handle)
    blocks.block(session=db, actor_id=me.id, handle=pest.handle)  # idempotent
    for user in (me, pest):
        db.refresh(user)
        assert (user.follower_count, user.following_count) == (0, 0)
    assert not follows.is_following(session=db, actor_id=pest.id, user_id=me.id)
    assert [p.id for p in blocks.blocked_people(session=db, actor_id=me.id)] == [pest.id]


def test_neither_side_can_follow_after_a_block(db):
    me, pest = make_user(db), make_user(db)
    blocks.block(session=db, actor_id=me.id, handle=pest.handle)
    for actor, target in ((pest, me), (me, pest)):
        with pytest.raises(NotAllowed, match="can't follow this person"):
            follows.follow(session=db, actor_id=actor.id, handle=target.handle)
    blocks.unblock(session=db, actor_id=me.id, handle=pest.handle)
    follows.follow(session=db, actor_id=pest.id, handle=me.handle)


def test_a_blocked_person_cannot_buy_from_the_blockers_shop(db):
    maker, pest = make_user(db), make_user(db)
    shop = make_shop(db, owner=maker)
    listing = make_listing(db, shop=shop)
    cart.add_to_cart(session=db, user_id=pest.id, listing_id=listing.id)
    blocks.block(session=db, actor_id=maker.id, handle=pest.handle)
    with pytest.raises(NotAllowed, match="isn't available to you"):
        cart.add_to_cart(session=db, user_id=pest.id, listing_id=listing.id)
    # A line put in the cart before the block can't be checked out either.
    with pytest.raises(NotAllowed, match="isn't available to you"):
        checkout.place_order(
            session=db, buyer_id=pest.id, address=ADDRESS, payment_method="bank_transfer"
        )
    assert db.get(CartItem, (pest.id, listing.id)) is not None  # nothing else changed


def test_blocked_people_are_not_suggested(db):
    me, friend, pest = make_user(db), make_user(db), make_user(db)
    follows.follow(session=db, actor_id=me.id, handle=friend.handle)
    follows.follow(session=db, actor_id=friend.id, handle=pest.handle)
    assert [p.id for p, _ in follows.people_you_may_know(session=db, actor_id=me.id)] == [pest.id]
    blocks.block(session=db, actor_id=pest.id, handle=me.handle)
    assert follows.people_you_may_know(session=db, actor_id=me.id) == []


def test_bad_block_requests(db):
    me = make_user(db)
    with pytest.raises(InvalidInput):
        blocks.block(session=db, actor_id=me.id, handle=me.handle)
    with pytest.raises(NotFound):
        blocks.block(session=db, actor_id=me.id, handle="nobody-like-this")
    with pytest.raises(NotAllowed):
        blocks.block(session=db, actor_id=None, handle=me.handle)
