"""Conversations: starting them (privacy, blocks, reuse per pair and subject), groups,
sending and reading, unread counts, the inbox, history pages, search and archive —
and that nobody reaches a conversation they aren't in, by any id."""

from __future__ import annotations

import pytest
from sqlmodel import select

from social_market.models import ConversationMember, Order
from social_market.services import blocks, follows, messaging, privacy, ratelimit
from social_market.services.errors import InvalidInput, NotAllowed, NotFound, RateLimited
from tests.factories import buy, make_user, open_shop_for, publish_listing


def _direct(db, a, b, **kw):
    return messaging.start_direct(session=db, actor_id=a.id, handle=b.handle, **kw)


def _send(db, who, conversation, body="Hello"):
    return messaging.send_message(
        session=db, actor_id=who.id, conversation_id=conversation.id, body=body
    )


def test_one_direct_conversation_per_pair_and_subject_is_reused(db):
    maker, buyer = make_user(db), make_user(db)
    open_shop_for(db, maker)
    listing = publish_listing(db, maker)
    plain = _direct(db, buyer, maker)
    assert _direct(db, maker, buyer).id == plain.id  # from either side
    about = messaging.start_direct(
        session=db, actor_id=buyer.id, subject_kind="listing", subject_id=listing.id
    )
    assert about.id != plain.id
    again = messaging.start_direct(
        session=db, actor_id=buyer.id, subject_kind="listing", subject_id=listing.id
    )
    assert again.id == about.id
    view = messaging.conversation_view(session=db, actor_id=buyer.id, conversation_id=about.id)
    assert view.subject.kind == "listing" and view.subject.title == listing.title


def test_an_order_conversation_connects_its_buyer_and_shop_whatever_their_settings(db):
    maker, buyer, other = make_user(db), make_user(db), make_user(db)
    open_shop_for(db, maker)
    line = buy(db, buyer, publish_listing(db, maker))
    order = db.get(Order, line.order_id)
    privacy.save_settings(
        session=db,
        actor_id=buyer.id,
        form={
            **privacy.get_settings(session=db, actor_id=buyer.id).model_dump(),
            "messages_from": "following",
        },
    )
    convo = messaging.start_direct(
        session=db, actor_id=maker.id, subject_kind="order", subject_id=order.id
    )
    assert sorted(
        db.exec(
            select(ConversationMember.user_id).where(ConversationMember.conversation_id == convo.id)
        ).all()
    ) == sorted([maker.id, buyer.id])
    with pytest.raises(NotFound):  # someone else's order
        messaging.start_direct(
            session=db, actor_id=other.id, subject_kind="order", subject_id=order.id
        )


@pytest.mark.parametrize("setting", ["following", "orders"])
def test_who_can_message_me_is_respected(db, setting):
    me, friend, stranger = make_user(db), make_user(db), make_user(db)
    form = privacy.get_settings(session=db, actor_id=me.id).model_dump()
    privacy.save_settings(session=db, actor_id=me.id, form={**form, "messages_from": setting})
    follows.follow(session=db, actor_id=me.id, handle=friend.handle)
    with pytest.raises(NotAllowed):
        _direct(db, stranger, me)
    if setting == "following":
        assert _direct(db, friend, me)
    else:
        with pytest.raises(NotAllowed):
            _direct(db, friend, me)


def test_a_block_stops_new_conversations_and_sending_in_old_ones(db):
    a, b = make_user(db), make_user(db)
    convo = _direct(db, a, b)
    _send(db, a, convo)
    blocks.block(session=db, actor_id=b.id, handle=a.handle)
    with pytest.raises(NotAllowed):
        _send(db, a, convo, "still there?")
    with pytest.raises(NotAllowed):
        _send(db, b, convo, "bye")
    with pytest.raises(NotAllowed):
        _direct(db, a, b)
    view = messaging.conversation_view(session=db, actor_id=a.id, conversation_id=convo.id)
    assert view.can_send is False


