"""Posts, comments and messages can be reported to moderators (services/reports.py
adapters)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, select

from social_market.i18n.catalog import N_
from social_market.models import Comment, ConversationMember, Message, Post, Shop, utcnow
from social_market.models.social import ON_POST, ON_SHARE
from social_market.services import comments, reports
from social_market.services.errors import NotFound


def _comment_url(c: Comment) -> str:
    prefix = {ON_POST: "/post/", ON_SHARE: "/shared/"}.get(c.subject_kind)
    return f"{prefix}{c.subject_id}" if prefix else ""


class PostTarget(reports.TargetAdapter):
    label = N_("Post")

    def load(self, session: Session, ids: Sequence[int]) -> dict[int, reports.TargetInfo]:
        rows = session.exec(
            select(Post, Shop).join(Shop, Shop.id == Post.shop_id).where(Post.id.in_(list(ids)))  # type: ignore[union-attr]
        ).all()
        return {
            post.id: reports.TargetInfo(  # type: ignore[misc]
                owner_id=shop.owner_id,
                preview=reports.short(f"{shop.name}: {post.body}"),
                url=f"/post/{post.id}",
                hidden=post.hidden_at is not None,
                visible=post.deleted_at is None and post.hidden_at is None and not shop.closed_at,
            )
            for post, shop in rows
        }

    def visible_to(self, session: Session, target_id: int, viewer_id: int):
        try:
            comments.subject(session, viewer_id, ON_POST, target_id)
        except NotFound:
            return None
        return self.load(session, [target_id]).get(target_id)

    def _set(self, session: Session, target_id: int, hidden: bool) -> None:
        post = session.get(Post, target_id)
        if post is None or post.deleted_at is not None:
            raise NotFound("We couldn't find that.")
        post.hidden_at = (post.hidden_at or utcnow()) if hidden else None
        session.add(post)

    def hide(self, session: Session, target_id: int) -> None:
        self._set(session, target_id, True)

    def unhide(self, session: Session, target_id: int) -> None:
        self._set(session, target_id, False)


class CommentTarget(reports.TargetAdapter):
    """Hiding a comment works like its owner hiding it: only its author still sees it."""

    label = N_("Comment")

    def load(self, session: Session, ids: Sequence[int]) -> dict[int, reports.TargetInfo]:
        rows = session.exec(select(Comment).where(Comment.id.in_(list(ids)))).all()  # type: ignore[union-attr]
        return {
            c.id: reports.TargetInfo(  # type: ignore[misc]
                owner_id=c.author_id,
                preview=reports.short(c.body),
                url=_comment_url(c),
                hidden=c.hidden_at is not None,
                visible=c.deleted_at is None and c.hidden_at is None,
            )
            for c in rows
        }

    def visible_to(self, session: Session, target_id: int, viewer_id: int):
        comment = session.get(Comment, target_id)
        if comment is None:
            return None
        try:
            comments.subject(session, viewer_id, comment.subject_kind, comment.subject_id)
        except NotFound:
            return None
        return self.load(session, [target_id]).get(target_id)

    def _set(self, session: Session, target_id: int, hidden: bool) -> None:
        comment = session.get(Comment, target_id)
        if comment is None or comment.deleted_at is not None:
            raise NotFound("We couldn't find that.")
        comment.hidden_at = (comment.hidden_at or utcnow()) if hidden else None
        session.add(comment)

    def hide(self, session: Session, target_id: int) -> None:
        self._set(session, target_id, True)

    def unhide(self, session: Session, target_id: int) -> None:
        self._set(session, target_id, False)


reports.register_target("post", PostTarget())
reports.register_target("comment", CommentTarget())


class MessageTarget(reports.TargetAdapter):
    """A message someone received. Moderators see its text in the queue (they can't
    open the conversation); hidden, only its sender still sees it."""

    label = N_("Message")

    def load(self, session: Session, ids: Sequence[int]) -> dict[int, reports.TargetInfo]:
        rows = session.exec(select(Message).where(Message.id.in_(list(ids)))).all()  # type: ignore[union-attr]
        return {
            m.id: reports.TargetInfo(  # type: ignore[misc]
                owner_id=m.sender_id,
                preview=reports.short(m.body),
                url="",
                hidden=m.hidden_at is not None,
                visible=m.hidden_at is None,
            )
            for m in rows
        }

    def visible_to(self, session: Session, target_id: int, viewer_id: int):
        message = session.get(Message, target_id)
        if message is None:
            return None
        member = session.get(ConversationMember, (message.conversation_id, viewer_id))
        if member is None or member.left_at is not None:
            return None
        return self.load(session, [target_id]).get(target_id)

    def _set(self, session: Session, target_id: int, hidden: bool) -> None:
        message = session.get(Message, target_id)
        if message is None:
            raise NotFound("We couldn't find that.")
        message.hidden_at = (message.hidden_at or utcnow()) if hidden else None
        session.add(message)

    def hide(self, session: Session, target_id: int) -> None:
        self._set(session, target_id, True)

    def unhide(self, session: Session, target_id: int) -> None:
        self._set(session, target_id, False)


reports.register_target("message", MessageTarget())
