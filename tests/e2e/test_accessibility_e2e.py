"""WCAG 2.2 AA checks with axe-core on every main page, signed out and in, light and dark,
and a keyboard-only flow."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from social_market.db import session_scope
from tests.e2e.conftest import goto, sign_in
from tests.factories import PASSWORD, make_user

# One worker runs every end-to-end test: one app, one frontend build.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
PUBLIC_PAGES = ["/", "/signin", "/signup", "/reset", "/people?q=a", "/u/a11yperson", "/nope"]
PRIVATE_PAGES = [
    "/settings",
    "/settings/security",
    "/settings/data",
    "/settings/privacy",
    "/settings/notifications",
    "/feed",
    "/notifications",
    "/messages",
]


def _serious(page) -> list[str]:
    results = Axe().run(page, options=AXE_OPTIONS)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:3])
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


@pytest.fixture
def a11y_person():
    with session_scope() as session:
        from sqlmodel import select

        from social_market.models import User

        user = session.exec(select(User).where(User.handle_key == "a11yperson")).first()
        if user is None:
            user = make_user(session, handle="a11yperson", display_name="Ada Access", bio="Weaver")
        return user.email


@pytest.fixture
def a11y_market(a11y_person):
    """Ada has a shop with a listing, a piece in her cart, and an order from another shop."""
    from sqlmodel import select

    from social_market.models import CartItem, Listing, Order, Shop, User
    from social_market.services import checkout
    from tests.factories import open_shop_for, publish_listing

    def open_with_listing(session, user, slug, title):
        open_shop_for(session, user, name=title + " Studio", slug=slug)
        return publish_listing(session, user, title=title, quantity="9").id

    with session_scope() as session:
        ada = session.exec(select(User).where(User.email == a11y_person)).one()
        shop = session.exec(select(Shop).where(Shop.slug == "ada-access")).first()
        if shop is None:
            own = open_with_listing(session, ada, "ada-access", "Accessible mug")
            other_maker = make_user(session)
            other = open_with_listing(session, other_maker, "other-a11y", "Other bowl")
            session.add(CartItem(user_id=ada.id, listing_id=other, quantity=1))
            session.flush()
            checkout.place_order(
                session=session,
                buyer_id=ada.id,
                address={
                    "name": "Ada",
                    "line1": "Weg 1",
                    "postcode": "10115",
                    "city": "Berlin",
                    "country": "DE",
                },
                payment_method="bank_transfer",
            )
            session.add(CartItem(user_id=ada.id, listing_id=other, quantity=1))
            _reviewed_by_a_friend(session, ada, own)
        else:
            own = session.exec(select(Listing.id).where(Listing.shop_id == shop.id)).first()
        order = session.exec(select(Order).where(Order.buyer_id == ada.id)).first()
        from social_market.services import messaging

        talk = messaging.start_direct(
            session=session, actor_id=ada.id, subject_kind="order", subject_id=order.id
        )
        messaging.send_message(
            session=session, actor_id=ada.id, conversation_id=talk.id, body="When will it ship?"
        )
        return {"listing": own, "order": order.reference, "conversation": talk.id}


def _reviewed_by_a_friend(session, ada, listing_id: int) -> None:
    """Someone Ada follows bought her mug and reviewed it; she replied (the listing page
    then shows stars, the network's verdict, a review and a reply)."""
    from social_market.models import Listing, Order
    from social_market.services import follows, orders, reviews
    from tests.factories import buy

    friend = make_user(session, display_name="Rita Reviewer")
    line = buy(session, friend, session.get(Listing, listing_id))
    order = session.get(Order, line.order_id)
    orders.confirm_payment(session=session, owner_id=ada.id, reference=order.reference)
    orders.mark_shipped(session=session, owner_id=ada.id, reference=order.reference)
    orders.mark_delivered(session=session, actor_id=friend.id, reference=order.reference)
    review = reviews.write_review(
        session=session, actor_id=friend.id, line_id=line.id, rating=4, body="Lovely mug."
    )
    reviews.reply(session=session, actor_id=ada.id, review_id=review.id, body="Thank you!")
    follows.follow(session=session, actor_id=ada.id, handle=friend.handle)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_main_pages_have_no_serious_accessibility_violations(
    new_context, a11y_person, a11y_market, scheme
):
    page = new_context(color_scheme=scheme).new_page()
    problems = {}
    market_public = [
        "/search?q=mug",
        "/shop/ada-access",
        f"/listing/{a11y_market['listing']}",
    ]
    market_private = [
        "/favourites",
        "/cart",
        "/checkout",
        "/orders",
        f"/orders/{a11y_market['order']}",
        "/sell",
        "/sell/shop",
        "/sell/orders",
        "/sell/listings/new",
        f"/sell/listings/{a11y_market['listing']}",
        f"/messages/{a11y_market['conversation']}",
    ]
    for path in [*PUBLIC_PAGES, *market_public]:
        goto(page, path)
        page.wait_for_timeout(300)
        if found := _serious(page):
            problems[f"{scheme} {path}"] = found
    sign_in(page, a11y_person, PASSWORD)
    for path in ["/", *PRIVATE_PAGES, *market_private]:
        goto(page, path)
        page.wait_for_timeout(300)
        if found := _serious(page):
            problems[f"{scheme} signed-in {path}"] = found
    assert not problems, "\n".join(f"{k}: {v}" for k, v in problems.items())


def test_sign_in_and_search_with_the_keyboard_only(page, a11y_person):
    goto(page, "/signin")
    # Skip link first, then the page; focus is visible on every stop.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    page.locator("#field-email").focus()
    page.keyboard.type(a11y_person)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("#account-menu")).to_be_visible()
    # Search from the header by keyboard.
    search = page.get_by_role("banner").get_by_role("searchbox")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "search":
            break
    expect(search).to_be_focused()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    box = page.evaluate("getComputedStyle(document.activeElement).boxShadow")
    assert outline != "none" or box != "none", "focus must be visible"
    page.keyboard.type("ada")
    page.keyboard.press("Enter")
    expect(page.locator("#main").get_by_text("Ada Access")).to_be_visible()


