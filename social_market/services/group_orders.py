"""Group orders: buyers club together for one listing to reach a target quantity, at
the maker's tiered group prices (e.g. 10% off from 5 pieces).

Rules kept here (tested in tests/services/test_group_orders*.py):
- Only the maker sets a listing's tiers (at most five, each from 2 pieces, 1–90% off,
  more pieces always mean a bigger discount). Someone else's listing id is not found.
- Joining is one transaction: the group order's row is locked first (``FOR UPDATE`` on
  PostgreSQL; SQLite takes its write lock before reading), and the query itself checks
  ``state = 'open' AND deadline > now``, so a join after the deadline is refused at the
  moment of use whether or not the cleanup job ran. The member's pieces leave the
  listing's free stock at once (a pending hold, ``services/holds.py``): nothing is ever
  oversold, and the counters move with conditional UPDATEs whose row counts are checked.
- The join that reaches the target closes the group: one UPDATE ``open → reached``
  (checked), the price of the tier for the joined quantity fixed for everyone, every
  share made payable for a few days, every member told once.
- Leaving, cancelling and expiring release the held pieces (only the transaction that
  releases a hold gives its pieces back). An open group order past its deadline expires
  when anyone next reads or joins it, and a job expires the rest: nobody is charged.
- At most 20 members (the size of a group conversation); members share the group's
  conversation (subject 'group').
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from limits import parse
from pydantic import BaseModel
from sqlalchemy import delete, func, or_, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from social_market.i18n.catalog import N_
from social_market.i18n.format import format_money
from social_market.models import (
    Block,
    Conversation,
    ConversationMember,
    Listing,
    Shop,
    StockHold,
    User,
    utcnow,
)
from social_market.models.group_orders import (
    G_CANCELLED,
    G_EXPIRED,
    G_OPEN,
    G_REACHED,
    GroupOrder,
    GroupOrderMember,
    GroupPriceTier,
)
from social_market.models.holds import H_GROUP, PENDING, READY
from social_market.models.market import ACTIVE, DELETED, SOLD_OUT
from social_market.models.messaging import GROUP, MAX_GROUP
from social_market.models.notification import N_GROUP
from social_market.models.wishes import Wish
from social_market.services import holds, live, notifications, payments, ratelimit
from social_market.services.blocks import is_blocked_between
from social_market.services.cart import require_actor
from social_market.services.checkout import _take_write_lock_first
from social_market.services.errors import InvalidInput, NotAllowed, NotFound, RateLimited
from social_market.services.ids import as_id
from social_market.services.listings import parse_listing_ref
from social_market.services.listings import photo_url as listing_photo_url
from social_market.services.money import parse_int
from social_market.services.text import clean_text
from social_market.urls import group_order_url, listing_url, profile_url, shop_url

log = logging.getLogger(__name__)

MAX_TIERS = 5
MIN_TARGET, MAX_TARGET = 2, 500
MIN_JOIN, MAX_JOIN = 1, 50
MAX_MEMBERS = MAX_GROUP  # one group conversation holds 20 people
MIN_DEADLINE = timedelta(hours=1)
MAX_DEADLINE = timedelta(days=30)
# A little slack on the lower bound: the page computes "in one hour" a moment earlier.
DEADLINE_SLACK = timedelta(minutes=2)
# Members check out their share within this time once the target is reached; until
# then a share's hold lasts this long past the deadline (the group expires first).
SHARE_WINDOW = timedelta(days=3)
MAX_NOTE = 500
OPEN_ON_LISTING = 10  # open group orders shown on a listing page
EXPIRE_BATCH = 200
STARTS_PER_HOUR = parse("10/hour")
JOINS_PER_HOUR = parse("60/hour")

_CLOSED = N_("This group order is closed.")
_ENDED = N_("This group order has ended: its deadline passed.")


# --------------------------------------------------------------------------- cards


class TierCard(BaseModel):
    min_quantity: int
    percent_off: int
    unit_price: str  # the piece price at this tier


class MemberCard(BaseModel):
    name: str
    url: str  # '' for deleted accounts
    quantity: int
    is_creator: bool


class ShareCard(BaseModel):
    """The viewer's own share (their hold), as only they see it."""

    hold_id: int
    quantity: int
    unit_price: str
    total: str
    total_cents: int
    state: str  # pending | ready | used | released | expired
    expires_at: str  # ISO 8601 UTC
    order_url: str = ""


class GroupSummary(BaseModel):
    """One open group order on a listing page."""

    id: int
    url: str
    creator_name: str
    target_quantity: int
    joined_quantity: int
    member_count: int
    percent: int  # progress towards the target, 0..100
    price_now: str
    deadline: str  # ISO 8601 UTC


class GroupOrderView(BaseModel):
    id: int
    url: str
    state: str
    listing_id: int
    listing_title: str
    listing_url: str
    listing_photo: str
    shop_name: str
    shop_url: str
    creator_name: str
    note: str
    target_quantity: int
    joined_quantity: int
    member_count: int
    max_members: int
    percent: int
    deadline: str  # ISO 8601 UTC
    unit_price: str
    price_now: str  # the tier price for the joined quantity (or the final price)
    percent_off_now: int
    next_tier_hint_quantity: int  # pieces still missing for the next tier (0: none)
    next_tier_percent: int
    currency: str
    tiers: list[TierCard]
    members: list[MemberCard]
    is_member: bool
    my_quantity: int
    is_creator: bool
    is_maker: bool
    can_join: bool
    can_cancel: bool
    conversation_url: str  # members only
    share: ShareCard | None = None
    # [code, label msgid] of the shop's payment methods (for a payable share).
    payment_options: list[list[str]] = []


