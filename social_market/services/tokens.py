"""Random secrets and the keyed hashes stored in their place."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from social_market.settings import get_settings


def new_token() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """HMAC-SHA256 with the app's secret: a leaked table alone does not give usable tokens."""
    key = get_settings().secret_key.encode()
    return hmac.new(key, token.encode("utf-8", "replace"), hashlib.sha256).hexdigest()
