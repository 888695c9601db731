"""Hearts on listings and shops."""

from __future__ import annotations

import pytest

from social_market.services import favourites
from social_market.services.errors import NotAllowed, NotFound
from tests.factories import make_listing, make_shop, make_user


def test_hearting_is_idempotent_and_counted(db):
    listing = make_listing(db)
    buyer = make_user(db)
    for _ in range(2):
        assert favourites.set_listing_favourite(
            session=db, user_id=buyer.id, listing_id=listing.id, on=True
        )
    db.refresh(listing)
    assert listing.favourite_count == 1
    assert [c.id for c in favourites.favourite_listings(session=db, user_id=buyer.id)] == [
        listing.id
    ]
    assert not favourites.set_listing_favourite(
        session=db, user_id=buyer.id, listing_id=listing.id, on=False
    )
    db.refresh(listing)
    assert listing.favourite_count == 0
    assert favourites.favourite_listings(session=db, user_id=buyer.id) == []


def test_shops_can_be_hearted_too(db):
    shop = make_shop(db)
    buyer = make_user(db)
    favourites.set_shop_favourite(session=db, user_id=buyer.id, shop_id=shop.id, on=True)
    assert favourites.is_shop_favourite(session=db, user_id=buyer.id, shop_id=shop.id)
    assert [s.slug for s in favourites.favourite_shops(session=db, user_id=buyer.id)] == [shop.slug]
    db.refresh(shop)
    assert shop.favourite_count == 1


def test_drafts_and_unknown_ids_cannot_be_hearted(db):
    draft = make_listing(db, state="draft")
    buyer = make_user(db)
    for forged in (draft.id, 10**20, "x", None, -3):
        with pytest.raises(NotFound):
            favourites.set_listing_favourite(
                session=db, user_id=buyer.id, listing_id=forged, on=True
            )
    with pytest.raises(NotAllowed):
        favourites.set_listing_favourite(
            session=db, user_id=None, listing_id=make_listing(db).id, on=True
        )
