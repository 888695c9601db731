"""People: accounts and their public profiles."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Field, SQLModel

from social_market.models.base import utcnow

# Roles: every account is a member; moderators also work the moderation queue.
MEMBER, MODERATOR = "member", "moderator"
ROLES = (MEMBER, MODERATOR)


class User(SQLModel, table=True):
    """An account. Secret columns (email, password hash) never leave the server."""

    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    # Lower-cased address; NULL once the account is deleted.
    email: str | None = Field(default=None, max_length=254, unique=True)
    # As the person typed it, for display; uniqueness is on handle_key.
    handle: str = Field(max_length=30)
    # Lower-cased handle: makes handles unique regardless of case.
    handle_key: str = Field(max_length=30, unique=True)
    display_name: str = Field(default="", max_length=60)
    bio: str = Field(default="", max_length=500)
    location: str = Field(default="", max_length=80)
    website: str = Field(default="", max_length=200)
    # Random base name of the stored avatar files, never the uploaded file name.
    avatar_key: str | None = Field(default=None, max_length=64)
    password_hash: str | None = Field(default=None, max_length=255)
    # UI language chosen by the person ('en', 'de'); None = follow cookie/browser.
    locale: str | None = Field(default=None, max_length=5)
    email_verified_at: datetime | None = None
    # Kept by atomic UPDATEs in services/follows.py (never read-modify-write).
    follower_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    following_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Privacy: who sees my follows, my favourites, my activity (0 only me, 1 my
    # followers, 2 everyone; models/social.py), and whether people search finds me.
    privacy_follows: int = Field(default=2, sa_column_kwargs={"server_default": "2"})
    privacy_favourites: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    privacy_activity: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    # How much people I follow count against everyone in "best rated for me" (0–100).
    trust_weight: int = Field(default=50, sa_column_kwargs={"server_default": "50"})
    discoverable: bool = Field(default=True, sa_column_kwargs={"server_default": "1"})
    # Who may start a conversation with me: everyone, following (people I follow),
    # orders (only shops and buyers I have an order with).
    messages_from: str = Field(
        default="everyone", max_length=10, sa_column_kwargs={"server_default": "everyone"}
    )
    # What "share this purchase" offers first: 0 nobody, 1 followers, 2 everyone.
    share_default: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Unread notifications by email once a day (off unless chosen).
    notify_digest: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    # Unread messages by email after a while (on unless turned off).
    email_messages: bool = Field(default=True, sa_column_kwargs={"server_default": "1"})
    # Rewards (services/rewards.py keeps these with the ledger): what can be spent, and
    # all ever earned (the level).
    points_balance: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    points_earned: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Signed up with someone's invitation (an id of this table; no foreign key, so that
    # adding the column does not make SQLite rebuild the table).
    invited_by_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)
    deleted_at: datetime | None = None
    role: str = Field(default=MEMBER, max_length=20, sa_column_kwargs={"server_default": MEMBER})
    # Suspended by a moderator: can't sign in; profile, shop and listings are hidden.
    suspended_at: datetime | None = None
    suspension_reason: str = Field(
        default="", max_length=500, sa_column_kwargs={"server_default": ""}
    )


class ProfilePublic(BaseModel):
    """What anyone may see of a person: safe to put in client-visible state."""

    id: int
    handle: str
    display_name: str
    bio: str
    location: str
    website: str
    avatar_url: str
    avatar_url_large: str
    member_since: str
    initials: str
    follower_count: int = 0
    following_count: int = 0
