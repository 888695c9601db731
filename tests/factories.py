"""Helpers that make test data through the real services."""

from __future__ import annotations

import itertools

from sqlmodel import Session

from social_market.models import User, utcnow
from social_market.services import passwords

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def make_user(
    session: Session,
    *,
    handle: str | None = None,
    email: str | None = None,
    password: str = PASSWORD,
    verified: bool = True,
    **fields,
) -> User:
    n = next(_counter)
    handle = handle or f"person{n}"
    user = User(
        email=(email or f"{handle}@example.com").lower(),
        handle=handle,
        handle_key=handle.lower(),
        display_name=fields.pop("display_name", f"Person {n}"),
        password_hash=passwords.hash_password(password),
        email_verified_at=utcnow() if verified else None,
        **fields,
    )
    session.add(user)
    session.flush()
    return user
