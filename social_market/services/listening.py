"""The maker's listening inbox: what people say about a shop, in one place.

Rows are written by the services where the words are written (messages, comments,
mentions, reviews; wishes and forum threads call ``record``/``mark_answered`` too), in
the caller's transaction. One row per thing said: a later message in the same
conversation replaces the conversation's row (new snippet, unanswered again, at the top).
The maker's own words never make a row; the maker answering marks it replied.

Hiding or deleting the source deletes its row (``forget``); blocks and suspended or
deleted authors are filtered when reading (a block can be lifted).

Reading: unanswered first, newest first within each, by keyset over the indexes
``(shop_id, answered, id)`` / ``(shop_id, kind, answered, id)``: at most two index
ranges per page, never an OFFSET; authors come in the same statement.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel
from sqlalchemy import delete, exists, func, literal, union_all, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from social_market.i18n.format import format_ago
from social_market.models import Block, ListeningItem, Shop, User, utcnow
from social_market.models.listening import L_MENTION, LISTENING_KINDS
from social_market.services import profiles
from social_market.services.accounts import require_user
from social_market.services.errors import NotFound
from social_market.services.ids import as_id, id_in
from social_market.services.rich_text import mentioned_handles

PAGE = 30
COUNT_CAP = 100  # chips show "99+" beyond: counting stays a bounded index range
SNIPPET = 200
STATES = ("unanswered", "answered", "all")
MAX_MENTIONS = 10


class ListeningCard(BaseModel):
    """One thing said, as the shop's maker sees it (only they ever do)."""

    id: int
    kind: str
    author_name: str
    author_handle: str
    author_avatar: str
    author_initials: str
    snippet: str
    when: str
    link: str
    answered: bool


class ListeningPage(BaseModel):
    items: list[ListeningCard]
    next_cursor: str  # '' when there is no more
    counts: dict[str, int]  # unanswered per kind, capped at COUNT_CAP
    unanswered: int  # all kinds, capped at COUNT_CAP


def _snippet(text: str) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= SNIPPET else flat[: SNIPPET - 1] + "…"


def _insert(session: Session):
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


# --- writing (hooks) -------------------------------------------------------------------


def record(
    session: Session,
    *,
    shop_id: int,
    kind: str,
    subject_kind: str,
    subject_id: int,
    author_id: int,
    snippet: str,
    link: str,
    owner_id: int | None = None,
    answered: bool = False,
) -> bool:
    """Put something said about ``shop_id`` in its maker's inbox (the caller commits).

    The same subject again (a newer message in a conversation) replaces the row: new
    snippet and time, unanswered, at the top. Nothing is written for the maker's own
    words. ``owner_id``: the shop's owner when the caller knows it (saves a query).
    Returns whether a row was written.
    """
    if kind not in LISTENING_KINDS:
        raise ValueError(f"unknown listening kind {kind!r}")
    if owner_id is None:
        owner_id = session.exec(select(Shop.owner_id).where(Shop.id == shop_id)).first()
    if owner_id is None or owner_id == author_id:
        return False
    key = (
        ListeningItem.shop_id == shop_id,
        ListeningItem.kind == kind,
        ListeningItem.subject_kind == subject_kind,
        ListeningItem.subject_id == subject_id,
    )
    # Delete + insert rather than update: the row takes a new id, so it moves to the top
    # of the id-ordered inbox. A concurrent insert of the same subject wins the conflict
    # (the other row is just as fresh).
    session.exec(delete(ListeningItem).where(*key))  # type: ignore[call-overload]
    now = utcnow()
    session.exec(
        _insert(session)(ListeningItem)  # type: ignore[call-overload]
        .values(
            shop_id=shop_id,
            kind=kind,
            subject_kind=subject_kind,
            subject_id=subject_id,
            author_id=author_id,
            snippet=_snippet(snippet),
            link=(link or "")[:200],
            answered=answered,
            answered_at=now if answered else None,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["shop_id", "kind", "subject_kind", "subject_id"])
    )
    return True


def _ids(subject_ids: int | Iterable[int]) -> list[int]:
    if isinstance(subject_ids, int):
        return [subject_ids]
    return sorted({int(i) for i in subject_ids})


