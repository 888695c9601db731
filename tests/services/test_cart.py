"""The cart: adding, changing, removing, and reading it priced per shop and destination."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlmodel import select

from social_market.models import CartItem, Listing, utcnow
from social_market.services import cart, listings
from social_market.services.errors import InvalidInput, NotAllowed, NotFound
from tests.factories import make_listing, make_shop, make_user

BAD_IDS = ["1; DROP TABLE listing", -1, 0, 10**20, None, 1.5, [1], {"id": 1}, True, ""]


def fill_cart(session, buyer, *items) -> None:
    """Put (listing, quantity) pairs in ``buyer``'s cart through the service."""
    for listing, quantity in items:
        cart.add_to_cart(
            session=session, user_id=buyer.id, listing_id=listing.id, quantity=quantity
        )


class QueryCounter:
    """Counts SQL statements run on a session's connection."""

    def __init__(self, session):
        self.count = 0
        self.conn = session.connection()

    def _hit(self, *args, **kwargs):
        self.count += 1

    def __enter__(self):
        event.listen(self.conn, "before_cursor_execute", self._hit)
        return self

    def __exit__(self, *exc):
        event.remove(self.conn, "before_cursor_execute", self._hit)


def test_adding_the_same_listing_again_increases_the_quantity(db):
    buyer, listing = make_user(db), make_listing(db)
    assert cart.add_to_cart(session=db, user_id=buyer.id, listing_id=listing.id) == 1
    assert cart.add_to_cart(session=db, user_id=buyer.id, listing_id=listing.id, quantity=2) == 3
    assert cart.cart_count(session=db, user_id=buyer.id) == 3
    rows = db.exec(select(CartItem).where(CartItem.user_id == buyer.id)).all()
    assert [(r.listing_id, r.quantity) for r in rows] == [(listing.id, 3)]


def test_quantity_is_limited_to_the_stock_unless_made_to_order(db):
    buyer = make_user(db)
    stocked = make_listing(db, quantity=2, title="Blue bowl")
    with pytest.raises(InvalidInput, match="Only 2 left of Blue bowl") as err:
        cart.add_to_cart(session=db, user_id=buyer.id, listing_id=stocked.id, quantity=3)
    assert err.value.field == "quantity"
    cart.add_to_cart(session=db, user_id=buyer.id, listing_id=stocked.id, quantity=2)
    with pytest.raises(InvalidInput, match="Only 2 left"):
        cart.add_to_cart(session=db, user_id=buyer.id, listing_id=stocked.id)

    custom = make_listing(db, quantity=0, made_to_order=True, lead_time_days=14)
    assert cart.add_to_cart(session=db, user_id=buyer.id, listing_id=custom.id, quantity=40) == 40


def test_at_most_99_of_one_listing_per_line(db):
    buyer = make_user(db)
    custom = make_listing(db, quantity=0, made_to_order=True)
    cart.add_to_cart(session=db, user_id=buyer.id, listing_id=custom.id, quantity=99)
    with pytest.raises(InvalidInput, match="at most 99"):
        cart.add_to_cart(session=db, user_id=buyer.id, listing_id=custom.id)


@pytest.mark.parametrize("quantity", [0, -1, -5, 100, 10**20, 1.5, "two", None, True, [1], "1e3"])
def test_negative_zero_huge_and_non_numeric_quantities_are_refused(db, quantity):
    buyer = make_user(db)
    listing = make_listing(db, made_to_order=True)
    with pytest.raises(InvalidInput) as err:
        cart.add_to_cart(session=db, user_id=buyer.id, listing_id=listing.id, quantity=quantity)
    assert err.value.field == "quantity"
    assert cart.cart_count(session=db, user_id=buyer.id) == 0


def test_a_quantity_typed_as_digits_is_accepted(db):
    buyer, listing = make_user(db), make_listing(db)
    assert cart.add_to_cart(session=db, user_id=buyer.id, listing_id=str(listing.id), quantity="2")


