"""Orders after checkout: who may see them, their life cycle, and lists of them.

State machine: placed → paid → shipped → delivered; cancelled only from placed or
paid. The shop's owner confirms payment, ships and may cancel before shipping; the
buyer may cancel while the order is still unpaid; either marks a shipped order
delivered. Each step is one conditional UPDATE on the current status, so two people
acting at once can't both succeed (e.g. stock put back twice).

Only the buyer and the shop's owner can see an order; everyone else gets the same
NotFound whether the reference exists or not.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import case, func, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from social_market.i18n.catalog import N_
from social_market.i18n.format import format_day, format_money
from social_market.models import Listing, Order, OrderLine, Shop, User, utcnow
from social_market.models.market import (
    ACTIVE,
    CANCELLED,
    DELETED,
    DELIVERED,
    ORDER_STATES,
    PAID,
    PLACED,
    SHIPPED,
    SOLD_OUT,
)
from social_market.services import countries, payments, recommendations, reviews, shares
from social_market.services import email as mail
from social_market.services.cart import lang_of, require_actor, valid_id
from social_market.services.errors import InvalidInput, NotAllowed, NotFound
from social_market.services.listings import PHOTO_GRID, photo_url
from social_market.services.text import clean_text
from social_market.settings import get_settings
from social_market.urls import listing_url, order_url, shop_url

_REFERENCE = re.compile(r"^SM-[0-9A-Z]{8}$")
MAX_PAGE = 50
STATUS_LABELS = {
    PLACED: N_("Awaiting payment"),
    PAID: N_("Paid"),
    SHIPPED: N_("Shipped"),
    DELIVERED: N_("Delivered"),
    CANCELLED: N_("Cancelled"),
}
# Which status each step starts from.
_STEPS = {PAID: (PLACED,), SHIPPED: (PAID,), DELIVERED: (SHIPPED,), CANCELLED: (PLACED, PAID)}


class OrderLineView(BaseModel):
    line_id: int = 0
    shared: str = "nobody"  # how the buyer shared it: nobody | followers | everyone
    # The buyer's review: '' (not yet possible), can, edit (written, still editable), done.
    review: str = ""
    review_rating: int = 0
    title: str
    url: str  # '' when the listing is gone
    photo_url: str
    unit_price: str
    unit_price_cents: int
    quantity: int
    line_total: str
    line_total_cents: int
    made_to_order: bool
    lead_time_days: int


class OrderDetail(BaseModel):
    """An order as its buyer or its shop sees it."""

    reference: str
    url: str
    status: str
    status_label: str  # msgid
    viewer_is_buyer: bool
    viewer_is_shop: bool
    shop_name: str
    shop_url: str
    buyer_name: str
    buyer_handle: str
    payment_method: str
    payment_label: str  # msgid
    payment_instructions: str
    currency: str
    lines: list[OrderLineView]
    items_total: str
    items_total_cents: int
    shipping: str
    shipping_cents: int
    discount: str = ""  # taken off by a reward voucher; '' when none
    discount_cents: int = 0
    total: str
    total_cents: int
    ship_name: str
    ship_line1: str
    ship_line2: str
    ship_postcode: str
    ship_city: str
    ship_country: str
    ship_country_name: str
    tracking_number: str
    cancel_reason: str
    placed_at: str
    paid_at: str
    shipped_at: str
    delivered_at: str
    cancelled_at: str
    # What the viewer may do now.
    can_confirm_payment: bool
    can_mark_shipped: bool
    can_mark_delivered: bool
    can_cancel: bool


class OrderSummary(BaseModel):
    reference: str
    url: str
    status: str
    status_label: str
    # The other party: the shop's name for the buyer, the buyer's name for the shop.
    counterpart_name: str
    total: str
    total_cents: int
    placed_at: str
    item_count: int
    first_item_title: str
    first_item_photo_url: str


class OrderPage(BaseModel):
    orders: list[OrderSummary]
    next_cursor: str | None  # pass as ``before`` for the next page


# ---------------------------------------------------------------------- loading


def _check_reference(value: object) -> str:
    ref = value.strip().upper() if isinstance(value, str) and len(value) <= 20 else ""
    if not _REFERENCE.match(ref):
        raise NotFound("We couldn't find that order.")
    return ref


def _load(session: Session, actor_id: object, reference: object) -> tuple[User, Order, int]:
    """The order, its shop's owner id and the actor, if the actor is buyer or owner."""
    actor = require_actor(session, actor_id)
    ref = _check_reference(reference)
    row = session.exec(
        select(Order, Shop.owner_id)
        .join(Shop, Shop.id == Order.shop_id)
        .where(Order.reference == ref)
    ).first()
    if row is None or actor.id not in (row[0].buyer_id, row[1]):
        raise NotFound("We couldn't find that order.")
    return actor, row[0], row[1]


