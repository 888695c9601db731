"""The maker's listening inbox: each hook records the right thing exactly once, replies
mark it answered, the maker's own words never appear, unanswered come first, pages are
stable, and nobody but the shop's maker sees or changes its inbox, by any id."""

from __future__ import annotations

import pytest
from sqlmodel import select

from social_market.models import ListeningItem
from social_market.services import (
    accounts,
    blocks,
    comments,
    listening,
    messaging,
    posts,
    reviews,
)
from social_market.services.errors import NotFound
from tests.factories import make_user, open_shop_for, publish_listing, review_bought


@pytest.fixture
def shop(db):
    maker = make_user(db, handle="maker_m")
    shop = open_shop_for(db, maker)
    listing = publish_listing(db, maker, title="Blue bowl")
    return maker, shop, listing


def _items(db, shop_id):
    return db.exec(
        select(ListeningItem).where(ListeningItem.shop_id == shop_id).order_by(ListeningItem.id)
    ).all()


def _page(db, who, **kw):
    return listening.inbox(session=db, actor_id=who.id, **kw)


def _comment(db, who, kind, sid, body="Is this dishwasher safe?", parent=None):
    return comments.add_comment(
        session=db,
        actor_id=who.id,
        subject_kind=kind,
        subject_id=sid,
        body=body,
        parent_id=parent.id if parent else None,
    )


def _send(db, who, convo, body):
    return messaging.send_message(session=db, actor_id=who.id, conversation_id=convo.id, body=body)


# --- hooks ---------------------------------------------------------------------------------


def test_a_buyers_message_to_a_maker_is_recorded_once_and_the_makers_answer_marks_it(db, shop):
    maker, s, _ = shop
    buyer = make_user(db)
    convo = messaging.start_direct(session=db, actor_id=buyer.id, handle=maker.handle)
    _send(db, buyer, convo, "Do you ship to Austria?")
    _send(db, buyer, convo, "And how fast?")
    [item] = _items(db, s.id)
    assert (item.kind, item.subject_kind, item.subject_id) == ("message", "conversation", convo.id)
    assert item.snippet == "And how fast?" and item.author_id == buyer.id
    assert item.link == f"/messages/{convo.id}" and not item.answered
    _send(db, maker, convo, "Yes, 3 days.")
    db.refresh(item)
    assert item.answered and item.answered_at is not None
    # A newer question makes it unanswered again, at the top.
    _send(db, buyer, convo, "Great, one more thing")
    [again] = _items(db, s.id)
    assert not again.answered and again.snippet == "Great, one more thing"


def test_a_maker_starting_a_conversation_writes_nothing_in_their_own_inbox(db, shop):
    maker, s, _ = shop
    buyer = make_user(db)
    convo = messaging.start_direct(session=db, actor_id=maker.id, handle=buyer.handle)
    _send(db, maker, convo, "Thanks for your order!")
    assert _items(db, s.id) == []


def test_group_conversations_and_people_without_shops_record_nothing(db, shop):
    maker, s, _ = shop
    a, b = make_user(db), make_user(db)
    convo = messaging.start_direct(session=db, actor_id=a.id, handle=b.handle)
    _send(db, a, convo, "hi")
    group = messaging.create_group(
        session=db, actor_id=a.id, title="Potters", handles=[maker.handle, b.handle]
    )
    _send(db, a, group, "hello group")
    assert db.exec(select(ListeningItem)).all() == [] or _items(db, s.id) == []
    assert _items(db, s.id) == []


def test_a_comment_on_the_makers_listing_is_recorded_and_the_makers_reply_answers_it(db, shop):
    maker, s, listing = shop
    buyer, other = make_user(db), make_user(db)
    question = _comment(db, buyer, "listing", listing.id)
    follow_up = _comment(db, other, "listing", listing.id, "Me too!", parent=question)
    items = _items(db, s.id)
    assert [(i.kind, i.subject_id) for i in items] == [
        ("comment", question.id),
        ("comment", follow_up.id),
    ]
    assert items[0].link.endswith(f"#comment-{question.id}")
    _comment(db, maker, "listing", listing.id, "Yes it is.", parent=follow_up)
    assert all(i.answered for i in _items(db, s.id))
    assert len(_items(db, s.id)) == 2  # the maker's own reply is not in it


