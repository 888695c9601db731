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


def test_demo_social_life_fills_the_first_accounts_feed_and_notifications(db):
    from social_market.demo.social import generate_social
    from social_market.models import Comment, Post, SharedPurchase
    from social_market.services import feed, notifications

    people = generate(db, users=12, seed=3, with_avatars=False, maker_share=0.5)
    buyers = [u for u in people.user_ids if u not in people.maker_ids]
    market = generate_market(
        db,
        maker_ids=people.maker_ids,
        buyer_ids=buyers,
        seed=3,
        listings_per_shop=2,
        photos_per_listing=1,
    )
    social = generate_social(
        db,
        user_ids=people.user_ids,
        maker_ids=people.maker_ids,
        shop_ids=market.shop_ids,
        seed=3,
    )
    assert social.follows > 12 and social.posts >= len(people.maker_ids)
    assert db.exec(select(func.count()).select_from(Post)).one() >= social.posts  # + new pieces
    assert db.exec(select(func.count()).select_from(SharedPurchase)).one() == social.shares
    assert db.exec(select(func.count()).select_from(Comment)).one() == social.comments > 0
    ben = people.user_ids[1]
    assert feed.feed_page(session=db, viewer_id=ben).cards, "ben's feed has something"
    anna = people.user_ids[0]
    assert notifications.list_notifications(session=db, actor_id=anna)[0]
    from social_market.services import messaging

    assert social.conversations > 0
    assert messaging.inbox(session=db, actor_id=anna)[0], "anna has conversations"


def test_demo_reviews_give_bens_first_look_a_network_verdict_on_annas_piece(db):
    from social_market.demo.social import generate_social
    from social_market.demo.trust import generate_reviews
    from social_market.models import Review, User
    from social_market.services import trust

    people = generate(db, users=14, seed=5, with_avatars=False, maker_share=0.4)
    buyers = [u for u in people.user_ids if u not in people.maker_ids]
    market = generate_market(
        db,
        maker_ids=people.maker_ids,
        buyer_ids=buyers,
        seed=5,
        listings_per_shop=2,
        photos_per_listing=1,
    )
    generate_social(
        db, user_ids=people.user_ids, maker_ids=people.maker_ids, shop_ids=market.shop_ids, seed=5
    )
    written = generate_reviews(db, buyer_ids=buyers, shop_ids=market.shop_ids, seed=5)
    assert written > 3
    assert db.exec(select(func.count()).where(Review.reply_body != "")).one() > 0
    statuses = set(db.exec(select(Order.status).where(Order.shop_id.in_(market.shop_ids))).all())
    assert "delivered" in statuses and statuses & {"placed", "paid"}  # still every step
    ben = db.exec(select(User).where(User.handle == "ben", User.id.in_(buyers))).one()
    top = db.exec(
        select(Listing)
        .where(Listing.shop_id == market.shop_ids[0])
        .order_by(Listing.rating_count.desc())
    ).first()
    verdict = trust.verdict(session=db, viewer_id=ben.id, listing_id=top.id)
    assert verdict.overall_count > 0 and verdict.network_count > 0


def test_demo_flash_offers_are_live_and_one_is_for_followers_only(db):
    from social_market.demo.offers import generate_offers
    from social_market.models.offers import FlashOffer
    from social_market.services import offers

    people = generate(db, users=8, seed=5, with_avatars=False, maker_share=0.6)
    buyers = [u for u in people.user_ids if u not in people.maker_ids]
    market = generate_market(
        db,
        maker_ids=people.maker_ids,
        buyer_ids=buyers,
        seed=5,
        listings_per_shop=2,
        photos_per_listing=1,
    )
    made = generate_offers(db, shop_ids=market.shop_ids, seed=5)
    assert made >= 2
    rows = db.exec(
        select(FlashOffer).where(FlashOffer.shop_id.in_(market.shop_ids)).order_by(FlashOffer.id)
    ).all()
    assert len(rows) == made and rows[0].audience == 1
    assert {r.audience for r in rows[1:]} == {2}
    assert len(offers.live_offers(session=db, viewer_id=None)) == made - 1


def test_demo_group_orders_have_tiers_an_open_half_full_group_and_a_reached_one(db):
    from social_market.demo.group_orders import generate_group_orders
    from social_market.models.group_orders import GroupOrder, GroupPriceTier

    people = generate(db, users=10, seed=5, with_avatars=False, maker_share=0.4)
    buyers = [u for u in people.user_ids if u not in people.maker_ids]
    market = generate_market(
        db,
        maker_ids=people.maker_ids,
        buyer_ids=buyers,
        seed=5,
        listings_per_shop=3,
        photos_per_listing=1,
    )
    demo = generate_group_orders(db, buyer_ids=buyers, listing_ids=market.listing_ids, seed=5)
    assert demo.tiered_listings >= 2
    assert db.exec(select(func.count()).select_from(GroupPriceTier)).one() >= 4
    groups = {g.id: g for g in db.exec(select(GroupOrder))}
    assert len(demo.open_ids) == 1 and len(demo.reached_ids) == 1
    half = groups[demo.open_ids[0]]
    assert half.state == "open" and half.joined_quantity * 2 == half.target_quantity
    reached = groups[demo.reached_ids[0]]
    assert reached.state == "reached" and reached.final_price_cents < reached.unit_price_cents
