"""The moderators' side: roles, the queue of reports, and what moderators do about them.

Every function here checks first that the actor is a moderator (NotAllowed otherwise),
then acts, writes the audit log (``ModerationAction``) and resolves the target's open
reports, all in the caller's transaction. Targets are reached through the adapters
registered in ``services/reports.py``.
"""

from __future__ import annotations

import logging
from collections import Counter

from pydantic import BaseModel
from sqlalchemy import func, update
from sqlmodel import Session, select

from social_market.i18n.catalog import N_
from social_market.i18n.format import format_day
from social_market.models import ModerationAction, Report, Shop, User, utcnow
from social_market.models.moderation import (
    ACTIONED,
    DISMISS,
    DISMISSED,
    GRANT_MODERATOR,
    HIDE,
    OPEN,
    REVOKE_MODERATOR,
    SUSPEND,
    UNHIDE,
    UNSUSPEND,
)
from social_market.models.user import MEMBER, MODERATOR
from social_market.services import accounts, reports
from social_market.services.accounts import require_user
from social_market.services.errors import InvalidInput, NotAllowed, NotFound
from social_market.services.ids import as_id
from social_market.services.text import clean_text

log = logging.getLogger(__name__)
QUEUE_PAGE = 20
MAX_REASON = 500
ACTION_LABELS = {
    DISMISS: N_("Dismissed the reports"),
    HIDE: N_("Hid"),
    UNHIDE: N_("Showed again"),
    SUSPEND: N_("Suspended"),
    UNSUSPEND: N_("Lifted the suspension of"),
    GRANT_MODERATOR: N_("Made moderator"),
    REVOKE_MODERATOR: N_("Ended the moderator role of"),
}


# ---------------------------------------------------------------------- shapes for pages


class ReportNote(BaseModel):
    reporter_handle: str
    reason: str  # msgid of the reason's label
    note: str
    when: str


class ReasonCount(BaseModel):
    reason: str  # msgid of the reason's label
    count: int


class QueueItem(BaseModel):
    """One reported target with its open reports; for moderators' eyes only."""

    kind: str
    kind_label: str  # msgid
    target_id: int
    preview: str  # plain text
    url: str
    owner_id: int
    owner_handle: str
    owner_suspended: bool
    hidden: bool
    can_hide: bool
    exists: bool
    report_count: int
    reasons: list[ReasonCount]
    notes: list[ReportNote]
    first_reported: str


class QueuePage(BaseModel):
    items: list[QueueItem]
    next_cursor: int | None  # pass back as ``cursor`` for the next page


class SuspendedAccount(BaseModel):
    user_id: int
    handle: str
    name: str
    reason: str
    since: str


class ActionPublic(BaseModel):
    moderator: str  # handle, or '' for the command line
    action: str  # msgid
    kind_label: str  # msgid
    target: str  # preview of the target, as text
    url: str
    reason: str
    when: str


# ---------------------------------------------------------------------- roles


def is_moderator(session: Session, user_id: int | None) -> bool:
    if user_id is None:
        return False
    user = session.get(User, user_id)
    return (
        user is not None
        and user.role == MODERATOR
        and user.deleted_at is None
        and user.suspended_at is None
    )


def require_moderator(session: Session, actor_id: object) -> User:
    """The acting moderator, or NotAllowed (also for people not signed in)."""
    user = require_user(session, actor_id)
    if user.role != MODERATOR:
        log.warning("user %s refused a moderation action", user.id)
        raise NotAllowed("Only moderators can do that.")
    return user


def set_moderator(*, session: Session, handle: str, on: bool) -> User:
    """Grant (``on``) or revoke the moderator role. For the admin command line, which is
    trusted: there is no acting user; the audit log records it without a moderator."""
    user = session.exec(
        select(User).where(
            User.handle_key == handle.strip().lstrip("@").lower(),
            User.deleted_at.is_(None),  # type: ignore[union-attr]
        )
    ).first()
    if user is None:
        raise NotFound("We couldn't find that person.")
    user.role = MODERATOR if on else MEMBER
    session.add(user)
    _log(session, None, GRANT_MODERATOR if on else REVOKE_MODERATOR, "user", user.id, "")  # type: ignore[arg-type]
    return user