def test_a_comment_on_the_makers_post_is_recorded_and_own_top_level_comments_are_not(db, shop):
    maker, s, _ = shop
    post = posts.create_post(session=db, actor_id=maker.id, form={"kind": "news", "body": "New!"})
    fan = make_user(db)
    c = _comment(db, fan, "post", post.id, "Lovely")
    _comment(db, maker, "post", post.id, "Glad you like it")
    [item] = _items(db, s.id)
    assert (item.kind, item.subject_id, item.link) == (
        "comment",
        c.id,
        f"/post/{post.id}#comment-{c.id}",
    )


def test_a_mention_of_the_maker_elsewhere_is_recorded_once_and_their_reply_answers_it(db, shop):
    maker, s, listing = shop
    other_maker = make_user(db)
    open_shop_for(db, other_maker)
    other_listing = publish_listing(db, other_maker)
    fan = make_user(db)
    c = _comment(db, fan, "listing", other_listing.id, "@maker_m makes these too, @maker_m!")
    [item] = _items(db, s.id)
    assert (item.kind, item.subject_kind, item.subject_id) == ("mention", "comment", c.id)
    # A comment on the maker's own listing that also mentions them is one 'comment' row.
    _comment(db, fan, "listing", listing.id, "@maker_m hello")
    assert [i.kind for i in _items(db, s.id)] == ["mention", "comment"]
    # A mention in another maker's post.
    post = posts.create_post(
        session=db, actor_id=other_maker.id, form={"kind": "news", "body": "Hi @Maker_M"}
    )
    assert [(i.kind, i.subject_kind) for i in _items(db, s.id)][-1] == ("mention", "post")
    assert post.id == _items(db, s.id)[-1].subject_id
    # The maker replies in the thread of the first mention: answered.
    _comment(db, maker, "listing", other_listing.id, "Thanks!", parent=c)
    assert _items(db, s.id)[0].answered


def test_the_makers_own_mention_of_themselves_is_not_recorded(db, shop):
    maker, s, listing = shop
    _comment(db, maker, "listing", listing.id, "I am @maker_m")
    posts.create_post(session=db, actor_id=maker.id, form={"kind": "news", "body": "@maker_m"})
    assert _items(db, s.id) == []


def test_a_review_is_recorded_and_the_makers_reply_answers_it(db, shop):
    maker, s, listing = shop
    buyer = make_user(db)
    review = review_bought(db, buyer, listing, 4, "Nice glaze")
    [item] = [i for i in _items(db, s.id) if i.kind == "review"]
    assert item.subject_id == review.id and "Nice glaze" in item.snippet
    assert item.link.endswith(f"#review-{review.id}") and not item.answered
    reviews.reply(session=db, actor_id=maker.id, review_id=review.id, body="Thank you!")
    db.refresh(item)
    assert item.answered


def test_hidden_and_deleted_sources_leave_the_inbox(db, shop):
    maker, s, listing = shop
    buyer = make_user(db)
    spam = _comment(db, buyer, "listing", listing.id, "spam")
    kept = _comment(db, buyer, "listing", listing.id, "kept")
    gone = _comment(db, buyer, "listing", listing.id, "oops")
    comments.set_hidden(session=db, actor_id=maker.id, comment_id=spam.id, hidden=True)
    comments.delete_comment(session=db, actor_id=buyer.id, comment_id=gone.id)
    assert [i.subject_id for i in _items(db, s.id)] == [kept.id]
    comments.set_hidden(session=db, actor_id=maker.id, comment_id=spam.id, hidden=False)
    assert sorted(i.subject_id for i in _items(db, s.id)) == sorted([kept.id, spam.id])
    review = review_bought(db, buyer, listing, 1, "Bad")
    reviews.set_hidden(db, review.id, True)
    assert "review" not in [i.kind for i in _items(db, s.id)]
    reviews.set_hidden(db, review.id, False)
    assert "review" in [i.kind for i in _items(db, s.id)]
    post = posts.create_post(session=db, actor_id=maker.id, form={"kind": "news", "body": "x"})
    on_post = _comment(db, buyer, "post", post.id, "on the post")
    posts.delete_post(session=db, actor_id=maker.id, post_id=post.id)
    assert on_post.id not in [i.subject_id for i in _items(db, s.id)]


