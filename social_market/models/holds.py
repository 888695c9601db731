"""Stock held for one person: a pledger's reserved purchase of a made wish, or a member's
share of a group order. The held pieces have left the listing's free stock (so nobody
else can buy them); the holder checks out at the held price until ``expires_at``, or the
pieces go back to the listing (services/holds.py: at the moment of use, and by a job).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, text
from sqlmodel import Field, SQLModel

from social_market.models.base import utcnow

# What the hold is for.
H_WISH, H_GROUP = "wish", "group"
# pending: not payable yet (a group order still gathering); ready: payable until
# expires_at; used: bought (order_id); released: expired or cancelled, stock returned.
PENDING, READY, USED, RELEASED = "pending", "ready", "used", "released"
_LIVE = text("state IN ('pending', 'ready')")


class StockHold(SQLModel, table=True):
    __tablename__ = "stock_hold"
    __table_args__ = (
        Index("ix_stock_hold_user_id_id", "user_id", "id"),
        Index("ix_stock_hold_source", "kind", "source_id"),
        # Live holds by listing (what is held of it) and by expiry (the cleanup job).
        Index(
            "ix_stock_hold_live_listing", "listing_id", sqlite_where=_LIVE, postgresql_where=_LIVE
        ),
        Index(
            "ix_stock_hold_live_expires", "expires_at", sqlite_where=_LIVE, postgresql_where=_LIVE
        ),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price_cents > 0", name="price_positive"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=6)
    # The wish or the group order it comes from.
    source_id: int
    listing_id: int = Field(foreign_key="listing.id")
    user_id: int = Field(foreign_key="user_account.id")
    quantity: int
    unit_price_cents: int
    currency: str = Field(default="EUR", max_length=3)
    # False for made-to-order listings: nothing is taken from stock.
    takes_stock: bool = True
    state: str = Field(default=PENDING, max_length=8)
    expires_at: datetime
    created_at: datetime = Field(default_factory=utcnow)
    used_at: datetime | None = None
    released_at: datetime | None = None
    order_id: int | None = Field(default=None, foreign_key="shop_order.id")
