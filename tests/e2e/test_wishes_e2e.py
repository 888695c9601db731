"""Wishes in the browser: a wish gathers votes and pledges, the maker accepts it and
publishes the piece, a pledger buys through the reserved purchase. Each person has their
own browser context. Forged events from a non-maker change nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from social_market.db import session_scope
from social_market.models import Listing, Order, OrderLine, StockHold, Wish, WishPledge
from social_market.services import listings
from social_market.state.wishes import (
    MakerWishesState,
    ReservedState,
    ShopWishesState,
    WishPageState,
)
from tests.e2e.conftest import EventInjector, goto, shot, sign_in, wait_ready
from tests.e2e.test_handler_security_e2e import WRONG
from tests.factories import PASSWORD, make_user, open_shop_for, png

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _people():
    with session_scope() as session:
        maker = make_user(session)
        shop = open_shop_for(session, maker, name="Blue Kiln")
        author, first, second = make_user(session), make_user(session), make_user(session)
        return {
            "slug": shop.slug,
            "maker": maker.email,
            "author": author.email,
            "first": first.email,
            "second": second.email,
            "first_id": first.id,
        }


def _vote_and_pledge(page, slug, title, quantity, price):
    goto(page, f"/shop/{slug}/wishes")
    item = page.locator(".sm-wish", has_text=title)
    item.get_by_role("button", name=f"Vote for {title}").click()
    expect(item.get_by_role("button", name=f"Take back your vote for {title}")).to_be_visible()
    item.get_by_role("link", name="Pledge").click()
    page.wait_for_url("**/wish/*")
    page.wait_for_selector("[data-sm-ready='true']", state="attached")
    page.get_by_label("How many (1–20)").fill(str(quantity))
    page.get_by_label("Price per piece you'd pay").fill(price)
    page.locator("#pledge-submit").click()
    expect(page.get_by_text("Thank you! Your pledge is saved.")).to_be_visible()


def test_a_wish_is_voted_pledged_accepted_published_and_bought(new_context, tmp_path):
    people = _people()
    slug = people["slug"]

    # The author proposes the wish.
    author = new_context().new_page()
    sign_in(author, people["author"], PASSWORD, next_path=f"/shop/{slug}/wishes")
    author.get_by_label("What should it be?").fill("Teapot with a blue glaze")
    author.get_by_label("Details (optional)").fill("Like the green one, for four cups.")
    author.get_by_label("Price you'd pay (optional)").fill("38")
    photo = tmp_path / "teapot.png"
    photo.write_bytes(png())
    author.locator("#wish-photo input[type=file]").set_input_files(str(photo))
    expect(author.get_by_role("img", name="Your reference photo")).to_be_visible()
    author.locator("#wish-submit").click()
    expect(author.get_by_text("Thank you! Your wish is on the shop's list.")).to_be_visible()
    item = author.locator(".sm-wish", has_text="Teapot with a blue glaze")
    expect(
        item.get_by_role("img", name="Reference photo for Teapot with a blue glaze")
    ).to_be_visible()
    shot(author, "wishes-shop-list")

    # Two people vote and pledge, each in their own browser.
    first = new_context().new_page()
    sign_in(first, people["first"], PASSWORD)
    _vote_and_pledge(first, slug, "Teapot with a blue glaze", 2, "40")
    second = new_context(width=390, height=844).new_page()
    sign_in(second, people["second"], PASSWORD)
    _vote_and_pledge(second, slug, "Teapot with a blue glaze", 1, "35")
    expect(second.get_by_text("€115.00 pledged by 2 people for 3 pieces")).to_be_visible()
    expect(second.get_by_text("2 votes")).to_be_visible()
    shot(second, "wishes-wish-page-phone")
    # Totals only: the other person's pledge is nowhere on the page.
    expect(second.get_by_text("40.00")).to_have_count(0)

    with session_scope() as session:
        wish = session.exec(select(Wish).where(Wish.title == "Teapot with a blue glaze")).one()
        wish_id = wish.id
        assert (wish.vote_count, wish.pledge_count, wish.pledged_cents) == (2, 2, 11500)

    # The maker sees it by pledged value, accepts it, and publishes the draft.
    maker = new_context().new_page()
    sign_in(maker, people["maker"], PASSWORD, next_path="/sell/wishes")
    maker.locator("#wish-sort").select_option("pledged")
    expect(maker.locator(".sm-wish").first).to_contain_text("Teapot with a blue glaze")
    shot(maker, "wishes-maker-list")
    goto(maker, f"/wish/{wish_id}")
    maker.get_by_label("Note (optional)").fill("Yes, in time for winter!")
    maker.locator("#accept-submit").click()
    maker.wait_for_url("**/sell/listings/*")
    with session_scope() as session:
        wish = session.get(Wish, wish_id)
        assert wish.state == "accepted"
        draft = session.get(Listing, wish.listing_id)
        assert (draft.state, draft.price_cents, draft.quantity) == ("draft", 3800, 3)
        owner_id = session.exec(select(Listing.shop_id).where(Listing.id == draft.id)).one()
        from social_market.models import Shop

        maker_id = session.get(Shop, owner_id).owner_id
        listings.add_photo(session=session, owner_id=maker_id, listing_id=draft.id, data=png())
        session.commit()
        listing_id = draft.id
    goto(maker, f"/sell/listings/{listing_id}")
    maker.locator("#publish-listing").click()
    for _ in range(100):
        with session_scope() as session:
            if session.get(Wish, wish_id).state == "made":
                break
        maker.wait_for_timeout(200)
    shot(maker, "wishes-published")
    with session_scope() as session:
        assert session.get(Wish, wish_id).state == "made"
        held = session.exec(
            select(StockHold).where(StockHold.kind == "wish", StockHold.source_id == wish_id)
        ).all()
        assert sorted(h.quantity for h in held) == [1, 2]
        assert session.get(Listing, listing_id).quantity == 0  # all three pieces held
        hold_id = session.get(WishPledge, (wish_id, people["first_id"])).hold_id

    # The first pledger finds the reservation on the wish page and buys it.
    goto(first, f"/wish/{wish_id}")
    first.locator("#reserved-link").click()
    first.wait_for_url(f"**/reserved/{hold_id}")
    first.wait_for_selector("[data-sm-ready='true']", state="attached")
    expect(first.get_by_role("heading", name="Reserved for you")).to_be_visible()
    expect(first.locator("#reserved-total")).to_contain_text("€76.00")
    expect(first.locator("#reserved-countdown")).to_have_text(
        __import__("re").compile(r"^2d 23:5\d:\d\d$")
    )
    shot(first, "wishes-reserved")
    first.get_by_label("Full name").fill("First Pledger")
    first.get_by_label("Street and number").fill("Weg 1")
    first.get_by_label("Postcode").fill("10115")
    first.get_by_label("City").fill("Berlin")
    first.locator("#reserved-buy").click()
    first.wait_for_url("**/orders/*")
    wait_ready(first)
    expect(first.get_by_text("Teapot with a blue glaze").first).to_be_visible()
    shot(first, "wishes-bought-order")
    with session_scope() as session:
        line = session.exec(
            select(OrderLine)
            .join(Order, Order.id == OrderLine.order_id)
            .where(Order.buyer_id == people["first_id"])
        ).one()
        assert (line.source_kind, line.source_id, line.quantity, line.unit_price_cents) == (
            "wish",
            wish_id,
            2,
            3800,
        )
        assert session.get(StockHold, hold_id).state == "used"

    # Someone else's reservation is simply not found.
    goto(second, f"/reserved/{hold_id}")
    expect(second.get_by_text("We couldn't find that reserved purchase.")).to_be_visible()


def _snapshot():
    with session_scope() as session:
        return (
            sorted(
                (w.id, w.state, w.answer, w.listing_id, w.vote_count, w.pledged_cents)
                for w in session.exec(select(Wish))
            ),
            sorted((x.id, x.state) for x in session.exec(select(Listing))),
            sorted((h.id, h.state) for h in session.exec(select(StockHold))),
        )


HANDLERS = [
    (ShopWishesState, "load", None),
    (ShopWishesState, "set_sort", "value"),
    (ShopWishesState, "more", None),
    (ShopWishesState, "toggle_vote", "wish_id"),
    (ShopWishesState, "attach", "files"),
    (ShopWishesState, "remove_photo", None),
    (ShopWishesState, "propose", "form_data"),
    (WishPageState, "load", None),
    (WishPageState, "toggle_vote", None),
    (WishPageState, "pledge", "form_data"),
    (WishPageState, "withdraw", None),
    (WishPageState, "answer", "form_data"),
    (WishPageState, "accept", "form_data"),
    (WishPageState, "decline", "form_data"),
    (MakerWishesState, "load", None),
    (MakerWishesState, "set_sort", "value"),
    (MakerWishesState, "more", None),
    (ReservedState, "load", None),
    (ReservedState, "set_method", "code"),
    (ReservedState, "set_ship_to", "code"),
    (ReservedState, "buy", "form_data"),
]


def test_a_non_maker_forging_accept_and_decline_changes_nothing(new_context):
    with session_scope() as session:
        maker = make_user(session)
        shop = open_shop_for(session, maker, name="Forge Proof")
        from social_market.services import wishes

        wish = wishes.propose(
            session=session,
            actor_id=make_user(session).id,
            shop_slug=shop.slug,
            title="Victim wish",
            price="20",
        )
        attacker = make_user(session)
        session.commit()
        wish_id, email, slug = wish.id, attacker.email, shop.slug
    page = new_context().new_page()
    injector = EventInjector(page)
    sign_in(page, email, PASSWORD, next_path=f"/wish/{wish_id}")
    expect(page.locator("#wish-title")).to_have_text("Victim wish")
    expect(page.locator("#accept-submit")).to_have_count(0)  # no maker controls shown
    before = _snapshot()
    injector.send(WishPageState, "accept", {"form_data": {"note": "mine now", "wish_id": wish_id}})
    injector.send(WishPageState, "decline", {"form_data": {"reason": "HACKED"}})
    injector.send(WishPageState, "answer", {"form_data": {"answer": "HACKED"}})
    for forged in (wish_id, str(wish_id), -1, None, 2**40):
        injector.send(ShopWishesState, "toggle_vote", {"wish_id": forged})
    for state, handler, arg in HANDLERS:
        for value in WRONG if arg else [None]:
            injector.send(state, handler, {arg: value} if arg else {})
    page.wait_for_timeout(2000)
    assert _snapshot() == before
    goto(page, f"/wish/{wish_id}")
    expect(page.locator("#wish-title")).to_have_text("Victim wish")
    expect(page.get_by_text("HACKED")).to_have_count(0)
    shot(page, "wishes-forged-non-maker")

    # The shop's wishes at phone width, in German: nothing wider than the screen.
    phone = new_context(
        width=390,
        height=844,
        locale="de-DE",
        extra_http_headers={"Accept-Language": "de-DE,de;q=0.9"},
    ).new_page()
    goto(phone, f"/shop/{slug}/wishes")
    expect(phone.locator(".sm-wish").first).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    shot(phone, "wishes-shop-list-phone-de")