def test_only_active_listings_can_be_added(db):
    buyer = make_user(db)
    sold_out = make_listing(db, state="sold_out", quantity=0, title="Gone vase")
    paused = make_listing(db, state="paused", title="Resting mug")
    draft = make_listing(db, state="draft")
    deleted = make_listing(db, state="deleted")
    with pytest.raises(InvalidInput, match="Gone vase is sold out"):
        cart.add_to_cart(session=db, user_id=buyer.id, listing_id=sold_out.id)
    with pytest.raises(InvalidInput, match="Resting mug is no longer available"):
        cart.add_to_cart(session=db, user_id=buyer.id, listing_id=paused.id)
    with pytest.raises(NotFound):  # drafts are invisible: same as a missing id
        cart.add_to_cart(session=db, user_id=buyer.id, listing_id=draft.id)
    with pytest.raises(InvalidInput, match="no longer available"):
        cart.add_to_cart(session=db, user_id=buyer.id, listing_id=deleted.id)
    assert cart.cart_count(session=db, user_id=buyer.id) == 0


def test_you_cannot_put_your_own_shops_listing_in_your_cart(db):
    maker = make_user(db)
    listing = make_listing(db, shop=make_shop(db, owner=maker))
    with pytest.raises(NotAllowed, match="own shop"):
        cart.add_to_cart(session=db, user_id=maker.id, listing_id=listing.id)


def test_another_users_listing_id_is_fine_to_add(db):
    # Listing ids are public; any buyer may add any active listing.
    buyer, listing = make_user(db), make_listing(db)
    assert cart.add_to_cart(session=db, user_id=buyer.id, listing_id=listing.id) == 1


@pytest.mark.parametrize("bad", BAD_IDS)
def test_forged_listing_ids_give_a_clear_not_found(db, bad):
    buyer = make_user(db)
    with pytest.raises(NotFound, match="couldn't find that listing"):
        cart.add_to_cart(session=db, user_id=buyer.id, listing_id=bad)


def test_a_listing_id_that_does_not_exist_gives_not_found(db):
    with pytest.raises(NotFound):
        cart.add_to_cart(session=db, user_id=make_user(db).id, listing_id=2**61)


@pytest.mark.parametrize("bad", BAD_IDS)
def test_every_cart_function_checks_the_acting_user(db, bad):
    listing = make_listing(db)
    with pytest.raises(NotAllowed, match="sign in"):
        cart.add_to_cart(session=db, user_id=bad, listing_id=listing.id)
    with pytest.raises(NotAllowed):
        cart.set_quantity(session=db, user_id=bad, listing_id=listing.id, quantity=1)
    with pytest.raises(NotAllowed):
        cart.remove_from_cart(session=db, user_id=bad, listing_id=listing.id)
    with pytest.raises(NotAllowed):
        cart.clear_cart(session=db, user_id=bad)
    with pytest.raises(NotAllowed):
        cart.get_cart(session=db, user_id=bad)
    assert cart.cart_count(session=db, user_id=bad) == 0


def test_set_quantity_remove_and_clear(db):
    buyer = make_user(db)
    a, b = make_listing(db, quantity=5), make_listing(db)
    fill_cart(db, buyer, (a, 1), (b, 1))
    assert cart.set_quantity(session=db, user_id=buyer.id, listing_id=a.id, quantity=4) == 4
    with pytest.raises(InvalidInput, match="Only 5 left"):
        cart.set_quantity(session=db, user_id=buyer.id, listing_id=a.id, quantity=6)
    with pytest.raises(InvalidInput):
        cart.set_quantity(session=db, user_id=buyer.id, listing_id=a.id, quantity=0)
    assert cart.remove_from_cart(session=db, user_id=buyer.id, listing_id=b.id) is True
    assert cart.remove_from_cart(session=db, user_id=buyer.id, listing_id=b.id) is False
    with pytest.raises(NotFound, match="isn't in your cart"):
        cart.set_quantity(session=db, user_id=buyer.id, listing_id=b.id, quantity=1)
    assert cart.cart_count(session=db, user_id=buyer.id) == 4
    assert cart.clear_cart(session=db, user_id=buyer.id) == 1
    assert cart.cart_count(session=db, user_id=buyer.id) == 0


def test_removing_touches_only_your_own_cart(db):
    buyer, other = make_user(db), make_user(db)
    listing = make_listing(db)
    fill_cart(db, other, (listing, 2))
    assert cart.remove_from_cart(session=db, user_id=buyer.id, listing_id=listing.id) is False
    assert cart.clear_cart(session=db, user_id=buyer.id) == 0
    assert cart.cart_count(session=db, user_id=other.id) == 2


