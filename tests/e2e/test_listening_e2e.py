"""The maker's listening inbox in Chromium: a buyer comments on a listing and messages
the maker; both wait, unanswered, on "What people say"; the maker answers the message
and marks the comment replied; both move to "Replied". Forged events from someone else
change nothing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from social_market.db import session_scope
from social_market.models import ListeningItem
from social_market.state.listening import ListeningState
from tests.e2e.conftest import EventInjector, goto, shot, sign_in
from tests.e2e.test_handler_security_e2e import WRONG
from tests.factories import PASSWORD, make_user, open_shop_for, publish_listing

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _states(shop_id: int) -> dict[str, bool]:
    with session_scope() as session:
        rows = session.exec(
            select(ListeningItem.kind, ListeningItem.answered).where(
                ListeningItem.shop_id == shop_id
            )
        ).all()
    return {kind: answered for kind, answered in rows}


def test_a_maker_hears_a_comment_and_a_message_and_answers_both(new_context):
    with session_scope() as session:
        maker = make_user(session, handle="listenmaker", display_name="Listen Maker")
        buyer = make_user(session, handle="listenbuyer", display_name="Lia Buyer")
        other = make_user(session, handle="listenother")
        shop = open_shop_for(session, maker)
        other_maker = make_user(session, handle="listenother2")
        open_shop_for(session, other_maker)
        listing = publish_listing(session, maker, title="Speckled jug")
        emails = (maker.email, buyer.email, other.email, other_maker.email)
        shop_id = shop.id
        listing_path = f"/listing/{listing.id}-{listing.slug}"

    # The buyer comments on the listing and asks the maker a question.
    buyer_page = new_context().new_page()
    sign_in(buyer_page, emails[1], PASSWORD, next_path=listing_path)
    buyer_page.get_by_placeholder("Write a comment").fill("Does the jug pour cleanly?")
    buyer_page.get_by_role("button", name="Comment", exact=True).click()
    expect(buyer_page.locator(".sm-comment")).to_contain_text("pour cleanly")
    buyer_page.locator("#ask-maker").click()
    expect(buyer_page).to_have_url(re.compile(r"/messages/\d+"))
    box = buyer_page.locator("#message-body")
    box.fill("Could you ship it to Vienna?")
    box.press("Enter")
    expect(buyer_page.locator(".sm-message", has_text="Vienna")).to_contain_text("Sent")

    # The maker: the dashboard counts two, the listening page shows both unanswered.
    maker_page = new_context().new_page()
    sign_in(maker_page, emails[0], PASSWORD, next_path="/sell")
    expect(maker_page.locator("#stat-listening")).to_have_text("2")
    maker_page.locator("#stat-listening").click()
    expect(maker_page).to_have_url(re.compile(r"/sell/listening"))
    items = maker_page.locator(".sm-listening-item")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text("Could you ship it to Vienna?")
    expect(items.nth(1)).to_contain_text("Does the jug pour cleanly?")
    expect(items.nth(0)).to_contain_text("Lia Buyer")
    expect(maker_page.locator("#chip-message")).to_contain_text("1")
    expect(maker_page.locator("#chip-comment")).to_contain_text("1")
    shot(maker_page, "listening-unanswered")

    # Only the comments.
    maker_page.locator("#chip-comment").click()
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("pour cleanly")
    maker_page.locator("#chip-all").click()
    expect(items).to_have_count(2)

    # A forged event from another maker, a buyer and a signed-out page, with the real ids.
    ids = {}
    with session_scope() as session:
        for row in session.exec(select(ListeningItem).where(ListeningItem.shop_id == shop_id)):
            ids[row.kind] = row.id
    before = _states(shop_id)
    for email in (emails[3], emails[1], None):
        page = new_context().new_page()
        injector = EventInjector(page)
        if email:
            sign_in(page, email, PASSWORD, next_path="/sell/listening")
        else:
            goto(page, "/")
        for item_id in ids.values():
            injector.send(ListeningState, "set_answered", {"item_id": item_id, "answered": True})
        for value in WRONG:
            injector.send(ListeningState, "set_answered", {"item_id": value, "answered": value})
            injector.send(ListeningState, "set_kind", {"kind": value})
            injector.send(ListeningState, "set_show", {"show": value})
        injector.send(ListeningState, "more", {})
        page.wait_for_timeout(1000)
        if email == emails[1]:  # a buyer without a shop is sent to open one
            expect(page).to_have_url(re.compile(r"/sell/shop"))
        assert "Vienna" not in "".join(injector.received)
        page.close()
    assert _states(shop_id) == before == {"message": False, "comment": False}

    # The maker answers the message in the conversation ("Open conversation").
    items.filter(has_text="Vienna").get_by_role("link", name="Open conversation").click()
    expect(maker_page).to_have_url(re.compile(r"/messages/\d+"))
    maker_page.locator("#message-body").fill("Yes, Vienna is fine.")
    maker_page.locator("#message-body").press("Enter")
    expect(maker_page.locator(".sm-message", has_text="Vienna is fine")).to_be_visible()
    goto(maker_page, "/sell/listening")
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("pour cleanly")
    # ... and marks the comment replied.
    items.first.get_by_role("button", name="Mark replied").click()
    expect(maker_page.get_by_text("All caught up")).to_be_visible()
    expect(maker_page.locator("#chip-all .rt-Badge")).to_have_count(0)
    maker_page.locator("#show-answered").click()
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("Replied")
    assert _states(shop_id) == {"message": True, "comment": True}
    shot(maker_page, "listening-replied")

    # Marked unanswered again: it goes back.
    items.filter(has_text="pour cleanly").get_by_role("button", name="Mark unanswered").click()
    expect(items).to_have_count(1)
    assert _states(shop_id) == {"message": True, "comment": False}

    # At phone width.
    phone = new_context(width=390, height=844).new_page()
    sign_in(phone, emails[0], PASSWORD, next_path="/sell/listening?show=all")
    expect(phone.locator(".sm-listening-item")).to_have_count(2)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "listening-phone")
