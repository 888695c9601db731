"""Group orders in Chromium: three buyers in separate browsers reach a target together
(each joins through the page; when the third joins, all three see it reached) and one
pays their share at the tier price; forged events can't join a closed group order nor
set prices on someone else's listing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from social_market.db import session_scope
from social_market.models import OrderLine, utcnow
from social_market.models.group_orders import GroupOrder, GroupOrderMember, GroupPriceTier
from social_market.services import group_orders
from social_market.state.group_orders import BuyTogetherState, GroupOrderState, GroupTiersState
from social_market.urls import listing_url
from tests.e2e.conftest import EventInjector, goto, shot, sign_in
from tests.e2e.test_handler_security_e2e import WRONG
from tests.factories import PASSWORD, make_user, open_shop_for, publish_listing

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


@pytest.fixture
def teapots():
    """A maker's teapot (20.00, 10 in stock, 10% off from 3 pieces) and three buyers."""
    with session_scope() as session:
        maker = make_user(session, display_name="Greta Potter")
        open_shop_for(session, maker, name="Greta's Clay")
        listing = publish_listing(
            session, maker, title="Stoneware teapot", price="20", quantity="10"
        )
        group_orders.set_tiers(
            session=session, actor_id=maker.id, listing_id=listing.id, tiers=[[3, 10], [6, 15]]
        )
        buyers = [
            make_user(session, display_name=name)
            for name in ("Anna Berg", "Ben Okafor", "Cleo Ruiz")
        ]
        return {
            "maker": maker.email,
            "maker_id": maker.id,
            "listing_id": listing.id,
            "url": listing_url(listing.id, listing.slug),
            "buyers": [(b.email, b.id) for b in buyers],
        }


def _state_of(page):
    return page.locator("#group-state")


def test_three_buyers_reach_the_target_and_one_pays_their_share(new_context, teapots):
    (a_email, _), (b_email, _), (c_email, _) = teapots["buyers"]
    anna = new_context().new_page()
    sign_in(anna, a_email, PASSWORD, next_path=teapots["url"])
    box = anna.locator("#buy-together-box")
    expect(box).to_be_visible()
    expect(box.get_by_text("From 3 pieces: 10% off")).to_be_visible()
    shot(anna, "group-listing-box")
    anna.locator("#open-start-group").click()
    anna.locator("#field-target_quantity").fill("3")
    anna.locator("#field-quantity").fill("1")
    anna.locator("#field-note").fill("Teapots for our tea club")
    anna.locator("#start-group-order").click()
    anna.wait_for_url(re.compile(r"/group/\d+$"))
    expect(_state_of(anna)).to_have_text("Open")
    expect(anna.locator("#group-members")).to_contain_text("Anna Berg")
    expect(anna.locator("#group-chat-link")).to_be_visible()
    group_path = "/group/" + anna.url.rsplit("/", 1)[-1]
    shot(anna, "group-started")

    ben = new_context().new_page()
    sign_in(ben, b_email, PASSWORD, next_path=group_path)
    expect(ben.locator("#join-group")).to_be_visible()
    ben.locator("#field-quantity").fill("1")
    ben.locator("#join-group").click()
    expect(ben.get_by_text("You're in.")).to_be_visible()
    expect(ben.locator("#group-members")).to_contain_text("Ben Okafor")
    # Anna's open page sees Ben join (live).
    expect(anna.locator("#group-members")).to_contain_text("Ben Okafor")
    shot(ben, "group-two-members")

    cleo = new_context(width=390, height=844).new_page()
    sign_in(cleo, c_email, PASSWORD, next_path=group_path)
    cleo.locator("#field-quantity").fill("1")
    cleo.locator("#join-group").click()
    for page in (cleo, anna, ben):
        expect(_state_of(page)).to_have_text("Target reached")
        expect(page.locator("#your-share")).to_be_visible()
        expect(page.locator("#share-total")).to_contain_text("18.00")
    expect(cleo.locator("#price-now")).to_contain_text("18.00")
    shot(cleo, "group-reached-phone")
    shot(anna, "group-reached")

    ben.locator("#field-name").fill("Ben Okafor")
    ben.locator("#field-line1").fill("Teeweg 3")
    ben.locator("#field-postcode").fill("10115")
    ben.locator("#field-city").fill("Berlin")
    ben.locator("#buy-share").click()
    ben.wait_for_url(re.compile(r"/orders/[A-Z0-9-]+\?placed=1$"))
    shot(ben, "group-share-bought")
    with session_scope() as session:
        line = session.exec(select(OrderLine).where(OrderLine.source_kind == "group")).one()
        assert (line.unit_price_cents, line.quantity) == (1800, 1)
        go = session.exec(
            select(GroupOrder).where(GroupOrder.listing_id == teapots["listing_id"])
        ).one()
        assert (go.state, go.joined_quantity, go.final_price_cents) == ("reached", 3, 1800)
        assert line.source_id == go.id
    goto(ben, group_path)
    expect(ben.get_by_text("You have bought your share.")).to_be_visible()