# ---------------------------------------------------------------------- helpers


def _log(
    session: Session, moderator_id: int | None, action: str, kind: str, target_id: int, why: str
) -> None:
    session.add(
        ModerationAction(
            moderator_id=moderator_id,
            action=action,
            target_kind=kind,
            target_id=target_id,
            reason=why,
        )
    )
    log.info("moderation: %s %s %s:%s", moderator_id, action, kind, target_id)


def _resolve(session: Session, moderator_id: int, kind: str, target_id: int, status: str) -> int:
    """Close the target's open reports; returns how many there were."""
    result = session.execute(
        update(Report)
        .where(
            Report.status == OPEN,
            Report.target_kind == kind,
            Report.target_id == target_id,
        )
        .values(status=status, handled_by_id=moderator_id, handled_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount  # type: ignore[attr-defined]


def _reason(value: object, *, required: bool = False) -> str:
    text = clean_text(
        value, field="reason", label=N_("Reason"), max_length=MAX_REASON, multiline=True
    )
    if required and not text:
        raise InvalidInput("Please give a reason.", field="reason")
    return text


def _target(session: Session, kind: object, target_id: object):
    adapter = reports.target_adapter(kind)
    tid = as_id(target_id)
    info = adapter.load(session, [tid]).get(tid) if tid else None  # type: ignore[list-item]
    if info is None:
        raise NotFound("We couldn't find that.")
    return adapter, tid, info


# ---------------------------------------------------------------------- actions


def dismiss(
    *, session: Session, actor_id: object, target_kind: object, target_id: object, reason=""
) -> int:
    """Close the target's open reports without acting on it. Returns how many."""
    mod = require_moderator(session, actor_id)
    why = _reason(reason)
    reports.target_adapter(target_kind)  # a known kind; the target itself may be gone
    tid = as_id(target_id)
    if tid is None:
        raise NotFound("We couldn't find that.")
    count = _resolve(session, mod.id, target_kind, tid, DISMISSED)  # type: ignore[arg-type]
    _log(session, mod.id, DISMISS, target_kind, tid, why)  # type: ignore[arg-type]
    return count


def hide_target(
    *, session: Session, actor_id: object, target_kind: object, target_id: object, reason=""
) -> None:
    """Hide a listing, a shop, or another registered kind from everyone but its owner."""
    mod = require_moderator(session, actor_id)
    why = _reason(reason)
    adapter, tid, _ = _target(session, target_kind, target_id)
    if not adapter.can_hide:
        raise InvalidInput("Accounts can't be hidden: suspend the account instead.")
    adapter.hide(session, tid)
    _resolve(session, mod.id, target_kind, tid, ACTIONED)  # type: ignore[arg-type]
    _log(session, mod.id, HIDE, target_kind, tid, why)  # type: ignore[arg-type]


def unhide_target(
    *, session: Session, actor_id: object, target_kind: object, target_id: object, reason=""
) -> None:
    """Show a hidden target again (its open reports, if any, are dismissed)."""
    mod = require_moderator(session, actor_id)
    why = _reason(reason)
    adapter, tid, _ = _target(session, target_kind, target_id)
    if not adapter.can_hide:
        raise InvalidInput("Accounts can't be hidden: suspend the account instead.")
    adapter.unhide(session, tid)
    _resolve(session, mod.id, target_kind, tid, DISMISSED)  # type: ignore[arg-type]
    _log(session, mod.id, UNHIDE, target_kind, tid, why)  # type: ignore[arg-type]


def _account(session: Session, user_id: object) -> User:
    uid = as_id(user_id)
    user = session.get(User, uid) if uid else None
    if user is None or user.deleted_at is not None:
        raise NotFound("We couldn't find that person.")
    return user


def suspend_user(*, session: Session, actor_id: object, user_id: object, reason: object) -> None:
    """Suspend an account: it can't sign in, its sessions end now, and its profile, shop
    and listings are hidden from everyone. Needs a reason (kept in the audit log)."""
    mod = require_moderator(session, actor_id)
    why = _reason(reason, required=True)
    user = _account(session, user_id)
    if user.id == mod.id:
        raise InvalidInput("You can't suspend your own account.")
    if user.suspended_at is None:
        user.suspended_at = utcnow()
    user.suspension_reason = why
    session.add(user)
    accounts.revoke_all_sessions(session=session, user_id=user.id)  # type: ignore[arg-type]
    _hide_shop_of(session, user.id)  # type: ignore[arg-type]
    _resolve(session, mod.id, "user", user.id, ACTIONED)  # type: ignore[arg-type]
    _log(session, mod.id, SUSPEND, "user", user.id, why)  # type: ignore[arg-type]


def unsuspend_user(
    *, session: Session, actor_id: object, user_id: object, reason: object = ""
) -> None:
    """Lift a suspension: the person can sign in again and everything of theirs that
    moderators didn't hide on its own is visible again."""
    mod = require_moderator(session, actor_id)
    why = _reason(reason)
    user = _account(session, user_id)
    user.suspended_at = None
    user.suspension_reason = ""
    session.add(user)
    _hide_shop_of(session, user.id)  # type: ignore[arg-type]
    _resolve(session, mod.id, "user", user.id, DISMISSED)  # type: ignore[arg-type]
    _log(session, mod.id, UNSUSPEND, "user", user.id, why)  # type: ignore[arg-type]


def _hide_shop_of(session: Session, user_id: int) -> None:
    shop_id = session.exec(select(Shop.id).where(Shop.owner_id == user_id)).first()
    if shop_id is not None:
        reports.apply_listing_visibility(session, shop_id)


# ---------------------------------------------------------------------- reading


def open_reports(
    *,
    session: Session,
    actor_id: object,
    cursor: object = None,
    limit: int = QUEUE_PAGE,
    locale: str | None = None,
) -> QueuePage:
    """Reported targets with open reports, the longest-waiting first, a page at a time.

    One grouped query over ix_report_status_target_kind_target_id_id (keyset on each
    target's first open report id), then one query for the page's reports, one per
    kind for the targets, and one for the people involved.
    """
    require_moderator(session, actor_id)
    after = as_id(cursor) if cursor not in (None, "") else None
    if cursor not in (None, "") and after is None:
        raise InvalidInput("This list has changed. Please reload the page.")
    first = func.min(Report.id).label("first")
    query = (
        select(Report.target_kind, Report.target_id, first, func.count().label("n"))
        .where(Report.status == OPEN)
        .group_by(Report.target_kind, Report.target_id)
    )
    if after is not None:
        query = query.having(func.min(Report.id) > after)
    size = max(1, min(QUEUE_PAGE * 5, limit))
    groups = session.exec(query.order_by(first).limit(size + 1)).all()
    more = len(groups) > size
    groups = groups[:size]
    if not groups:
        return QueuePage(items=[], next_cursor=None)
    by_kind: dict[str, list[int]] = {}
    for kind, tid, _, _ in groups:
        by_kind.setdefault(kind, []).append(tid)
    infos: dict[tuple[str, int], reports.TargetInfo] = {}
    rows: list[Report] = []
    for kind, ids in by_kind.items():
        try:
            adapter = reports.target_adapter(kind)
        except NotFound:
            adapter = None  # a kind whose module is gone: its reports still show
        if adapter is not None:
            infos.update({(kind, i): v for i, v in adapter.load(session, ids).items()})
        rows += session.exec(
            select(Report)
            .where(
                Report.status == OPEN,
                Report.target_kind == kind,
                Report.target_id.in_(ids),  # type: ignore[attr-defined]
            )
            .order_by(Report.id)  # type: ignore[arg-type]
        ).all()
    people_ids = {r.reporter_id for r in rows} | {
        i.owner_id for i in infos.values() if i.owner_id is not None
    }
    people = {
        u.id: u
        for u in session.exec(select(User).where(User.id.in_(people_ids)))  # type: ignore[union-attr]
    }
    per_target: dict[tuple[str, int], list[Report]] = {}
    for r in rows:
        per_target.setdefault((r.target_kind, r.target_id), []).append(r)
    items = []
    for kind, tid, _, n in groups:
        info = infos.get((kind, tid))
        own = per_target.get((kind, tid), [])
        owner = people.get(info.owner_id) if info and info.owner_id else None
        adapter = reports._REGISTRY.get(kind)
        counts = Counter(r.reason for r in own)
        items.append(
            QueueItem(
                kind=kind,
                kind_label=adapter.label if adapter else kind,
                target_id=tid,
                preview=info.preview if info else "",
                url=info.url if info else "",
                owner_id=owner.id if owner else 0,  # type: ignore[arg-type]
                owner_handle=owner.handle if owner else "",
                owner_suspended=bool(owner and owner.suspended_at is not None),
                hidden=bool(info and info.hidden),
                can_hide=bool(adapter and adapter.can_hide and info),
                exists=info is not None,
                report_count=n,
                reasons=[
                    ReasonCount(reason=reports.REASON_LABELS.get(k, k), count=c)
                    for k, c in counts.most_common()
                ],
                notes=[
                    ReportNote(
                        reporter_handle=people[r.reporter_id].handle
                        if r.reporter_id in people
                        else "",
                        reason=reports.REASON_LABELS.get(r.reason, r.reason),
                        note=r.note,
                        when=format_day(r.created_at, locale, "medium"),
                    )
                    for r in own
                    if r.note
                ],
                first_reported=format_day(own[0].created_at, locale, "medium") if own else "",
            )
        )
    return QueuePage(items=items, next_cursor=groups[-1][2] if more else None)


def recent_actions(
    *, session: Session, actor_id: object, limit: int = 30, locale: str | None = None
) -> list[ActionPublic]:
    """The audit log, newest first (ix_moderation_action_created_at_id)."""
    require_moderator(session, actor_id)
    rows = session.exec(
        select(ModerationAction)
        .order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc())  # type: ignore[attr-defined]
        .limit(max(1, min(100, limit)))
    ).all()
    mods = {r.moderator_id for r in rows if r.moderator_id is not None}
    handles = dict(
        session.exec(select(User.id, User.handle).where(User.id.in_(mods))).all()  # type: ignore[union-attr]
    )
    by_kind: dict[str, list[int]] = {}
    for r in rows:
        by_kind.setdefault(r.target_kind, []).append(r.target_id)
    infos: dict[tuple[str, int], reports.TargetInfo] = {}
    for kind, ids in by_kind.items():
        adapter = reports._REGISTRY.get(kind)
        if adapter is not None:
            infos.update({(kind, i): v for i, v in adapter.load(session, ids).items()})
    out = []
    for r in rows:
        info = infos.get((r.target_kind, r.target_id))
        adapter = reports._REGISTRY.get(r.target_kind)
        out.append(
            ActionPublic(
                moderator=handles.get(r.moderator_id, ""),  # type: ignore[arg-type]
                action=ACTION_LABELS.get(r.action, r.action),
                kind_label=adapter.label if adapter else r.target_kind,
                target=reports.short(info.preview, 80) if info else f"#{r.target_id}",
                url=info.url if info else "",
                reason=r.reason,
                when=format_day(r.created_at, locale, "medium"),
            )
        )
    return out


def suspended_accounts(
    *, session: Session, actor_id: object, limit: int = 50, locale: str | None = None
) -> list[SuspendedAccount]:
    """Suspended accounts, most recently suspended first (few: a plain scan is fine)."""
    require_moderator(session, actor_id)
    rows = session.exec(
        select(User)
        .where(User.suspended_at.is_not(None), User.deleted_at.is_(None))  # type: ignore[union-attr]
        .order_by(User.suspended_at.desc(), User.id.desc())  # type: ignore[union-attr]
        .limit(max(1, min(200, limit)))
    ).all()
    return [
        SuspendedAccount(
            user_id=u.id,  # type: ignore[arg-type]
            handle=u.handle,
            name=u.display_name or u.handle,
            reason=u.suspension_reason,
            since=format_day(u.suspended_at, locale, "medium"),  # type: ignore[arg-type]
        )
        for u in rows
    ]
