"""The marketplace in the browser: a maker opens a shop and lists a piece with photos;
buyers find it, heart it, and see its shop."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from social_market.db import session_scope
from tests.e2e.conftest import goto, shot, sign_in
from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _photo(path, color) -> str:
    out = io.BytesIO()
    Image.new("RGB", (900, 700), color).save(out, format="JPEG")
    path.write_bytes(out.getvalue())
    return str(path)


def test_a_maker_opens_a_shop_and_publishes_a_listing_with_two_photos(page, tmp_path):
    with session_scope() as session:
        email = make_user(session, handle="weaver", display_name="Wanda Weaver").email
    sign_in(page, email, PASSWORD, next_path="/sell/shop")
    expect(page.get_by_role("heading", name="Open your shop")).to_be_visible()

    # A mistake is explained, and nothing typed is lost.
    page.get_by_label("Shop name").fill("Wanda's Weaving")
    page.get_by_label("Shop address").fill("wandas-weaving")
    page.get_by_label("About").fill("Rugs and runners from a floor loom.")
    page.get_by_label("City").fill("Kassel")
    page.locator("#field-domestic_first").fill("-3")
    page.get_by_label("Bank details").fill("Wanda Weaver, IBAN DE89 3704 0044 0532 0130 00")
    page.get_by_role("button", name="Open shop").click()
    expect(page.get_by_text("Shipping cost can't be negative.")).to_be_visible()
    expect(page.get_by_label("About")).to_have_value("Rugs and runners from a floor loom.")
    page.locator("#field-domestic_first").fill("5.90")
    page.locator("#field-eu_first").fill("12,50")
    page.get_by_role("button", name="Open shop").click()

    # The new-listing editor comes next.
    expect(page.get_by_role("heading", name="New listing")).to_be_visible()
    page.get_by_label("Title").fill("Striped wool runner")
    page.get_by_label("Description").fill("Hand-woven on a floor loom.\nWashable at 30°.")
    page.get_by_label("Price (€)").fill("89,00")
    page.get_by_label("Quantity in stock").fill("2")
    page.get_by_label("Category").select_option("302")
    page.get_by_label("Materials").fill("Wool, linen")
    page.get_by_label("Tags").fill("runner, rug, stripes")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", name="Edit listing")).to_be_visible()
    expect(page.locator("#listing-state")).to_have_text("Draft")

    # Publishing without a photo is refused with a reason.
    page.locator("#publish-listing").click()
    expect(page.get_by_text("Add at least one photo before publishing.")).to_be_visible()

    page.locator("#photo-upload input[type=file]").set_input_files(
        [_photo(tmp_path / "a.jpg", (180, 60, 40)), _photo(tmp_path / "b.jpg", (40, 90, 160))]
    )
    expect(page.locator(".sm-photo-tile")).to_have_count(2, timeout=45_000)  # slow when busy
    page.get_by_label("Photo description").first.fill("Red and cream striped runner on oak floor")
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.get_by_label("Photo description").first).to_have_value(
        "Red and cream striped runner on oak floor"
    )
    page.locator("#publish-listing").click()
    expect(page.locator("#listing-state")).to_have_text("Active")
    shot(page, "sell-listing-editor")

    # The shop page shows it.
    goto(page, "/shop/wandas-weaving")
    expect(page.locator("#shop-name")).to_have_text("Wanda's Weaving")
    card = page.locator(".sm-listing-card", has_text="Striped wool runner").first
    expect(card).to_be_visible()
    expect(card.locator("img")).to_have_attribute("loading", "lazy")
    expect(card).to_contain_text("€89.00")
    shot(page, "shop-page")

    # The listing page: gallery, price, shipping to the visitor, maker card.
    card.click()
    expect(page.locator("#listing-title")).to_have_text("Striped wool runner")
    expect(page.locator("#listing-photo")).to_have_attribute(
        "alt", "Red and cream striped runner on oak floor"
    )
    page.get_by_role("button", name="Show photo 2").click()
    expect(page.locator("#listing-photo")).to_have_attribute("alt", "Striped wool runner")
    page.get_by_label("Shipping to").select_option("FR")
    expect(page.locator("#shipping-cost")).to_contain_text("€12.50")
    page.get_by_label("Shipping to").select_option("US")
    expect(page.locator("#shipping-cost")).to_have_text("This shop doesn't ship there.")
    expect(page.get_by_text("Hand-woven on a floor loom.")).to_be_visible()
    shot(page, "listing-page")


def test_a_buyer_hearts_a_listing_and_finds_it_in_favourites(new_context):
    from social_market.services import favourites  # noqa: F401  (services used via factories)
    from tests.factories import make_listing, make_shop

    with session_scope() as session:
        shop = make_shop(session, name="Heart Shop", slug="heart-shop")
        listing = make_listing(session, shop=shop, title="Lovely felt slippers")
        listing_id = listing.id
        email = make_user(session, handle="hearter").email
    page = new_context().new_page()
    sign_in(page, email, PASSWORD, next_path=f"/listing/{listing_id}")
    expect(page.locator("#listing-title")).to_have_text("Lovely felt slippers")
    heart = page.locator("#favourite-listing")
    expect(heart).to_have_attribute("aria-pressed", "false")
    heart.click()
    expect(heart).to_have_attribute("aria-pressed", "true")
    expect(heart).to_contain_text("1")
    goto(page, "/favourites")
    expect(page.locator(".sm-listing-card", has_text="Lovely felt slippers")).to_be_visible()


def test_a_draft_is_not_visible_to_other_people(page):
    from tests.factories import make_listing

    with session_scope() as session:
        draft = make_listing(session, title="Secret prototype", state="draft")
        draft_id = draft.id
    goto(page, f"/listing/{draft_id}")
    expect(page.get_by_role("heading", name="We couldn't find that listing.")).to_be_visible()
    expect(page.get_by_text("Secret prototype")).to_have_count(0)


def test_search_finds_listings_by_words_with_filters_in_a_shareable_url(page):
    from tests.factories import make_listing, make_shop

    with session_scope() as session:
        shop = make_shop(session, name="Searchable Studio", slug="searchable-studio")
        make_listing(session, shop=shop, title="Blue porcelain teapot", price_cents=4200)
        make_listing(session, shop=shop, title="Green porcelain teapot", price_cents=9900)
        make_listing(session, shop=shop, title="Porcelain bowl", price_cents=1500)
    goto(page, "/")
    page.get_by_role("banner").get_by_role("searchbox").fill("porcelain teapot")
    page.keyboard.press("Enter")
    results = page.locator("#search-results .sm-listing-card")
    expect(results).to_have_count(2)
    page.get_by_label("To (€)").fill("50")
    page.get_by_role("button", name="Show results").click()
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("Blue porcelain teapot")
    assert "max=50" in page.url and "q=porcelain+teapot" in page.url
    shot(page, "search-results")
    # The URL alone gives the same results (shareable).
    goto(page, page.url)
    expect(results).to_have_count(1)
    # Bad input is explained and the query is kept.
    page.get_by_label("From (€)").fill("-5")
    page.get_by_role("button", name="Show results").click()
    expect(page.get_by_role("alert").first).to_contain_text("negative")
    expect(page.locator("#search-q")).to_have_value("porcelain teapot")


def test_a_buyer_buys_by_bank_transfer_and_the_maker_confirms_and_ships(new_context):
    from tests.factories import open_shop_for, publish_listing

    with session_scope() as session:
        maker = make_user(session, handle="potter", display_name="Paula Potter")
        open_shop_for(
            session, maker, name="Paula's Pots", slug="paulas-pots", domestic_additional="1.00"
        )
        publish_listing(session, maker, title="Celadon tea bowl", price="38.00", quantity="1")
        buyer_email = make_user(session, handle="teafan", display_name="Tea Fan").email
        maker_email = maker.email

    buyer = new_context(extra_http_headers={"Accept-Language": "en-DE,en;q=0.9"}).new_page()
    sign_in(buyer, buyer_email, PASSWORD)
    buyer.get_by_role("banner").get_by_role("searchbox").fill("celadon")
    buyer.keyboard.press("Enter")
    buyer.locator("#search-results .sm-listing-card", has_text="Celadon tea bowl").click()
    expect(buyer.locator("#listing-title")).to_have_text("Celadon tea bowl")
    buyer.locator("#favourite-listing").click()
    expect(buyer.locator("#favourite-listing")).to_have_attribute("aria-pressed", "true")
    buyer.locator("#add-to-cart").click()
    expect(buyer.locator("#cart-count")).to_have_text("1")

    buyer.locator("#cart-link").click()
    expect(buyer.get_by_role("heading", name="Your cart")).to_be_visible()
    expect(buyer.locator("#cart-total")).to_have_text("€42.90")
    shot(buyer, "cart")
    buyer.locator("#go-checkout").click()
    expect(buyer.get_by_role("heading", name="Checkout")).to_be_visible()
    buyer.get_by_label("Full name").fill("Tea Fan")
    buyer.get_by_label("Street and number").fill("Teeweg 1")
    buyer.get_by_label("Postcode").fill("10115")
    buyer.get_by_label("City", exact=True).fill("Berlin")
    expect(buyer.locator("#checkout-total")).to_have_text("€42.90")
    shot(buyer, "checkout")
    buyer.locator("#place-order").click()
    expect(buyer.get_by_text("Thank you! Your order is placed.")).to_be_visible()
    expect(buyer.locator("#order-status")).to_have_text("Awaiting payment")
    expect(buyer.get_by_text("DE89 3704 0044 0532 0130 00")).to_be_visible()
    reference = buyer.get_by_role("heading", level=1).inner_text().replace("Order ", "")
    shot(buyer, "order-placed")

    # The maker sees it on the dashboard, confirms the payment and ships.
    maker_page = new_context().new_page()
    sign_in(maker_page, maker_email, PASSWORD, next_path="/sell")
    expect(maker_page.locator("#stat-awaiting")).to_have_text("1")
    shot(maker_page, "seller-dashboard")
    goto(maker_page, "/sell/orders?status=placed")
    maker_page.locator(".sm-order-row", has_text=reference).click()
    expect(maker_page.get_by_text("Buyer: Tea Fan")).to_be_visible()
    expect(maker_page.get_by_text("Teeweg 1")).to_be_visible()
    maker_page.locator("#confirm-payment").click()
    expect(maker_page.locator("#order-status")).to_have_text("Paid")
    maker_page.get_by_label("Tracking number (optional)").fill("DHL 0034 1234")
    maker_page.locator("#mark-shipped").click()
    expect(maker_page.locator("#order-status")).to_have_text("Shipped")

    # The buyer sees the new status, with the tracking number.
    goto(buyer, f"/orders/{reference}")
    expect(buyer.locator("#order-status")).to_have_text("Shipped")
    expect(buyer.get_by_text("Tracking number: DHL 0034 1234")).to_be_visible()
    # The piece was the last one: it is sold out now.
    goto(buyer, "/search?q=celadon")
    expect(buyer.locator("#search-results .sm-listing-card")).to_have_count(0)
