"""Notifications: telling people what concerns them, on a page, as a live badge and,
if they want it, in a daily email.

Services call ``notify`` inside their own transaction (the notification commits or
rolls back with what caused it); the badge of the person told updates live after
commit (``services/live.py``). A special offer goes to every follower of the shop: that
fan-out is one INSERT … SELECT run after commit, off the maker's request.

Nobody is told about things from people they blocked, who blocked them, or whom they
muted; each kind can be turned off in the settings.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import func, or_, text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from social_market.i18n.catalog import N_, gettext
from social_market.i18n.format import format_ago
from social_market.models import Block, Mute, Notification, NotificationOff, User, utcnow
from social_market.models.notification import (
    KINDS,
    N_COMMENT,
    N_FOLLOW,
    N_GROUP,
    N_LIKE,
    N_LIST,
    N_MENTION,
    N_OFFER,
    N_ORDER,
    N_REPLY,
    N_REVIEW,
    N_REWARD,
    N_TEAM,
    N_WISH,
)
from social_market.services import live, profiles
from social_market.services.accounts import require_user
from social_market.services.after_commit import on_commit
from social_market.services.errors import InvalidInput
from social_market.services.ids import MAX_ID, as_id
from social_market.services.rich_text import mentioned_handles
from social_market.settings import get_settings

log = logging.getLogger(__name__)

PAGE = 30
BADGE_CAP = 100  # the badge shows "99+" beyond this
MAX_MENTIONS = 10  # people told per text; more @handles are left as plain links
SNIPPET = 140
DIGEST_MAX = 20

# What each notification says, by kind and detail; {name} is the actor, {snippet} a
# quote or a title, {ref} an order reference. The page translates these in the browser.
TEMPLATES: dict[str, str] = {
    "follow": N_("{name} started following you"),
    "comment:post": N_("{name} commented on your post: {snippet}"),
    "comment:share": N_("{name} commented on your shared purchase: {snippet}"),
    "comment:listing": N_("{name} commented on your listing: {snippet}"),
    "reply": N_("{name} replied to your comment: {snippet}"),
    "like:post": N_("{name} liked your post"),
    "like:share": N_("{name} liked your shared purchase"),
    "like:comment": N_("{name} liked your comment: {snippet}"),
    "mention": N_("{name} mentioned you: {snippet}"),
    "order:placed": N_("New order {snippet} from {name}"),
    "order:paid": N_("Your order {snippet} is paid"),
    "order:shipped": N_("Your order {snippet} has shipped"),
    "order:delivered": N_("Order {snippet} was delivered"),
    "order:cancelled": N_("Order {snippet} was cancelled"),
    "offer": N_("{name} has a special offer for you: {snippet}"),
    "review:new": N_("{name} reviewed {snippet}"),
    "review:reply": N_("{name} replied to your review: {snippet}"),
    "list:follow": N_("{name} started following your list {snippet}"),
    "wish:new": N_("{name} made a wish for your shop: {snippet}"),
    "wish:answered": N_("{name} answered your wish: {snippet}"),
    "wish:accepted": N_("{name} accepted your wish: {snippet}"),
    "wish:declined": N_("{name} declined your wish: {snippet}"),
    "wish:made": N_("{name} made your wish: {snippet}"),
    "wish:reserved": N_("{name} made what you pledged for, and it is reserved for you: {snippet}"),
    "wish:reserved_part": N_(
        "{name} made what you pledged for; part of it is reserved for you: {snippet}"
    ),
    "wish:no_stock": N_(
        "{name} made what you pledged for, but there was none left to reserve for you: {snippet}"
    ),
    # Never names the giver: a list owner must not learn who bought what.
    "reward": N_("You earned {snippet} reward points"),
    "group:reached": N_("Your group order for {snippet} reached its target: check out your share"),
    "group:shop_reached": N_("A group order for {snippet} reached its target"),
    "group:expired": N_(
        "The group order for {snippet} ended without reaching its target. Nobody was charged."
    ),
    "group:cancelled": N_("The group order for {snippet} was cancelled. Nobody was charged."),
    "team": N_("{name}: news from your team {snippet}"),
    "team:request": N_("{name} asks to join your team {snippet}"),
    "team:approved": N_("{name} let you into the team {snippet}"),
    "team:reply": N_("{name} replied in your thread {snippet}"),
}
KIND_LABELS = {
    N_FOLLOW: N_("New followers"),
    N_COMMENT: N_("Comments on my posts, purchases and listings"),
    N_REPLY: N_("Replies to my comments"),
    N_LIKE: N_("Likes"),
    N_MENTION: N_("Mentions of @me"),
    N_ORDER: N_("Orders: new, paid, shipped, cancelled"),
    N_OFFER: N_("Special offers from shops I follow"),
    N_REVIEW: N_("Reviews of my shop, and replies to my reviews"),
    N_LIST: N_("New followers of my lists"),
    N_WISH: N_("Wishes: new wishes for my shop, answers to mine, what I pledged for"),
    N_REWARD: N_("Reward points I earn"),
    N_GROUP: N_("Group orders I'm in: target reached, ended, cancelled"),
    N_TEAM: N_("Teams: requests to join, and replies in my threads"),
}


def template_key(kind: str, detail: str) -> str:
    key = f"{kind}:{detail}"
    return key if key in TEMPLATES else kind


class NotificationCard(BaseModel):
    """One notification as the page shows it: safe for client-visible state."""

    id: int
    template: str  # one of TEMPLATES' texts (translated in the browser)
    name: str
    handle: str
    avatar: str
    initials: str
    snippet: str
    link: str
    when: str
    unread: bool


class NotificationSettings(BaseModel):
    on: dict[str, bool]
    digest: bool
    email_messages: bool = True


def _snippet(value: str) -> str:
    value = " ".join((value or "").split())
    return value if len(value) <= SNIPPET else value[: SNIPPET - 1].rstrip() + "…"


def _kind_off(session: Session, user_id: int, kind: str) -> bool:
    return session.get(NotificationOff, (user_id, kind)) is not None


def _silenced(session: Session, user_id: int, actor_id: int) -> bool:
    """A block either way, or the person muted the actor."""
    blocked = session.exec(
        select(Block.blocker_id).where(
            ((Block.blocker_id == user_id) & (Block.blocked_id == actor_id))
            | ((Block.blocker_id == actor_id) & (Block.blocked_id == user_id))
        )
    ).first()
    return blocked is not None or session.get(Mute, (user_id, actor_id)) is not None


def notify(
    session: Session,
    *,
    user_id: int,
    kind: str,
    link: str,
    actor_id: int | None = None,
    detail: str = "",
    snippet: str = "",
    subject_key: str = "",
) -> Notification | None:
    """Tell ``user_id`` (in the caller's transaction). With a ``subject_key``, the same
    actor tells the same person about the same thing only once (likes toggled on and
    off don't notify twice). Returns None when nobody is told."""
    if kind not in KINDS or user_id == actor_id:
        return None
    recipient = session.get(User, user_id)
    if recipient is None or recipient.deleted_at is not None or recipient.suspended_at:
        return None
    if _kind_off(session, user_id, kind):
        return None
    if actor_id is not None and _silenced(session, user_id, actor_id):
        return None
    if subject_key:
        seen = session.exec(
            select(Notification.id).where(
                Notification.user_id == user_id,
                Notification.subject_key == subject_key,
                Notification.actor_id == actor_id,
            )
        ).first()
        if seen is not None:
            return None
    note = Notification(
        user_id=user_id,
        kind=kind,
        detail=detail,
        actor_id=actor_id,
        link=link,
        snippet=_snippet(snippet),
        subject_key=subject_key,
    )
    if subject_key:  # a concurrent twin may win the unique index: then stay silent
        try:
            with session.begin_nested():
                session.add(note)
                session.flush()
        except IntegrityError:
            return None
    else:
        session.add(note)
    live.publish_after_commit(session, live.NOTIFICATIONS, [user_id])
    return note


def notify_mentions(
    session: Session,
    *,
    actor_id: int,
    body: str,
    link: str,
    can_see=None,
    skip: set[int] | None = None,
) -> list[int]:
    """Tell the people @mentioned in ``body`` (at most MAX_MENTIONS) who may see it:
    ``can_see(user_id)`` decides (None: everyone may). ``skip``: already told."""
    handles = mentioned_handles(body)[:MAX_MENTIONS]
    if not handles:
        return []
    people = session.exec(
        select(User.id).where(
            func.lower(User.handle).in_(handles),  # type: ignore[attr-defined]
            User.deleted_at.is_(None),  # type: ignore[union-attr]
        )
    ).all()
    told = []
    for uid in people:
        if uid in (skip or set()) or uid == actor_id:
            continue
        if can_see is not None and not can_see(uid):
            continue
        if notify(
            session,
            user_id=uid,
            kind=N_MENTION,
            actor_id=actor_id,
            link=link,
            snippet=body,
            subject_key=f"mention:{link}"[:60],
        ):
            told.append(uid)
    return told


# --- a special offer: every follower of the shop -------------------------------------

_FAN_OUT = text(
    # Casts: PostgreSQL must see one type for a parameter used in several places.
    """
    INSERT INTO notification
        (user_id, kind, detail, actor_id, link, snippet, subject_key, created_at)
    SELECT f.user_id, p.kind, '', p.actor, p.link, p.snippet, p.key, :now
    FROM (SELECT CAST(:kind AS VARCHAR) AS kind, CAST(:actor AS INTEGER) AS actor,
                 CAST(:link AS VARCHAR) AS link, CAST(:snippet AS VARCHAR) AS snippet,
                 CAST(:key AS VARCHAR) AS key) p
    JOIN favourite_shop f ON f.shop_id = :shop AND f.user_id <> p.actor
    JOIN user_account u ON u.id = f.user_id
    WHERE u.deleted_at IS NULL AND u.suspended_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM notification_off o
                      WHERE o.user_id = f.user_id AND o.kind = p.kind)
      AND NOT EXISTS (SELECT 1 FROM block b
                      WHERE (b.blocker_id = f.user_id AND b.blocked_id = p.actor)
                         OR (b.blocker_id = p.actor AND b.blocked_id = f.user_id))
      AND NOT EXISTS (SELECT 1 FROM mute m
                      WHERE m.muter_id = f.user_id AND m.muted_id = p.actor)
    RETURNING user_id
    """
)

_fan_out_threads: list[threading.Thread] = []


def fan_out_offer(
    session: Session, *, shop_id: int, actor_id: int, post_id: int, body: str
) -> list[int]:
    """Tell every follower of the shop about an offer post, in one statement (in the
    caller's transaction). Returns who was told."""
    result = session.execute(
        _FAN_OUT,
        {
            "kind": N_OFFER,
            "actor": actor_id,
            "link": f"/post/{post_id}",
            "snippet": _snippet(body),
            "key": f"offer:{post_id}",
            "now": utcnow(),
            "shop": shop_id,
        },
    )
    return [row[0] for row in result]


def notify_shop_followers_after_commit(
    session: Session, *, shop_id: int, actor_id: int, post_id: int, body: str
) -> None:
    """After ``session`` commits, tell the shop's followers on a background thread."""

    def run() -> None:
        def work() -> None:
            from social_market.db import session_scope

            try:
                with session_scope() as own:
                    told = fan_out_offer(
                        own, shop_id=shop_id, actor_id=actor_id, post_id=post_id, body=body
                    )
                live.publish(live.NOTIFICATIONS, told)
            except Exception:
                log.exception("offer notifications failed for post %s", post_id)

        thread = threading.Thread(target=work, name="offer-fan-out", daemon=True)
        _fan_out_threads[:] = [t for t in _fan_out_threads if t.is_alive()]
        _fan_out_threads.append(thread)
        thread.start()

    on_commit(session, run)


def wait_for_fan_out(timeout: float = 10.0) -> None:
    """Block until offer fan-outs started so far are done (tests, demo data)."""
    for thread in list(_fan_out_threads):
        thread.join(timeout)


# --- reading -------------------------------------------------------------------------


def _not_silenced(viewer_id: int):
    """Leave out notifications from people now blocked (either way) or suspended."""
    return (
        ~select(Block.blocker_id)
        .where(
            or_(
                (Block.blocker_id == viewer_id) & (Block.blocked_id == Notification.actor_id),
                (Block.blocked_id == viewer_id) & (Block.blocker_id == Notification.actor_id),
            )
        )
        .exists()
    )


def badge_count(session: Session, user_id: int) -> int:
    """Unread notifications, counted up to BADGE_CAP (the partial index makes it cheap)."""
    inner = (
        select(Notification.id)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))  # type: ignore[union-attr]
        .limit(BADGE_CAP)
        .subquery()
    )
    return int(session.exec(select(func.count()).select_from(inner)).one())


