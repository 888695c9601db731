"""Joining a group order under 50 concurrent joiners: latency and correctness.

    .venv/bin/python bench/group_join.py [--small] [--rounds N] [--backend sqlite|postgresql|both]

PostgreSQL: each round makes a listing with group price tiers, a group order (its
creator holds one piece) and 50 new people, who all join at the same moment (threads,
one session each, a barrier), as 50 web workers would. Rounds alternate between
"stock-bound" (15 free pieces, a target of 40 that can't be reached: the stock must run
out exactly) and "target-bound" (plenty of stock, target 12: reached exactly once).
Measured: each join call's wall time (including its commit and the wait for the group
order's row lock: joins of one group order queue on that lock by design); checked
after each round: joined quantity == the members' sum == the pieces held == the stock
taken, never more than the stock, at most 20 members, reached at most once, every member
told once.

SQLite (one writer at a time): sequential joins, one session per call, 19 joiners per
group order over several group orders.

Target: PostgreSQL join p95 <= 2 s when 50 people press "join" on one group order in
the same instant (they queue on its row lock by design: the figure is about 50 times one
join's locked part, plus the threads' own Python work under one GIL), and every
correctness check true. ``serialized_ms_per_join`` is a round's wall time over 50.
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
from datetime import timedelta

from common import analyze, emit, fresh_engine, private_environment, summary_ms

JOINERS = 50
P95_TARGET_MS = 2000.0
TABLES = ("group_order", "group_order_member", "stock_hold", "listing", "notification")


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _engine(backend: str):
    return fresh_engine(backend, "group_join", timed=False, pool_size=JOINERS + 2)


_counter = iter(range(1, 10**9))


def _people(session, count: int) -> list[int]:
    """People inserted directly (no password hashing: they never sign in)."""
    from social_market.models import User

    rows = []
    for _ in range(count):
        n = next(_counter)
        rows.append(
            User(
                email=f"joiner{n}@bench.local",
                handle=f"joiner{n}",
                handle_key=f"joiner{n}",
                display_name=f"Joiner {n}",
                password_hash="!",
            )
        )
    session.add_all(rows)
    session.flush()
    return [u.id for u in rows]


def _round_setup(engine, *, stock: int, target: int, then_stock: int | None):
    from sqlmodel import Session

    from social_market.models import Listing, ShippingRate, Shop, utcnow
    from social_market.services import group_orders

    with Session(engine, expire_on_commit=False) as session:
        maker_id, creator_id, *people = _people(session, JOINERS + 2)
        n = next(_counter)
        shop = Shop(owner_id=maker_id, slug=f"bench-shop-{n}", name=f"Bench shop {n}", country="DE")
        session.add(shop)
        session.flush()
        session.add(
            ShippingRate(
                shop_id=shop.id, zone="domestic", first_item_cents=490, additional_item_cents=100
            )
        )
        listing = Listing(
            shop_id=shop.id,
            title=f"Bench teapot {n}",
            slug=f"bench-teapot-{n}",
            price_cents=3000,
            quantity=stock,
            category_id=101,
            state="active",
            shop_name=shop.name,
            shop_country="DE",
            published_at=utcnow(),
        )
        session.add(listing)
        session.commit()
        group_orders.set_tiers(
            session=session, actor_id=maker_id, listing_id=listing.id, tiers=[[5, 10], [10, 20]]
        )
        go = group_orders.start(
            session=session,
            actor_id=creator_id,
            listing_id=listing.id,
            target_quantity=target,
            deadline=utcnow() + timedelta(days=1),
            quantity=1,
        )
        if then_stock is not None:
            session.get(Listing, listing.id).quantity = then_stock
        session.commit()
        free = session.get(Listing, listing.id).quantity
        return listing.id, go.id, free, people


def _race(engine, go_id: int, people: list[int], rng: random.Random) -> tuple[list[float], int]:
    from sqlmodel import Session

    from social_market.services import group_orders
    from social_market.services.errors import DomainError

    barrier = threading.Barrier(len(people))
    times: list[float] = []
    unexpected: list[BaseException] = []
    lock = threading.Lock()
    quantities = [rng.randint(1, 3) for _ in people]

    def run(user_id: int, quantity: int) -> None:
        with Session(engine, expire_on_commit=False) as session:
            barrier.wait()
            started = time.perf_counter()
            try:
                group_orders.join(
                    session=session, actor_id=user_id, group_order_id=go_id, quantity=quantity
                )
                session.commit()
            except DomainError:
                session.rollback()
            except BaseException as exc:  # a real failure: counted against correctness
                session.rollback()
                with lock:
                    unexpected.append(exc)
            finally:
                with lock:
                    times.append(time.perf_counter() - started)

    threads = [
        threading.Thread(target=run, args=(p, q)) for p, q in zip(people, quantities, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    for exc in unexpected[:3]:
        _log(f"unexpected: {exc!r}")
    return times, len(unexpected)


def _check(engine, listing_id: int, go_id: int, free: int) -> dict:
    from sqlalchemy import func
    from sqlmodel import Session, select

    from social_market.models import Listing, Notification, StockHold
    from social_market.models.group_orders import GroupOrder, GroupOrderMember
    from social_market.services import group_orders

    with Session(engine) as session:
        go = session.get(GroupOrder, go_id)
        quantities = list(
            session.exec(
                select(GroupOrderMember.quantity).where(GroupOrderMember.group_order_id == go_id)
            )
        )
        held = session.exec(
            select(func.coalesce(func.sum(StockHold.quantity), 0)).where(
                StockHold.source_id == go_id,
                StockHold.kind == "group",
                StockHold.state.in_(("pending", "ready")),  # type: ignore[attr-defined]
            )
        ).one()
        left = session.get(Listing, listing_id).quantity
        reached_notes = session.exec(
            select(func.count()).where(
                Notification.kind == "group",
                Notification.detail == "reached",
                Notification.link == f"/group/{go_id}",
            )
        ).one()
    consistent = go.joined_quantity == sum(quantities) == held and go.member_count == len(
        quantities
    )
    return {
        "consistent": consistent,
        "no_oversell": left >= 0 and free - left == held - 1,
        "members_ok": go.member_count <= group_orders.MAX_MEMBERS,
        "reached": go.state == "reached",
        "told_once": reached_notes == (len(quantities) if go.state == "reached" else 0),
        "joined": go.joined_quantity,
        "left": left,
    }


def _postgresql(rounds: int) -> dict:
    engine = _engine("postgresql")
    rng = random.Random(2026)
    times: list[float] = []
    walls: list[float] = []
    checks = {"consistent": True, "no_oversell": True, "members_ok": True, "told_once": True}
    reached_rounds = stock_rounds = unexpected = 0
    for r in range(rounds):
        stock_bound = r % 2 == 0
        if stock_bound:
            listing_id, go_id, free, people = _round_setup(
                engine, stock=40, target=40, then_stock=15
            )
        else:
            listing_id, go_id, free, people = _round_setup(
                engine, stock=200, target=12, then_stock=None
            )
        if r == 0:
            analyze(engine, TABLES)
        started = time.perf_counter()
        round_times, bad = _race(engine, go_id, people, rng)
        walls.append(time.perf_counter() - started)
        times += round_times
        unexpected += bad
        outcome = _check(engine, listing_id, go_id, free)
        for key in checks:
            checks[key] = checks[key] and outcome[key]
        if stock_bound:
            stock_rounds += 1
            checks["consistent"] = checks["consistent"] and not outcome["reached"]
        else:
            reached_rounds += int(outcome["reached"])
        _log(f"postgresql round {r + 1}: {summary_ms(round_times)} {outcome}")
    engine.dispose()
    return {
        "joiners": JOINERS,
        "rounds": rounds,
        "join": summary_ms(times),
        # A whole round (50 joins queueing on one row) and its share per joiner.
        "round_wall_ms": summary_ms(walls),
        "serialized_ms_per_join": round(sum(walls) / (len(walls) * JOINERS) * 1000, 2),
        "checks": {
            **checks,
            "reached_every_target_round": reached_rounds == rounds - stock_rounds,
            "no_unexpected_errors": unexpected == 0,
        },
    }


def _sqlite(groups: int) -> dict:
    from sqlmodel import Session

    from social_market.services import group_orders

    engine = _engine("sqlite")
    times: list[float] = []
    ok = True
    for _ in range(groups):
        listing_id, go_id, free, people = _round_setup(
            engine, stock=500, target=400, then_stock=None
        )
        for user_id in people[:19]:
            started = time.perf_counter()
            with Session(engine, expire_on_commit=False) as session:
                group_orders.join(
                    session=session, actor_id=user_id, group_order_id=go_id, quantity=2
                )
                session.commit()
            times.append(time.perf_counter() - started)
        outcome = _check(engine, listing_id, go_id, free)
        ok = ok and outcome["consistent"] and outcome["no_oversell"] and outcome["joined"] == 39
    engine.dispose()
    return {"sequential_join": summary_ms(times), "checks": {"consistent": ok}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--rounds", type=int, default=0)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    private_environment()
    rounds = args.rounds or (4 if args.small else 12)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    result: dict = {"targets": {"postgresql_join_p95_ms": P95_TARGET_MS, "checks": "all true"}}
    if "postgresql" in backends:
        try:
            result["postgresql"] = _postgresql(rounds)
        except Exception as exc:  # PostgreSQL not running: say so, measure the rest
            result["postgresql"] = {"skipped": str(exc)[:200]}
    if "sqlite" in backends:
        result["sqlite"] = _sqlite(3 if args.small else 10)
    pg = result.get("postgresql", {})
    if "join" in pg:
        result["postgresql_p95_within_target"] = pg["join"]["p95_ms"] <= P95_TARGET_MS
        result["postgresql_correct"] = all(pg["checks"].values())
    emit(result)


if __name__ == "__main__":
    main()
