"""Stock held for one person: taken from free stock at once, bought once at its price,
never after it expired, and given back exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from social_market.models import Listing, Order, OrderLine, StockHold, utcnow
from social_market.models.holds import H_GROUP, H_WISH, PENDING, READY, RELEASED, USED
from social_market.services import cart, checkout, holds
from social_market.services.errors import InvalidInput, NotAllowed, NotFound
from tests.factories import make_listing, make_shop, make_user

ADDRESS = {"name": "Bea", "line1": "Weg 1", "postcode": "10115", "city": "Berlin", "country": "DE"}


def _hold(db, listing, user, quantity=2, *, ready=True, days=3, price=1800, kind=H_WISH):
    return holds.hold(
        db,
        kind=kind,
        source_id=1,
        listing=listing,
        user_id=user.id,
        quantity=quantity,
        unit_price_cents=price,
        expires_at=utcnow() + timedelta(days=days),
        ready=ready,
    )


def _stock(db, listing):
    db.expire(listing)
    return db.get(Listing, listing.id)


def test_holding_takes_the_pieces_from_free_stock_and_the_last_ones_sell_the_listing_out(db):
    listing = make_listing(db, quantity=3)
    buyer = make_user(db)
    first = _hold(db, listing, buyer, quantity=2)
    assert first is not None and first.state == READY and first.takes_stock
    assert _stock(db, listing).quantity == 1
    assert _hold(db, listing, buyer, quantity=2) is None  # only one left: nothing held
    assert _stock(db, listing).quantity == 1
    assert _hold(db, listing, buyer, quantity=1) is not None
    listing = _stock(db, listing)
    assert (listing.quantity, listing.state) == (0, "sold_out")


def test_a_made_to_order_hold_takes_no_stock(db):
    listing = make_listing(db, quantity=0, made_to_order=True)
    held = _hold(db, listing, make_user(db), quantity=4)
    assert held is not None and not held.takes_stock
    assert _stock(db, listing).quantity == 0


def test_releasing_gives_the_pieces_back_once_and_a_sold_out_listing_is_on_sale_again(db):
    listing = make_listing(db, quantity=2)
    held = _hold(db, listing, make_user(db), quantity=2)
    assert _stock(db, listing).state == "sold_out"
    assert holds.release(db, [held.id]) == 1
    assert holds.release(db, [held.id]) == 0  # a second release returns nothing
    listing = _stock(db, listing)
    assert (listing.quantity, listing.state) == (2, "active")
    assert db.get(StockHold, held.id).state == RELEASED


def test_release_expired_only_touches_holds_whose_time_is_up(db):
    listing = make_listing(db, quantity=5)
    person = make_user(db)
    live = _hold(db, listing, person, quantity=1, days=2)
    old = _hold(db, listing, person, quantity=2, days=2)
    assert (
        holds.release_expired(db, listing_ids=[listing.id], now=utcnow() + timedelta(days=1)) == 0
    )
    db.get(StockHold, old.id).expires_at = utcnow() - timedelta(seconds=1)
    db.flush()
    assert holds.release_expired(db, listing_ids=[listing.id]) == 1
    assert _stock(db, listing).quantity == 4
    assert db.get(StockHold, live.id).state == READY


def test_the_holder_buys_a_ready_hold_at_its_price_once(db):
    listing = make_listing(db, quantity=5, price_cents=2500)
    buyer = make_user(db)
    held = _hold(db, listing, buyer, quantity=2, price=1800)
    result = holds.buy(
        session=db,
        actor_id=buyer.id,
        hold_id=held.id,
        address=ADDRESS,
        payment_method="bank_transfer",
    )
    order = db.exec(select(Order).where(Order.reference == result.orders[0].reference)).one()
    line = db.exec(select(OrderLine).where(OrderLine.order_id == order.id)).one()
    assert (line.unit_price_cents, line.quantity, line.line_total_cents) == (1800, 2, 3600)
    assert (line.source_kind, line.source_id) == ("wish", 1)
    assert order.items_cents == 3600 and order.total_cents == 3600 + order.shipping_cents
    held = db.get(StockHold, held.id)
    assert (held.state, held.order_id) == (USED, order.id)
    assert _stock(db, listing).quantity == 3  # taken when held, not again when bought
    with pytest.raises(InvalidInput, match="already bought"):
        holds.buy(
            session=db,
            actor_id=buyer.id,
            hold_id=held.id,
            address=ADDRESS,
            payment_method="bank_transfer",
        )
    assert holds.release(db, [held.id]) == 0  # a bought hold never gives stock back
    assert holds.mine(session=db, actor_id=buyer.id)[0].order_url.endswith(order.reference)


def test_an_expired_hold_cannot_be_bought_even_before_the_cleanup_ran(db):
    listing = make_listing(db, quantity=3)
    buyer = make_user(db)
    held = _hold(db, listing, buyer, quantity=3)
    held.expires_at = utcnow() - timedelta(minutes=1)
    db.flush()
    orders_before = db.exec(select(Order).where(Order.buyer_id == buyer.id)).all()
    with pytest.raises(InvalidInput, match="expired"):
        holds.buy(
            session=db,
            actor_id=buyer.id,
            hold_id=held.id,
            address=ADDRESS,
            payment_method="bank_transfer",
        )
    assert db.exec(select(Order).where(Order.buyer_id == buyer.id)).all() == orders_before
    assert _stock(db, listing).quantity == 3  # the pieces came back at that moment
    assert db.get(StockHold, held.id).state == RELEASED


def test_a_pending_share_is_not_payable_and_becomes_payable_at_the_set_price(db):
    listing = make_listing(db, quantity=5, price_cents=2000)
    buyer = make_user(db)
    held = _hold(db, listing, buyer, quantity=1, ready=False, kind=H_GROUP)
    assert held.state == PENDING
    with pytest.raises(InvalidInput, match="isn't ready"):
        holds.buy(
            session=db,
            actor_id=buyer.id,
            hold_id=held.id,
            address=ADDRESS,
            payment_method="bank_transfer",
        )
    assert holds.set_ready(db, [held.id], 1800, utcnow() + timedelta(days=3)) == 1
    assert holds.get_own(session=db, actor_id=buyer.id, hold_id=held.id).total_cents == 1800
    holds.buy(
        session=db,
        actor_id=buyer.id,
        hold_id=held.id,
        address=ADDRESS,
        payment_method="bank_transfer",
    )
    assert db.get(StockHold, held.id).state == USED


@pytest.mark.parametrize("forged", [None, "x1", -1, 2**70, True, {"id": 1}, 3.5])
def test_someone_elses_or_a_forged_hold_is_not_found(db, forged):
    listing = make_listing(db, quantity=5)
    owner, other = make_user(db), make_user(db)
    held = _hold(db, listing, owner)
    with pytest.raises(NotFound):
        holds.buy(
            session=db,
            actor_id=other.id,
            hold_id=held.id,
            address=ADDRESS,
            payment_method="bank_transfer",
        )
    with pytest.raises(NotFound):
        holds.get_own(session=db, actor_id=other.id, hold_id=held.id)
    with pytest.raises((NotFound, NotAllowed)):
        holds.buy(
            session=db,
            actor_id=owner.id,
            hold_id=forged,
            address=ADDRESS,
            payment_method="bank_transfer",
        )
    assert db.get(StockHold, held.id).state == READY


def test_a_bad_address_writes_nothing_and_keeps_the_hold_ready(db):
    listing = make_listing(db, quantity=5)
    buyer = make_user(db)
    held = _hold(db, listing, buyer)
    with pytest.raises(InvalidInput):
        holds.buy(
            session=db,
            actor_id=buyer.id,
            hold_id=held.id,
            address={**ADDRESS, "name": ""},
            payment_method="bank_transfer",
        )
    assert db.get(StockHold, held.id).state == READY
    assert db.exec(select(Order).where(Order.buyer_id == buyer.id)).all() == []


def test_checkout_gets_back_expired_held_pieces_before_reading_stock(db):
    shop = make_shop(db)
    listing = make_listing(db, shop=shop, quantity=1)
    holder, buyer = make_user(db), make_user(db)
    held = _hold(db, listing, holder, quantity=1)
    assert _stock(db, listing).state == "sold_out"
    db.get(StockHold, held.id).expires_at = utcnow() - timedelta(seconds=1)
    db.flush()
    holds.release_expired(db, listing_ids=[listing.id])  # what checkout does first
    cart.add_to_cart(session=db, user_id=buyer.id, listing_id=listing.id)
    checkout.place_order(
        session=db, buyer_id=buyer.id, address=ADDRESS, payment_method="bank_transfer"
    )
    assert _stock(db, listing).quantity == 0
    assert db.get(StockHold, held.id).state == RELEASED


def test_checkout_itself_releases_expired_holds_of_the_listings_in_the_cart(db):
    listing = make_listing(db, quantity=2)
    holder, buyer = make_user(db), make_user(db)
    cart.add_to_cart(session=db, user_id=buyer.id, listing_id=listing.id, quantity=2)
    held = _hold(db, listing, holder, quantity=1)
    db.get(StockHold, held.id).expires_at = utcnow() - timedelta(seconds=1)
    db.flush()
    checkout.place_order(
        session=db, buyer_id=buyer.id, address=ADDRESS, payment_method="bank_transfer"
    )
    assert db.get(StockHold, held.id).state == RELEASED
    assert _stock(db, listing).quantity == 0


def test_the_sweep_releases_every_expired_hold(db):
    listing = make_listing(db, quantity=10)
    person = make_user(db)
    ids = [_hold(db, listing, person, quantity=1).id for _ in range(4)]
    for hid in ids[:3]:
        db.get(StockHold, hid).expires_at = utcnow() - timedelta(hours=1)
    db.flush()
    assert holds.sweep(db) == 3
    assert _stock(db, listing).quantity == 9