def test_lowering_a_quantity_works_even_when_stock_has_dropped(db):
    buyer = make_user(db)
    listing = make_listing(db, quantity=5)
    fill_cart(db, buyer, (listing, 4))
    listing.quantity = 2
    db.add(listing)
    db.flush()
    assert cart.set_quantity(session=db, user_id=buyer.id, listing_id=listing.id, quantity=3) == 3


def test_cart_groups_lines_by_shop_with_shipping_per_destination(db):
    buyer = make_user(db)
    de_shop = make_shop(db, name="Leipzig Loom", country="DE")
    fr_shop = make_shop(db, name="Atelier Lyon", country="FR")
    scarf = make_listing(db, shop=de_shop, price_cents=2500, title="Scarf")
    hat = make_listing(db, shop=de_shop, price_cents=1000, title="Hat")
    bowl = make_listing(db, shop=fr_shop, price_cents=4000, title="Bowl")
    fill_cart(db, buyer, (scarf, 2), (hat, 1), (bowl, 1))

    result = cart.get_cart(session=db, user_id=buyer.id, destination_country="DE", locale="en_US")
    assert [s.shop_name for s in result.shops] == ["Leipzig Loom", "Atelier Lyon"]
    leipzig, lyon = result.shops
    assert [(ln.title, ln.quantity, ln.line_total_cents) for ln in leipzig.lines] == [
        ("Scarf", 2, 5000),
        ("Hat", 1, 1000),
    ]
    assert leipzig.lines[0].unit_price == "€25.00" and leipzig.lines[0].line_total == "€50.00"
    assert leipzig.lines[0].url == f"/listing/{scarf.id}-{scarf.slug}"
    # Domestic: 4.90 for the first piece + 1.00 for each of the two more.
    assert leipzig.items_subtotal_cents == 6000 and leipzig.shipping_cents == 690
    assert leipzig.total_cents == 6690
    # From France to Germany: EU rate.
    assert lyon.shipping_cents == 990 and lyon.total_cents == 4990
    assert result.items_total_cents == 10000 and result.shipping_total_cents == 1680
    assert result.grand_total_cents == 11680 and result.grand_total == "€116.80"
    assert result.item_count == 4
    assert [m.code for m in leipzig.payment_methods] == ["bank_transfer"]
    assert [m.code for m in result.payment_methods] == ["bank_transfer"]
    assert result.can_check_out and not result.has_problems


def test_shipping_is_unknown_until_a_destination_is_chosen(db):
    buyer = make_user(db)
    fill_cart(db, buyer, (make_listing(db), 1))
    result = cart.get_cart(session=db, user_id=buyer.id, destination_country=None)
    assert result.shops[0].shipping_cents is None and result.shops[0].shipping == ""
    assert result.grand_total_cents == 2500 and not result.can_check_out


def test_a_shop_that_does_not_ship_to_the_destination_shows_a_problem(db):
    buyer = make_user(db)
    shop = make_shop(db, name="Local Only")
    from social_market.models import ShippingRate

    for rate in db.exec(select(ShippingRate).where(ShippingRate.shop_id == shop.id)):
        if rate.zone == "world":
            db.delete(rate)
    db.flush()
    fill_cart(db, buyer, (make_listing(db, shop=shop), 1))
    result = cart.get_cart(session=db, user_id=buyer.id, destination_country="JP")
    assert result.shops[0].problem == "Local Only doesn't ship to Japan."
    assert result.shops[0].shipping_cents is None
    assert result.has_problems and not result.can_check_out
    german = cart.get_cart(session=db, user_id=buyer.id, destination_country="jp", locale="de_DE")
    assert german.destination_country == "JP"


