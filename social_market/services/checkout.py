"""Checkout: turn the buyer's cart into one order per shop, in one transaction.

Rules kept here (tested in tests/services/test_checkout*.py):
- The client sends only its address, a payment method and (optionally) the total it
  showed; every price, shipping cost and total is computed here from the database.
- All or nothing: every line of every shop's order is placed and its stock taken, or
  nothing is written (a savepoint is rolled back, the session stays usable).
- No overselling, also under concurrency: stock is taken with one conditional UPDATE
  per listing (``… WHERE quantity >= :q``) whose row count is checked. PostgreSQL
  re-checks the condition after waiting for a competing transaction's row lock;
  SQLite has one writer at a time and we take its write lock before reading.
- Listings are updated in id order, so two checkouts never wait on each other in a cycle.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping

from limits import parse
from pydantic import BaseModel
from sqlalchemy import case, delete, text, update
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from social_market.i18n.catalog import N_
from social_market.i18n.format import format_money
from social_market.models import (
    Block,
    CartItem,
    Listing,
    Order,
    OrderLine,
    ShippingRate,
    Shop,
    User,
)
from social_market.models.market import ACTIVE, SOLD_OUT
from social_market.services import (
    countries,
    payments,
    ratelimit,
    recommendations,
    rewards,
    shops,
)
from social_market.services import email as mail
from social_market.services.cart import availability_problem, lang_of, require_actor
from social_market.services.errors import InvalidInput, NotAllowed, RateLimited
from social_market.services.text import clean_text
from social_market.settings import get_settings
from social_market.urls import order_url

CHECKOUTS_PER_USER = parse("10/10minute")
# Human-friendly order references: no 0/O, 1/I/L look-alikes. 31**8 ≈ 8.5e11 values.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_LENGTH = 8
MAX_EXPECTED_TOTAL = 10**12


class ShippingAddress(BaseModel):
    """Where the orders go (or, for pickup, who collects them)."""

    name: str = ""
    line1: str = ""
    line2: str = ""
    postcode: str = ""
    city: str = ""
    country: str = ""


class PlacedOrder(BaseModel):
    reference: str
    url: str
    shop_name: str
    items_total: str
    shipping: str
    total: str
    total_cents: int
    currency: str
    payment_method: str
    instructions: str


class CheckoutResult(BaseModel):
    checkout_id: str
    orders: list[PlacedOrder]
    grand_total: str
    grand_total_cents: int
    # Where to send the buyer next (a card provider's page), or None.
    redirect_url: str | None = None


def new_reference() -> str:
    """A random order reference such as SM-7K2P9QXD."""
    return "SM-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def check_address(value: object, *, needs_address: bool = True) -> ShippingAddress:
    """Validate the address form; with pickup only the name is required."""
    if isinstance(value, ShippingAddress):
        value = value.model_dump()
    if not isinstance(value, Mapping):
        raise InvalidInput("Please fill in the shipping address.", field="address")

    def field(name: str, label: str, max_length: int, required: bool) -> str:
        cleaned = clean_text(value.get(name), field=name, label=label, max_length=max_length)
        if required and not cleaned:
            raise InvalidInput("Please fill in {label}.", field=name, label=label)
        return cleaned

    address = ShippingAddress(
        name=field("name", N_("Name"), 100, True),
        line1=field("line1", N_("Address"), 120, needs_address),
        line2=field("line2", N_("Address line 2"), 120, False),
        postcode=field("postcode", N_("Postcode"), 20, needs_address),
        city=field("city", N_("City"), 80, needs_address),
        country="",
    )
    country = value.get("country")
    if needs_address or country:
        address.country = countries.check_country(country, field="country")
    return address


def _check_expected_total(value: object) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < MAX_EXPECTED_TOTAL:
        raise InvalidInput("Please reload the cart and try again.", field="cart")
    return value


def _take_write_lock_first(session: Session) -> None:
    """On SQLite, start the transaction as a writer (like BEGIN IMMEDIATE).

    A WAL reader that later tries to write after another writer committed gets
    SQLITE_BUSY_SNAPSHOT at once instead of waiting; starting with a write makes
    concurrent checkouts queue on the busy timeout and then see each other's stock.
    Only possible when the session has not started its transaction yet.
    """
    if session.get_bind().dialect.name == "sqlite" and not session.in_transaction():
        session.execute(text("UPDATE listing SET quantity = quantity WHERE 0"))


def _release_expired_holds(session: Session, buyer_id: int) -> None:
    """Give back the pieces whose hold expired, for the listings in this cart, before
    stock is read: expiry takes effect at the moment of use, not when the job runs."""
    from social_market.services import holds

    listing_ids = list(
        session.exec(select(CartItem.listing_id).where(CartItem.user_id == buyer_id))
    )
    holds.release_expired(session, listing_ids=listing_ids)
    from social_market.services import offers

    # Flash offers of these listings that ended: their leftover pieces come back now.
    offers.settle_ended(session, listing_ids=listing_ids)


def _stock_update(listing_id: int, quantity: int, price_cents: int, made_to_order: bool):
    """Take ``quantity`` from a listing's stock if it is still active at the same price."""
    table = Listing.__table__
    stmt = update(table).where(
        table.c.id == listing_id,
        table.c.state == ACTIVE,
        table.c.price_cents == price_cents,
    )
    if made_to_order:  # not stock-limited: only check it is still on sale at that price
        return stmt.values(updated_at=table.c.updated_at)
    return stmt.where(table.c.quantity >= quantity).values(
        quantity=table.c.quantity - quantity,
        state=case((table.c.quantity - quantity == 0, SOLD_OUT), else_=table.c.state),
    )


