"""The activity feed: what each person sees, in order, paged, and at a fixed query cost."""

from __future__ import annotations

import pytest
from limits import parse
from sqlalchemy import event

from social_market.services import (
    blocks,
    favourites,
    feed,
    follows,
    posts,
    privacy,
    shares,
)
from social_market.services.errors import InvalidInput
from tests.factories import buy, follow_shop, make_user, open_shop_for, publish_listing


def _kinds(page) -> list[tuple[str, str]]:
    return [(c.kind, c.post_kind or c.target_name or c.actor_handle) for c in page.cards]


def _news(db, maker, body, **extra):
    return posts.create_post(
        session=db, actor_id=maker.id, form={"kind": "news", "body": body, **extra}
    )


def test_shop_followers_see_the_shops_posts_newest_first(db):
    maker, fan, stranger = make_user(db), make_user(db), make_user(db)
    shop = open_shop_for(db, maker)
    follow_shop(db, fan, shop)
    _news(db, maker, "Kiln is firing today")
    _news(db, maker, "Second batch of mugs")
    page = feed.feed_page(session=db, viewer_id=fan.id)
    assert [c.segments[0].text for c in page.cards] == [
        "Second batch of mugs",
        "Kiln is firing today",
    ]
    assert page.cards[0].shop_name == shop.name and page.cards[0].url.startswith("/post/")
    assert feed.feed_page(session=db, viewer_id=stranger.id).cards == []


def test_publishing_a_listing_posts_a_new_piece_unless_the_shop_turned_it_off(db):
    maker, fan = make_user(db), make_user(db)
    shop = open_shop_for(db, maker)
    follow_shop(db, fan, shop)
    item = publish_listing(db, maker, title="Blue vase")
    cards = feed.feed_page(session=db, viewer_id=fan.id).cards
    assert [(c.post_kind, c.listings[0].title) for c in cards] == [("new_piece", "Blue vase")]
    posts.set_announce_new_pieces(session=db, actor_id=maker.id, on=False)
    publish_listing(db, maker, title="Green vase")
    assert len(feed.feed_page(session=db, viewer_id=fan.id).cards) == 1
    assert item.id


def test_only_the_first_new_piece_of_a_shop_per_day_is_expanded(db):
    maker, fan = make_user(db), make_user(db)
    follow_shop(db, fan, open_shop_for(db, maker))
    for title in ("One", "Two", "Three"):
        publish_listing(db, maker, title=title)
    cards = feed.feed_page(session=db, viewer_id=fan.id).cards
    assert [c.collapsed for c in cards] == [False, True, True]


def test_followers_only_offers_reach_followers_and_not_strangers(db):
    maker, fan, stranger = make_user(db), make_user(db), make_user(db)
    shop = open_shop_for(db, maker)
    follow_shop(db, fan, shop)
    posts.create_post(
        session=db,
        actor_id=maker.id,
        form={
            "kind": "offer",
            "body": "For my followers",
            "offer_percent": "15",
            "offer_until": _in_days(10),
            "followers_only": True,
        },
    )
    fan_cards = feed.shop_posts(session=db, viewer_id=fan.id, shop=shop).cards
    assert [(c.post_kind, c.offer, c.followers_only) for c in fan_cards] == [
        ("offer", "−15 %", True)
    ]
    assert feed.shop_posts(session=db, viewer_id=stranger.id, shop=shop).cards == []
    assert feed.shop_posts(session=db, viewer_id=None, shop=shop).cards == []
    assert len(feed.shop_posts(session=db, viewer_id=maker.id, shop=shop).cards) == 1


def _in_days(days: int) -> str:
    from datetime import timedelta

    from social_market.models import utcnow

    return (utcnow() + timedelta(days=days)).date().isoformat()


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"kind": "news", "body": ""}, "body"),
        ({"kind": "rant", "body": "x"}, "kind"),
        (
            {"kind": "offer", "body": "x", "offer_until": "2020-01-01", "offer_percent": "10"},
            "offer_until",
        ),
        ({"kind": "offer", "body": "x", "offer_percent": "10", "offer_price": "5"}, "offer_price"),
        (
            {"kind": "offer", "body": "x", "offer_percent": "95", "offer_until": "2099-01-01"},
            "offer_percent",
        ),
        ({"kind": "news", "body": "x" * 2001}, "body"),
        ({"kind": "news", "body": "x", "listings": [999999]}, "listings"),
    ],
)
def test_a_bad_post_is_refused_with_the_field_named(db, form, field):
    maker = make_user(db)
    open_shop_for(db, maker)
    with pytest.raises(InvalidInput) as err:
        posts.create_post(session=db, actor_id=maker.id, form=form)
    assert err.value.field == field


