"""Listing page and shop page data at marketplace scale, as the page handlers load it.

    .venv/bin/python bench/pages.py [--small] [--backend sqlite|postgresql|both]
                                    [--reuse-search-data]

Builds its own data with the bulk generator (1,000,000 listings in 50,000 shops, or
50,000 in 2,500 with --small) on SQLite and, when it answers, PostgreSQL; or, with
--reuse-search-data, measures the data ``bench/search.py --keep`` left behind.

Measures, with a new session per call as an event handler does:
- listing page: ``listings.get_listing`` (listing + shop + owner, photos, shipping rates,
  six more from the shop, the viewer's heart) for random active listings;
- shop page: ``shops.get_shop`` + ``listings.shop_listings`` for random shops;
and counts the SQL statements each one sends (no N+1: a fixed number whatever the size).

Target: p95 <= 10 ms for each page's data on each backend.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from common import emit, private_environment, summary_ms

TARGET_P95_MS = 10.0
PG_URL = os.environ.get("TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _engine(backend: str, size: int, reuse: bool):
    """A migrated database with ``size`` listings: (engine, how it was obtained)."""
    from sqlalchemy import text

    from social_market import migrations
    from social_market.db import make_engine
    from social_market.demo import bulk

    shops = max(1, size // 20)
    if backend == "sqlite":
        kept = Path(tempfile.gettempdir()) / f"sm-bench-search-{size}.db"
        if reuse and kept.exists():
            return make_engine(f"sqlite:///{kept}"), "reused search bench data"
        path = Path(tempfile.mkdtemp(prefix="sm-bench-pages-")) / "pages.db"
        url = f"sqlite:///{path}"
        migrations.upgrade(url)
        engine = make_engine(url)
    else:
        url = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
        kept_schema = f"bench_search_{size}"
        if reuse:
            probe = make_engine(url)
            with probe.connect() as conn:
                exists = conn.execute(
                    text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": kept_schema}
                ).first()
            probe.dispose()
            if exists:
                engine = make_engine(url, connect_args={"options": f"-csearch_path={kept_schema}"})
                return engine, "reused search bench data"
        schema = "bench_pages"
        admin = make_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
        cfg = migrations.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            from alembic import command

            command.upgrade(cfg, "head")
    started = time.perf_counter()
    bulk.build(engine, shops=shops, listings=size, users=max(100, size // 100), seed=7)
    return engine, f"built in {time.perf_counter() - started:.0f} s"


def _measure(engine, runs: int) -> dict:
    from sqlalchemy import event, func
    from sqlmodel import Session, select

    from social_market.models import Listing, Shop
    from social_market.services import listings, shops
    from social_market.services.errors import NotFound

    with Session(engine) as session:
        max_listing = session.exec(select(func.max(Listing.id))).one()
        max_shop = session.exec(select(func.max(Shop.id))).one()
    rng = random.Random(11)
    statements: list[int] = []

    def count(*_args):
        statements[-1] += 1

    event.listen(engine, "before_cursor_execute", count)
    listing_times, shop_times, listing_sql, shop_sql = [], [], [], []
    try:
        done = 0
        while done < runs:
            ref = rng.randint(1, max_listing)
            statements.append(0)
            started = time.perf_counter()
            with Session(engine, expire_on_commit=False) as session:
                try:
                    listings.get_listing(
                        session=session, listing_ref=ref, viewer_id=None, destination="FR"
                    )
                except NotFound:  # drafts and paused ones are 404s: pick another
                    statements.pop()
                    continue
            listing_times.append(time.perf_counter() - started)
            listing_sql.append(statements[-1])
            statements.append(0)
            started = time.perf_counter()
            with Session(engine, expire_on_commit=False) as session:
                shop_row = session.get(Shop, rng.randint(1, max_shop))
                public = shops.get_shop(session=session, slug=shop_row.slug)
                listings.shop_listings(session=session, shop_id=public.id)
            shop_times.append(time.perf_counter() - started)
            shop_sql.append(statements[-1] - 1)  # minus the lookup that picks a shop
            done += 1
    finally:
        event.remove(engine, "before_cursor_execute", count)
    listing_summary = summary_ms(listing_times)
    shop_summary = summary_ms(shop_times)
    return {
        "listing_page": {**listing_summary, "statements": max(listing_sql)},
        "shop_page": {**shop_summary, "statements": max(shop_sql)},
        "met": {
            "listing_p95": listing_summary["p95_ms"] <= TARGET_P95_MS,
            "shop_p95": shop_summary["p95_ms"] <= TARGET_P95_MS,
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--reuse-search-data", action="store_true")
    parser.add_argument("--runs", type=int, default=0)
    args = parser.parse_args()
    private_environment()
    size = 50_000 if args.small else 1_000_000
    runs = args.runs or (200 if args.small else 400)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    result: dict = {
        "benchmark": "pages",
        "listings": size,
        "shops": size // 20,
        "targets": {"p95_ms": TARGET_P95_MS},
    }
    for backend in backends:
        try:
            engine, how = _engine(backend, size, args.reuse_search_data)
        except Exception as exc:  # PostgreSQL may simply not be there
            result[backend] = {"skipped": str(exc).splitlines()[0]}
            continue
        _log(f"{backend}: data {how}; measuring {runs} page loads")
        _measure(engine, 20)  # warm-up
        result[backend] = {"data": how, **_measure(engine, runs)}
        if backend == "postgresql" and not how.startswith("reused"):
            from sqlalchemy import text

            with engine.begin() as conn:  # leave the shared server as we found it
                conn.execute(text('DROP SCHEMA IF EXISTS "bench_pages" CASCADE'))
        engine.dispose()
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
