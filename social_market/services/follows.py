"""Following people: follow, unfollow, who follows whom, and people you may know.

Counts on ``user_account`` change only through one atomic UPDATE per side, and only
when the follow row was really inserted or deleted, so concurrent clicks never count
twice (the primary key refuses a second identical follow).
"""

from __future__ import annotations

import base64
import json
from datetime import datetime

from limits import parse
from pydantic import BaseModel
from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from social_market.i18n.catalog import N_
from social_market.models import Block, Follow, ProfilePublic, User
from social_market.services import profiles, ratelimit, recommendations
from social_market.services.accounts import require_user
from social_market.services.errors import InvalidInput, NotAllowed, NotFound

FOLLOWS_PER_HOUR = parse("120/hour")
PAGE = 30


class PeoplePage(BaseModel):
    people: list[ProfilePublic]
    next_cursor: str | None


def find_person(session: Session, handle: object) -> User:
    """A visible person by handle (any case, with or without @), or NotFound."""
    if not isinstance(handle, str) or not 1 <= len(handle) <= 40:
        raise NotFound("We couldn't find that person.")
    user = session.exec(
        select(User).where(
            User.handle_key == handle.strip().lstrip("@").lower(),
            User.deleted_at.is_(None),  # type: ignore[union-attr]
            User.email_verified_at.is_not(None),  # type: ignore[union-attr]
            User.suspended_at.is_(None),  # type: ignore[union-attr]
        )
    ).first()
    if user is None:
        raise NotFound("We couldn't find that person.")
    return user


def _count(session: Session, user_id: int, column, delta: int) -> None:
    session.exec(update(User).where(User.id == user_id).values({column.key: column + delta}))


def follow(*, session: Session, actor_id: object, handle: object) -> bool:
    """Follow the person with ``handle``; returns True (idempotent)."""
    me = require_user(session, actor_id)
    them = find_person(session, handle)
    if them.id == me.id:
        raise InvalidInput("You can't follow yourself.")
    if session.get(Follow, (me.id, them.id)) is not None:
        return True
    from social_market.services import blocks  # (blocks uses this module too)

    if blocks.is_blocked_between(session, me.id, them.id):
        raise NotAllowed("You can't follow this person.")
    ratelimit.hit(
        FOLLOWS_PER_HOUR,
        "follow",
        str(me.id),
        message=N_("You have followed a lot of people in the last hour. Please wait a little."),
    )
    try:
        with session.begin_nested():
            session.add(Follow(follower_id=me.id, followee_id=them.id))  # type: ignore[arg-type]
            session.flush()
    except IntegrityError:
        return True  # a concurrent click already followed: nothing to count
    _count(session, me.id, User.following_count, 1)  # type: ignore[arg-type]
    _count(session, them.id, User.follower_count, 1)  # type: ignore[arg-type]
    from social_market.services import feed

    feed.record_follow(session, me.id, them.id)  # type: ignore[arg-type]
    recommendations.mark_dirty(session, me.id)  # type: ignore[arg-type]
    from social_market.services import notifications

    notifications.notify(
        session,
        user_id=them.id,  # type: ignore[arg-type]
        kind=notifications.N_FOLLOW,
        actor_id=me.id,
        link=f"/u/{me.handle}",
        subject_key="follow",
    )
    return True


def unfollow(*, session: Session, actor_id: object, handle: object) -> bool:
    """Stop following; returns False (idempotent)."""
    me = require_user(session, actor_id)
    them = find_person(session, handle)
    drop_follow(session, me.id, them.id)  # type: ignore[arg-type]
    return False


def drop_follow(session: Session, follower_id: int, followee_id: int) -> None:
    """Delete one follow and fix both counts, if (and only if) the row was there."""
    result = session.exec(
        delete(Follow).where(Follow.follower_id == follower_id, Follow.followee_id == followee_id)  # type: ignore[arg-type]
    )
    if result.rowcount:  # type: ignore[attr-defined]
        _count(session, follower_id, User.following_count, -1)
        _count(session, followee_id, User.follower_count, -1)
        from social_market.services import feed

        feed.forget_follow(session, follower_id, followee_id)
        recommendations.mark_dirty(session, follower_id)


def is_following(*, session: Session, actor_id: int | None, user_id: int) -> bool:
    if actor_id is None:
        return False
    return session.get(Follow, (actor_id, user_id)) is not None


