"""Live indicators shared by all of a person's open tabs: the unread notifications
badge and the "new activity" ping of the feed.

``LiveState`` is a Reflex ``SharedState``. Each tab links to one token per person,
``u<user id>``, derived on the server from the signed-in session (never from handler
arguments), so a change pushed to that token reaches every tab of that person and no
one else's. Pushes come from ``services/live.py``: this module subscribes to it and
pushes only to people connected to this process (with Redis, every worker hears every
message and serves its own sockets).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time

import reflex as rx
from reflex.istate.manager.token import BaseStateToken

from social_market.db import session_scope
from social_market.services import live, messaging, notifications
from social_market.settings import get_settings
from social_market.state.auth import AuthState

log = logging.getLogger(__name__)

READ_MARKS = 50  # read receipts kept per person (the most recent conversations)
PRESENCE_TTL = 7 * 24 * 3600  # forget people who haven't opened a page for a week
TRACE = os.environ.get("SM_TRACE_LIVE") == "1"


def link_token(user_id: int) -> str:
    return f"u{user_id}"


class LiveState(rx.SharedState):
    unread_notifications: int = 0
    feed_pings: int = 0
    unread_messages: int = 0  # conversations with unread messages
    message_pings: int = 0  # bumps when any of my conversations changes
    # Read receipts: conversation id → my messages up to this id are read by all others.
    read_marks: dict[str, int] = {}

    @rx.event
    async def connect(self):
        """Every page calls this on mount: link this tab to its person's live token,
        or unlink it after sign-out."""
        auth = await self.get_state(AuthState)
        me = auth._user_id_or_none()
        if me is None:
            if self._linked_to:
                return await self._unlink()
            return None
        linked = self
        if self._linked_to != link_token(me):
            linked = await self._link_to(link_token(me))
        _presence[me] = time.monotonic()
        if TRACE:  # which worker serves whom (the multi-worker test reads this)
            print(f"live-link user={me} pid={os.getpid()}", flush=True)
        linked.unread_notifications, linked.unread_messages = await asyncio.to_thread(
            _badges_of, me
        )
        return None


def _badges_of(user_id: int) -> tuple[int, int]:
    with session_scope() as session:
        return (
            notifications.badge_count(session, user_id),
            messaging.unread_conversations(session, user_id),
        )


def _unread_messages(user_ids: list[int]) -> dict[int, int]:
    with session_scope() as session:
        return messaging.unread_conversation_counts(session, user_ids)


def _read_marks(user_ids: list[int], conversation_id: int) -> dict[int, int]:
    with session_scope() as session:
        return {uid: messaging.read_by_all_up_to(session, uid, conversation_id) for uid in user_ids}


def _badges(user_ids: list[int]) -> dict[int, int]:
    with session_scope() as session:
        return notifications.badge_counts(session, user_ids)


# --- pushing -------------------------------------------------------------------------

_presence: dict[int, float] = {}  # user id -> last time a page of theirs linked here
_app = None
_loop: asyncio.AbstractEventLoop | None = None


def _here(user_ids: list[int]) -> list[int]:
    now = time.monotonic()
    for uid, seen in list(_presence.items()):
        if now - seen > PRESENCE_TTL:
            _presence.pop(uid, None)
    return [uid for uid in user_ids if uid in _presence]


async def _push(topic: str, values: dict[int, int]) -> None:
    for uid, value in values.items():
        try:
            async with _app.modify_state(  # type: ignore[union-attr]
                BaseStateToken(ident=link_token(uid), cls=LiveState)
            ) as root:
                state = await root.get_state(LiveState)
                if topic == live.NOTIFICATIONS:
                    state.unread_notifications = value
                elif topic == live.MESSAGES:
                    state.unread_messages = value
                    state.message_pings += 1
                elif topic == live.UNREAD:
                    state.unread_messages = value
                elif (cid := live.read_conversation(topic)) is not None:
                    marks = {k: v for k, v in state.read_marks.items() if k != str(cid)}
                    state.read_marks = {
                        **dict(list(marks.items())[-READ_MARKS + 1 :]),
                        str(cid): value,
                    }
                else:
                    state.feed_pings += 1
        except Exception:
            log.exception("live push of %s to %s failed", topic, uid)


def on_news(topic: str, user_ids: list[int]) -> None:
    """Subscriber (runs on a worker thread): push to those connected here."""
    loop = _loop
    if loop is None or _app is None:
        return
    here = _here(user_ids)
    if not here:
        return
    if topic == live.NOTIFICATIONS:
        values = _badges(here)
    elif topic in (live.MESSAGES, live.UNREAD):
        values = _unread_messages(here)
    elif (cid := live.read_conversation(topic)) is not None:
        values = _read_marks(here, cid)
    else:
        values = dict.fromkeys(here, 0)
    asyncio.run_coroutine_threadsafe(_push(topic, values), loop)


async def _listen_redis(url: str) -> None:
    """With several workers: hear what any worker published (reconnects on its own)."""
    import redis.asyncio as aioredis

    while True:
        client = aioredis.Redis.from_url(url)
        try:
            async with client.pubsub() as pubsub:
                await pubsub.subscribe(live.CHANNEL)
                async for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    news = live.decode(message["data"])
                    if news:
                        await asyncio.to_thread(live.deliver_here, *news)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("live: Redis listener lost its connection; retrying in 1 s")
            await asyncio.sleep(1)
        finally:
            await client.aclose()


async def run_live(app) -> None:
    """Lifespan task: start delivering live news to this process's sockets."""
    global _app, _loop
    _app, _loop = app, asyncio.get_running_loop()
    from social_market.services import feed

    feed.set_ping_hook(lambda ids: live.publish(live.FEED, ids))
    live.subscribe(on_news)
    url = get_settings().redis_url
    if url:  # every worker hears every message published through Redis
        await _listen_redis(url)
