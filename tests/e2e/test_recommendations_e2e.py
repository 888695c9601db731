"""Recommendations in the browser: the home page and the feed say why each piece is
suggested, and "Not interested" takes it away for good."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from social_market.db import session_scope
from social_market.models import NotInterested
from social_market.services import favourites, follows, recommendations
from tests.e2e.conftest import goto, shot, sign_in
from tests.factories import PASSWORD, make_user, open_shop_for, publish_listing

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_home_and_feed_say_why_and_not_interested_removes_a_piece(new_context):
    with session_scope() as session:
        maker = make_user(session, handle="recmaker")
        open_shop_for(session, maker, name="Rec Pottery")
        pieces = [
            publish_listing(session, maker, title=f"Tide pool bowl {i}", quantity="5")
            for i in range(4)
        ]
        potters = [make_user(session) for _ in range(3)]
        for person in potters:
            for piece in pieces[:3]:
                favourites.set_listing_favourite(
                    session=session, user_id=person.id, listing_id=piece.id, on=True
                )
        me = make_user(session, handle="recnewcomer")
        friend = make_user(session, display_name="Fiona Friend")
        favourites.set_listing_favourite(
            session=session, user_id=me.id, listing_id=pieces[0].id, on=True
        )
        favourites.set_listing_favourite(
            session=session, user_id=friend.id, listing_id=pieces[3].id, on=True
        )
        follows.follow(session=session, actor_id=me.id, handle=friend.handle)
        recommendations.compute(session)
        email, my_id, taste_pick = me.email, me.id, pieces[1].title

    page = new_context().new_page()
    sign_in(page, email, PASSWORD)
    block = page.locator("#recommendations")
    expect(block).to_contain_text("Because 3 people who loved Tide pool bowl 0 also loved this")
    expect(block).to_contain_text("Fiona Friend loved this")
    shot(page, "home-recommendations")
    card = block.locator(".sm-recommendation", has_text=taste_pick)
    card.locator(".sm-not-interested").click()
    expect(page.get_by_text("Got it: we won't suggest it again.")).to_be_visible()
    expect(block.locator(".sm-recommendation", has_text=taste_pick)).to_have_count(0)
    with session_scope() as session:
        assert session.get(NotInterested, (my_id, pieces_id(session, taste_pick))) is not None
    goto(page, "/feed")
    expect(page.locator("#recommendations")).to_contain_text("Fiona Friend loved this")
    expect(page.locator("#recommendations")).not_to_contain_text(taste_pick)


def pieces_id(session, title: str) -> int:
    from sqlmodel import select

    from social_market.models import Listing

    return session.exec(select(Listing.id).where(Listing.title == title)).one()
