"""Comments on posts, shared purchases and listings, with replies one level deep.

Whoever may see the thing may read its comments; signed-in people may comment unless
the thing's owner blocked them (or they blocked the owner). Authors edit and delete
their own; the owner of the thing (the maker for posts and listings, the buyer for a
shared purchase) may hide comments, which then only their author and the owner see.
"""

from __future__ import annotations

from dataclasses import dataclass

from limits import parse
from pydantic import BaseModel
from sqlalchemy import update
from sqlmodel import Session, select

from social_market.i18n.catalog import N_
from social_market.i18n.format import format_ago
from social_market.models import (
    Block,
    Comment,
    Like,
    Listing,
    Post,
    SharedPurchase,
    Shop,
    User,
    utcnow,
)
from social_market.models.market import ACTIVE, SOLD_OUT
from social_market.models.social import ON_LISTING, ON_POST, ON_SHARE
from social_market.services import privacy, profiles, ratelimit
from social_market.services.accounts import require_user
from social_market.services.blocks import is_blocked_between
from social_market.services.errors import InvalidInput, NotAllowed, NotFound
from social_market.services.ids import as_id
from social_market.services.rich_text import Segment, segments
from social_market.services.text import clean_text
from social_market.urls import listing_url

COMMENTS_PER_HOUR = parse("60/hour")
MAX_BODY = 1000
PAGE = 50
SUBJECT_KINDS = (ON_POST, ON_SHARE, ON_LISTING)


@dataclass(frozen=True)
class Subject:
    kind: str
    id: int
    owner_id: int
    url: str
    counter: type | None  # the table whose comment_count/like_count follows


class CommentCard(BaseModel):
    id: int
    parent_id: int
    author_handle: str
    author_name: str
    author_avatar: str
    author_initials: str
    segments: list[Segment]
    body: str  # for editing (the author's own)
    when: str
    edited: bool
    hidden: bool
    like_count: int
    liked: bool
    mine: bool
    can_hide: bool


def _not_found() -> NotFound:
    return NotFound("We couldn't find that.")


def subject(session: Session, viewer_id: int | None, kind: object, subject_id: object) -> Subject:
    """What a comment or like is about, if the viewer may see it (else NotFound)."""
    sid = as_id(subject_id)
    if kind not in SUBJECT_KINDS or sid is None:
        raise _not_found()
    if kind == ON_POST:
        post = session.get(Post, sid)
        shop = session.get(Shop, post.shop_id) if post else None
        if post is None or post.deleted_at is not None or shop is None or shop.closed_at:
            raise _not_found()
        if (post.hidden_at or shop.hidden_at) and viewer_id != shop.owner_id:
            raise _not_found()
        level = privacy.shop_relation(session, viewer_id, shop.id or 0, shop.owner_id)
        if not privacy.can_see(post.audience, level):
            raise _not_found()
        return Subject(ON_POST, sid, shop.owner_id, f"/post/{sid}", Post)
    if kind == ON_SHARE:
        from social_market.services.shares import visible_share

        share = visible_share(session, viewer_id, sid)
        return Subject(ON_SHARE, sid, share.user_id, f"/shared/{sid}", SharedPurchase)
    listing = session.get(Listing, sid)
    shop = session.get(Shop, listing.shop_id) if listing else None
    if listing is None or listing.state not in (ACTIVE, SOLD_OUT) or shop is None:
        raise _not_found()
    if shop.closed_at is not None:
        raise _not_found()
    return Subject(ON_LISTING, sid, shop.owner_id, listing_url(sid, listing.slug), None)


def _check_not_blocked(session: Session, me: int, owner: int) -> None:
    if me != owner and is_blocked_between(session, me, owner):
        raise NotAllowed("You can't comment here.")