class BuyTogetherBox(BaseModel):
    """The listing page's "Buy together" box."""

    listing_id: int
    tiers: list[TierCard]
    groups: list[GroupSummary]
    can_start: bool
    is_maker: bool
    stock_left: int  # -1: made to order


# --------------------------------------------------------------------------- prices


def tiers_of(session: Session, listing_id: int) -> list[GroupPriceTier]:
    return list(
        session.exec(
            select(GroupPriceTier)
            .where(GroupPriceTier.listing_id == listing_id)
            .order_by(GroupPriceTier.min_quantity)  # type: ignore[arg-type]
        )
    )


def percent_at(tiers: list[GroupPriceTier], quantity: int) -> int:
    """The discount of the highest tier ``quantity`` pieces reach (0: none)."""
    best = 0
    for tier in tiers:
        if quantity >= tier.min_quantity:
            best = max(best, tier.percent_off)
    return best


def price_at(unit_price_cents: int, percent_off: int) -> int:
    """The piece price after ``percent_off``, rounded to the nearest cent (at least 1)."""
    return max(1, (unit_price_cents * (100 - percent_off) + 50) // 100)


def _tier_cards(
    tiers: list[GroupPriceTier], unit_price_cents: int, currency: str, locale: str | None
) -> list[TierCard]:
    return [
        TierCard(
            min_quantity=t.min_quantity,
            percent_off=t.percent_off,
            unit_price=format_money(price_at(unit_price_cents, t.percent_off), currency, locale),
        )
        for t in tiers
    ]


def _parse_tiers(value: object) -> list[tuple[int, int]]:
    """[[min_quantity, percent_off], …] or [{min_quantity, percent_off}, …]; blanks skipped."""
    if not isinstance(value, list | tuple):
        raise InvalidInput("Please reload the page and try again.", field="tiers")
    if len(value) > MAX_TIERS * 2:
        raise InvalidInput("At most {count} price tiers.", field="tiers", count=MAX_TIERS)
    pairs: list[tuple[int, int]] = []
    for item in value:
        if isinstance(item, dict):
            q, p = item.get("min_quantity"), item.get("percent_off")
        elif isinstance(item, list | tuple) and len(item) == 2:
            q, p = item
        else:
            raise InvalidInput("Please reload the page and try again.", field="tiers")
        if (q is None or q == "") and (p is None or p == ""):
            continue
        quantity = parse_int(q, field="tiers", label=N_("Pieces"), minimum=2, maximum=MAX_TARGET)
        percent = parse_int(p, field="tiers", label=N_("Discount (%)"), minimum=1, maximum=90)
        pairs.append((quantity, percent))
    if len(pairs) > MAX_TIERS:
        raise InvalidInput("At most {count} price tiers.", field="tiers", count=MAX_TIERS)
    pairs.sort()
    for (q1, p1), (q2, p2) in pairwise(pairs):
        if q1 == q2:
            raise InvalidInput("Two tiers start at {count} pieces.", field="tiers", count=q1)
        if p2 <= p1:
            raise InvalidInput(
                "More pieces must give a bigger discount: {more} pieces can't have {p2}% "
                "when {fewer} pieces have {p1}%.",
                field="tiers",
                more=q2,
                fewer=q1,
                p1=p1,
                p2=p2,
            )
    return pairs


def _own_listing(session: Session, me: int, listing_id: object) -> Listing:
    """A listing of the actor's own shop; anybody else's (or a forged id) is not found."""
    lid = parse_listing_ref(listing_id)
    row = None
    if lid is not None:
        row = session.exec(
            select(Listing)
            .join(Shop, Shop.id == Listing.shop_id)
            .where(Listing.id == lid, Shop.owner_id == me)
        ).first()
    if row is None or row.state == DELETED:
        raise NotFound("We couldn't find that listing.")
    return row


def get_tiers(
    *, session: Session, actor_id: object, listing_id: object, locale: str | None = None
) -> list[TierCard]:
    """The maker's view of their listing's tiers (for the editor)."""
    me = require_actor(session, actor_id)
    listing = _own_listing(session, me.id, listing_id)  # type: ignore[arg-type]
    return _tier_cards(
        tiers_of(session, listing.id),  # type: ignore[arg-type]
        listing.price_cents,
        listing.currency,
        locale,
    )


def set_tiers(
    *, session: Session, actor_id: object, listing_id: object, tiers: object
) -> list[GroupPriceTier]:
    """Replace a listing's group price tiers (an empty list removes them). Maker only.

    Open group orders get the tiers in force when they reach their target.
    """
    me = require_actor(session, actor_id)
    listing = _own_listing(session, me.id, listing_id)  # type: ignore[arg-type]
    pairs = _parse_tiers(tiers)
    with session.begin_nested():
        session.execute(delete(GroupPriceTier).where(GroupPriceTier.listing_id == listing.id))  # type: ignore[arg-type]
        rows = [
            GroupPriceTier(listing_id=listing.id, min_quantity=q, percent_off=p)  # type: ignore[arg-type]
            for q, p in pairs
        ]
        session.add_all(rows)
        session.flush()
    return rows


# --------------------------------------------------------------------------- helpers


def _not_found() -> NotFound:
    return NotFound("We couldn't find that group order.")


def _check_quantity(value: object) -> int:
    return parse_int(
        value, field="quantity", label=N_("Quantity"), minimum=MIN_JOIN, maximum=MAX_JOIN
    )


def _check_deadline(value: object, now: datetime) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, datetime):
        raise InvalidInput("Please choose when the group order ends.", field="deadline")
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if value < now + MIN_DEADLINE - DEADLINE_SLACK or value > now + MAX_DEADLINE:
        raise InvalidInput(
            "The deadline must be between one hour and 30 days from now.", field="deadline"
        )
    return value