def test_forged_events_cannot_join_a_closed_group_or_set_someone_elses_prices(new_context, teapots):
    (_, a_id), (b_email, _), _ = teapots["buyers"]
    with session_scope() as session:
        go = group_orders.start(
            session=session,
            actor_id=a_id,
            listing_id=teapots["listing_id"],
            target_quantity=5,
            deadline=utcnow() + timedelta(days=2),
            quantity=1,
        )
        gid = go.id
        group_orders.cancel(session=session, actor_id=a_id, group_order_id=gid)
        intruder = make_user(session)
        open_shop_for(session, intruder, name="Intruder Shop")
        intruder_email = intruder.email

    def snapshot():
        with session_scope() as session:
            return (
                sorted(
                    (m.group_order_id, m.user_id, m.quantity)
                    for m in session.exec(select(GroupOrderMember))
                ),
                sorted(
                    (g.id, g.state, g.joined_quantity, g.member_count)
                    for g in session.exec(select(GroupOrder))
                ),
                sorted(
                    (t.listing_id, t.min_quantity, t.percent_off)
                    for t in session.exec(select(GroupPriceTier))
                ),
            )

    before = snapshot()
    # Signed out, wrong types everywhere.
    page = new_context().new_page()
    injector = EventInjector(page)
    goto(page, f"/group/{gid}")
    expect(_state_of(page)).to_have_text("Cancelled")
    expect(page.locator("#join-group")).to_have_count(0)
    for state, handler, args in (
        (GroupOrderState, "join", ["form_data"]),
        (GroupOrderState, "change", ["form_data"]),
        (GroupOrderState, "leave", []),
        (GroupOrderState, "cancel", []),
        (GroupOrderState, "buy_share", ["form_data"]),
        (GroupOrderState, "set_method", ["code"]),
        (BuyTogetherState, "start", ["form_data"]),
        (BuyTogetherState, "open_start", []),
        (GroupTiersState, "save", ["form_data"]),
    ):
        for value in WRONG if args else [None]:
            injector.send(state, handler, dict.fromkeys(args, value))
        injector.send(state, handler, {"unexpected": 1})
    page.wait_for_timeout(1500)
    assert snapshot() == before

    # Signed in: joining the closed group order by a forged event is refused.
    ben = new_context().new_page()
    injector = EventInjector(ben)
    sign_in(ben, b_email, PASSWORD, next_path=f"/group/{gid}")
    expect(_state_of(ben)).to_have_text("Cancelled")
    injector.send(GroupOrderState, "join", {"form_data": {"quantity": "1"}})
    expect(ben.get_by_text("This group order is closed.")).to_be_visible()
    shot(ben, "group-forged-join-refused")
    assert snapshot() == before

    # Another maker, on the victim's listing editor address: tiers can't be set.
    intruder_page = new_context().new_page()
    injector = EventInjector(intruder_page)
    sign_in(
        intruder_page,
        intruder_email,
        PASSWORD,
        next_path=f"/sell/listings/{teapots['listing_id']}",
    )
    expect(intruder_page.get_by_text("We couldn't find that listing.")).to_be_visible()
    expect(intruder_page.locator("#group-prices")).to_have_count(0)
    injector.send(GroupTiersState, "save", {"form_data": {"tier_q1": "2", "tier_p1": "90"}})
    injector.send(GroupTiersState, "load", {})
    intruder_page.wait_for_timeout(1500)
    assert snapshot() == before

    # The maker's own editor shows and saves them.
    maker = new_context().new_page()
    sign_in(maker, teapots["maker"], PASSWORD, next_path=f"/sell/listings/{teapots['listing_id']}")
    expect(maker.locator("#group-prices")).to_be_visible()
    expect(maker.locator("#field-tier_q1")).to_have_value("3")
    maker.locator("#field-tier_q3").fill("10")
    maker.locator("#field-tier_p3").fill("20")
    maker.locator("#save-group-prices").click()
    expect(maker.get_by_text("Group prices saved.")).to_be_visible()
    maker.locator("#field-tier_p3").fill("5")  # less than the tier below: refused
    maker.locator("#save-group-prices").click()
    expect(
        maker.get_by_text("More pieces must give a bigger discount", exact=False)
    ).to_be_visible()
    shot(maker, "group-tier-editor")
    with session_scope() as session:
        tiers = session.exec(
            select(GroupPriceTier.min_quantity, GroupPriceTier.percent_off)
            .where(GroupPriceTier.listing_id == teapots["listing_id"])
            .order_by(GroupPriceTier.min_quantity)
        ).all()
        assert [tuple(t) for t in tiers] == [(3, 10), (6, 15), (10, 20)]
