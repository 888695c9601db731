"""The maker's listening inbox at scale: one shop with 200,000 things said.

    .venv/bin/python bench/listening.py [--small] [--backend sqlite|postgresql|both]

Builds its own data: 2,000 people (authors), a few shops, and for the measured shop
200,000 listening rows (``--small``: 20,000) of all kinds, 3% unanswered (``--unanswered``),
spread over the id range; some authors blocked by the maker. Measures ``listening.inbox`` (a new
session per call, as an event handler does) for: the first page (unanswered), the
first page of everything (unanswered then replied), one kind, and later pages by
cursor (deep in the replied range, across the boundary), each with and without a kind
filter. Database time (driver execute + fetch) beside wall time.

Target: p95 <= 15 ms of database time for every case.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta

from common import DbClock, analyze, emit, fresh_engine, private_environment, summary_ms

TARGET_MS = 15.0
KINDS = ("message", "comment", "mention", "review", "wish", "thread")


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _engine(backend: str):
    return fresh_engine(backend, "listening")


def _build(engine, items: int, unanswered: float) -> tuple[int, int]:
    """Returns (the measured shop's owner id, its shop id)."""
    from sqlalchemy import text

    from social_market.demo import bulk

    bulk.build(engine, shops=5, listings=10, users=2_000, seed=11)
    rng = random.Random(5)
    with engine.begin() as conn:
        shop_id, owner_id = conn.execute(
            text("SELECT id, owner_id FROM shop ORDER BY id LIMIT 1")
        ).one()
        other_shops = [
            r[0] for r in conn.execute(text("SELECT id FROM shop WHERE id <> :s"), {"s": shop_id})
        ]
        authors = [
            r[0]
            for r in conn.execute(
                text("SELECT id FROM user_account WHERE id <> :o"), {"o": owner_id}
            )
        ]
        for blocked in rng.sample(authors, 20):
            conn.execute(
                text("INSERT INTO block (blocker_id, blocked_id, created_at) VALUES (:a, :b, :t)"),
                {"a": owner_id, "b": blocked, "t": datetime.now(UTC)},
            )
        start = datetime(2025, 1, 1, tzinfo=UTC)
        insert = text(
            "INSERT INTO listening_item (shop_id, kind, subject_kind, subject_id, author_id,"
            " snippet, link, answered, answered_at, created_at)"
            " VALUES (:shop, :kind, :sk, :sid, :author, :snippet, :link, :answered, :at, :created)"
        )
        batch = []
        total = items + items // 10  # the other shops' rows share the table
        for n in range(total):
            shop = shop_id if n % 11 else rng.choice(other_shops)
            answered = rng.random() >= unanswered
            created = start + timedelta(seconds=n * 60)
            batch.append(
                {
                    "shop": shop,
                    "kind": rng.choice(KINDS),
                    "sk": "bench",
                    "sid": n,
                    "author": rng.choice(authors),
                    "snippet": f"Question number {n} about the blue bowl, does it come in green?",
                    "link": f"/listing/{n}",
                    "answered": answered,
                    "at": created if answered else None,
                    "created": created,
                }
            )
            if len(batch) == 5_000:
                conn.execute(insert, batch)
                batch = []
        if batch:
            conn.execute(insert, batch)
    analyze(engine, ("listening_item", "block", "user_account", "shop"))
    return owner_id, shop_id


def _measure(engine, runs: int, owner_id: int, shop_id: int) -> dict:
    from sqlalchemy import event, text
    from sqlmodel import Session

    from social_market.services import listening

    with engine.connect() as conn:
        answered_ids = [
            r[0]
            for r in conn.execute(
                text("SELECT id FROM listening_item WHERE shop_id = :s AND answered LIMIT 50000"),
                {"s": shop_id},
            )
        ]
        unanswered_ids = [
            r[0]
            for r in conn.execute(
                text(
                    "SELECT id FROM listening_item WHERE shop_id = :s AND NOT answered LIMIT 5000"
                ),
                {"s": shop_id},
            )
        ]
    rng = random.Random(9)
    statements = [0]
    event.listen(
        engine, "before_cursor_execute", lambda *a: statements.__setitem__(0, statements[0] + 1)
    )

    def page(**kw):
        # Later pages are fetched as the page's "Load more" does: without the chips' counts.
        kw.setdefault("with_counts", "cursor" not in kw)
        return lambda s: listening.inbox(session=s, actor_id=owner_id, **kw)

    cases = {
        "first_page_unanswered": lambda: page(),
        "first_page_all": lambda: page(state="all"),
        "first_page_kind": lambda: page(kind=rng.choice(KINDS), state="all"),
        "later_page_answered": lambda: page(state="all", cursor=f"a{rng.choice(answered_ids)}"),
        "later_page_answered_kind": lambda: page(
            kind=rng.choice(KINDS), state="all", cursor=f"a{rng.choice(answered_ids)}"
        ),
        "later_page_across_boundary": lambda: page(state="all", cursor=f"u{min(unanswered_ids)}"),
        "later_page_unanswered_kind": lambda: page(
            kind=rng.choice(KINDS), cursor=f"u{rng.choice(unanswered_ids)}"
        ),
    }
    out: dict = {}
    for name, make in cases.items():
        for _ in range(5):  # warm up
            with Session(engine) as session:
                make()(session)
        wall, db, stmts, rows = [], [], 0, 0
        for _ in range(runs):
            call = make()
            statements[0] = 0
            DbClock.reset()
            started = time.perf_counter()
            with Session(engine, expire_on_commit=False) as session:
                result = call(session)
            wall.append(time.perf_counter() - started)
            db.append(DbClock.seconds)
            stmts = max(stmts, statements[0])
            rows = len(result.items)
        out[name] = {
            "db": summary_ms(db),
            "wall": summary_ms(wall),
            "statements": stmts,
            "rows": rows,
        }
        _log(f"  {name}: db {out[name]['db']} wall {out[name]['wall']}")
    out["max_db_p95_ms"] = max(v["db"]["p95_ms"] for v in out.values() if isinstance(v, dict))
    out["meets_target"] = out["max_db_p95_ms"] <= TARGET_MS
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--runs", type=int, default=0)
    parser.add_argument(
        "--unanswered",
        type=float,
        default=0.03,
        help="share of rows unanswered (0.03: 6,000 of 200,000, more than the chips count)",
    )
    args = parser.parse_args()
    private_environment()
    items = 20_000 if args.small else 200_000
    runs = args.runs or (50 if args.small else 200)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    result: dict = {
        "size": {"items": items, "unanswered_share": args.unanswered},
        "targets": {"db_p95_ms": TARGET_MS},
    }
    for backend in backends:
        try:
            engine = _engine(backend)
        except Exception as exc:  # PostgreSQL not running: say so, measure the rest
            result[backend] = {"skipped": str(exc)[:200]}
            continue
        started = time.perf_counter()
        owner_id, shop_id = _build(engine, items, args.unanswered)
        _log(f"{backend}: built in {time.perf_counter() - started:.0f} s")
        result[backend] = {
            "build_s": round(time.perf_counter() - started),
            **_measure(engine, runs, owner_id, shop_id),
        }
        engine.dispose()
    emit(result)


if __name__ == "__main__":
    main()