def badge_counts(session: Session, user_ids: list[int]) -> dict[int, int]:
    """``badge_count`` for several people in one statement (live pushes)."""
    if not user_ids:
        return {}
    rows = session.exec(
        select(Notification.user_id, func.count())
        .where(
            Notification.user_id.in_(user_ids),  # type: ignore[attr-defined]
            Notification.read_at.is_(None),  # type: ignore[union-attr]
        )
        .group_by(Notification.user_id)
    ).all()
    counts = {uid: 0 for uid in user_ids}
    counts.update({uid: min(int(n), BADGE_CAP) for uid, n in rows})
    return counts


def _decode_cursor(cursor: object) -> int:
    if cursor in (None, ""):
        return MAX_ID - 1  # ids are 32-bit on PostgreSQL: the largest is MAX_ID - 1
    value = as_id(cursor)
    if value is None:
        raise InvalidInput("That page link is broken.", field="cursor")
    return value - 1  # the cursor is the last id shown: go on below it


def list_notifications(
    *, session: Session, actor_id: object, cursor: object = None, locale: str | None = None
) -> tuple[list[NotificationCard], str]:
    """The actor's notifications, newest first, PAGE at a time; returns (cards, next cursor)."""
    me = require_user(session, actor_id)
    before = _decode_cursor(cursor)
    rows = session.exec(
        select(Notification, User)
        .join(User, User.id == Notification.actor_id, isouter=True)  # type: ignore[arg-type]
        .where(
            Notification.user_id == me.id,
            Notification.id <= before,  # type: ignore[operator]
            or_(
                Notification.actor_id.is_(None),  # type: ignore[union-attr]
                (User.suspended_at.is_(None)) & _not_silenced(me.id),  # type: ignore[union-attr,arg-type]
            ),
        )
        .order_by(Notification.id.desc())  # type: ignore[union-attr]
        .limit(PAGE + 1)
    ).all()
    now = utcnow()
    cards = []
    for note, actor in rows[:PAGE]:
        name = (actor.display_name or actor.handle) if actor else ""
        if actor is not None and actor.deleted_at is not None:
            name = ""
        cards.append(
            NotificationCard(
                id=note.id or 0,
                template=TEMPLATES[template_key(note.kind, note.detail)],
                name=name,
                handle=actor.handle if actor and actor.deleted_at is None else "",
                avatar=profiles.avatar_url(actor.avatar_key) if actor else "",
                initials=profiles.initials(name) if name else "",
                snippet=note.snippet,
                link=note.link,
                when=format_ago(note.created_at, now, locale),
                unread=note.read_at is None,
            )
        )
    next_cursor = str(cards[-1].id) if len(rows) > PAGE else ""
    return cards, next_cursor


