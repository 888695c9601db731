"""Profiles in the browser: home page, editing with an avatar, public page, 404, search."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from social_market.db import session_scope
from tests.e2e.conftest import goto, shot, sign_in
from tests.factories import PASSWORD, make_user

# One worker runs every end-to-end test: one app, one frontend build.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _png(width=300, height=300, color=(200, 80, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="PNG")
    return out.getvalue()


def test_home_page_shows_the_shell_and_the_community(page):
    with session_scope() as session:
        make_user(session, handle="homeface", display_name="Home Face", bio="Potter")
    goto(page, "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Handmade")
    expect(page.get_by_role("search")).to_be_visible()
    expect(page.get_by_text("Home Face")).to_be_visible()
    expect(page.locator("#member-count")).not_to_have_text("")
    shot(page, "home-desktop")


def test_home_page_fits_a_phone_and_dark_mode(new_context):
    with session_scope() as session:
        make_user(session, handle="phoneface", display_name="Phone Face")
    page = new_context(width=360, height=780, color_scheme="dark").new_page()
    goto(page, "/")
    expect(page.get_by_text("Phone Face")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"page is {overflow}px wider than a 360px phone"
    assert page.evaluate("document.documentElement.classList.contains('dark')")
    shot(page, "home-phone-dark")


def test_colour_mode_can_be_toggled(page):
    goto(page, "/")
    before = page.evaluate("document.documentElement.classList.contains('dark')")
    page.get_by_role("button", name="Toggle dark mode").click()
    page.wait_for_function(
        f"document.documentElement.classList.contains('dark') !== {str(before).lower()}"
    )


def test_edit_profile_with_avatar_and_see_it_public(page, tmp_path):
    with session_scope() as session:
        email = make_user(session, handle="editor", display_name="Ed Itor").email
    sign_in(page, email, PASSWORD, next_path="/settings")
    page.get_by_label("Display name").fill("Edith Editor")
    page.get_by_label("Bio").fill("I knit socks.\nLots of socks.")
    page.get_by_label("Location").fill("Köln")
    page.get_by_label("Website").fill("edith.example.com")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Your profile is saved")).to_be_visible()
    image = tmp_path / "me.png"
    image.write_bytes(_png())
    page.locator("#avatar-upload input[type=file]").set_input_files(str(image))
    expect(page.locator("img[src*='avatars/']").first).to_be_visible()
    shot(page, "settings-profile")
    goto(page, "/u/EDITOR")
    expect(page.locator("#profile-name")).to_have_text("Edith Editor")
    expect(page.locator("#profile-bio")).to_have_text("I knit socks.\nLots of socks.")
    expect(page.get_by_text("Köln")).to_be_visible()
    expect(page.get_by_role("link", name="https://edith.example.com")).to_be_visible()
    expect(page.locator("img[src*='_400.webp']")).to_be_visible()
    shot(page, "profile")


def test_profile_field_errors_keep_what_was_typed(page):
    with session_scope() as session:
        email = make_user(session, handle="typo").email
    sign_in(page, email, PASSWORD, next_path="/settings")
    page.get_by_label("Bio").fill("kept text")
    page.get_by_label("Website").fill("javascript:alert(1)")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Please enter a web address")).to_be_visible()
    expect(page.get_by_label("Bio")).to_have_value("kept text")


def test_a_text_file_renamed_png_is_refused_as_avatar(page, tmp_path):
    with session_scope() as session:
        email = make_user(session, handle="faker").email
    sign_in(page, email, PASSWORD, next_path="/settings")
    fake = tmp_path / "photo.png"
    fake.write_text("this is not an image at all")
    page.locator("#avatar-upload input[type=file]").set_input_files(str(fake))
    expect(page.get_by_text("not an image we can read")).to_be_visible()


def test_unknown_handle_shows_the_404_page(page):
    goto(page, "/u/nobody-here-at-all")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    goto(page, "/no/such/page")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    shot(page, "not-found")


def test_search_people_from_the_header(page):
    with session_scope() as session:
        make_user(session, handle="searchable", display_name="Sally Searchable")
    goto(page, "/")
    page.get_by_role("search").get_by_role("searchbox").fill("sally")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Sally Searchable")).to_be_visible()
