"""The social layer in the browser: a maker posts to followers, followers see it in
their feed, like and comment; a buyer shares a purchase with exactly the people they
chose; privacy settings and muting; hostile text stays text."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from social_market.db import session_scope
from social_market.services import follows, posts
from tests.e2e.conftest import goto, shot, sign_in
from tests.factories import (
    PASSWORD,
    buy,
    follow_shop,
    make_user,
    open_shop_for,
    publish_listing,
)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

XSS = [
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
    "javascript:window.__pwned=1",
    '"><svg onload=window.__pwned=1>',
    "[click](javascript:window.__pwned=1)",
]


def _no_script_ran(page) -> None:
    assert page.evaluate("window.__pwned === undefined")


def test_a_maker_posts_an_offer_for_followers_who_see_like_and_discuss_it(new_context):
    with session_scope() as session:
        maker = make_user(session, handle="potterpia", display_name="Potter Pia")
        fan = make_user(session, handle="fanfred", display_name="Fan Fred")
        stranger = make_user(session, handle="strangesam")
        rude = make_user(session, handle="ruderoy")
        shop = open_shop_for(session, maker, name="Pia's Pottery", slug="pias-pottery")
        publish_listing(session, maker, title="Speckled bowl")
        follow_shop(session, fan, shop)
        follow_shop(session, rude, shop)
        rude_id = rude.id
        emails = (maker.email, fan.email, stranger.email)
    maker_page = new_context().new_page()
    sign_in(maker_page, emails[0], PASSWORD, next_path="/shop/pias-pottery")
    composer = maker_page.locator("#post-composer")
    composer.locator("#post-kind").click()
    maker_page.get_by_role("option", name="Special offer").click()
    composer.get_by_label("Text").fill("Seconds sale, this weekend only @fanfred")
    composer.get_by_label("or discount in %").fill("20")
    composer.get_by_label("Valid until").fill("2099-01-01")
    composer.locator("#post-submit").click()
    expect(composer.get_by_text("at most 90 days")).to_be_visible()  # kept, and told why
    expect(composer.get_by_label("Text")).to_have_value("Seconds sale, this weekend only @fanfred")
    from datetime import timedelta

    from social_market.models import utcnow

    composer.get_by_label("Valid until").fill((utcnow() + timedelta(days=3)).date().isoformat())
    composer.get_by_text("Only for my followers").click()
    composer.locator("#post-submit").click()
    posts_box = maker_page.locator("#shop-posts")
    expect(posts_box.get_by_text("Seconds sale, this weekend only")).to_be_visible()
    expect(posts_box.get_by_text("For followers")).to_be_visible()
    shot(maker_page, "shop-posts-owner")

    fan_page = new_context().new_page()
    sign_in(fan_page, emails[1], PASSWORD, next_path="/feed")
    card = fan_page.locator(".sm-feed-card", has_text="Seconds sale")
    expect(card).to_contain_text("−20 %")
    # The automatic "new piece" post is there too.
    expect(fan_page.locator(".sm-feed-card", has_text="Speckled bowl")).to_contain_text("New piece")
    expect(card.get_by_role("link", name="@fanfred")).to_have_attribute("href", "/u/fanfred")
    card.locator(".sm-like").click()
    expect(card.locator(".sm-like")).to_have_attribute("aria-pressed", "true")
    expect(card.locator(".sm-like")).to_contain_text("1")
    shot(fan_page, "feed")
    card.get_by_role("link", name="0 comments").click()
    fan_page.get_by_placeholder("Write a comment").fill("Is the large one included?")
    fan_page.get_by_role("button", name="Comment", exact=True).click()
    expect(fan_page.locator(".sm-comment")).to_contain_text("Is the large one included?")

    # The maker answers, and hides a rude comment.
    with session_scope() as session:
        from social_market.services import comments

        post_id = int(fan_page.url.rstrip("/").rsplit("/", 1)[-1])
        comments.add_comment(
            session=session,
            actor_id=rude_id,
            subject_kind="post",
            subject_id=post_id,
            body="this is rude",
        )
    goto(maker_page, f"/post/{post_id}")
    maker_page.locator(".sm-comment", has_text="Is the large one").get_by_role(
        "button", name="Reply"
    ).click()
    maker_page.get_by_placeholder("Write a reply").fill("Yes, all sizes!")
    maker_page.locator(".sm-comment-form").get_by_role("button", name="Reply").click()
    expect(maker_page.locator(".sm-comment", has_text="Yes, all sizes!")).to_be_visible()
    maker_page.locator(".sm-comment", has_text="this is rude").get_by_role(
        "button", name="Hide"
    ).click()
    expect(maker_page.locator(".sm-comment", has_text="this is rude")).to_contain_text("Hidden")
    goto(fan_page, f"/post/{post_id}")
    expect(fan_page.locator(".sm-comment", has_text="Yes, all sizes!")).to_be_visible()
    expect(fan_page.locator(".sm-comment", has_text="this is rude")).to_have_count(0)

    # A stranger (not a follower) neither sees the followers-only offer nor reaches it.
    stranger_page = new_context().new_page()
    sign_in(stranger_page, emails[2], PASSWORD, next_path="/shop/pias-pottery")
    expect(stranger_page.locator("#shop-posts")).not_to_contain_text("Seconds sale")
    goto(stranger_page, f"/post/{post_id}")
    expect(stranger_page.get_by_text("isn't shared with you")).to_be_visible()


def test_a_buyer_shares_a_purchase_with_followers_only(new_context):
    with session_scope() as session:
        maker = make_user(session, handle="weaverwil")
        buyer = make_user(session, handle="buyerbo", display_name="Buyer Bo")
        follower = make_user(session, handle="friendcat")
        outsider = make_user(session, handle="outsiderdan")
        open_shop_for(session, maker)
        line = buy(session, buyer, publish_listing(session, maker, title="Wool blanket"))
        follows.follow(session=session, actor_id=follower.id, handle="buyerbo")
        from social_market.models import Order

        reference = session.get(Order, line.order_id).reference
        emails = (buyer.email, follower.email, outsider.email)
    page = new_context().new_page()
    sign_in(page, emails[0], PASSWORD, next_path=f"/orders/{reference}")
    page.locator(".sm-share-purchase").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("radio", name="Nobody")).to_be_checked()
    dialog.get_by_role("radio", name="My followers").click()
    dialog.get_by_label("What do you say about it?").fill("So warm! " + XSS[1])
    dialog.locator("#share-save").click()
    expect(page.locator(".sm-share-purchase")).to_contain_text("Shared with followers")
    shot(page, "order-shared")

    friend = new_context().new_page()
    sign_in(friend, emails[1], PASSWORD, next_path="/feed")
    card = friend.locator(".sm-feed-card", has_text="Wool blanket")
    expect(card).to_contain_text("shared a purchase")
    expect(card).to_contain_text(XSS[1])  # shown as text
    expect(card).not_to_contain_text(reference)
    expect(card).not_to_contain_text("€")
    _no_script_ran(friend)
    share_url = card.get_by_role("link", name="0 comments").get_attribute("href")

    outsider_page = new_context().new_page()
    sign_in(outsider_page, emails[2], PASSWORD, next_path="/feed")
    expect(outsider_page.locator(".sm-feed-card")).to_have_count(0)
    goto(outsider_page, share_url)
    expect(outsider_page.get_by_text("isn't shared with you")).to_be_visible()


def test_hostile_text_in_posts_comments_and_bios_never_runs(new_context):
    with session_scope() as session:
        maker = make_user(session, handle="evilmaker", bio=" ".join(XSS), display_name=XSS[0][:60])
        fan = make_user(session, handle="readerrae")
        shop = open_shop_for(session, maker, slug="evil-shop")
        follow_shop(session, fan, shop)
        from social_market.services import comments

        for payload in XSS:
            post = posts.create_post(
                session=session, actor_id=maker.id, form={"kind": "news", "body": payload}
            )
            comments.add_comment(
                session=session,
                actor_id=fan.id,
                subject_kind="post",
                subject_id=post.id,
                body=payload,
            )
        email = fan.email
    page = new_context().new_page()
    sign_in(page, email, PASSWORD, next_path="/feed")
    for payload in XSS:
        expect(page.locator(".sm-feed-card", has_text=payload).first).to_be_visible()
    assert page.locator("a[href^='javascript']").count() == 0
    goto(page, f"/post/{post.id}")
    expect(page.locator(".sm-comment").first).to_be_visible()
    goto(page, "/u/evilmaker")
    goto(page, "/shop/evil-shop")
    assert page.locator("a[href^='javascript']").count() == 0
    _no_script_ran(page)


def test_privacy_settings_and_muting(new_context):
    with session_scope() as session:
        me = make_user(session, handle="privatepat")
        noisy = make_user(session, handle="noisynell", display_name="Noisy Nell")
        shop = open_shop_for(session, noisy)
        follow_shop(session, me, shop)
        posts.create_post(
            session=session, actor_id=noisy.id, form={"kind": "news", "body": "BUY NOW"}
        )
        email = me.email
    page = new_context().new_page()
    sign_in(page, email, PASSWORD, next_path="/settings/privacy")
    page.get_by_role("radiogroup", name="What I favourite").get_by_role(
        "radio", name="Only me"
    ).click()
    page.get_by_role("button", name="Save privacy settings").click()
    expect(page.get_by_role("status").filter(has_text="Privacy settings saved.")).to_be_visible()
    goto(page, "/settings/privacy")
    expect(
        page.get_by_role("radiogroup", name="What I favourite").get_by_role("radio", name="Only me")
    ).to_be_checked()
    goto(page, "/feed")
    expect(page.locator(".sm-feed-card", has_text="BUY NOW")).to_be_visible()
    goto(page, "/u/noisynell")
    page.locator("#mute-button").click()
    expect(page.locator("#mute-button")).to_have_text("Unmute")
    goto(page, "/feed")
    expect(page.locator(".sm-feed-card")).to_have_count(0)
    goto(page, "/settings/privacy")
    page.locator("#muted-people").get_by_role("button", name="Unmute Noisy Nell").click()
    goto(page, "/feed")
    expect(page.locator(".sm-feed-card", has_text="BUY NOW")).to_be_visible()


def test_rate_limits_on_posts_comments_and_follows_say_so_and_keep_the_text(new_context):
    from social_market.services import comments, ratelimit
    from social_market.services import follows as follow_service

    with session_scope() as session:
        maker = make_user(session, handle="busymaker")
        talker = make_user(session, handle="chattychris")
        make_user(session, handle="popularpat")
        open_shop_for(session, maker, slug="busy-shop")
        post = posts.create_post(
            session=session, actor_id=maker.id, form={"kind": "news", "body": "Open studio"}
        )
        emails, ids, post_id = (maker.email, talker.email), (maker.id, talker.id), post.id
    # Use up the hour's allowance (the backend shares this process's limiter).
    for _ in range(20):
        ratelimit.count(posts.POSTS_PER_HOUR, "post", str(ids[0]))
    for _ in range(60):
        ratelimit.count(comments.COMMENTS_PER_HOUR, "comment", str(ids[1]))
    for _ in range(120):
        ratelimit.count(follow_service.FOLLOWS_PER_HOUR, "follow", str(ids[1]))

    maker_page = new_context().new_page()
    sign_in(maker_page, emails[0], PASSWORD, next_path="/shop/busy-shop")
    composer = maker_page.locator("#post-composer")
    composer.get_by_label("Text").fill("One more thing")
    composer.locator("#post-submit").click()
    expect(composer.get_by_text("You have posted a lot in the last hour")).to_be_visible()
    expect(composer.get_by_label("Text")).to_have_value("One more thing")

    page = new_context().new_page()
    sign_in(page, emails[1], PASSWORD, next_path=f"/post/{post_id}")
    page.get_by_placeholder("Write a comment").fill("Can I come by?")
    page.get_by_role("button", name="Comment", exact=True).click()
    expect(page.get_by_text("You have commented a lot in the last hour")).to_be_visible()
    expect(page.get_by_placeholder("Write a comment")).to_have_value("Can I come by?")
    goto(page, "/u/popularpat")
    page.locator("#follow-button").click()
    expect(page.get_by_text("You have followed a lot of people in the last hour")).to_be_visible()