def _why_not(session: Session, listing_id: int, quantity: int, price_cents: int) -> InvalidInput:
    """The clear reason a stock update matched no row (read fresh, after it failed)."""
    row = session.execute(
        select(  # type: ignore[call-overload]
            Listing.title,
            Listing.state,
            Listing.quantity,
            Listing.price_cents,
            Listing.made_to_order,
        ).where(Listing.id == listing_id)
    ).first()
    if row is None:
        return InvalidInput("An item in your cart is no longer available.", field="cart")
    title, state, stock, price, made_to_order = row
    if state == SOLD_OUT or (state == ACTIVE and not made_to_order and stock <= 0):
        return InvalidInput("{title} is sold out.", field="cart", title=title)
    if state != ACTIVE:
        return InvalidInput("{title} is no longer available.", field="cart", title=title)
    if price != price_cents:
        return InvalidInput(
            "The price of {title} has just changed. Please check your cart.",
            field="cart",
            title=title,
        )
    return InvalidInput("Only {count} left of {title}.", field="cart", title=title, count=stock)


def place_order(
    *,
    session: Session,
    buyer_id: object,
    address: dict | ShippingAddress,
    payment_method: str,
    expected_total_cents: int | None = None,
    locale: str | None = None,
    voucher_code: object = None,
) -> CheckoutResult:
    """Place one order per shop for everything in the buyer's cart.

    Args:
        session: The caller's session; it commits (emails leave after that commit).
        buyer_id: The signed-in buyer.
        address: Form fields name, line1, line2, postcode, city, country.
        payment_method: A code from :data:`payments.METHODS`; every shop must accept it.
        expected_total_cents: The grand total the buyer saw; refused if it changed.
        locale: For the formatted amounts in the result.
        voucher_code: A reward voucher the buyer claimed (services/rewards.py): its
            percentage comes off that shop's items total (``Order.discount_cents``).

    Raises:
        InvalidInput: a voucher code that isn't the buyer's, unused and for a shop in
            the cart; empty cart, bad address, an unavailable/sold-out line, not enough
            stock, a shop that doesn't ship there or doesn't take the method, or a
            changed total. Nothing has been written then.
        RateLimited: too many checkouts in a short time.
        NotAllowed: not signed in, or buying from one's own shop.
    """
    _take_write_lock_first(session)
    buyer = require_actor(session, buyer_id)
    method = payments.get_method(payment_method)
    addr = check_address(address, needs_address=method.charges_shipping)
    expected = _check_expected_total(expected_total_cents)
    code = rewards.check_voucher_code(voucher_code)
    ratelimit.hit(
        CHECKOUTS_PER_USER,
        "checkout",
        str(buyer.id),
        message=N_(
            "You have tried to check out many times in a few minutes. Please wait a little."
        ),
    )

    _release_expired_holds(session, buyer.id)  # type: ignore[arg-type]
    rows = session.exec(
        select(CartItem, Listing, Shop)
        .join(Listing, Listing.id == CartItem.listing_id)
        .join(Shop, Shop.id == Listing.shop_id)
        .where(CartItem.user_id == buyer.id)
        .order_by(Shop.id, CartItem.listing_id)
    ).all()
    if not rows:
        raise InvalidInput("Your cart is empty.", field="cart")

    by_shop: dict[int, tuple[Shop, list[tuple[CartItem, Listing]]]] = {}
    for item, listing, shop in rows:
        if shop.owner_id == buyer.id:
            raise NotAllowed("You can't buy from your own shop.", field="cart")
        problem = availability_problem(listing, shop, item.quantity)
        if problem is not None:
            raise InvalidInput(problem, field="cart", title=listing.title, count=listing.quantity)
        if not method.available_for(shop):
            raise InvalidInput(
                "{shop} doesn't accept {method}.",
                field="payment_method",
                shop=shop.name,
                method=method.label,
            )
        by_shop.setdefault(shop.id, (shop, []))[1].append((item, listing))  # type: ignore[index]
    blocked_by = set(
        session.exec(
            select(Block.blocker_id).where(
                Block.blocked_id == buyer.id,
                Block.blocker_id.in_([shop.owner_id for shop, _ in by_shop.values()]),  # type: ignore[attr-defined]
            )
        )
    )
    for shop, _ in by_shop.values():
        if shop.owner_id in blocked_by:
            raise NotAllowed("{shop} isn't available to you.", field="cart", shop=shop.name)

    rates: dict[int, list[ShippingRate]] = {sid: [] for sid in by_shop}
    if method.charges_shipping:
        for rate in session.exec(
            select(ShippingRate).where(ShippingRate.shop_id.in_(list(by_shop)))  # type: ignore[attr-defined]
        ):
            rates[rate.shop_id].append(rate)

    checkout_id = secrets.token_hex(16)
    orders = [
        _plan_order(
            shop=shop,
            lines=[
                OrderLine(
                    order_id=0,
                    listing_id=listing.id,
                    title=listing.title,
                    photo_key=listing.cover_key,
                    unit_price_cents=listing.price_cents,
                    quantity=item.quantity,
                    line_total_cents=listing.price_cents * item.quantity,
                    made_to_order=listing.made_to_order,
                    lead_time_days=listing.lead_time_days,
                    via_kind=item.via_kind,
                    via_id=item.via_id,
                )
                for item, listing in items
            ],
            rates=rates[shop.id],  # type: ignore[index]
            method=method,
            addr=addr,
            buyer=buyer,
            checkout_id=checkout_id,
        )
        for shop, items in by_shop.values()
    ]

    claim = None
    if code is not None:
        claim = rewards.voucher_for_checkout(session, buyer.id, code, set(by_shop))  # type: ignore[arg-type]
        for order, _ in orders:
            if order.shop_id == claim.shop_id:
                order.discount_cents = rewards.discount_for(order.items_cents, claim.percent_off)
                order.total_cents -= order.discount_cents
    grand_total = sum(order.total_cents for order, _ in orders)
    currency = orders[0][0].currency
    if expected is not None and expected != grand_total:
        raise InvalidInput(
            "Prices or shipping have changed: the total is now {total}. "
            "Please check your cart and confirm again.",
            field="cart",
            total=format_money(grand_total, currency, locale),
        )

    stock_lines = sorted(
        ((listing, item.quantity) for _, items in by_shop.values() for item, listing in items),
        key=lambda pair: pair[0].id,  # type: ignore[arg-type, return-value]
    )
    try:
        with session.begin_nested():
            for listing, quantity in stock_lines:
                result = session.execute(
                    _stock_update(
                        listing.id,  # type: ignore[arg-type]
                        quantity,
                        listing.price_cents,
                        listing.made_to_order,
                    )
                )
                if result.rowcount != 1:  # type: ignore[attr-defined]
                    raise _why_not(session, listing.id, quantity, listing.price_cents)  # type: ignore[arg-type]
            _write_orders(session, orders)
            session.flush()
            if claim is not None:
                rewards.use_voucher(
                    session, claim, next(o for o, _ in orders if o.shop_id == claim.shop_id)
                )
            rewards.on_orders_placed(session, buyer.id, orders)  # type: ignore[arg-type]
            session.execute(
                delete(CartItem).where(
                    CartItem.user_id == buyer.id,  # type: ignore[arg-type]
                    CartItem.listing_id.in_([listing.id for listing, _ in stock_lines]),  # type: ignore[attr-defined]
                )
            )
            recommendations.mark_dirty(session, buyer.id)  # type: ignore[arg-type]
            session.flush()
    except OperationalError as exc:
        if "locked" in str(exc.orig).lower():  # SQLite busy beyond its timeout
            raise RateLimited("The shop is very busy right now. Please try again.") from None
        raise
    for listing, _ in stock_lines:  # their stock and state changed in SQL
        session.expire(listing, ["quantity", "state", "updated_at"])

    return _finish(session, buyer, method, orders, checkout_id, locale)