def add_comment(
    *,
    session: Session,
    actor_id: object,
    subject_kind: object,
    subject_id: object,
    body: object,
    parent_id: object = None,
) -> Comment:
    """Comment (or reply to a top-level comment) on something the actor can see."""
    me = require_user(session, actor_id)
    about = subject(session, me.id, subject_kind, subject_id)
    _check_not_blocked(session, me.id, about.owner_id)  # type: ignore[arg-type]
    text = clean_text(body, field="body", label=N_("Comment"), max_length=MAX_BODY, multiline=True)
    if not text:
        raise InvalidInput("Please write something.", field="body")
    parent = None
    if parent_id not in (None, "", 0):
        pid = as_id(parent_id)
        parent = session.get(Comment, pid) if pid else None
        if (
            parent is None
            or parent.deleted_at is not None
            or parent.subject_kind != about.kind
            or parent.subject_id != about.id
        ):
            raise NotFound("That comment is gone.")
        if parent.parent_id is not None:  # replies stay one level deep
            parent = session.get(Comment, parent.parent_id)
        if parent is not None and is_blocked_between(session, me.id, parent.author_id):  # type: ignore[arg-type]
            raise NotAllowed("You can't comment here.")
    ratelimit.hit(
        COMMENTS_PER_HOUR,
        "comment",
        str(me.id),
        message=N_("You have commented a lot in the last hour. Please wait a little."),
    )
    comment = Comment(
        subject_kind=about.kind,
        subject_id=about.id,
        parent_id=parent.id if parent else None,
        author_id=me.id,  # type: ignore[arg-type]
        body=text,
    )
    session.add(comment)
    session.flush()
    if about.counter is not None:
        session.exec(
            update(about.counter)
            .where(about.counter.id == about.id)  # type: ignore[attr-defined]
            .values(comment_count=about.counter.comment_count + 1)  # type: ignore[attr-defined]
        )
    _tell(session, me, about, parent, comment)
    _listen(session, comment.author_id, about, comment)
    return comment


def _tell(
    session: Session, me: User, about: Subject, parent: Comment | None, comment: Comment
) -> None:
    """Notify the owner of the thing, the author of the comment replied to, and the
    people @mentioned who may see the thing (each person once)."""
    from social_market.services import notifications

    link = f"{about.url}#comment-{comment.id}"
    told = {me.id}
    if parent is not None and parent.author_id not in told:
        notifications.notify(
            session,
            user_id=parent.author_id,
            kind=notifications.N_REPLY,
            actor_id=me.id,
            link=link,
            snippet=comment.body,
        )
        told.add(parent.author_id)
    if about.owner_id not in told:
        notifications.notify(
            session,
            user_id=about.owner_id,
            kind=notifications.N_COMMENT,
            detail=about.kind,
            actor_id=me.id,
            link=link,
            snippet=comment.body,
        )
        told.add(about.owner_id)

    can_see = _may_see(session, about)
    notifications.notify_mentions(
        session,
        actor_id=me.id,  # type: ignore[arg-type]
        body=comment.body,
        link=link,
        can_see=can_see,
        skip=told,  # type: ignore[arg-type]
    )


def _may_see(session: Session, about: Subject):
    def can_see(user_id: int) -> bool:
        try:
            subject(session, user_id, about.kind, about.id)
        except NotFound:
            return False
        return True

    return can_see


