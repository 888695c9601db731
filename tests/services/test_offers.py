"""Flash offers: publishing, who sees them, buying, limits, ends, settling, cancelling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, update
from sqlmodel import select

from social_market.models import Activity, Listing, Notification, Order, OrderLine, Post, utcnow
from social_market.models.offers import FlashOffer, FlashOfferPurchase
from social_market.services import blocks, feed, follows, notifications, offers
from social_market.services.errors import InvalidInput, NotAllowed, NotFound
from tests.factories import follow_shop, make_listing, make_shop, make_user
from tests.services.test_checkout import address


def form(**overrides) -> dict:
    now = utcnow()
    fields = {
        "price": "15",
        "quantity": "3",
        "per_buyer": "",
        "audience": "followers",
        "starts_at": now,
        "ends_at": now + timedelta(hours=2),
        "note": "Three mugs for my followers",
    }
    fields.update(overrides)
    return fields


@pytest.fixture
def shop_setup(db):
    maker = make_user(db)
    shop = make_shop(db, owner=maker)
    listing = make_listing(db, shop=shop, price_cents=2500, quantity=5, title="Blue mug")
    follower = make_user(db)
    follow_shop(db, follower, shop)
    stranger = make_user(db)
    return maker, shop, listing, follower, stranger


def publish(db, maker, listing, **overrides) -> FlashOffer:
    offer = offers.publish(
        session=db, actor_id=maker.id, listing_id=listing.id, form=form(**overrides)
    )
    db.commit()
    return offer


def buy(db, buyer, offer, quantity=1):
    return offers.buy(
        session=db,
        actor_id=buyer.id,
        offer_id=offer.id,
        quantity=quantity,
        address=address(),
        payment_method="bank_transfer",
    )


def end_now(db, offer, *, ago=timedelta(seconds=1)) -> None:
    now = utcnow()
    db.execute(
        update(FlashOffer)
        .where(FlashOffer.id == offer.id)
        .values(starts_at=now - timedelta(hours=1), ends_at=now - ago)
    )
    db.commit()
    db.expire_all()


def stock(db, listing) -> int:
    db.expire_all()
    return db.get(Listing, listing.id).quantity


# --- publishing ---------------------------------------------------------------------


def test_publishing_takes_the_pieces_from_the_listing_and_posts_an_offer(db, shop_setup):
    maker, shop, listing, follower, _ = shop_setup
    offer = publish(db, maker, listing)
    assert (offer.quantity, offer.remaining, offer.price_cents) == (3, 3, 1500)
    assert stock(db, listing) == 2
    post = db.get(Post, offer.post_id)
    assert (post.kind, post.offer_price_cents, post.audience) == ("offer", 1500, 1)
    assert db.exec(select(Activity).where(Activity.post_id == post.id)).first() is not None
    # Followers are told by the existing offer fan-out (same statement, run here directly).
    told = notifications.fan_out_offer(
        db, shop_id=shop.id, actor_id=maker.id, post_id=post.id, body="x"
    )
    assert told == [follower.id]
    assert db.exec(select(Notification).where(Notification.user_id == follower.id)).one()


def test_a_made_to_order_offer_takes_no_stock(db, shop_setup):
    maker, shop, _, _, _ = shop_setup
    listing = make_listing(db, shop=shop, price_cents=4000, quantity=0, made_to_order=True)
    offer = publish(db, maker, listing, quantity="50")
    assert offer.remaining == 50
    assert stock(db, listing) == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"price": "25"}, "price"),  # the listing's price: not an offer
        ({"price": "30"}, "price"),
        ({"price": "0"}, "price"),
        ({"price": "-3"}, "price"),
        ({"quantity": "6"}, "quantity"),  # more than the 5 in stock
        ({"quantity": "0"}, "quantity"),
        ({"per_buyer": "4"}, "per_buyer"),  # more than the offer
        ({"audience": "friends"}, "audience"),
        ({"starts_at": "yesterday"}, "starts_at"),
    ],
)
def test_a_bad_field_is_refused_and_nothing_is_written(db, shop_setup, overrides, field):
    maker, shop, listing, _, _ = shop_setup
    with pytest.raises(InvalidInput) as err:
        offers.publish(session=db, actor_id=maker.id, listing_id=listing.id, form=form(**overrides))
    assert err.value.field == field
    # Counted for this shop: other tests' committed rows may share the database.
    assert db.exec(select(func.count()).where(FlashOffer.shop_id == shop.id)).one() == 0
    assert db.exec(select(func.count()).where(Post.shop_id == shop.id)).one() == 0
    assert stock(db, listing) == 5


def test_an_offer_ending_before_it_starts_is_refused(db, shop_setup):
    maker, _, listing, _, _ = shop_setup
    now = utcnow()
    with pytest.raises(InvalidInput, match="must end after it starts"):
        offers.publish(
            session=db,
            actor_id=maker.id,
            listing_id=listing.id,
            form=form(starts_at=now + timedelta(hours=2), ends_at=now + timedelta(hours=1)),
        )
    assert stock(db, listing) == 5


def test_too_short_too_long_or_past_offers_are_refused(db, shop_setup):
    maker, _, listing, _, _ = shop_setup
    now = utcnow()
    for starts, ends, message in (
        (now, now + timedelta(minutes=5), "at least 10 minutes"),
        (now, now + timedelta(days=15), "at most 14 days"),
        (now - timedelta(hours=1), now + timedelta(hours=1), "can't start in the past"),
    ):
        with pytest.raises(InvalidInput, match=message):
            offers.publish(
                session=db,
                actor_id=maker.id,
                listing_id=listing.id,
                form=form(starts_at=starts, ends_at=ends),
            )
    assert db.exec(select(func.count()).where(FlashOffer.listing_id == listing.id)).one() == 0


def test_an_offer_on_another_shops_listing_is_not_found(db, shop_setup):
    maker, _, _, _, _ = shop_setup
    other = make_listing(db, price_cents=3000, quantity=4)
    with pytest.raises(NotFound):
        offers.publish(session=db, actor_id=maker.id, listing_id=other.id, form=form())
    assert stock(db, other) == 4
    for forged in (None, "x", -1, 10**30, [other.id], {"id": other.id}):
        with pytest.raises(NotFound):
            offers.publish(session=db, actor_id=maker.id, listing_id=forged, form=form())


def test_someone_without_a_shop_cannot_publish(db, shop_setup):
    _, _, listing, follower, _ = shop_setup
    with pytest.raises(NotAllowed):
        offers.publish(session=db, actor_id=follower.id, listing_id=listing.id, form=form())
    with pytest.raises(NotAllowed):
        offers.publish(session=db, actor_id=None, listing_id=listing.id, form=form())


def test_a_listing_has_one_offer_at_a_time(db, shop_setup):
    maker, _, listing, _, _ = shop_setup
    publish(db, maker, listing, quantity="2")
    with pytest.raises(InvalidInput, match="already has an offer"):
        offers.publish(
            session=db, actor_id=maker.id, listing_id=listing.id, form=form(quantity="1")
        )
    assert stock(db, listing) == 3


# --- who sees it --------------------------------------------------------------------


def test_a_followers_only_offer_is_seen_by_followers_and_the_maker_only(db, shop_setup):
    maker, shop, listing, follower, stranger = shop_setup
    person_follower = make_user(db)  # follows the maker (a person), not the shop
    follows.follow(session=db, actor_id=person_follower.id, handle=maker.handle)
    offer = publish(db, maker, listing)
    for viewer in (maker, follower, person_follower):
        cards = offers.for_listing(session=db, viewer_id=viewer.id, listing_id=listing.id)
        assert [c.id for c in cards] == [offer.id]
        assert offers.get_offer(session=db, viewer_id=viewer.id, offer_id=offer.id).live
        assert [c.id for c in offers.for_shop(session=db, viewer_id=viewer.id, shop_id=shop.id)]
    for viewer_id in (stranger.id, None):
        assert offers.for_listing(session=db, viewer_id=viewer_id, listing_id=listing.id) == []
        assert offers.for_shop(session=db, viewer_id=viewer_id, shop_id=shop.id) == []
        assert offers.live_offers(session=db, viewer_id=viewer_id) == []
        with pytest.raises(NotFound):
            offers.get_offer(session=db, viewer_id=viewer_id, offer_id=offer.id)


def test_a_non_follower_cannot_buy_a_followers_only_offer_even_by_id(db, shop_setup):
    maker, _, listing, _, stranger = shop_setup
    offer = publish(db, maker, listing)
    with pytest.raises(NotFound):
        buy(db, stranger, offer)
    with pytest.raises(NotAllowed):
        offers.buy(
            session=db,
            actor_id=None,
            offer_id=offer.id,
            quantity=1,
            address=address(),
            payment_method="bank_transfer",
        )
    db.expire_all()
    assert db.get(FlashOffer, offer.id).remaining == 3
    assert db.exec(select(func.count()).where(Order.shop_id == offer.shop_id)).one() == 0


def test_a_blocked_follower_no_longer_sees_or_buys(db, shop_setup):
    maker, _, listing, follower, _ = shop_setup
    offer = publish(db, maker, listing, audience="everyone")
    blocks.block(session=db, actor_id=maker.id, handle=follower.handle)
    db.commit()
    assert offers.for_listing(session=db, viewer_id=follower.id, listing_id=listing.id) == []
    with pytest.raises(NotFound):
        buy(db, follower, offer)


def test_an_offer_for_everyone_is_seen_by_strangers_and_signed_out_visitors(db, shop_setup):
    maker, _, listing, follower, stranger = shop_setup
    offer = publish(db, maker, listing, audience="everyone")
    assert [c.id for c in offers.live_offers(session=db, viewer_id=None)] == [offer.id]
    cards = offers.live_offers(session=db, viewer_id=stranger.id)
    assert [(c.id, c.followed) for c in cards] == [(offer.id, False)]
    assert offers.live_offers(session=db, viewer_id=follower.id)[0].followed


def test_followed_shops_come_first_on_the_offers_page(db, shop_setup):
    maker, _, listing, follower, _ = shop_setup
    other_maker = make_user(db)
    other_shop = make_shop(db, owner=other_maker)
    other = make_listing(db, shop=other_shop, price_cents=2000, quantity=3)
    now = utcnow()
    soon = publish(db, other_maker, other, audience="everyone", ends_at=now + timedelta(hours=1))
    later = publish(db, maker, listing, ends_at=now + timedelta(hours=5))
    cards = offers.live_offers(session=db, viewer_id=follower.id)
    assert [c.id for c in cards] == [later.id, soon.id]


def test_the_feed_card_links_to_the_live_offer_and_drops_it_when_over(db, shop_setup):
    maker, _, listing, follower, _ = shop_setup
    offer = publish(db, maker, listing)
    activity = db.exec(select(Activity.id).where(Activity.post_id == offer.post_id)).one()
    card = feed.build_cards(db, follower.id, [activity], None)[0]
    assert card.offer_url.endswith(f"#offer-{offer.id}")
    assert card.offer and card.offer_ends_at
    offers.cancel(session=db, actor_id=maker.id, offer_id=offer.id)
    db.commit()
    card = feed.build_cards(db, follower.id, [activity], None)[0]
    assert (card.offer, card.offer_url) == ("", "")


# --- buying -------------------------------------------------------------------------


def test_a_follower_buys_at_the_offer_price_without_touching_the_listings_stock(db, shop_setup):
    maker, _, listing, follower, _ = shop_setup
    offer = publish(db, maker, listing)
    result = buy(db, follower, offer, quantity=2)
    line = db.exec(
        select(OrderLine)
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.reference == result.orders[0].reference)
    ).one()
    assert (line.unit_price_cents, line.quantity, line.source_kind, line.source_id) == (
        1500,
        2,
        "offer",
        offer.id,
    )
    db.expire_all()
    assert db.get(FlashOffer, offer.id).remaining == 1
    assert stock(db, listing) == 2  # 5 - 3 taken at publishing; buying took none
    purchase = db.exec(select(FlashOfferPurchase)).one()
    assert (purchase.buyer_id, purchase.quantity) == (follower.id, 2)
    card = offers.get_offer(session=db, viewer_id=follower.id, offer_id=offer.id)
    assert (card.bought, card.remaining) == (2, 1)


def test_the_maker_cannot_buy_their_own_offer(db, shop_setup):
    maker, _, listing, _, _ = shop_setup
    offer = publish(db, maker, listing)
    with pytest.raises(NotAllowed):
        buy(db, maker, offer)


def test_the_per_buyer_limit_counts_earlier_purchases(db, shop_setup):
    maker, _, listing, follower, _ = shop_setup
    offer = publish(db, maker, listing, per_buyer="2")
    with pytest.raises(InvalidInput, match="at most 2 more"):
        buy(db, follower, offer, quantity=3)
    buy(db, follower, offer, quantity=1)
    with pytest.raises(InvalidInput, match="at most 1 more"):
        buy(db, follower, offer, quantity=2)
    buy(db, follower, offer, quantity=1)
    with pytest.raises(InvalidInput, match="already bought the 2 pieces"):
        buy(db, follower, offer, quantity=1)
    db.expire_all()
    assert db.get(FlashOffer, offer.id).remaining == 1


def test_buying_more_than_is_left_is_refused_and_a_sold_out_offer_disappears(db, shop_setup):
    maker, shop, listing, follower, _ = shop_setup
    second = make_user(db)
    follow_shop(db, second, shop)
    offer = publish(db, maker, listing)
    with pytest.raises(InvalidInput, match="Only 3 left"):
        buy(db, follower, offer, quantity=4)
    buy(db, follower, offer, quantity=3)
    with pytest.raises(InvalidInput, match="sold out"):
        buy(db, second, offer, quantity=1)
    assert offers.for_listing(session=db, viewer_id=second.id, listing_id=listing.id) == []
    assert offers.live_offers(session=db, viewer_id=second.id) == []
    assert stock(db, listing) == 2
    assert db.exec(select(func.count()).where(Order.shop_id == offer.shop_id)).one() == 1


@pytest.mark.parametrize("quantity", [0, -1, "two", None, 10**12, True])
def test_a_bad_quantity_is_refused(db, shop_setup, quantity):
    maker, _, listing, follower, _ = shop_setup
    offer = publish(db, maker, listing)
    with pytest.raises(InvalidInput):
        buy(db, follower, offer, quantity=quantity)


def test_an_ended_offer_cannot_be_bought_even_before_the_job_ran(db, shop_setup):
    maker, _, listing, follower, _ = shop_setup
    offer = publish(db, maker, listing)
    end_now(db, offer)
    with pytest.raises(InvalidInput, match="has ended"):
        buy(db, follower, offer)
    # Settled at the moment of use: the three pieces are back on the listing.
    assert stock(db, listing) == 5
    assert db.get(FlashOffer, offer.id).settled_at is not None
    assert offers.for_listing(session=db, viewer_id=follower.id, listing_id=listing.id) == []
    assert db.exec(select(func.count()).where(Order.shop_id == offer.shop_id)).one() == 0


def test_the_claim_refuses_an_offer_that_ended_between_the_check_and_the_order(db, shop_setup):
    maker, _, listing, follower, _ = shop_setup
    offer = publish(db, maker, listing)
    checked = offers._find

    def find_then_end(session, viewer_id, offer_id):
        row = checked(session, viewer_id, offer_id)
        session.execute(
            update(FlashOffer)
            .where(FlashOffer.id == offer.id)
            .values(starts_at=utcnow() - timedelta(hours=1), ends_at=utcnow())
        )
        return row

    offers._find = find_then_end
    try:
        with pytest.raises(InvalidInput, match="has ended"):
            buy(db, follower, offer)
    finally:
        offers._find = checked
    assert db.exec(select(func.count()).where(Order.shop_id == offer.shop_id)).one() == 0
    assert db.exec(select(func.count()).where(FlashOfferPurchase.offer_id == offer.id)).one() == 0


def test_an_offer_that_has_not_started_is_shown_as_coming_but_cannot_be_bought(db, shop_setup):
    maker, _, listing, follower, _ = shop_setup
    now = utcnow()
    offer = publish(
        db, maker, listing, starts_at=now + timedelta(hours=1), ends_at=now + timedelta(hours=3)
    )
    card = offers.for_listing(session=db, viewer_id=follower.id, listing_id=listing.id)[0]
    assert (card.upcoming, card.live) == (True, False)
    assert offers.live_offers(session=db, viewer_id=follower.id) == []
    with pytest.raises(InvalidInput, match="hasn't started"):
        buy(db, follower, offer)


# --- settling and cancelling --------------------------------------------------------


def test_settling_returns_exactly_the_leftover_once(db, shop_setup):
    maker, _, listing, follower, _ = shop_setup
    offer = publish(db, maker, listing)
    buy(db, follower, offer, quantity=1)
    assert offers.settle(db, offer.id) == 0  # still live: left alone
    end_now(db, offer)
    assert stock(db, listing) == 2
    assert offers.settle(db, offer.id) == 2
    assert offers.settle(db, offer.id) == 0
    assert offers.settle_ended(db) == 0
    assert offers.sweep(db) == 0
    assert stock(db, listing) == 4  # 5 - 1 sold


def test_the_job_settles_ended_offers(db, shop_setup):
    maker, _, listing, _, _ = shop_setup
    offer = publish(db, maker, listing)
    end_now(db, offer)
    assert offers.sweep(db) == 1
    assert stock(db, listing) == 5
    assert offers.sweep(db) == 0
    assert stock(db, listing) == 5


def test_checkout_of_the_listing_settles_its_ended_offer_first(db, shop_setup):
    from social_market.services import cart, checkout

    maker, _, listing, follower, _ = shop_setup
    cart.add_to_cart(session=db, user_id=follower.id, listing_id=listing.id, quantity=4)
    offer = publish(db, maker, listing, quantity="5")
    assert stock(db, listing) == 0
    end_now(db, offer)
    checkout.place_order(
        session=db, buyer_id=follower.id, address=address(), payment_method="bank_transfer"
    )
    db.commit()
    assert stock(db, listing) == 1


def test_the_maker_cancels_and_the_leftover_comes_back(db, shop_setup):
    maker, _, listing, follower, stranger = shop_setup
    offer = publish(db, maker, listing)
    buy(db, follower, offer, quantity=1)
    with pytest.raises(NotFound):
        offers.cancel(
            session=db, actor_id=make_shop(db, owner=stranger).owner_id, offer_id=offer.id
        )
    assert offers.cancel(session=db, actor_id=maker.id, offer_id=offer.id) == 2
    db.commit()
    assert offers.cancel(session=db, actor_id=maker.id, offer_id=offer.id) == 0
    assert stock(db, listing) == 4
    assert offers.for_listing(session=db, viewer_id=follower.id, listing_id=listing.id) == []
    with pytest.raises(InvalidInput, match="has ended"):
        buy(db, follower, offer)
    # A new offer may start once the old one is over.
    publish(db, maker, listing, quantity="2")
    assert stock(db, listing) == 2