def test_unread_counts_read_marks_and_read_receipts(db):
    a, b = make_user(db), make_user(db)
    convo = _direct(db, a, b)
    first = _send(db, a, convo, "one")
    _send(db, a, convo, "two")
    assert messaging.unread_conversations(db, b.id) == 1
    assert messaging.unread_conversations(db, a.id) == 0
    rows, _ = messaging.inbox(session=db, actor_id=b.id)
    assert [(r.unread, r.preview) for r in rows] == [(2, "two")]
    messaging.mark_read(session=db, actor_id=b.id, conversation_id=convo.id, up_to=first.id)
    assert messaging.inbox(session=db, actor_id=b.id)[0][0].unread == 1
    views, _ = messaging.history(session=db, actor_id=a.id, conversation_id=convo.id)
    assert [(v.segments[0].text, v.read) for v in views] == [("one", True), ("two", False)]
    messaging.mark_read(session=db, actor_id=b.id, conversation_id=convo.id)
    assert messaging.unread_conversations(db, b.id) == 0
    assert messaging.unread_conversation_counts(db, [a.id, b.id]) == {a.id: 0, b.id: 0}


def test_the_inbox_is_sorted_by_last_message_and_pages_without_gaps(db, monkeypatch):
    monkeypatch.setattr(messaging, "INBOX_PAGE", 2)
    me = make_user(db)
    others = [make_user(db, display_name=f"Other {i}") for i in range(5)]
    convos = [_direct(db, me, o) for o in others]
    for i in (3, 0, 4, 1, 2):
        _send(db, others[i], convos[i], f"from {i}")
    seen, cursor = [], None
    while True:
        rows, cursor = messaging.inbox(session=db, actor_id=me.id, cursor=cursor)
        seen += [r.title for r in rows]
        if not cursor:
            break
    assert seen == ["Other 2", "Other 1", "Other 4", "Other 0", "Other 3"]
    with pytest.raises(InvalidInput):
        messaging.inbox(session=db, actor_id=me.id, cursor="x:y")


def test_history_loads_older_pages_and_newer_catches_up(db, monkeypatch):
    monkeypatch.setattr(messaging, "PAGE", 3)
    a, b = make_user(db), make_user(db)
    convo = _direct(db, a, b)
    sent = [_send(db, a if i % 2 else b, convo, f"m{i}") for i in range(7)]
    page, older = messaging.history(session=db, actor_id=a.id, conversation_id=convo.id)
    assert [v.segments[0].text for v in page] == ["m4", "m5", "m6"]
    page, older = messaging.history(
        session=db, actor_id=a.id, conversation_id=convo.id, before=older
    )
    assert [v.segments[0].text for v in page] == ["m1", "m2", "m3"]
    later = messaging.newer(session=db, actor_id=b.id, conversation_id=convo.id, after=sent[4].id)
    assert [v.segments[0].text for v in later] == ["m5", "m6"]


def test_catching_up_brings_newer_messages_with_receipts_and_reads_only_what_others_wrote(db):
    a, b = make_user(db), make_user(db)
    convo = _direct(db, a, b)
    first = _send(db, a, convo, "hello")
    _send(db, b, convo, "hi back")  # b's own message: sending read everything for b
    db.commit()

    # b's page catches up from the first message: nothing of a's is new, nothing to mark.
    views, read_up_to = messaging.catch_up(
        session=db, actor_id=b.id, conversation_id=convo.id, after=first.id
    )
    assert [(v.segments[0].text, v.mine) for v in views] == [("hi back", True)]
    assert read_up_to == first.id  # a has read up to their own message, not "hi back"
    assert messaging.unread_conversations(db, a.id) == 1

    # a's page catches up: b's message comes in and is marked read; the receipt follows.
    views, _ = messaging.catch_up(
        session=db, actor_id=a.id, conversation_id=convo.id, after=first.id
    )
    assert [v.segments[0].text for v in views] == ["hi back"]
    assert messaging.unread_conversations(db, a.id) == 0
    _, read_up_to = messaging.catch_up(
        session=db, actor_id=b.id, conversation_id=convo.id, after=first.id
    )
    assert read_up_to == views[0].id

    # Without marking (the sender's own page after sending), nothing is marked read.
    _send(db, b, convo, "and another")
    views, _ = messaging.catch_up(
        session=db, actor_id=a.id, conversation_id=convo.id, after=views[0].id, mark=False
    )
    assert [v.segments[0].text for v in views] == ["and another"]
    assert messaging.unread_conversations(db, a.id) == 1
    with pytest.raises(InvalidInput):
        messaging.catch_up(session=db, actor_id=a.id, conversation_id=convo.id, after="x")


