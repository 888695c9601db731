"""The cart: what a signed-in person means to buy, grouped by shop, priced on the server.

The cart stores only listing ids and quantities; prices, shipping and availability
are looked up every time it is read, so what the buyer sees is what checkout charges
(checkout recomputes it all again inside its transaction).
"""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import delete, func
from sqlmodel import Session, select

from social_market.i18n.catalog import N_, gettext, normalize_language
from social_market.i18n.format import format_money
from social_market.models import CartItem, Listing, ShippingRate, Shop, User
from social_market.models.market import ACTIVE, DRAFT, SOLD_OUT
from social_market.services import countries, payments, shops
from social_market.services.accounts import require_user
from social_market.services.errors import InvalidInput, NotAllowed, NotFound
from social_market.services.listings import PHOTO_GRID, photo_url
from social_market.services.money import parse_int
from social_market.urls import listing_url, shop_url

MAX_PER_LINE = 99
MAX_LINES = 50
# Ids are 32-bit INTEGER columns on PostgreSQL: a bigger number must not reach a query.
MAX_ID = 2**31 - 1


class CartLine(BaseModel):
    """One listing in the cart, priced now."""

    listing_id: int
    title: str
    url: str
    photo_url: str
    photo_alt: str
    unit_price: str
    unit_price_cents: int
    quantity: int
    line_total: str
    line_total_cents: int
    made_to_order: bool
    lead_time_days: int
    # How many can be bought now (stock, or MAX_PER_LINE when made to order; 0 if unavailable).
    max_quantity: int
    # '' when the line can be bought; otherwise why not (translated). Such lines are
    # left out of every total.
    problem: str


class CartShop(BaseModel):
    """The lines from one shop: they become one order at checkout."""

    shop_id: int
    shop_name: str
    shop_slug: str
    shop_url: str
    currency: str
    lines: list[CartLine]
    item_count: int
    items_subtotal: str
    items_subtotal_cents: int
    # None when the destination is unknown or the shop doesn't ship there.
    shipping: str
    shipping_cents: int | None
    total: str
    total_cents: int
    # e.g. "Doesn't ship to Japan." (translated), '' when fine.
    problem: str
    payment_methods: list[payments.PaymentOption]


class Cart(BaseModel):
    shops: list[CartShop]
    destination_country: str  # '' when unknown
    item_count: int  # pieces that can be bought now
    currency: str
    items_total: str
    items_total_cents: int
    shipping_total: str
    shipping_total_cents: int
    grand_total: str
    grand_total_cents: int
    # Methods every shop in the cart accepts (one method pays for the whole checkout).
    payment_methods: list[payments.PaymentOption]
    has_problems: bool
    can_check_out: bool


def lang_of(locale: str | None) -> str:
    """'de_DE' → 'de'; anything unknown → 'en'."""
    return normalize_language(locale) or "en"


def valid_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def require_actor(session: Session, user_id: object) -> User:
    """The acting, active user (ids of any type or size give NotAllowed, never a 500)."""
    if not valid_id(user_id):
        raise NotAllowed("Please sign in first.")
    return require_user(session, user_id)


def check_listing_id(value: object) -> int:
    """A positive integer id (or its digits as a string), else NotFound."""
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 18:
        value = int(value.strip())
    if not valid_id(value):
        raise NotFound("We couldn't find that listing.")
    return value  # type: ignore[return-value]


def check_quantity(value: object) -> int:
    return parse_int(value, field="quantity", label=N_("Quantity"), minimum=1, maximum=MAX_PER_LINE)


def availability_problem(listing: Listing, shop: Shop, quantity: int) -> str | None:
    """Why ``quantity`` of ``listing`` can't be bought now, as an English msgid (or None).

    Returns a template with {title}/{count} placeholders; see :func:`problem_params`.
    """
    if shop.closed_at is not None or listing.state not in (ACTIVE, SOLD_OUT):
        return N_("{title} is no longer available.")
    if listing.state == SOLD_OUT or (not listing.made_to_order and listing.quantity <= 0):
        return N_("{title} is sold out.")
    if listing.currency != shop.currency:
        return N_("{title} is no longer available.")
    if not listing.made_to_order and listing.quantity < quantity:
        return N_("Only {count} left of {title}.")
    return None


def _lines_query(user_id: int):
    # One statement for the lines, their listings and shops (no N+1).
    return (
        select(CartItem, Listing, Shop)
        .join(Listing, Listing.id == CartItem.listing_id)
        .join(Shop, Shop.id == Listing.shop_id)
        .where(CartItem.user_id == user_id)
        .order_by(Shop.id, CartItem.added_at, CartItem.listing_id)
    )


# ---------------------------------------------------------------------- changing


