"""Posts, comments and messages can be reported to moderators (services/reports.py
adapters)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from sqlmodel import Session, select

from social_market.i18n.catalog import N_
from social_market.models import (
    Comment,
    Conversation,
    ConversationMember,
    Listing,
    Message,
    Post,
    Report,
    Review,
    Shop,
    User,
    Wish,
    utcnow,
)
from social_market.models.messaging import DIRECT
from social_market.models.social import ON_POST, ON_SHARE
from social_market.services import comments, messaging, reports, reviews, wishes
from social_market.services.errors import NotFound
from social_market.services.ids import id_in
from social_market.urls import listing_url


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


class ConversationTarget(reports.TargetAdapter):
    """A whole conversation, reported by one of its members. Moderators see who is in
    it and its newest messages (reporting shares them); hiding closes it: the history
    stays, nobody can send. The account answered for is the other person of a direct
    conversation (the first reporter's counterpart); a group has none."""

    label = N_("Conversation")

    def load(self, session: Session, ids: Sequence[int]) -> dict[int, reports.TargetInfo]:
        wanted = list(ids)
        conversations = {
            c.id: c
            for c in session.exec(
                select(Conversation).where(id_in(session, Conversation.id, wanted))
            )  # type: ignore[arg-type]
        }
        if not conversations:
            return {}
        members: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for cid, uid, handle in session.exec(
            select(ConversationMember.conversation_id, User.id, User.handle)
            .join(User, User.id == ConversationMember.user_id)  # type: ignore[arg-type]
            .where(
                id_in(session, ConversationMember.conversation_id, list(conversations)),  # type: ignore[arg-type]
                ConversationMember.left_at.is_(None),  # type: ignore[union-attr]
            )
            .order_by(ConversationMember.conversation_id, ConversationMember.joined_at)
        ):
            members[cid].append((uid, handle))
        first_reporter: dict[int, int] = {}
        for tid, reporter in session.exec(
            select(Report.target_id, Report.reporter_id)
            .where(
                Report.target_kind == "conversation",
                id_in(session, Report.target_id, list(conversations)),  # type: ignore[arg-type]
            )
            .order_by(Report.id)  # type: ignore[arg-type]
        ):
            first_reporter.setdefault(tid, reporter)
        recent = messaging.recent_messages(session, list(conversations))
        infos = {}
        for cid, c in conversations.items():
            handles = dict(members.get(cid, []))
            said = " · ".join(
                f"@{handles.get(sender, '?')}: {body}" for sender, body in recent.get(cid, [])
            )
            title = f"{c.title} — " if c.title else ""
            people = ", ".join(f"@{h}" for h in handles.values())
            owner = None
            if c.kind == DIRECT:
                others = [u for u in handles if u != first_reporter.get(cid)]
                owner = others[0] if len(others) == 1 else None
            infos[cid] = reports.TargetInfo(
                owner_id=owner,
                preview=reports.short(f"{title}{people} | {said}"),
                url="",
                hidden=c.closed_at is not None,
                visible=c.closed_at is None,
            )
        return infos  # type: ignore[return-value]

    def visible_to(self, session: Session, target_id: int, viewer_id: int):
        member = session.get(ConversationMember, (target_id, viewer_id))
        if member is None or member.left_at is not None:
            return None
        info = self.load(session, [target_id]).get(target_id)
        if info is None:
            return None
        conversation = session.get(Conversation, target_id)
        others = [
            u
            for u in session.exec(
                select(ConversationMember.user_id).where(
                    ConversationMember.conversation_id == target_id,
                    ConversationMember.left_at.is_(None),  # type: ignore[union-attr]
                    ConversationMember.user_id != viewer_id,
                )
            )
        ]
        owner = others[0] if conversation and conversation.kind == DIRECT and others else None
        return replace(info, owner_id=owner)

    def hide(self, session: Session, target_id: int) -> None:
        messaging.set_closed(session, target_id, True)

    def unhide(self, session: Session, target_id: int) -> None:
        messaging.set_closed(session, target_id, False)


reports.register_target("conversation", ConversationTarget())


class ReviewTarget(reports.TargetAdapter):
    """A review; hidden, it leaves every list and the rating totals."""

    label = N_("Review")

    def load(self, session: Session, ids: Sequence[int]) -> dict[int, reports.TargetInfo]:
        rows = session.exec(
            select(Review, Listing.slug)
            .join(Listing, Listing.id == Review.listing_id)  # type: ignore[arg-type]
            .where(id_in(session, Review.id, list(ids)))  # type: ignore[arg-type]
        ).all()
        return {
            r.id: reports.TargetInfo(  # type: ignore[misc]
                owner_id=r.author_id,
                preview=reports.short(f"{'★' * r.rating} {r.body}"),
                url=f"{listing_url(r.listing_id, slug)}#review-{r.id}",
                hidden=r.hidden_at is not None,
                visible=r.hidden_at is None,
            )
            for r, slug in rows
        }

    def hide(self, session: Session, target_id: int) -> None:
        reviews.set_hidden(session, target_id, True)

    def unhide(self, session: Session, target_id: int) -> None:
        reviews.set_hidden(session, target_id, False)


reports.register_target("review", ReviewTarget())


class WishTarget(reports.TargetAdapter):
    """A wish on a shop; hidden, it leaves the shop's wishes and its page."""

    label = N_("Wish")

    def load(self, session: Session, ids: Sequence[int]) -> dict[int, reports.TargetInfo]:
        rows = session.exec(
            select(Wish, Shop)
            .join(Shop, Shop.id == Wish.shop_id)  # type: ignore[arg-type]
            .where(id_in(session, Wish.id, list(ids)))  # type: ignore[arg-type]
        ).all()
        return {
            w.id: reports.TargetInfo(  # type: ignore[misc]
                owner_id=w.author_id,
                preview=reports.short(f"{shop.name}: {w.title}. {w.description}"),
                url=f"/wish/{w.id}",
                hidden=w.hidden_at is not None,
                visible=w.hidden_at is None and shop.closed_at is None and shop.hidden_at is None,
            )
            for w, shop in rows
        }

    def hide(self, session: Session, target_id: int) -> None:
        wishes.set_hidden(session, target_id, True)

    def unhide(self, session: Session, target_id: int) -> None:
        wishes.set_hidden(session, target_id, False)


reports.register_target("wish", WishTarget())


class ForumPostTarget(reports.TargetAdapter):
    """A post in a team's forum. Only people who can read it (members, for a private
    team) can report it; hidden, only its author and the team's moderators see it."""

    label = N_("Forum post")

    def load(self, session: Session, ids: Sequence[int]) -> dict[int, reports.TargetInfo]:
        from social_market.models import ForumPost, ForumThread, Team

        rows = session.exec(
            select(ForumPost, ForumThread.title, Team.slug)
            .join(ForumThread, ForumThread.id == ForumPost.thread_id)  # type: ignore[arg-type]
            .join(Team, Team.id == ForumThread.team_id)  # type: ignore[arg-type]
            .where(id_in(session, ForumPost.id, list(ids)))  # type: ignore[arg-type]
        ).all()
        return {
            p.id: reports.TargetInfo(  # type: ignore[misc]
                owner_id=p.author_id,
                preview=reports.short(f"{title}: {p.body}"),
                url=f"/team/{slug}/thread/{p.thread_id}#post-{p.id}",
                hidden=p.hidden_at is not None,
                visible=p.deleted_at is None and p.hidden_at is None,
            )
            for p, title, slug in rows
        }

    def visible_to(self, session: Session, target_id: int, viewer_id: int):
        from social_market.models import ForumPost
        from social_market.services import forums

        post = session.get(ForumPost, target_id)
        if post is None or not forums.can_read_thread(session, viewer_id, post.thread_id):
            return None
        info = self.load(session, [target_id]).get(target_id)
        return info if info is not None and info.visible else None

    def hide(self, session: Session, target_id: int) -> None:
        from social_market.services import forums

        forums.set_hidden_by_site(session, target_id, True)

    def unhide(self, session: Session, target_id: int) -> None:
        from social_market.services import forums

        forums.set_hidden_by_site(session, target_id, False)


reports.register_target("forum_post", ForumPostTarget())