def test_nobody_reads_sends_to_or_marks_a_conversation_they_are_not_in(db):
    a, b, outsider = make_user(db), make_user(db), make_user(db)
    convo = _direct(db, a, b)
    _send(db, a, convo, "private")
    for call, kwargs in [
        (messaging.history, {}),
        (messaging.newer, {"after": 0}),
        (messaging.catch_up, {"after": 0}),
        (messaging.conversation_view, {}),
        (messaging.send_message, {"body": "intrusion"}),
        (messaging.mark_read, {}),
        (messaging.set_archived, {"archived": True}),
        (messaging.leave, {}),
    ]:
        for forged in (convo.id, 999999, "1", None, -1, 2**40):
            with pytest.raises(NotFound):
                call(session=db, actor_id=outsider.id, conversation_id=forged, **kwargs)
    assert messaging.search_messages(session=db, actor_id=outsider.id, query="private") == []
    assert messaging.unread_conversations(db, outsider.id) == 0


def test_groups_have_a_creator_who_adds_and_removes_and_members_may_leave(db):
    boss, a, b, c = make_user(db), make_user(db), make_user(db), make_user(db)
    group = messaging.create_group(
        session=db, actor_id=boss.id, title="Group order: mugs", handles=[a.handle, b.handle]
    )
    _send(db, a, group, "I'm in for two")
    messaging.add_member(session=db, actor_id=boss.id, conversation_id=group.id, handle=c.handle)
    assert messaging.unread_conversations(db, c.id) == 0  # history before joining isn't new
    with pytest.raises(NotAllowed):
        messaging.add_member(session=db, actor_id=a.id, conversation_id=group.id, handle=c.handle)
    with pytest.raises(NotAllowed):
        messaging.remove_member(session=db, actor_id=a.id, conversation_id=group.id, user_id=b.id)
    messaging.remove_member(session=db, actor_id=boss.id, conversation_id=group.id, user_id=b.id)
    with pytest.raises(NotFound):
        _send(db, b, group, "am I still here?")
    messaging.leave(session=db, actor_id=a.id, conversation_id=group.id)
    view = messaging.conversation_view(session=db, actor_id=boss.id, conversation_id=group.id)
    assert sorted(m.id for m in view.members) == sorted([boss.id, c.id])


@pytest.mark.parametrize(
    ("title", "handles", "field"),
    [
        ("", ["x"], "title"),
        ("Fine", [], "members"),
        ("Fine", "not-a-list", "members"),
        ("x" * 81, ["x"], "title"),
    ],
)
def test_bad_groups_are_refused_with_the_field_named(db, title, handles, field):
    me, other = make_user(db), make_user(db)
    handles = (
        [other.handle if h == "x" else h for h in handles] if isinstance(handles, list) else handles
    )
    with pytest.raises(InvalidInput) as err:
        messaging.create_group(session=db, actor_id=me.id, title=title, handles=handles)
    assert err.value.field == field


def test_a_group_has_at_most_20_people(db):
    me = make_user(db)
    people = [make_user(db) for _ in range(20)]
    with pytest.raises(InvalidInput):
        messaging.create_group(
            session=db, actor_id=me.id, title="Too many", handles=[p.handle for p in people]
        )


def test_bad_messages_are_refused_and_nothing_is_stored(db):
    a, b = make_user(db), make_user(db)
    convo = _direct(db, a, b)
    for body in ("", "   ", None, 42, ["x"], "x" * 4001):
        with pytest.raises(InvalidInput):
            _send(db, a, convo, body)
    assert messaging.history(session=db, actor_id=a.id, conversation_id=convo.id)[0] == []


def test_messages_and_new_conversations_are_rate_limited(db):
    a, b = make_user(db), make_user(db)
    convo = _direct(db, a, b)
    for _ in range(300):
        ratelimit.count(messaging.MESSAGES_PER_HOUR, "message", str(a.id))
    with pytest.raises(RateLimited):
        _send(db, a, convo)
    for _ in range(30):
        ratelimit.count(messaging.CONVERSATIONS_PER_HOUR, "conversation", str(b.id))
    with pytest.raises(RateLimited):
        _direct(db, b, make_user(db))