def mark_answered(
    session: Session, shop_id: int | None, subject_kind: str, subject_id: int | Iterable[int]
) -> int:
    """The maker answered (replied in the conversation, the thread, to the review):
    the subject's rows of their shop, of any kind, become replied. Returns rows changed."""
    ids = _ids(subject_id)
    if shop_id is None or not ids:
        return 0
    result = session.exec(
        update(ListeningItem)  # type: ignore[call-overload]
        .where(
            ListeningItem.shop_id == shop_id,
            ListeningItem.answered == False,  # noqa: E712 - SQL
            ListeningItem.subject_kind == subject_kind,
            id_in(session, ListeningItem.subject_id, ids),
        )
        .values(answered=True, answered_at=utcnow())
    )
    return result.rowcount or 0


def forget(session: Session, subject_kind: str, subject_id: int | Iterable[int]) -> None:
    """The source was deleted or hidden: its rows leave every inbox."""
    ids = _ids(subject_id)
    if ids:
        session.exec(
            delete(ListeningItem).where(  # type: ignore[call-overload]
                ListeningItem.subject_kind == subject_kind,
                id_in(session, ListeningItem.subject_id, ids),
            )
        )


def shop_of(session: Session, user_id: int | None) -> int | None:
    """The id of the shop ``user_id`` owns, if any."""
    if user_id is None:
        return None
    return session.exec(select(Shop.id).where(Shop.owner_id == user_id)).first()


def record_mentions(
    session: Session,
    *,
    author_id: int,
    body: str,
    subject_kind: str,
    subject_id: int,
    link: str,
    can_see=None,
    skip_shops: Iterable[int] = (),
) -> list[int]:
    """Makers @mentioned in ``body`` by someone else, who may see it (``can_see(user_id)``),
    get a 'mention' row. ``skip_shops``: shops that already have a row for this. Returns
    the shop ids written."""
    handles = mentioned_handles(body)[:MAX_MENTIONS]
    if not handles:
        return []
    rows = session.exec(
        select(Shop.id, Shop.owner_id)
        .join(User, User.id == Shop.owner_id)  # type: ignore[arg-type]
        .where(
            User.handle_key.in_(handles),  # type: ignore[attr-defined]
            User.deleted_at.is_(None),  # type: ignore[union-attr]
            Shop.closed_at.is_(None),  # type: ignore[union-attr]
        )
    ).all()
    skip = set(skip_shops)
    out = []
    for shop_id, owner_id in rows:
        if shop_id in skip or owner_id == author_id:
            continue
        if can_see is not None and not can_see(owner_id):
            continue
        record(
            session,
            shop_id=shop_id,
            kind=L_MENTION,
            subject_kind=subject_kind,
            subject_id=subject_id,
            author_id=author_id,
            snippet=body,
            link=link,
            owner_id=owner_id,
        )
        out.append(shop_id)
    return out


def on_direct_message(
    session: Session,
    *,
    conversation_id: int,
    sender_id: int,
    member_ids: Iterable[int],
    body: str,
    link: str,
) -> None:
    """A message in a direct conversation: a maker receiving it hears it, a maker
    sending it has answered it. Two small statements at most (both can be makers)."""
    members = sorted(set(member_ids) | {sender_id})
    shops = session.exec(
        select(Shop.id, Shop.owner_id).where(id_in(session, Shop.owner_id, members))
    ).all()
    for shop_id, owner_id in shops:
        if owner_id == sender_id:
            mark_answered(session, shop_id, "conversation", conversation_id)
        else:
            record(
                session,
                shop_id=shop_id,
                kind="message",
                subject_kind="conversation",
                subject_id=conversation_id,
                author_id=sender_id,
                snippet=body,
                link=link,
                owner_id=owner_id,
            )


def erase_for_deleted_account(*, session: Session, user_id: int) -> None:
    """A deleted account's words leave every inbox; a deleted maker's inbox goes too."""
    session.exec(delete(ListeningItem).where(ListeningItem.author_id == user_id))  # type: ignore[call-overload]
    shop_id = shop_of(session, user_id)
    if shop_id is not None:
        session.exec(delete(ListeningItem).where(ListeningItem.shop_id == shop_id))  # type: ignore[call-overload]


