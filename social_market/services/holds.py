"""Stock held for one person (a made wish's reserved purchase, a group-order share), and
the free-stock moves that flash offers share with them.

Rules kept here (tested in tests/services/test_holds.py):
- Holding takes the pieces out of the listing's free stock at once, with the same
  conditional UPDATE as checkout (``… WHERE quantity >= :q``), so nobody else can buy
  them and nothing is ever oversold; made-to-order listings hold nothing.
- A hold is bought at most once: buying marks it used with a conditional UPDATE
  (``WHERE state = 'ready' AND expires_at > now``) whose row count is checked, inside
  the order's savepoint. Expired holds can't be bought at the moment of use, whether or
  not the cleanup has run.
- Releasing (expiry, cancelling, leaving a group) marks the hold released with a
  conditional UPDATE first, and only the transaction that did so returns its pieces:
  two cleanups never give the same pieces back twice.
- Checkout releases the expired holds of the listings it sells before taking stock, so
  expired pieces come back at the moment they are wanted; a job also sweeps them.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import and_, case, update
from sqlmodel import Session, select

from social_market.i18n.format import format_money
from social_market.models import Listing, Order, Shop, StockHold, utcnow
from social_market.models.holds import PENDING, READY, RELEASED, USED
from social_market.models.market import ACTIVE, SOLD_OUT
from social_market.services import checkout
from social_market.services.cart import require_actor
from social_market.services.errors import InvalidInput, NotFound
from social_market.services.ids import as_id
from social_market.urls import listing_url, order_url

log = logging.getLogger(__name__)

SWEEP_BATCH = 500


def take_stock(session: Session, listing_id: int, quantity: int) -> bool:
    """Take ``quantity`` from an active listing's free stock; False if there isn't enough.

    A listing left with none becomes sold out (for everyone else: the pieces are held).
    """
    table = Listing.__table__
    result = session.execute(
        update(table)
        .where(
            table.c.id == listing_id,
            table.c.state == ACTIVE,
            table.c.made_to_order.is_(False),
            table.c.quantity >= quantity,
        )
        .values(
            quantity=table.c.quantity - quantity,
            state=case((table.c.quantity - quantity == 0, SOLD_OUT), else_=table.c.state),
            updated_at=utcnow(),
        )
    )
    _expire_listing(session, listing_id)
    return result.rowcount == 1  # type: ignore[attr-defined]


def return_stock(session: Session, listing_id: int, quantity: int) -> None:
    """Give held pieces back to a listing's free stock (sold out → active again)."""
    if quantity <= 0:
        return
    table = Listing.__table__
    session.execute(
        update(table)
        .where(table.c.id == listing_id)
        .values(
            quantity=table.c.quantity + quantity,
            state=case((table.c.state == SOLD_OUT, ACTIVE), else_=table.c.state),
            updated_at=utcnow(),
        )
    )
    _expire_listing(session, listing_id)


def _expire_listing(session: Session, listing_id: int) -> None:
    listing = session.identity_map.get((Listing, (listing_id,), None))  # type: ignore[arg-type]
    if listing is not None:
        session.expire(listing, ["quantity", "state", "updated_at"])


