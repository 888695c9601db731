"""Notifications: who is told about what, what they are never told, reading them, the
badge, settings, the special-offer fan-out and the daily digest."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from social_market.models import Notification, utcnow
from social_market.services import (
    blocks,
    comments,
    follows,
    likes,
    live,
    notifications,
    orders,
    posts,
    privacy,
)
from social_market.services.errors import InvalidInput, NotAllowed
from tests.factories import PASSWORD, buy, follow_shop, make_user, open_shop_for, publish_listing


def _told(db, user) -> list[tuple[str, str, int | None]]:
    rows = db.exec(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    ).all()
    return [(n.kind, n.detail, n.actor_id) for n in rows]


def _texts(db, user) -> list[str]:
    cards, _ = notifications.list_notifications(session=db, actor_id=user.id)
    return [c.template.format(name=c.name, snippet=c.snippet) for c in cards]


def _news(db, maker, body="Hello"):
    return posts.create_post(session=db, actor_id=maker.id, form={"kind": "news", "body": body})


def test_a_new_follower_is_announced_once_even_after_unfollow_and_follow_again(db):
    a, b = make_user(db, display_name="Anna"), make_user(db)
    follows.follow(session=db, actor_id=a.id, handle=b.handle)
    follows.unfollow(session=db, actor_id=a.id, handle=b.handle)
    follows.follow(session=db, actor_id=a.id, handle=b.handle)
    assert _texts(db, b) == ["Anna started following you"]
    assert notifications.badge_count(db, b.id) == 1


def test_comments_tell_the_owner_and_replies_tell_the_comment_author(db):
    maker, a, b = make_user(db), make_user(db, display_name="Anna"), make_user(db)
    open_shop_for(db, maker)
    post = _news(db, maker)
    first = comments.add_comment(
        session=db, actor_id=a.id, subject_kind="post", subject_id=post.id, body="Lovely glaze"
    )
    comments.add_comment(
        session=db,
        actor_id=b.id,
        subject_kind="post",
        subject_id=post.id,
        body="Agreed",
        parent_id=first.id,
    )
    assert _told(db, maker) == [("comment", "post", a.id), ("comment", "post", b.id)]
    assert _told(db, a) == [("reply", "", b.id)]
    assert _texts(db, maker)[-1] == "Anna commented on your post: Lovely glaze"
    # Nobody is told about their own comment.
    comments.add_comment(
        session=db, actor_id=maker.id, subject_kind="post", subject_id=post.id, body="Thanks!"
    )
    assert len(_told(db, maker)) == 2


def test_a_like_is_announced_once_per_person_and_thing(db):
    maker, fan = make_user(db), make_user(db, display_name="Fan")
    open_shop_for(db, maker)
    post = _news(db, maker)
    for on in (True, False, True):
        likes.set_like(session=db, actor_id=fan.id, subject_kind="post", subject_id=post.id, on=on)
    assert _texts(db, maker) == ["Fan liked your post"]


def test_mentions_tell_people_who_can_see_the_text_and_no_one_else(db):
    maker, fan, stranger = make_user(db), make_user(db), make_user(db)
    shop = open_shop_for(db, maker)
    follow_shop(db, fan, shop)
    until = (utcnow() + timedelta(days=5)).date().isoformat()
    posts.create_post(
        session=db,
        actor_id=maker.id,
        form={
            "kind": "offer",
            "body": f"Thanks @{fan.handle} and @{stranger.handle}",
            "offer_percent": "10",
            "offer_until": until,
            "followers_only": True,
        },
    )
    assert [k for k, _, _ in _told(db, fan)] == ["mention"]
    assert _told(db, stranger) == []  # a followers-only post: the stranger can't see it


def test_mentions_in_a_comment_are_announced(db):
    maker, a, b = make_user(db), make_user(db), make_user(db)
    open_shop_for(db, maker)
    post = _news(db, maker)
    comments.add_comment(
        session=db,
        actor_id=a.id,
        subject_kind="post",
        subject_id=post.id,
        body=f"@{b.handle} look at this",
    )
    assert [k for k, _, _ in _told(db, b)] == ["mention"]


def test_blocked_and_muted_people_cause_no_notifications(db):
    me, blocked, muted = make_user(db), make_user(db), make_user(db)
    blocks.block(session=db, actor_id=me.id, handle=blocked.handle)
    privacy.mute(session=db, actor_id=me.id, user_id=muted.id)
    follows.follow(session=db, actor_id=muted.id, handle=me.handle)
    with pytest.raises(NotAllowed):
        follows.follow(session=db, actor_id=blocked.id, handle=me.handle)
    assert _told(db, me) == []


def test_notifications_from_someone_blocked_later_disappear_from_the_list(db):
    me, other = make_user(db), make_user(db)
    follows.follow(session=db, actor_id=other.id, handle=me.handle)
    assert len(_texts(db, me)) == 1
    blocks.block(session=db, actor_id=me.id, handle=other.handle)
    assert _texts(db, me) == []


def test_a_kind_turned_off_is_not_announced(db):
    me, other = make_user(db), make_user(db)
    settings = notifications.get_notification_settings(session=db, actor_id=me.id)
    on = {**settings.on, "follow": False}
    notifications.save_notification_settings(session=db, actor_id=me.id, on=on, digest=True)
    follows.follow(session=db, actor_id=other.id, handle=me.handle)
    assert _told(db, me) == []
    saved = notifications.get_notification_settings(session=db, actor_id=me.id)
    assert saved.on["follow"] is False and saved.on["like"] is True and saved.digest is True


@pytest.mark.parametrize(
    ("on", "digest"),
    [
        ("all", False),
        ({"follow": True}, False),
        ({k: "yes" for k in notifications.KIND_LABELS}, False),
        ({**{k: True for k in notifications.KIND_LABELS}, "evil": True}, False),
        ({k: True for k in notifications.KIND_LABELS}, "daily"),
    ],
)
def test_malformed_settings_are_refused_and_nothing_changes(db, on, digest):
    me = make_user(db)
    with pytest.raises(InvalidInput):
        notifications.save_notification_settings(session=db, actor_id=me.id, on=on, digest=digest)
    saved = notifications.get_notification_settings(session=db, actor_id=me.id)
    assert all(saved.on.values()) and saved.digest is False


def test_order_steps_tell_the_other_side(db):
    maker, buyer = make_user(db), make_user(db, display_name="Bea")
    open_shop_for(db, maker)
    listing = publish_listing(db, maker)
    line = buy(db, buyer, listing)
    from social_market.models import Order

    order = db.get(Order, line.order_id)
    assert _told(db, maker) == [("order", "placed", buyer.id)]
    orders.confirm_payment(session=db, owner_id=maker.id, reference=order.reference)
    orders.mark_shipped(session=db, owner_id=maker.id, reference=order.reference)
    assert [d for _, d, _ in _told(db, buyer)] == ["paid", "shipped"]
    assert _texts(db, buyer)[0] == f"Your order {order.reference} has shipped"
    assert _texts(db, maker) == [f"New order {order.reference} from Bea"]


def test_an_offer_reaches_every_follower_of_the_shop_except_blocked_and_opted_out(db, monkeypatch):
    maker = make_user(db)
    shop = open_shop_for(db, maker)
    fans = [make_user(db) for _ in range(4)]
    for fan in fans:
        follow_shop(db, fan, shop)
    blocks.block(session=db, actor_id=fans[0].id, handle=maker.handle)
    follow_shop(db, fans[0], shop)  # following a shop stays possible; the block silences
    off = {k: k != "offer" for k in notifications.KIND_LABELS}
    notifications.save_notification_settings(session=db, actor_id=fans[1].id, on=off, digest=False)
    scheduled = []
    monkeypatch.setattr(
        notifications,
        "notify_shop_followers_after_commit",
        lambda session, **kw: scheduled.append(kw),
    )
    until = (utcnow() + timedelta(days=5)).date().isoformat()
    post = posts.create_post(
        session=db,
        actor_id=maker.id,
        form={"kind": "offer", "body": "20% off", "offer_percent": "20", "offer_until": until},
    )
    assert scheduled == [
        {"shop_id": shop.id, "actor_id": maker.id, "post_id": post.id, "body": "20% off"}
    ]
    told = notifications.fan_out_offer(db, **scheduled[0])
    assert sorted(told) == sorted([fans[2].id, fans[3].id])
    assert _texts(db, fans[2])[0].endswith("has a special offer for you: 20% off")


def test_reading_marks_up_to_what_was_shown_and_the_badge_counts_the_rest(db):
    me = make_user(db)
    others = [make_user(db) for _ in range(3)]
    for other in others[:2]:
        follows.follow(session=db, actor_id=other.id, handle=me.handle)
    cards, _ = notifications.list_notifications(session=db, actor_id=me.id)
    follows.follow(session=db, actor_id=others[2].id, handle=me.handle)  # arrives meanwhile
    assert notifications.mark_read(session=db, actor_id=me.id, up_to=cards[0].id) == 2
    assert notifications.badge_count(db, me.id) == 1
    assert notifications.badge_counts(db, [me.id, others[0].id]) == {me.id: 1, others[0].id: 0}


def test_the_list_pages_newest_first_without_gaps(db, monkeypatch):
    monkeypatch.setattr(notifications, "PAGE", 2)
    me = make_user(db)
    people = [make_user(db, display_name=f"P{i}") for i in range(5)]
    for p in people:
        follows.follow(session=db, actor_id=p.id, handle=me.handle)
    seen, cursor = [], None
    while True:
        cards, cursor = notifications.list_notifications(session=db, actor_id=me.id, cursor=cursor)
        seen += [c.name for c in cards]
        if not cursor:
            break
    assert seen == ["P4", "P3", "P2", "P1", "P0"]
    with pytest.raises(InvalidInput):
        notifications.list_notifications(session=db, actor_id=me.id, cursor="'; drop")


def test_nobody_reads_or_marks_anyone_elses_notifications(db):
    me, other = make_user(db), make_user(db)
    follows.follow(session=db, actor_id=other.id, handle=me.handle)
    with pytest.raises(NotAllowed):
        notifications.list_notifications(session=db, actor_id=None)
    notifications.mark_read(session=db, actor_id=other.id)
    assert notifications.badge_count(db, me.id) == 1  # other's call touched only theirs


def test_the_daily_digest_emails_unread_notifications_once(db, monkeypatch):
    sent = []
    from social_market.services import email

    monkeypatch.setattr(email, "send_after_commit", lambda session, **kw: sent.append(kw))
    me, quiet, other = make_user(db), make_user(db), make_user(db, display_name="Olga")
    on = {k: True for k in notifications.KIND_LABELS}
    notifications.save_notification_settings(session=db, actor_id=me.id, on=on, digest=True)
    follows.follow(session=db, actor_id=other.id, handle=me.handle)
    follows.follow(session=db, actor_id=other.id, handle=quiet.handle)
    later = utcnow() + timedelta(hours=2)
    assert notifications.send_digests(db, now=later) == 1
    assert sent[0]["to"] == me.email and "Olga started following you" in sent[0]["body"]
    assert notifications.send_digests(db, now=later) == 0  # never twice


def test_publishing_happens_only_after_commit(db, monkeypatch):
    published = []
    monkeypatch.setattr(live, "publish", lambda topic, ids: published.append((topic, set(ids))))
    me, other = make_user(db), make_user(db)
    follows.follow(session=db, actor_id=other.id, handle=me.handle)
    assert published == []
    db.commit()
    assert (live.NOTIFICATIONS, {me.id}) in published


def test_a_deleted_account_takes_its_notifications_with_it(db):
    from social_market.services import accounts

    me, other = make_user(db), make_user(db)
    follows.follow(session=db, actor_id=other.id, handle=me.handle)
    follows.follow(session=db, actor_id=me.id, handle=other.handle)
    accounts.delete_account(session=db, user_id=other.id, password=PASSWORD)
    assert _told(db, me) == [] and _told(db, other) == []
