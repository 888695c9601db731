"""Main pages on a phone and on a desktop, in English and German, light and dark: nothing
wider than the screen; screenshots for people to look at (test-artifacts/)."""

from __future__ import annotations

import pytest

from social_market.db import session_scope
from social_market.services import reviews
from tests.e2e.conftest import goto, shot
from tests.factories import make_listing, make_shop, make_user, review_bought

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


@pytest.fixture
def layout_listing():
    from sqlmodel import select

    from social_market.models import Listing, Shop

    with session_scope() as session:
        shop = session.exec(select(Shop).where(Shop.slug == "layout-studio")).first()
        if shop is None:
            shop = make_shop(
                session, name="Layout Studio mit einem sehr langen Namen", slug="layout-studio"
            )
            listing = make_listing(
                session,
                shop=shop,
                title="Handgewebter Schal aus Merinowolle mit Fransen und Streifenmuster",
                description="Weich.\nWarm.",
            )
            # A long review with a reply: the reviews block must fit a phone too.
            review = review_bought(
                session,
                make_user(session, display_name="Maximiliane Rezensentin-Langname"),
                listing,
                4,
                "Wunderbar weich und warm, die Fransen sind etwas lang. "
                + "Donaudampfschifffahrtsgesellschaftskapitän" * 2,
            )
            reviews.reply(
                session=session,
                actor_id=shop.owner_id,
                review_id=review.id,
                body="Danke! Die Fransen kürze ich gern.",
            )
            return listing.id
        return session.exec(select(Listing.id).where(Listing.shop_id == shop.id)).first()


@pytest.mark.parametrize(
    ("width", "lang", "scheme"),
    [(360, "de", "dark"), (360, "en", "light"), (1280, "de", "light"), (1280, "en", "dark")],
)
def test_main_pages_fit_the_screen_in_both_languages(
    new_context, layout_listing, width, lang, scheme
):
    accept = "de-DE,de;q=0.9" if lang == "de" else "en-GB,en;q=0.9"
    page = new_context(
        width=width,
        height=800,
        color_scheme=scheme,
        extra_http_headers={"Accept-Language": accept},
    ).new_page()
    for name, path in (
        ("home", "/"),
        ("search", "/search?q=schal"),
        ("shop", "/shop/layout-studio"),
        ("listing", f"/listing/{layout_listing}"),
    ):
        goto(page, path)
        assert page.evaluate("document.querySelector('.sm-page').lang") == lang
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than {width}px ({lang})"
        shot(page, f"{name}-{lang}-{width}-{scheme}")


def test_messages_notifications_and_feed_fit_a_phone(new_context):
    from social_market.services import follows, messaging
    from tests.e2e.conftest import sign_in
    from tests.factories import PASSWORD, make_user

    with session_scope() as session:
        me = make_user(session, display_name="Phone Person")
        other = make_user(session, display_name="Someone With A Rather Long Display Name")
        talk = messaging.start_direct(session=session, actor_id=other.id, handle=me.handle)
        messaging.send_message(
            session=session,
            actor_id=other.id,
            conversation_id=talk.id,
            body="A longer question about the blue mug and whether it ships to Vienna soon? "
            + "Supercalifragilisticexpialidocious" * 3,
        )
        follows.follow(session=session, actor_id=other.id, handle=me.handle)
        email, path = me.email, f"/messages/{talk.id}"
    page = new_context(width=360, height=740).new_page()
    sign_in(page, email, PASSWORD)
    for name, where in (
        ("messages", "/messages"),
        ("conversation", path),
        ("notifications", "/notifications"),
        ("feed", "/feed"),
    ):
        goto(page, where)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{where} is {overflow}px wider than 360px"
        shot(page, f"{name}-phone")