def test_a_deleted_authors_words_leave_the_inbox(db, shop):
    _maker, s, listing = shop
    buyer = make_user(db)
    _comment(db, buyer, "listing", listing.id, "hello")
    listening.erase_for_deleted_account(session=db, user_id=buyer.id)
    assert _items(db, s.id) == []
    assert accounts is not None


# --- reading -------------------------------------------------------------------------------


def test_unanswered_come_first_newest_first_and_filters_and_counts_follow(db, shop):
    maker, s, listing = shop
    a, b = make_user(db), make_user(db, display_name="Bea")
    c1 = _comment(db, a, "listing", listing.id, "first")
    convo = messaging.start_direct(session=db, actor_id=b.id, handle=maker.handle)
    _send(db, b, convo, "second")
    c3 = _comment(db, a, "listing", listing.id, "third")
    ids = {i.subject_id: i.id for i in _items(db, s.id)}
    listening.set_answered(session=db, actor_id=maker.id, item_id=ids[c3.id], answered=True)
    page = _page(db, maker, state="all")
    assert [i.snippet for i in page.items] == ["second", "first", "third"]
    assert [i.answered for i in page.items] == [False, False, True]
    assert page.items[0].author_name == "Bea" and page.items[0].kind == "message"
    assert page.counts["comment"] == 1 and page.counts["message"] == 1
    assert page.counts["review"] == 0 and page.unanswered == 2
    assert [i.snippet for i in _page(db, maker).items] == ["second", "first"]
    assert [i.snippet for i in _page(db, maker, state="answered").items] == ["third"]
    assert [i.snippet for i in _page(db, maker, kind="comment", state="all").items] == [
        "first",
        "third",
    ]
    assert [i.snippet for i in _page(db, maker, kind="message").items] == ["second"]
    # Nonsense filters fall back to the defaults.
    assert len(_page(db, maker, kind=["x"], state={"a": 1}).items) == 2
    listening.set_answered(session=db, actor_id=maker.id, item_id=ids[c3.id], answered=False)
    assert [i.snippet for i in _page(db, maker).items] == ["third", "second", "first"]
    assert c1.id in ids


@pytest.mark.parametrize("kind", ["", "comment"])
def test_pages_are_stable_across_the_answered_boundary(db, shop, kind):
    maker, s, _listing = shop
    for n in range(12):
        listening.record(
            db,
            shop_id=s.id,
            kind="comment" if n % 3 else "review",
            subject_kind="x",
            subject_id=n,
            author_id=make_user(db).id,
            snippet=f"s{n}",
            link="/",
            answered=n % 2 == 0,
        )
    expected = _page(db, maker, kind=kind, state="all", limit=100).items
    assert [i.answered for i in expected] == sorted(i.answered for i in expected)
    for size in (1, 2, 3, 4, 5, 6, 7):
        seen, cursor = [], None
        while True:
            page = _page(
                db,
                maker,
                kind=kind,
                state="all",
                cursor=cursor,
                limit=size,
                with_counts=cursor is None,
            )
            seen += [i.id for i in page.items]
            assert bool(page.counts) == (cursor is None)  # later pages skip the counts
            if not page.next_cursor:
                break
            cursor = page.next_cursor
        assert seen == [i.id for i in expected], size


def test_malformed_cursors_start_at_the_top(db, shop):
    maker, _s, listing = shop
    _comment(db, make_user(db), "listing", listing.id, "hi")
    for cursor in ("", "z12", "u", "u-5", "uabc", 12, None, ["u1"], "a99999999999999999999"):
        assert len(_page(db, maker, cursor=cursor).items) == 1