def _listen(session: Session, author_id: int, about: Subject, comment: Comment) -> None:
    """The listening inbox: a comment on a maker's post or listing reaches that maker, an
    @mention reaches the makers mentioned, and a maker replying in a thread has answered
    everything said in it so far."""
    from social_market.services import listening

    author_shop = listening.shop_of(session, author_id)
    if author_shop is not None and comment.parent_id is not None:
        thread = session.exec(
            select(Comment.id)
            .where((Comment.id == comment.parent_id) | (Comment.parent_id == comment.parent_id))
            .limit(1000)
        ).all()
        listening.mark_answered(session, author_shop, "comment", thread)
    link = f"{about.url}#comment-{comment.id}"
    written: list[int] = []
    if about.kind in (ON_POST, ON_LISTING) and about.owner_id != author_id:
        shop_id = listening.shop_of(session, about.owner_id)
        if shop_id is not None and listening.record(
            session,
            shop_id=shop_id,
            kind="comment",
            subject_kind="comment",
            subject_id=comment.id,  # type: ignore[arg-type]
            author_id=author_id,
            snippet=comment.body,
            link=link,
            owner_id=about.owner_id,
        ):
            written.append(shop_id)
    listening.record_mentions(
        session,
        author_id=author_id,
        body=comment.body,
        subject_kind="comment",
        subject_id=comment.id,  # type: ignore[arg-type]
        link=link,
        can_see=_may_see(session, about),
        skip_shops=written,
    )


def _own_comment(session: Session, me: int, comment_id: object) -> Comment:
    cid = as_id(comment_id)
    comment = session.get(Comment, cid) if cid else None
    if comment is None or comment.deleted_at is not None:
        raise NotFound("That comment is gone.")
    if comment.author_id != me:
        raise NotAllowed("This is not your comment.")
    return comment


def edit_comment(
    *, session: Session, actor_id: object, comment_id: object, body: object
) -> Comment:
    me = require_user(session, actor_id)
    comment = _own_comment(session, me.id, comment_id)  # type: ignore[arg-type]
    text = clean_text(body, field="body", label=N_("Comment"), max_length=MAX_BODY, multiline=True)
    if not text:
        raise InvalidInput("Please write something.", field="body")
    comment.body, comment.edited_at = text, utcnow()
    session.add(comment)
    return comment


def delete_comment(*, session: Session, actor_id: object, comment_id: object) -> None:
    """Delete my comment (its text is erased at once; replies to it stay)."""
    me = require_user(session, actor_id)
    comment = _own_comment(session, me.id, comment_id)  # type: ignore[arg-type]
    _soft_delete(session, comment)


def _soft_delete(session: Session, comment: Comment) -> None:
    from social_market.services import listening

    comment.deleted_at, comment.body = utcnow(), ""
    listening.forget(session, "comment", comment.id)  # type: ignore[arg-type]
    session.add(comment)
    counter = {ON_POST: Post, ON_SHARE: SharedPurchase}.get(comment.subject_kind)
    if counter is not None:
        session.exec(
            update(counter)
            .where(counter.id == comment.subject_id, counter.comment_count > 0)  # type: ignore[attr-defined]
            .values(comment_count=counter.comment_count - 1)  # type: ignore[attr-defined]
        )


def set_hidden(*, session: Session, actor_id: object, comment_id: object, hidden: object) -> bool:
    """The owner of what a comment is on hides (or shows again) that comment."""
    me = require_user(session, actor_id)
    cid = as_id(comment_id)
    comment = session.get(Comment, cid) if cid else None
    if comment is None or comment.deleted_at is not None or not isinstance(hidden, bool):
        raise NotFound("That comment is gone.")
    about = subject(session, me.id, comment.subject_kind, comment.subject_id)
    if about.owner_id != me.id:
        raise NotAllowed("Only the owner can hide comments here.")
    from social_market.services import listening

    was_hidden = comment.hidden_at is not None
    comment.hidden_at = utcnow() if hidden else None
    session.add(comment)
    if hidden:  # hidden from the inboxes too; shown again: heard again
        listening.forget(session, "comment", comment.id)  # type: ignore[arg-type]
    elif was_hidden:
        _listen(session, comment.author_id, about, comment)
    return hidden


