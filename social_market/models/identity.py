"""Sign-in with OpenID Connect: linked identities, flows in progress, pending sign-ups."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from social_market.models.base import utcnow


class ExternalIdentity(SQLModel, table=True):
    """An account at an OpenID Connect provider linked to a person here.

    Keyed on (issuer, subject) — what the provider guarantees to be stable and unique —
    never on the email address. No provider tokens are stored.
    """

    __tablename__ = "external_identity"
    __table_args__ = (
        UniqueConstraint("issuer", "subject", name="uq_external_identity_issuer_subject"),
        UniqueConstraint("user_id", "provider", name="uq_external_identity_user_id_provider"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    # The configured provider name (settings), for display and for the callback route.
    provider: str = Field(max_length=30)
    issuer: str = Field(max_length=255)
    subject: str = Field(max_length=255)
    # What the provider said at the last sign-in (shown to the owner only).
    email: str = Field(default="", max_length=254)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime = Field(default_factory=utcnow)


class OidcFlow(SQLModel, table=True):
    """One authorization request in progress (10 minutes, single use).

    Holds what must never reach the browser's script-visible state: only a keyed hash
    of ``state`` and of the browser-binding cookie; nonce and PKCE verifier stay here.
    """

    __tablename__ = "oidc_flow"

    id: int | None = Field(default=None, primary_key=True)
    state_hash: str = Field(max_length=64, unique=True)
    # Keyed hash of the HttpOnly cookie set when the flow started: ties it to that browser.
    browser_hash: str = Field(max_length=64)
    provider: str = Field(max_length=30)
    nonce: str = Field(max_length=128)
    code_verifier: str = Field(default="", max_length=128)
    redirect_uri: str = Field(max_length=500)
    next_path: str = Field(default="/", max_length=500)
    # 'signin' (sign in or sign up) or 'link' (add to the account in user_id).
    purpose: str = Field(max_length=10)
    user_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)
    used_at: datetime | None = None


class OidcSignup(SQLModel, table=True):
    """A verified provider identity waiting for its new account (handle not chosen yet).

    Reached only through an HttpOnly cookie holding the token (only its hash is here).
    """

    __tablename__ = "oidc_signup"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    provider: str = Field(max_length=30)
    issuer: str = Field(max_length=255)
    subject: str = Field(max_length=255)
    email: str = Field(default="", max_length=254)
    email_verified: bool = False
    name: str = Field(default="", max_length=60)
    username: str = Field(default="", max_length=60)
    picture_url: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)
    used_at: datetime | None = None
