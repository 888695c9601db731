"""Rate limits (the ``limits`` library): in memory by default, in Redis when REDIS_URL is set."""

from __future__ import annotations

from functools import lru_cache

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from social_market.services.errors import RateLimited
from social_market.settings import get_settings

FAILED_SIGNIN_PER_ACCOUNT = parse("5/15minute")
FAILED_SIGNIN_PER_ADDRESS = parse("30/15minute")
SIGNUP_PER_ADDRESS = parse("10/hour")
RESET_PER_ADDRESS = parse("10/hour")
RESET_PER_ACCOUNT = parse("3/hour")
UPLOADS_PER_USER = parse("30/hour")


@lru_cache(maxsize=1)
def limiter() -> MovingWindowRateLimiter:
    url = get_settings().redis_url
    storage = storage_from_string(url) if url else MemoryStorage()
    return MovingWindowRateLimiter(storage)


def check(item: RateLimitItem, *keys: str, message: str) -> None:
    """Raise RateLimited if ``keys`` already used up ``item`` (does not count a hit)."""
    if not limiter().test(item, *keys):
        raise RateLimited(message)


def hit(item: RateLimitItem, *keys: str, message: str) -> None:
    """Count one use, raising RateLimited when over the limit."""
    if not limiter().hit(item, *keys):
        raise RateLimited(message)


def count(item: RateLimitItem, *keys: str) -> None:
    """Count one use without raising."""
    limiter().hit(item, *keys)


def reset_all() -> None:
    """Forget every counter (tests)."""
    limiter().storage.reset()
