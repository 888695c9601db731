"""Orders: who sees them, the state machine and its guards, stock on cancel, lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from social_market.models import Listing, Order, OrderLine
from social_market.services import orders
from social_market.services.checkout import new_reference
from social_market.services.errors import InvalidInput, NotAllowed, NotFound
from tests.conftest import body_of
from tests.factories import make_listing, make_shop, make_user
from tests.services.test_cart import BAD_IDS, QueryCounter, fill_cart
from tests.services.test_checkout import place, stock


@pytest.fixture
def sale(db):
    """A buyer who bought 2 of a 3-piece listing (+1 made to order) from a maker's shop."""
    buyer, maker, stranger = make_user(db), make_user(db), make_user(db)
    shop = make_shop(db, owner=maker, name="Clay & Co")
    listing = make_listing(db, shop=shop, quantity=3, price_cents=2000, title="Green mug")
    custom = make_listing(db, shop=shop, quantity=0, made_to_order=True, title="Custom plate")
    fill_cart(db, buyer, (listing, 2), (custom, 1))
    result = place(db, buyer)
    return {
        "buyer": buyer,
        "maker": maker,
        "stranger": stranger,
        "shop": shop,
        "listing": listing,
        "custom": custom,
        "ref": result.orders[0].reference,
    }


def status(db, ref) -> str:
    return db.execute(select(Order.status).where(Order.reference == ref)).one()[0]


def make_order(db, *, buyer, shop, placed_at, title="Thing", status="placed", total=1000):
    """An order row written directly (for lists and the dashboard)."""
    order = Order(
        reference=new_reference(),
        checkout_id="c" * 32,
        buyer_id=buyer.id,
        shop_id=shop.id,
        status=status,
        payment_method="bank_transfer",
        items_cents=total,
        shipping_cents=0,
        total_cents=total,
        shop_name=shop.name,
        placed_at=placed_at,
    )
    db.add(order)
    db.flush()
    db.add(
        OrderLine(
            order_id=order.id,
            title=title,
            photo_key="k" + title.replace(" ", ""),
            unit_price_cents=total,
            quantity=1,
            line_total_cents=total,
        )
    )
    db.add(
        OrderLine(
            order_id=order.id,
            title="Second " + title,
            unit_price_cents=0 + 1,
            quantity=2,
            line_total_cents=2,
        )
    )
    db.flush()
    return order


def test_an_order_goes_placed_paid_shipped_delivered(db, sale):
    ref, maker, buyer = sale["ref"], sale["maker"], sale["buyer"]
    orders.confirm_payment(session=db, owner_id=maker.id, reference=ref)
    assert status(db, ref) == "paid"
    orders.mark_shipped(session=db, owner_id=maker.id, reference=ref, tracking_number=" DHL 123 ")
    assert status(db, ref) == "shipped"
    order = orders.mark_delivered(session=db, actor_id=buyer.id, reference=ref)
    assert order.status == "delivered" and order.tracking_number == "DHL 123"
    assert order.paid_at and order.shipped_at and order.delivered_at and not order.cancelled_at
    detail = orders.get_order(session=db, viewer_id=buyer.id, reference=ref.lower())
    assert detail.status == "delivered" and detail.tracking_number == "DHL 123"
    assert not (detail.can_cancel or detail.can_mark_delivered or detail.can_mark_shipped)


def test_the_shop_can_also_mark_a_shipped_order_delivered(db, sale):
    ref, maker = sale["ref"], sale["maker"]
    orders.confirm_payment(session=db, owner_id=maker.id, reference=ref)
    orders.mark_shipped(session=db, owner_id=maker.id, reference=ref)
    orders.mark_delivered(session=db, actor_id=maker.id, reference=ref)
    assert status(db, ref) == "delivered"


def test_steps_out_of_order_are_refused_with_a_clear_message(db, sale):
    ref, maker, buyer = sale["ref"], sale["maker"], sale["buyer"]
    with pytest.raises(InvalidInput, match="Only a paid order can be marked shipped"):
        orders.mark_shipped(session=db, owner_id=maker.id, reference=ref)
    with pytest.raises(InvalidInput, match="Only a shipped order can be marked delivered"):
        orders.mark_delivered(session=db, actor_id=buyer.id, reference=ref)
    orders.confirm_payment(session=db, owner_id=maker.id, reference=ref)
    with pytest.raises(InvalidInput, match="Only an order awaiting payment"):
        orders.confirm_payment(session=db, owner_id=maker.id, reference=ref)
    orders.mark_shipped(session=db, owner_id=maker.id, reference=ref)
    with pytest.raises(InvalidInput, match="can't be cancelled once it has shipped"):
        orders.cancel_order(session=db, actor_id=maker.id, reference=ref, reason="Oops")
    assert status(db, ref) == "shipped"


