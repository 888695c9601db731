"""Your network's verdict at scale: a listing page for someone following 500 people.

    .venv/bin/python bench/trust.py [--small] [--backend sqlite|postgresql|both]

Builds its own data: 10,000 people, 2,000 shops, 20,000 listings, 1,000,000 reviews
(each on its own order line, at most one per person and listing; popularity is
skewed, the busiest listings have thousands of reviews), people following 20–500 others (``--small``: 2,000 / 400 /
4,000 / 100,000).

Measures, with a new session per call as an event handler does:
- ``trust.verdict`` for a listing page (people you follow named, one step further as an
  average) for viewers following 500 people, on busy and on ordinary listings;
- the same for a whole shop;
- ``trust.badges`` for a grid of 24 listings;
- ``reviews.list_reviews`` first page.

Target: the listing verdict p95 <= 15 ms of database time (wall time beside it).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import DbClock, analyze, emit, private_environment, summary_ms, timed_connect_args

VERDICT_TARGET_MS = 15.0
PG_URL = os.environ.get("TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"
SCHEMA = "bench_trust"


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _engine(backend: str, reuse: bool):
    from sqlalchemy import text

    from social_market import migrations
    from social_market.db import make_engine

    if backend == "sqlite":
        path = Path(tempfile.mkdtemp(prefix="sm-bench-trust-")) / "trust.db"
        url = f"sqlite:///{path}"
        migrations.upgrade(url)
        return make_engine(url, connect_args=timed_connect_args("sqlite"))
    url = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    timed = {"options": f"-csearch_path={SCHEMA}", **timed_connect_args("postgresql")}
    if reuse:
        return make_engine(url, connect_args=timed)
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))
    admin.dispose()
    engine = make_engine(url, connect_args=timed)
    cfg = migrations.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        from alembic import command

        command.upgrade(cfg, "head")
    return engine


def _build(engine, *, users: int, shops: int, listings: int, reviews: int) -> list[int]:
    """Fill the database; returns the ids of people who follow 500 (the viewers)."""
    from sqlalchemy import text

    from social_market.demo import bulk

    started = time.perf_counter()
    bulk.build(engine, shops=shops, listings=listings, users=users, seed=7)
    _log(f"  people, shops, listings: {time.perf_counter() - started:.0f} s")
    sqlite = engine.dialect.name == "sqlite"
    rnd = random.Random(11)
    with engine.connect() as conn:
        listing_shop = dict(conn.execute(text("SELECT id, shop_id FROM listing")).all())
    listing_ids = sorted(listing_shop)
    people = list(range(1, users + 1))
    heavy = people[: max(50, users // 20)]

    def follow_rows():
        now = bulk._fmt(datetime.now(UTC), sqlite)
        for uid in people:
            count = 500 if uid in heavy_set else rnd.choice([20, 50, 100, 200])
            for other in rnd.sample(people, min(count + 1, users - 1)):
                if other != uid:
                    yield (uid, other, now)

    heavy_set = set(heavy)
    seen: set[tuple[int, int]] = set()

    def unique(rows):
        for row in rows:
            if (row[0], row[1]) not in seen:
                seen.add((row[0], row[1]))
                yield row

    bulk._Rows(engine, "follow", "follower_id followee_id created_at").write(unique(follow_rows()))
    # Skewed popularity: weight ~ 1/sqrt(rank), so the busiest listings have thousands
    # of reviews; each person reviews a listing at most once (one purchase each).
    weights = [1 / (i + 1) ** 0.5 for i in range(len(listing_ids))]
    shuffled = listing_ids[:]
    rnd.shuffle(shuffled)
    chosen = rnd.choices(shuffled, weights=weights, k=reviews)
    reviewed: set[tuple[int, int]] = set()
    authors: list[int] = []
    for lid in chosen:
        author = rnd.choice(people)
        for _ in range(20):
            if (author, lid) not in reviewed:
                break
            author = rnd.choice(people)
        reviewed.add((author, lid))
        authors.append(author)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    per_order = 4

    def order_rows():
        for n in range(reviews // per_order + 1):
            when = bulk._fmt(start + timedelta(minutes=n), sqlite)
            first = chosen[min(n * per_order, reviews - 1)]
            yield (
                n + 1, f"SM-B{n + 1:09d}", f"bench{n + 1}", rnd.choice(people),
                listing_shop[first], "delivered", "bank_transfer", "EUR", 2000, 0, 2000,
                "Bench Buyer", "Weg 1", "", "10115", "Berlin", "DE", "Bench shop", "", "", "",
                when, when,
            )  # fmt: skip

    bulk._Rows(
        engine,
        "shop_order",
        "id reference checkout_id buyer_id shop_id status payment_method currency "
        "items_cents shipping_cents total_cents ship_name ship_line1 ship_line2 "
        "ship_postcode ship_city ship_country shop_name payment_details tracking_number "
        "cancel_reason placed_at updated_at",
    ).write(order_rows())

    def line_rows():
        for i, lid in enumerate(chosen):
            yield (i + 1, i // per_order + 1, lid, "Bench piece", None, 2000, 1, 2000, False)

    bulk._Rows(
        engine,
        "order_line",
        "id order_id listing_id title photo_key unit_price_cents quantity "
        "line_total_cents made_to_order",
    ).write(line_rows())

    def review_rows():
        for i, (lid, author) in enumerate(zip(chosen, authors, strict=True)):
            when = bulk._fmt(start + timedelta(minutes=i), sqlite)
            stars = rnd.choice((5, 5, 4, 4, 3, 2, 1))
            yield (
                i + 1, i + 1, i // per_order + 1, lid, listing_shop[lid], author, stars,
                "Bench review", when, "", 0,
            )  # fmt: skip

    bulk._Rows(
        engine,
        "review",
        "id order_line_id order_id listing_id shop_id author_id rating body created_at "
        "reply_body helpful_count",
    ).write(review_rows())
    _log(f"  orders, lines, reviews: {time.perf_counter() - started:.0f} s")
    with engine.begin() as conn:
        for table in ("listing", "shop"):
            key = "listing_id" if table == "listing" else "shop_id"
            conn.execute(
                text(
                    f"UPDATE {table} SET rating_count = r.c, rating_sum = r.s FROM"
                    f" (SELECT {key} AS k, count(*) AS c, sum(rating) AS s FROM review"
                    f" GROUP BY {key}) r WHERE {table}.id = r.k"
                )
            )
        if not sqlite:
            for table, column in (("shop_order", "id"), ("order_line", "id"), ("review", "id")):
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), :n)"),
                    {"n": reviews + 1},
                )
    analyze(
        engine, ("user_account", "follow", "shop_order", "order_line", "review", "listing", "shop")
    )
    _log(f"  totals, analyze: {time.perf_counter() - started:.0f} s")
    return heavy


def _measure(engine, runs: int, viewers: list[int]) -> dict:
    from sqlalchemy import event, text
    from sqlmodel import Session

    from social_market.services import reviews, trust

    with engine.connect() as conn:
        busy = [
            r[0]
            for r in conn.execute(
                text("SELECT id FROM listing ORDER BY rating_count DESC LIMIT 50")
            )
        ]
        ordinary = [
            r[0]
            for r in conn.execute(
                text("SELECT id FROM listing WHERE rating_count BETWEEN 5 AND 200 LIMIT 2000")
            )
        ]
        shops = [r[0] for r in conn.execute(text("SELECT id FROM shop ORDER BY id LIMIT 500"))]
        all_listings = [r[0] for r in conn.execute(text("SELECT id FROM listing"))]
    rng = random.Random(3)
    statements = [0]
    event.listen(
        engine, "before_cursor_execute", lambda *a: statements.__setitem__(0, statements[0] + 1)
    )

    def timed(call) -> tuple[float, float, int]:
        statements[0] = 0
        DbClock.reset()
        started = time.perf_counter()
        with Session(engine, expire_on_commit=False) as session:
            call(session)
        return time.perf_counter() - started, DbClock.seconds, statements[0]

    out: dict = {}
    cases = {
        "verdict_busy_listing": lambda s, me: trust.verdict(
            session=s, viewer_id=me, listing_id=rng.choice(busy)
        ),
        "verdict_listing": lambda s, me: trust.verdict(
            session=s, viewer_id=me, listing_id=rng.choice(ordinary or busy)
        ),
        "verdict_shop": lambda s, me: trust.verdict(
            session=s, viewer_id=me, shop_id=rng.choice(shops)
        ),
        "badges_grid_24": lambda s, me: trust.badges(s, me, rng.sample(all_listings, 24)),
        "reviews_first_page": lambda s, me: reviews.list_reviews(
            session=s, viewer_id=me, listing_id=rng.choice(busy)
        ),
    }
    for name, case in cases.items():
        wall, db, counts = [], [], set()
        for _ in range(runs):
            me = rng.choice(viewers)
            w, d, n = timed(lambda s, me=me, case=case: case(s, me))
            wall.append(w)
            db.append(d)
            counts.add(n)
        out[name] = {"db": summary_ms(db), "wall": summary_ms(wall), "statements": sorted(counts)}
    # Mixed page views: busy and ordinary listings as a listing page sees them.
    mixed = []
    for _ in range(runs):
        lid = rng.choice(busy if rng.random() < 0.3 else ordinary or busy)
        me = rng.choice(viewers)
        mixed.append(
            timed(lambda s, lid=lid, me=me: trust.verdict(session=s, viewer_id=me, listing_id=lid))[
                1
            ]
        )
    mixed = summary_ms(mixed)
    out["verdict_mixed_db"] = mixed
    out["met"] = {
        "verdict_p95": max(
            out["verdict_listing"]["db"]["p95_ms"],
            out["verdict_busy_listing"]["db"]["p95_ms"],
        )
        <= VERDICT_TARGET_MS
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--runs", type=int, default=0)
    parser.add_argument(
        "--reuse-postgresql",
        action="store_true",
        help=f"measure on the schema {SCHEMA} a previous run of the same size left",
    )
    args = parser.parse_args()
    private_environment()
    if args.small:
        users, shops, listings, reviews = 2_000, 400, 4_000, 100_000
    else:
        users, shops, listings, reviews = 10_000, 2_000, 20_000, 1_000_000
    runs = args.runs or (60 if args.small else 200)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    result: dict = {
        "size": {"users": users, "shops": shops, "listings": listings, "reviews": reviews},
        "targets": {"verdict_p95_ms": VERDICT_TARGET_MS},
    }
    for backend in backends:
        reuse = backend == "postgresql" and args.reuse_postgresql
        try:
            engine = _engine(backend, reuse)
        except Exception as exc:  # PostgreSQL not running: say so, measure the rest
            result[backend] = {"skipped": str(exc)[:200]}
            continue
        started = time.perf_counter()
        if reuse:
            viewers = list(range(1, max(50, users // 20) + 1))  # as _build chose them
        else:
            viewers = _build(engine, users=users, shops=shops, listings=listings, reviews=reviews)
        _log(f"{backend}: built in {time.perf_counter() - started:.0f} s")
        result[backend] = {
            "build_s": round(time.perf_counter() - started),
            **_measure(engine, runs, viewers),
        }
        engine.dispose()
    emit(result)


if __name__ == "__main__":
    main()