def mark_read(*, session: Session, actor_id: object, up_to: object = None) -> int:
    """Mark the actor's unread notifications read (all, or those with id <= ``up_to``:
    what the page showed, so nothing that arrived meanwhile is lost). Returns how many."""
    me = require_user(session, actor_id)
    limit = MAX_ID - 1 if up_to in (None, "") else as_id(up_to)
    if limit is None:
        raise InvalidInput("That page link is broken.", field="up_to")
    result = session.exec(
        update(Notification)
        .where(
            Notification.user_id == me.id,  # type: ignore[arg-type]
            Notification.read_at.is_(None),  # type: ignore[union-attr]
            Notification.id <= limit,  # type: ignore[operator]
        )
        .values(read_at=utcnow())
    )
    changed = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if changed:
        live.publish_after_commit(session, live.NOTIFICATIONS, [me.id])  # type: ignore[list-item]
    return changed


# --- settings ------------------------------------------------------------------------


def get_notification_settings(*, session: Session, actor_id: object) -> NotificationSettings:
    me = require_user(session, actor_id)
    off = set(session.exec(select(NotificationOff.kind).where(NotificationOff.user_id == me.id)))
    return NotificationSettings(
        on={k: k not in off for k in KINDS},
        digest=me.notify_digest,
        email_messages=me.email_messages,
    )