def hold(
    session: Session,
    *,
    kind: str,
    source_id: int,
    listing: Listing,
    user_id: int,
    quantity: int,
    unit_price_cents: int,
    expires_at: datetime,
    ready: bool,
) -> StockHold | None:
    """Hold ``quantity`` pieces of ``listing`` for ``user_id`` (None: not enough stock).

    The caller checks who may hold and validates the numbers; this takes the stock and
    writes the hold in the caller's transaction.
    """
    takes_stock = not listing.made_to_order
    if takes_stock and not take_stock(session, listing.id, quantity):  # type: ignore[arg-type]
        return None
    row = StockHold(
        kind=kind,
        source_id=source_id,
        listing_id=listing.id,  # type: ignore[arg-type]
        user_id=user_id,
        quantity=quantity,
        unit_price_cents=unit_price_cents,
        currency=listing.currency,
        takes_stock=takes_stock,
        state=READY if ready else PENDING,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return row


def release(session: Session, hold_ids: list[int]) -> int:
    """Release live holds (expired, cancelled, left) and return their pieces.

    Only holds this call moves from live to released give stock back. Returns how many.
    """
    if not hold_ids:
        return 0
    table = StockHold.__table__
    rows = session.execute(
        update(table)
        .where(table.c.id.in_(sorted(hold_ids)), table.c.state.in_((PENDING, READY)))
        .values(state=RELEASED, released_at=utcnow())
        .returning(table.c.listing_id, table.c.quantity, table.c.takes_stock)
    ).all()
    back: dict[int, int] = {}
    for listing_id, quantity, takes_stock in rows:
        if takes_stock:
            back[listing_id] = back.get(listing_id, 0) + quantity
    for listing_id in sorted(back):  # id order: no lock cycles with checkouts
        return_stock(session, listing_id, back[listing_id])
    for row in session.identity_map.values():
        if isinstance(row, StockHold) and row.id in hold_ids:
            session.expire(row, ["state", "released_at"])
    return len(rows)


def release_expired(
    session: Session, *, listing_ids: list[int] | None = None, now: datetime | None = None
) -> int:
    """Release holds whose time is up (of some listings, or a batch of all). Returns how many."""
    now = now or utcnow()
    query = (
        select(StockHold.id)
        .where(StockHold.state.in_((PENDING, READY)), StockHold.expires_at <= now)  # type: ignore[attr-defined]
        .order_by(StockHold.expires_at)
        .limit(SWEEP_BATCH)
    )
    if listing_ids is not None:
        if not listing_ids:
            return 0
        query = query.where(StockHold.listing_id.in_(listing_ids))  # type: ignore[attr-defined]
    ids = list(session.exec(query))
    return release(session, ids)


def set_ready(
    session: Session, hold_ids: list[int], unit_price_cents: int, expires_at: datetime
) -> int:
    """Make pending holds payable at a price until a moment (a group order reached its target)."""
    if not hold_ids:
        return 0
    table = StockHold.__table__
    result = session.execute(
        update(table)
        .where(table.c.id.in_(hold_ids), table.c.state == PENDING)
        .values(state=READY, unit_price_cents=unit_price_cents, expires_at=expires_at)
    )
    for row in session.identity_map.values():
        if isinstance(row, StockHold) and row.id in hold_ids:
            session.expire(row)
    return result.rowcount  # type: ignore[attr-defined]


class HoldCard(BaseModel):
    """A reserved purchase as its holder sees it: safe for client-visible state."""

    id: int
    kind: str
    listing_title: str
    listing_url: str
    shop_name: str
    quantity: int
    unit_price: str
    total: str
    total_cents: int
    state: str  # pending | ready | used | released | expired
    expires_at: str  # ISO 8601, UTC (the page counts down)
    order_url: str = ""


def _card(
    hold: StockHold,
    listing: Listing,
    shop: Shop,
    reference: str | None,
    now: datetime,
    locale: str | None,
) -> HoldCard:
    state = hold.state
    if state in (PENDING, READY) and hold.expires_at <= now:
        state = "expired"
    return HoldCard(
        id=hold.id,  # type: ignore[arg-type]
        kind=hold.kind,
        listing_title=listing.title,
        listing_url=listing_url(listing.id, listing.slug),  # type: ignore[arg-type]
        shop_name=shop.name,
        quantity=hold.quantity,
        unit_price=format_money(hold.unit_price_cents, hold.currency, locale),
        total=format_money(hold.unit_price_cents * hold.quantity, hold.currency, locale),
        total_cents=hold.unit_price_cents * hold.quantity,
        state=state,
        expires_at=hold.expires_at.isoformat(),
        order_url=order_url(reference) if reference else "",
    )


def _cards_query():
    return (
        select(StockHold, Listing, Shop, Order.reference)
        .join(Listing, Listing.id == StockHold.listing_id)
        .join(Shop, Shop.id == Listing.shop_id)
        .outerjoin(Order, Order.id == StockHold.order_id)
    )


def get_own(
    session: Session, *, actor_id: object, hold_id: object, locale: str | None = None
) -> HoldCard:
    """One of the actor's holds (someone else's id is simply not found)."""
    me = require_actor(session, actor_id)
    hid = as_id(hold_id)
    row = None
    if hid is not None:
        row = session.exec(
            _cards_query().where(StockHold.id == hid, StockHold.user_id == me.id)
        ).first()
    if row is None:
        raise NotFound("We couldn't find that reserved purchase.")
    return _card(*row, now=utcnow(), locale=locale)


def mine(
    session: Session, *, actor_id: object, locale: str | None = None, limit: int = 50
) -> list[HoldCard]:
    """The actor's live and recent holds, newest first (one query)."""
    me = require_actor(session, actor_id)
    now = utcnow()
    rows = session.exec(
        _cards_query()
        .where(StockHold.user_id == me.id)
        .order_by(StockHold.id.desc())  # type: ignore[union-attr]
        .limit(limit)
    ).all()
    return [_card(*row, now=now, locale=locale) for row in rows]


def buy(
    *,
    session: Session,
    actor_id: object,
    hold_id: object,
    address: dict | checkout.ShippingAddress,
    payment_method: str,
    expected_total_cents: int | None = None,
    locale: str | None = None,
) -> checkout.CheckoutResult:
    """Buy a ready hold at its price: one order, the hold used, in one transaction.

    Raises:
        NotFound: not the actor's hold.
        InvalidInput: not payable yet, already bought, expired (its pieces are then
            returned), or the usual checkout problems (address, method, shipping).
    """
    me = require_actor(session, actor_id)
    hid = as_id(hold_id)
    held = session.get(StockHold, hid) if hid is not None else None
    if held is None or held.user_id != me.id:
        raise NotFound("We couldn't find that reserved purchase.")
    now = utcnow()
    if held.state == USED:
        raise InvalidInput("You have already bought this.", field="hold")
    if held.state == PENDING:
        raise InvalidInput("This isn't ready to buy yet.", field="hold")
    if held.state == RELEASED or held.expires_at <= now:
        release(session, [held.id])  # type: ignore[list-item]
        session.commit()
        raise InvalidInput("Your reservation has expired.", field="hold")

    table = StockHold.__table__

    def claim(order: Order) -> None:
        result = session.execute(
            update(table)
            .where(
                and_(table.c.id == held.id, table.c.state == READY, table.c.expires_at > utcnow())
            )
            .values(state=USED, used_at=utcnow(), order_id=order.id)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise InvalidInput("Your reservation has expired.", field="hold")

    result = checkout.place_direct_order(
        session=session,
        buyer_id=me.id,
        line=checkout.DirectLine(
            listing_id=held.listing_id,
            quantity=held.quantity,
            unit_price_cents=held.unit_price_cents,
            source_kind=held.kind,
            source_id=held.source_id,
        ),
        address=address,
        payment_method=payment_method,
        claim=claim,
        expected_total_cents=expected_total_cents,
        locale=locale,
    )
    session.expire(held)
    session.commit()
    return result


def sweep(session: Session, *, now: datetime | None = None) -> int:
    """The job's part: release expired holds in batches, committing each. Returns how many."""
    total = 0
    while True:
        released = release_expired(session, now=now)
        session.commit()
        total += released
        if released < SWEEP_BATCH:
            return total


def expires_in(days: int, *, now: datetime | None = None) -> datetime:
    return (now or utcnow()) + timedelta(days=days)
