"""Rewards: points for contributions others value, kept in an append-only ledger;
spent on vouchers that makers choose to offer; invitations that bring new buyers."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from social_market.models.base import utcnow

# Why points moved.
R_HELPFUL = "helpful"  # a review marked helpful by someone else
R_SHARE_SALE = "share_sale"  # a shared purchase led someone to buy
R_LIST_SALE = "list_sale"  # a curated list led someone to buy
R_WISH_ACCEPTED = "wish_made"  # the maker accepted one's wish
R_INVITE = "invite"  # an invited friend made a first purchase
R_VOUCHER = "voucher"  # spent on a voucher (negative)
R_REVERSAL = "reversal"  # an award taken back (e.g. the order was cancelled)


class PointEntry(SQLModel, table=True):
    """One line of a person's points ledger. Never updated; corrections are new lines."""

    __tablename__ = "point_entry"
    __table_args__ = (
        Index("ix_point_entry_user_id_id", "user_id", "id"),
        # Daily caps: a person's awards of one reason on one day.
        Index("ix_point_entry_user_id_day_reason", "user_id", "day", "reason"),
        # One award per reason, source and giver (idempotent hooks).
        UniqueConstraint("user_id", "reason", "source_kind", "source_id", "from_user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id")
    points: int
    reason: str = Field(max_length=12)
    # What earned it: e.g. ('review', 12), ('order_line', 40), ('voucher', 3).
    source_kind: str = Field(default="", max_length=12)
    source_id: int = 0
    # Whose action gave it (the helpful voter, the buyer); 0 for spending.
    from_user_id: int = 0
    day: date
    created_at: datetime = Field(default_factory=utcnow)


class RewardVoucher(SQLModel, table=True):
    """A reward a maker offers for points: a percentage off one order from the shop."""

    __tablename__ = "reward_voucher"
    __table_args__ = (
        Index("ix_reward_voucher_shop_id_id", "shop_id", "id"),
        CheckConstraint("cost_points > 0", name="cost_positive"),
        CheckConstraint("percent_off BETWEEN 1 AND 50", name="percent_off_range"),
        CheckConstraint("remaining >= 0", name="remaining_not_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shop.id")
    title: str = Field(max_length=80)
    cost_points: int
    percent_off: int
    remaining: int
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class VoucherClaim(SQLModel, table=True):
    """A voucher someone bought with points; used on one order from the shop."""

    __tablename__ = "voucher_claim"
    __table_args__ = (Index("ix_voucher_claim_user_id_id", "user_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    voucher_id: int = Field(foreign_key="reward_voucher.id")
    user_id: int = Field(foreign_key="user_account.id")
    shop_id: int = Field(foreign_key="shop.id")
    percent_off: int
    code: str = Field(max_length=20, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    used_at: datetime | None = None
    order_id: int | None = Field(default=None, foreign_key="shop_order.id")


class Invitation(SQLModel, table=True):
    __tablename__ = "invitation"
    __table_args__ = (Index("ix_invitation_inviter_id", "inviter_id"),)

    id: int | None = Field(default=None, primary_key=True)
    inviter_id: int = Field(foreign_key="user_account.id")
    code: str = Field(max_length=24, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    # Who signed up with it (one person per invitation).
    invitee_id: int | None = Field(default=None, foreign_key="user_account.id", unique=True)
    accepted_at: datetime | None = None
    rewarded_at: datetime | None = None


# Levels by points earned (never lowered by spending).
LEVELS = ((0, "newcomer"), (50, "contributor"), (200, "trusted"), (1000, "pillar"))


def level_for(earned: int) -> str:
    name = LEVELS[0][1]
    for threshold, level in LEVELS:
        if earned >= threshold:
            name = level
    return name
