"""Listing search through the service beside the same SQL in the bare driver.

    .venv/bin/python bench/search.py [--small] [--backend sqlite|postgresql|both]

Builds its own data (a fresh SQLite file under /tmp and, when PostgreSQL answers at
TEST_DATABASE_URL or postgresql://postgres@127.0.0.1:5432/test, a fresh schema there):
1,000,000 listings in 50,000 shops by default, 50,000 in 2,500 with --small. Then runs a
mix of realistic searches, each once through ``search_listings`` (a new session per
search, as an event handler would) and once as the very SQL ``search_sql`` gives through
sqlite3 / psycopg (custom plans), interleaved:

- relevance: one or two words + category (a leaf or a top-level one) + price range;
- newest first: category, with and without words;
- price sort: category + price range, lowest or highest first;
- a deep page: the 10th page of a newest or price search, by its keyset cursor.

Targets: p95 <= 20 ms per backend, service/raw <= 1.5 (mean time per search).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import emit, private_environment, summary_ms

TARGET_P95_MS = 20.0
TARGET_RATIO = 1.5
PG_URL = os.environ.get("TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _queries(rnd: random.Random, n: int, session, dialect: str) -> list[tuple[str, object]]:
    """(kind, SearchQuery) pairs; deep pages get their cursor by walking nine pages first."""
    from social_market.demo.bulk import ADJECTIVES, COLOURS, MATERIALS, NOUNS
    from social_market.services import categories
    from social_market.services.search import SearchQuery, search_listings

    leaves = {top: [c.id for c in categories.children(top)] or [top] for top in range(1, 11)}
    out: list[tuple[str, object]] = []
    for i in range(n):
        top = rnd.randint(1, 10)
        lang = 1 if rnd.random() < 0.2 else 0
        category = rnd.choice([top, rnd.choice(leaves[top])])
        low = rnd.choice([None, 500, 1000, 2000, 5000])
        high = rnd.choice([None, 3000, 8000, 20000]) if low is None or low < 3000 else None
        noun = rnd.choice(NOUNS[top][lang].split())
        extra = rnd.choice(
            [None, *MATERIALS[lang].split()[:8], *COLOURS[lang].split()[:6], "handmade"]
        )
        extra = extra or rnd.choice(ADJECTIVES[lang].split())
        words = noun if rnd.random() < 0.4 else f"{extra} {noun}"
        kind = ("relevance", "relevance", "newest", "newest_words", "price", "deep")[i % 6]
        if kind == "relevance":
            q = SearchQuery(
                words=words, category_id=category, min_price_cents=low, max_price_cents=high
            )
        elif kind == "newest":
            q = SearchQuery(category_id=category, sort="newest")
        elif kind == "newest_words":
            q = SearchQuery(words=noun, sort="newest")
        elif kind == "price":
            sort = rnd.choice(["price_asc", "price_desc"])
            q = SearchQuery(
                category_id=category, min_price_cents=low, max_price_cents=high, sort=sort
            )
        else:
            sort = rnd.choice(["newest", "price_asc"])
            q = SearchQuery(category_id=category if sort == "newest" else None, sort=sort)
            for _ in range(9):
                page = search_listings(session=session, query=q)
                if not page.next_cursor:
                    break
                q = dataclasses.replace(q, cursor=page.next_cursor)
        out.append((kind, q))
    return out


def _measure(engine, raw_execute, runs: int, seed: int) -> dict:
    from sqlmodel import Session

    from social_market.services.search import search_listings, search_sql

    dialect = engine.dialect.name
    rnd = random.Random(seed)
    with Session(engine) as session:
        queries = _queries(rnd, runs, session, dialect)
    compiled = [search_sql(q, dialect) for _, q in queries]
    # Warm-up: caches, connections, the first compile of each statement shape.
    for (_kind, q), (sql, params) in zip(queries[:30], compiled[:30], strict=True):
        with Session(engine) as session:
            search_listings(session=session, query=q)
        raw_execute(sql, params)
    service: dict[str, list[float]] = {}
    raw: dict[str, list[float]] = {}
    rows_seen = 0
    for (kind, q), (sql, params) in zip(queries, compiled, strict=True):
        t0 = time.perf_counter()
        with Session(engine) as session:
            page = search_listings(session=session, query=q)
        t1 = time.perf_counter()
        rows = raw_execute(sql, params)
        t2 = time.perf_counter()
        assert len(rows) in (len(page.items), len(page.items) + 1), (kind, q)
        rows_seen += len(page.items)
        service.setdefault(kind, []).append(t1 - t0)
        raw.setdefault(kind, []).append(t2 - t1)
    all_service = [v for vs in service.values() for v in vs]
    all_raw = [v for vs in raw.values() for v in vs]
    overall = summary_ms(all_service)
    ratio = statistics.fmean(all_service) / statistics.fmean(all_raw)
    return {
        "service": overall,
        "raw": summary_ms(all_raw),
        "by_query": {
            k: {"service": summary_ms(service[k]), "raw": summary_ms(raw[k])} for k in service
        },
        "service_raw_ratio_mean": round(ratio, 2),
        "service_raw_ratio_p50": round(
            statistics.median(all_service) / statistics.median(all_raw), 2
        ),
        "avg_rows": round(rows_seen / len(queries), 1),
        "met": {
            "p95": overall["p95_ms"] <= TARGET_P95_MS,
            "ratio": ratio <= TARGET_RATIO,
        },
    }


def _sqlite(sizes: dict, runs: int, seed: int) -> dict:
    from social_market import migrations
    from social_market.db import make_engine
    from social_market.demo import bulk

    folder = Path(tempfile.mkdtemp(prefix="sm-bench-search-", dir="/tmp"))
    path = folder / "search.db"
    url = f"sqlite:///{path}"
    t0 = time.perf_counter()
    migrations.upgrade(url)
    engine = make_engine(url)
    bulk.build(engine, seed=seed, **sizes)
    build_s = time.perf_counter() - t0
    _log(f"sqlite: built in {build_s:.0f} s, {path.stat().st_size / 1e6:.0f} MB")

    raw = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA synchronous=NORMAL")

    def execute(sql: str, params: dict) -> list:
        return raw.execute(sql, params).fetchall()

    result = _measure(engine, execute, runs, seed)
    result["build_s"] = round(build_s, 1)
    result["db_mb"] = round(path.stat().st_size / 1e6)
    raw.close()
    engine.dispose()
    for file in folder.iterdir():
        file.unlink()
    folder.rmdir()
    return result


def _postgresql(sizes: dict, runs: int, seed: int) -> dict:
    import psycopg
    from alembic import command
    from sqlalchemy import text

    from social_market import migrations
    from social_market.db import make_engine
    from social_market.demo import bulk

    url = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    schema = f"bench_search_{os.getpid()}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        t0 = time.perf_counter()
        cfg = migrations.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        bulk.build(engine, seed=seed, **sizes)
        build_s = time.perf_counter() - t0
        _log(f"postgresql: built in {build_s:.0f} s")
        with engine.connect() as conn:
            size = conn.execute(text("SELECT pg_total_relation_size('listing')")).scalar()

        raw = psycopg.connect(PG_URL, options=f"-csearch_path={schema}", autocommit=True)
        named = re.compile(r"(?<![:\w]):(\w+)")

        def execute(sql: str, params: dict) -> list:
            # prepare=False: never a server-side prepared statement, so custom plans.
            return raw.execute(named.sub(r"%(\1)s", sql), params, prepare=False).fetchall()

        result = _measure(engine, execute, runs, seed)
        result["build_s"] = round(build_s, 1)
        result["listing_mb"] = round(size / 1e6)
        raw.close()
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
    return result


def _postgresql_answers() -> bool:
    try:
        import psycopg

        psycopg.connect(PG_URL, connect_timeout=3).close()
        return True
    except Exception:
        return False


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    private_environment()
    listings = 50_000 if args.small else 1_000_000
    shops = listings // 20
    sizes = {"listings": listings, "shops": shops, "users": shops + shops // 5}
    result: dict = {
        "benchmark": "search",
        "data": sizes,
        "runs": args.runs,
        "targets": {"p95_ms": TARGET_P95_MS, "service_raw_ratio": TARGET_RATIO},
    }
    if args.backend in ("sqlite", "both"):
        result["sqlite"] = _sqlite(sizes, args.runs, args.seed)
    if args.backend in ("postgresql", "both"):
        if _postgresql_answers():
            result["postgresql"] = _postgresql(sizes, args.runs, args.seed)
        else:
            result["postgresql"] = "skipped: PostgreSQL does not answer"
    emit(result)


if __name__ == "__main__":
    main()
