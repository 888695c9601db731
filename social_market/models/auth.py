"""Server-side sign-in sessions and one-time tokens (email links, sign-in tickets)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from social_market.models.base import utcnow


class AuthSession(SQLModel, table=True):
    """One signed-in browser. Only a keyed hash of the cookie token is stored."""

    __tablename__ = "auth_session"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None
    user_agent: str = Field(default="", max_length=200)
    ip_address: str = Field(default="", max_length=64)


class OneTimeToken(SQLModel, table=True):
    """A single-use, expiring secret: email verification, password reset, sign-in ticket."""

    __tablename__ = "one_time_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    purpose: str = Field(max_length=20)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None
