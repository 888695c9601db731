"""Listing search through the service beside the same SQL in the bare driver.

    .venv/bin/python bench/search.py [--small] [--backend sqlite|postgresql|both]
                                     [--keep | --reuse]

Builds its own data (a fresh SQLite file under /tmp and, when PostgreSQL answers at
TEST_DATABASE_URL or postgresql://postgres@127.0.0.1:5432/test, a fresh schema there):
1,000,000 listings in 50,000 shops by default, 50,000 in 2,500 with --small. ``--keep``
leaves the data in place (``/tmp/sm-bench-search-<listings>.db``, schema
``bench_search_<listings>``) and ``--reuse`` measures kept data again without the
minutes of building; it rebuilds when the migration or generator changed since (a
fingerprint of both is stored beside the data).

Then it runs a mix of realistic searches, each once through ``search_listings`` with a
new session per search, as an event handler does, and once as the very SQL
``search_sql`` gives through sqlite3 / psycopg (custom plans), interleaved. For a fair
ratio the raw side pays the same per-search transaction as the session does (BEGIN,
the query, ROLLBACK on its one connection), and the two sides take turns going first
(the second finds the first one's pages cached); what remains is the service's own
cost (session and pool checkout with its ping, building cards and cursors). The mix:

- relevance: one or two words + category (a leaf or a top-level one) + price range;
- newest first: category, with and without words;
- price sort: category + price range, lowest or highest first;
- a deep page: the 10th page of a newest or price search, by its keyset cursor.

Targets: p95 <= 20 ms per backend, service/raw <= 1.5 (mean time per search).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
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


def _fingerprint() -> str:
    """What the kept data depends on: the search migration and the data generator."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for name in ("alembic/versions/20261125_0004_listing_search.py", "social_market/demo/bulk.py"):
        digest.update((root / name).read_bytes())
    return digest.hexdigest()[:16]


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

    from social_market.services.search import common_terms, search_listings, search_sql

    dialect = engine.dialect.name
    rnd = random.Random(seed)
    with Session(engine) as session:
        queries = _queries(rnd, runs, session, dialect)
        # The service reads these once per process (cached): the raw side gets them free.
        common = common_terms(session)
    compiled = [search_sql(q, dialect, common) for _, q in queries]
    # Warm-up: caches, connections, the first compile of each statement shape.
    for (_kind, q), (sql, params) in zip(queries[:30], compiled[:30], strict=True):
        with Session(engine) as session:
            search_listings(session=session, query=q)
        raw_execute(sql, params)
    service: dict[str, list[float]] = {}
    raw: dict[str, list[float]] = {}
    rows_seen = 0
    for i, ((kind, q), (sql, params)) in enumerate(zip(queries, compiled, strict=True)):
        # Whichever runs second finds the pages the first one read in the cache: take
        # turns going first, so neither side gets that advantage every time.
        if i % 2:
            t0 = time.perf_counter()
            rows = raw_execute(sql, params)
            t1 = time.perf_counter()
        t2 = time.perf_counter()
        with Session(engine) as session:
            page = search_listings(session=session, query=q)
        t3 = time.perf_counter()
        if not i % 2:
            t0 = time.perf_counter()
            rows = raw_execute(sql, params)
            t1 = time.perf_counter()
        assert len(rows) in (len(page.items), len(page.items) + 1), (kind, q)
        rows_seen += len(page.items)
        service.setdefault(kind, []).append(t3 - t2)
        raw.setdefault(kind, []).append(t1 - t0)
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