def _plan_order(
    *,
    shop: Shop,
    lines: list[OrderLine],
    rates: list[ShippingRate],
    method: payments.PaymentMethod,
    addr: ShippingAddress,
    buyer: User,
    checkout_id: str,
) -> tuple[Order, list[OrderLine]]:
    """One shop's order for ``lines`` (not yet added to the session), shipping included."""
    shipping = 0
    if method.charges_shipping:
        pieces = sum(line.quantity for line in lines)
        cost = shops.shipping_for(rates, shop.country, addr.country, pieces)
        if cost is None:
            raise InvalidInput(
                "{shop} doesn't ship to {country}.",
                field="country",
                shop=shop.name,
                country=countries.country_names("en").get(addr.country, addr.country),
            )
        shipping = cost
    items_cents = sum(line.line_total_cents for line in lines)
    order = Order(
        reference=new_reference(),
        checkout_id=checkout_id,
        buyer_id=buyer.id,  # type: ignore[arg-type]
        shop_id=shop.id,  # type: ignore[arg-type]
        payment_method=method.code,
        currency=shop.currency,
        items_cents=items_cents,
        shipping_cents=shipping,
        total_cents=items_cents + shipping,
        ship_name=addr.name,
        ship_line1=addr.line1,
        ship_line2=addr.line2,
        ship_postcode=addr.postcode,
        ship_city=addr.city,
        ship_country=addr.country,
        shop_name=shop.name,
        payment_details=shop.payment_details if method.code == payments.BANK_TRANSFER else "",
    )
    return order, lines


