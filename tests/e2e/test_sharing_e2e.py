"""Sharing outside the app: share menu, link previews without JavaScript, embeddable card,
and pages that refuse to be framed."""

from __future__ import annotations

import html
import re

import httpx
import pytest
import reflex as rx
from playwright.sync_api import expect

from social_market.db import session_scope
from social_market.services import profiles
from tests.e2e.conftest import goto
from tests.factories import make_user

# One worker runs every end-to-end test: one app, one frontend build.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _backend() -> str:
    return rx.config.get_config().api_url.rstrip("/")


@pytest.fixture
def sharer():
    with session_scope() as session:
        from sqlmodel import select

        from social_market.models import User

        user = session.exec(select(User).where(User.handle_key == "sharer")).first()
        if user is None:
            user = make_user(
                session,
                handle="sharer",
                display_name='Sam "<b>Sharer</b>"',
                bio="Linen & wool, woven slowly.",
            )
            from tests.services.test_profiles import _image

            profiles.set_avatar(session=session, user_id=user.id, data=_image())
        return user.handle


def _meta(page_html: str, key: str) -> str | None:
    m = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"', page_html)
    return html.unescape(m.group(1)) if m else None


def test_link_preview_tags_come_from_the_server_without_javascript(app_url, sharer):
    r = httpx.get(
        f"{_backend()}/share/u/{sharer}", headers={"User-Agent": "Slackbot-LinkExpanding 1.0"}
    )
    assert r.status_code == 200
    body = r.text
    assert _meta(body, "og:title") == 'Sam "<b>Sharer</b>" (@sharer) · Social Market'
    assert _meta(body, "og:description") == "Linen & wool, woven slowly."
    assert _meta(body, "og:url").endswith("/u/sharer")
    assert re.search(r"/_upload/avatars/[\w-]+_400\.webp$", _meta(body, "og:image"))
    assert _meta(body, "twitter:card") == "summary"
    assert "<b>Sharer</b>" not in body  # user text is escaped
    image = httpx.get(_meta(body, "og:image"))
    assert image.status_code == 200 and image.headers["content-type"] == "image/webp"


def test_link_preview_of_an_unknown_person_is_a_404(app_url):
    r = httpx.get(f"{_backend()}/share/u/nobody-at-all")
    assert r.status_code == 404
    assert "og:title" not in r.text


def test_embed_card_is_small_frameable_and_inert(app_url, sharer):
    r = httpx.get(f"{_backend()}/embed/u/{sharer}")
    assert r.status_code == 200
    assert len(r.content) <= 20 * 1024
    assert "set-cookie" not in r.headers
    assert "x-frame-options" not in r.headers
    assert "frame-ancestors *" in r.headers["content-security-policy"]
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert "<script" not in r.text.lower()
    assert "/u/sharer" in r.text


def test_app_routes_refuse_to_be_framed(app_url):
    for path in ("/api/health", "/share/u/sharer", "/ping"):
        r = httpx.get(f"{_backend()}{path}")
        assert r.headers.get("x-frame-options") == "DENY", path
        assert "frame-ancestors 'none'" in r.headers.get("content-security-policy", ""), path
        assert r.headers.get("x-content-type-options") == "nosniff"


