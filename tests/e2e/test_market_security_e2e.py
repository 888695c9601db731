"""Marketplace handlers called from a forged client: signed out, with wrong types, and
signed in as someone reaching for another maker's listing or another buyer's order.
Nothing may change, nothing may leak, and the app keeps serving."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from social_market.db import session_scope
from social_market.models import CartItem, Listing, ListingPhoto, Order, Shop
from social_market.services import checkout, listings
from social_market.state.market import FavouritesState, ListingPageState, ShopPageState
from social_market.state.orders import (
    CartState,
    CheckoutState,
    OrdersState,
    OrderState,
    SellerDashboardState,
    SellerOrdersState,
)
from social_market.state.search import SearchState
from social_market.state.sell import ListingEditorState, ShopEditorState
from tests.e2e.conftest import EventInjector, goto, sign_in
from tests.e2e.test_handler_security_e2e import WRONG
from tests.factories import PASSWORD, make_user, open_shop_for, publish_listing

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

HANDLERS = [
    (ShopEditorState, "load", {}),
    (ShopEditorState, "save", {"form_data": None}),
    (ShopEditorState, "upload_logo", {"files": None}),
    (ShopEditorState, "upload_banner", {"files": None}),
    (ListingEditorState, "load", {}),
    (ListingEditorState, "save", {"form_data": None}),
    (ListingEditorState, "upload_photos", {"files": None}),
    (ListingEditorState, "move_photo", {"photo_id": None, "step": None}),
    (ListingEditorState, "remove_photo", {"photo_id": None}),
    (ListingEditorState, "save_alt", {"form_data": None}),
    (ListingEditorState, "publish", {}),
    (ListingEditorState, "pause", {}),
    (ListingEditorState, "delete", {}),
    (ListingPageState, "load", {}),
    (ListingPageState, "show_photo", {"index": None}),
    (ListingPageState, "set_ship_to", {"code": None}),
    (ListingPageState, "set_quantity", {"value": None}),
    (ListingPageState, "add_to_cart", {}),
    (ListingPageState, "toggle_favourite", {}),
    (ShopPageState, "load", {}),
    (ShopPageState, "toggle_favourite", {}),
    (FavouritesState, "load", {}),
    (SearchState, "load", {}),
    (SearchState, "submit", {"form_data": None}),
    (CartState, "load", {}),
    (CartState, "set_ship_to", {"code": None}),
    (CartState, "set_quantity", {"listing_id": None, "value": None}),
    (CartState, "remove", {"listing_id": None}),
    (CheckoutState, "load", {}),
    (CheckoutState, "set_ship_to", {"code": None}),
    (CheckoutState, "set_method", {"code": None}),
    (CheckoutState, "place", {"form_data": None}),
    (OrdersState, "load", {}),
    (OrdersState, "more", {}),
    (OrderState, "load", {}),
    (OrderState, "confirm_payment", {}),
    (OrderState, "mark_shipped", {"form_data": None}),
    (OrderState, "mark_delivered", {}),
    (OrderState, "cancel", {"form_data": None}),
    (SellerOrdersState, "load", {}),
    (SellerOrdersState, "more", {}),
    (SellerDashboardState, "load", {}),
]


def _market_snapshot():
    with session_scope() as session:
        return (
            sorted(
                (s.id, s.name, s.slug, s.logo_key, s.closed_at) for s in session.exec(select(Shop))
            ),
            sorted(
                (x.id, x.title, x.price_cents, x.quantity, x.state, x.cover_key, x.cover_alt)
                for x in session.exec(select(Listing))
            ),
            sorted(
                (p.id, p.listing_id, p.position, p.alt) for p in session.exec(select(ListingPhoto))
            ),
            sorted((o.id, o.status, o.total_cents) for o in session.exec(select(Order))),
            sorted((c.user_id, c.listing_id, c.quantity) for c in session.exec(select(CartItem))),
        )


@pytest.fixture
def victim_market():
    """A maker with a published listing and a buyer with an order from it."""
    with session_scope() as session:
        maker = make_user(session)
        open_shop_for(session, maker, name="Victim Studio")
        listing = publish_listing(session, maker, title="Victim vase", price="50")
        photo = session.exec(
            select(ListingPhoto).where(ListingPhoto.listing_id == listing.id)
        ).one()
        buyer = make_user(session)
        session.add(CartItem(user_id=buyer.id, listing_id=listing.id, quantity=1))
        session.flush()
        result = checkout.place_order(
            session=session,
            buyer_id=buyer.id,
            address={
                "name": "Buyer Private",
                "line1": "Secret street 1",
                "postcode": "10115",
                "city": "Berlin",
                "country": "DE",
            },
            payment_method="bank_transfer",
        )
        return {
            "listing_id": listing.id,
            "photo_id": photo.id,
            "reference": result.orders[0].reference,
        }


def test_market_handlers_signed_out_with_wrong_arguments_change_nothing(page, victim_market):
    injector = EventInjector(page)
    goto(page, "/")
    before = _market_snapshot()
    for state, handler, args in HANDLERS:
        for value in WRONG if args else [None]:
            injector.send(state, handler, dict.fromkeys(args, value))
        injector.send(state, handler, {"unexpected": 1})
    page.wait_for_timeout(1500)
    assert _market_snapshot() == before
    goto(page, "/search?q=victim")
    expect(page.locator("#search-results .sm-listing-card").first).to_be_visible()


def test_another_maker_cannot_touch_a_listing_or_read_an_order(new_context, victim_market):
    with session_scope() as session:
        attacker = make_user(session)
        open_shop_for(session, attacker, name="Attacker Shop", domestic_first="1")
        own = listings.create_listing(
            session=session,
            owner_id=attacker.id,
            form={"title": "Decoy", "price": "5", "quantity": "1", "category_id": "301"},
        )
        email, own_id = attacker.email, own.id
    page = new_context().new_page()
    injector = EventInjector(page)
    sign_in(page, email, PASSWORD, next_path=f"/sell/listings/{victim_market['listing_id']}")
    expect(page.get_by_text("We couldn't find that listing.")).to_be_visible()
    before = _market_snapshot()

    goto(page, f"/sell/listings/{own_id}")
    victim_photo = victim_market["photo_id"]
    injector.send(
        ListingEditorState, "save_alt", {"form_data": {"photo_id": victim_photo, "alt": "HACKED"}}
    )
    injector.send(ListingEditorState, "move_photo", {"photo_id": victim_photo, "step": 1})
    injector.send(ListingEditorState, "remove_photo", {"photo_id": victim_photo})
    injector.send(
        CartState, "set_quantity", {"listing_id": victim_market["listing_id"], "value": "99"}
    )
    injector.send(CartState, "remove", {"listing_id": victim_market["listing_id"]})

    # Another buyer's order: not found, and its actions do nothing.
    goto(page, f"/orders/{victim_market['reference']}")
    expect(page.get_by_role("heading", name="We couldn't find that order.")).to_be_visible()
    expect(page.get_by_text("Secret street 1")).to_have_count(0)
    for handler, args in (
        ("confirm_payment", {}),
        ("mark_shipped", {"form_data": {"tracking_number": "X"}}),
        ("cancel", {"form_data": {"reason": "hacked"}}),
        ("mark_delivered", {}),
    ):
        injector.send(OrderState, handler, args)
    page.wait_for_timeout(1500)
    after = _market_snapshot()
    assert after[1:4] == before[1:4]  # listings, photos and orders untouched
    with session_scope() as session:
        assert (
            session.exec(select(ListingPhoto).where(ListingPhoto.alt == "HACKED")).first() is None
        )
