"""Likes on posts, shared purchases and comments: at most one per person and thing.

Counts change only by one atomic UPDATE, and only when a like row was really
inserted or deleted, so concurrent clicks never count twice.
"""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from social_market.models import Comment, Like, Post, SharedPurchase
from social_market.services import comments
from social_market.services.accounts import require_user
from social_market.services.blocks import is_blocked_between
from social_market.services.errors import NotAllowed, NotFound
from social_market.services.ids import as_id

LIKEABLE = ("post", "share", "comment")
_TABLES = {"post": Post, "share": SharedPurchase, "comment": Comment}


def _check(session: Session, me: int, kind: object, subject_id: object) -> tuple[str, int, int]:
    """(kind, id, owner id) of a thing the actor may see and like."""
    sid = as_id(subject_id)
    if kind not in LIKEABLE or sid is None:
        raise NotFound("We couldn't find that.")
    if kind == "comment":
        comment = session.get(Comment, sid)
        if comment is None or comment.deleted_at is not None:
            raise NotFound("We couldn't find that.")
        about = comments.subject(session, me, comment.subject_kind, comment.subject_id)
        if comment.hidden_at is not None and me not in (comment.author_id, about.owner_id):
            raise NotFound("We couldn't find that.")
        owner = comment.author_id
    else:
        owner = comments.subject(session, me, kind, sid).owner_id
    if owner != me and is_blocked_between(session, me, owner):
        raise NotAllowed("You can't like this.")
    return str(kind), sid, owner


def set_like(
    *, session: Session, actor_id: object, subject_kind: object, subject_id: object, on: object
) -> tuple[bool, int]:
    """Like (``on`` True) or unlike; idempotent. Returns (liked, like count)."""
    me = require_user(session, actor_id)
    kind, sid, owner = _check(session, me.id, subject_kind, subject_id)  # type: ignore[arg-type]
    table = _TABLES[kind]
    want = on is True
    changed = False
    if want:
        if session.get(Like, (me.id, kind, sid)) is None:
            try:
                with session.begin_nested():
                    session.add(Like(user_id=me.id, subject_kind=kind, subject_id=sid))  # type: ignore[arg-type]
                    session.flush()
                changed = True
            except IntegrityError:
                changed = False  # a concurrent click already liked it
        delta = 1
    else:
        result = session.exec(
            delete(Like).where(
                Like.user_id == me.id,  # type: ignore[arg-type]
                Like.subject_kind == kind,
                Like.subject_id == sid,
            )
        )
        changed = bool(result.rowcount)  # type: ignore[attr-defined]
        delta = -1
    if changed:
        session.exec(
            update(table)
            .where(table.id == sid)  # type: ignore[attr-defined]
            .values(like_count=table.like_count + delta)  # type: ignore[attr-defined]
        )
        if want:
            _tell(session, me.id, kind, sid, owner)  # type: ignore[arg-type]
    count = session.exec(select(table.like_count).where(table.id == sid)).one()  # type: ignore[attr-defined]
    return want, int(count)


def _tell(session: Session, me: int, kind: str, sid: int, owner: int) -> None:
    """Tell the owner once per person and thing (liking again after unliking is silent)."""
    from social_market.services import notifications

    if kind == "comment":
        comment = session.get(Comment, sid)
        about = comments.subject(session, me, comment.subject_kind, comment.subject_id)  # type: ignore[union-attr]
        link, snippet = f"{about.url}#comment-{sid}", comment.body  # type: ignore[union-attr]
    else:
        link, snippet = comments.subject(session, me, kind, sid).url, ""
    notifications.notify(
        session,
        user_id=owner,
        kind=notifications.N_LIKE,
        detail=kind,
        actor_id=me,
        link=link,
        snippet=snippet,
        subject_key=f"like:{kind}:{sid}",
    )


def erase_subject(session: Session, kind: str, subject_id: int) -> None:
    session.exec(delete(Like).where(Like.subject_kind == kind, Like.subject_id == subject_id))  # type: ignore[arg-type]


def erase_for_deleted_account(*, session: Session, user_id: int) -> None:
    """Take a deleted account's likes back, fixing every count they were in."""
    for kind, table in _TABLES.items():
        ids = list(
            session.exec(
                select(Like.subject_id).where(Like.user_id == user_id, Like.subject_kind == kind)
            )
        )
        if ids:
            session.exec(
                update(table)
                .where(table.id.in_(ids), table.like_count > 0)  # type: ignore[attr-defined]
                .values(like_count=table.like_count - 1)  # type: ignore[attr-defined]
            )
    session.exec(delete(Like).where(Like.user_id == user_id))  # type: ignore[arg-type]
