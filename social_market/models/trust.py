"""Trust from people you know: verified-purchase reviews (one per order line), makers'
replies and "helpful" marks; and recommendations driven by people, computed by a job
and stored here (services/recommendations.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Index, Text
from sqlmodel import Field, SQLModel

from social_market.models.base import utcnow


class Review(SQLModel, table=True):
    """A buyer's review of one bought item (an order line). Only buyers can review, so
    every review is a verified purchase."""

    __tablename__ = "review"
    __table_args__ = (
        # A listing's reviews newest first; and "which of these people reviewed it"
        # (the network verdict probes (listing_id, author_id)).
        Index("ix_review_listing_id_id", "listing_id", "id"),
        # Covering (rating, hidden_at): the verdict's probes need no table row.
        Index("ix_review_listing_id_author_id", "listing_id", "author_id", "rating", "hidden_at"),
        Index("ix_review_shop_id_id", "shop_id", "id"),
        Index("ix_review_shop_id_author_id", "shop_id", "author_id", "rating", "hidden_at"),
        Index("ix_review_author_id_id", "author_id", "id"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_1_to_5"),
    )

    id: int | None = Field(default=None, primary_key=True)
    order_line_id: int = Field(foreign_key="order_line.id", unique=True)
    order_id: int = Field(foreign_key="shop_order.id")
    listing_id: int = Field(foreign_key="listing.id")
    shop_id: int = Field(foreign_key="shop.id")
    author_id: int = Field(foreign_key="user_account.id")
    rating: int
    body: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_at: datetime = Field(default_factory=utcnow)
    edited_at: datetime | None = None
    # The maker's one public reply.
    reply_body: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    reply_at: datetime | None = None
    helpful_count: int = 0
    # Hidden by moderators (after a report): out of every list and aggregate.
    hidden_at: datetime | None = None


class ReviewPhoto(SQLModel, table=True):
    __tablename__ = "review_photo"

    review_id: int = Field(foreign_key="review.id", primary_key=True)
    position: int = Field(primary_key=True)
    key: str = Field(max_length=64)


class ReviewHelpful(SQLModel, table=True):
    """Someone (not the author) found a review helpful."""

    __tablename__ = "review_helpful"

    review_id: int = Field(foreign_key="review.id", primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)


class Recommendation(SQLModel, table=True):
    """One stored recommendation for a person, with why (computed by the job)."""

    __tablename__ = "recommendation"
    __table_args__ = (Index("ix_recommendation_user_id_rank", "user_id", "rank"),)

    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    listing_id: int = Field(foreign_key="listing.id", primary_key=True)
    rank: int
    score: float
    # Why: 'taste' (people with your taste; anchor = the item of yours they also loved,
    # support = how many of them) or 'network' (people you follow; friend_ids).
    reason: str = Field(max_length=10)
    anchor_listing_id: int | None = None
    support: int = 0
    friend_ids: str = Field(default="", max_length=200)  # up to 3 ids, comma-separated
    computed_at: datetime = Field(default_factory=utcnow)


class NotInterested(SQLModel, table=True):
    """ "Not interested": never recommend this again, and count it against similar items."""

    __tablename__ = "not_interested"

    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    listing_id: int = Field(foreign_key="listing.id", primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)


class TasteNeighbour(SQLModel, table=True):
    """People whose favourites and purchases are most like someone's (computed by the job)."""

    __tablename__ = "taste_neighbour"
    __table_args__ = (Index("ix_taste_neighbour_user_id_score", "user_id", "score"),)

    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    neighbour_id: int = Field(foreign_key="user_account.id", primary_key=True)
    score: float
    shared: int  # items both loved


class RecommendationDirty(SQLModel, table=True):
    """People whose taste changed (a favourite, a purchase, a review, "not interested")
    since the last run: the incremental run recomputes only them."""

    __tablename__ = "recommendation_dirty"

    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    since: datetime = Field(default_factory=utcnow)


class RecommendationRun(SQLModel, table=True):
    """Bookkeeping of the job: when it ran, for how many, how long it took."""

    __tablename__ = "recommendation_run"

    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    incremental: bool = False
    users: int = 0
    seconds: float = 0.0