def _sqlite(sizes: dict, runs: int, seed: int, keep: bool, reuse: bool) -> dict:
    from social_market import migrations
    from social_market.db import make_engine
    from social_market.demo import bulk

    if keep or reuse:
        folder = Path(tempfile.gettempdir())
        path = folder / f"sm-bench-search-{sizes['listings']}.db"
    else:
        folder = Path(tempfile.mkdtemp(prefix="sm-bench-search-", dir="/tmp"))
        path = folder / "search.db"
    stamp = path.with_suffix(".fingerprint")
    url = f"sqlite:///{path}"
    build_s = None
    if reuse and path.exists() and stamp.exists() and stamp.read_text() == _fingerprint():
        engine = make_engine(url)
        _log(f"sqlite: reusing {path}")
    else:
        for file in (path, stamp, *(Path(f"{path}{x}") for x in ("-wal", "-shm"))):
            file.unlink(missing_ok=True)
        t0 = time.perf_counter()
        migrations.upgrade(url)
        engine = make_engine(url)
        bulk.build(engine, seed=seed, **sizes)
        build_s = time.perf_counter() - t0
        stamp.write_text(_fingerprint())
        _log(f"sqlite: built in {build_s:.0f} s, {path.stat().st_size / 1e6:.0f} MB")

    raw = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA synchronous=NORMAL")

    def execute(sql: str, params: dict) -> list:
        # The same transaction per search as the service's session (see the docstring).
        raw.execute("BEGIN")
        try:
            return raw.execute(sql, params).fetchall()
        finally:
            raw.execute("ROLLBACK")

    result = _measure(engine, execute, runs, seed)
    result["build_s"] = round(build_s, 1) if build_s is not None else "reused"
    result["db_mb"] = round(path.stat().st_size / 1e6)
    raw.close()
    engine.dispose()
    if not (keep or reuse):
        for file in folder.iterdir():
            file.unlink()
        folder.rmdir()
    return result


def _postgresql(sizes: dict, runs: int, seed: int, keep: bool, reuse: bool) -> dict:
    import psycopg
    from alembic import command
    from sqlalchemy import text

    from social_market import migrations
    from social_market.db import make_engine
    from social_market.demo import bulk

    url = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    kept = keep or reuse
    schema = f"bench_search_{sizes['listings'] if kept else os.getpid()}"
    admin = make_engine(url)
    with admin.connect() as conn:
        stamp = conn.execute(
            text(
                "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = :s"
            ),
            {"s": schema},
        ).scalar()
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    build_s = None
    try:
        if reuse and stamp == _fingerprint():
            _log(f"postgresql: reusing schema {schema}")
        else:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            t0 = time.perf_counter()
            cfg = migrations.alembic_config()
            with engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
            bulk.build(engine, seed=seed, **sizes)
            build_s = time.perf_counter() - t0
            with admin.begin() as conn:
                conn.execute(text(f"COMMENT ON SCHEMA \"{schema}\" IS '{_fingerprint()}'"))
            _log(f"postgresql: built in {build_s:.0f} s")
        with engine.connect() as conn:
            size = conn.execute(text("SELECT pg_total_relation_size('listing')")).scalar()

        # Not autocommit: each search is BEGIN, the query, ROLLBACK, as in a session.
        raw = psycopg.connect(PG_URL, options=f"-csearch_path={schema}")
        named = re.compile(r"(?<![:\w]):(\w+)")

        def execute(sql: str, params: dict) -> list:
            # prepare=False: never a server-side prepared statement, so custom plans.
            try:
                return raw.execute(named.sub(r"%(\1)s", sql), params, prepare=False).fetchall()
            finally:
                raw.rollback()

        result = _measure(engine, execute, runs, seed)
        result["build_s"] = round(build_s, 1) if build_s is not None else "reused"
        result["listing_mb"] = round(size / 1e6)
        raw.close()
    finally:
        engine.dispose()
        if not kept:
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
    parser.add_argument("--keep", action="store_true", help="keep the data for --reuse")
    parser.add_argument(
        "--reuse", action="store_true", help="measure kept data again (rebuilt if stale)"
    )
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
        result["sqlite"] = _sqlite(sizes, args.runs, args.seed, args.keep, args.reuse)
    if args.backend in ("postgresql", "both"):
        if _postgresql_answers():
            result["postgresql"] = _postgresql(sizes, args.runs, args.seed, args.keep, args.reuse)
        else:
            result["postgresql"] = "skipped: PostgreSQL does not answer"
    emit(result)


if __name__ == "__main__":
    main()