def _tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until the focused element matches ``selector`` (keyboard only)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            "(s) => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_sign_up_search_and_buy_with_the_keyboard_only(page, mailbox):
    from tests.conftest import link_in
    from tests.factories import make_listing, make_shop

    with session_scope() as session:
        shop = make_shop(session, name="Keyboard Crafts", slug="keyboard-crafts")
        make_listing(session, shop=shop, title="Keyboard-knitted mittens", price_cents=3100)
    goto(page, "/signup")
    page.locator("#field-email").focus()
    page.keyboard.type("keys@example.com")
    _tab_to(page, "#field-handle")
    page.keyboard.type("keys")
    _tab_to(page, "#field-password")
    page.keyboard.type("typed with keys only")
    page.keyboard.press("Enter")
    expect(page.get_by_text("We have sent a confirmation link")).to_be_visible()
    goto(page, link_in(mailbox.wait_for("keys@example.com", "Confirm"), "/confirm/"))
    expect(page.locator("#account-menu")).to_be_visible()

    # Search from the header.
    _tab_to(page, "header input[type=search]")
    page.keyboard.type("mittens")
    page.keyboard.press("Enter")
    expect(page.locator("#search-results .sm-listing-card")).to_have_count(1)
    _tab_to(page, "#search-results .sm-listing-card")
    page.keyboard.press("Enter")
    expect(page.locator("#listing-title")).to_have_text("Keyboard-knitted mittens")

    # Into the cart, then checkout.
    _tab_to(page, "#add-to-cart")
    page.keyboard.press("Enter")
    expect(page.locator("#cart-count")).to_have_text("1")
    _tab_to(page, "#cart-link")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your cart")).to_be_visible()
    _tab_to(page, "#go-checkout")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    _tab_to(page, "#field-name")
    page.keyboard.type("Kim Keys")
    _tab_to(page, "#field-line1")
    page.keyboard.type("Tastenweg 5")
    _tab_to(page, "#field-postcode")
    page.keyboard.type("20095")
    _tab_to(page, "#field-city")
    page.keyboard.type("Hamburg")
    _tab_to(page, "#place-order")
    focus_ring = page.evaluate(
        "getComputedStyle(document.activeElement).outlineStyle !== 'none'"
        " || getComputedStyle(document.activeElement).boxShadow !== 'none'"
    )
    assert focus_ring, "focus must be visible on the place-order button"
    page.keyboard.press("Enter")
    expect(page.get_by_text("Thank you! Your order is placed.")).to_be_visible()
    expect(page.locator("#order-status")).to_have_text("Awaiting payment")
