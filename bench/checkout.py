"""Checkout under concurrency on PostgreSQL: 20 buyers at once, each on its own listings.

    .venv/bin/python bench/checkout.py [--small] [--database-url postgresql://…]

Builds a private schema (dropped at the end) with shops, listings and buyers; each of
20 threads (own connection and session, like web workers) repeatedly fills its buyer's
cart (3 listings from 2 shops, untimed) and times ``place_order`` + commit. The same
transaction written as raw SQL on psycopg runs beside it as the floor. Emails are
written to a private outbox on the email threads, as in production without SMTP.
"""

from __future__ import annotations

import argparse
import os
import secrets
import threading
import time
from datetime import UTC, datetime

from common import emit, private_environment, summary_ms

THREADS = 20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    args = parser.parse_args()
    url = args.database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    private_environment(url)

    from limits import parse
    from sqlalchemy import text
    from sqlmodel import Session

    from social_market import migrations
    from social_market.db import make_engine
    from social_market.models import CartItem, Listing, ShippingRate, Shop, User, utcnow
    from social_market.services import checkout
    from social_market.services import email as mail

    # The per-buyer limit is an anti-automation rule; here one buyer checks out many times.
    checkout.CHECKOUTS_PER_USER = parse("1000000/minute")

    rounds = 15 if args.small else 100
    schema = f"bench_checkout_{os.getpid()}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(
        url,
        connect_args={"options": f"-csearch_path={schema}"},
        pool_size=THREADS + 2,
        max_overflow=0,
    )
    try:
        cfg = migrations.alembic_config()
        with engine.begin() as conn:
            from alembic import command

            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

        # Data: 2 shops per buyer pair, 3 listings per buyer, plus unrelated listings.
        build = time.perf_counter()
        carts: dict[int, list[tuple[int, int]]] = {}
        with Session(engine, expire_on_commit=False) as session:
            shops = []
            for i in range(THREADS * 2):
                owner = User(
                    email=f"maker{i}@bench.test", handle=f"maker{i}", handle_key=f"maker{i}"
                )
                session.add(owner)
                session.flush()
                shop = Shop(
                    owner_id=owner.id,
                    slug=f"bench-shop-{i}",
                    name=f"Bench shop {i}",
                    country="DE" if i % 2 else "FR",
                    payment_details="IBAN DE02 1203 0000 0000 2020 51",
                )
                session.add(shop)
                session.flush()
                for zone, first, extra in (("domestic", 490, 100), ("eu", 990, 200)):
                    session.add(
                        ShippingRate(
                            shop_id=shop.id,
                            zone=zone,
                            first_item_cents=first,
                            additional_item_cents=extra,
                        )
                    )
                shops.append(shop)

            def listing(shop: Shop, n: int) -> Listing:
                row = Listing(
                    shop_id=shop.id,  # type: ignore[arg-type]
                    title=f"Handmade piece {n}",
                    slug=f"handmade-piece-{n}",
                    price_cents=1000 + n % 9000,
                    quantity=1_000_000,
                    category_id=101,
                    state="active",
                    shop_name=shop.name,
                    shop_country=shop.country,
                    published_at=utcnow(),
                )
                session.add(row)
                return row

            for n in range(2000 if args.small else 20000):  # background rows
                listing(shops[n % len(shops)], n)
            buyers = []
            for b in range(THREADS * 2):  # half for the service, half for raw SQL
                buyer = User(
                    email=f"buyer{b}@bench.test",
                    handle=f"buyer{b}",
                    handle_key=f"buyer{b}",
                    email_verified_at=utcnow(),
                )
                session.add(buyer)
                a, c = shops[(2 * b) % len(shops)], shops[(2 * b + 1) % len(shops)]
                own = [listing(a, 100000 + 3 * b), listing(a, 100001 + 3 * b)]
                own.append(listing(c, 100002 + 3 * b))
                session.flush()
                buyers.append(buyer.id)
                carts[buyer.id] = [(x.id, 1 + i % 2) for i, x in enumerate(own)]  # type: ignore[misc]
            session.commit()
        build_s = time.perf_counter() - build

        def fill(buyer_id: int) -> None:
            with Session(engine) as session:
                for listing_id, qty in carts[buyer_id]:
                    session.add(CartItem(user_id=buyer_id, listing_id=listing_id, quantity=qty))
                session.commit()

        address = {
            "name": "Bench Buyer",
            "line1": "Hauptstraße 5",
            "postcode": "04109",
            "city": "Leipzig",
            "country": "DE",
        }

        def service_worker(buyer_id: int, times: list[float], barrier) -> None:
            barrier.wait()
            for _ in range(rounds):
                fill(buyer_id)
                t0 = time.perf_counter()
                with Session(engine, expire_on_commit=False) as session:
                    checkout.place_order(
                        session=session,
                        buyer_id=buyer_id,
                        address=address,
                        payment_method="bank_transfer",
                    )
                    session.commit()
                times.append(time.perf_counter() - t0)

        raw_url = args.database_url.replace("postgresql+psycopg://", "postgresql://", 1)

        def raw_worker(buyer_id: int, times: list[float], barrier) -> None:
            import psycopg

            with psycopg.connect(raw_url, options=f"-csearch_path={schema}") as conn:
                barrier.wait()
                for _ in range(rounds):
                    fill(buyer_id)
                    t0 = time.perf_counter()
                    raw_checkout(conn, buyer_id)
                    times.append(time.perf_counter() - t0)

        def run(worker, ids: list[int]) -> tuple[list[float], float]:
            times: list[float] = []
            barrier = threading.Barrier(len(ids) + 1)
            threads = [threading.Thread(target=worker, args=(b, times, barrier)) for b in ids]
            for t in threads:
                t.start()
            barrier.wait()
            started = time.perf_counter()
            for t in threads:
                t.join()
            return times, time.perf_counter() - started

        service_times, service_s = run(service_worker, buyers[:THREADS])
        raw_times, raw_s = run(raw_worker, buyers[THREADS:])
        mail.wait_for_outgoing(timeout=60)
        with engine.connect() as conn:
            orders = conn.execute(text("SELECT count(*) FROM shop_order")).scalar_one()
            negative = conn.execute(
                text("SELECT count(*) FROM listing WHERE quantity < 0")
            ).scalar_one()
        checkouts = len(service_times)
        emit(
            {
                "benchmark": "checkout",
                "database": "postgresql",
                "threads": THREADS,
                "checkouts": checkouts,
                "orders_created": orders,
                "orders_per_checkout": 2,
                "build_s": round(build_s, 1),
                "place_order_commit": summary_ms(service_times),
                "checkouts_per_second": round(checkouts / service_s, 1),
                "orders_per_second": round(2 * checkouts / service_s, 1),
                "raw_sql_same_transaction": summary_ms(raw_times),
                "raw_checkouts_per_second": round(len(raw_times) / raw_s, 1),
                "oversold_listings": negative,
                "note": "each checkout: 3 listings from 2 shops -> 2 orders; carts refilled untimed",
            }
        )
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def raw_checkout(conn, buyer_id: int) -> None:
    """The checkout's statements by hand (no validation, no ORM): the floor to compare with."""
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(
            "SELECT l.id, l.shop_id, l.title, l.price_cents, l.cover_key, c.quantity, s.name,"
            " s.payment_details, s.country FROM cart_item c JOIN listing l ON l.id = c.listing_id"
            " JOIN shop s ON s.id = l.shop_id WHERE c.user_id = %s ORDER BY s.id, l.id",
            (buyer_id,),
        )
        rows = cur.fetchall()
        shop_ids = sorted({r[1] for r in rows})
        cur.execute(
            "SELECT shop_id, first_item_cents, additional_item_cents FROM shipping_rate"
            " WHERE shop_id = ANY(%s) AND zone = 'domestic'",
            (shop_ids,),
        )
        rates = {r[0]: (r[1], r[2]) for r in cur.fetchall()}
        for lid, _sid, _t, price, _k, qty, *_ in sorted(rows):
            cur.execute(
                "UPDATE listing SET quantity = quantity - %s, state = CASE WHEN quantity - %s = 0"
                " THEN 'sold_out' ELSE state END WHERE id = %s AND state = 'active'"
                " AND price_cents = %s AND quantity >= %s",
                (qty, qty, lid, price, qty),
            )
            assert cur.rowcount == 1
        checkout_id = secrets.token_hex(16)
        now = datetime.now(UTC)
        for sid in shop_ids:
            mine = [r for r in rows if r[1] == sid]
            items = sum(r[3] * r[5] for r in mine)
            pieces = sum(r[5] for r in mine)
            first, extra = rates.get(sid, (0, 0))
            shipping = first + extra * (pieces - 1)
            cur.execute(
                "INSERT INTO shop_order (reference, checkout_id, buyer_id, shop_id, status,"
                " payment_method, currency, items_cents, shipping_cents, total_cents, ship_name,"
                " ship_line1, ship_line2, ship_postcode, ship_city, ship_country, shop_name,"
                " payment_details, tracking_number, cancel_reason, placed_at, updated_at)"
                " VALUES (%s, %s, %s, %s, 'placed', 'bank_transfer', 'EUR', %s, %s, %s,"
                " 'Bench Buyer', 'Hauptstraße 5', '', '04109', 'Leipzig', 'DE', %s, %s, '', '',"
                " %s, %s) RETURNING id",
                (
                    "SM-" + secrets.token_hex(4).upper(),
                    checkout_id,
                    buyer_id,
                    sid,
                    items,
                    shipping,
                    items + shipping,
                    mine[0][6],
                    mine[0][7],
                    now,
                    now,
                ),
            )
            order_id = cur.fetchone()[0]
            cur.executemany(
                "INSERT INTO order_line (order_id, listing_id, title, photo_key,"
                " unit_price_cents, quantity, line_total_cents, made_to_order)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, false)",
                [(order_id, r[0], r[2], r[4], r[3], r[5], r[3] * r[5]) for r in mine],
            )
        cur.execute("DELETE FROM cart_item WHERE user_id = %s", (buyer_id,))


if __name__ == "__main__":
    main()
