"""Rate limits live in memory by default and in Redis when REDIS_URL is set."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
from limits.storage import MemoryStorage, RedisStorage

from social_market.services import ratelimit
from social_market.services.errors import RateLimited
from social_market.settings import get_settings


def test_memory_storage_without_redis():
    assert isinstance(ratelimit.limiter().storage, MemoryStorage)


def test_redis_storage_when_redis_url_is_set(monkeypatch):
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/14"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    monkeypatch.setattr(
        ratelimit, "get_settings", lambda: dataclasses.replace(get_settings(), redis_url=url)
    )
    ratelimit.limiter.cache_clear()
    try:
        assert isinstance(ratelimit.limiter().storage, RedisStorage)
        key = uuid.uuid4().hex
        for _ in range(5):
            ratelimit.count(ratelimit.FAILED_SIGNIN_PER_ACCOUNT, "signin-account", key)
        with pytest.raises(RateLimited):
            ratelimit.check(
                ratelimit.FAILED_SIGNIN_PER_ACCOUNT, "signin-account", key, message="slow down"
            )
    finally:
        ratelimit.limiter.cache_clear()
