"""Following people in the browser: the button, the counts, the lists."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from social_market.db import session_scope
from tests.e2e.conftest import goto, shot, sign_in
from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_follow_a_maker_and_find_each_other_in_the_lists(page):
    with session_scope() as session:
        fan = make_user(session, handle="fanfan", display_name="Fan Fan")
        make_user(session, handle="makermia", display_name="Maker Mia")
        email = fan.email
    sign_in(page, email, PASSWORD, next_path="/u/makermia")
    button = page.locator("#follow-button")
    expect(button).to_have_text("Follow")
    button.click()
    expect(button).to_have_text("Following")
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#follower-count")).to_contain_text("1")
    shot(page, "profile-following")
    page.locator("#follower-count").click()
    expect(page.get_by_role("heading", name="Followers of Maker Mia")).to_be_visible()
    expect(page.locator("#main").get_by_text("Fan Fan")).to_be_visible()
    goto(page, "/u/fanfan/following")
    expect(page.locator("#main").get_by_text("Maker Mia")).to_be_visible()
    # Unfollow again.
    goto(page, "/u/makermia")
    page.locator("#follow-button").click()
    expect(page.locator("#follow-button")).to_have_text("Follow")
    expect(page.locator("#follower-count")).to_contain_text("0")


def test_signed_out_visitors_are_asked_to_sign_in_to_follow(page):
    with session_scope() as session:
        make_user(session, handle="lonely", display_name="Lonely Lou")
    goto(page, "/u/lonely")
    page.locator("#follow-button").click()
    expect(page).to_have_url(re.compile(r"/signin\?next=%2Fu%2Flonely"))


def test_the_home_page_suggests_people_my_follows_follow(page):
    from social_market.services import follows

    with session_scope() as session:
        me = make_user(session, handle="suggestme")
        friend = make_user(session, handle="friendly")
        make_user(session, handle="weaverwin", display_name="Weaver Win")
        follows.follow(session=session, actor_id=me.id, handle="friendly")
        follows.follow(session=session, actor_id=friend.id, handle="weaverwin")
        email = me.email
    sign_in(page, email, PASSWORD)
    box = page.locator("#people-you-may-know")
    expect(box.get_by_text("Weaver Win")).to_be_visible()
    expect(box).to_contain_text("Followed by 1 person you follow")


def test_block_someone_from_their_profile_and_unblock_again(page):
    from social_market.services import follows

    with session_scope() as session:
        me = make_user(session, handle="blockerbea")
        pest = make_user(session, handle="pestypete", display_name="Pesty Pete")
        follows.follow(session=session, actor_id=pest.id, handle="blockerbea")
        email = me.email
    sign_in(page, email, PASSWORD, next_path="/u/pestypete")
    page.locator("#block-button").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Block").click()
    expect(page.locator("#unblock-button")).to_be_visible()
    expect(page.locator("#follow-button")).to_have_count(0)
    goto(page, "/u/blockerbea")
    expect(page.locator("#follower-count")).to_contain_text("0")
    # The block is listed in settings, and can be lifted from there.
    goto(page, "/settings/security")
    blocked = page.locator("#blocked-people")
    expect(blocked.get_by_text("Pesty Pete")).to_be_visible()
    blocked.get_by_role("button", name="Unblock Pesty Pete").click()
    expect(blocked).to_have_count(0)
    goto(page, "/u/pestypete")
    expect(page.locator("#follow-button")).to_be_visible()
    page.locator("#block-button").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Block").click()
    page.locator("#unblock-button").click()
    expect(page.locator("#follow-button")).to_be_visible()