def list_comments(
    *,
    session: Session,
    viewer_id: int | None,
    subject_kind: object,
    subject_id: object,
    locale: str | None = None,
) -> list[CommentCard]:
    """The comments the viewer may see, oldest first, each followed by its replies.

    Four queries whatever the number of comments. Hidden comments only reach their
    author and the owner; comments by people the viewer blocked are left out.
    """
    about = subject(session, viewer_id, subject_kind, subject_id)
    is_owner = viewer_id == about.owner_id
    rows = list(
        session.exec(
            select(Comment)
            .where(
                Comment.subject_kind == about.kind,
                Comment.subject_id == about.id,
            )
            .order_by(Comment.id)  # type: ignore[arg-type]
            .limit(1000)
        )
    )
    blocked: set[int] = set()
    if viewer_id is not None:
        blocked = set(session.exec(select(Block.blocked_id).where(Block.blocker_id == viewer_id)))
    authors = (
        {
            u.id: u
            for u in session.exec(
                select(User).where(
                    User.id.in_({c.author_id for c in rows}),  # type: ignore[union-attr]
                    User.deleted_at.is_(None),  # type: ignore[union-attr]
                    User.suspended_at.is_(None),  # type: ignore[union-attr]
                )
            )
        }
        if rows
        else {}
    )
    liked = (
        set(
            session.exec(
                select(Like.subject_id).where(
                    Like.user_id == viewer_id,
                    Like.subject_kind == "comment",
                    Like.subject_id.in_([c.id for c in rows]),  # type: ignore[attr-defined]
                )
            )
        )
        if viewer_id is not None and rows
        else set()
    )
    now = utcnow()

    def visible(c: Comment) -> bool:
        if c.deleted_at is not None or c.author_id not in authors or c.author_id in blocked:
            return False
        return c.hidden_at is None or is_owner or c.author_id == viewer_id

    def card(c: Comment) -> CommentCard:
        author = authors[c.author_id]
        name = author.display_name or author.handle
        return CommentCard(
            id=c.id or 0,
            parent_id=c.parent_id or 0,
            author_handle=author.handle,
            author_name=name,
            author_avatar=profiles.avatar_url(author.avatar_key),
            author_initials=profiles.initials(name),
            segments=segments(c.body),
            body=c.body if c.author_id == viewer_id else "",
            when=format_ago(c.created_at, now, locale),
            edited=c.edited_at is not None,
            hidden=c.hidden_at is not None,
            like_count=c.like_count,
            liked=c.id in liked,
            mine=c.author_id == viewer_id,
            can_hide=is_owner,
        )

    replies: dict[int, list[Comment]] = {}
    for c in rows:
        if c.parent_id is not None:
            replies.setdefault(c.parent_id, []).append(c)
    out: list[CommentCard] = []
    for c in rows:
        if c.parent_id is not None:
            continue
        kids = [r for r in replies.get(c.id or 0, []) if visible(r)]
        if visible(c):
            out.append(card(c))
        elif not kids:
            continue
        out.extend(card(r) for r in kids)
    return out[: PAGE * 4]


def erase_subject(session: Session, kind: str, subject_id: int) -> None:
    """The thing is gone: so are its comments."""
    from sqlalchemy import delete

    ids = list(
        session.exec(
            select(Comment.id).where(Comment.subject_kind == kind, Comment.subject_id == subject_id)
        )
    )
    if ids:
        from social_market.services import listening

        listening.forget(session, "comment", ids)  # type: ignore[arg-type]
        session.exec(delete(Like).where(Like.subject_kind == "comment", Like.subject_id.in_(ids)))  # type: ignore[attr-defined]
        session.exec(update(Comment).where(Comment.id.in_(ids)).values(parent_id=None))  # type: ignore[union-attr]
        session.exec(delete(Comment).where(Comment.id.in_(ids)))  # type: ignore[union-attr]


def erase_for_deleted_account(*, session: Session, user_id: int) -> None:
    """A deleted account's comments lose their text (threads keep their shape)."""
    for comment in session.exec(
        select(Comment).where(Comment.author_id == user_id, Comment.deleted_at.is_(None))  # type: ignore[union-attr]
    ):
        _soft_delete(session, comment)
