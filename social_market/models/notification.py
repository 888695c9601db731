"""Notifications: what happened that concerns someone (a new follower, a comment, a
like, a mention, an order moving on, a followed maker's special offer, a review of my
shop or a reply to my review)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from social_market.models.base import utcnow

# Kinds, each one switchable in the notification settings.
N_FOLLOW = "follow"
N_COMMENT = "comment"
N_REPLY = "reply"
N_LIKE = "like"
N_MENTION = "mention"
N_ORDER = "order"
N_OFFER = "offer"
N_REVIEW = "review"
# Buyer power and community (issue 9): my wishes and pledges, my group orders, my teams
# (join requests, replies to my threads), my lists (followed, saved), points earned.
N_WISH = "wish"
N_GROUP = "group"
N_TEAM = "team"
N_LIST = "list"
N_REWARD = "reward"
KINDS = (
    N_FOLLOW,
    N_COMMENT,
    N_REPLY,
    N_LIKE,
    N_MENTION,
    N_ORDER,
    N_OFFER,
    N_REVIEW,
    N_WISH,
    N_GROUP,
    N_TEAM,
    N_LIST,
    N_REWARD,
)

_UNREAD = text("read_at IS NULL")
_TO_EMAIL = text("read_at IS NULL AND emailed_at IS NULL")
_ONCE = text("subject_key <> ''")


class Notification(SQLModel, table=True):
    __tablename__ = "notification"
    __table_args__ = (
        # A person's notifications, newest first (the id is the keyset cursor).
        Index("ix_notification_user_id_id", "user_id", "id"),
        # The unread badge counts only these rows.
        Index(
            "ix_notification_unread",
            "user_id",
            "id",
            sqlite_where=_UNREAD,
            postgresql_where=_UNREAD,
        ),
        # Told once: the same actor tells the same person about the same thing once
        # (liking, unliking and liking again; concurrent clicks).
        Index(
            "uq_notification_user_id_subject_key_actor_id",
            "user_id",
            "subject_key",
            "actor_id",
            unique=True,
            sqlite_where=_ONCE,
            postgresql_where=_ONCE,
        ),
        # The daily digest walks the unread, not yet emailed rows.
        Index("ix_notification_to_email", "id", sqlite_where=_TO_EMAIL, postgresql_where=_TO_EMAIL),
        Index("ix_notification_actor_id", "actor_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id")  # who is told
    kind: str = Field(max_length=12)
    # A finer variant inside the kind: what was liked, which order step.
    detail: str = Field(default="", max_length=20)
    actor_id: int | None = Field(default=None, foreign_key="user_account.id")
    # Where the notification leads, and a short quote (plain text, shown as text).
    link: str = Field(max_length=300)
    snippet: str = Field(default="", max_length=200)
    subject_key: str = Field(default="", max_length=60)
    created_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = None
    emailed_at: datetime | None = None


class NotificationOff(SQLModel, table=True):
    """A kind of notification the person turned off (every kind is on by default)."""

    __tablename__ = "notification_off"

    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    kind: str = Field(max_length=12, primary_key=True)