def test_only_the_shop_owner_can_confirm_payment(db, sale):
    ref = sale["ref"]
    with pytest.raises(NotAllowed, match="Only the shop"):
        orders.confirm_payment(session=db, owner_id=sale["buyer"].id, reference=ref)
    with pytest.raises(NotFound, match="couldn't find that order"):
        orders.confirm_payment(session=db, owner_id=sale["stranger"].id, reference=ref)
    assert status(db, ref) == "placed"


def test_only_the_shop_owner_can_mark_an_order_shipped(db, sale):
    ref, maker = sale["ref"], sale["maker"]
    orders.confirm_payment(session=db, owner_id=maker.id, reference=ref)
    with pytest.raises(NotAllowed, match="Only the shop"):
        orders.mark_shipped(session=db, owner_id=sale["buyer"].id, reference=ref)
    # Another shop's owner can't move it either: to them it does not exist.
    other_maker = make_user(db)
    make_shop(db, owner=other_maker)
    with pytest.raises(NotFound):
        orders.mark_shipped(session=db, owner_id=other_maker.id, reference=ref)
    assert status(db, ref) == "paid"


def test_strangers_cannot_mark_delivered_or_cancel(db, sale):
    ref, maker, stranger = sale["ref"], sale["maker"], sale["stranger"]
    orders.confirm_payment(session=db, owner_id=maker.id, reference=ref)
    orders.mark_shipped(session=db, owner_id=maker.id, reference=ref)
    with pytest.raises(NotFound):
        orders.mark_delivered(session=db, actor_id=stranger.id, reference=ref)
    with pytest.raises(NotFound):
        orders.cancel_order(session=db, actor_id=stranger.id, reference=ref, reason="x")


def test_a_tracking_number_is_at_most_100_characters(db, sale):
    ref, maker = sale["ref"], sale["maker"]
    orders.confirm_payment(session=db, owner_id=maker.id, reference=ref)
    for bad in ("x" * 101, 123, ["a"]):
        with pytest.raises(InvalidInput) as err:
            orders.mark_shipped(session=db, owner_id=maker.id, reference=ref, tracking_number=bad)
        assert err.value.field == "tracking_number"
    assert status(db, ref) == "paid"
    orders.mark_shipped(session=db, owner_id=maker.id, reference=ref, tracking_number="x" * 100)


def test_the_buyer_can_cancel_while_unpaid_but_not_after_payment(db, sale, mailbox):
    ref, maker, buyer = sale["ref"], sale["maker"], sale["buyer"]
    orders.confirm_payment(session=db, owner_id=maker.id, reference=ref)
    with pytest.raises(NotAllowed, match="ask them to cancel"):
        orders.cancel_order(session=db, actor_id=buyer.id, reference=ref, reason="Changed mind")
    assert status(db, ref) == "paid"

    fill_cart(db, buyer, (make_listing(db, shop=sale["shop"]), 1))
    second = place(db, buyer).orders[0].reference
    order = orders.cancel_order(
        session=db, actor_id=buyer.id, reference=second, reason="Changed my mind"
    )
    assert order.status == "cancelled" and order.cancel_reason == "Changed my mind"
    db.commit()
    mailbox.wait_for(maker.email, f"Order {second} was cancelled by the buyer")


def test_the_shop_can_cancel_a_paid_order_and_the_buyer_is_told(db, sale, mailbox):
    ref, maker, buyer = sale["ref"], sale["maker"], sale["buyer"]
    orders.confirm_payment(session=db, owner_id=maker.id, reference=ref)
    orders.cancel_order(session=db, actor_id=maker.id, reference=ref, reason="Kiln broke")
    assert status(db, ref) == "cancelled"
    db.commit()
    msg = mailbox.wait_for(buyer.email, f"Your order {ref} was cancelled")
    assert "Kiln broke" in body_of(msg)


@pytest.mark.parametrize("reason", ["", "   ", None, 5, "x" * 501])
def test_cancelling_needs_a_reason(db, sale, reason):
    with pytest.raises(InvalidInput) as err:
        orders.cancel_order(
            session=db, actor_id=sale["maker"].id, reference=sale["ref"], reason=reason
        )
    assert err.value.field == "reason"
    assert status(db, sale["ref"]) == "placed"