def test_blocked_authors_are_hidden_from_the_inbox_and_come_back_when_unblocked(db, shop):
    maker, s, listing = shop
    troll, fan = make_user(db), make_user(db)
    _comment(db, troll, "listing", listing.id, "rude")
    _comment(db, fan, "listing", listing.id, "nice")
    blocks.block(session=db, actor_id=maker.id, handle=troll.handle)
    page = _page(db, maker)
    assert [i.snippet for i in page.items] == ["nice"] and page.counts["comment"] == 1
    troll_item = next(i for i in _items(db, s.id) if i.author_id == troll.id)
    with pytest.raises(NotFound):
        listening.set_answered(session=db, actor_id=maker.id, item_id=troll_item.id, answered=True)
    blocks.unblock(session=db, actor_id=maker.id, handle=troll.handle)
    assert len(_page(db, maker).items) == 2


def test_only_the_shops_maker_sees_and_changes_its_inbox_whatever_id_arrives(db, shop):
    maker, s, listing = shop
    buyer = make_user(db)
    _comment(db, buyer, "listing", listing.id, "hi")
    [item] = _items(db, s.id)
    other_maker = make_user(db)
    open_shop_for(db, other_maker)
    assert _page(db, other_maker).items == []
    for who in (buyer, other_maker):
        with pytest.raises(NotFound):
            listening.set_answered(session=db, actor_id=who.id, item_id=item.id, answered=True)
    with pytest.raises(NotFound):
        _page(db, buyer)  # no shop, no inbox
    for forged in (None, "x", -1, 0, 2**40, True, 1.5, [item.id], {"id": item.id}):
        with pytest.raises(NotFound):
            listening.set_answered(session=db, actor_id=maker.id, item_id=forged, answered=True)
    for answered in ("yes", 1, None):
        with pytest.raises(NotFound):
            listening.set_answered(
                session=db, actor_id=maker.id, item_id=item.id, answered=answered
            )
    db.refresh(item)
    assert not item.answered
    assert listening.set_answered(
        session=db, actor_id=maker.id, item_id=str(item.id), answered=True
    )
    db.refresh(item)
    assert item.answered


def test_record_keeps_one_row_per_subject_and_never_the_makers_own_words(db, shop):
    maker, s, _ = shop
    someone = make_user(db)
    args = dict(shop_id=s.id, kind="wish", subject_kind="wish", subject_id=7, link="/w/7")
    assert listening.record(db, author_id=someone.id, snippet="make a vase", **args)
    assert listening.record(db, author_id=someone.id, snippet="a taller vase", **args)
    assert not listening.record(db, author_id=maker.id, snippet="mine", **args)
    [item] = _items(db, s.id)
    assert item.snippet == "a taller vase"
    assert listening.mark_answered(db, s.id, "wish", 7) == 1
    assert listening.mark_answered(db, s.id, "wish", 7) == 0
    with pytest.raises(ValueError):
        listening.record(db, author_id=someone.id, snippet="x", **{**args, "kind": "bogus"})
    long = listening.record(
        db, author_id=someone.id, snippet="word " * 100, **{**args, "subject_id": 8}
    )
    assert long and len(_items(db, s.id)[-1].snippet) <= 200


def test_the_dashboard_total_counts_unanswered_only(db, shop):
    maker, _s, listing = shop
    assert listening.unanswered_total(db, maker.id) == 0
    _comment(db, make_user(db), "listing", listing.id, "a")
    _comment(db, make_user(db), "listing", listing.id, "b")
    assert listening.unanswered_total(db, maker.id) == 2
    assert listening.unanswered_total(db, make_user(db).id) == 0


