"""Checkout: one order per shop, all or nothing, priced on the server, never oversold."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, update
from sqlmodel import select

from social_market.models import CartItem, Listing, Order, OrderLine, ShippingRate
from social_market.services import cart, checkout, payments, ratelimit
from social_market.services.errors import InvalidInput, NotAllowed, RateLimited
from tests.conftest import body_of
from tests.factories import make_listing, make_shop, make_user
from tests.services.test_cart import BAD_IDS, fill_cart


def address(**overrides) -> dict:
    fields = {
        "name": "Mia Schulz",
        "line1": "Hauptstraße 5",
        "line2": "",
        "postcode": "04109",
        "city": "Leipzig",
        "country": "DE",
    }
    fields.update(overrides)
    return fields


def place(session, buyer, **kwargs):
    kwargs.setdefault("address", address())
    kwargs.setdefault("payment_method", "bank_transfer")
    return checkout.place_order(session=session, buyer_id=buyer.id, **kwargs)


def count_orders(session) -> int:
    return session.exec(select(func.count()).select_from(Order)).one()


def stock(session, listing) -> tuple[int, str]:
    row = session.execute(
        select(Listing.quantity, Listing.state).where(Listing.id == listing.id)
    ).one()
    return row[0], row[1]


def test_checkout_places_one_order_per_shop_sharing_a_checkout_id(db):
    buyer = make_user(db)
    leipzig = make_shop(db, name="Leipzig Loom", payment_details="L. Weber IBAN DE02 1203")
    lyon = make_shop(db, name="Atelier Lyon", country="FR", payment_details="IBAN FR76 3000")
    scarf = make_listing(db, shop=leipzig, price_cents=2500, quantity=5, title="Scarf")
    hat = make_listing(db, shop=leipzig, price_cents=1000, quantity=3, title="Hat")
    bowl = make_listing(db, shop=lyon, price_cents=4000, quantity=1, title="Bowl")
    bowl.cover_key = "abc123"
    db.add(bowl)
    fill_cart(db, buyer, (scarf, 2), (hat, 1), (bowl, 1))
    shown = cart.get_cart(session=db, user_id=buyer.id, destination_country="DE")

    result = place(db, buyer, expected_total_cents=shown.grand_total_cents, locale="en_US")

    assert result.grand_total_cents == shown.grand_total_cents == 11680
    assert result.grand_total == "€116.80"
    assert len(result.orders) == 2 and result.redirect_url is None
    orders = db.exec(select(Order).where(Order.checkout_id == result.checkout_id)).all()
    assert {o.shop_name for o in orders} == {"Leipzig Loom", "Atelier Lyon"}
    by_shop = {o.shop_name: o for o in orders}
    home = by_shop["Leipzig Loom"]
    assert (home.items_cents, home.shipping_cents, home.total_cents) == (6000, 690, 6690)
    assert home.currency == "EUR" and home.status == "placed"
    assert home.payment_method == "bank_transfer"
    assert home.payment_details == "L. Weber IBAN DE02 1203"
    assert (home.ship_name, home.ship_city, home.ship_country) == ("Mia Schulz", "Leipzig", "DE")
    assert by_shop["Atelier Lyon"].total_cents == 4000 + 990
    for order in orders:
        assert re.fullmatch(r"SM-[2-9A-HJKMNP-Z]{8}", order.reference)
        assert order.buyer_id == buyer.id
    lines = db.exec(select(OrderLine).where(OrderLine.order_id == home.id)).all()
    assert sorted(
        (ln.title, ln.unit_price_cents, ln.quantity, ln.line_total_cents) for ln in lines
    ) == [
        ("Hat", 1000, 1, 1000),
        ("Scarf", 2500, 2, 5000),
    ]
    bowl_line = db.exec(select(OrderLine).where(OrderLine.listing_id == bowl.id)).one()
    assert bowl_line.photo_key == "abc123"

    assert stock(db, scarf) == (3, "active")
    assert stock(db, hat) == (2, "active")
    assert stock(db, bowl) == (0, "sold_out")  # the last one: sold out
    assert cart.cart_count(session=db, user_id=buyer.id) == 0
    placed = {o.shop_name: o for o in result.orders}
    assert "IBAN DE02 1203" in placed["Leipzig Loom"].instructions
    assert home.reference in placed["Leipzig Loom"].instructions
    assert placed["Leipzig Loom"].url == f"/orders/{home.reference}"


def test_checkout_with_one_sold_out_line_places_nothing(db):
    buyer, rival = make_user(db), make_user(db)
    ok = make_listing(db, quantity=5)
    last = make_listing(db, quantity=1, title="Last teapot")
    fill_cart(db, buyer, (ok, 2), (last, 1))
    fill_cart(db, rival, (last, 1))
    place(db, rival)  # takes the last teapot

    with pytest.raises(InvalidInput, match="Last teapot is sold out") as err:
        place(db, buyer)
    assert err.value.field == "cart"
    assert count_orders(db) == 1  # only the rival's
    assert stock(db, ok) == (5, "active")
    assert cart.cart_count(session=db, user_id=buyer.id) == 3  # nothing removed


def test_checkout_asking_for_more_than_is_left_says_how_many_are_left(db):
    buyer = make_user(db)
    listing = make_listing(db, quantity=3, title="Linen towel")
    fill_cart(db, buyer, (listing, 3))
    db.execute(update(Listing).where(Listing.id == listing.id).values(quantity=2))
    with pytest.raises(InvalidInput, match="Only 2 left of Linen towel"):
        place(db, buyer)
    assert count_orders(db) == 0 and stock(db, listing) == (2, "active")


def test_stock_emptied_after_the_cart_was_read_is_caught_by_the_conditional_update(db):
    # The session still holds the listing with quantity 5 (as if read a moment ago);
    # another checkout has meanwhile taken all of it in the database.
    buyer = make_user(db)
    other = make_listing(db, quantity=5)
    listing = make_listing(db, quantity=5, title="Raced jug")
    fill_cart(db, buyer, (other, 1), (listing, 2))
    db.execute(
        update(Listing.__table__)
        .where(Listing.__table__.c.id == listing.id)
        .values(quantity=0, state="sold_out")
    )
    assert listing.quantity == 5  # stale on purpose
    with pytest.raises(InvalidInput, match="Raced jug is sold out"):
        place(db, buyer)
    assert count_orders(db) == 0
    assert stock(db, other) == (5, "active")  # its decrement was rolled back
    assert cart.cart_count(session=db, user_id=buyer.id) == 3


def test_a_price_changed_during_checkout_is_refused(db):
    buyer = make_user(db)
    listing = make_listing(db, price_cents=2500, title="Clay cup")
    fill_cart(db, buyer, (listing, 1))
    db.execute(
        update(Listing.__table__)
        .where(Listing.__table__.c.id == listing.id)
        .values(price_cents=2900)
    )
    with pytest.raises(InvalidInput, match="price of Clay cup has just changed"):
        place(db, buyer)
    assert count_orders(db) == 0 and stock(db, listing) == (5, "active")


def test_a_changed_total_is_refused_with_the_new_total(db):
    buyer = make_user(db)
    listing = make_listing(db, price_cents=2500)
    fill_cart(db, buyer, (listing, 1))
    shown = cart.get_cart(session=db, user_id=buyer.id, destination_country="DE")
    listing.price_cents = 3000
    db.add(listing)
    db.flush()
    with pytest.raises(InvalidInput, match=r"the total is now €34\.90") as err:
        place(db, buyer, expected_total_cents=shown.grand_total_cents, locale="en_US")
    assert err.value.field == "cart"
    assert count_orders(db) == 0
    result = place(db, buyer, expected_total_cents=3490)
    assert result.grand_total_cents == 3490


@pytest.mark.parametrize("bad", ["100", 1.5, -1, True, [1], 10**20])
def test_a_malformed_expected_total_is_refused(db, bad):
    buyer = make_user(db)
    fill_cart(db, buyer, (make_listing(db), 1))
    with pytest.raises(InvalidInput):
        place(db, buyer, expected_total_cents=bad)
    assert count_orders(db) == 0


def test_totals_ignore_anything_the_client_claims_about_prices(db):
    buyer = make_user(db)
    listing = make_listing(db, price_cents=2500)
    fill_cart(db, buyer, (listing, 1))
    # Extra fields in the address can't set prices, totals or status.
    result = place(db, buyer, address=address(total_cents=1, price_cents=1, status="paid"))
    order = db.exec(select(Order).where(Order.reference == result.orders[0].reference)).one()
    assert order.total_cents == 2990 and order.status == "placed"


def test_made_to_order_listings_are_not_stock_limited(db):
    buyer = make_user(db)
    custom = make_listing(db, quantity=0, made_to_order=True, lead_time_days=21, title="Portrait")
    fill_cart(db, buyer, (custom, 3))
    result = place(db, buyer)
    assert result.orders[0].total_cents == 3 * 2500 + 490 + 2 * 100
    assert stock(db, custom) == (0, "active")
    line = db.exec(select(OrderLine).where(OrderLine.listing_id == custom.id)).one()
    assert line.made_to_order and line.lead_time_days == 21


def test_an_empty_cart_gives_a_clear_message(db):
    with pytest.raises(InvalidInput, match="Your cart is empty"):
        place(db, make_user(db))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"line1": "   "}, "line1"),
        ({"line1": "x" * 121}, "line1"),
        ({"postcode": ""}, "postcode"),
        ({"postcode": "1" * 21}, "postcode"),
        ({"city": ""}, "city"),
        ({"country": ""}, "country"),
        ({"country": "XX"}, "country"),
        ({"country": 49}, "country"),
        ({"city": ["Leipzig"]}, "city"),
    ],
)
def test_the_address_is_validated(db, overrides, field):
    buyer = make_user(db)
    fill_cart(db, buyer, (make_listing(db), 1))
    with pytest.raises(InvalidInput) as err:
        place(db, buyer, address=address(**overrides))
    assert err.value.field == field
    assert count_orders(db) == 0


@pytest.mark.parametrize("bad", [None, "Hauptstraße 5", ["a"], 7])
def test_an_address_that_is_not_a_form_is_refused(db, bad):
    buyer = make_user(db)
    fill_cart(db, buyer, (make_listing(db), 1))
    with pytest.raises(InvalidInput, match="shipping address"):
        place(db, buyer, address=bad)


def test_the_address_can_be_a_model_and_is_cleaned(db):
    buyer = make_user(db)
    fill_cart(db, buyer, (make_listing(db), 1))
    model = checkout.ShippingAddress(**address(name="  Mia \u202eSchulz ", country="de"))
    result = place(db, buyer, address=model)
    order = db.exec(select(Order).where(Order.reference == result.orders[0].reference)).one()
    assert order.ship_name == "Mia Schulz" and order.ship_country == "DE"


def test_the_shop_must_ship_to_the_destination(db):
    buyer = make_user(db)
    shop = make_shop(db, name="Stay Home")
    world = db.exec(
        select(ShippingRate).where(ShippingRate.shop_id == shop.id, ShippingRate.zone == "world")
    ).one()
    db.delete(world)
    db.flush()
    listing = make_listing(db, shop=shop)
    fill_cart(db, buyer, (listing, 1))
    with pytest.raises(InvalidInput, match="Stay Home doesn't ship to United States") as err:
        place(db, buyer, address=address(country="US", postcode="10001", city="New York"))
    assert err.value.field == "country"
    assert count_orders(db) == 0 and stock(db, listing) == (5, "active")
    result = place(db, buyer, address=address(country="FR"))  # EU rate exists
    assert result.orders[0].total_cents == 2500 + 990


def test_pickup_needs_only_a_name_and_charges_no_shipping(db):
    buyer = make_user(db)
    shop = make_shop(db, accepts_pickup=True, name="Studio Nord")
    fill_cart(db, buyer, (make_listing(db, shop=shop), 2))
    result = place(db, buyer, address={"name": "Mia Schulz"}, payment_method="pickup")
    order = db.exec(select(Order).where(Order.reference == result.orders[0].reference)).one()
    assert (order.shipping_cents, order.total_cents) == (0, 5000)
    assert order.payment_method == "pickup" and order.payment_details == ""
    assert "collect your order from Studio Nord" in result.orders[0].instructions
    with pytest.raises(InvalidInput) as err:
        fill_cart(db, buyer, (make_listing(db, shop=shop), 1))
        place(db, buyer, address={"name": ""}, payment_method="pickup")
    assert err.value.field == "name"


def test_every_shop_must_accept_the_payment_method(db):
    buyer = make_user(db)
    pickup_shop = make_shop(db, accepts_pickup=True)
    no_pickup = make_shop(db, name="Post Only")
    fill_cart(db, buyer, (make_listing(db, shop=pickup_shop), 1))
    fill_cart(db, buyer, (make_listing(db, shop=no_pickup), 1))
    with pytest.raises(InvalidInput, match="Post Only doesn't accept Pay on pickup"):
        place(db, buyer, payment_method="pickup")
    assert count_orders(db) == 0


@pytest.mark.parametrize("bad", ["card", "", None, 1, ["bank_transfer"], "BANK_TRANSFER"])
def test_an_unknown_payment_method_is_refused(db, bad):
    buyer = make_user(db)
    fill_cart(db, buyer, (make_listing(db), 1))
    with pytest.raises(InvalidInput, match="how you want to pay") as err:
        place(db, buyer, payment_method=bad)
    assert err.value.field == "payment_method"


def test_the_payment_registry_lists_both_methods_behind_one_interface(db):
    assert set(payments.METHODS) == {"bank_transfer", "pickup"}
    for method in payments.METHODS.values():
        assert isinstance(method, payments.PaymentMethod)
        assert method.label and len(method.code) <= 20
    assert payments.get_method("pickup").charges_shipping is False
    shop = make_shop(db, accepts_pickup=True)
    assert [m.code for m in payments.methods_for(shop)] == ["bank_transfer", "pickup"]
    shop.payment_details = " "
    assert [m.code for m in payments.methods_for(shop)] == ["pickup"]


def test_your_own_listing_in_your_cart_cannot_be_bought(db):
    maker = make_user(db)
    own = make_listing(db, shop=make_shop(db, owner=maker))
    db.add(CartItem(user_id=maker.id, listing_id=own.id, quantity=1))  # forged row
    db.flush()
    with pytest.raises(NotAllowed, match="own shop"):
        place(db, maker)
    assert count_orders(db) == 0


def test_a_paused_listing_in_the_cart_stops_the_checkout(db):
    buyer = make_user(db)
    listing = make_listing(db, title="On a break")
    fill_cart(db, buyer, (listing, 1))
    listing.state = "paused"
    db.add(listing)
    db.flush()
    with pytest.raises(InvalidInput, match="On a break is no longer available"):
        place(db, buyer)


@pytest.mark.parametrize("bad", BAD_IDS)
def test_forged_buyer_ids_are_refused(db, bad):
    with pytest.raises(NotAllowed, match="sign in"):
        checkout.place_order(
            session=db, buyer_id=bad, address=address(), payment_method="bank_transfer"
        )


def test_a_failed_checkout_leaves_the_session_usable(db):
    buyer = make_user(db)
    listing = make_listing(db, quantity=1, title="Only one")
    fill_cart(db, buyer, (make_listing(db), 1), (listing, 1))
    db.execute(
        update(Listing.__table__).where(Listing.__table__.c.id == listing.id).values(quantity=0)
    )
    with pytest.raises(InvalidInput):
        place(db, buyer)
    cart.remove_from_cart(session=db, user_id=buyer.id, listing_id=listing.id)
    result = place(db, buyer)
    assert len(result.orders) == 1
    db.commit()  # the outer test transaction is still fine


def test_checkouts_are_rate_limited_per_buyer(db):
    buyer = make_user(db)
    limit = checkout.CHECKOUTS_PER_USER.amount
    for _ in range(limit):
        with pytest.raises(InvalidInput, match="empty"):
            place(db, buyer)
    with pytest.raises(RateLimited):
        place(db, buyer)
    ratelimit.reset_all()
    with pytest.raises(InvalidInput, match="empty"):
        place(db, buyer)


def test_other_buyers_carts_are_left_alone(db):
    buyer, other = make_user(db), make_user(db)
    listing = make_listing(db, quantity=5)
    fill_cart(db, buyer, (listing, 1))
    fill_cart(db, other, (listing, 2))
    place(db, buyer)
    assert cart.cart_count(session=db, user_id=other.id) == 2


def test_references_are_unique_and_readable():
    refs = {checkout.new_reference() for _ in range(2000)}
    assert len(refs) == 2000
    assert all(re.fullmatch(r"SM-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}", r) for r in refs)


def test_the_shop_and_the_buyer_are_emailed_after_commit(db, mailbox):
    buyer, maker = make_user(db), make_user(db)
    shop = make_shop(db, owner=maker, name="Lena's Loom", payment_details="IBAN DE02 9999")
    fill_cart(db, buyer, (make_listing(db, shop=shop), 1))
    result = place(db, buyer)
    reference = result.orders[0].reference
    assert mailbox.to(maker.email) == []  # not before commit
    db.commit()
    to_shop = mailbox.wait_for(maker.email, f"New order {reference}")
    assert f"/orders/{reference}" in body_of(to_shop)
    to_buyer = mailbox.wait_for(buyer.email, reference)
    text = body_of(to_buyer)
    assert "IBAN DE02 9999" in text and f"Quote the reference {reference}" in text


def test_no_email_leaves_when_the_checkout_fails(db, mailbox):
    buyer = make_user(db)
    listing = make_listing(db, quantity=1)
    fill_cart(db, buyer, (listing, 1))
    db.execute(
        update(Listing.__table__).where(Listing.__table__.c.id == listing.id).values(quantity=0)
    )
    with pytest.raises(InvalidInput):
        place(db, buyer)
    db.commit()
    from social_market.services import email as mail

    mail.wait_for_outgoing()
    assert mailbox.to(buyer.email) == []