def test_cancelling_puts_stock_back_and_reopens_a_sold_out_listing(db, sale):
    listing, maker, buyer = sale["listing"], sale["maker"], sale["buyer"]
    assert stock(db, listing) == (1, "active")
    fill_cart(db, buyer, (listing, 1))
    last = place(db, buyer).orders[0].reference
    assert stock(db, listing) == (0, "sold_out")
    orders.cancel_order(session=db, actor_id=maker.id, reference=last, reason="Broken in kiln")
    assert stock(db, listing) == (1, "active")
    orders.cancel_order(session=db, actor_id=buyer.id, reference=sale["ref"], reason="Too late")
    assert stock(db, listing) == (3, "active")
    assert stock(db, sale["custom"]) == (0, "active")  # made to order: never counted
    with pytest.raises(InvalidInput, match="was cancelled"):
        orders.cancel_order(session=db, actor_id=maker.id, reference=last, reason="again")
    assert stock(db, listing) == (3, "active")  # not put back twice


def test_cancelling_does_not_revive_paused_or_deleted_listings(db):
    buyer, maker = make_user(db), make_user(db)
    shop = make_shop(db, owner=maker)
    paused = make_listing(db, shop=shop, quantity=1)
    deleted = make_listing(db, shop=shop, quantity=1)
    fill_cart(db, buyer, (paused, 1), (deleted, 1))
    ref = place(db, buyer).orders[0].reference
    db.execute(update(Listing).where(Listing.id == paused.id).values(state="paused"))
    db.execute(update(Listing).where(Listing.id == deleted.id).values(state="deleted"))
    orders.cancel_order(session=db, actor_id=maker.id, reference=ref, reason="Closing")
    assert stock(db, paused) == (1, "paused")
    assert stock(db, deleted) == (0, "deleted")


def test_an_order_changed_meanwhile_is_not_moved_twice(db, sale):
    ref, maker = sale["ref"], sale["maker"]
    held = db.exec(select(Order).where(Order.reference == ref)).one()  # read a moment ago
    # Someone else cancelled it since, behind this session's back.
    db.execute(
        update(Order.__table__).where(Order.__table__.c.reference == ref).values(status="cancelled")
    )
    with pytest.raises(InvalidInput, match="just been changed"):
        orders.cancel_order(session=db, actor_id=maker.id, reference=ref, reason="Me too")
    assert stock(db, sale["listing"]) == (1, "active")
    assert held.status == "cancelled"  # reloaded after the refused step


def test_only_the_buyer_and_the_shop_see_an_order(db, sale):
    ref = sale["ref"]
    as_buyer = orders.get_order(session=db, viewer_id=sale["buyer"].id, reference=ref)
    as_shop = orders.get_order(session=db, viewer_id=sale["maker"].id, reference=ref)
    assert as_buyer.viewer_is_buyer and not as_buyer.viewer_is_shop
    assert as_shop.viewer_is_shop and as_shop.can_confirm_payment and as_shop.can_cancel
    assert as_buyer.can_cancel and not as_buyer.can_confirm_payment
    with pytest.raises(NotFound) as other:
        orders.get_order(session=db, viewer_id=sale["stranger"].id, reference=ref)
    with pytest.raises(NotFound) as missing:
        orders.get_order(session=db, viewer_id=sale["stranger"].id, reference="SM-2222AAAA")
    assert other.value.message == missing.value.message  # nothing to tell them apart


@pytest.mark.parametrize(
    "bad", ["", "SM-", "sm-1; DROP TABLE shop_order", "x" * 500, None, 12, ["SM-AAAAAAAA"], 1.5]
)
def test_forged_references_give_not_found(db, sale, bad):
    with pytest.raises(NotFound):
        orders.get_order(session=db, viewer_id=sale["buyer"].id, reference=bad)
    with pytest.raises(NotFound):
        orders.confirm_payment(session=db, owner_id=sale["maker"].id, reference=bad)


@pytest.mark.parametrize("bad", BAD_IDS)
def test_forged_actor_ids_are_refused(db, sale, bad):
    ref = sale["ref"]
    for call in (
        lambda: orders.get_order(session=db, viewer_id=bad, reference=ref),
        lambda: orders.confirm_payment(session=db, owner_id=bad, reference=ref),
        lambda: orders.mark_shipped(session=db, owner_id=bad, reference=ref),
        lambda: orders.mark_delivered(session=db, actor_id=bad, reference=ref),
        lambda: orders.cancel_order(session=db, actor_id=bad, reference=ref, reason="x"),
        lambda: orders.buyer_orders(session=db, buyer_id=bad),
        lambda: orders.shop_orders(session=db, owner_id=bad),
    ):
        with pytest.raises(NotAllowed):
            call()
    assert status(db, ref) == "placed"


