"""The demo generator builds a usable marketplace through the real services."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from social_market.demo.generator import generate
from social_market.demo.market import generate_market
from social_market.models import Listing, Order, Shop
from social_market.services import search


def test_demo_data_has_shops_listings_with_photos_hearts_and_orders(db):
    people = generate(db, users=8, seed=7, with_avatars=False, maker_share=0.5)
    buyers = [u for u in people.user_ids if u not in people.maker_ids]
    market = generate_market(
        db,
        maker_ids=people.maker_ids,
        buyer_ids=buyers,
        seed=7,
        listings_per_shop=2,
        photos_per_listing=1,
    )
    assert len(market.shop_ids) == len(people.maker_ids)
    shops = db.exec(select(Shop).where(Shop.id.in_(market.shop_ids))).all()
    assert all(s.logo_key for s in shops)
    items = db.exec(select(Listing).where(Listing.id.in_(market.listing_ids))).all()
    assert items and all(i.cover_key and i.state in ("active", "sold_out") for i in items)
    assert sum(i.favourite_count for i in items) > 0
    statuses = set(db.exec(select(Order.status)).all())
    assert db.exec(select(func.count()).select_from(Order)).one() > 0
    assert statuses <= {"placed", "paid", "shipped"}
    found = search.search_listings(session=db, query=search.parse_search_params({"q": "studio"}))
    assert found.items, "demo listings are searchable"
