"""Conversations between people: direct (two people, maybe about a listing or an
order) and groups (up to 20, named, run by their creator)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Index, Text, text
from sqlmodel import Field, SQLModel

from social_market.models.base import utcnow

DIRECT, GROUP = "direct", "group"
_UNREAD = text("last_message_id > last_read_id")
MAX_GROUP = 20


class Conversation(SQLModel, table=True):
    __tablename__ = "conversation"
    __table_args__ = (CheckConstraint("kind IN ('direct', 'group')", name="kind_known"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(default=DIRECT, max_length=6)
    title: str = Field(default="", max_length=80)  # groups only
    # What it is about, shown as a card: '' (just talking), 'listing' or 'order'.
    subject_kind: str = Field(default="", max_length=8)
    subject_id: int | None = None
    # One direct conversation per pair and subject: "<low id>:<high id>:<kind>:<id>".
    pair_key: str | None = Field(default=None, max_length=60, unique=True)
    created_by: int = Field(foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow)
    last_message_id: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Closed by moderators after a report: the history stays, nobody can send.
    closed_at: datetime | None = None


class ConversationMember(SQLModel, table=True):
    """A person in a conversation. ``last_message_id`` copies the conversation's (kept by
    the same transaction that adds a message) so a person's inbox is one index range."""

    __tablename__ = "conversation_member"
    __table_args__ = (
        Index(
            "ix_conversation_member_user_id_archived_last_message_id",
            "user_id",
            "archived",
            "last_message_id",
        ),
        # Memberships with unread messages (few at any time): the email job reads these.
        Index(
            "ix_conversation_member_unread",
            "user_id",
            sqlite_where=_UNREAD,
            postgresql_where=_UNREAD,
        ),
    )

    conversation_id: int = Field(foreign_key="conversation.id", primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    joined_at: datetime = Field(default_factory=utcnow)
    left_at: datetime | None = None  # left, or removed by the group's creator
    archived: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    last_message_id: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    last_read_id: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Messages from others after the read mark (kept by the writes that change it).
    unread_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Unread messages up to this id were already announced by email.
    emailed_up_to: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Message(SQLModel, table=True):
    __tablename__ = "message"
    __table_args__ = (Index("ix_message_conversation_id_id", "conversation_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id")
    sender_id: int = Field(foreign_key="user_account.id")
    body: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    image_key: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    # Hidden by a moderator after a report: only its sender still sees it.
    hidden_at: datetime | None = None
