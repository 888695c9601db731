"""Rewards in the browser: a helpful mark earns the review's author points they see on
/rewards (and a level on their profile); a maker offers a voucher, a buyer with points
claims it on the shop page and uses the code at checkout (the discount is on the order).
Forged events (claiming without points, another maker's voucher) change nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func
from sqlmodel import select

from social_market.db import session_scope
from social_market.models import Order, User, utcnow
from social_market.models.rewards import R_HELPFUL, PointEntry, RewardVoucher, VoucherClaim
from social_market.services import cart, rewards
from social_market.state.rewards import (
    JoinState,
    ProfileBadgeState,
    RewardsState,
    SellVouchersState,
    ShopVouchersState,
)
from tests.e2e.conftest import EventInjector, goto, shot, sign_in
from tests.e2e.test_handler_security_e2e import WRONG
from tests.factories import (
    PASSWORD,
    buy,
    make_user,
    open_shop_for,
    publish_listing,
    review_bought,
)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]
OLD = timedelta(days=rewards.ESTABLISHED_DAYS + 3)


def test_a_helpful_mark_shows_up_as_points_on_the_authors_rewards_page(new_context):
    with session_scope() as session:
        maker = make_user(session, handle="rwmaker", display_name="Reward Maker")
        author = make_user(session, handle="rwauthor", display_name="Rita Reviewer")
        voter = make_user(
            session, handle="rwvoter", display_name="Vic Voter", created_at=utcnow() - OLD
        )
        open_shop_for(session, maker, name="Reward Pottery")
        listing = publish_listing(session, maker, title="Speckled jug", quantity="9")
        review_bought(session, author, listing, 5, "Pours without a drip, a joy.")
        buy(session, voter, listing)  # an established account: old, with an order
        listing_path = f"/listing/{listing.id}-{listing.slug}"
        emails = (author.email, voter.email)
        author_id = author.id

    voter_page = new_context().new_page()
    sign_in(voter_page, emails[1], PASSWORD, next_path=listing_path)
    review = voter_page.locator(".sm-review", has_text="without a drip")
    review.locator(".sm-helpful").click()
    expect(review.locator(".sm-helpful")).to_contain_text("Helpful (1)")

    page = new_context().new_page()
    sign_in(page, emails[0], PASSWORD, next_path="/rewards")
    expect(page.get_by_role("heading", name="Rewards", level=1)).to_be_visible()
    expect(page.locator("#points-balance")).to_have_text("5")
    expect(page.locator("#ledger")).to_contain_text("Your review was marked helpful")
    expect(page.locator("#my-level")).to_contain_text("Newcomer")
    expect(page.locator("#invite-link")).to_have_value(re.compile(r"/join/"))
    shot(page, "rewards-page")
    goto(page, "/u/rwauthor")
    expect(page.locator("#level-badge")).to_contain_text("5 points")
    shot(page, "rewards-profile-badge")
    # At phone width the page still reads.
    phone = new_context(width=390, height=844).new_page()
    sign_in(phone, emails[0], PASSWORD, next_path="/rewards")
    expect(phone.locator("#points-balance")).to_have_text("5")
    shot(phone, "rewards-page-phone")
    with session_scope() as session:
        assert session.get(User, author_id).points_balance == 5

    # A friend opens the invitation link and signs up with it.
    invite_path = "/join/" + phone.locator("#invite-link").input_value().rsplit("/join/", 1)[1]
    friend = new_context().new_page()
    goto(friend, invite_path)
    expect(friend.get_by_role("heading", name="You're invited to Social Market")).to_be_visible()
    shot(friend, "rewards-join")
    friend.locator("#join-sign-up").click()
    expect(friend).to_have_url(re.compile(r"/signup\?invite="))
    friend.get_by_label("Email").fill("invited.friend@example.com")
    friend.get_by_label("Handle").fill("invitedfriend")
    friend.get_by_label("Password").fill("my long enough password")
    friend.get_by_role("button", name="Create account").click()
    expect(friend.get_by_text("invited.friend@example.com")).to_be_visible()
    with session_scope() as session:
        joined = session.exec(select(User).where(User.handle == "invitedfriend")).one()
        assert joined.invited_by_id == author_id
    goto(friend, invite_path)  # used up now
    expect(friend.get_by_text("That invitation link isn't valid (any more).")).to_be_visible()


def test_a_maker_offers_a_voucher_a_buyer_claims_it_and_uses_the_code_at_checkout(new_context):
    with session_scope() as session:
        maker = make_user(session, handle="rvmaker", display_name="Voucher Maker")
        buyer = make_user(session, handle="vbuyer", display_name="Vera Buyer", points_balance=30)
        session.add(
            PointEntry(
                user_id=buyer.id,
                points=30,
                reason=R_HELPFUL,
                source_kind="seed",
                source_id=1,
                from_user_id=maker.id,
                day=utcnow().date(),
            )
        )
        poor = make_user(session, handle="vpoor", display_name="Pat Poor")
        shop = open_shop_for(session, maker, name="Voucher Woodworks")
        other_maker = make_user(session, handle="vother")
        open_shop_for(session, other_maker, name="Other Shop")
        other_voucher = rewards.create_voucher(
            session=session,
            actor_id=other_maker.id,
            form={"title": "Other", "cost_points": 5, "percent_off": 5, "count": 3},
        )
        listing = publish_listing(session, maker, title="Oak board", price="50", quantity="5")
        emails = (maker.email, buyer.email, poor.email)
        shop_path = f"/shop/{shop.slug}"
        ids = {"buyer": buyer.id, "poor": poor.id, "listing": listing.id}

    # The maker offers a voucher from the seller pages.
    maker_page = new_context().new_page()
    sign_in(maker_page, emails[0], PASSWORD, next_path="/sell/vouchers")
    maker_page.get_by_label("Title").fill("10% for our regulars")
    maker_page.get_by_label("Cost in points").fill("20")
    maker_page.get_by_label("Percent off (1–50)").fill("10")
    maker_page.get_by_label("How many").fill("3")
    maker_page.locator("#create-voucher").click()
    expect(maker_page.locator("#shop-voucher-list")).to_contain_text("10% for our regulars")
    shot(maker_page, "rewards-sell-vouchers")
    with session_scope() as session:
        voucher_id = session.exec(
            select(RewardVoucher.id).where(RewardVoucher.shop_id == shop.id)
        ).one()

    # The buyer claims it on the shop page with points.
    page = new_context().new_page()
    sign_in(page, emails[1], PASSWORD, next_path=shop_path)
    section = page.locator("#shop-vouchers")
    expect(section).to_contain_text("You have 30 points.")
    section.get_by_role("button", name="Claim for 20 points").click()
    expect(page.locator("#claimed-code")).to_contain_text("RV-")
    expect(section).to_contain_text("You have 10 points.")
    shot(page, "rewards-shop-vouchers")
    with session_scope() as session:
        code = session.exec(
            select(VoucherClaim.code).where(VoucherClaim.user_id == ids["buyer"])
        ).one()

    # Forged events from someone without points or a shop change nothing.
    poor_page = new_context().new_page()
    injector = EventInjector(poor_page)
    sign_in(poor_page, emails[2], PASSWORD, next_path=shop_path)
    expect(poor_page.locator("#shop-vouchers")).to_be_visible()
    injector.send(ShopVouchersState, "claim", {"voucher_id": voucher_id})
    injector.send(ShopVouchersState, "claim", {"voucher_id": other_voucher.id})  # not on this page
    injector.send(ShopVouchersState, "claim", {"voucher_id": {"id": voucher_id}})
    injector.send(SellVouchersState, "set_active", {"voucher_id": voucher_id, "active": False})
    injector.send(
        SellVouchersState,
        "create",
        {"form_data": {"title": "Forged", "cost_points": 1, "percent_off": 50, "count": 99}},
    )
    poor_page.wait_for_timeout(1500)
    with session_scope() as session:
        claims = session.exec(select(VoucherClaim.user_id)).all()
        assert ids["poor"] not in claims
        voucher = session.get(RewardVoucher, voucher_id)
        assert voucher.active and voucher.remaining == 2
        assert (
            session.exec(select(RewardVoucher).where(RewardVoucher.title == "Forged")).first()
            is None
        )
        assert session.get(User, ids["poor"]).points_balance == 0

    # The buyer uses the code at checkout: 10% off the 50 € board.
    with session_scope() as session:
        cart.add_to_cart(session=session, user_id=ids["buyer"], listing_id=ids["listing"])
    goto(page, "/checkout")
    page.get_by_label("Shipping to").select_option("DE")
    expect(page.locator("#place-order")).to_be_enabled()
    page.get_by_label("Full name").fill("Vera Buyer")
    page.get_by_label("Street and number").fill("Holzweg 2")
    page.get_by_label("Postcode").fill("10115")
    page.get_by_label("City", exact=True).fill("Berlin")
    page.get_by_label("Voucher code (optional)").fill("RV-NOTMINE00")
    page.locator("#place-order").click()
    expect(page.get_by_text("That voucher code isn't valid for this order.")).to_be_visible()
    page.get_by_label("Voucher code (optional)").fill(code.lower())
    page.get_by_label("Voucher code (optional)").press("Tab")
    expect(page.locator("#checkout-discount")).to_contain_text("€5.00")
    expect(page.locator("#checkout-total")).to_have_text("€49.90")  # 50 − 5 + 4.90 shipping
    shot(page, "rewards-checkout-voucher")
    page.locator("#place-order").click()
    expect(page.get_by_text("Thank you! Your order is placed.")).to_be_visible()
    expect(page.locator("#order-discount")).to_contain_text("€5.00")
    shot(page, "rewards-order-discount")
    with session_scope() as session:
        order = session.exec(select(Order).where(Order.buyer_id == ids["buyer"])).one()
        assert order.discount_cents == 500
        assert order.total_cents == order.items_cents - 500 + order.shipping_cents
        claim = session.exec(select(VoucherClaim).where(VoucherClaim.code == code)).one()
        assert claim.order_id == order.id


SIGNED_OUT_HANDLERS = [
    (RewardsState, "load", None),
    (RewardsState, "more", None),
    (ShopVouchersState, "load", None),
    (ShopVouchersState, "claim", "voucher_id"),
    (SellVouchersState, "load", None),
    (SellVouchersState, "create", "form_data"),
    (JoinState, "load", None),
    (ProfileBadgeState, "load", None),
]


def _rewards_snapshot():
    with session_scope() as session:
        return (
            session.exec(select(func.count()).select_from(PointEntry)).one(),
            session.exec(select(func.count()).select_from(RewardVoucher)).one(),
            session.exec(select(func.count()).select_from(VoucherClaim)).one(),
            sorted(session.exec(select(RewardVoucher.id, RewardVoucher.active)).all()),
            session.exec(select(func.sum(User.points_balance))).one(),
        )


def test_every_rewards_handler_called_signed_out_with_wrong_arguments_changes_nothing(page):
    with session_scope() as session:
        maker = make_user(session, handle="signedoutvouchers")
        open_shop_for(session, maker, name="Voucher Keep")
        voucher = rewards.create_voucher(
            session=session,
            actor_id=maker.id,
            form={"title": "Keep me", "cost_points": 10, "percent_off": 10, "count": 3},
        )
        voucher_id = voucher.id

    injector = EventInjector(page)
    goto(page, "/")
    before = _rewards_snapshot()
    for state, handler, arg in SIGNED_OUT_HANDLERS:
        for value in WRONG if arg else [None]:
            injector.send(state, handler, {arg: value} if arg else {})
        injector.send(state, handler, {"unexpected": 1})
    for value in (voucher_id, *WRONG):  # two arguments: every pairing of wrong types
        injector.send(SellVouchersState, "set_active", {"voucher_id": value, "active": value})
    injector.send(ShopVouchersState, "claim", {"voucher_id": voucher_id})
    injector.send(SellVouchersState, "set_active", {"voucher_id": voucher_id, "active": False})
    page.wait_for_timeout(1500)
    assert _rewards_snapshot() == before
    goto(page, "/rewards")  # still serving (and asks to sign in)
    expect(page).to_have_url(re.compile(r"/signin"))