def _encode(created_at: datetime, user_id: int) -> str:
    raw = json.dumps([created_at.isoformat(), user_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: object) -> tuple[datetime, int] | None:
    if not isinstance(cursor, str) or not cursor or len(cursor) > 120:
        return None
    try:
        when, uid = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return datetime.fromisoformat(when), int(uid)
    except (ValueError, TypeError):
        raise InvalidInput("This list has changed. Please reload the page.") from None


def _page(
    session: Session, mine, theirs, who: int, cursor: object, locale: str | None
) -> PeoplePage:
    after = _decode(cursor)
    query = (
        select(User, Follow.created_at)
        .join(Follow, theirs == User.id)
        .where(
            mine == who,
            User.deleted_at.is_(None),  # type: ignore[union-attr]
            User.suspended_at.is_(None),  # type: ignore[union-attr]
        )
    )
    if after is not None:
        query = query.where(
            (Follow.created_at < after[0]) | ((Follow.created_at == after[0]) & (theirs < after[1]))
        )
    rows = session.exec(
        query.order_by(Follow.created_at.desc(), theirs.desc()).limit(PAGE + 1)  # type: ignore[attr-defined]
    ).all()
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return PeoplePage(
        people=[profiles.to_public(u, locale) for u, _ in rows],
        next_cursor=_encode(rows[-1][1], rows[-1][0].id) if more and rows else None,
    )


def followers(
    *, session: Session, handle: object, cursor: object = None, locale: str | None = None
) -> PeoplePage:
    """Who follows this person, newest first (ix_follow_followee_id_created_at_follower_id)."""
    user = find_person(session, handle)
    return _page(session, Follow.followee_id, Follow.follower_id, user.id, cursor, locale)  # type: ignore[arg-type]


def following(
    *, session: Session, handle: object, cursor: object = None, locale: str | None = None
) -> PeoplePage:
    """Whom this person follows, newest first."""
    user = find_person(session, handle)
    return _page(session, Follow.follower_id, Follow.followee_id, user.id, cursor, locale)  # type: ignore[arg-type]


def people_you_may_know(
    *, session: Session, actor_id: object, limit: int = 6, locale: str | None = None
) -> list[tuple[ProfilePublic, int]]:
    """People followed by the people you follow (most shared first), with how many of
    your follows follow them. Looks at your 200 most recent follows, so it stays cheap."""
    me = require_user(session, actor_id)
    mine = (
        select(Follow.followee_id)
        .where(Follow.follower_id == me.id)
        .order_by(Follow.created_at.desc())  # type: ignore[attr-defined]
        .limit(200)
        .subquery()
    )
    already = select(Follow.followee_id).where(Follow.follower_id == me.id)
    shared = func.count().label("shared")
    rows = session.exec(
        select(Follow.followee_id, shared)
        .where(
            Follow.follower_id.in_(select(mine.c.followee_id)),  # type: ignore[attr-defined]
            Follow.followee_id != me.id,
            Follow.followee_id.not_in(already),  # type: ignore[attr-defined]
            Follow.followee_id.not_in(  # type: ignore[attr-defined]
                select(Block.blocked_id).where(Block.blocker_id == me.id)
            ),
            Follow.followee_id.not_in(  # type: ignore[attr-defined]
                select(Block.blocker_id).where(Block.blocked_id == me.id)
            ),
        )
        .group_by(Follow.followee_id)
        .order_by(shared.desc(), Follow.followee_id)
        .limit(limit)
    ).all()
    if not rows:
        return []
    users = {
        u.id: u
        for u in session.exec(
            select(User).where(
                User.id.in_([r[0] for r in rows]),  # type: ignore[union-attr]
                User.deleted_at.is_(None),  # type: ignore[union-attr]
                User.suspended_at.is_(None),  # type: ignore[union-attr]
            )
        )
    }
    return [(profiles.to_public(users[uid], locale), n) for uid, n in rows if uid in users]


def erase_for_deleted_account(*, session: Session, user_id: int) -> None:
    """Account deletion: remove the person's follows both ways and fix everyone's counts."""
    followed = list(session.exec(select(Follow.followee_id).where(Follow.follower_id == user_id)))
    followers_ = list(session.exec(select(Follow.follower_id).where(Follow.followee_id == user_id)))
    if followed:
        session.exec(
            update(User).where(User.id.in_(followed)).values(follower_count=User.follower_count - 1)  # type: ignore[union-attr]
        )
    if followers_:
        session.exec(
            update(User)
            .where(User.id.in_(followers_))
            .values(following_count=User.following_count - 1)  # type: ignore[union-attr]
        )
    session.exec(
        delete(Follow).where((Follow.follower_id == user_id) | (Follow.followee_id == user_id))
    )  # type: ignore[arg-type]
    session.exec(update(User).where(User.id == user_id).values(follower_count=0, following_count=0))
