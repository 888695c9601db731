"""Follower offers: a time-limited flash sale of one listing by its maker, at a price,
for a number of pieces, visible to the shop's followers only or to everyone.

The offer's pieces leave the listing's free stock when it is published and what is
left goes back when it ends, sells out or is cancelled (``settled_at``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, text
from sqlmodel import Field, SQLModel

from social_market.models.base import utcnow

_UNSETTLED = text("settled_at IS NULL")


class FlashOffer(SQLModel, table=True):
    __tablename__ = "flash_offer"
    __table_args__ = (
        Index("ix_flash_offer_shop_id_ends_at", "shop_id", "ends_at"),
        Index("ix_flash_offer_listing_id_ends_at", "listing_id", "ends_at"),
        # Offers whose leftover stock is still out of the listing (the settling job).
        Index(
            "ix_flash_offer_unsettled_ends_at",
            "ends_at",
            sqlite_where=_UNSETTLED,
            postgresql_where=_UNSETTLED,
        ),
        CheckConstraint("remaining >= 0", name="remaining_not_negative"),
        CheckConstraint("remaining <= quantity", name="remaining_at_most_quantity"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("price_cents > 0", name="price_positive"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shop.id")
    listing_id: int = Field(foreign_key="listing.id")
    # The offer post that announces it in followers' feeds.
    post_id: int | None = Field(default=None, foreign_key="post.id")
    price_cents: int
    currency: str = Field(default="EUR", max_length=3)
    quantity: int
    remaining: int
    # Pieces one buyer may take (None: no limit beyond what is left).
    per_buyer: int | None = None
    # 1 followers only, 2 everyone (models.social audiences).
    audience: int = 1
    starts_at: datetime
    ends_at: datetime
    created_at: datetime = Field(default_factory=utcnow)
    cancelled_at: datetime | None = None
    # Leftover pieces returned to the listing (after the end, sell-out or cancelling).
    settled_at: datetime | None = None


class FlashOfferPurchase(SQLModel, table=True):
    __tablename__ = "flash_offer_purchase"
    __table_args__ = (Index("ix_flash_offer_purchase_offer_id_buyer_id", "offer_id", "buyer_id"),)

    id: int | None = Field(default=None, primary_key=True)
    offer_id: int = Field(foreign_key="flash_offer.id")
    buyer_id: int = Field(foreign_key="user_account.id")
    order_id: int = Field(foreign_key="shop_order.id")
    quantity: int
    created_at: datetime = Field(default_factory=utcnow)
