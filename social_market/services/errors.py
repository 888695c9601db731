"""Domain errors: raised by services, turned into user messages at the edge."""

from __future__ import annotations

from social_market.i18n.catalog import N_, gettext


class DomainError(Exception):
    """A rule was broken; ``message`` is safe to show to the user.

    ``message`` is an English catalogue msgid with ``{placeholders}`` filled from
    ``params``; :meth:`translated` gives it in another language (string params such as
    field labels are translated too).
    """

    def __init__(self, message: str, *, field: str | None = None, **params: object) -> None:
        self.template = message
        self.params = params
        self.message = message.format(**params) if params else message
        self.field = field
        super().__init__(self.message)

    def translated(self, lang: str) -> str:
        text = gettext(lang, self.template)
        params = {k: gettext(lang, v) if isinstance(v, str) else v for k, v in self.params.items()}
        return text.format(**params) if params else text


class InvalidInput(DomainError):
    """The input does not meet the rules (too long, wrong format, …)."""


class InvalidCredentials(DomainError):
    """Sign-in failed. Deliberately says nothing about which part was wrong."""

    def __init__(self) -> None:
        super().__init__(N_("That email and password don't match an account."))


class RateLimited(DomainError):
    """Too many attempts in a short time."""


class NotAllowed(DomainError):
    """The signed-in user (or nobody) may not do this."""


class NotFound(DomainError):
    """The thing asked for does not exist or is not visible to the asker."""


class InvalidToken(DomainError):
    """An emailed link or ticket is unknown, used or expired."""
