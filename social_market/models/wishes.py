"""Wishes: buyers propose what a maker should make next, vote on them and pledge to buy.

open → accepted (a draft listing is made from it) → made (the listing is published,
pledgers get a reserved purchase) / declined (with the maker's reason).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Index, Text
from sqlmodel import Field, SQLModel

from social_market.models.base import utcnow

W_OPEN, W_ACCEPTED, W_MADE, W_DECLINED = "open", "accepted", "made", "declined"
WISH_STATES = (W_OPEN, W_ACCEPTED, W_MADE, W_DECLINED)


class Wish(SQLModel, table=True):
    __tablename__ = "wish"
    __table_args__ = (
        # A shop's wishes by state: most voted, most pledged, newest (ids grow with time).
        Index("ix_wish_shop_id_state_vote_count_id", "shop_id", "state", "vote_count", "id"),
        Index("ix_wish_shop_id_state_pledged_cents_id", "shop_id", "state", "pledged_cents", "id"),
        Index("ix_wish_shop_id_id", "shop_id", "id"),
        Index("ix_wish_author_id_id", "author_id", "id"),
        Index("ix_wish_listing_id", "listing_id"),
        CheckConstraint("vote_count >= 0", name="vote_count_not_negative"),
        CheckConstraint("pledge_count >= 0", name="pledge_count_not_negative"),
        CheckConstraint("pledged_cents >= 0", name="pledged_not_negative"),
        CheckConstraint("price_cents IS NULL OR price_cents > 0", name="price_positive"),
    )

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shop.id")
    author_id: int = Field(foreign_key="user_account.id")
    title: str = Field(max_length=140)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # A reference photo (wishes/<key>_<size>.webp).
    photo_key: str | None = Field(default=None, max_length=64)
    # What the author would pay, in the shop's currency.
    price_cents: int | None = None
    currency: str = Field(default="EUR", max_length=3)
    state: str = Field(default=W_OPEN, max_length=10)
    vote_count: int = 0
    pledge_count: int = 0
    # Sum of quantity × price over the pledges: "pledged value".
    pledged_cents: int = 0
    pledged_quantity: int = 0
    # The maker's answer (or reason for declining), shown on the wish.
    answer: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    answered_at: datetime | None = None
    # The draft listing made from it on accepting (published: "made").
    listing_id: int | None = Field(default=None, foreign_key="listing.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    accepted_at: datetime | None = None
    made_at: datetime | None = None
    # Hidden by moderators after a report.
    hidden_at: datetime | None = None


class WishVote(SQLModel, table=True):
    __tablename__ = "wish_vote"
    __table_args__ = (Index("ix_wish_vote_user_id", "user_id"),)

    wish_id: int = Field(foreign_key="wish.id", primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)


class WishPledge(SQLModel, table=True):
    """A promise to buy ``quantity`` pieces at up to ``price_cents`` each if it is made."""

    __tablename__ = "wish_pledge"
    __table_args__ = (
        Index("ix_wish_pledge_user_id", "user_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("price_cents > 0", name="price_positive"),
    )

    wish_id: int = Field(foreign_key="wish.id", primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    quantity: int = 1
    price_cents: int
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # The reserved purchase given when the wish was made.
    hold_id: int | None = Field(default=None, foreign_key="stock_hold.id")
