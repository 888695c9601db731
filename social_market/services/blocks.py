"""Blocking people. A block works both ways for contact: neither can follow the other,
and the blocked person can't buy from the blocker's shop. Blocks are private: the
blocked person is never told, and refusals don't say why."""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import Session, select

from social_market.models import Block, Follow, ProfilePublic, User
from social_market.services import follows, profiles, recommendations
from social_market.services.accounts import require_user
from social_market.services.errors import InvalidInput


def is_blocked_between(session: Session, a: int | None, b: int | None) -> bool:
    """True when either of the two has blocked the other."""
    if a is None or b is None:
        return False
    return (
        session.exec(
            select(Block.blocker_id).where(
                ((Block.blocker_id == a) & (Block.blocked_id == b))
                | ((Block.blocker_id == b) & (Block.blocked_id == a))
            )
        ).first()
        is not None
    )


def has_blocked(session: Session, blocker_id: int | None, blocked_id: int | None) -> bool:
    if blocker_id is None or blocked_id is None:
        return False
    return session.get(Block, (blocker_id, blocked_id)) is not None


def block(*, session: Session, actor_id: object, handle: object) -> bool:
    """Block someone (idempotent): follows between the two end."""
    me = require_user(session, actor_id)
    them = follows.find_person(session, handle)
    if them.id == me.id:
        raise InvalidInput("You can't block yourself.")
    if has_blocked(session, me.id, them.id):
        return True
    session.add(Block(blocker_id=me.id, blocked_id=them.id))  # type: ignore[arg-type]
    session.flush()
    for person in (me, them):
        recommendations.mark_dirty(session, person.id)  # type: ignore[arg-type]
    for follower, followee in ((me, them), (them, me)):
        if session.get(Follow, (follower.id, followee.id)) is not None:
            follows.drop_follow(session, follower.id, followee.id)  # type: ignore[arg-type]
    return True


def unblock(*, session: Session, actor_id: object, handle: object) -> bool:
    me = require_user(session, actor_id)
    them = follows.find_person(session, handle)
    session.exec(delete(Block).where(Block.blocker_id == me.id, Block.blocked_id == them.id))  # type: ignore[arg-type]
    for person in (me, them):
        recommendations.mark_dirty(session, person.id)  # type: ignore[arg-type]
    return False


def blocked_people(
    *, session: Session, actor_id: object, locale: str | None = None
) -> list[ProfilePublic]:
    me = require_user(session, actor_id)
    rows = session.exec(
        select(User)
        .join(Block, Block.blocked_id == User.id)
        .where(Block.blocker_id == me.id)
        .order_by(Block.created_at.desc())  # type: ignore[attr-defined]
        .limit(500)
    ).all()
    return [profiles.to_public(u, locale) for u in rows]


def erase_for_deleted_account(*, session: Session, user_id: int) -> None:
    session.exec(delete(Block).where((Block.blocker_id == user_id) | (Block.blocked_id == user_id)))  # type: ignore[arg-type]
