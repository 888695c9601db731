"""The seller's dashboard: orders to act on, listings, low stock, revenue per month."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from social_market.services import dashboard
from social_market.services.errors import InvalidInput, NotAllowed
from tests.factories import make_listing, make_shop, make_user
from tests.services.test_cart import BAD_IDS, QueryCounter
from tests.services.test_orders import make_order

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_counts_the_orders_to_act_on(db):
    maker, buyer = make_user(db), make_user(db)
    shop = make_shop(db, owner=maker)
    for status in ("placed", "placed", "paid", "shipped", "delivered", "cancelled"):
        make_order(db, buyer=buyer, shop=shop, placed_at=NOW, status=status)
    make_order(db, buyer=buyer, shop=make_shop(db), placed_at=NOW, status="placed")
    board = dashboard.dashboard(session=db, owner_id=maker.id, now=NOW)
    assert (board.awaiting_payment, board.to_ship) == (2, 1)
    assert board.shop_name == shop.name


def test_revenue_per_month_covers_12_months_without_cancelled_orders(db):
    maker, buyer = make_user(db), make_user(db)
    shop = make_shop(db, owner=maker)

    def at(year, month, day=15, hour=12):
        return datetime(year, month, day, hour, tzinfo=UTC)

    make_order(db, buyer=buyer, shop=shop, placed_at=at(2026, 11), total=1000)
    make_order(db, buyer=buyer, shop=shop, placed_at=at(2026, 11, 1, 0), total=500, status="paid")
    make_order(db, buyer=buyer, shop=shop, placed_at=at(2026, 11), total=9999, status="cancelled")
    make_order(db, buyer=buyer, shop=shop, placed_at=at(2026, 9), total=2500, status="delivered")
    make_order(db, buyer=buyer, shop=shop, placed_at=at(2025, 12, 1, 0), total=700)  # 12th month
    make_order(db, buyer=buyer, shop=shop, placed_at=at(2025, 11, 30, 23), total=300)  # too old
    make_order(db, buyer=buyer, shop=make_shop(db), placed_at=at(2026, 11), total=4242)

    with QueryCounter(db) as counter:
        board = dashboard.dashboard(session=db, owner_id=maker.id, now=NOW, locale="en_US")
    assert counter.count <= 5
    months = [(m.month, m.total_cents, m.orders) for m in board.revenue]
    assert len(months) == 12
    assert months[0] == ("2025-12", 700, 1)
    assert months[-1] == ("2026-11", 1500, 2)
    assert dict((m, c) for m, c, _ in months)["2026-09"] == 2500
    assert dict((m, c) for m, c, _ in months)["2026-10"] == 0  # no orders: 0
    assert board.revenue[-1].total == "€15.00"
    assert board.revenue_total_cents == 700 + 2500 + 1500


def test_the_year_boundary_is_handled(db):
    maker, buyer = make_user(db), make_user(db)
    shop = make_shop(db, owner=maker)
    make_order(db, buyer=buyer, shop=shop, placed_at=datetime(2026, 1, 2, tzinfo=UTC), total=100)
    board = dashboard.dashboard(
        session=db, owner_id=maker.id, now=datetime(2026, 1, 31, tzinfo=UTC)
    )
    assert [m.month for m in board.revenue][:2] == ["2025-02", "2025-03"]
    assert board.revenue[-1].month == "2026-01" and board.revenue[-1].total_cents == 100


def test_low_stock_warns_about_active_stocked_listings_with_two_or_fewer(db):
    maker = make_user(db)
    shop = make_shop(db, owner=maker)
    two = make_listing(db, shop=shop, quantity=2, title="Two left")
    one = make_listing(db, shop=shop, quantity=1, title="One left")
    make_listing(db, shop=shop, quantity=3)
    make_listing(db, shop=shop, quantity=1, made_to_order=True)
    make_listing(db, shop=shop, quantity=1, state="paused")
    make_listing(db, shop=shop, quantity=0, state="sold_out")
    board = dashboard.dashboard(session=db, owner_id=maker.id, now=NOW)
    assert [s.id for s in board.low_stock] == [one.id, two.id]
    assert all(s.low_stock for s in board.low_stock)


def test_the_owners_listings_with_stats_are_paged(db):
    maker = make_user(db)
    shop = make_shop(db, owner=maker)
    made = [
        make_listing(db, shop=shop, view_count=i * 10, favourite_count=i, quantity=i + 1)
        for i in range(5)
    ]
    make_listing(db, shop=shop, state="deleted")
    make_listing(db)  # another shop's
    page = dashboard.dashboard_listings(session=db, owner_id=maker.id, limit=3, locale="en_US")
    assert [s.id for s in page.listings] == [m.id for m in reversed(made)][:3]
    top = page.listings[0]
    assert (top.view_count, top.favourite_count, top.quantity, top.state) == (40, 4, 5, "active")
    assert top.price == "€25.00" and top.edit_url == f"/sell/listings/{top.id}"
    rest = dashboard.dashboard_listings(
        session=db, owner_id=maker.id, limit=3, before=page.next_cursor
    )
    assert [s.id for s in rest.listings] == [made[1].id, made[0].id]
    assert rest.next_cursor is None
    paused = dashboard.dashboard_listings(session=db, owner_id=maker.id, state="paused")
    assert paused.listings == []


@pytest.mark.parametrize("bad", ["abc", -1, 10**20, 1.5, ["1"], True])
def test_a_forged_listing_cursor_is_refused(db, bad):
    maker = make_user(db)
    make_shop(db, owner=maker)
    with pytest.raises(InvalidInput, match="page link"):
        dashboard.dashboard_listings(session=db, owner_id=maker.id, before=bad)


def test_a_bad_state_filter_is_refused(db):
    maker = make_user(db)
    make_shop(db, owner=maker)
    for bad in ("deleted", "gone", 3):
        with pytest.raises(InvalidInput):
            dashboard.dashboard_listings(session=db, owner_id=maker.id, state=bad)


def test_only_shop_owners_have_a_dashboard(db):
    with pytest.raises(NotAllowed, match="Open a shop"):
        dashboard.dashboard(session=db, owner_id=make_user(db).id)


@pytest.mark.parametrize("bad", BAD_IDS)
def test_forged_owner_ids_are_refused(db, bad):
    with pytest.raises(NotAllowed):
        dashboard.dashboard(session=db, owner_id=bad)
    with pytest.raises(NotAllowed):
        dashboard.dashboard_listings(session=db, owner_id=bad)
