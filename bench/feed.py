"""The activity feed at social scale: first and next pages, and posting to 5,000 followers.

    .venv/bin/python bench/feed.py [--small] [--backend sqlite|postgresql|both]

Builds its own data: 10,000 people, 2,000 shops, 1,000,000 activities (30% shop posts,
the rest favourites and follows), people following 20–500 others and 1–50 shops, one
shop followed by 5,000 (``--small``: 1,000 / 200 / 60,000, the big shop by 500).

Measures, with a new session per call as an event handler does:
- ``feed.feed_page`` first page and the next page for random people (heavy followers
  included), with the SQL statements each sends (constant: no N+1);
- ``posts.create_post`` + commit by the shop with 5,000 followers (the request's part;
  telling followers' open feeds happens after commit in a thread).

Targets: feed page p95 <= 20 ms of database time (the wall time is reported beside it);
posting p95 <= 50 ms; at most 14 statements per page.
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

FEED_TARGET_MS = 20.0
POST_TARGET_MS = 50.0
MAX_STATEMENTS = 14
PG_URL = os.environ.get("TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _engine(backend: str, reuse: bool = False):
    from sqlalchemy import text

    from social_market import migrations
    from social_market.db import make_engine

    if backend == "sqlite":
        path = Path(tempfile.mkdtemp(prefix="sm-bench-feed-")) / "feed.db"
        url = f"sqlite:///{path}"
        migrations.upgrade(url)
        return make_engine(url, connect_args=timed_connect_args("sqlite"))
    url = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    timed = {"options": "-csearch_path=bench_feed", **timed_connect_args("postgresql")}
    if reuse:  # measure again on the data a previous run built (same size)
        return make_engine(url, connect_args=timed)
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text('DROP SCHEMA IF EXISTS "bench_feed" CASCADE'))
        conn.execute(text('CREATE SCHEMA "bench_feed"'))
    admin.dispose()
    engine = make_engine(url, connect_args=timed)
    cfg = migrations.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        from alembic import command

        command.upgrade(cfg, "head")
    return engine


def _build(engine, *, users: int, shops: int, activities: int, big: int) -> None:
    from sqlalchemy import text

    from social_market.demo import bulk

    bulk.build(engine, shops=shops, listings=shops * 10, users=users, seed=3)
    rnd = random.Random(5)
    with engine.begin() as conn:
        user_ids = [r[0] for r in conn.execute(text("SELECT id FROM user_account"))]
        shop_rows = conn.execute(text("SELECT id, owner_id FROM shop ORDER BY id")).all()
        listing_ids = [
            r[0] for r in conn.execute(text("SELECT id FROM listing WHERE state='active'"))
        ]
        follows, fav_shops = set(), set()
        for uid in user_ids:
            for other in rnd.sample(
                user_ids, min(len(user_ids) - 1, rnd.choice([20, 50, 100, 500]))
            ):
                if other != uid:
                    follows.add((uid, other))
            for sid, _ in rnd.sample(shop_rows, min(len(shop_rows), rnd.randint(1, 50))):
                fav_shops.add((uid, sid))
        big_shop = shop_rows[0][0]
        for uid in user_ids[:big]:
            fav_shops.add((uid, big_shop))
        now = datetime.now(UTC)
        conn.execute(
            text("INSERT INTO follow (follower_id, followee_id, created_at) VALUES (:a, :b, :t)"),
            [{"a": a, "b": b, "t": now} for a, b in follows],
        )
        conn.execute(
            text("INSERT INTO favourite_shop (user_id, shop_id, created_at) VALUES (:a, :b, :t)"),
            [{"a": a, "b": b, "t": now} for a, b in fav_shops],
        )
        n_posts = int(activities * 0.3)
        start = now - timedelta(days=365)
        step = timedelta(days=365) / activities
        posts, acts = [], []
        post_id = 0
        for i in range(activities):
            when = start + step * i
            if rnd.random() < 0.3 and post_id < n_posts:
                post_id += 1
                sid, owner = shop_rows[0] if rnd.random() < 0.02 else rnd.choice(shop_rows)
                posts.append(
                    {"id": post_id, "s": sid, "a": owner, "b": f"News {post_id}", "t": when}
                )
                acts.append(
                    {
                        "k": "post",
                        "a": owner,
                        "s": sid,
                        "p": post_id,
                        "l": None,
                        "u": None,
                        "t": when,
                    }
                )
            elif rnd.random() < 0.6:
                acts.append(
                    {
                        "k": "favourite",
                        "a": rnd.choice(user_ids),
                        "s": None,
                        "p": None,
                        "l": rnd.choice(listing_ids),
                        "u": None,
                        "t": when,
                    }
                )
            else:
                acts.append(
                    {
                        "k": "follow",
                        "a": rnd.choice(user_ids),
                        "s": None,
                        "p": None,
                        "l": None,
                        "u": rnd.choice(user_ids),
                        "t": when,
                    }
                )
        conn.execute(
            text(
                "INSERT INTO post (id, shop_id, author_id, kind, body, audience, like_count,"
                " comment_count, created_at) VALUES (:id, :s, :a, 'news', :b, 2, 0, 0, :t)"
            ),
            posts,
        )
        for chunk in range(0, len(acts), 50_000):
            conn.execute(
                text(
                    "INSERT INTO activity (kind, actor_id, shop_id, post_id, listing_id,"
                    " target_user_id, audience, created_at) VALUES (:k, :a, :s, :p, :l, :u, 2, :t)"
                ),
                acts[chunk : chunk + 50_000],
            )
        if engine.dialect.name == "postgresql":
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence('post', 'id'), :n)"), {"n": post_id}
            )
    # The visibility map lets index-only scans skip the heap.
    analyze(
        engine,
        ("user_account", "shop", "listing", "follow", "favourite_shop", "post", "activity"),
    )


def _measure(engine, runs: int, big: int) -> dict:
    from sqlalchemy import event, text
    from sqlmodel import Session

    from social_market.services import feed, posts, ratelimit

    with engine.connect() as conn:
        people = [r[0] for r in conn.execute(text("SELECT id FROM user_account ORDER BY id"))]
        big_owner = conn.execute(text("SELECT owner_id FROM shop ORDER BY id LIMIT 1")).scalar()
    rng = random.Random(9)
    statements = [0]
    event.listen(
        engine, "before_cursor_execute", lambda *a: statements.__setitem__(0, statements[0] + 1)
    )
    first, nxt, counts = [], [], set()
    first_db, next_db = [], []
    for _ in range(runs):
        me = rng.choice(people[:big]) if rng.random() < 0.3 else rng.choice(people)
        statements[0] = 0
        DbClock.reset()
        started = time.perf_counter()
        with Session(engine, expire_on_commit=False) as session:
            page = feed.feed_page(session=session, viewer_id=me)
        first.append(time.perf_counter() - started)
        first_db.append(DbClock.seconds)
        counts.add(statements[0])
        if page.next_cursor:
            DbClock.reset()
            started = time.perf_counter()
            with Session(engine, expire_on_commit=False) as session:
                feed.feed_page(session=session, viewer_id=me, cursor=page.next_cursor)
            nxt.append(time.perf_counter() - started)
            next_db.append(DbClock.seconds)
    posting = []
    for i in range(max(20, runs // 5)):
        ratelimit.reset_all()
        started = time.perf_counter()
        with Session(engine, expire_on_commit=False) as session:
            posts.create_post(
                session=session, actor_id=big_owner, form={"kind": "news", "body": f"bench {i}"}
            )
            session.commit()
        posting.append(time.perf_counter() - started)
    f, n, p = summary_ms(first), summary_ms(nxt), summary_ms(posting)
    fdb, ndb = summary_ms(first_db), summary_ms(next_db)
    return {
        # Database time (inside the driver: execute + fetch) is what the target is about;
        # the wall time also holds building the cards in Python.
        "feed_first_page_db": fdb,
        "feed_next_page_db": ndb,
        "feed_first_page_wall": f,
        "feed_next_page_wall": n,
        "statements_per_page": sorted(counts),
        "post_to_big_audience": p,
        "met": {
            "feed_db_p95": fdb["p95_ms"] <= FEED_TARGET_MS and ndb["p95_ms"] <= FEED_TARGET_MS,
            "post_p95": p["p95_ms"] <= POST_TARGET_MS,
            # Bounded whatever the page holds (pages without shares or posts skip a query).
            "statements_bounded": max(counts) <= MAX_STATEMENTS,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--runs", type=int, default=0)
    parser.add_argument(
        "--reuse-postgresql",
        action="store_true",
        help="measure on the schema bench_feed a previous run of the same size left",
    )
    args = parser.parse_args()
    private_environment()
    if args.small:
        users, shops, activities, big = 1_000, 200, 60_000, 500
    else:
        users, shops, activities, big = 10_000, 2_000, 1_000_000, 5_000
    runs = args.runs or (100 if args.small else 300)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    result: dict = {
        "size": {
            "users": users,
            "shops": shops,
            "activities": activities,
            "big_shop_followers": big,
        },
        "targets": {"feed_p95_ms": FEED_TARGET_MS, "post_p95_ms": POST_TARGET_MS},
    }
    for backend in backends:
        reuse = backend == "postgresql" and args.reuse_postgresql
        try:
            engine = _engine(backend, reuse)
        except Exception as exc:  # PostgreSQL not running: say so, measure the rest
            result[backend] = {"skipped": str(exc)[:200]}
            continue
        started = time.perf_counter()
        if not reuse:
            _build(engine, users=users, shops=shops, activities=activities, big=big)
        _log(f"{backend}: built in {time.perf_counter() - started:.0f} s")
        result[backend] = {
            "build_s": round(time.perf_counter() - started),
            **_measure(engine, runs, big),
        }
        engine.dispose()
    emit(result)


if __name__ == "__main__":
    main()