def _allowed(order: Order, owner_id: int, actor_id: int) -> dict[str, bool]:
    is_shop, is_buyer = actor_id == owner_id, actor_id == order.buyer_id
    return {
        PAID: is_shop and order.status == PLACED,
        SHIPPED: is_shop and order.status == PAID,
        DELIVERED: (is_shop or is_buyer) and order.status == SHIPPED,
        CANCELLED: (is_shop and order.status in (PLACED, PAID))
        or (is_buyer and order.status == PLACED),
    }


def _step(session: Session, order: Order, new_status: str, **values: object) -> None:
    """Move ``order`` to ``new_status`` if nobody moved it meanwhile, else InvalidInput."""
    now = utcnow()
    stamp = {PAID: "paid_at", SHIPPED: "shipped_at", DELIVERED: "delivered_at"}.get(
        new_status, "cancelled_at"
    )
    table = Order.__table__
    result = session.execute(
        update(table)
        .where(table.c.id == order.id, table.c.status == order.status)
        .values(status=new_status, updated_at=now, **{stamp: now}, **values)
    )
    session.expire(order)  # its columns changed in SQL (or someone else changed them)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidInput("This order has just been changed. Please reload it.", field="status")


_WRONG_STATE = {
    PAID: N_("Only an order awaiting payment can be marked paid."),
    SHIPPED: N_("Only a paid order can be marked shipped."),
    DELIVERED: N_("Only a shipped order can be marked delivered."),
    CANCELLED: N_("An order can't be cancelled once it has shipped."),
}


def _require_step(order: Order, owner_id: int, actor_id: int, new_status: str) -> None:
    if _allowed(order, owner_id, actor_id)[new_status]:
        return
    is_shop = actor_id == owner_id
    if order.status not in _STEPS[new_status]:
        if order.status == CANCELLED:
            raise InvalidInput("This order was cancelled.", field="status")
        raise InvalidInput(_WRONG_STATE[new_status], field="status")
    if new_status == CANCELLED and not is_shop:
        raise NotAllowed("The shop has confirmed your payment: please ask them to cancel.")
    raise NotAllowed("Only the shop can do this.")


# ---------------------------------------------------------------------- steps


def confirm_payment(*, session: Session, owner_id: object, reference: object) -> Order:
    """placed → paid (the shop received the money)."""
    actor, order, owner = _load(session, owner_id, reference)
    _require_step(order, owner, actor.id, PAID)  # type: ignore[arg-type]
    _step(session, order, PAID)
    _tell(session, order, owner, actor.id, PAID)  # type: ignore[arg-type]
    return order


def mark_shipped(
    *, session: Session, owner_id: object, reference: object, tracking_number: object = ""
) -> Order:
    """paid → shipped, with an optional tracking number; the buyer gets an email."""
    actor, order, owner = _load(session, owner_id, reference)
    tracking = clean_text(
        tracking_number, field="tracking_number", label=N_("Tracking number"), max_length=100
    )
    _require_step(order, owner, actor.id, SHIPPED)  # type: ignore[arg-type]
    _step(session, order, SHIPPED, tracking_number=tracking)
    _tell(session, order, owner, actor.id, SHIPPED)  # type: ignore[arg-type]
    _email_buyer(
        session,
        order,
        subject=f"Your order {order.reference} is on its way",
        body=(
            f"{order.shop_name} has shipped your order {order.reference}."
            + (f"\nTracking number: {tracking}" if tracking else "")
            + f"\n\n{_link(order_url(order.reference))}\n"
        ),
    )
    return order


def mark_delivered(*, session: Session, actor_id: object, reference: object) -> Order:
    """shipped → delivered, by the buyer or the shop."""
    actor, order, owner = _load(session, actor_id, reference)
    _require_step(order, owner, actor.id, DELIVERED)  # type: ignore[arg-type]
    _step(session, order, DELIVERED)
    _tell(session, order, owner, actor.id, DELIVERED)  # type: ignore[arg-type]
    return order


