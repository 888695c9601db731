"""Curated lists: anyone's public or private selection of listings with a note per item
(like Etsy's Treasury); public lists can be followed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Index, Text
from sqlmodel import Field, SQLModel

from social_market.models.base import utcnow

MAX_ITEMS = 200


class CuratedList(SQLModel, table=True):
    __tablename__ = "curated_list"
    __table_args__ = (
        Index("ix_curated_list_owner_id_id", "owner_id", "id"),
        Index("ix_curated_list_public_follower_count_id", "public", "follower_count", "id"),
        CheckConstraint("item_count >= 0", name="item_count_not_negative"),
        CheckConstraint("follower_count >= 0", name="follower_count_not_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="user_account.id")
    title: str = Field(max_length=80)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    public: bool = True
    item_count: int = 0
    follower_count: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    hidden_at: datetime | None = None


class CuratedListItem(SQLModel, table=True):
    __tablename__ = "curated_list_item"
    __table_args__ = (
        Index("ix_curated_list_item_listing_id", "listing_id"),
        Index("ix_curated_list_item_list_id_position", "list_id", "position"),
    )

    list_id: int = Field(foreign_key="curated_list.id", primary_key=True)
    listing_id: int = Field(foreign_key="listing.id", primary_key=True)
    note: str = Field(default="", max_length=500)
    position: int = 0
    added_at: datetime = Field(default_factory=utcnow)


class ListFollow(SQLModel, table=True):
    __tablename__ = "list_follow"
    __table_args__ = (Index("ix_list_follow_user_id_created_at", "user_id", "created_at"),)

    list_id: int = Field(foreign_key="curated_list.id", primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)
