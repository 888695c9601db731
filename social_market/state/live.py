"""Live indicators shared by all of a person's open tabs: the unread notifications
badge and the "new activity" ping of the feed.

``LiveState`` is a Reflex ``SharedState``. Each tab links to one token per person,
``u<user id>``, derived on the server from the signed-in session (never from handler
arguments), so a change pushed to that token reaches every tab of that person and no
one else's. Pushes come from ``services/live.py``: this module subscribes to it and
pushes only to people connected to this process (with Redis, every worker hears every
message and serves its own sockets).

News of a conversation goes first into the tabs here that show it (``state/viewers.py``,
``ConversationState._take_news``: the new messages land in the page's state directly and
are marked read, which recounts the person's badge), then as a ``message_pings`` bump
to the people it concerns who have no such tab here.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import time

import reflex as rx
from reflex.istate.manager.token import BaseStateToken

from social_market.db import session_scope
from social_market.services import live, messaging, notifications
from social_market.settings import get_settings
from social_market.state import viewers
from social_market.state.auth import AuthState
from social_market.state.messages import ConversationState

log = logging.getLogger(__name__)

PRESENCE_TTL = 7 * 24 * 3600  # forget people who haven't opened a page for a week
TRACE = os.environ.get("SM_TRACE_LIVE") == "1"


def link_token(user_id: int) -> str:
    return f"u{user_id}"


class LiveState(rx.SharedState):
    unread_notifications: int = 0
    feed_pings: int = 0
    unread_messages: int = 0  # conversations with unread messages
    message_pings: int = 0  # bumps when any of my conversations changes

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


def _read_marks(user_ids: set[int], conversation_id: int) -> dict[int, int]:
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
                elif topic in (live.MESSAGES, live.UNREAD):  # inboxes look again too
                    state.unread_messages = value
                    state.message_pings += 1
                else:
                    state.feed_pings += 1
        except Exception:
            log.exception("live push of %s to %s failed", topic, uid)


def _socket_here(token: str) -> bool:
    """Is this tab's socket connected to this process? (Reflex's own token map.)"""
    manager = _app.event_namespace._token_manager  # type: ignore[union-attr]
    record = manager.token_to_socket.get(token)
    return record is not None and record.instance_id == manager.instance_id


async def _to_tab(
    token: str, user_id: int, conversation_id: int, read_up_to: int | None = None
) -> int | None:
    """Bring a conversation's news into one tab showing it: how many new messages it
    got, None (and the tab is forgotten) if it no longer shows the conversation. With
    ``read_up_to``, the news is only a read receipt."""
    taken = None
    try:
        if _socket_here(token):
            async with _app.modify_state(  # type: ignore[union-attr]
                BaseStateToken(ident=token, cls=ConversationState)
            ) as root:
                state = await root.get_state(ConversationState)
                if read_up_to is None:
                    taken = await state._take_news(user_id, conversation_id)
                else:
                    taken = state._take_read_receipt(conversation_id, read_up_to)
    except Exception:
        log.exception("live push of conversation %s to a tab failed", conversation_id)
    if taken is None:
        viewers.forget(token, conversation_id)
    return taken


async def _read_news(conversation_id: int, user_ids: list[int]) -> None:
    """Someone read the conversation: the read receipts of the others' tabs showing it
    (nowhere else shows them)."""
    tabs = viewers.of(conversation_id, user_ids)
    if not tabs:
        return
    marks = await asyncio.to_thread(_read_marks, {uid for _, uid in tabs}, conversation_id)
    await asyncio.gather(*(_to_tab(t, uid, conversation_id, marks[uid]) for t, uid in tabs))


async def _conversation_news(conversation_id: int, user_ids: list[int]) -> None:
    tabs = viewers.of(conversation_id, user_ids)
    taken = await asyncio.gather(*(_to_tab(t, uid, conversation_id) for t, uid in tabs))
    # A tab that got new messages marked them read, and services/messaging.mark_read
    # publishes the recounted badge (with the ping) to that person's tabs everywhere.
    served = {uid for (_, uid), got in zip(tabs, taken, strict=True) if got}
    rest = [uid for uid in _here(user_ids) if uid not in served]
    if rest:
        await _push(live.MESSAGES, await asyncio.to_thread(_unread_messages, rest))


def _conversation_work(topic: str, user_ids: list[int]):
    """The coroutine that delivers news of one conversation (it reads the database only
    on a thread of its own), or None for other news."""
    if (cid := live.changed_conversation(topic)) is not None:
        return _conversation_news(cid, user_ids)
    if (cid := live.read_conversation(topic)) is not None:
        return _read_news(cid, user_ids)
    return None


_tasks: set[asyncio.Task] = set()


def _log_failure(done) -> None:
    if not done.cancelled() and (error := done.exception()) is not None:
        log.error("live delivery failed", exc_info=error)


def _start(work) -> None:
    task = asyncio.create_task(work)
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
    task.add_done_callback(_log_failure)


def on_news(topic: str, user_ids: list[int]) -> None:
    """Subscriber (runs on a worker thread): push to those connected here."""
    loop = _loop
    if loop is None or _app is None:
        return
    if (work := _conversation_work(topic, user_ids)) is not None:
        asyncio.run_coroutine_threadsafe(work, loop).add_done_callback(_log_failure)
        return
    here = _here(user_ids)
    if not here:
        return
    if topic == live.NOTIFICATIONS:
        values = _badges(here)
    elif topic in (live.MESSAGES, live.UNREAD):
        values = _unread_messages(here)
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
                    if not news:
                        continue
                    # A conversation's news goes straight on (the hot path of every
                    # message: no wait behind database work for a thread); the rest is
                    # handed to the subscribers on a thread.
                    work = _conversation_work(*news) if _app is not None else None
                    if work is not None:
                        _start(work)
                    else:
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
    # What the worker built on start (pages, states, caches) lives as long as it does:
    # leave it out of the collector's full passes, which otherwise paused a worker for
    # ~40 ms every minute or so under load (measured with gc.callbacks).
    gc.collect()
    gc.freeze()
    from social_market.services import feed

    feed.set_ping_hook(lambda ids: live.publish(live.FEED, ids))
    live.subscribe(on_news)
    url = get_settings().redis_url
    if url:  # every worker hears every message published through Redis
        await _listen_redis(url)