def _write_orders(session: Session, orders: list[tuple[Order, list[OrderLine]]]) -> None:
    session.add_all([order for order, _ in orders])
    session.flush()
    for order, lines in orders:
        for line in lines:
            line.order_id = order.id  # type: ignore[assignment]
        session.add_all(lines)


def _finish(
    session: Session,
    buyer: User,
    method: payments.PaymentMethod,
    orders: list[tuple[Order, list[OrderLine]]],
    checkout_id: str,
    locale: str | None,
) -> CheckoutResult:
    """Start the payment, queue the notifications and describe what was placed."""
    start = method.start_payment([order for order, _ in orders])
    _notify(session, buyer, method, [order for order, _ in orders])
    grand_total = sum(order.total_cents for order, _ in orders)
    currency = orders[0][0].currency
    return CheckoutResult(
        checkout_id=checkout_id,
        orders=[
            PlacedOrder(
                reference=order.reference,
                url=order_url(order.reference),
                shop_name=order.shop_name,
                items_total=format_money(order.items_cents, order.currency, locale),
                shipping=format_money(order.shipping_cents, order.currency, locale),
                total=format_money(order.total_cents, order.currency, locale),
                total_cents=order.total_cents,
                currency=order.currency,
                payment_method=order.payment_method,
                instructions=method.instructions(order, lang_of(locale)),
            )
            for order, _ in orders
        ],
        grand_total=format_money(grand_total, currency, locale),
        grand_total_cents=grand_total,
        redirect_url=start.redirect_url if start else None,
    )


