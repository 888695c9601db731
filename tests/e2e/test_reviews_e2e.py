"""Reviews in the browser: the buyer reviews what arrived, with a photo; the maker
replies in public; someone who follows the buyer sees "1 person you follow rated this
5★" on the listing, and a badge on the shop's grid. Forged events change nothing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from social_market.db import session_scope
from social_market.models import Order, Review
from social_market.services import follows, orders
from social_market.state.reviews import ReviewFormState, ReviewsState
from tests.e2e.conftest import EventInjector, goto, shot, sign_in
from tests.factories import PASSWORD, buy, make_user, open_shop_for, png, publish_listing

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_a_buyer_reviews_with_a_photo_the_maker_replies_and_a_follower_sees_it(
    new_context, tmp_path
):
    with session_scope() as session:
        maker = make_user(session, handle="glazemaker", display_name="Glaze Maker")
        buyer = make_user(session, handle="glazebuyer", display_name="Greta Buyer")
        fan = make_user(session, handle="glazefan", display_name="Fan of Greta")
        shop = open_shop_for(session, maker, name="Glaze Studio")
        listing = publish_listing(session, maker, title="Celadon cup", quantity="5")
        line = buy(session, buyer, listing)
        order = session.get(Order, line.order_id)
        orders.confirm_payment(session=session, owner_id=maker.id, reference=order.reference)
        orders.mark_shipped(session=session, owner_id=maker.id, reference=order.reference)
        follows.follow(session=session, actor_id=fan.id, handle=buyer.handle)
        emails = (maker.email, buyer.email, fan.email)
        order_path = f"/orders/{order.reference}"
        listing_path = f"/listing/{listing.id}-{listing.slug}"
        shop_path = f"/shop/{shop.slug}"
        buyer_id, line_id, listing_id = buyer.id, line.id, listing.id

    # The buyer confirms it arrived, then reviews it with a photo.
    page = new_context().new_page()
    sign_in(page, emails[1], PASSWORD, next_path=order_path)
    expect(page.locator(".sm-write-review")).to_have_count(0)  # not arrived yet
    page.locator("#mark-delivered").click()
    page.locator(".sm-write-review").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("Celadon cup")).to_be_visible()
    dialog.get_by_role("button", name="Publish review").click()
    expect(dialog.get_by_text("Please choose from 1 to 5 stars.")).to_be_visible()
    dialog.get_by_role("button", name="5 stars").click()
    dialog.get_by_label("What do you think of it?").fill("Holds the heat, glaze like sea glass.")
    photo = tmp_path / "cup.png"
    photo.write_bytes(png((600, 600), (120, 170, 160)))
    page.locator("#review-photo input[type=file]").set_input_files(str(photo))
    expect(dialog.get_by_role("button", name="Remove")).to_be_visible(timeout=30_000)
    shot(page, "review-dialog")
    dialog.get_by_role("button", name="Publish review").click()
    expect(page.get_by_text("Thank you for your review.")).to_be_visible()
    expect(page.locator(".sm-edit-review")).to_be_visible()

    # The maker replies in public from the listing page.
    maker_page = new_context().new_page()
    sign_in(maker_page, emails[0], PASSWORD, next_path=listing_path)
    review = maker_page.locator(".sm-review", has_text="sea glass")
    expect(review).to_contain_text("Verified purchase")
    expect(review.get_by_role("img", name="Photo by Greta Buyer")).to_be_visible()
    review.locator(".sm-reply-review").click()
    review.get_by_label("Your public reply").fill("Thank you, Greta! Fired twice for that.")
    review.get_by_role("button", name="Publish reply").click()
    expect(review.locator(".sm-review-reply")).to_contain_text("Fired twice")
    expect(review.locator(".sm-reply-review")).to_have_count(0)  # once

    # Someone who follows the buyer sees the network's verdict and the grid badge.
    fan_page = new_context().new_page()
    sign_in(fan_page, emails[2], PASSWORD, next_path=listing_path)
    expect(fan_page.locator("#network-verdict")).to_contain_text(
        "1 person you follow rated this 5★"
    )
    expect(fan_page.locator("#network-verdict")).to_contain_text("Greta Buyer")
    expect(fan_page.locator("#overall-rating")).to_contain_text("5★ from 1 buyer")
    fan_page.locator(".sm-review", has_text="sea glass").locator(".sm-helpful").click()
    expect(fan_page.locator(".sm-review .sm-helpful")).to_contain_text("Helpful (1)")
    shot(fan_page, "listing-reviews")
    goto(fan_page, shop_path)
    card = fan_page.locator(".sm-listing-card", has_text="Celadon cup")
    expect(card.locator(".sm-network-badge")).to_contain_text("Greta Buyer reviewed this")
    expect(fan_page.locator("#network-verdict")).to_contain_text("1 person you follow")

    # Forged events: a second review of the line, a reply by someone else.
    with session_scope() as session:
        review_id = session.query(Review).filter(Review.listing_id == listing_id).one().id
    injector = EventInjector(fan_page)
    goto(fan_page, listing_path)
    expect(fan_page.locator(".sm-review")).to_have_count(1)
    injector.send(ReviewsState, "start_reply", {"review_id": review_id})
    injector.send(ReviewsState, "send_reply", {"form_data": {"reply": "forged reply"}})
    injector.send(ReviewFormState, "open_for", {"line_id": line_id})
    injector.send(ReviewFormState, "set_rating", {"value": "1"})
    injector.send(ReviewFormState, "save", {"form_data": {"body": "forged review"}})
    fan_page.wait_for_timeout(1000)
    with session_scope() as session:
        rows = session.query(Review).filter(Review.listing_id == listing_id).all()
        assert [(r.author_id, r.rating) for r in rows] == [(buyer_id, 5)]
        assert "forged" not in rows[0].reply_body


def test_a_blocked_or_private_reviewer_never_reaches_my_network_verdict(new_context):
    from social_market.services import blocks, reviews

    def reviewed(session, maker, person, listing, stars, text):
        line = buy(session, person, listing)
        order = session.get(Order, line.order_id)
        orders.confirm_payment(session=session, owner_id=maker.id, reference=order.reference)
        orders.mark_shipped(session=session, owner_id=maker.id, reference=order.reference)
        orders.mark_delivered(session=session, actor_id=person.id, reference=order.reference)
        reviews.write_review(
            session=session, actor_id=person.id, line_id=line.id, rating=stars, body=text
        )

    with session_scope() as session:
        maker = make_user(session, handle="vmaker")
        open_shop_for(session, maker, name="Verdict Studio")
        listing = publish_listing(session, maker, title="Walnut spoon", quantity="9")
        me = make_user(session, handle="vviewer")
        friend = make_user(session, handle="vfriend", display_name="Frieda Open")
        hidden = make_user(session, handle="vhidden", display_name="Henrik Private")
        blocker = make_user(session, handle="vblocker", display_name="Bruno Blocker")
        for person in (friend, hidden, blocker):
            follows.follow(session=session, actor_id=me.id, handle=person.handle)
        hidden.privacy_activity = 0
        session.add(hidden)
        reviewed(session, maker, friend, listing, 5, "Frieda says lovely")
        reviewed(session, maker, hidden, listing, 1, "Henrik says no")
        reviewed(session, maker, blocker, listing, 1, "Bruno says no")
        blocks.block(session=session, actor_id=blocker.id, handle=me.handle)
        email, path = me.email, f"/listing/{listing.id}-{listing.slug}"

    page = new_context().new_page()
    injector = EventInjector(page)
    sign_in(page, email, PASSWORD, next_path=path)
    verdict = page.locator("#network-verdict")
    expect(verdict).to_contain_text("1 person you follow rated this 5★")
    expect(verdict).to_contain_text("Frieda Open")
    expect(verdict).not_to_contain_text("Henrik")
    expect(verdict).not_to_contain_text("Bruno")
    # Henrik's review stays public on the listing; Bruno blocked me: his is out of my list.
    expect(page.locator(".sm-review", has_text="Henrik says no")).to_be_visible()
    expect(page.locator(".sm-review", has_text="Bruno says no")).to_have_count(0)
    # Calling the handlers directly gives nothing more.
    injector.received.clear()
    injector.send(ReviewsState, "load", {})
    injector.send(ReviewsState, "more", {})
    page.wait_for_timeout(1000)
    sent = "".join(injector.received)
    assert "Frieda Open" in sent  # the answer did arrive
    assert "vblocker" not in sent and "Bruno" not in sent
    # Henrik's handle arrives with his public review, never in the verdict's people.
    people = re.findall(r'people\\*"\s*:\s*\[(.*?)\]', sent)
    assert people and all("vfriend" in p and "vhidden" not in p for p in people)
