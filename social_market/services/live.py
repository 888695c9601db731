"""Live updates: telling people's open pages that something changed for them.

The database is the source of truth; this only says "look again". Services call
``publish_after_commit`` (or ``publish`` once their data is committed) with a topic and
the ids of the people concerned. Delivery goes through one small interface, the hub,
with two implementations:

* ``InProcessHub`` (default: one process, SQLite): hands the news straight to this
  process's subscribers.
* ``RedisHub`` (when ``REDIS_URL`` is set: several backend workers): publishes on a
  Redis channel; every worker listens and passes the news on to the people connected
  to *it*, so news from one worker reaches a browser connected to another.

Subscribers (the Reflex side, ``state/live.py``) push to the browsers. Publishing never
blocks the request that caused it: it runs on a small thread pool, after commit.
A lost message only delays an indicator; pages re-read the database when they load.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.orm import Session

from social_market.services.after_commit import on_commit
from social_market.settings import get_settings

log = logging.getLogger(__name__)

FEED = "feed"  # new activity in someone's feed
NOTIFICATIONS = "notifications"  # someone's unread notification count changed
MESSAGES = "messages"  # something in their conversations changed (inbox, badge)
UNREAD = "unread"  # their unread-messages count changed (they read something)
TOPICS = (FEED, NOTIFICATIONS, MESSAGES, UNREAD)
# "read:<conversation id>": someone read that conversation (read receipts for the others).
_READ = "read:"
# "conversation:<conversation id>": a new message there, or members/state changed. Pages
# showing that conversation get the news into the page itself; everyone else it concerns
# as MESSAGES.
_CONVERSATION = "conversation:"


def _topic_id(topic: object, prefix: str) -> int | None:
    if not isinstance(topic, str) or not topic.startswith(prefix):
        return None
    digits = topic[len(prefix) :]
    return int(digits) if digits.isascii() and digits.isdigit() else None


def read_topic(conversation_id: int) -> str:
    return f"{_READ}{int(conversation_id)}"


def read_conversation(topic: str) -> int | None:
    """The conversation of a read-receipt topic; None for any other topic."""
    return _topic_id(topic, _READ)


def conversation_topic(conversation_id: int) -> str:
    return f"{_CONVERSATION}{int(conversation_id)}"


def changed_conversation(topic: str) -> int | None:
    """The conversation of a conversation topic; None for any other topic."""
    return _topic_id(topic, _CONVERSATION)


CHANNEL = "social_market:live"

Subscriber = Callable[[str, list[int]], None]
_subscribers: list[Subscriber] = []
_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live")  # keeps order
_lock = threading.Lock()


def subscribe(callback: Subscriber) -> None:
    """``callback(topic, user_ids)`` runs (on a worker thread) for news published anywhere."""
    with _lock:
        if callback not in _subscribers:
            _subscribers.append(callback)


def unsubscribe(callback: Subscriber) -> None:
    with _lock:
        if callback in _subscribers:
            _subscribers.remove(callback)


def deliver_here(topic: str, user_ids: list[int]) -> None:
    """Hand news to this process's subscribers."""
    for callback in list(_subscribers):
        try:
            callback(topic, user_ids)
        except Exception:
            log.exception("live subscriber failed for %s", topic)


class InProcessHub:
    """One process: news published here is delivered here."""

    def publish(self, topic: str, user_ids: list[int]) -> None:
        deliver_here(topic, user_ids)


class RedisHub:
    """Several workers: news goes through a Redis channel every worker listens to."""

    def __init__(self, url: str) -> None:
        import redis

        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.url = url

    def publish(self, topic: str, user_ids: list[int]) -> None:
        self._client.publish(CHANNEL, json.dumps({"topic": topic, "ids": user_ids}))


def decode(payload: bytes | str) -> tuple[str, list[int]] | None:
    """A channel message back into (topic, ids); None for anything malformed."""
    try:
        data = json.loads(payload)
        topic, ids = data["topic"], data["ids"]
    except (ValueError, KeyError, TypeError):
        return None
    known = (
        topic in TOPICS
        or read_conversation(topic) is not None
        or changed_conversation(topic) is not None
    )
    if not known or not isinstance(ids, list):
        return None
    return topic, [i for i in ids if isinstance(i, int) and not isinstance(i, bool)]


_hub: InProcessHub | RedisHub | None = None


def hub() -> InProcessHub | RedisHub:
    global _hub
    if _hub is None:
        url = get_settings().redis_url
        _hub = RedisHub(url) if url else InProcessHub()
    return _hub


def set_hub(new_hub: InProcessHub | RedisHub | None) -> None:
    """Swap the hub (tests); None goes back to the configured one."""
    global _hub
    _hub = new_hub


def _publish_now(topic: str, user_ids: list[int]) -> None:
    try:
        hub().publish(topic, user_ids)
    except Exception:  # Redis away: the data is committed, pages catch up on load
        log.warning("live: could not publish %s to %d people", topic, len(user_ids))


def publish(topic: str, user_ids: Iterable[int]) -> None:
    """Publish off the calling thread (call only once the data is committed)."""
    ids = sorted({int(i) for i in user_ids})
    if ids:
        _pool.submit(_publish_now, topic, ids)


def publish_after_commit(session: Session, topic: str, user_ids: Iterable[int]) -> None:
    """Publish once ``session`` commits; nothing if it rolls back."""
    ids = set(user_ids)
    if ids:
        on_commit(session, lambda: publish(topic, ids))


def wait_idle(timeout: float = 5.0) -> None:
    """Block until news published so far has left (tests)."""
    _pool.submit(lambda: None).result(timeout=timeout)
