"""Background upkeep that runs inside the app process (started with the app)."""

from __future__ import annotations

import asyncio
import logging

from sqlmodel import select

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


RECOMMENDATIONS_EVERY = 300  # seconds between incremental runs
FULL_RECOMMENDATIONS_EVERY = DAY


def compute_recommendations(full: bool = False) -> dict:
    """One run of the recommendation job (services/recommendations.py): the people
    marked dirty, or everybody when ``full``."""
    from social_market.db import get_engine
    from social_market.services import recommendations

    engine = get_engine()
    if full:
        return recommendations.compute(engine)
    return recommendations.compute_dirty(engine)


def _recommendations_due() -> str:
    """'full' when no full run finished in the last day (by any worker: the table says),
    'dirty' when someone's taste changed since, '' when there is nothing to do."""
    from social_market.models import RecommendationDirty, utcnow
    from social_market.services import recommendations

    with session_scope() as session:
        last = recommendations.last_full_run(session)
        if last is None or (utcnow() - last).total_seconds() >= FULL_RECOMMENDATIONS_EVERY:
            return "full"
        dirty = session.exec(select(RecommendationDirty.user_id).limit(1)).first()
    return "dirty" if dirty is not None else ""


async def _recommendations_in_child(full: bool) -> dict:
    """A run in a child process: numpy, scipy and the run's memory (up to ~1 GB for a
    full run at 10,000 people) never enter the web worker."""
    import json
    import sys

    code = (
        "import json; from social_market.jobs import compute_recommendations;"
        f" print(json.dumps(compute_recommendations({bool(full)})))"
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await proc.communicate()
    if proc.returncode:
        raise RuntimeError(err.decode(errors="replace")[-2000:])
    return json.loads(out.decode().strip().splitlines()[-1])


async def compute_recommendations_regularly() -> None:
    """Every five minutes, recompute the people whose taste changed (favourites,
    purchases, reviews, "not interested", follows, blocks mark them dirty); once a day,
    everybody (whichever worker finds no full run in the last day; on PostgreSQL an
    advisory lock keeps two from running at once). Runs happen in a child process
    (~25 s and under 1 GB for a full run at 10,000 people and a million favourites)."""
    await asyncio.sleep(RECOMMENDATIONS_EVERY)
    while True:
        try:
            due = await asyncio.to_thread(_recommendations_due)
            if due:
                result = await _recommendations_in_child(due == "full")
                if result.get("users"):
                    log.info("recommendations: %s", result)
        except Exception:
            log.exception("recommendations: run failed")
        await asyncio.sleep(RECOMMENDATIONS_EVERY)


EXPIRIES_EVERY = 60  # seconds


def sweep_expiries() -> dict[str, int]:
    """Release what ran out of time: open group orders past their deadline expire (their
    members are told, nobody is charged), reserved purchases and group-order shares
    whose hold expired, and ended, sold-out or cancelled flash offers, give their pieces
    back. Expiry is already enforced by the queries at the moment of use (buying,
    joining, checkout and pages settle what they touch); this catches the rest."""
    from social_market.services import group_orders, holds, offers

    with session_scope() as session:
        return {
            "group_orders": group_orders.expire_due(session),
            "holds": holds.sweep(session),
            "offers": offers.sweep(session),
        }


async def sweep_expiries_regularly() -> None:
    """Every minute: :func:`sweep_expiries`."""
    while True:
        await asyncio.sleep(EXPIRIES_EVERY)
        try:
            counts = await asyncio.to_thread(sweep_expiries)
            if any(counts.values()):
                log.info("expiries: %s", counts)
        except Exception:
            log.exception("expiries: sweep failed")
