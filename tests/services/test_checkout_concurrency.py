"""Twenty buyers race for the last piece: exactly one gets it, on PostgreSQL and SQLite.

These tests use committed data in their own schema (PostgreSQL) or file (SQLite), with
one connection and session per thread, like concurrent web workers.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from social_market import migrations
from social_market.db import make_engine
from social_market.models import CartItem, Listing, Order, OrderLine
from social_market.services import checkout
from social_market.services.errors import DomainError, InvalidInput
from tests.factories import make_listing, make_shop, make_user
from tests.services.conftest import private_pg_engine
from tests.services.test_checkout import address

BUYERS = 20


@pytest.fixture
def pg_engine():
    with private_pg_engine("race", pool_size=BUYERS + 2) as engine:
        yield engine


@pytest.fixture
def sqlite_file_engine(tmp_path):
    url = f"sqlite:///{tmp_path / 'race.db'}"
    migrations.upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def _setup(engine) -> tuple[int, list[int]]:
    """One listing with a single piece, in the cart of BUYERS buyers (committed)."""
    with Session(engine, expire_on_commit=False) as session:
        listing = make_listing(session, quantity=1, title="Last teapot")
        buyers = [make_user(session) for _ in range(BUYERS)]
        for buyer in buyers:
            session.add(CartItem(user_id=buyer.id, listing_id=listing.id, quantity=1))
        session.commit()
        return listing.id, [b.id for b in buyers]  # type: ignore[return-value]


def _race(engine, buyer_ids: list[int]) -> tuple[list[str], list[Exception]]:
    barrier = threading.Barrier(len(buyer_ids))
    placed: list[str] = []
    errors: list[Exception] = []
    lock = threading.Lock()

    def buy(buyer_id: int) -> None:
        with Session(engine, expire_on_commit=False) as session:
            barrier.wait()
            try:
                result = checkout.place_order(
                    session=session,
                    buyer_id=buyer_id,
                    address=address(),
                    payment_method="bank_transfer",
                )
                session.commit()
                with lock:
                    placed.append(result.orders[0].reference)
            except Exception as exc:
                session.rollback()
                with lock:
                    errors.append(exc)

    threads = [threading.Thread(target=buy, args=(b,)) for b in buyer_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return placed, errors


def _check_outcome(engine, listing_id: int, placed: list[str], errors: list[Exception]) -> None:
    assert len(placed) == 1, errors
    assert len(errors) == BUYERS - 1
    for exc in errors:
        assert isinstance(exc, InvalidInput), repr(exc)
        assert exc.message == "Last teapot is sold out."
    with Session(engine) as session:
        listing = session.get(Listing, listing_id)
        assert (listing.quantity, listing.state) == (0, "sold_out")
        assert session.exec(select(func.count()).select_from(Order)).one() == 1
        lines = session.exec(select(OrderLine.quantity)).all()
        assert lines == [1]
        # The winner's cart is empty; the 19 others still hold the (now sold-out) line.
        assert session.exec(select(func.count()).select_from(CartItem)).one() == BUYERS - 1


def test_twenty_buyers_racing_for_the_last_piece_on_postgresql(pg_engine, mailbox):
    listing_id, buyer_ids = _setup(pg_engine)
    placed, errors = _race(pg_engine, buyer_ids)
    _check_outcome(pg_engine, listing_id, placed, errors)


def test_twenty_buyers_racing_for_the_last_piece_on_sqlite(sqlite_file_engine, mailbox):
    listing_id, buyer_ids = _setup(sqlite_file_engine)
    placed, errors = _race(sqlite_file_engine, buyer_ids)
    _check_outcome(sqlite_file_engine, listing_id, placed, errors)


def test_racing_buyers_of_several_pieces_never_oversell_on_postgresql(pg_engine, mailbox):
    # 5 pieces, 20 buyers wanting 2 each, across two listings locked in id order.
    with Session(pg_engine, expire_on_commit=False) as session:
        shop = make_shop(session)
        scarce = make_listing(session, shop=shop, quantity=5, title="Scarce")
        plenty = make_listing(session, shop=shop, quantity=1000)
        buyers = [make_user(session) for _ in range(BUYERS)]
        for buyer in buyers:
            session.add(CartItem(user_id=buyer.id, listing_id=plenty.id, quantity=1))
            session.add(CartItem(user_id=buyer.id, listing_id=scarce.id, quantity=2))
        session.commit()
    placed, errors = _race(pg_engine, [b.id for b in buyers])
    assert len(placed) == 2
    assert all(isinstance(e, DomainError) for e in errors), errors
    assert {e.message for e in errors} <= {"Only 1 left of Scarce.", "Scarce is sold out."}
    with Session(pg_engine) as session:
        assert session.get(Listing, scarce.id).quantity == 1
        assert session.get(Listing, plenty.id).quantity == 1000 - 2  # losers rolled back