class DirectLine(BaseModel):
    """One line bought outside the cart, at a price fixed elsewhere (a held share, an offer)."""

    listing_id: int
    quantity: int
    unit_price_cents: int
    source_kind: str  # 'wish' | 'group' | 'offer'
    source_id: int


def place_direct_order(
    *,
    session: Session,
    buyer_id: object,
    line: DirectLine,
    address: dict | ShippingAddress,
    payment_method: str,
    claim: Callable[[Order], None],
    expected_total_cents: int | None = None,
    locale: str | None = None,
) -> CheckoutResult:
    """Place one order for one listing at a price given by the caller, not by the cart.

    Used by reserved purchases and group-order shares (their stock is already held)
    and by flash offers (their pieces come out of the offer). ``claim`` runs inside the
    order's savepoint after the order is written: it takes what is being bought (marks
    the hold used, takes pieces from the offer) with a conditional update and raises
    ``InvalidInput`` when that is no longer possible; then nothing at all is written.
    The listing's own stock is not touched here.

    Raises:
        InvalidInput, NotAllowed, RateLimited: as :func:`place_order`.
    """
    _take_write_lock_first(session)
    buyer = require_actor(session, buyer_id)
    method = payments.get_method(payment_method)
    addr = check_address(address, needs_address=method.charges_shipping)
    expected = _check_expected_total(expected_total_cents)
    ratelimit.hit(
        CHECKOUTS_PER_USER,
        "checkout",
        str(buyer.id),
        message=N_(
            "You have tried to check out many times in a few minutes. Please wait a little."
        ),
    )
    row = session.exec(
        select(Listing, Shop)
        .join(Shop, Shop.id == Listing.shop_id)
        .where(Listing.id == line.listing_id)
    ).first()
    if row is None:
        raise InvalidInput("This piece is no longer available.", field="cart")
    listing, shop = row
    if shop.owner_id == buyer.id:
        raise NotAllowed("You can't buy from your own shop.", field="cart")
    if (
        shop.closed_at is not None
        or shop.hidden_at is not None
        or listing.state
        not in (
            ACTIVE,
            SOLD_OUT,
        )
    ):
        raise InvalidInput("{title} is no longer available.", field="cart", title=listing.title)
    if not method.available_for(shop):
        raise InvalidInput(
            "{shop} doesn't accept {method}.",
            field="payment_method",
            shop=shop.name,
            method=method.label,
        )
    blocked = session.exec(
        select(Block.blocker_id).where(
            Block.blocker_id == shop.owner_id, Block.blocked_id == buyer.id
        )
    ).first()
    if blocked is not None:
        raise NotAllowed("{shop} isn't available to you.", field="cart", shop=shop.name)
    rates = (
        list(session.exec(select(ShippingRate).where(ShippingRate.shop_id == shop.id)))
        if method.charges_shipping
        else []
    )
    checkout_id = secrets.token_hex(16)
    order_line = OrderLine(
        order_id=0,
        listing_id=listing.id,
        title=listing.title,
        photo_key=listing.cover_key,
        unit_price_cents=line.unit_price_cents,
        quantity=line.quantity,
        line_total_cents=line.unit_price_cents * line.quantity,
        made_to_order=listing.made_to_order,
        lead_time_days=listing.lead_time_days,
        source_kind=line.source_kind,
        source_id=line.source_id,
    )
    orders = [
        _plan_order(
            shop=shop,
            lines=[order_line],
            rates=rates,
            method=method,
            addr=addr,
            buyer=buyer,
            checkout_id=checkout_id,
        )
    ]
    total = orders[0][0].total_cents
    if expected is not None and expected != total:
        raise InvalidInput(
            "Prices or shipping have changed: the total is now {total}. "
            "Please check and confirm again.",
            field="cart",
            total=format_money(total, shop.currency, locale),
        )
    try:
        with session.begin_nested():
            _write_orders(session, orders)
            session.flush()
            claim(orders[0][0])
            rewards.on_orders_placed(session, buyer.id, orders)  # type: ignore[arg-type]
            recommendations.mark_dirty(session, buyer.id)  # type: ignore[arg-type]
            session.flush()
    except OperationalError as exc:
        if "locked" in str(exc.orig).lower():  # SQLite busy beyond its timeout
            raise RateLimited("The shop is very busy right now. Please try again.") from None
        raise
    return _finish(session, buyer, method, orders, checkout_id, locale)


