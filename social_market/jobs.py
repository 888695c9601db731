"""Background upkeep that runs inside the app process (started with the app)."""

from __future__ import annotations

import asyncio
import logging

from social_market.db import session_scope
from social_market.services import search

log = logging.getLogger(__name__)
DAY = 24 * 3600


def refresh_search_terms() -> int:
    with session_scope() as session:
        return search.refresh_common_terms(session)


async def refresh_search_terms_daily() -> None:
    """Keep SQLite's very-common-word list fresh (a no-op on PostgreSQL); see search.py."""
    while True:
        try:
            count = await asyncio.to_thread(refresh_search_terms)
            log.info("search: %s common terms counted", count)
        except Exception:
            log.exception("search: counting common terms failed")
        await asyncio.sleep(DAY)


def send_notification_digests() -> int:
    from social_market.services import notifications

    with session_scope() as session:
        return notifications.send_digests(session)


async def send_notification_digests_daily() -> None:
    """Once a day (the first run an hour after start), email unread notifications to
    the people who asked for a digest. Each notification is emailed at most once."""
    await asyncio.sleep(3600)
    while True:
        try:
            count = await asyncio.to_thread(send_notification_digests)
            log.info("notifications: %s digest emails queued", count)
        except Exception:
            log.exception("notifications: digest run failed")
        await asyncio.sleep(DAY)


def email_unread_messages() -> int:
    from social_market.services import messaging

    with session_scope() as session:
        return messaging.email_unread(session)


async def email_unread_messages_regularly() -> None:
    """Every five minutes: email about messages left unread for a while (once each)."""
    while True:
        await asyncio.sleep(300)
        try:
            count = await asyncio.to_thread(email_unread_messages)
            if count:
                log.info("messages: %s unread-message emails queued", count)
        except Exception:
            log.exception("messages: unread-message emails failed")