def test_share_menu_copies_the_preview_link_and_offers_an_embed_code(new_context, sharer):
    ctx = new_context(permissions=["clipboard-read", "clipboard-write"])
    page = ctx.new_page()
    goto(page, f"/u/{sharer}")
    page.locator("#share-button").click()
    page.get_by_role("menuitem", name="Copy link").click()
    expect(page.get_by_text("Link copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == f"{_backend()}/share/u/{sharer}"
    # The menu closed when "Copy link" was chosen; open it again once it is gone.
    expect(page.get_by_role("menu")).to_have_count(0)
    embed_item = page.get_by_role("menuitem", name="Embed on your site")
    page.locator("#share-button").click()
    expect(embed_item).to_be_visible()
    embed_item.click()
    code = page.locator("#embed-code").input_value()
    assert f"{_backend()}/embed/u/{sharer}" in code and code.startswith("<iframe")


@pytest.fixture
def shared_listing():
    from social_market.services import listings, shops

    with session_scope() as session:
        maker = make_user(session)
        shops.open_shop(
            session=session,
            owner_id=maker.id,
            form={
                "name": "Share & Sell",
                "slug": f"share-sell-{maker.id}",
                "about": "Glass beads from Murano.",
                "country": "IT",
                "payment_details": "IBAN IT60 X054 2811 1010 0000 0123 456",
                "accepts_bank_transfer": True,
                "domestic_first": "5",
            },
        )
        shops.set_logo(session=session, owner_id=maker.id, data=_png())
        item = listings.create_listing(
            session=session,
            owner_id=maker.id,
            form={
                "title": "Bead <i>necklace</i>",
                "description": "Blue glass.",
                "price": "64.50",
                "quantity": "2",
                "category_id": "101",
            },
        )
        listings.add_photo(session=session, owner_id=maker.id, listing_id=item.id, data=_png())
        listings.publish(session=session, owner_id=maker.id, listing_id=item.id)
        draft = listings.create_listing(
            session=session,
            owner_id=maker.id,
            form={"title": "Unfinished", "price": "1", "quantity": "1", "category_id": "101"},
        )
        return {"id": item.id, "slug": f"share-sell-{maker.id}", "draft": draft.id}


def _png() -> bytes:
    from tests.services.test_profiles import _image

    return _image()


def test_listing_and_shop_previews_carry_title_price_and_picture(app_url, shared_listing):
    r = httpx.get(f"{_backend()}/share/l/{shared_listing['id']}")
    assert r.status_code == 200
    assert _meta(r.text, "og:type") == "product"
    assert _meta(r.text, "og:title") == "Bead <i>necklace</i> · Social Market"
    assert "<i>necklace</i>" not in r.text
    assert _meta(r.text, "product:price:amount") == "64.50"
    assert _meta(r.text, "og:url").endswith(f"/listing/{shared_listing['id']}-bead-i-necklace-i")
    assert re.search(r"/_upload/listings/[\w-]+_1000\.webp$", _meta(r.text, "og:image"))
    assert _meta(r.text, "twitter:card") == "summary_large_image"

    shop = httpx.get(f"{_backend()}/share/s/{shared_listing['slug']}")
    assert _meta(shop.text, "og:title") == "Share & Sell · Social Market"
    assert _meta(shop.text, "og:description") == "Glass beads from Murano."
    assert re.search(r"/_upload/shop-logos/[\w-]+_400\.webp$", _meta(shop.text, "og:image"))


def test_drafts_and_unknown_kinds_have_no_preview(app_url, shared_listing):
    assert httpx.get(f"{_backend()}/share/l/{shared_listing['draft']}").status_code == 404
    assert httpx.get(f"{_backend()}/embed/l/{shared_listing['draft']}").status_code == 404
    assert httpx.get(f"{_backend()}/share/x/anything").status_code == 404


def test_listing_embed_card_is_small_and_inert(app_url, shared_listing):
    r = httpx.get(f"{_backend()}/embed/l/{shared_listing['id']}")
    assert r.status_code == 200 and len(r.content) <= 20 * 1024
    assert "<script" not in r.text.lower() and "set-cookie" not in r.headers
    assert "€64.50" in r.text and "Share &amp; Sell" in r.text


def test_listing_page_offers_the_share_menu(page, shared_listing):
    goto(page, f"/listing/{shared_listing['id']}")
    page.locator("#share-button").click()
    page.get_by_role("menuitem", name="Embed on your site").click()
    code = page.locator("#embed-code").input_value()
    assert f"/embed/l/{shared_listing['id']}" in code


def test_a_shop_has_atom_and_rss_feeds_of_its_new_pieces(app_url, shared_listing):
    import xml.etree.ElementTree as ET

    atom = httpx.get(f"{_backend()}/feeds/shop/{shared_listing['slug']}/atom.xml")
    assert atom.status_code == 200
    assert atom.headers["content-type"].startswith("application/atom+xml")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    root = ET.fromstring(atom.content)  # noqa: S314 - our own feed, in a test
    assert root.find("a:title", ns).text == "Share & Sell · Social Market"
    entries = root.findall("a:entry", ns)
    assert [e.find("a:title", ns).text for e in entries] == ["Bead <i>necklace</i>"]
    assert (
        entries[0]
        .find("a:link", ns)
        .get("href")
        .endswith(f"/listing/{shared_listing['id']}-bead-i-necklace-i")
    )
    assert "€64.50" in entries[0].find("a:summary", ns).text
    rss = httpx.get(f"{_backend()}/feeds/shop/{shared_listing['slug']}/rss.xml")
    assert rss.status_code == 200
    channel = ET.fromstring(rss.content).find("channel")  # noqa: S314 - our own feed, in a test
    assert [i.find("title").text for i in channel.findall("item")] == ["Bead <i>necklace</i>"]
    assert httpx.get(f"{_backend()}/feeds/shop/no-such-shop/atom.xml").status_code == 404
