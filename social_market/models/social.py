"""The social layer: following, blocking and muting people; makers' posts, shared
purchases, comments, likes and the activity that feeds are made of. (Following a shop
is hearting it: ``FavouriteShop``.)"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Index, Text
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


class Mute(SQLModel, table=True):
    """``muter`` no longer sees ``muted`` in their feed. Silent: nobody is told."""

    __tablename__ = "mute"
    __table_args__ = (CheckConstraint("muter_id <> muted_id", name="not_self"),)

    muter_id: int = Field(foreign_key="user_account.id", primary_key=True)
    muted_id: int = Field(foreign_key="user_account.id", primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)


# Who may see something: only its owner, the owner's followers, or everyone. Stored as
# numbers so "at least followers" is a comparison.
ONLY_ME, FOLLOWERS, EVERYONE = 0, 1, 2
AUDIENCES = {"me": ONLY_ME, "followers": FOLLOWERS, "everyone": EVERYONE}

# Post types.
NEWS, NEW_PIECE, OFFER, QUESTION = "news", "new_piece", "offer", "question"
POST_KINDS = (NEWS, NEW_PIECE, OFFER, QUESTION)


class Post(SQLModel, table=True):
    """A maker's microblog post on their shop: news, a new piece, an offer or a question."""

    __tablename__ = "post"
    __table_args__ = (
        Index("ix_post_shop_id_id", "shop_id", "id"),
        CheckConstraint("like_count >= 0", name="like_count_not_negative"),
        CheckConstraint("comment_count >= 0", name="comment_count_not_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shop.id")
    author_id: int = Field(foreign_key="user_account.id")
    kind: str = Field(default=NEWS, max_length=12)
    body: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # Special offers: a price or a discount, valid until a moment; maybe followers only.
    offer_price_cents: int | None = None
    offer_percent: int | None = None
    offer_until: datetime | None = None
    audience: int = Field(default=EVERYONE)
    like_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    comment_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=utcnow)
    edited_at: datetime | None = None
    deleted_at: datetime | None = None
    # Hidden by moderators: gone for everyone but its shop's owner.
    hidden_at: datetime | None = None


class PostPhoto(SQLModel, table=True):
    """Up to four photos of a post; files are posts/<key>_<size>.webp."""

    __tablename__ = "post_photo"

    post_id: int = Field(foreign_key="post.id", primary_key=True)
    position: int = Field(primary_key=True)
    key: str = Field(max_length=64)
    alt: str = Field(default="", max_length=200)


class PostListing(SQLModel, table=True):
    """Listings a post is about (at most four)."""

    __tablename__ = "post_listing"

    post_id: int = Field(foreign_key="post.id", primary_key=True)
    position: int = Field(primary_key=True)
    listing_id: int = Field(foreign_key="listing.id")


class SharedPurchase(SQLModel, table=True):
    """A bought item its buyer chose to show, with a comment and maybe a photo.

    Never holds the price paid, the address or the order number: only what the buyer
    chose to say about the piece.
    """

    __tablename__ = "shared_purchase"
    __table_args__ = (
        Index("ix_shared_purchase_user_id_id", "user_id", "id"),
        # "Someone you follow bought this" badges on listing grids.
        Index("ix_shared_purchase_listing_id", "listing_id"),
        CheckConstraint("audience IN (1, 2)", name="audience_shared"),
        CheckConstraint("like_count >= 0", name="like_count_not_negative"),
        CheckConstraint("comment_count >= 0", name="comment_count_not_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id")
    order_line_id: int = Field(foreign_key="order_line.id", unique=True)
    listing_id: int | None = Field(default=None, foreign_key="listing.id")
    shop_id: int = Field(foreign_key="shop.id")
    title: str = Field(max_length=140)
    comment: str = Field(default="", max_length=1000)
    # The buyer's own photo (shares/<key>_<size>.webp), else the bought piece's photo.
    photo_key: str | None = Field(default=None, max_length=64)
    audience: int = Field(default=FOLLOWERS)
    like_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    comment_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


# Activity kinds (what appears in feeds and on profiles).
A_POST, A_SHARE, A_FAVOURITE, A_FOLLOW = "post", "share", "favourite", "follow"
A_LIST = "list"  # a public curated list was made or gained an item


class Activity(SQLModel, table=True):
    """One thing that happened, for feeds: fan-out on read (see docs/feed-design.md).

    ``actor_id`` did it; shop posts also carry ``shop_id`` so shop followers see them.
    ``audience`` is the item's own audience; people's privacy settings are applied
    again when reading, so changing them also hides what is already there.
    """

    __tablename__ = "activity"
    __table_args__ = (
        # Newest first per actor and per shop: ids grow with time, so "ORDER BY id DESC"
        # is both the feed order and the keyset cursor.
        Index("ix_activity_actor_id_id", "actor_id", "id"),
        Index("ix_activity_shop_id_id", "shop_id", "id"),
        Index("ix_activity_post_id", "post_id"),
        Index("ix_activity_share_id", "share_id"),
        Index("ix_activity_list_id_id", "list_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=10)
    actor_id: int = Field(foreign_key="user_account.id")
    shop_id: int | None = Field(default=None, foreign_key="shop.id")
    post_id: int | None = Field(default=None, foreign_key="post.id")
    share_id: int | None = Field(default=None, foreign_key="shared_purchase.id")
    listing_id: int | None = Field(default=None, foreign_key="listing.id")
    target_user_id: int | None = Field(default=None, foreign_key="user_account.id")
    # A curated list (no foreign key: adding one to this big table would make SQLite
    # rebuild it; services/lists.py removes a list's activities with the list).
    list_id: int | None = None
    audience: int = Field(default=EVERYONE)
    created_at: datetime = Field(default_factory=utcnow)


# What comments and likes can be about.
ON_POST, ON_SHARE, ON_LISTING, ON_COMMENT = "post", "share", "listing", "comment"


class Comment(SQLModel, table=True):
    """A comment on a post, a shared purchase or a listing; replies are one level deep."""

    __tablename__ = "comment"
    __table_args__ = (
        Index("ix_comment_subject_kind_subject_id_id", "subject_kind", "subject_id", "id"),
        Index("ix_comment_parent_id_id", "parent_id", "id"),
        CheckConstraint("like_count >= 0", name="like_count_not_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    subject_kind: str = Field(max_length=10)
    subject_id: int
    parent_id: int | None = Field(default=None, foreign_key="comment.id")
    author_id: int = Field(foreign_key="user_account.id")
    body: str = Field(sa_column=Column(Text, nullable=False))
    like_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Set when the owner of what it is on hid it (still seen by its author).
    hidden_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    edited_at: datetime | None = None
    deleted_at: datetime | None = None


class Like(SQLModel, table=True):
    """One person liking a post, a comment or a shared purchase (at most once)."""

    __tablename__ = "like_mark"
    __table_args__ = (Index("ix_like_mark_subject_kind_subject_id", "subject_kind", "subject_id"),)

    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    subject_kind: str = Field(max_length=10, primary_key=True)
    subject_id: int = Field(primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)