def _link(path: str) -> str:
    return get_settings().public_base_url.rstrip("/") + path


def _notify(
    session: Session, buyer: User, method: payments.PaymentMethod, orders: list[Order]
) -> None:
    """Queue the emails (they leave only if the caller commits): each shop, then the buyer."""
    owners = dict(
        session.execute(
            select(Shop.id, User.email)  # type: ignore[call-overload]
            .join(User, User.id == Shop.owner_id)
            .where(Shop.id.in_([o.shop_id for o in orders]))  # type: ignore[union-attr]
        ).all()
    )
    buyer_name = buyer.display_name or buyer.handle
    from social_market.services import notifications

    shop_owners = dict(
        session.execute(
            select(Shop.id, Shop.owner_id).where(Shop.id.in_([o.shop_id for o in orders]))  # type: ignore[union-attr, call-overload]
        ).all()
    )
    for order in orders:
        notifications.notify(
            session,
            user_id=shop_owners[order.shop_id],
            kind=notifications.N_ORDER,
            detail="placed",
            actor_id=buyer.id,
            link=order_url(order.reference),
            snippet=order.reference,
        )
    for order in orders:
        to = owners.get(order.shop_id)
        if not to:
            continue
        mail.send_after_commit(
            session,
            to=to,
            subject=f"New order {order.reference}",
            body=(
                f"Hello,\n\n{buyer_name} ordered from {order.shop_name}: "
                f"{format_money(order.total_cents, order.currency, 'en_US')} "
                f"({method.code.replace('_', ' ')}).\n\n"
                f"See the order: {_link(order_url(order.reference))}\n"
            ),
        )
    if buyer.email:
        parts = [
            f"{order.reference} — {order.shop_name}: "
            f"{format_money(order.total_cents, order.currency, 'en_US')}\n"
            f"{method.instructions(order, 'en')}\n{_link(order_url(order.reference))}\n"
            for order in orders
        ]
        mail.send_after_commit(
            session,
            to=buyer.email,
            subject=f"Your order {orders[0].reference}"
            + (f" and {len(orders) - 1} more" if len(orders) > 1 else ""),
            body=f"Hello {buyer_name},\n\nthank you for your order!\n\n" + "\n".join(parts),
        )