def test_a_post_cannot_attach_another_makers_listing(db):
    maker, other = make_user(db), make_user(db)
    open_shop_for(db, maker)
    open_shop_for(db, other)
    theirs = publish_listing(db, other)
    with pytest.raises(InvalidInput, match="from your shop"):
        posts.create_post(
            session=db,
            actor_id=maker.id,
            form={"kind": "news", "body": "x", "listings": [theirs.id]},
        )


def test_people_activity_follows_their_privacy_settings(db):
    me, friend = make_user(db), make_user(db)
    maker = make_user(db)
    item = publish_listing(db, maker) if open_shop_for(db, maker) else None
    follows.follow(session=db, actor_id=me.id, handle=friend.handle)
    favourites.set_listing_favourite(session=db, user_id=friend.id, listing_id=item.id, on=True)
    follows.follow(session=db, actor_id=friend.id, handle=maker.handle)
    assert {c.kind for c in feed.feed_page(session=db, viewer_id=me.id).cards} == {
        "favourite",
        "follow",
    }
    privacy.save_settings(
        session=db,
        actor_id=friend.id,
        form={
            "follows": "me",
            "favourites": "followers",
            "activity": "followers",
            "messages_from": "everyone",
            "share_default": "nobody",
            "discoverable": True,
        },
    )
    assert {c.kind for c in feed.feed_page(session=db, viewer_id=me.id).cards} == {"favourite"}
    privacy.save_settings(
        session=db,
        actor_id=friend.id,
        form={
            "follows": "everyone",
            "favourites": "everyone",
            "activity": "me",
            "messages_from": "everyone",
            "share_default": "nobody",
            "discoverable": True,
        },
    )
    assert feed.feed_page(session=db, viewer_id=me.id).cards == []
    # The owner still sees everything of their own on their profile.
    own = feed.profile_activity(session=db, viewer_id=friend.id, user=friend)
    assert {c.kind for c in own.cards} == {"favourite", "follow"}


def test_shared_purchases_reach_exactly_their_audience(db):
    maker, buyer, follower, stranger = (make_user(db) for _ in range(4))
    open_shop_for(db, maker)
    item = publish_listing(db, maker, title="Linen apron")
    line = buy(db, buyer, item)
    follows.follow(session=db, actor_id=follower.id, handle=buyer.handle)
    follows.follow(session=db, actor_id=stranger.id, handle=maker.handle)

    def sees(viewer) -> bool:
        try:
            shares.visible_share(db, viewer.id if viewer else None, share_id)
            return True
        except Exception:
            return False

    state = shares.share_purchase(
        session=db, actor_id=buyer.id, line_id=line.id, audience="followers", comment="Love it"
    )
    share_id = state.share_id
    card = next(
        c for c in feed.feed_page(session=db, viewer_id=follower.id).cards if c.kind == "share"
    )
    assert card.target_name == "Linen apron" and card.segments[0].text == "Love it"
    dumped = card.model_dump_json()
    assert "20.00" not in dumped and "SM-" not in dumped and "Weg 1" not in dumped
    assert (sees(follower), sees(stranger), sees(None), sees(buyer)) == (True, False, False, True)
    shares.share_purchase(session=db, actor_id=buyer.id, line_id=line.id, audience="everyone")
    assert (sees(stranger), sees(None)) == (True, True)
    shares.share_purchase(session=db, actor_id=buyer.id, line_id=line.id, audience="nobody")
    assert not sees(buyer)
    assert not [
        c for c in feed.feed_page(session=db, viewer_id=follower.id).cards if c.kind == "share"
    ]


def test_only_the_buyer_can_share_a_purchase(db):
    maker, buyer, thief = make_user(db), make_user(db), make_user(db)
    open_shop_for(db, maker)
    line = buy(db, buyer, publish_listing(db, maker))
    from social_market.services.errors import NotFound

    with pytest.raises(NotFound):
        shares.share_purchase(session=db, actor_id=thief.id, line_id=line.id, audience="everyone")


def test_muting_hides_someone_from_my_feed_silently(db):
    me, noisy = make_user(db), make_user(db)
    shop = open_shop_for(db, noisy)
    follow_shop(db, me, shop)
    follows.follow(session=db, actor_id=me.id, handle=noisy.handle)
    _news(db, noisy, "Buy buy buy")
    assert len(feed.feed_page(session=db, viewer_id=me.id).cards) == 1
    privacy.mute(session=db, actor_id=me.id, user_id=noisy.id)
    assert feed.feed_page(session=db, viewer_id=me.id).cards == []
    assert follows.is_following(session=db, actor_id=me.id, user_id=noisy.id)
    privacy.unmute(session=db, actor_id=me.id, user_id=noisy.id)
    assert len(feed.feed_page(session=db, viewer_id=me.id).cards) == 1