def test_unavailable_lines_are_shown_with_a_problem_and_left_out_of_totals(db):
    buyer = make_user(db)
    shop = make_shop(db)
    ok = make_listing(db, shop=shop, price_cents=1000, title="Still here")
    paused = make_listing(db, shop=shop, price_cents=9900, title="Paused thing")
    short = make_listing(db, shop=shop, price_cents=500, quantity=3, title="Few left")
    fill_cart(db, buyer, (ok, 1), (paused, 1), (short, 3))
    paused.state = "paused"
    short.quantity = 1
    db.add_all([paused, short])
    db.flush()

    result = cart.get_cart(session=db, user_id=buyer.id, destination_country="DE")
    problems = {ln.title: ln.problem for ln in result.shops[0].lines}
    assert problems == {
        "Still here": "",
        "Paused thing": "Paused thing is no longer available.",
        "Few left": "Only 1 left of Few left.",
    }
    assert result.items_total_cents == 1000
    assert result.shops[0].shipping_cents == 490  # one piece counted
    assert result.has_problems and not result.can_check_out
    assert {ln.title: ln.max_quantity for ln in result.shops[0].lines}["Paused thing"] == 0


def test_deleting_a_listing_removes_it_from_carts(db):
    buyer, maker = make_user(db), make_user(db)
    listing = make_listing(db, shop=make_shop(db, owner=maker))
    fill_cart(db, buyer, (listing, 1))
    listings.delete_listing(session=db, owner_id=maker.id, listing_id=listing.id)
    assert cart.get_cart(session=db, user_id=buyer.id).shops == []


def test_sold_out_problems_are_translated(db):
    buyer = make_user(db)
    listing = make_listing(db, title="Krug")
    fill_cart(db, buyer, (listing, 1))
    listing.state, listing.quantity = "sold_out", 0
    db.add(listing)
    db.flush()
    result = cart.get_cart(session=db, user_id=buyer.id, locale="en_US")
    assert result.shops[0].lines[0].problem == "Krug is sold out."


def test_pickup_needs_no_destination_and_charges_no_shipping(db):
    buyer = make_user(db)
    pickup_shop = make_shop(db, accepts_pickup=True, name="Pickup Place")
    fill_cart(db, buyer, (make_listing(db, shop=pickup_shop), 2))
    result = cart.get_cart(session=db, user_id=buyer.id, payment_method="pickup")
    assert result.shipping_total_cents == 0 and result.grand_total_cents == 5000
    assert result.can_check_out
    assert {m.code for m in result.payment_methods} == {"bank_transfer", "pickup"}

    fill_cart(db, buyer, (make_listing(db), 1))  # a shop without pickup
    result = cart.get_cart(session=db, user_id=buyer.id, payment_method="pickup")
    assert "doesn't accept Pay on pickup" in result.shops[1].problem
    assert [m.code for m in result.payment_methods] == ["bank_transfer"]


def test_a_bad_destination_country_is_refused(db):
    buyer = make_user(db)
    with pytest.raises(InvalidInput) as err:
        cart.get_cart(session=db, user_id=buyer.id, destination_country="XX")
    assert err.value.field == "country"


def test_the_cart_is_read_in_two_queries_whatever_its_size(db):
    buyer = make_user(db)
    for _ in range(4):
        shop = make_shop(db)
        fill_cart(db, buyer, *[(make_listing(db, shop=shop), 1) for _ in range(3)])
    db.expire_all()
    cart.get_cart(session=db, user_id=buyer.id)  # warm: the user row
    db.expire_all()
    with QueryCounter(db) as counter:
        result = cart.get_cart(session=db, user_id=buyer.id, destination_country="FR")
    assert len(result.shops) == 4 and result.item_count == 12
    # One for the user, one for lines+listings+shops, one for the rates.
    assert counter.count == 3


def test_a_cart_has_at_most_50_lines(db):
    buyer = make_user(db)
    shop = make_shop(db)
    now = utcnow()
    for _ in range(cart.MAX_LINES):
        listing = make_listing(db, shop=shop)
        db.add(CartItem(user_id=buyer.id, listing_id=listing.id, quantity=1, added_at=now))
    db.flush()
    with pytest.raises(InvalidInput, match="cart is full"):
        cart.add_to_cart(session=db, user_id=buyer.id, listing_id=make_listing(db, shop=shop).id)


def test_the_cart_shows_prices_from_the_database_now(db):
    buyer = make_user(db)
    listing = make_listing(db, price_cents=2500)
    fill_cart(db, buyer, (listing, 1))
    db.exec(select(Listing).where(Listing.id == listing.id)).one().price_cents = 3000
    db.flush()
    result = cart.get_cart(session=db, user_id=buyer.id)
    assert result.items_total_cents == 3000