def cancel_order(*, session: Session, actor_id: object, reference: object, reason: object) -> Order:
    """Cancel before shipping (shop: placed or paid; buyer: placed) and put the stock back."""
    actor, order, owner = _load(session, actor_id, reference)
    why = clean_text(reason, field="reason", label=N_("Reason"), max_length=500, multiline=True)
    _require_step(order, owner, actor.id, CANCELLED)  # type: ignore[arg-type]
    if not why:
        raise InvalidInput("Please say why the order is cancelled.", field="reason")
    by_shop = actor.id == owner
    _step(session, order, CANCELLED, cancel_reason=why)
    recommendations.mark_dirty(session, order.buyer_id)
    _restock(session, order.id)  # type: ignore[arg-type]
    from social_market.services import rewards

    rewards.on_order_cancelled(session, order)
    _tell(session, order, owner, actor.id, CANCELLED)  # type: ignore[arg-type]
    if by_shop:
        _email_buyer(
            session,
            order,
            subject=f"Your order {order.reference} was cancelled",
            body=(
                f"{order.shop_name} cancelled your order {order.reference}.\n"
                f"Reason: {why}\n\n{_link(order_url(order.reference))}\n"
            ),
        )
    else:
        owner_email = session.exec(select(User.email).where(User.id == owner)).first()
        if owner_email:
            mail.send_after_commit(
                session,
                to=owner_email,
                subject=f"Order {order.reference} was cancelled by the buyer",
                body=f"Reason: {why}\n\n{_link(order_url(order.reference))}\n",
            )
    return order


def _restock(session: Session, order_id: int) -> None:
    """Put a cancelled order's stock back (made-to-order lines never took any)."""
    lines = session.exec(
        select(OrderLine.listing_id, OrderLine.quantity)  # type: ignore[call-overload]
        .where(
            OrderLine.order_id == order_id,
            OrderLine.listing_id.is_not(None),  # type: ignore[union-attr]
            OrderLine.made_to_order.is_(False),  # type: ignore[attr-defined]
        )
        .order_by(OrderLine.listing_id)  # same lock order as checkout
    ).all()
    table = Listing.__table__
    for listing_id, quantity in lines:
        session.execute(
            update(table)
            .where(table.c.id == listing_id, table.c.state != DELETED)
            .values(
                quantity=table.c.quantity + quantity,
                state=case((table.c.state == SOLD_OUT, ACTIVE), else_=table.c.state),
            )
        )
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Listing):
            session.expire(obj, ["quantity", "state"])


def _link(path: str) -> str:
    return get_settings().public_base_url.rstrip("/") + path


def _tell(session: Session, order: Order, owner_id: int, actor_id: int, status: str) -> None:
    """Notify the other side of the order that it moved on."""
    from social_market.services import notifications

    notifications.notify(
        session,
        user_id=order.buyer_id if actor_id == owner_id else owner_id,
        kind=notifications.N_ORDER,
        detail=status,
        actor_id=actor_id,
        link=order_url(order.reference),
        snippet=order.reference,
    )


def _email_buyer(session: Session, order: Order, *, subject: str, body: str) -> None:
    address = session.exec(select(User.email).where(User.id == order.buyer_id)).first()
    if address:
        mail.send_after_commit(session, to=address, subject=subject, body=body)


# ---------------------------------------------------------------------- reading


def _when(value: datetime | None, locale: str | None) -> str:
    return format_day(value, locale, "medium") if value else ""


def _review_state(line: reviews.LineReview | None) -> str:
    if line is None:
        return ""
    if line.review_id:
        return "edit" if line.can_edit else "done"
    return "can" if line.can_review else ""