# --- the maker's inbox -------------------------------------------------------------------


def _own_shop(session: Session, actor_id: object) -> Shop:
    me = require_user(session, actor_id)
    shop = session.exec(select(Shop).where(Shop.owner_id == me.id)).first()
    if shop is None:
        raise NotFound("Open a shop first.")
    return shop


MAX_BLOCKS_LISTED = 500  # beyond this many blocks, filter with subqueries instead


def _visible(session: Session, owner_id: int) -> tuple:
    """Conditions: authors neither blocked by nor blocking the maker, and still active.

    The maker's blocks (usually none or a few) are read once and filtered as a list, so
    each row costs one index probe (its author) instead of three.
    """
    li = ListeningItem
    active = (
        User.deleted_at.is_(None),  # type: ignore[union-attr]
        User.suspended_at.is_(None),  # type: ignore[union-attr]
    )
    either = union_all(
        select(Block.blocked_id.label("uid")).where(Block.blocker_id == owner_id),  # type: ignore[attr-defined]
        select(Block.blocker_id.label("uid")).where(Block.blocked_id == owner_id),  # type: ignore[attr-defined]
    ).subquery()
    hidden = list(session.exec(select(either.c.uid).limit(MAX_BLOCKS_LISTED + 1)))  # type: ignore[call-overload]
    if not hidden:
        return active
    if len(hidden) <= MAX_BLOCKS_LISTED:
        return (*active, ~id_in(session, li.author_id, hidden))
    return (
        *active,
        ~exists().where(Block.blocker_id == owner_id, Block.blocked_id == li.author_id),
        ~exists().where(Block.blocker_id == li.author_id, Block.blocked_id == owner_id),
    )


def _decode_cursor(cursor: object) -> tuple[bool, int | None] | None:
    """'u123' / 'a123': the phase (answered?) and the last id shown ('a*': the top of
    the answered phase); None = start."""
    if not isinstance(cursor, str) or len(cursor) < 2 or cursor[0] not in "ua":
        return None
    if cursor[1:] == "*":
        return cursor[0] == "a", None
    before = as_id(cursor[1:])
    if before is None:
        return None
    return cursor[0] == "a", before


def _range(
    session: Session,
    shop: Shop,
    visible: tuple,
    kind: str,
    answered: bool,
    before: int | None,
    limit: int,
):
    li = ListeningItem
    query = (
        select(
            li.id,
            li.kind,
            li.snippet,
            li.link,
            li.answered,
            li.created_at,
            User.handle,
            User.display_name,
            User.avatar_key,
        )
        .join(User, User.id == li.author_id)  # type: ignore[arg-type]
        .where(
            li.shop_id == shop.id,
            li.answered == answered,
            *visible,
        )
    )
    if before is not None:  # None: the top of the phase
        query = query.where(li.id < before)  # type: ignore[operator]
    if kind:
        query = query.where(li.kind == kind)
    return list(session.exec(query.order_by(li.id.desc()).limit(limit)))  # type: ignore[union-attr]


def unanswered_counts(session: Session, shop: Shop, visible: tuple | None = None) -> dict[str, int]:
    """Unanswered rows per kind, each counted up to COUNT_CAP: bounded index ranges,
    whatever the inbox's size. Usually one range: the latest COUNT_CAP unanswered rows;
    only when there are that many, one bounded range per kind."""
    li = ListeningItem
    if visible is None:
        visible = _visible(session, shop.owner_id)
    latest = (
        select(li.kind)
        .join(User, User.id == li.author_id)  # type: ignore[arg-type]
        .where(li.shop_id == shop.id, li.answered == False, *visible)  # noqa: E712 - SQL
        .order_by(li.id.desc())  # type: ignore[union-attr]
        .limit(COUNT_CAP)
        .subquery()
    )
    counts = dict.fromkeys(LISTENING_KINDS, 0)
    for kind, n in session.exec(select(latest.c.kind, func.count()).group_by(latest.c.kind)):  # type: ignore[call-overload]
        counts[kind] = int(n)
    if sum(counts.values()) < COUNT_CAP:
        return counts
    parts = []
    for kind in LISTENING_KINDS:
        inner = (
            select(li.id)
            .join(User, User.id == li.author_id)  # type: ignore[arg-type]
            .where(
                li.shop_id == shop.id,
                li.kind == kind,
                li.answered == False,  # noqa: E712 - SQL
                *visible,
            )
            .limit(COUNT_CAP)
            .subquery()
        )
        parts.append(
            select(literal(kind).label("kind"), func.count().label("n")).select_from(inner)
        )
    rows = session.exec(union_all(*parts)).all()  # type: ignore[call-overload]
    return {kind: int(n) for kind, n in rows}


