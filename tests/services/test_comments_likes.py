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


def test_concurrent_likes_and_unlikes_never_miscount_on_postgresql(postgresql_engine):
    """10 people like and unlike one post from 20 threads at once: the count always
    equals the like rows, and each person's owner notification exists at most once."""
    import threading

    from sqlmodel import Session, func, select

    from social_market.models import Like, Notification, Post
    from social_market.services import ratelimit

    with Session(postgresql_engine) as s:
        maker = make_user(s)
        open_shop_for(s, maker)
        post = _post(s, maker)
        fans = [make_user(s) for _ in range(10)]
        s.commit()
        post_id, maker_id, fan_ids = post.id, maker.id, [f.id for f in fans]
    ratelimit.reset_all()
    barrier = threading.Barrier(20)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            barrier.wait()
            for i in range(8):
                with Session(postgresql_engine) as s:
                    likes.set_like(
                        session=s,
                        actor_id=fan_ids[(n + i) % 10],
                        subject_kind="post",
                        subject_id=post_id,
                        on=(n + i) % 3 != 0,
                    )
                    s.commit()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    with Session(postgresql_engine) as s:
        rows = s.exec(
            select(func.count()).where(Like.subject_kind == "post", Like.subject_id == post_id)
        ).one()
        assert s.get(Post, post_id).like_count == rows
        told = s.exec(
            select(Notification.actor_id, func.count())
            .where(Notification.user_id == maker_id, Notification.kind == "like")
            .group_by(Notification.actor_id)
        ).all()
        assert all(n == 1 for _, n in told)