def get_order(
    *, session: Session, viewer_id: object, reference: object, locale: str | None = None
) -> OrderDetail:
    """The order page's data, for its buyer or its shop's owner only (else NotFound)."""
    viewer, order, owner = _load(session, viewer_id, reference)
    rows = session.exec(
        select(OrderLine, Listing.slug, Listing.state, Shop.slug, User.display_name, User.handle)
        .select_from(OrderLine)
        .outerjoin(Listing, Listing.id == OrderLine.listing_id)
        .join(Shop, Shop.id == order.shop_id)
        .join(User, User.id == order.buyer_id)
        .where(OrderLine.order_id == order.id)
        .order_by(OrderLine.id)
    ).all()
    shop_slug = rows[0][3] if rows else ""
    buyer_name = (rows[0][4] or rows[0][5]) if rows else ""
    buyer_handle = rows[0][5] if rows else ""
    lang = lang_of(locale)
    shared = (
        shares.share_states(session=session, buyer_id=viewer.id, order_id=order.id)  # type: ignore[arg-type]
        if viewer.id == order.buyer_id
        else {}
    )
    reviewed = (
        reviews.line_reviews(session=session, buyer_id=viewer.id, order_id=order.id)  # type: ignore[arg-type]
        if viewer.id == order.buyer_id
        else {}
    )
    method = payments.METHODS.get(order.payment_method)
    allowed = _allowed(order, owner, viewer.id)  # type: ignore[arg-type]
    money = lambda cents: format_money(cents, order.currency, locale)  # noqa: E731
    return OrderDetail(
        reference=order.reference,
        url=order_url(order.reference),
        status=order.status,
        status_label=STATUS_LABELS.get(order.status, order.status),
        viewer_is_buyer=viewer.id == order.buyer_id,
        viewer_is_shop=viewer.id == owner,
        shop_name=order.shop_name,
        shop_url=shop_url(shop_slug) if shop_slug else "",
        buyer_name=buyer_name,
        buyer_handle=buyer_handle,
        payment_method=order.payment_method,
        payment_label=method.label if method else order.payment_method,
        payment_instructions=(
            method.instructions(order, lang) if method and order.status == PLACED else ""
        ),
        currency=order.currency,
        lines=[
            OrderLineView(
                line_id=line.id or 0,
                shared=shared[line.id].audience if line.id in shared else "nobody",
                review=_review_state(reviewed.get(line.id)),
                review_rating=reviewed[line.id].rating if line.id in reviewed else 0,
                title=line.title,
                url=(
                    listing_url(line.listing_id, slug)
                    if line.listing_id and state not in (None, DELETED)
                    else ""
                ),
                photo_url=photo_url(line.photo_key, PHOTO_GRID),
                unit_price=money(line.unit_price_cents),
                unit_price_cents=line.unit_price_cents,
                quantity=line.quantity,
                line_total=money(line.line_total_cents),
                line_total_cents=line.line_total_cents,
                made_to_order=line.made_to_order,
                lead_time_days=line.lead_time_days or 0,
            )
            for line, slug, state, *_ in rows
        ],
        items_total=money(order.items_cents),
        items_total_cents=order.items_cents,
        shipping=money(order.shipping_cents),
        shipping_cents=order.shipping_cents,
        discount=money(order.discount_cents) if order.discount_cents else "",
        discount_cents=order.discount_cents,
        total=money(order.total_cents),
        total_cents=order.total_cents,
        ship_name=order.ship_name,
        ship_line1=order.ship_line1,
        ship_line2=order.ship_line2,
        ship_postcode=order.ship_postcode,
        ship_city=order.ship_city,
        ship_country=order.ship_country,
        ship_country_name=countries.country_names(lang).get(order.ship_country, order.ship_country),
        tracking_number=order.tracking_number,
        cancel_reason=order.cancel_reason,
        placed_at=_when(order.placed_at, locale),
        paid_at=_when(order.paid_at, locale),
        shipped_at=_when(order.shipped_at, locale),
        delivered_at=_when(order.delivered_at, locale),
        cancelled_at=_when(order.cancelled_at, locale),
        can_confirm_payment=allowed[PAID],
        can_mark_shipped=allowed[SHIPPED],
        can_mark_delivered=allowed[DELIVERED],
        can_cancel=allowed[CANCELLED],
    )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def encode_cursor(placed_at: datetime, order_id: int) -> str:
    if placed_at.tzinfo is None:
        placed_at = placed_at.replace(tzinfo=UTC)
    micros = (placed_at - _EPOCH) // timedelta(microseconds=1)
    return f"{micros}.{order_id}"


