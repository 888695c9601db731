"""The social graph: people following and blocking people. (Following a shop is hearting
it: ``FavouriteShop``.)"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field, SQLModel

from social_market.models.base import utcnow


class Follow(SQLModel, table=True):
    __tablename__ = "follow"
    __table_args__ = (
        # "Who follows X", newest first; "who does X follow" uses the primary key's prefix.
        Index(
            "ix_follow_followee_id_created_at_follower_id",
            "followee_id",
            "created_at",
            "follower_id",
        ),
        Index(
            "ix_follow_follower_id_created_at_followee_id",
            "follower_id",
            "created_at",
            "followee_id",
        ),
        CheckConstraint("follower_id <> followee_id", name="not_self"),
    )

    follower_id: int = Field(foreign_key="user_account.id", primary_key=True)
    followee_id: int = Field(foreign_key="user_account.id", primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)


class Block(SQLModel, table=True):
    """``blocker`` never wants to hear from ``blocked``: no follows either way, no buying
    from the blocker's shop (and, as they arrive: no comments, messages or activity)."""

    __tablename__ = "block"
    __table_args__ = (
        Index("ix_block_blocked_id", "blocked_id"),
        CheckConstraint("blocker_id <> blocked_id", name="not_self"),
    )

    blocker_id: int = Field(foreign_key="user_account.id", primary_key=True)
    blocked_id: int = Field(foreign_key="user_account.id", primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)
