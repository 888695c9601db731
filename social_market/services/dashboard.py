"""The seller's dashboard: what to act on, how listings do, revenue by month."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, select

from social_market.i18n.format import format_money
from social_market.models import Listing, Order, Shop, utcnow
from social_market.models.market import ACTIVE, CANCELLED, DELETED, LISTING_STATES, PAID, PLACED
from social_market.services.cart import require_actor, valid_id
from social_market.services.errors import InvalidInput, NotAllowed
from social_market.services.listings import PHOTO_GRID, photo_url
from social_market.urls import listing_url

LOW_STOCK = 2  # active, not made to order, this many or fewer left
LOW_STOCK_SHOWN = 20
REVENUE_MONTHS = 12
MAX_PAGE = 100


class ListingStats(BaseModel):
    id: int
    title: str
    url: str
    edit_url: str
    state: str
    price: str
    quantity: int
    made_to_order: bool
    view_count: int
    favourite_count: int
    photo_url: str
    low_stock: bool


class ListingStatsPage(BaseModel):
    listings: list[ListingStats]
    next_cursor: int | None  # pass as ``before`` for the next page


class MonthRevenue(BaseModel):
    month: str  # '2026-11'
    total: str
    total_cents: int
    orders: int


class Dashboard(BaseModel):
    shop_name: str
    shop_slug: str
    currency: str
    awaiting_payment: int  # orders placed, not paid yet
    to_ship: int  # orders paid, not shipped yet
    low_stock: list[ListingStats]
    revenue: list[MonthRevenue]  # oldest first, REVENUE_MONTHS entries
    revenue_total: str
    revenue_total_cents: int


def _owner_shop(session: Session, owner_id: object) -> Shop:
    """The acting user's shop (closed ones too: their orders still need handling)."""
    user = require_actor(session, owner_id)
    shop = session.exec(select(Shop).where(Shop.owner_id == user.id)).first()
    if shop is None:
        raise NotAllowed("Open a shop first.")
    return shop


def _stats(listing: Listing, locale: str | None) -> ListingStats:
    return ListingStats(
        id=listing.id or 0,
        title=listing.title,
        url=listing_url(listing.id or 0, listing.slug),
        edit_url=f"/sell/listings/{listing.id}",
        state=listing.state,
        price=format_money(listing.price_cents, listing.currency, locale),
        quantity=listing.quantity,
        made_to_order=listing.made_to_order,
        view_count=listing.view_count,
        favourite_count=listing.favourite_count,
        photo_url=photo_url(listing.cover_key, PHOTO_GRID),
        low_stock=(
            listing.state == ACTIVE and not listing.made_to_order and listing.quantity <= LOW_STOCK
        ),
    )


def _months(now: datetime, count: int) -> list[tuple[int, int]]:
    """(year, month) for the last ``count`` months, oldest first, ending with now's."""
    index = now.year * 12 + now.month - 1
    return [divmod(i, 12) for i in range(index - count + 1, index + 1)]


def _month_key(session: Session):
    """SQL for 'YYYY-MM' of placed_at in UTC, on PostgreSQL and SQLite."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", Order.placed_at), "YYYY-MM")
    # SQLite stores UTC text ('2026-11-25 10:00:00.000000').
    return func.strftime("%Y-%m", Order.placed_at)


def dashboard(
    *, session: Session, owner_id: object, locale: str | None = None, now: datetime | None = None
) -> Dashboard:
    """The dashboard's summary in four queries after the shop lookup.

    Args:
        now: The current time (tests); revenue covers its month and the 11 before.
    """
    shop = _owner_shop(session, owner_id)
    now = (now or utcnow()).astimezone(UTC)
    counts = dict(
        session.exec(
            select(Order.status, func.count())
            .where(Order.shop_id == shop.id, Order.status.in_((PLACED, PAID)))  # type: ignore[attr-defined]
            .group_by(Order.status)
        ).all()
    )
    low = session.exec(
        select(Listing)
        .where(
            Listing.shop_id == shop.id,
            Listing.state == ACTIVE,
            Listing.made_to_order.is_(False),  # type: ignore[attr-defined]
            Listing.quantity <= LOW_STOCK,
        )
        .order_by(Listing.quantity, Listing.id)
        .limit(LOW_STOCK_SHOWN)
    ).all()

    months = _months(now, REVENUE_MONTHS)
    start = datetime(months[0][0], months[0][1] + 1, 1, tzinfo=UTC)
    key = _month_key(session).label("month")
    sums = {
        month: (int(total or 0), int(n))
        for month, total, n in session.execute(
            select(key, func.sum(Order.total_cents), func.count())
            .where(
                Order.shop_id == shop.id,
                Order.status != CANCELLED,
                Order.placed_at >= start,
            )
            .group_by(key)
        ).all()
    }
    revenue = []
    for year, month0 in months:
        label = f"{year:04d}-{month0 + 1:02d}"
        total, n = sums.get(label, (0, 0))
        revenue.append(
            MonthRevenue(
                month=label,
                total=format_money(total, shop.currency, locale),
                total_cents=total,
                orders=n,
            )
        )
    grand = sum(m.total_cents for m in revenue)
    return Dashboard(
        shop_name=shop.name,
        shop_slug=shop.slug,
        currency=shop.currency,
        awaiting_payment=int(counts.get(PLACED, 0)),
        to_ship=int(counts.get(PAID, 0)),
        low_stock=[_stats(r, locale) for r in low],
        revenue=revenue,
        revenue_total=format_money(grand, shop.currency, locale),
        revenue_total_cents=grand,
    )


def dashboard_listings(
    *,
    session: Session,
    owner_id: object,
    state: str | None = None,
    before: object = None,
    limit: object = 24,
    locale: str | None = None,
) -> ListingStatsPage:
    """The owner's listings (not deleted) with state, stock, views and favourites, newest
    first by id, ``limit`` at a time; ``before`` is the previous page's ``next_cursor``."""
    shop = _owner_shop(session, owner_id)
    size = limit if isinstance(limit, int) and not isinstance(limit, bool) else 24
    size = max(1, min(MAX_PAGE, size))
    conditions = [Listing.shop_id == shop.id, Listing.state != DELETED]
    if state not in (None, ""):
        if state not in LISTING_STATES or state == DELETED:
            raise InvalidInput("Please choose a listing state from the list.", field="state")
        conditions.append(Listing.state == state)
    if before not in (None, ""):
        if isinstance(before, str) and before.isdigit() and len(before) <= 18:
            before = int(before)
        if not valid_id(before):
            raise InvalidInput("That page link is not valid.", field="before")
        conditions.append(Listing.id < before)  # type: ignore[operator]
    rows = session.exec(
        select(Listing)
        .where(*conditions)
        .order_by(Listing.id.desc())  # type: ignore[union-attr]
        .limit(size + 1)
    ).all()
    more = len(rows) > size
    rows = rows[:size]
    return ListingStatsPage(
        listings=[_stats(r, locale) for r in rows],
        next_cursor=rows[-1].id if more and rows else None,
    )
