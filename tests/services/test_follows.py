"""Following people: idempotent follows, correct counts (also under concurrency), lists,
people you may know, and account deletion."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from social_market.models import Follow, User
from social_market.services import accounts, follows
from social_market.services.errors import InvalidInput, NotAllowed, NotFound
from tests.factories import PASSWORD, make_user


def test_following_is_idempotent_and_counted_on_both_sides(db):
    ann, bob = make_user(db), make_user(db)
    for _ in range(3):
        follows.follow(session=db, actor_id=ann.id, handle=bob.handle.upper())
    db.refresh(ann)
    db.refresh(bob)
    assert (ann.following_count, bob.follower_count) == (1, 1)
    assert follows.is_following(session=db, actor_id=ann.id, user_id=bob.id)
    for _ in range(2):
        follows.unfollow(session=db, actor_id=ann.id, handle=bob.handle)
    db.refresh(ann)
    db.refresh(bob)
    assert (ann.following_count, bob.follower_count) == (0, 0)


def test_nobody_follows_themselves_unknown_people_or_while_signed_out(db):
    ann = make_user(db)
    with pytest.raises(InvalidInput):
        follows.follow(session=db, actor_id=ann.id, handle=ann.handle)
    for bad in ("nobody-here", "", None, 42, "x" * 500):
        with pytest.raises(NotFound):
            follows.follow(session=db, actor_id=ann.id, handle=bad)
    with pytest.raises(NotAllowed):
        follows.follow(session=db, actor_id=None, handle=make_user(db).handle)


def test_follower_and_following_lists_page_newest_first_without_gaps(db):
    star = make_user(db)
    fans = [make_user(db) for _ in range(follows.PAGE + 5)]
    for fan in fans:
        follows.follow(session=db, actor_id=fan.id, handle=star.handle)
    first = follows.followers(session=db, handle=star.handle)
    second = follows.followers(session=db, handle=star.handle, cursor=first.next_cursor)
    seen = [p.id for p in first.people + second.people]
    assert sorted(seen) == sorted(f.id for f in fans) and len(set(seen)) == len(seen)
    assert second.next_cursor is None
    assert [p.id for p in follows.following(session=db, handle=fans[0].handle).people] == [star.id]
    with pytest.raises(InvalidInput):
        follows.followers(session=db, handle=star.handle, cursor="not-a-cursor")


def test_people_you_may_know_are_followed_by_the_people_you_follow(db):
    me, a, b, popular, niche = (make_user(db) for _ in range(5))
    for friend in (a, b):
        follows.follow(session=db, actor_id=me.id, handle=friend.handle)
        follows.follow(session=db, actor_id=friend.id, handle=popular.handle)
    follows.follow(session=db, actor_id=a.id, handle=niche.handle)
    follows.follow(session=db, actor_id=a.id, handle=me.handle)  # never suggest myself
    suggested = follows.people_you_may_know(session=db, actor_id=me.id)
    assert [(p.id, n) for p, n in suggested] == [(popular.id, 2), (niche.id, 1)]
    follows.follow(session=db, actor_id=me.id, handle=popular.handle)
    assert [p.id for p, _ in follows.people_you_may_know(session=db, actor_id=me.id)] == [niche.id]


def test_deleting_an_account_removes_its_follows_and_fixes_counts(db):
    gone, fan, idol = make_user(db), make_user(db), make_user(db)
    follows.follow(session=db, actor_id=fan.id, handle=gone.handle)
    follows.follow(session=db, actor_id=gone.id, handle=idol.handle)
    accounts.delete_account(session=db, user_id=gone.id, password=PASSWORD)
    db.refresh(fan)
    db.refresh(idol)
    assert (fan.following_count, idol.follower_count) == (0, 0)
    assert (
        db.exec(
            select(Follow).where((Follow.follower_id == gone.id) | (Follow.followee_id == gone.id))
        ).all()
        == []
    )


def test_concurrent_follow_and_unfollow_never_miscount_on_postgresql(postgresql_engine):
    """20 threads hammer follow/unfollow between the same people; counts match the rows."""
    with Session(postgresql_engine) as s:
        a = make_user(s, handle="racer_a")
        b = make_user(s, handle="racer_b")
        s.commit()
        a_id, b_id, b_handle = a.id, b.id, b.handle
    barrier = threading.Barrier(20)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            barrier.wait()
            for i in range(6):
                with Session(postgresql_engine) as s:
                    if (n + i) % 2:
                        follows.follow(session=s, actor_id=a_id, handle=b_handle)
                    else:
                        follows.unfollow(session=s, actor_id=a_id, handle=b_handle)
                    s.commit()
        except BaseException as exc:
            errors.append(exc)

    from social_market.services import ratelimit

    ratelimit.reset_all()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    with Session(postgresql_engine) as s:
        rows = s.exec(select(Follow).where(Follow.follower_id == a_id)).all()
        a, b = s.get(User, a_id), s.get(User, b_id)
        assert a.following_count == len(rows) and b.follower_count == len(rows)
        s.exec(text("DELETE FROM follow WHERE follower_id = :a"), params={"a": a_id})
        s.exec(text("DELETE FROM activity WHERE actor_id = :a"), params={"a": a_id})
        s.exec(text("DELETE FROM notification WHERE actor_id = :a"), params={"a": a_id})
        s.exec(
            text("DELETE FROM recommendation_dirty WHERE user_id IN (:a, :b)"),
            params={"a": a_id, "b": b_id},
        )
        s.exec(text("DELETE FROM user_account WHERE id IN (:a, :b)"), params={"a": a_id, "b": b_id})
        s.commit()
