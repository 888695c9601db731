"""Routes and URL builders: one place for every path the app serves."""

from __future__ import annotations

from urllib.parse import quote

HOME = "/"
SIGN_IN = "/signin"
SIGN_UP = "/signup"
RESET = "/reset"
RESET_WITH_TOKEN = "/reset/[token]"  # noqa: S105 - a route, not a secret
CONFIRM = "/confirm/[token]"
SETTINGS = "/settings"
SETTINGS_SECURITY = "/settings/security"
PROFILE = "/u/[handle]"
PEOPLE = "/people"


def profile_url(handle: str) -> str:
    return f"/u/{quote(handle)}"


def safe_next(value: object) -> str:
    """A same-site path to return to after sign-in; anything else becomes '/'.

    Refuses absolute URLs, scheme-relative '//host' and backslash tricks (open redirects).
    """
    if not isinstance(value, str) or not value.startswith("/") or len(value) > 500:
        return "/"
    if value.startswith("//") or "\\" in value or any(ord(c) < 32 for c in value):
        return "/"
    return value