def save_notification_settings(
    *, session: Session, actor_id: object, on: object, digest: object, email_messages: object = None
) -> NotificationSettings:
    """``on``: {kind: bool} for every kind; ``digest``, ``email_messages``: bool (None:
    unchanged). Anything else is refused."""
    me = require_user(session, actor_id)
    if (
        not isinstance(on, dict)
        or set(on) != set(KINDS)
        or not all(isinstance(v, bool) for v in on.values())
        or not isinstance(digest, bool)
        or not isinstance(email_messages, bool | None)
    ):
        raise InvalidInput("Those settings don't look right. Please reload the page.")
    for kind, enabled in on.items():
        row = session.get(NotificationOff, (me.id, kind))
        if enabled and row is not None:
            session.delete(row)
        elif not enabled and row is None:
            session.add(NotificationOff(user_id=me.id, kind=kind))  # type: ignore[arg-type]
    me.notify_digest = digest
    if email_messages is not None:
        me.email_messages = email_messages
    session.add(me)
    session.flush()
    return get_notification_settings(session=session, actor_id=me.id)


# --- the daily email digest ---------------------------------------------------------


def _digest_text(user: User, notes: list[Notification], names: dict) -> tuple[str, str]:
    lang = user.locale or "en"
    base = get_settings().public_base_url.rstrip("/")
    lines = []
    for note in notes:
        template = gettext(lang, TEMPLATES[template_key(note.kind, note.detail)])
        line = template.format(name=names.get(note.actor_id, ""), snippet=note.snippet)
        lines.append(f"• {line}\n  {base}{note.link}")
    subject = gettext(lang, N_("Your news on Social Market"))
    intro = gettext(lang, N_("Here is what you missed since yesterday:"))
    outro = gettext(lang, N_("Turn this email off in your notification settings: {url}")).format(
        url=f"{base}/settings/notifications"
    )
    return subject, f"{intro}\n\n" + "\n\n".join(lines) + f"\n\n{outro}\n"