def test_the_demo_fills_the_first_makers_inbox_through_the_hooks(db):
    from social_market.demo.generator import generate
    from social_market.demo.listening import generate_listening
    from social_market.demo.market import generate_market

    people = generate(db, users=8, seed=5, with_avatars=False, maker_share=0.5)
    buyers = [u for u in people.user_ids if u not in people.maker_ids]
    market = generate_market(
        db,
        maker_ids=people.maker_ids,
        buyer_ids=buyers,
        seed=5,
        listings_per_shop=1,
        photos_per_listing=1,
    )
    total = generate_listening(db, buyer_ids=buyers, shop_ids=market.shop_ids, seed=5)
    assert total > 0
    owner = people.user_ids[0]
    page = listening.inbox(session=db, actor_id=owner, state="all")
    assert page.items and all(i.kind == "comment" for i in page.items)
    assert all(i.author_handle for i in page.items)


def test_counts_stop_at_the_cap_per_kind_and_leave_out_blocked_authors(db, shop):
    maker, s, _ = shop
    fan, troll = make_user(db), make_user(db)
    for n in range(listening.COUNT_CAP + 5):
        listening.record(
            db,
            shop_id=s.id,
            kind="comment",
            subject_kind="x",
            subject_id=n,
            author_id=fan.id,
            snippet="hi",
            link="/",
        )
    for n in range(3):
        listening.record(
            db,
            shop_id=s.id,
            kind="review",
            subject_kind="y",
            subject_id=n,
            author_id=troll.id if n else fan.id,
            snippet="ok",
            link="/",
        )
    blocks.block(session=db, actor_id=maker.id, handle=troll.handle)
    page = _page(db, maker, kind="review")
    assert page.counts["comment"] == listening.COUNT_CAP
    assert page.counts["review"] == 1 and len(page.items) == 1
    assert page.unanswered == listening.COUNT_CAP


# --- wishes and forum threads ---------------------------------------------------------------


def test_a_wish_reaches_the_makers_inbox_and_answering_it_marks_it_replied(db, shop):
    from social_market.services import wishes

    maker, s, _ = shop
    buyer = make_user(db)
    wish = wishes.propose(
        session=db, actor_id=buyer.id, shop_slug=s.slug, title="A blue teapot", description="Big"
    )
    [item] = _items(db, s.id)
    assert (item.kind, item.subject_kind, item.subject_id, item.answered) == (
        "wish",
        "wish",
        wish.id,
        False,
    )
    assert item.link == f"/wish/{wish.id}" and "A blue teapot" in item.snippet
    wishes.answer(session=db, actor_id=maker.id, wish_id=wish.id, text="Maybe in spring!")
    db.refresh(item)
    assert item.answered


def test_a_hidden_wish_leaves_the_inbox(db, shop):
    from social_market.services import wishes

    _, s, _ = shop
    wish = wishes.propose(session=db, actor_id=make_user(db).id, shop_slug=s.slug, title="A vase")
    wishes.set_hidden(db, wish.id, True)
    assert _items(db, s.id) == []


def test_a_public_team_thread_linking_a_listing_reaches_its_maker_until_they_reply(db, shop):
    from social_market.services import forums, teams

    maker, s, listing = shop
    talker = make_user(db)
    team = teams.create_team(session=db, actor_id=talker.id, name="Bowl lovers")
    teams.join(session=db, actor_id=maker.id, team_id=team.id)
    thread = forums.start_thread(
        session=db,
        actor_id=talker.id,
        team_id=team.id,
        title="Best bowls",
        body=f"Look at https://example.com/listing/{listing.id}-blue-bowl and /listing/{listing.id}",
    )
    [item] = _items(db, s.id)
    assert (item.kind, item.subject_kind, item.subject_id) == ("thread", "thread", thread.id)
    assert item.link.startswith(f"/team/{team.slug}/thread/{thread.id}")
    forums.reply(session=db, actor_id=maker.id, thread_id=thread.id, body="Thank you!")
    db.refresh(item)
    assert item.answered


def test_a_private_teams_thread_stays_inside_the_team(db, shop):
    from social_market.services import forums, teams

    _, s, listing = shop
    talker = make_user(db)
    team = teams.create_team(session=db, actor_id=talker.id, name="Secret bowls", private=True)
    forums.start_thread(
        session=db, actor_id=talker.id, team_id=team.id, title="Hush", body=f"/listing/{listing.id}"
    )
    assert _items(db, s.id) == []
