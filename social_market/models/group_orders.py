"""Group orders: buyers club together for one listing to reach a target quantity, with
the maker's tiered group prices (e.g. 10% off from 5 pieces).

open → reached (members check out their share at the reached tier) / expired (the
deadline passed first: nobody is charged) / cancelled (by its creator or the maker).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, text
from sqlmodel import Field, SQLModel

from social_market.models.base import utcnow

G_OPEN, G_REACHED, G_EXPIRED, G_CANCELLED = "open", "reached", "expired", "cancelled"
GROUP_STATES = (G_OPEN, G_REACHED, G_EXPIRED, G_CANCELLED)
_OPEN = text("state = 'open'")


class GroupPriceTier(SQLModel, table=True):
    """From ``min_quantity`` pieces in one group order, ``percent_off`` the price."""

    __tablename__ = "group_price_tier"
    __table_args__ = (
        CheckConstraint("min_quantity >= 2", name="min_quantity_at_least_two"),
        CheckConstraint("percent_off BETWEEN 1 AND 90", name="percent_off_range"),
    )

    listing_id: int = Field(foreign_key="listing.id", primary_key=True)
    min_quantity: int = Field(primary_key=True)
    percent_off: int


class GroupOrder(SQLModel, table=True):
    __tablename__ = "group_order"
    __table_args__ = (
        Index("ix_group_order_shop_id_state_id", "shop_id", "state", "id"),
        Index("ix_group_order_listing_id_state", "listing_id", "state"),
        Index("ix_group_order_creator_id_id", "creator_id", "id"),
        # Open group orders by deadline (the job that expires them).
        Index(
            "ix_group_order_open_deadline", "deadline", sqlite_where=_OPEN, postgresql_where=_OPEN
        ),
        CheckConstraint("target_quantity >= 2", name="target_at_least_two"),
        CheckConstraint("joined_quantity >= 0", name="joined_not_negative"),
        CheckConstraint("member_count >= 0", name="members_not_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shop.id")
    listing_id: int = Field(foreign_key="listing.id")
    # Started from a wish (its listing once made), if any.
    wish_id: int | None = Field(default=None, foreign_key="wish.id")
    creator_id: int = Field(foreign_key="user_account.id")
    note: str = Field(default="", max_length=500)
    target_quantity: int
    deadline: datetime
    state: str = Field(default=G_OPEN, max_length=10)
    joined_quantity: int = 0
    member_count: int = 0
    # The listing's price when it started, and the tier price once reached.
    unit_price_cents: int
    final_price_cents: int | None = None
    currency: str = Field(default="EUR", max_length=3)
    # The members' group conversation (subject_kind 'group').
    conversation_id: int | None = Field(default=None, foreign_key="conversation.id")
    created_at: datetime = Field(default_factory=utcnow)
    reached_at: datetime | None = None
    closed_at: datetime | None = None


class GroupOrderMember(SQLModel, table=True):
    __tablename__ = "group_order_member"
    __table_args__ = (
        Index("ix_group_order_member_user_id", "user_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    group_order_id: int = Field(foreign_key="group_order.id", primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    quantity: int
    joined_at: datetime = Field(default_factory=utcnow)
    # Their share: stock held from joining, payable once the target is reached.
    hold_id: int | None = Field(default=None, foreign_key="stock_hold.id")