def test_search_finds_only_my_messages_and_archive_hides_until_a_new_message(db):
    a, b, c = make_user(db), make_user(db), make_user(db)
    mine = _direct(db, a, b)
    theirs = _direct(db, b, c)
    _send(db, b, mine, "the blue glaze is back")
    _send(db, b, theirs, "the blue glaze for you too")
    hits = messaging.search_messages(session=db, actor_id=a.id, query="BLUE glaze")
    assert [h.conversation_id for h in hits] == [mine.id]
    assert messaging.search_messages(session=db, actor_id=a.id, query="100%_") == []
    messaging.set_archived(session=db, actor_id=a.id, conversation_id=mine.id, archived=True)
    assert messaging.inbox(session=db, actor_id=a.id)[0] == []
    assert [r.id for r in messaging.inbox(session=db, actor_id=a.id, archived=True)[0]] == [mine.id]
    _send(db, b, mine, "news!")
    assert [r.id for r in messaging.inbox(session=db, actor_id=a.id)[0]] == [mine.id]


def test_unread_messages_are_emailed_once_after_a_while_unless_turned_off(db, monkeypatch):
    from datetime import timedelta

    from social_market.models import utcnow
    from social_market.services import email, notifications

    sent = []
    monkeypatch.setattr(email, "send_after_commit", lambda session, **kw: sent.append(kw))
    a, b, quiet = make_user(db), make_user(db), make_user(db)
    _send(db, a, _direct(db, a, b), "are you there?")
    _send(db, a, _direct(db, a, quiet), "hello quiet")
    on = {k: True for k in notifications.KIND_LABELS}
    notifications.save_notification_settings(
        session=db, actor_id=quiet.id, on=on, digest=False, email_messages=False
    )
    assert messaging.email_unread(db) == 0  # not yet: give people time to answer
    later = utcnow() + timedelta(minutes=20)
    assert messaging.email_unread(db, now=later) == 1
    assert sent[0]["to"] == b.email and "/messages/" in sent[0]["body"]
    assert messaging.email_unread(db, now=later) == 0  # once per message


def test_a_reported_message_hidden_by_a_moderator_leaves_the_recipients_view(db):
    from social_market.models.moderation import REPORT_REASONS
    from social_market.models.user import MODERATOR
    from social_market.services import moderation, reports, social_reports  # noqa: F401

    REASON = REPORT_REASONS[1]
    a, b, outsider = make_user(db), make_user(db), make_user(db)
    mod = make_user(db, role=MODERATOR)
    convo = _direct(db, a, b)
    rude = _send(db, a, convo, "something rude")
    with pytest.raises(NotFound):  # only members can report a message
        reports.report(
            session=db,
            actor_id=outsider.id,
            target_kind="message",
            target_id=rude.id,
            reason=REPORT_REASONS[0],
        )
    reports.report(
        session=db, actor_id=b.id, target_kind="message", target_id=rude.id, reason=REASON
    )
    moderation.hide_target(session=db, actor_id=mod.id, target_kind="message", target_id=rude.id)
    assert messaging.history(session=db, actor_id=b.id, conversation_id=convo.id)[0] == []
    assert messaging.inbox(session=db, actor_id=b.id)[0][0].preview == ""
    assert [
        v.segments[0].text
        for v in messaging.history(session=db, actor_id=a.id, conversation_id=convo.id)[0]
    ] == ["something rude"]


def test_an_image_can_be_sent_by_members_only_and_bad_files_are_refused(db):
    from tests.factories import png

    a, b, outsider = make_user(db), make_user(db), make_user(db)
    convo = _direct(db, a, b)
    key = messaging.store_photo(session=db, actor_id=a.id, conversation_id=convo.id, data=png())
    messaging.send_message(
        session=db, actor_id=a.id, conversation_id=convo.id, body="", photo_key=key
    )
    views, _ = messaging.history(session=db, actor_id=b.id, conversation_id=convo.id)
    assert views[0].photo == f"messages/{key}_400.webp" and views[0].segments == []
    with pytest.raises(NotFound):
        messaging.store_photo(
            session=db, actor_id=outsider.id, conversation_id=convo.id, data=png()
        )
    with pytest.raises(InvalidInput):
        messaging.store_photo(
            session=db, actor_id=a.id, conversation_id=convo.id, data=b"not an image"
        )


