"""Fifty people join one group order at the same moment on PostgreSQL: the stock, the
20-member limit and the target hold exactly, the target is reached once, and the
members are told once.

Committed data in its own schema, one connection and session per thread, like
concurrent web workers.
"""

from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from social_market.models import Listing, Notification, StockHold, utcnow
from social_market.models.group_orders import GroupOrder, GroupOrderMember
from social_market.models.holds import PENDING, READY
from social_market.services import group_orders
from social_market.services.errors import DomainError
from tests.factories import make_listing, make_shop, make_user
from tests.services.conftest import private_pg_engine

JOINERS = 50


@pytest.fixture
def pg_engine():
    with private_pg_engine("group_race", pool_size=JOINERS + 2) as engine:
        yield engine


def _setup(
    engine, *, stock: int, target: int, then_stock: int | None = None
) -> tuple[int, int, int, list[int]]:
    """A listing with ``stock`` pieces and tiers, a group order (its creator holds one
    piece), its free stock then set to ``then_stock`` (others bought meanwhile), and
    JOINERS people ready to join (committed)."""
    with Session(engine, expire_on_commit=False) as session:
        maker = make_user(session)
        shop = make_shop(session, owner=maker)
        listing = make_listing(session, shop=shop, quantity=stock, price_cents=3000)
        creator = make_user(session)
        people = [make_user(session) for _ in range(JOINERS)]
        session.commit()
        group_orders.set_tiers(
            session=session, actor_id=maker.id, listing_id=listing.id, tiers=[[5, 10], [10, 20]]
        )
        go = group_orders.start(
            session=session,
            actor_id=creator.id,
            listing_id=listing.id,
            target_quantity=target,
            deadline=utcnow() + timedelta(days=1),
            quantity=1,
        )
        if then_stock is not None:
            session.get(Listing, listing.id).quantity = then_stock
        session.commit()
        return listing.id, go.id, maker.id, [p.id for p in people]  # type: ignore[return-value]


def _race(engine, go_id: int, people: list[int], quantities: list[int]):
    barrier = threading.Barrier(len(people))
    joined: list[int] = []
    errors: list[Exception] = []
    lock = threading.Lock()

    def run(user_id: int, quantity: int) -> None:
        with Session(engine, expire_on_commit=False) as session:
            barrier.wait()
            try:
                group_orders.join(
                    session=session, actor_id=user_id, group_order_id=go_id, quantity=quantity
                )
                session.commit()
                with lock:
                    joined.append(user_id)
            except Exception as exc:
                session.rollback()
                with lock:
                    errors.append(exc)

    threads = [
        threading.Thread(target=run, args=(p, q)) for p, q in zip(people, quantities, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return joined, errors


def _consistent(engine, listing_id: int, go_id: int, free: int) -> tuple[GroupOrder, list]:
    """joined_quantity == the members' sum == the pieces held == the stock taken (the
    race started with ``free`` pieces and the creator's one held)."""
    with Session(engine) as session:
        go = session.get(GroupOrder, go_id)
        members = session.exec(
            select(GroupOrderMember).where(GroupOrderMember.group_order_id == go_id)
        ).all()
        held = session.exec(
            select(func.coalesce(func.sum(StockHold.quantity), 0)).where(
                StockHold.source_id == go_id,
                StockHold.kind == "group",
                StockHold.state.in_((PENDING, READY)),  # type: ignore[attr-defined]
            )
        ).one()
        left = session.get(Listing, listing_id).quantity
        assert go.member_count == len(members) <= group_orders.MAX_MEMBERS
        assert go.joined_quantity == sum(m.quantity for m in members) == held
        assert free - left == held - 1  # nothing taken twice, nothing lost
        assert left >= 0
        told = session.exec(
            select(Notification.user_id, Notification.detail).where(Notification.kind == "group")
        ).all()
        return go, told


def test_fifty_joiners_never_take_more_than_the_stock(pg_engine):
    # 15 free pieces, target 40 (can't be reached): the stock runs out, exactly.
    listing_id, go_id, _, people = _setup(pg_engine, stock=40, target=40, then_stock=15)
    rng = random.Random(9)
    quantities = [rng.randint(1, 3) for _ in people]
    joined, errors = _race(pg_engine, go_id, people, quantities)
    assert all(isinstance(e, DomainError) for e in errors), errors
    assert len(joined) + len(errors) == JOINERS
    go, told = _consistent(pg_engine, listing_id, go_id, 15)
    assert go.state == "open" and told == []
    assert go.joined_quantity <= 16  # the creator's piece and the 15
    # Everyone refused was refused for a limit: stock or group size.
    assert {type(e).__name__ for e in errors} == {"InvalidInput"}
    assert any("left" in e.message or "sold out" in e.message for e in errors)
    with Session(pg_engine) as session:
        assert session.get(Listing, listing_id).quantity < 3  # the stock ran out first


def test_fifty_joiners_reach_the_target_exactly_once_at_the_tier_price(pg_engine):
    # Plenty of stock, target 12: the group closes once, at the 10-piece tier.
    listing_id, go_id, maker_id, people = _setup(pg_engine, stock=200, target=12)
    rng = random.Random(5)
    quantities = [rng.randint(1, 2) for _ in people]
    joined, errors = _race(pg_engine, go_id, people, quantities)
    assert all(isinstance(e, DomainError) for e in errors), errors
    go, told = _consistent(pg_engine, listing_id, go_id, 199)
    assert go.state == "reached"
    assert go.target_quantity <= go.joined_quantity <= go.target_quantity + 1
    assert go.final_price_cents == 2400  # 20% off 30.00
    assert len(joined) == go.member_count - 1  # the creator started it
    with Session(pg_engine) as session:
        shares = session.exec(select(StockHold).where(StockHold.source_id == go_id)).all()
        assert {(h.state, h.unit_price_cents) for h in shares} == {(READY, 2400)}
        member_ids = set(
            session.exec(
                select(GroupOrderMember.user_id).where(GroupOrderMember.group_order_id == go_id)
            )
        )
    # One batch: each member told once, the maker once.
    reached = sorted(u for u, d in told if d == "reached")
    assert reached == sorted(member_ids)
    assert [u for u, d in told if d == "shop_reached"] == [maker_id]
    assert len(told) == len(member_ids) + 1