def _shop_blocks(session: Session, owner_id: int, me: int) -> bool:
    return is_blocked_between(session, owner_id, me)


def _blocked_with_members(session: Session, me: int, member_ids: list[int]) -> bool:
    if not member_ids:
        return False
    row = session.exec(
        select(Block.blocker_id).where(
            or_(
                (Block.blocker_id == me) & Block.blocked_id.in_(member_ids),  # type: ignore[attr-defined]
                Block.blocker_id.in_(member_ids) & (Block.blocked_id == me),  # type: ignore[attr-defined]
            )
        )
    ).first()
    return row is not None


def _member_ids(session: Session, group_id: int) -> list[int]:
    return list(
        session.exec(
            select(GroupOrderMember.user_id).where(GroupOrderMember.group_order_id == group_id)
        )
    )


def _locked_open(session: Session, gid: int, now: datetime) -> GroupOrder | None:
    """The group order's row, locked, if it is open and before its deadline (checked in
    the query itself); None otherwise."""
    return session.exec(
        select(GroupOrder)
        .where(GroupOrder.id == gid, GroupOrder.state == G_OPEN, GroupOrder.deadline > now)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def _why_closed(session: Session, gid: int | None, now: datetime) -> Exception:
    """The reason a group order isn't open; one found past its deadline is expired now
    (and committed: the expiry stands even though the caller's action fails)."""
    go = session.get(GroupOrder, gid, populate_existing=True) if gid else None
    if go is None:
        return _not_found()
    if go.state == G_OPEN and go.deadline <= now:
        if _expire(session, go, now):
            session.commit()
        return InvalidInput(_ENDED, field="group")
    if go.state == G_OPEN:  # pragma: no cover - the locked read found it closed
        return InvalidInput(_CLOSED, field="group")
    if go.state == G_EXPIRED:
        return InvalidInput(_ENDED, field="group")
    return InvalidInput(_CLOSED, field="group")


def _bump(session: Session, go: GroupOrder, quantity: int, members: int) -> None:
    """Move the counters of an open group order (checked: it must still be open) and
    keep the loaded row in step without reading it again."""
    table = GroupOrder.__table__
    stmt = update(table).where(table.c.id == go.id, table.c.state == G_OPEN)
    if members > 0:
        stmt = stmt.where(table.c.member_count < MAX_MEMBERS)
    row = session.execute(
        stmt.values(
            joined_quantity=table.c.joined_quantity + quantity,
            member_count=table.c.member_count + members,
        ).returning(table.c.joined_quantity, table.c.member_count)
    ).first()
    if row is None:
        raise InvalidInput(_CLOSED, field="group")
    set_committed_value(go, "joined_quantity", row[0])
    set_committed_value(go, "member_count", row[1])


def _chat_join(
    session: Session, conversation_id: int | None, user_id: int, members: list[int] | None = None
) -> None:
    """Put a member into the group's conversation (history before joining isn't "new")."""
    if conversation_id is None:
        return
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        return
    row = session.get(ConversationMember, (conversation_id, user_id))
    if row is None:
        row = ConversationMember(conversation_id=conversation_id, user_id=user_id)
    row.left_at, row.archived = None, False
    row.joined_at = utcnow()
    row.last_message_id = conversation.last_message_id
    row.last_read_id = conversation.last_message_id
    row.unread_count = 0
    session.add(row)
    session.flush()
    # Like messaging.add_member: every member's open pages look again (the group order
    # page listens too, so progress shows up live).
    others = _chat_ids(session, conversation_id) if members is None else members
    live.publish_after_commit(
        session, live.conversation_topic(conversation_id), sorted({*others, user_id})
    )


def _chat_ids(session: Session, conversation_id: int) -> list[int]:
    return list(
        session.exec(
            select(ConversationMember.user_id).where(
                ConversationMember.conversation_id == conversation_id,
                ConversationMember.left_at.is_(None),  # type: ignore[union-attr]
            )
        )
    )


def _chat_leave(session: Session, conversation_id: int | None, user_id: int) -> None:
    if conversation_id is None:
        return
    row = session.get(ConversationMember, (conversation_id, user_id))
    if row is not None and row.left_at is None:
        row.left_at = utcnow()
        session.add(row)
        session.flush()
        live.publish_after_commit(
            session,
            live.conversation_topic(conversation_id),
            [*_chat_ids(session, conversation_id), user_id],
        )


def _tell_members(
    session: Session, go: GroupOrder, detail: str, title: str, skip: int | None = None
) -> None:
    for uid in sorted(_member_ids(session, go.id)):  # type: ignore[arg-type]
        if uid != skip:
            notifications.notify(
                session,
                user_id=uid,
                kind=N_GROUP,
                detail=detail,
                link=group_order_url(go.id),  # type: ignore[arg-type]
                snippet=title,
            )


def _listing_title(session: Session, listing_id: int) -> str:
    return session.exec(select(Listing.title).where(Listing.id == listing_id)).first() or ""


def _release_all(session: Session, go: GroupOrder) -> None:
    ids = [
        h
        for h in session.exec(
            select(GroupOrderMember.hold_id).where(GroupOrderMember.group_order_id == go.id)
        )
        if h is not None
    ]
    holds.release(session, ids)


def _close(session: Session, go: GroupOrder, state: str, now: datetime, *, only_open: bool) -> bool:
    """Move a group order to ``state`` (from open, or also from reached); True if this
    call did it (a concurrent closer finds nothing to do)."""
    table = GroupOrder.__table__
    allowed = (G_OPEN,) if only_open else (G_OPEN, G_REACHED)
    stmt = update(table).where(table.c.id == go.id, table.c.state.in_(allowed))
    if state == G_EXPIRED:
        stmt = stmt.where(table.c.deadline <= now)
    result = session.execute(stmt.values(state=state, closed_at=now))
    session.expire(go, ["state", "closed_at"])
    return result.rowcount == 1  # type: ignore[attr-defined]


def _expire(session: Session, go: GroupOrder, now: datetime) -> bool:
    """Expire an open group order past its deadline: holds released, everyone told."""
    if not _close(session, go, G_EXPIRED, now, only_open=True):
        return False
    _release_all(session, go)
    _tell_members(session, go, "expired", _listing_title(session, go.listing_id))
    return True


def _reach(session: Session, go: GroupOrder, now: datetime) -> None:
    """The target is reached: the tier price for everyone, shares payable, all told."""
    percent = percent_at(tiers_of(session, go.listing_id), go.joined_quantity)
    final = price_at(go.unit_price_cents, percent)
    table = GroupOrder.__table__
    result = session.execute(
        update(table)
        .where(table.c.id == go.id, table.c.state == G_OPEN)
        .values(state=G_REACHED, final_price_cents=final, reached_at=now)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidInput(_CLOSED, field="group")
    session.expire(go)
    hold_ids = [
        h
        for h in session.exec(
            select(GroupOrderMember.hold_id).where(GroupOrderMember.group_order_id == go.id)
        )
        if h is not None
    ]
    holds.set_ready(session, hold_ids, final, now + SHARE_WINDOW)
    title = _listing_title(session, go.listing_id)
    _tell_members(session, go, "reached", title)
    owner = session.exec(
        select(Shop.owner_id).where(Shop.id == go.shop_id)  # type: ignore[call-overload]
    ).first()
    if owner is not None:
        notifications.notify(
            session,
            user_id=owner,
            kind=N_GROUP,
            detail="shop_reached",
            link=group_order_url(go.id),  # type: ignore[arg-type]
            snippet=title,
        )


def _busy(exc: OperationalError) -> None:
    if "locked" in str(exc.orig).lower():  # SQLite busy beyond its timeout
        raise RateLimited("The shop is very busy right now. Please try again.") from None
    raise exc


# --------------------------------------------------------------------------- actions


def start(
    *,
    session: Session,
    actor_id: object,
    listing_id: object,
    target_quantity: object,
    deadline: object,
    quantity: object,
    note: object = "",
    wish_id: object = None,
) -> GroupOrder:
    """Start a group order for a listing; its creator joins with ``quantity`` pieces.

    Raises:
        NotAllowed: not signed in, the maker, or blocked by the shop.
        NotFound: no such (visible) listing, or a wish of another listing.
        InvalidInput: listing not on sale, bad target/deadline/quantity/note, not
            enough stock for the target.
    """
    _take_write_lock_first(session)
    me = require_actor(session, actor_id)
    now = utcnow()
    lid = parse_listing_ref(listing_id)
    row = (
        session.exec(
            select(Listing, Shop).join(Shop, Shop.id == Listing.shop_id).where(Listing.id == lid)
        ).first()
        if lid
        else None
    )
    if row is None:
        raise NotFound("We couldn't find that listing.")
    listing, shop = row
    if shop.owner_id == me.id:
        raise NotAllowed("You can't start a group order for your own listing.")
    if _shop_blocks(session, shop.owner_id, me.id):  # type: ignore[arg-type]
        raise NotAllowed("{shop} isn't available to you.", shop=shop.name)
    if listing.state != ACTIVE or shop.closed_at is not None or shop.hidden_at is not None:
        raise InvalidInput("{title} is no longer available.", field="group", title=listing.title)
    target = parse_int(
        target_quantity,
        field="target_quantity",
        label=N_("Target quantity"),
        minimum=MIN_TARGET,
        maximum=MAX_TARGET,
    )
    mine = _check_quantity(quantity)
    if mine >= target:
        raise InvalidInput(
            "Your own quantity already reaches the target: you can simply buy it.",
            field="quantity",
        )
    if not listing.made_to_order and listing.quantity < target:
        raise InvalidInput(
            "Only {count} left of {title}: choose a smaller target.",
            field="target_quantity",
            count=listing.quantity,
            title=listing.title,
        )
    ends = _check_deadline(deadline, now)
    text = clean_text(note, field="note", label=N_("Note"), max_length=MAX_NOTE, multiline=True)
    wid = None
    if wish_id not in (None, "", 0):
        wid = as_id(wish_id)
        wish = session.get(Wish, wid) if wid else None
        if wish is None or wish.listing_id != listing.id:
            raise NotFound("We couldn't find that wish.")
    ratelimit.hit(
        STARTS_PER_HOUR,
        "group-start",
        str(me.id),
        message=N_("You have started many group orders in the last hour. Please wait."),
    )
    try:
        with session.begin_nested():
            go = GroupOrder(
                shop_id=shop.id,  # type: ignore[arg-type]
                listing_id=listing.id,  # type: ignore[arg-type]
                wish_id=wid,
                creator_id=me.id,  # type: ignore[arg-type]
                note=text,
                target_quantity=target,
                deadline=ends,
                unit_price_cents=listing.price_cents,
                currency=listing.currency,
            )
            session.add(go)
            session.flush()
            conversation = Conversation(
                kind=GROUP,
                title=listing.title[:80],
                subject_kind="group",
                subject_id=go.id,
                created_by=me.id,  # type: ignore[arg-type]
            )
            session.add(conversation)
            session.flush()
            go.conversation_id = conversation.id
            session.add(go)
            session.flush()
            _add_member(session, go, listing, me.id, mine, now)  # type: ignore[arg-type]
    except OperationalError as exc:
        _busy(exc)
    log.info("user %s started group order %s for listing %s", me.id, go.id, listing.id)
    return go


def _add_member(
    session: Session,
    go: GroupOrder,
    listing: Listing,
    user_id: int,
    quantity: int,
    now: datetime,
    members: list[int] | None = None,
) -> None:
    """Hold the pieces, add the member, move the counters; reach the target if due.
    The caller holds the group order's lock and has checked it is open."""
    if listing.made_to_order and listing.state != ACTIVE:
        raise InvalidInput("{title} is no longer available.", field="group", title=listing.title)
    held = holds.hold(
        session,
        kind=H_GROUP,
        source_id=go.id,  # type: ignore[arg-type]
        listing=listing,
        user_id=user_id,
        quantity=quantity,
        unit_price_cents=go.unit_price_cents,
        expires_at=go.deadline + SHARE_WINDOW,
        ready=False,
    )
    if held is None:
        left = session.exec(select(Listing.quantity).where(Listing.id == listing.id)).first() or 0
        if left <= 0:
            raise InvalidInput("{title} is sold out.", field="quantity", title=listing.title)
        raise InvalidInput(
            "Only {count} left of {title}.", field="quantity", count=left, title=listing.title
        )
    session.add(
        GroupOrderMember(
            group_order_id=go.id,  # type: ignore[arg-type]
            user_id=user_id,
            quantity=quantity,
            hold_id=held.id,
        )
    )
    session.flush()
    _bump(session, go, quantity, 1)
    _chat_join(session, go.conversation_id, user_id, members)
    if go.joined_quantity >= go.target_quantity:
        _reach(session, go, now)


def _lock_for_member_change(session: Session, group_order_id: object, now: datetime) -> GroupOrder:
    gid = as_id(group_order_id)
    go = _locked_open(session, gid, now) if gid else None
    if go is None:
        raise _why_closed(session, gid, now)  # type: ignore[misc]
    return go


def join(
    *, session: Session, actor_id: object, group_order_id: object, quantity: object
) -> GroupOrder:
    """Join an open group order with ``quantity`` pieces (held at once).

    Raises:
        NotAllowed: not signed in, the maker, or a block with the shop or a member.
        NotFound: no such group order.
        InvalidInput: closed, past its deadline (then expired now), full, already a
            member, bad quantity, not enough stock.
    """
    _take_write_lock_first(session)
    me = require_actor(session, actor_id)
    qty = _check_quantity(quantity)
    gid = as_id(group_order_id)
    now = utcnow()
    # Before the lock (the less it covers, the shorter the queue behind it): what
    # doesn't change under it — the shop's maker, a block with them, the group chat —
    # and quick refusals read without the lock (closed, full, not enough stock: the
    # locked path checks all of these again).
    head = (
        session.exec(
            select(  # type: ignore[call-overload]
                Shop.owner_id,
                GroupOrder.conversation_id,
                GroupOrder.state,
                GroupOrder.deadline,
                GroupOrder.member_count,
                Listing.quantity,
                Listing.made_to_order,
                Listing.title,
            )
            .join(Shop, Shop.id == GroupOrder.shop_id)
            .join(Listing, Listing.id == GroupOrder.listing_id)
            .where(GroupOrder.id == gid)
        ).first()
        if gid
        else None
    )
    if head is None:
        raise _not_found()
    owner_id, conversation_id, state, deadline, count, stock, made_to_order, title = head
    if owner_id == me.id:
        raise NotAllowed("You can't join a group order for your own listing.")
    if state != G_OPEN or deadline <= now:
        raise _why_closed(session, gid, now)  # type: ignore[misc]
    if count >= MAX_MEMBERS:
        raise InvalidInput(
            "This group order is full ({count} people).", field="group", count=MAX_MEMBERS
        )
    if not made_to_order and stock < qty:
        if stock <= 0:
            raise InvalidInput("{title} is sold out.", field="quantity", title=title)
        raise InvalidInput(
            "Only {count} left of {title}.", field="quantity", count=stock, title=title
        )
    if _shop_blocks(session, owner_id, me.id):  # type: ignore[arg-type]
        raise NotAllowed("You can't join this group order.")
    if conversation_id is not None:
        session.get(Conversation, conversation_id)
    ratelimit.hit(
        JOINS_PER_HOUR,
        "group-join",
        str(me.id),
        message=N_("You have joined many group orders in the last hour. Please wait."),
    )
    try:
        go = _lock_for_member_change(session, gid, now)
        listing = session.get(Listing, go.listing_id, populate_existing=True)
        if listing is None:
            raise _not_found()
        members = _member_ids(session, go.id)  # type: ignore[arg-type]
        if me.id in members:
            raise InvalidInput(
                "You are already in this group order. Change your quantity instead.",
                field="quantity",
            )
        if _blocked_with_members(session, me.id, members):  # type: ignore[arg-type]
            raise NotAllowed("You can't join this group order.")
        if go.member_count >= MAX_MEMBERS:
            raise InvalidInput(
                "This group order is full ({count} people).", field="group", count=MAX_MEMBERS
            )
        with session.begin_nested():
            _add_member(session, go, listing, me.id, qty, now, members)  # type: ignore[arg-type]
    except OperationalError as exc:
        _busy(exc)
    return go


def change(
    *, session: Session, actor_id: object, group_order_id: object, quantity: object
) -> GroupOrder:
    """Change one's quantity in an open group order (the hold follows, in one step)."""
    _take_write_lock_first(session)
    me = require_actor(session, actor_id)
    qty = _check_quantity(quantity)
    now = utcnow()
    try:
        go = _lock_for_member_change(session, group_order_id, now)
        member = session.get(GroupOrderMember, (go.id, me.id), populate_existing=True)
        if member is None:
            raise InvalidInput("You aren't in this group order.", field="group")
        if member.quantity == qty:
            return go
        listing = session.get(Listing, go.listing_id, populate_existing=True)
        if listing is None:
            raise _not_found()
        delta = qty - member.quantity
        with session.begin_nested():
            if member.hold_id is not None:
                holds.release(session, [member.hold_id])
            session.expire(listing, ["quantity", "state"])
            held = holds.hold(
                session,
                kind=H_GROUP,
                source_id=go.id,  # type: ignore[arg-type]
                listing=listing,
                user_id=me.id,  # type: ignore[arg-type]
                quantity=qty,
                unit_price_cents=go.unit_price_cents,
                expires_at=go.deadline + SHARE_WINDOW,
                ready=False,
            )
            if held is None:
                raise InvalidInput(
                    "There aren't enough pieces left for {count}.", field="quantity", count=qty
                )
            member.quantity, member.hold_id = qty, held.id
            session.add(member)
            session.flush()
            _bump(session, go, delta, 0)
            if go.joined_quantity >= go.target_quantity:
                _reach(session, go, now)
    except OperationalError as exc:
        _busy(exc)
    return go


def leave(*, session: Session, actor_id: object, group_order_id: object) -> None:
    """Leave an open group order: the held pieces go back, the chat is left. The last
    member leaving cancels it."""
    _take_write_lock_first(session)
    me = require_actor(session, actor_id)
    now = utcnow()
    try:
        go = _lock_for_member_change(session, group_order_id, now)
        member = session.get(GroupOrderMember, (go.id, me.id), populate_existing=True)
        if member is None:
            raise InvalidInput("You aren't in this group order.", field="group")
        with session.begin_nested():
            if member.hold_id is not None:
                holds.release(session, [member.hold_id])
            quantity = member.quantity
            session.delete(member)
            session.flush()
            _bump(session, go, -quantity, -1)
            _chat_leave(session, go.conversation_id, me.id)  # type: ignore[arg-type]
            if go.member_count == 0:
                _close(session, go, G_CANCELLED, now, only_open=True)
    except OperationalError as exc:
        _busy(exc)


def cancel(*, session: Session, actor_id: object, group_order_id: object) -> None:
    """Cancel a group order: its creator while it is open, or the maker (open or
    reached; shares already bought stay bought). Held pieces go back, everyone is told."""
    _take_write_lock_first(session)
    me = require_actor(session, actor_id)
    gid = as_id(group_order_id)
    now = utcnow()
    go = (
        session.exec(
            select(GroupOrder)
            .where(GroupOrder.id == gid)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()
        if gid
        else None
    )
    if go is None:
        raise _not_found()
    owner = session.exec(select(Shop.owner_id).where(Shop.id == go.shop_id)).first()  # type: ignore[call-overload]
    is_maker = owner == me.id
    if not is_maker and go.creator_id != me.id:
        raise NotAllowed("Only the person who started the group order or the maker can cancel it.")
    if go.state == G_OPEN and go.deadline <= now:
        raise _why_closed(session, gid, now)
    if go.state not in ((G_OPEN, G_REACHED) if is_maker else (G_OPEN,)):
        raise InvalidInput(_CLOSED, field="group")
    with session.begin_nested():
        if not _close(session, go, G_CANCELLED, now, only_open=not is_maker):
            raise InvalidInput(_CLOSED, field="group")
        _release_all(session, go)
        _tell_members(session, go, "cancelled", _listing_title(session, go.listing_id), skip=me.id)
    log.info("user %s cancelled group order %s", me.id, go.id)


def expire_due(session: Session, *, now: datetime | None = None) -> int:
    """The job's part: expire open group orders past their deadline, in batches
    (each committed). Returns how many."""
    now = now or utcnow()
    total = 0
    while True:
        ids = list(
            session.exec(
                select(GroupOrder.id)
                .where(GroupOrder.state == G_OPEN, GroupOrder.deadline <= now)
                .order_by(GroupOrder.deadline)
                .limit(EXPIRE_BATCH)
            )
        )
        for gid in ids:
            _take_write_lock_first(session)
            go = session.exec(
                select(GroupOrder)
                .where(GroupOrder.id == gid)
                .with_for_update()
                .execution_options(populate_existing=True)
            ).first()
            if (
                go is not None
                and go.state == G_OPEN
                and go.deadline <= now
                and _expire(session, go, now)
            ):
                total += 1
            session.commit()
        if len(ids) < EXPIRE_BATCH:
            return total


# --------------------------------------------------------------------------- reading


def _name(user: User | None) -> str:
    if user is None or user.deleted_at is not None:
        return N_("Former member")
    return user.display_name or user.handle


def _progress(joined: int, target: int) -> int:
    return max(0, min(100, joined * 100 // max(1, target)))


def _expire_if_due(session: Session, go: GroupOrder, now: datetime) -> None:
    """Reading an open group order past its deadline expires it (at the moment of use)."""
    if go.state == G_OPEN and go.deadline <= now:
        try:
            with session.begin_nested():
                expired = _expire(session, go, now)
            if expired:
                session.commit()
        except OperationalError:  # SQLite busy: the page shows it ended; the job expires it
            session.rollback()
        session.refresh(go)


def _share(
    session: Session, member: GroupOrderMember | None, now: datetime, currency: str, locale
) -> ShareCard | None:
    if member is None or member.hold_id is None:
        return None
    held = session.get(StockHold, member.hold_id)
    if held is None:
        return None
    state = held.state
    if state in (PENDING, READY) and held.expires_at <= now:
        state = "expired"
    reference = None
    if held.order_id is not None:
        from social_market.models import Order

        reference = session.exec(select(Order.reference).where(Order.id == held.order_id)).first()
    from social_market.urls import order_url

    return ShareCard(
        hold_id=held.id,  # type: ignore[arg-type]
        quantity=held.quantity,
        unit_price=format_money(held.unit_price_cents, currency, locale),
        total=format_money(held.unit_price_cents * held.quantity, currency, locale),
        total_cents=held.unit_price_cents * held.quantity,
        state=state,
        expires_at=held.expires_at.isoformat(),
        order_url=order_url(reference) if reference else "",
    )


def group_view(
    *,
    session: Session,
    viewer_id: int | None,
    group_order_id: object,
    locale: str | None = None,
) -> GroupOrderView:
    """The group order page. Anyone may see an open group order of a visible shop;
    members and the maker always see theirs. Blocked people see nothing."""
    gid = as_id(group_order_id)
    row = (
        session.exec(
            select(GroupOrder, Listing, Shop)
            .join(Listing, Listing.id == GroupOrder.listing_id)
            .join(Shop, Shop.id == GroupOrder.shop_id)
            .where(GroupOrder.id == gid)
        ).first()
        if gid
        else None
    )
    if row is None:
        raise _not_found()
    go, listing, shop = row
    now = utcnow()
    _expire_if_due(session, go, now)
    member_rows = session.exec(
        select(GroupOrderMember, User)
        .join(User, User.id == GroupOrderMember.user_id)
        .where(GroupOrderMember.group_order_id == go.id)
        .order_by(GroupOrderMember.joined_at, GroupOrderMember.user_id)  # type: ignore[arg-type]
    ).all()
    mine = next((m for m, _ in member_rows if m.user_id == viewer_id), None)
    is_maker = viewer_id is not None and shop.owner_id == viewer_id
    visible = shop.hidden_at is None and listing.state != DELETED
    if (
        viewer_id is not None
        and not is_maker
        and mine is None
        and is_blocked_between(session, shop.owner_id, viewer_id)
    ):
        visible = False
    if not visible and mine is None and not is_maker:
        raise _not_found()
    tiers = tiers_of(session, go.listing_id)
    if go.final_price_cents is not None:
        price_now = go.final_price_cents
        percent_now = percent_at(tiers, go.joined_quantity) if go.state == G_REACHED else 0
    else:
        percent_now = percent_at(tiers, go.joined_quantity)
        price_now = price_at(go.unit_price_cents, percent_now)
    upcoming = next((t for t in tiers if t.min_quantity > go.joined_quantity), None)
    share = _share(session, mine, now, go.currency, locale)
    is_open = go.state == G_OPEN and go.deadline > now
    can_join = (
        is_open
        and viewer_id is not None
        and not is_maker
        and mine is None
        and go.member_count < MAX_MEMBERS
        and listing.state == ACTIVE
    )
    return GroupOrderView(
        id=go.id,  # type: ignore[arg-type]
        url=group_order_url(go.id),  # type: ignore[arg-type]
        state=go.state if is_open or go.state != G_OPEN else G_EXPIRED,
        listing_id=listing.id,  # type: ignore[arg-type]
        listing_title=listing.title,
        listing_url=listing_url(listing.id, listing.slug),  # type: ignore[arg-type]
        listing_photo=listing_photo_url(listing.cover_key),
        shop_name=shop.name,
        shop_url=shop_url(shop.slug),
        creator_name=_name(session.get(User, go.creator_id)),
        note=go.note,
        target_quantity=go.target_quantity,
        joined_quantity=go.joined_quantity,
        member_count=go.member_count,
        max_members=MAX_MEMBERS,
        percent=_progress(go.joined_quantity, go.target_quantity),
        deadline=go.deadline.isoformat(),
        unit_price=format_money(go.unit_price_cents, go.currency, locale),
        price_now=format_money(price_now, go.currency, locale),
        percent_off_now=percent_now,
        next_tier_hint_quantity=(upcoming.min_quantity - go.joined_quantity)
        if upcoming and is_open
        else 0,
        next_tier_percent=upcoming.percent_off if upcoming and is_open else 0,
        currency=go.currency,
        tiers=_tier_cards(tiers, go.unit_price_cents, go.currency, locale),
        members=[
            MemberCard(
                name=_name(u),
                url=profile_url(u.handle) if u.deleted_at is None else "",
                quantity=m.quantity,
                is_creator=m.user_id == go.creator_id,
            )
            for m, u in member_rows
        ],
        is_member=mine is not None,
        my_quantity=mine.quantity if mine else 0,
        is_creator=viewer_id is not None and go.creator_id == viewer_id,
        is_maker=is_maker,
        can_join=can_join,
        can_cancel=(is_open and (is_maker or go.creator_id == viewer_id))
        or (go.state == G_REACHED and is_maker),
        conversation_url=f"/messages/{go.conversation_id}"
        if mine is not None and go.conversation_id
        else "",
        share=share,
        payment_options=[[m.code, m.label] for m in payments.methods_for(shop)]
        if share is not None and share.state == READY
        else [],
    )


def listing_box(
    *,
    session: Session,
    viewer_id: int | None,
    listing_id: object,
    locale: str | None = None,
) -> BuyTogetherBox | None:
    """The "Buy together" box of a listing page (None: nothing to show)."""
    lid = parse_listing_ref(listing_id)
    row = (
        session.exec(
            select(Listing, Shop).join(Shop, Shop.id == Listing.shop_id).where(Listing.id == lid)
        ).first()
        if lid
        else None
    )
    if row is None:
        return None
    listing, shop = row
    is_maker = viewer_id is not None and shop.owner_id == viewer_id
    if not is_maker and (listing.state not in (ACTIVE, SOLD_OUT) or shop.hidden_at is not None):
        return None
    now = utcnow()
    due = list(
        session.exec(
            select(GroupOrder).where(
                GroupOrder.listing_id == listing.id,
                GroupOrder.state == G_OPEN,
                GroupOrder.deadline <= now,
            )
        )
    )
    for go in due:
        _expire_if_due(session, go, now)
    tiers = tiers_of(session, listing.id)  # type: ignore[arg-type]
    rows = session.exec(
        select(GroupOrder, User)
        .join(User, User.id == GroupOrder.creator_id)
        .where(
            GroupOrder.listing_id == listing.id,
            GroupOrder.state == G_OPEN,
            GroupOrder.deadline > now,
        )
        .order_by(GroupOrder.deadline)  # type: ignore[arg-type]
        .limit(OPEN_ON_LISTING)
    ).all()
    groups = [
        GroupSummary(
            id=go.id,  # type: ignore[arg-type]
            url=group_order_url(go.id),  # type: ignore[arg-type]
            creator_name=_name(u),
            target_quantity=go.target_quantity,
            joined_quantity=go.joined_quantity,
            member_count=go.member_count,
            percent=_progress(go.joined_quantity, go.target_quantity),
            price_now=format_money(
                price_at(go.unit_price_cents, percent_at(tiers, go.joined_quantity)),
                go.currency,
                locale,
            ),
            deadline=go.deadline.isoformat(),
        )
        for go, u in rows
    ]
    blocked = (
        viewer_id is not None
        and not is_maker
        and is_blocked_between(session, shop.owner_id, viewer_id)
    )
    if not tiers and not groups and not is_maker and listing.state != ACTIVE:
        return None
    return BuyTogetherBox(
        listing_id=listing.id,  # type: ignore[arg-type]
        tiers=_tier_cards(tiers, listing.price_cents, listing.currency, locale),
        groups=groups,
        can_start=not is_maker
        and not blocked
        and listing.state == ACTIVE
        and (listing.made_to_order or listing.quantity >= MIN_TARGET),
        is_maker=is_maker,
        stock_left=-1 if listing.made_to_order else listing.quantity,
    )


def open_count(session: Session, listing_id: int) -> int:
    now = utcnow()
    return (
        session.exec(
            select(func.count()).where(
                GroupOrder.listing_id == listing_id,
                GroupOrder.state == G_OPEN,
                GroupOrder.deadline > now,
            )
        ).one()
        or 0
    )