def test_a_block_removes_the_blocked_makers_posts_from_my_feed(db):
    me, maker = make_user(db), make_user(db)
    follow_shop(db, me, open_shop_for(db, maker))
    _news(db, maker, "Hello")
    blocks.block(session=db, actor_id=me.id, handle=maker.handle)
    assert feed.feed_page(session=db, viewer_id=me.id).cards == []


def test_tabs_split_makers_from_people(db):
    me, maker, friend = make_user(db), make_user(db), make_user(db)
    follow_shop(db, me, open_shop_for(db, maker))
    follows.follow(session=db, actor_id=me.id, handle=friend.handle)
    _news(db, maker, "News")
    follows.follow(session=db, actor_id=friend.id, handle=maker.handle)
    assert [c.kind for c in feed.feed_page(session=db, viewer_id=me.id, tab="makers").cards] == [
        "post"
    ]
    assert [c.kind for c in feed.feed_page(session=db, viewer_id=me.id, tab="people").cards] == [
        "follow"
    ]
    assert len(feed.feed_page(session=db, viewer_id=me.id, tab="all").cards) == 2


def test_load_more_pages_through_the_feed_without_gaps_or_repeats(db, monkeypatch):
    monkeypatch.setattr(posts, "POSTS_PER_HOUR", parse("1000/hour"))
    me, maker = make_user(db), make_user(db)
    follow_shop(db, me, open_shop_for(db, maker))
    for i in range(feed.PAGE + 5):
        _news(db, maker, f"post {i}")
    first = feed.feed_page(session=db, viewer_id=me.id)
    second = feed.feed_page(session=db, viewer_id=me.id, cursor=first.next_cursor)
    texts = [c.segments[0].text for c in first.cards + second.cards]
    assert texts == [f"post {i}" for i in reversed(range(feed.PAGE + 5))]
    assert second.next_cursor == ""
    assert feed.has_newer(session=db, viewer_id=me.id, tab="all", after_id=first.top_id) is False
    _news(db, maker, "fresh")
    assert feed.has_newer(session=db, viewer_id=me.id, tab="all", after_id=first.top_id) is True
    with pytest.raises(InvalidInput):
        feed.feed_page(session=db, viewer_id=me.id, cursor="'; drop table activity")


def test_pages_merge_a_busy_source_with_quiet_ones_in_time_order(db, monkeypatch):
    # Fewer sources than a page, one with a long history: each source's newest items
    # are merged, not just the busy one's (and not its whole history first).
    monkeypatch.setattr(posts, "POSTS_PER_HOUR", parse("1000/hour"))
    me, busy, quiet = make_user(db), make_user(db), make_user(db)
    follow_shop(db, me, open_shop_for(db, busy))
    follow_shop(db, me, open_shop_for(db, quiet))
    expected = []
    for i in range(2 * feed.PAGE):
        _news(db, busy, f"busy {i}")
        expected.append(f"busy {i}")
        if i % 10 == 0:
            _news(db, quiet, f"quiet {i}")
            expected.append(f"quiet {i}")
    expected.reverse()
    first = feed.feed_page(session=db, viewer_id=me.id)
    second = feed.feed_page(session=db, viewer_id=me.id, cursor=first.next_cursor)
    third = feed.feed_page(session=db, viewer_id=me.id, cursor=second.next_cursor)
    texts = [c.segments[0].text for c in first.cards + second.cards + third.cards]
    assert texts == expected
    assert third.next_cursor == ""


def test_a_feed_page_costs_the_same_number_of_queries_for_3_or_30_items(db, engine):
    def count_for(n: int) -> int:
        me = make_user(db)
        for _ in range(3):
            maker = make_user(db)
            follow_shop(db, me, open_shop_for(db, maker))
            follows.follow(session=db, actor_id=me.id, handle=maker.handle)
            for i in range(n):
                publish_listing(db, maker, title=f"Piece {i}")
                _news(db, maker, f"news {i} @{me.handle} https://example.com")
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            page = feed.feed_page(session=db, viewer_id=me.id)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        assert page.cards
        return len(statements)

    assert count_for(1) == count_for(6)


def test_deleting_a_post_takes_it_out_of_every_feed(db):
    me, maker = make_user(db), make_user(db)
    follow_shop(db, me, open_shop_for(db, maker))
    post = _news(db, maker, "Oops")
    posts.delete_post(session=db, actor_id=maker.id, post_id=post.id)
    assert feed.feed_page(session=db, viewer_id=me.id).cards == []
    from social_market.services.errors import NotAllowed

    other = make_user(db)
    open_shop_for(db, other)
    post = _news(db, maker, "Mine")
    with pytest.raises(NotAllowed):
        posts.delete_post(session=db, actor_id=other.id, post_id=post.id)