def _buyable_listing(session: Session, buyer_id: int, listing_id: object) -> tuple[Listing, Shop]:
    lid = check_listing_id(listing_id)
    row = session.exec(
        select(Listing, Shop).join(Shop, Shop.id == Listing.shop_id).where(Listing.id == lid)
    ).first()
    if row is None or row[0].state == DRAFT:
        raise NotFound("We couldn't find that listing.")
    listing, shop = row
    if shop.owner_id == buyer_id:
        raise NotAllowed("You can't buy from your own shop.", field="cart")
    from social_market.services import blocks

    if blocks.has_blocked(session, shop.owner_id, buyer_id):
        raise NotAllowed("{shop} isn't available to you.", field="cart", shop=shop.name)
    return listing, shop


def _check_can_have(listing: Listing, shop: Shop, quantity: int) -> None:
    problem = availability_problem(listing, shop, quantity)
    if problem is not None:
        raise InvalidInput(problem, field="quantity", title=listing.title, count=listing.quantity)


def add_to_cart(
    *,
    session: Session,
    user_id: object,
    listing_id: object,
    quantity: object = 1,
    via: object = None,
) -> int:
    """Put ``quantity`` more of a listing in the cart; returns the line's new quantity.

    ``via`` ("list:<id>" or "share:<id>") says where the buyer found it: when it names
    a public curated list holding this listing, or a shared purchase of it the buyer may
    see, the line (and later the order line) is credited to it, and its curator earns
    points when the order is placed; anything else is ignored, never an error.

    Raises:
        NotAllowed: not signed in, or it's the buyer's own shop.
        NotFound: no such (visible) listing.
        InvalidInput: bad quantity, not available, more than the stock or MAX_PER_LINE.
    """
    user = require_actor(session, user_id)
    qty = check_quantity(quantity)
    listing, shop = _buyable_listing(session, user.id, listing_id)  # type: ignore[arg-type]
    item = session.get(CartItem, (user.id, listing.id))
    new_qty = qty + (item.quantity if item else 0)
    if new_qty > MAX_PER_LINE:
        raise InvalidInput(
            "You can buy at most {maximum} of one item at a time.",
            field="quantity",
            maximum=MAX_PER_LINE,
        )
    _check_can_have(listing, shop, new_qty)
    if item is None:
        lines = session.exec(
            select(func.count()).select_from(CartItem).where(CartItem.user_id == user.id)
        ).one()
        if lines >= MAX_LINES:
            raise InvalidInput(
                "Your cart is full ({maximum} items). Please check out or remove something first.",
                field="cart",
                maximum=MAX_LINES,
            )
        item = CartItem(user_id=user.id, listing_id=listing.id, quantity=new_qty)  # type: ignore[arg-type]
    else:
        item.quantity = new_qty
    if via is not None:
        from social_market.services import lists, shares

        kind, source = lists.attribution(session, via, listing.id)  # type: ignore[arg-type]
        if not kind:
            kind, source = shares.attribution(session, via, listing.id, user.id)  # type: ignore[arg-type]
        if kind:
            item.via_kind, item.via_id = kind, source
    session.add(item)
    session.flush()
    return new_qty


def set_quantity(*, session: Session, user_id: object, listing_id: object, quantity: object) -> int:
    """Change a line's quantity (1..MAX_PER_LINE, within stock); returns it."""
    user = require_actor(session, user_id)
    lid = check_listing_id(listing_id)
    qty = check_quantity(quantity)
    item = session.get(CartItem, (user.id, lid))
    if item is None:
        raise NotFound("That item isn't in your cart.")
    listing, shop = _buyable_listing(session, user.id, lid)  # type: ignore[arg-type]
    if qty > item.quantity:  # lowering a quantity is always allowed
        _check_can_have(listing, shop, qty)
    item.quantity = qty
    session.add(item)
    session.flush()
    return qty


