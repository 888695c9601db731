"""Domain errors: raised by services, turned into user messages at the edge."""

from __future__ import annotations


class DomainError(Exception):
    """A rule was broken; ``message`` is safe to show to the user."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    """The input does not meet the rules (too long, wrong format, …)."""


class InvalidCredentials(DomainError):
    """Sign-in failed. Deliberately says nothing about which part was wrong."""

    def __init__(self) -> None:
        super().__init__("That email and password don't match an account.")


class RateLimited(DomainError):
    """Too many attempts in a short time."""


class NotAllowed(DomainError):
    """The signed-in user (or nobody) may not do this."""


class NotFound(DomainError):
    """The thing asked for does not exist or is not visible to the asker."""


class InvalidToken(DomainError):
    """An emailed link or ticket is unknown, used or expired."""
