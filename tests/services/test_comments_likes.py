"""Comments and likes: who may write, who sees what, and counts that never double."""

from __future__ import annotations

import pytest

from social_market.services import blocks, comments, likes, posts, shares
from social_market.services.errors import InvalidInput, NotAllowed, NotFound
from tests.factories import buy, make_user, open_shop_for, publish_listing


def _post(db, maker, **form):
    return posts.create_post(
        session=db, actor_id=maker.id, form={"kind": "news", "body": "Hi", **form}
    )


def test_comments_and_one_level_replies_come_back_in_thread_order(db):
    maker, a, b = make_user(db), make_user(db), make_user(db)
    open_shop_for(db, maker)
    post = _post(db, maker)
    first = comments.add_comment(
        session=db, actor_id=a.id, subject_kind="post", subject_id=post.id, body="Lovely"
    )
    comments.add_comment(
        session=db,
        actor_id=b.id,
        subject_kind="post",
        subject_id=post.id,
        body="Agreed",
        parent_id=first.id,
    )
    reply_to_reply = comments.add_comment(
        session=db,
        actor_id=a.id,
        subject_kind="post",
        subject_id=post.id,
        body="Thanks",
        parent_id=first.id,
    )
    assert reply_to_reply.parent_id == first.id
    cards = comments.list_comments(
        session=db, viewer_id=None, subject_kind="post", subject_id=post.id
    )
    assert [(c.segments[0].text, bool(c.parent_id)) for c in cards] == [
        ("Lovely", False),
        ("Agreed", True),
        ("Thanks", True),
    ]
    db.refresh(post)
    assert post.comment_count == 3


def test_the_maker_hides_a_comment_which_only_its_author_and_the_maker_still_see(db):
    maker, troll, other = make_user(db), make_user(db), make_user(db)
    open_shop_for(db, maker)
    post = _post(db, maker)
    c = comments.add_comment(
        session=db, actor_id=troll.id, subject_kind="post", subject_id=post.id, body="spam"
    )
    with pytest.raises(NotAllowed):
        comments.set_hidden(session=db, actor_id=other.id, comment_id=c.id, hidden=True)
    comments.set_hidden(session=db, actor_id=maker.id, comment_id=c.id, hidden=True)

    def seen_by(user):
        return [
            x.id
            for x in comments.list_comments(
                session=db,
                viewer_id=user.id if user else None,
                subject_kind="post",
                subject_id=post.id,
            )
        ]

    assert (seen_by(maker), seen_by(troll), seen_by(other), seen_by(None)) == (
        [c.id],
        [c.id],
        [],
        [],
    )


def test_people_edit_and_delete_only_their_own_comments(db):
    maker, a, b = make_user(db), make_user(db), make_user(db)
    open_shop_for(db, maker)
    item = publish_listing(db, maker)
    c = comments.add_comment(
        session=db,
        actor_id=a.id,
        subject_kind="listing",
        subject_id=item.id,
        body="Does it come in red?",
    )
    with pytest.raises(NotAllowed):
        comments.edit_comment(session=db, actor_id=b.id, comment_id=c.id, body="hacked")
    with pytest.raises(NotAllowed):
        comments.delete_comment(session=db, actor_id=b.id, comment_id=c.id)
    comments.edit_comment(session=db, actor_id=a.id, comment_id=c.id, body="In blue?")
    cards = comments.list_comments(
        session=db, viewer_id=b.id, subject_kind="listing", subject_id=item.id
    )
    assert (cards[0].segments[0].text, cards[0].edited) == ("In blue?", True)
    comments.delete_comment(session=db, actor_id=a.id, comment_id=c.id)
    assert (
        comments.list_comments(
            session=db, viewer_id=b.id, subject_kind="listing", subject_id=item.id
        )
        == []
    )


def test_a_person_the_owner_blocked_can_neither_comment_nor_like(db):
    maker, pest = make_user(db), make_user(db)
    open_shop_for(db, maker)
    post = _post(db, maker)
    blocks.block(session=db, actor_id=maker.id, handle=pest.handle)
    with pytest.raises(NotAllowed):
        comments.add_comment(
            session=db, actor_id=pest.id, subject_kind="post", subject_id=post.id, body="hi"
        )
    with pytest.raises(NotAllowed):
        likes.set_like(
            session=db, actor_id=pest.id, subject_kind="post", subject_id=post.id, on=True
        )


def test_hidden_things_cannot_be_reached_by_id(db):
    maker, buyer, stranger = make_user(db), make_user(db), make_user(db)
    open_shop_for(db, maker)
    line = buy(db, buyer, publish_listing(db, maker))
    share = shares.share_purchase(
        session=db, actor_id=buyer.id, line_id=line.id, audience="followers"
    )
    for call in (
        lambda: comments.add_comment(
            session=db,
            actor_id=stranger.id,
            subject_kind="share",
            subject_id=share.share_id,
            body="x",
        ),
        lambda: comments.list_comments(
            session=db, viewer_id=stranger.id, subject_kind="share", subject_id=share.share_id
        ),
        lambda: likes.set_like(
            session=db,
            actor_id=stranger.id,
            subject_kind="share",
            subject_id=share.share_id,
            on=True,
        ),
        lambda: comments.add_comment(
            session=db, actor_id=stranger.id, subject_kind="order", subject_id=1, body="x"
        ),
        lambda: likes.set_like(
            session=db, actor_id=stranger.id, subject_kind="post", subject_id="1 OR 1=1", on=True
        ),
    ):
        with pytest.raises(NotFound):
            call()


def test_likes_count_once_per_person_and_unlike_takes_it_back(db):
    maker, a, b = make_user(db), make_user(db), make_user(db)
    open_shop_for(db, maker)
    post = _post(db, maker)
    for _ in range(2):
        assert likes.set_like(
            session=db, actor_id=a.id, subject_kind="post", subject_id=post.id, on=True
        ) == (True, 1)
    assert likes.set_like(
        session=db, actor_id=b.id, subject_kind="post", subject_id=post.id, on=True
    ) == (True, 2)
    assert likes.set_like(
        session=db, actor_id=a.id, subject_kind="post", subject_id=post.id, on=False
    ) == (False, 1)
    assert likes.set_like(
        session=db, actor_id=a.id, subject_kind="post", subject_id=post.id, on=False
    ) == (False, 1)


def test_an_empty_or_oversized_comment_is_refused(db):
    maker, a = make_user(db), make_user(db)
    open_shop_for(db, maker)
    post = _post(db, maker)
    for body in ("   ", "x" * 1001, 42):
        with pytest.raises(InvalidInput):
            comments.add_comment(
                session=db, actor_id=a.id, subject_kind="post", subject_id=post.id, body=body
            )