def test_a_reported_conversation_shows_moderators_its_members_and_newest_messages(db):
    from social_market.models.moderation import REPORT_REASONS
    from social_market.models.user import MODERATOR
    from social_market.services import moderation, reports, social_reports  # noqa: F401

    a, b, outsider = make_user(db), make_user(db), make_user(db)
    mod = make_user(db, role=MODERATOR)
    convo = _direct(db, a, b)
    for text in ("hello", "one", "two", "go away now"):
        _send(db, a, convo, text)
    with pytest.raises(NotFound):  # only members can report it, by any id
        reports.report(
            session=db,
            actor_id=outsider.id,
            target_kind="conversation",
            target_id=convo.id,
            reason=REPORT_REASONS[1],
        )
    reports.report(
        session=db,
        actor_id=b.id,
        target_kind="conversation",
        target_id=convo.id,
        reason=REPORT_REASONS[1],
    )
    (item,) = moderation.open_reports(session=db, actor_id=mod.id).items
    assert item.kind == "conversation" and item.owner_id == a.id  # b reported a
    assert f"@{a.handle}, @{b.handle}" in item.preview
    assert f"@{a.handle}: one · @{a.handle}: two · @{a.handle}: go away now" in item.preview
    assert "hello" not in item.preview  # the newest three only
    assert item.url == ""  # moderators can't open the conversation itself


def test_a_conversation_closed_by_moderators_keeps_its_history_and_takes_no_messages(db):
    from social_market.models.moderation import REPORT_REASONS
    from social_market.models.user import MODERATOR
    from social_market.services import moderation, reports, social_reports  # noqa: F401

    a, b = make_user(db), make_user(db)
    mod = make_user(db, role=MODERATOR)
    convo = _direct(db, a, b)
    _send(db, a, convo, "rude")
    reports.report(
        session=db,
        actor_id=b.id,
        target_kind="conversation",
        target_id=convo.id,
        reason=REPORT_REASONS[1],
    )
    moderation.hide_target(
        session=db, actor_id=mod.id, target_kind="conversation", target_id=convo.id
    )
    for who in (a, b):
        with pytest.raises(NotAllowed, match="moderators closed"):
            _send(db, who, convo, "still there?")
        view = messaging.conversation_view(session=db, actor_id=who.id, conversation_id=convo.id)
        assert view.closed and not view.can_send
        assert len(messaging.history(session=db, actor_id=who.id, conversation_id=convo.id)[0]) == 1
    with pytest.raises(NotAllowed):
        messaging.store_photo(session=db, actor_id=a.id, conversation_id=convo.id, data=b"x")
    moderation.unhide_target(
        session=db, actor_id=mod.id, target_kind="conversation", target_id=convo.id
    )
    _send(db, b, convo, "open again")
    assert not messaging.conversation_view(
        session=db, actor_id=a.id, conversation_id=convo.id
    ).closed


def test_messages_of_one_conversation_are_committed_in_id_order_on_postgresql(
    postgresql_engine,
):
    """Two people writing at once: the second send waits for the first one's commit, so a
    page that has message n and asks for what is after n never skips one."""
    import threading

    from sqlalchemy import text
    from sqlmodel import Session

    with Session(postgresql_engine, expire_on_commit=False) as setup:
        a, b = make_user(setup), make_user(setup)
        convo = _direct(setup, a, b)
        setup.commit()

    first = Session(postgresql_engine, expire_on_commit=False)
    early = messaging.send_message(session=first, actor_id=a.id, conversation_id=convo.id, body="1")
    later: list[int] = []

    def second_writer():
        with Session(postgresql_engine, expire_on_commit=False) as session:
            message = messaging.send_message(
                session=session, actor_id=b.id, conversation_id=convo.id, body="2"
            )
            session.commit()
            later.append(message.id)

    thread = threading.Thread(target=second_writer, daemon=True)
    thread.start()
    try:
        thread.join(0.5)
        assert thread.is_alive()  # waiting for the first writer's commit...
        with Session(postgresql_engine) as reader:
            # ... before its message took an id (had it taken one, it could commit first)
            allocated = reader.exec(text("SELECT last_value FROM message_id_seq")).one()[0]
            assert allocated == early.id
    finally:
        first.commit()
        first.close()
        thread.join(10)
    assert later and later[0] > early.id