def decode_cursor(value: object) -> tuple[datetime, int] | None:
    """A ``before`` cursor from :func:`encode_cursor`; None/'' = first page."""
    if value is None or value == "":
        return None
    m = re.fullmatch(r"(\d{1,17})\.(\d{1,10})", value) if isinstance(value, str) else None
    if m is None or not valid_id(int(m.group(2))):
        raise InvalidInput("That page link is not valid.", field="before")
    try:
        return _EPOCH + timedelta(microseconds=int(m.group(1))), int(m.group(2))
    except OverflowError:  # past the year 9999
        raise InvalidInput("That page link is not valid.", field="before") from None


def _check_limit(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        return 20
    return max(1, min(MAX_PAGE, value))


def _page(
    session: Session, where: list, counterpart, before: object, limit: object, locale: str | None
) -> OrderPage:
    """Two queries: a page of orders (+1 to know if there is more), then their lines."""
    size = _check_limit(limit)
    cursor = decode_cursor(before)
    conditions = list(where)
    if cursor is not None:
        at, oid = cursor
        conditions.append(
            (Order.placed_at < at) | ((Order.placed_at == at) & (Order.id < oid))  # type: ignore[operator]
        )
    stmt = (
        select(Order.id, Order.reference, Order.status, Order.total_cents, Order.currency)
        .add_columns(Order.placed_at, *counterpart)
        .where(*conditions)
        .order_by(Order.placed_at.desc(), Order.id.desc())  # type: ignore[attr-defined]
        .limit(size + 1)
    )
    rows = session.execute(stmt).all()
    more = len(rows) > size
    rows = rows[:size]
    ids = [r[0] for r in rows]
    first: dict[int, tuple[str, str | None]] = {}
    counts: dict[int, int] = dict.fromkeys(ids, 0)
    if ids:
        for order_id, title, photo, quantity in session.execute(
            select(OrderLine.order_id, OrderLine.title, OrderLine.photo_key, OrderLine.quantity)  # type: ignore[call-overload]
            .where(OrderLine.order_id.in_(ids))  # type: ignore[attr-defined]
            .order_by(OrderLine.order_id, OrderLine.id)
        ):
            first.setdefault(order_id, (title, photo))
            counts[order_id] += quantity
    summaries = []
    for oid, ref, status, total, currency, placed_at, *names in rows:
        title, photo = first.get(oid, ("", None))
        summaries.append(
            OrderSummary(
                reference=ref,
                url=order_url(ref),
                status=status,
                status_label=STATUS_LABELS.get(status, status),
                counterpart_name=next((n for n in names if n), ""),
                total=format_money(total, currency, locale),
                total_cents=total,
                placed_at=_when(placed_at, locale),
                item_count=counts.get(oid, 0),
                first_item_title=title,
                first_item_photo_url=photo_url(photo, PHOTO_GRID),
            )
        )
    next_cursor = encode_cursor(rows[-1][5], rows[-1][0]) if more and rows else None
    return OrderPage(orders=summaries, next_cursor=next_cursor)


def buyer_orders(
    *,
    session: Session,
    buyer_id: object,
    before: str | None = None,
    limit: int = 20,
    locale: str | None = None,
) -> OrderPage:
    """The buyer's orders, newest first (ix_shop_order_buyer_id_placed_at_id)."""
    buyer = require_actor(session, buyer_id)
    return _page(session, [Order.buyer_id == buyer.id], [Order.shop_name], before, limit, locale)


def shop_orders(
    *,
    session: Session,
    owner_id: object,
    status: str | None = None,
    before: str | None = None,
    limit: int = 20,
    locale: str | None = None,
) -> OrderPage:
    """The acting owner's shop's orders, newest first, optionally in one status."""
    user = require_actor(session, owner_id)
    shop_id = session.exec(select(Shop.id).where(Shop.owner_id == user.id)).first()
    if shop_id is None:
        raise NotAllowed("Open a shop first.")
    where = [Order.shop_id == shop_id]
    if status not in (None, ""):
        if status not in ORDER_STATES:
            raise InvalidInput("Please choose an order status from the list.", field="status")
        where.append(Order.status == status)
    buyer = aliased(User)
    counterpart = [
        select(func.coalesce(func.nullif(buyer.display_name, ""), buyer.handle))
        .where(buyer.id == Order.buyer_id)
        .scalar_subquery()
    ]
    return _page(session, where, counterpart, before, limit, locale)
