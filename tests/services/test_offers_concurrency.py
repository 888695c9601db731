"""Buyers racing for a flash offer on PostgreSQL: exactly the offered pieces are sold.

Committed data in its own schema, one connection and session per thread, like
concurrent web workers.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from social_market.models import Listing, Order, OrderLine, utcnow
from social_market.models.offers import FlashOffer, FlashOfferPurchase
from social_market.services import offers
from social_market.services.errors import InvalidInput
from tests.factories import follow_shop, make_listing, make_shop, make_user
from tests.services.conftest import private_pg_engine
from tests.services.test_checkout import address

BUYERS = 40
PIECES = 10


@pytest.fixture
def pg_engine():
    with private_pg_engine("offer_race", pool_size=BUYERS + 2) as engine:
        yield engine


def _setup(engine, *, buyers: int, per_buyer: str = "") -> tuple[int, int, list[int]]:
    """A listing of 25 pieces, a followers-only offer of PIECES of them, and followers."""
    with Session(engine, expire_on_commit=False) as session:
        maker = make_user(session)
        shop = make_shop(session, owner=maker)
        listing = make_listing(session, shop=shop, quantity=25, price_cents=3000, title="Jug")
        people = [make_user(session) for _ in range(buyers)]
        for person in people:
            follow_shop(session, person, shop)
        now = utcnow()
        offer = offers.publish(
            session=session,
            actor_id=maker.id,
            listing_id=listing.id,
            form={
                "price": "19.50",
                "quantity": str(PIECES),
                "per_buyer": per_buyer,
                "audience": "followers",
                "starts_at": now,
                "ends_at": now + timedelta(hours=1),
            },
        )
        session.commit()
        return listing.id, offer.id, [p.id for p in people]  # type: ignore[return-value]


def _race(engine, offer_id: int, buyer_ids: list[int], quantity: int = 1):
    barrier = threading.Barrier(len(buyer_ids))
    placed: list[tuple[int, str]] = []
    errors: list[Exception] = []
    lock = threading.Lock()

    def buy(buyer_id: int) -> None:
        with Session(engine, expire_on_commit=False) as session:
            barrier.wait()
            try:
                result = offers.buy(
                    session=session,
                    actor_id=buyer_id,
                    offer_id=offer_id,
                    quantity=quantity,
                    address=address(),
                    payment_method="bank_transfer",
                )
                session.commit()
                with lock:
                    placed.append((buyer_id, result.orders[0].reference))
            except Exception as exc:
                session.rollback()
                with lock:
                    errors.append(exc)

    threads = [threading.Thread(target=buy, args=(b,)) for b in buyer_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    return placed, errors


def test_forty_followers_race_for_ten_pieces_and_exactly_ten_are_sold(pg_engine, mailbox):
    listing_id, offer_id, buyer_ids = _setup(pg_engine, buyers=BUYERS)
    placed, errors = _race(pg_engine, offer_id, buyer_ids)
    assert len(placed) == PIECES, errors
    assert len(errors) == BUYERS - PIECES
    for exc in errors:
        assert isinstance(exc, InvalidInput), repr(exc)
        assert exc.message == "This offer is sold out."
    with Session(pg_engine) as session:
        offer = session.get(FlashOffer, offer_id)
        assert offer.remaining == 0
        assert session.get(Listing, listing_id).quantity == 25 - PIECES  # buying took none
        lines = session.exec(select(OrderLine)).all()
        assert len(lines) == PIECES
        assert {(x.unit_price_cents, x.quantity, x.source_kind) for x in lines} == {
            (1950, 1, "offer")
        }
        orders = session.exec(select(Order.buyer_id)).all()
        assert sorted(orders) == sorted(b for b, _ in placed)  # one order per winner
        purchases = session.exec(select(FlashOfferPurchase.buyer_id)).all()
        assert sorted(purchases) == sorted(orders)
    # Sold out: settling gives nothing back, once.
    with Session(pg_engine) as session:
        assert offers.settle(session, offer_id) == 0
        session.commit()
        assert offers.settle(session, offer_id) == 0
        assert session.get(Listing, listing_id).quantity == 25 - PIECES


def test_one_buyer_in_many_tabs_never_exceeds_the_per_buyer_limit(pg_engine, mailbox):
    _, offer_id, (buyer_id,) = _setup(pg_engine, buyers=1, per_buyer="2")
    placed, errors = _race(pg_engine, offer_id, [buyer_id] * 8)
    assert len(placed) == 2, errors
    assert all(isinstance(e, InvalidInput) for e in errors), errors
    with Session(pg_engine) as session:
        bought = session.exec(
            select(func.sum(FlashOfferPurchase.quantity)).where(
                FlashOfferPurchase.buyer_id == buyer_id
            )
        ).one()
        assert bought == 2
        assert session.get(FlashOffer, offer_id).remaining == PIECES - 2


def test_racing_buyers_of_three_pieces_each_never_oversell(pg_engine, mailbox):
    listing_id, offer_id, buyer_ids = _setup(pg_engine, buyers=20)
    placed, errors = _race(pg_engine, offer_id, buyer_ids, quantity=3)
    assert len(placed) == PIECES // 3  # 3 + 3 + 3, one piece left
    assert {e.message for e in errors} <= {"Only 1 left in this offer."}, errors
    with Session(pg_engine) as session:
        assert session.get(FlashOffer, offer_id).remaining == PIECES % 3
        assert session.get(Listing, listing_id).quantity == 25 - PIECES
