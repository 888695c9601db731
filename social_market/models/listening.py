"""The maker's listening inbox: everything people say about a shop in one place
(questions in messages, comments, mentions, reviews, wishes, forum threads linking its
listings), each with an answered state. Rows are written by the services where the
words are written, in the same transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from social_market.models.base import utcnow

L_MESSAGE, L_COMMENT, L_MENTION, L_REVIEW, L_WISH, L_THREAD = (
    "message",
    "comment",
    "mention",
    "review",
    "wish",
    "thread",
)
LISTENING_KINDS = (L_MESSAGE, L_COMMENT, L_MENTION, L_REVIEW, L_WISH, L_THREAD)


class ListeningItem(SQLModel, table=True):
    __tablename__ = "listening_item"
    __table_args__ = (
        # Unanswered first, newest first, optionally of one kind: index ranges only.
        Index("ix_listening_item_shop_id_answered_id", "shop_id", "answered", "id"),
        Index("ix_listening_item_shop_id_kind_answered_id", "shop_id", "kind", "answered", "id"),
        # One row per thing said (a later message in the same conversation updates it).
        UniqueConstraint("shop_id", "kind", "subject_kind", "subject_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shop.id")
    kind: str = Field(max_length=8)
    # What it is: ('conversation', id), ('comment', id), ('review', id), ('wish', id), …
    subject_kind: str = Field(max_length=12)
    subject_id: int
    author_id: int = Field(foreign_key="user_account.id")
    snippet: str = Field(default="", max_length=200)
    link: str = Field(default="", max_length=200)
    answered: bool = False
    answered_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
