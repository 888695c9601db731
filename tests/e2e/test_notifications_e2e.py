"""Live news in the browser: a maker's special offer reaches a follower's open feed
and notification badge without a reload; the notifications page and its settings."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from social_market.db import session_scope
from social_market.models import utcnow
from social_market.services import follows
from tests.e2e.conftest import goto, shot, sign_in
from tests.factories import PASSWORD, follow_shop, make_user, open_shop_for

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_a_followers_feed_and_badge_show_a_makers_new_offer_live(new_context):
    with session_scope() as session:
        maker = make_user(session, handle="livemaker", display_name="Live Maker")
        fan = make_user(session, handle="livefan", display_name="Live Fan")
        shop = open_shop_for(session, maker, name="Live Ceramics", slug="live-ceramics")
        follow_shop(session, fan, shop)
        emails = (maker.email, fan.email)

    fan_page = new_context().new_page()
    sign_in(fan_page, emails[1], PASSWORD, next_path="/feed")
    expect(fan_page.locator("#notification-count")).to_have_count(0)
    # A second tab of the same person gets the badge too.
    fan_tab2 = fan_page.context.new_page()
    goto(fan_tab2, "/")

    maker_page = new_context().new_page()
    sign_in(maker_page, emails[0], PASSWORD, next_path="/shop/live-ceramics")
    composer = maker_page.locator("#post-composer")
    composer.locator("#post-kind").click()
    maker_page.get_by_role("option", name="Special offer").click()
    composer.get_by_label("Text").fill("Winter seconds: everything a third off")
    composer.get_by_label("or discount in %").fill("33")
    until = (utcnow() + timedelta(days=3)).date().isoformat()
    composer.get_by_label("Valid until").fill(until)
    composer.locator("#post-submit").click()
    expect(maker_page.locator("#shop-posts").get_by_text("Winter seconds")).to_be_visible()

    # Without any reload: the feed says there is something new, the bell counts it.
    expect(fan_page.locator("#notification-count")).to_have_text("1")
    expect(fan_page.locator("#new-activity")).to_be_visible()
    expect(fan_tab2.locator("#notification-count")).to_have_text("1")
    shot(fan_page, "feed-live-news")
    fan_page.locator("#new-activity").click()
    expect(fan_page.locator(".sm-feed-card", has_text="Winter seconds")).to_be_visible()

    fan_page.locator("#notifications-link").click()
    item = fan_page.locator(".sm-notification").first
    expect(item).to_contain_text("Live Maker has a special offer for you: Winter seconds")
    shot(fan_page, "notifications")
    # Opening the page read them: every tab's badge clears.
    expect(fan_page.locator("#notification-count")).to_have_count(0)
    expect(fan_tab2.locator("#notification-count")).to_have_count(0)

    # Someone follows the fan while the notifications page is open: it appears there.
    with session_scope() as session:
        follows.follow(session=session, actor_id=maker.id, handle="livefan")
    expect(fan_page.locator(".sm-notification").first).to_contain_text(
        "Live Maker started following you"
    )
    item.click()
    expect(fan_page).to_have_url(re.compile(r"/u/livemaker/?$"))


def test_notification_settings_turn_kinds_off_and_the_digest_on(new_context):
    with session_scope() as session:
        me = make_user(session, handle="quietquinn")
        other = make_user(session, handle="followerfay")
        email, other_id = me.email, other.id
    page = new_context().new_page()
    sign_in(page, email, PASSWORD, next_path="/settings/notifications")
    page.locator("#notify-follow").click()
    page.locator("#notify-digest").click()
    page.get_by_role("button", name="Save notification settings").click()
    expect(page.get_by_text("Notification settings saved.").first).to_be_visible()
    goto(page, "/settings/notifications")
    expect(page.locator("#notify-follow")).to_have_attribute("aria-checked", "false")
    expect(page.locator("#notify-digest")).to_have_attribute("aria-checked", "true")
    with session_scope() as session:
        follows.follow(session=session, actor_id=other_id, handle="quietquinn")
    goto(page, "/notifications")
    expect(page.get_by_text("No notifications yet.")).to_be_visible()
