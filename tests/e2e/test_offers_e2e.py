"""Flash offers in Chromium: a follower buys in a followers-only offer while a
non-follower (in another browser context) cannot see it; the maker publishes one
through the form; forged events (a stranger buying by id, someone publishing on
another maker's listing) change nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func
from sqlmodel import select

from social_market.db import session_scope
from social_market.models import Listing, Order, OrderLine, utcnow
from social_market.models.offers import FlashOffer, FlashOfferPurchase
from social_market.services import offers
from social_market.state.offers import NewOfferState, OffersState
from tests.e2e.conftest import EventInjector, goto, shot, sign_in
from tests.factories import PASSWORD, follow_shop, make_user, open_shop_for, publish_listing

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

COUNTDOWN = re.compile(r"\d{2}:\d{2}:\d{2}")


@pytest.fixture(scope="module")
def world(app_url):
    """A maker with two listings, a followers-only offer on the first; a follower and a
    stranger; another maker with a shop of their own."""
    with session_scope() as session:
        maker = make_user(session, display_name="Marta Maker")
        shop = open_shop_for(session, maker, name="Marta's Kiln")
        mug = publish_listing(session, maker, title="Speckled flash mug", price="20", quantity="6")
        bowl = publish_listing(session, maker, title="Ash glaze bowl", price="40", quantity="4")
        fan, stranger = make_user(session), make_user(session)
        other_maker = make_user(session)
        open_shop_for(session, other_maker, name="Other Studio")
        follow_shop(session, fan, shop)
        now = utcnow()
        offer = offers.publish(
            session=session,
            actor_id=maker.id,
            listing_id=mug.id,
            form={
                "price": "15",
                "quantity": "4",
                "per_buyer": "2",
                "audience": "followers",
                "starts_at": now,
                "ends_at": now + timedelta(hours=3),
                "note": "FLASHNOTE for my followers",
            },
        )
        return {
            "maker": maker.email,
            "fan": fan.email,
            "stranger": stranger.email,
            "other_maker": other_maker.email,
            "mug": mug.id,
            "mug_path": f"/listing/{mug.id}-{mug.slug}",
            "bowl": bowl.id,
            "bowl_path": f"/listing/{bowl.id}-{bowl.slug}",
            "shop_path": f"/shop/{shop.slug}",
            "offer": offer.id,
        }


def _offer_state(offer_id: int) -> tuple[int, int, int]:
    with session_scope() as session:
        offer = session.get(FlashOffer, offer_id)
        orders = session.exec(select(func.count()).select_from(Order)).one()
        purchases = session.exec(select(func.count()).select_from(FlashOfferPurchase)).one()
        return offer.remaining, orders, purchases


def _stock(listing_id: int) -> int:
    with session_scope() as session:
        return session.get(Listing, listing_id).quantity


def test_a_follower_buys_in_the_flash_offer_while_a_stranger_cannot_see_it(new_context, world):
    fan = new_context().new_page()
    stranger = new_context().new_page()
    sign_in(fan, world["fan"], PASSWORD, next_path=world["mug_path"])
    sign_in(stranger, world["stranger"], PASSWORD, next_path=world["mug_path"])

    # The follower sees the offer, with a countdown ticking in the page.
    section = fan.locator("#flash-offers")
    expect(section).to_be_visible()
    expect(section).to_contain_text("Flash offer")
    expect(section).to_contain_text("For followers")
    timer = section.get_by_role("timer")
    expect(timer).to_have_text(COUNTDOWN)
    first = timer.inner_text()
    fan.wait_for_timeout(1200)
    assert timer.inner_text() != first, "the countdown ticks"
    shot(fan, "offers-follower-listing")

    # The stranger, on the same page at the same moment, sees no offer at all.
    expect(stranger.get_by_role("heading", name="Speckled flash mug")).to_be_visible()
    expect(stranger.locator("#flash-offers")).to_have_count(0)
    expect(stranger.locator("body")).not_to_contain_text("Flash offer")
    shot(stranger, "offers-stranger-listing")
    goto(stranger, "/offers")
    expect(stranger.locator("#no-offers")).to_be_visible()
    goto(stranger, world["shop_path"])
    expect(stranger.locator("#flash-offers")).to_have_count(0)

    # The follower buys two pieces at the offer price.
    section.get_by_role("button", name=re.compile("^Buy at")).click()
    dialog = fan.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Quantity").fill("2")
    dialog.get_by_label("Full name").fill("Fiona Follower")
    dialog.get_by_label("Street and number").fill("Gartenweg 3")
    dialog.get_by_label("Postcode").fill("04109")
    dialog.get_by_label("City").fill("Leipzig")
    shot(fan, "offers-buy-dialog")
    dialog.get_by_role("button", name="Place order").click()
    fan.wait_for_url(re.compile(r"/orders/SM-"), timeout=20_000)
    shot(fan, "offers-order-placed")
    remaining, _, purchases = _offer_state(world["offer"])
    assert (remaining, purchases) == (2, 1)
    with session_scope() as session:
        line = session.exec(select(OrderLine).where(OrderLine.source_kind == "offer")).one()
        assert (line.unit_price_cents, line.quantity) == (1500, 2)
    assert _stock(world["mug"]) == 2  # 6 - 4 offered; buying took none

    # The per-person limit is reached: a third piece is refused with a clear message.
    goto(fan, world["mug_path"])
    expect(fan.locator("#flash-offers")).to_contain_text("you bought 2")
    fan.locator("#flash-offers").get_by_role("button", name=re.compile("^Buy at")).click()
    dialog = fan.get_by_role("dialog")
    dialog.get_by_label("Full name").fill("Fiona Follower")
    dialog.get_by_label("Street and number").fill("Gartenweg 3")
    dialog.get_by_label("Postcode").fill("04109")
    dialog.get_by_label("City").fill("Leipzig")
    dialog.get_by_role("button", name="Place order").click()
    expect(dialog.get_by_text("already bought the 2 pieces")).to_be_visible()
    assert _offer_state(world["offer"])[0] == 2


def test_the_offer_shows_at_phone_width_on_the_shop_page(new_context, world):
    page = new_context(width=390, height=844).new_page()
    sign_in(page, world["fan"], PASSWORD, next_path=world["shop_path"])
    expect(page.locator("#flash-offers")).to_be_visible()
    expect(page.locator("#flash-offers").get_by_role("timer")).to_have_text(COUNTDOWN)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "offers-shop-phone")


def test_a_stranger_forging_events_can_neither_buy_nor_see_the_offer(new_context, world):
    page = new_context().new_page()
    injector = EventInjector(page)
    sign_in(page, world["stranger"], PASSWORD, next_path=world["mug_path"])
    before = _offer_state(world["offer"])
    form = {
        "offer_id": str(world["offer"]),
        "quantity": "1",
        "payment_method": "bank_transfer",
        "name": "Sly",
        "line1": "Weg 1",
        "postcode": "10115",
        "city": "Berlin",
        "country": "DE",
    }
    injector.send(OffersState, "open_buy", {"offer_id": world["offer"]})
    injector.send(OffersState, "buy", {"form_data": form})
    injector.send(OffersState, "cancel_offer", {"offer_id": world["offer"]})
    for wrong in (None, "x", -1, [world["offer"]], {"id": world["offer"]}):
        injector.send(OffersState, "buy", {"form_data": {**form, "offer_id": wrong}})
        injector.send(OffersState, "open_buy", {"offer_id": wrong})
    injector.send(OffersState, "buy", {"form_data": "not a form"})
    page.wait_for_timeout(2000)
    assert _offer_state(world["offer"]) == before
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.locator("#flash-offers")).to_have_count(0)
    sent = "".join(injector.received)
    assert injector.received
    assert f"#offer-{world['offer']}" not in sent and "15,00" not in sent and "15.00" not in sent
    expect(page.get_by_text("We couldn't find that offer.").first).to_be_visible()
    shot(page, "offers-forged-buy")


def test_nobody_publishes_an_offer_on_another_makers_listing(new_context, world):
    for who in ("other_maker", "stranger"):
        page = new_context().new_page()
        injector = EventInjector(page)
        sign_in(page, world[who], PASSWORD, next_path=f"/sell/offers/new/{world['bowl']}")
        expect(page.get_by_text("We couldn't find that listing.")).to_be_visible()
        injector.send(
            NewOfferState,
            "submit",
            {
                "form_data": {
                    "listing_id": str(world["bowl"]),
                    "price": "10",
                    "quantity": "3",
                    "starts": "now",
                    "duration": "1d",
                    "audience": "everyone",
                }
            },
        )
        page.wait_for_timeout(1500)
        with session_scope() as session:
            count = session.exec(
                select(func.count())
                .select_from(FlashOffer)
                .where(FlashOffer.listing_id == world["bowl"])
            ).one()
        assert count == 0
        assert _stock(world["bowl"]) == 4
    shot(page, "offers-forged-publish")


def test_the_maker_publishes_an_offer_with_the_form_and_can_end_it(new_context, world):
    page = new_context().new_page()
    sign_in(page, world["maker"], PASSWORD, next_path=world["bowl_path"])
    page.locator("#new-flash-offer").click()
    page.wait_for_url(re.compile(r"/sell/offers/new/"))
    expect(page.get_by_role("heading", name="New flash offer")).to_be_visible()
    # Refused first: the price is not below the listing's.
    page.get_by_label("Offer price").fill("45")
    page.get_by_label("Pieces", exact=True).fill("2")
    page.get_by_role("button", name="Publish offer").click()
    expect(page.get_by_text("must be below the listing's price")).to_be_visible()
    shot(page, "offers-new-form-error")
    page.get_by_label("Offer price").fill("30")
    page.get_by_label("Who can see it").select_option("everyone")
    page.get_by_role("button", name="Publish offer").click()
    page.wait_for_url(re.compile(r"/listing/"))
    section = page.locator("#flash-offers")
    expect(section).to_be_visible()
    expect(section.get_by_role("timer")).to_have_text(COUNTDOWN)
    assert _stock(world["bowl"]) == 2
    shot(page, "offers-maker-listing")
    section.get_by_role("button", name="End offer now").click()
    expect(page.locator("#flash-offers")).to_have_count(0)
    assert _stock(world["bowl"]) == 4


HANDLERS = [
    (OffersState, "load_for_listing", None),
    (OffersState, "load_for_shop", None),
    (OffersState, "load_all", None),
    (OffersState, "refresh", None),
    (OffersState, "open_buy", "offer_id"),
    (OffersState, "set_buy_open", "value"),
    (OffersState, "buy", "form_data"),
    (OffersState, "cancel_offer", "offer_id"),
    (NewOfferState, "load", None),
    (NewOfferState, "submit", "form_data"),
]


def test_offer_handlers_signed_out_with_wrong_arguments_change_nothing(page, world):
    from tests.e2e.test_handler_security_e2e import WRONG

    injector = EventInjector(page)
    goto(page, world["mug_path"])
    before = (_offer_state(world["offer"]), _stock(world["mug"]), _stock(world["bowl"]))
    for state, handler, arg in HANDLERS:
        for value in WRONG if arg else [None]:
            injector.send(state, handler, {arg: value} if arg else {})
    for value in WRONG:
        injector.send(NewOfferState, "submit", {"form_data": {"starts": value, "duration": value}})
    page.wait_for_timeout(1500)
    assert (_offer_state(world["offer"]), _stock(world["mug"]), _stock(world["bowl"])) == before
    goto(page, "/offers")
    expect(page.locator("#main")).to_be_visible()
