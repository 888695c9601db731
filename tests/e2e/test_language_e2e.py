"""English and German: browser language, the switcher, the saved choice, translated errors."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from social_market.db import session_scope
from social_market.models import User
from tests.e2e.conftest import goto, shot, sign_in
from tests.factories import PASSWORD, make_user

# One worker runs every end-to-end test: one app, one frontend build.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_a_german_browser_gets_german_on_the_first_visit(new_context):
    page = new_context(
        locale="de-DE", extra_http_headers={"Accept-Language": "de-DE,de;q=0.9"}
    ).new_page()
    goto(page, "/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Handgemacht – und die Menschen dahinter"
    )
    expect(page.get_by_role("banner").get_by_role("link", name="Anmelden")).to_be_visible()
    expect(page.locator("#main")).to_contain_text("Neu in der Community")
    shot(page, "home-de")


def test_switching_language_keeps_the_page_and_what_was_typed(page):
    goto(page, "/signup")
    page.get_by_label("Email").fill("halfway@example.com")
    page.get_by_label("Handle").fill("halfway")
    page.get_by_role("button", name="Deutsch").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bei Social Market mitmachen")
    expect(page.get_by_label("E-Mail")).to_have_value("halfway@example.com")
    expect(page.get_by_label("Benutzername")).to_have_value("halfway")
    assert page.url.rstrip("/").endswith("/signup")
    shot(page, "signup-de")
    page.get_by_role("button", name="English").first.click()
    expect(page.get_by_label("Email")).to_have_value("halfway@example.com")


def test_errors_from_the_server_come_in_the_chosen_language(page):
    goto(page, "/signin")
    page.get_by_role("button", name="Deutsch").first.click()
    page.get_by_label("E-Mail").fill("nobody-here@example.com")
    page.get_by_label("Passwort", exact=True).fill("wrong password")
    page.locator("#main").get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("alert")).to_contain_text("passen zu keinem Konto")


def test_a_signed_in_choice_is_saved_with_the_account(new_context):
    with session_scope() as session:
        email = make_user(session, handle="sprachwahl").email
    first = new_context().new_page()
    sign_in(first, email, PASSWORD)
    first.get_by_role("button", name="Deutsch").first.click()
    expect(first.get_by_role("heading", level=1)).to_have_text(
        "Handgemacht – und die Menschen dahinter"
    )
    with session_scope() as session:
        assert session.query(User).filter(User.handle_key == "sprachwahl").one().locale == "de"
    # Another browser (English, no cookie) shows German once this person signs in.
    other = new_context(extra_http_headers={"Accept-Language": "en-US"}).new_page()
    goto(other, "/signin")
    expect(other.get_by_role("banner").get_by_role("link", name="Sign in")).to_be_visible()
    sign_in(other, email, PASSWORD)
    expect(other.get_by_role("heading", level=1)).to_have_text(
        "Handgemacht – und die Menschen dahinter"
    )
