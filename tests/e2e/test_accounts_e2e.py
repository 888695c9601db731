"""Accounts in the browser: sign-up with email confirmation, sign-in/out, reset, sign out everywhere."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from social_market.db import session_scope
from tests.conftest import link_in
from tests.e2e.conftest import goto, shot, sign_in, wait_for_signed_out_home
from tests.factories import PASSWORD, make_user

# One worker runs every end-to-end test: one app, one frontend build.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _make_user(**kwargs):
    with session_scope() as session:
        user = make_user(session, **kwargs)
        return user.id, user.email


def test_sign_up_confirm_email_and_land_signed_in(page, mailbox):
    goto(page, "/signup")
    shot(page, "signup")
    page.get_by_label("Email").fill("newcomer@example.com")
    page.get_by_label("Handle").fill("Newcomer")
    page.get_by_label("Display name").fill("Nia Newcomer")
    page.get_by_label("Password").fill("my long enough password")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("We have sent a confirmation link")).to_be_visible()
    path = link_in(mailbox.wait_for("newcomer@example.com", "Confirm"), "/confirm/")
    goto(page, path)
    expect(page).to_have_url(re.compile(r"/settings/?\?welcome=1"))
    expect(page.get_by_text("Your email is confirmed")).to_be_visible()
    expect(page.locator("#account-menu")).to_contain_text("Nia Newcomer")
    # The session cookie is HttpOnly: page scripts cannot read it.
    assert "sm_session" not in page.evaluate("document.cookie")
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["sm_session"]["httpOnly"] is True


def test_sign_up_errors_are_shown_and_the_typed_input_stays(page):
    _make_user(handle="TakenHandle")
    goto(page, "/signup")
    page.get_by_label("Email").fill("someone@example.com")
    page.get_by_label("Handle").fill("takenhandle")
    page.get_by_label("Password").fill("my long enough password")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("That handle is taken")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value("someone@example.com")
    expect(page.get_by_label("Handle")).to_have_value("takenhandle")


def test_sign_in_wrong_password_then_right_then_sign_out(page):
    _, email = _make_user(handle="signer", display_name="Sig Ner")
    goto(page, "/signin")
    shot(page, "signin")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill("not my password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("don't match an account")
    expect(page.get_by_label("Email")).to_have_value(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.locator("#account-menu")).to_contain_text("Sig Ner")
    page.locator("#account-menu").click()
    page.get_by_role("menuitem", name="Sign out").click()
    wait_for_signed_out_home(page)
    expect(page.get_by_role("banner").get_by_role("link", name="Sign in")).to_be_visible()
    goto(page, "/settings")
    expect(page).to_have_url(re.compile(r"/signin/?\?next=%2Fsettings"))


def test_password_reset_through_the_emailed_link(page, mailbox):
    _, email = _make_user(handle="forgetful")
    goto(page, "/reset")
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_text("If an account uses that address")).to_be_visible()
    path = link_in(mailbox.wait_for(email, "Reset"), "/reset/")
    goto(page, path)
    page.get_by_label("New password", exact=True).fill("a new long password")
    page.get_by_label("New password again").fill("a new long password")
    page.get_by_role("button", name="Save new password").click()
    expect(page.locator("#account-menu")).to_be_visible()
    # The link is single use.
    goto(page, path)
    page.get_by_label("New password", exact=True).fill("yet another password")
    page.get_by_label("New password again").fill("yet another password")
    page.get_by_role("button", name="Save new password").click()
    expect(page.get_by_role("alert")).to_contain_text("invalid or has expired")


def test_sign_out_everywhere_ends_the_session_in_another_browser(new_context):
    _, email = _make_user(handle="twodevices")
    laptop, phone = new_context().new_page(), new_context(width=390, height=844).new_page()
    sign_in(laptop, email, PASSWORD)
    sign_in(phone, email, PASSWORD)
    goto(laptop, "/settings/security")
    expect(laptop.get_by_text("You are signed in on")).to_contain_text("2")
    shot(laptop, "settings-security")
    laptop.get_by_role("button", name="Sign out of all devices").click()
    expect(laptop.locator("#account-menu")).to_have_count(0)
    goto(phone, "/settings")
    expect(phone).to_have_url(re.compile(r"/signin"))
    expect(phone.locator("#account-menu")).to_have_count(0)


def test_change_password_asks_for_the_current_one(page):
    _, email = _make_user(handle="changer")
    sign_in(page, email, PASSWORD, next_path="/settings/security")
    expect(page).to_have_url(re.compile(r"/settings/security"))
    page.get_by_label("Current password").fill("wrong one")
    page.get_by_label("New password", exact=True).fill("the next password")
    page.get_by_label("New password again").fill("the next password")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your current password is not right")).to_be_visible()
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password is changed")).to_be_visible()


def test_delete_account_asks_for_the_password_and_removes_the_profile(page):
    _, email = _make_user(handle="goodbye", display_name="Good Bye")
    sign_in(page, email, PASSWORD, next_path="/settings/security")
    page.locator("#delete-password").fill("wrong")
    page.locator("#delete-confirm").fill("DELETE")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("That password is not right")).to_be_visible()
    page.locator("#delete-password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    # Deleting ends in a sign-out, which lands on the home page: let it arrive first.
    wait_for_signed_out_home(page)
    goto(page, "/u/goodbye")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()


def test_open_redirect_through_next_is_refused(page):
    _, email = _make_user(handle="redirected")
    sign_in(page, email, PASSWORD, next_path="//evil.example.com/x")
    assert page.url.startswith(page.context.pages[0].url.split("/", 3)[0])
    assert "evil.example.com" not in page.url.split("/", 3)[2]