def test_the_order_page_shows_the_snapshot_not_todays_listing(db, sale):
    ref, listing, shop = sale["ref"], sale["listing"], sale["shop"]
    listing.title, listing.price_cents = "Renamed mug", 9900
    shop.payment_details = "NEW IBAN"
    db.add_all([listing, shop])
    db.flush()
    detail = orders.get_order(session=db, viewer_id=sale["buyer"].id, reference=ref, locale="de_DE")
    assert [(ln.title, ln.unit_price, ln.quantity) for ln in detail.lines] == [
        ("Green mug", "20,00\xa0€", 2),
        ("Custom plate", "25,00\xa0€", 1),
    ]
    assert detail.lines[0].url == f"/listing/{listing.id}-{listing.slug}"
    assert detail.shop_name == "Clay & Co" and detail.ship_country_name == "Deutschland"
    assert (
        "IBAN DE02" in detail.payment_instructions and "NEW IBAN" not in detail.payment_instructions
    )
    assert ref in detail.payment_instructions
    assert detail.total_cents == 2 * 2000 + 2500 + 490 + 2 * 100
    assert detail.buyer_name == sale["buyer"].display_name


def test_buyer_orders_are_paged_newest_first_in_constant_queries(db):
    buyer = make_user(db)
    shop = make_shop(db, name="Pager Shop")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    made = [
        make_order(db, buyer=buyer, shop=shop, placed_at=start + timedelta(days=i), title=f"T{i}")
        for i in range(5)
    ]
    # Two orders at the very same moment: the id breaks the tie.
    made.append(make_order(db, buyer=buyer, shop=shop, placed_at=start + timedelta(days=4)))
    make_order(db, buyer=make_user(db), shop=shop, placed_at=start)  # someone else's
    expected = [o.reference for o in sorted(made, key=lambda o: (o.placed_at, o.id), reverse=True)]

    seen, cursor, pages = [], None, 0
    while True:
        with QueryCounter(db) as counter:
            page = orders.buyer_orders(
                session=db, buyer_id=buyer.id, before=cursor, limit=2, locale="en_US"
            )
        assert counter.count <= 3  # the user, the page, its lines
        seen += [s.reference for s in page.orders]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == expected and pages == 3
    first = orders.buyer_orders(session=db, buyer_id=buyer.id, limit=50).orders
    t0 = next(s for s in first if s.first_item_title == "T0")
    assert t0.counterpart_name == "Pager Shop" and t0.item_count == 3
    assert t0.first_item_photo_url == "listings/kT0_400.webp"
    assert t0.total == "€10.00" and t0.status_label == "Awaiting payment"
    assert t0.placed_at == "Jan 1, 2026"


def test_shop_orders_list_only_that_shop_and_filter_by_status(db):
    maker, buyer = make_user(db), make_user(db, display_name="Mia Buyer")
    shop = make_shop(db, owner=maker)
    other_shop = make_shop(db)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    make_order(db, buyer=buyer, shop=shop, placed_at=now, status="placed")
    paid = make_order(db, buyer=buyer, shop=shop, placed_at=now, status="paid")
    make_order(db, buyer=buyer, shop=other_shop, placed_at=now, status="paid")
    everything = orders.shop_orders(session=db, owner_id=maker.id)
    assert len(everything.orders) == 2 and everything.next_cursor is None
    assert {s.counterpart_name for s in everything.orders} == {"Mia Buyer"}
    to_ship = orders.shop_orders(session=db, owner_id=maker.id, status="paid")
    assert [s.reference for s in to_ship.orders] == [paid.reference]
    with pytest.raises(InvalidInput):
        orders.shop_orders(session=db, owner_id=maker.id, status="lost")
    with pytest.raises(NotAllowed, match="Open a shop"):
        orders.shop_orders(session=db, owner_id=buyer.id)


@pytest.mark.parametrize(
    "bad", ["abc", "1.2.3", "-1.5", "999999999999999999.1", "1.99999999999", 5, ["1.1"]]
)
def test_a_forged_page_cursor_is_refused(db, bad):
    with pytest.raises(InvalidInput, match="page link"):
        orders.buyer_orders(session=db, buyer_id=make_user(db).id, before=bad)


def test_the_buyer_is_emailed_when_the_order_ships(db, sale, mailbox):
    ref, maker = sale["ref"], sale["maker"]
    orders.confirm_payment(session=db, owner_id=maker.id, reference=ref)
    orders.mark_shipped(session=db, owner_id=maker.id, reference=ref, tracking_number="1Z999")
    db.commit()
    msg = mailbox.wait_for(sale["buyer"].email, f"Your order {ref} is on its way")
    assert "Tracking number: 1Z999" in body_of(msg)
