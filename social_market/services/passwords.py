"""Password hashing (argon2id) and the password rules."""

from __future__ import annotations

import contextlib
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from social_market.services.errors import InvalidInput

MIN_LENGTH = 8
MAX_LENGTH = 256

# OWASP's first argon2id configuration: 46 MiB, 1 iteration, 1 lane.
_hasher = PasswordHasher(time_cost=1, memory_cost=47104, parallelism=1)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("dummy password to even out timing")


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    text = resources.files("social_market.services").joinpath("common_passwords.txt").read_text()
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def check_new_password(password: object, *, field: str = "password") -> str:
    """Validate a new password: length only, plus a list of very common ones."""
    if not isinstance(password, str):
        raise InvalidInput("Password must be text.", field=field)
    if len(password) < MIN_LENGTH:
        raise InvalidInput(
            "Use at least {n} characters for your password.", field=field, n=MIN_LENGTH
        )
    if len(password) > MAX_LENGTH:
        raise InvalidInput(
            "Use at most {n} characters for your password.", field=field, n=MAX_LENGTH
        )
    if password.lower() in _common_passwords():
        raise InvalidInput(
            "That password is one of the most common ones. Please choose another.", field=field
        )
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check a password; with no stored hash, spend the same time and say no."""
    if not stored_hash:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_dummy_hash(), password)
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


def spend_hash_time() -> None:
    """Do the work of a hash without storing it (keeps timing even on refusals)."""
    verify_password(None, "x")