def remove_from_cart(*, session: Session, user_id: object, listing_id: object) -> bool:
    """Take a listing out of the cart; False when it wasn't there."""
    user = require_actor(session, user_id)
    lid = check_listing_id(listing_id)
    result = session.execute(
        delete(CartItem).where(CartItem.user_id == user.id, CartItem.listing_id == lid)  # type: ignore[arg-type]
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def clear_cart(*, session: Session, user_id: object) -> int:
    """Empty the cart; returns how many lines were removed."""
    user = require_actor(session, user_id)
    result = session.execute(delete(CartItem).where(CartItem.user_id == user.id))  # type: ignore[arg-type]
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def cart_count(*, session: Session, user_id: object) -> int:
    """Pieces in the cart (for the header badge); 0 for anyone not signed in."""
    if not valid_id(user_id):
        return 0
    total = session.exec(
        select(func.coalesce(func.sum(CartItem.quantity), 0)).where(CartItem.user_id == user_id)
    ).one()
    return int(total or 0)


# ---------------------------------------------------------------------- reading


def get_cart(
    *,
    session: Session,
    user_id: object,
    destination_country: str | None = None,
    locale: str | None = None,
    payment_method: str | None = None,
) -> Cart:
    """The cart priced for ``destination_country`` (None: shipping not shown yet).

    With a ``payment_method`` that charges no shipping (pickup) shipping is 0 and no
    destination is needed; with any method, shops that don't accept it get a problem.
    Two queries: lines+listings+shops, then the shops' shipping rates.
    """
    user = require_actor(session, user_id)
    lang = lang_of(locale)
    method = payments.get_method(payment_method) if payment_method else None
    ships = method is None or method.charges_shipping
    destination = (
        countries.check_country(destination_country, field="country") if destination_country else ""
    )
    rows = session.exec(_lines_query(user.id)).all()  # type: ignore[arg-type]
    shop_ids = sorted({shop.id for _, _, shop in rows})
    rates: dict[int, list[ShippingRate]] = {sid: [] for sid in shop_ids}  # type: ignore[misc]
    if shop_ids and destination and ships:
        for rate in session.exec(
            select(ShippingRate).where(ShippingRate.shop_id.in_(shop_ids))  # type: ignore[attr-defined]
        ):
            rates[rate.shop_id].append(rate)

    groups: dict[int, tuple[Shop, list[CartLine]]] = {}
    for item, listing, shop in rows:
        problem = availability_problem(listing, shop, item.quantity)
        line_cents = listing.price_cents * item.quantity
        max_qty = 0
        if listing.state == ACTIVE and shop.closed_at is None:
            max_qty = MAX_PER_LINE if listing.made_to_order else min(listing.quantity, MAX_PER_LINE)
        groups.setdefault(shop.id, (shop, []))[1].append(  # type: ignore[index]
            CartLine(
                listing_id=listing.id,  # type: ignore[arg-type]
                title=listing.title,
                url=listing_url(listing.id, listing.slug),  # type: ignore[arg-type]
                photo_url=photo_url(listing.cover_key, PHOTO_GRID),
                photo_alt=listing.cover_alt or listing.title,
                unit_price=format_money(listing.price_cents, listing.currency, locale),
                unit_price_cents=listing.price_cents,
                quantity=item.quantity,
                line_total=format_money(line_cents, listing.currency, locale),
                line_total_cents=line_cents,
                made_to_order=listing.made_to_order,
                lead_time_days=listing.lead_time_days or 0,
                max_quantity=max_qty,
                problem=(
                    gettext(lang, problem).format(title=listing.title, count=listing.quantity)
                    if problem
                    else ""
                ),
            )
        )

    names = countries.country_names(lang)
    cart_shops: list[CartShop] = []
    common: list[str] | None = None
    for shop, lines in groups.values():
        ok = [ln for ln in lines if not ln.problem]
        pieces = sum(ln.quantity for ln in ok)
        subtotal = sum(ln.line_total_cents for ln in ok)
        shipping: int | None = None
        if not ships or (destination and not pieces):
            shipping = 0
        elif destination:
            shipping = shops.shipping_for(rates[shop.id], shop.country, destination, pieces)  # type: ignore[index]
        problem = ""
        methods = payments.methods_for(shop)
        if method is not None and method not in methods:
            problem = gettext(lang, N_("{shop} doesn't accept {method}.")).format(
                shop=shop.name, method=gettext(lang, method.label)
            )
        elif shipping is None and destination:
            problem = gettext(lang, N_("{shop} doesn't ship to {country}.")).format(
                shop=shop.name, country=names.get(destination, destination)
            )
        codes = [m.code for m in methods]
        common = codes if common is None else [c for c in common if c in codes]
        total = subtotal + (shipping or 0)
        cart_shops.append(
            CartShop(
                shop_id=shop.id,  # type: ignore[arg-type]
                shop_name=shop.name,
                shop_slug=shop.slug,
                shop_url=shop_url(shop.slug),
                currency=shop.currency,
                lines=lines,
                item_count=pieces,
                items_subtotal=format_money(subtotal, shop.currency, locale),
                items_subtotal_cents=subtotal,
                shipping=format_money(shipping, shop.currency, locale)
                if shipping is not None
                else "",
                shipping_cents=shipping,
                total=format_money(total, shop.currency, locale),
                total_cents=total,
                problem=problem,
                payment_methods=[m.option() for m in methods],
            )
        )

    currency = cart_shops[0].currency if cart_shops else "EUR"
    items_total = sum(s.items_subtotal_cents for s in cart_shops)
    shipping_total = sum(s.shipping_cents or 0 for s in cart_shops)
    has_problems = any(s.problem or any(ln.problem for ln in s.lines) for s in cart_shops)
    return Cart(
        shops=cart_shops,
        destination_country=destination,
        item_count=sum(s.item_count for s in cart_shops),
        currency=currency,
        items_total=format_money(items_total, currency, locale),
        items_total_cents=items_total,
        shipping_total=format_money(shipping_total, currency, locale),
        shipping_total_cents=shipping_total,
        grand_total=format_money(items_total + shipping_total, currency, locale),
        grand_total_cents=items_total + shipping_total,
        payment_methods=[payments.METHODS[c].option() for c in (common or [])],
        has_problems=has_problems,
        can_check_out=(
            bool(cart_shops)
            and bool(destination or not ships)
            and bool(common)
            and not has_problems
        ),
    )