def send_digests(session: Session, *, now: datetime | None = None) -> int:
    """Email each person who chose the digest their unread, not yet emailed notifications
    (older than an hour, so things read right away aren't sent). Returns emails queued."""
    from social_market.services import email as mail

    now = now or utcnow()
    cutoff = now - timedelta(hours=1)
    rows = session.exec(
        select(Notification, User)
        .join(User, User.id == Notification.user_id)  # type: ignore[arg-type]
        .where(
            Notification.read_at.is_(None),  # type: ignore[union-attr]
            Notification.emailed_at.is_(None),  # type: ignore[union-attr]
            Notification.created_at <= cutoff,  # type: ignore[operator]
            User.notify_digest.is_(True),  # type: ignore[attr-defined]
            User.deleted_at.is_(None),  # type: ignore[union-attr]
            User.suspended_at.is_(None),  # type: ignore[union-attr]
        )
        .order_by(Notification.user_id, Notification.id.desc())  # type: ignore[union-attr]
    ).all()
    by_user: dict[int, tuple[User, list[Notification]]] = {}
    for note, user in rows:
        by_user.setdefault(user.id, (user, []))[1].append(note)  # type: ignore[arg-type]
    actor_ids = {n.actor_id for n, _ in rows if n.actor_id}
    names = {
        uid: name or handle
        for uid, name, handle in session.exec(
            select(User.id, User.display_name, User.handle).where(User.id.in_(actor_ids))  # type: ignore[union-attr]
        )
    }
    for user, notes in by_user.values():
        subject, body = _digest_text(user, notes[:DIGEST_MAX], names)
        mail.send_after_commit(session, to=user.email, subject=subject, body=body)
    if rows:
        session.exec(
            update(Notification)
            .where(Notification.id.in_([n.id for n, _ in rows]))  # type: ignore[union-attr]
            .values(emailed_at=now)
        )
    return len(by_user)


def erase_for_deleted_account(*, session: Session, user_id: int) -> None:
    """A deleted account's notifications go; those it caused lose their actor."""
    from sqlalchemy import delete

    session.exec(delete(Notification).where(Notification.user_id == user_id))  # type: ignore[arg-type]
    session.exec(delete(Notification).where(Notification.actor_id == user_id))  # type: ignore[arg-type]
    session.exec(delete(NotificationOff).where(NotificationOff.user_id == user_id))  # type: ignore[arg-type]