def unanswered_total(session: Session, owner_id: int) -> int:
    """For the seller dashboard: how many things wait for an answer (capped)."""
    shop = session.exec(select(Shop).where(Shop.owner_id == owner_id)).first()
    if shop is None:
        return 0
    return min(COUNT_CAP, sum(unanswered_counts(session, shop).values()))


def inbox(
    *,
    session: Session,
    actor_id: object,
    kind: object = "",
    state: object = "unanswered",
    cursor: object = None,
    locale: str | None = None,
    limit: int = PAGE,
    with_counts: bool = True,
) -> ListeningPage:
    """One page of the actor's own shop's inbox (NotFound without a shop).

    ``kind``: '' or one of LISTENING_KINDS; ``state``: unanswered / answered / all;
    ``cursor``: the page's ``next_cursor`` (anything malformed starts at the top).
    ``with_counts``: False for later pages (the chips keep the first page's counts;
    ``counts`` comes back empty).
    """
    shop = _own_shop(session, actor_id)
    kind = kind if kind in LISTENING_KINDS else ""
    state = state if state in STATES else "unanswered"
    phases = {"unanswered": [False], "answered": [True], "all": [False, True]}[str(state)]
    start = _decode_cursor(cursor)
    if start is not None and start[0] in phases:
        phases = phases[phases.index(start[0]) :]
        before = start[1]
    else:
        before = None
    visible = _visible(session, shop.owner_id)
    rows: list = []
    next_cursor = ""
    for answered in phases:
        phase = "a" if answered else "u"
        want = limit - len(rows)
        if want <= 0:  # the page filled at the end of the first phase: more after it?
            if _range(session, shop, visible, str(kind), answered, before, 1):
                next_cursor = phase + "*"
            break
        got = _range(session, shop, visible, str(kind), answered, before, want + 1)
        if len(got) > want:
            rows += got[:want]
            next_cursor = phase + str(rows[-1][0])
            break
        rows += got
        before = None
    now = utcnow()
    items = []
    for row_id, row_kind, snippet, link, answered, created_at, handle, display, avatar in rows:
        name = display or handle
        items.append(
            ListeningCard(
                id=row_id,
                kind=row_kind,
                author_name=name,
                author_handle=handle,
                author_avatar=profiles.avatar_url(avatar),
                author_initials=profiles.initials(name),
                snippet=snippet,
                when=format_ago(created_at, now, locale),
                link=link,
                answered=bool(answered),
            )
        )
    counts = unanswered_counts(session, shop, visible) if with_counts else {}
    return ListeningPage(
        items=items,
        next_cursor=next_cursor,
        counts=counts,
        unanswered=min(COUNT_CAP, sum(counts.values())),
    )


def set_answered(*, session: Session, actor_id: object, item_id: object, answered: object) -> bool:
    """The maker marks a row replied (or unanswered again). Only rows of their own shop
    that they may see: anything else is NotFound, whatever id arrives."""
    shop = _own_shop(session, actor_id)
    iid = as_id(item_id)
    if iid is None or not isinstance(answered, bool):
        raise NotFound("We couldn't find that.")
    visible = session.exec(
        select(ListeningItem.id)
        .join(User, User.id == ListeningItem.author_id)  # type: ignore[arg-type]
        .where(
            ListeningItem.id == iid,
            ListeningItem.shop_id == shop.id,
            *_visible(session, shop.owner_id),
        )
    ).first()
    if visible is None:
        raise NotFound("We couldn't find that.")
    session.exec(
        update(ListeningItem)  # type: ignore[call-overload]
        .where(ListeningItem.id == iid)
        .values(answered=answered, answered_at=utcnow() if answered else None)
    )
    return answered
