"""A shop's wishes page at scale: 100,000 wishes on one shop, more spread over others.

    .venv/bin/python bench/wishes.py [--small] [--backend sqlite|postgresql|both]

Builds its own data: 2,000 people, 400 shops, 4,000 listings, 100,000 wishes on the
busiest shop (85% open, the rest accepted / made / declined; votes and pledged value
skewed, most wishes have none) and 50,000 over the other shops (``--small``: 10,000 and
5,000).

Measures ``wishes.list_wishes`` as the page's event handler calls it (a new session per
call, a signed-in viewer, so the viewer's votes and pledges are looked up too):
- the first page sorted by votes, and by pledged value;
- a later page (the 10th, through the keyset cursor) in both sorts;
- the page where the open wishes end and the accepted ones begin;
- one wish's page (``get_wish``).

Target: every page's database time p95 <= 15 ms.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta

from common import DbClock, analyze, emit, fresh_engine, private_environment, summary_ms

TARGET_MS = 15.0


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _engine(backend: str):
    return fresh_engine(backend, "wishes")


def _build(engine, *, users: int, shops: int, busy: int, spread: int) -> tuple[str, list[int]]:
    """Fill the database; returns the busy shop's address and some viewers."""
    from sqlalchemy import text

    from social_market.demo import bulk

    started = time.perf_counter()
    bulk.build(engine, shops=shops, listings=shops * 10, users=users, seed=5)
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        shop_rows = conn.execute(text("SELECT id, slug, owner_id FROM shop ORDER BY id")).all()
    busy_shop, slug, owner = shop_rows[0]
    others = [r[0] for r in shop_rows[1:]]
    people = [u for u in range(1, users + 1) if u != owner]
    rnd = random.Random(9)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    states = ["open"] * 17 + ["accepted", "made", "declined"]
    total = busy + spread

    def wish_rows():
        for n in range(1, total + 1):
            shop = busy_shop if n <= busy else rnd.choice(others)
            state = rnd.choice(states)
            votes = int(rnd.paretovariate(1.3)) - 1 if rnd.random() < 0.6 else 0
            pledges = rnd.randint(1, 6) if rnd.random() < 0.3 else 0
            quantity = pledges * rnd.randint(1, 2)
            value = quantity * rnd.randint(5, 200) * 100
            when = bulk._fmt(start + timedelta(seconds=n * 30), sqlite)
            yield (
                n, shop, rnd.choice(people), f"Wish {n}", "Bench wish", None,
                rnd.choice([None, 2500, 4000]), "EUR", state, min(votes, 5000), pledges,
                value, quantity, "", when, when,
            )  # fmt: skip

    bulk._Rows(
        engine,
        "wish",
        "id shop_id author_id title description photo_key price_cents currency state "
        "vote_count pledge_count pledged_cents pledged_quantity answer created_at updated_at",
    ).write(wish_rows())
    viewers = rnd.sample(people, 50)
    with engine.begin() as conn:
        # The viewers voted for some of the busiest wishes (their marks are looked up).
        top = [
            r[0]
            for r in conn.execute(
                text(
                    "SELECT id FROM wish WHERE shop_id = :s AND state = 'open' "
                    "ORDER BY vote_count DESC, id DESC LIMIT 400"
                ),
                {"s": busy_shop},
            )
        ]
    seen = set()

    def vote_rows():
        now = bulk._fmt(start, sqlite)
        for viewer in viewers:
            for wid in rnd.sample(top, 40):
                if (wid, viewer) not in seen:
                    seen.add((wid, viewer))
                    yield (wid, viewer, now)

    bulk._Rows(engine, "wish_vote", "wish_id user_id created_at").write(vote_rows())
    with engine.begin() as conn:
        if not sqlite:
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence('wish', 'id'), :n)"), {"n": total + 1}
            )
    analyze(engine, ("wish", "wish_vote", "wish_pledge", "shop", "user_account"))
    _log(f"  built in {time.perf_counter() - started:.0f} s")
    return slug, viewers


def _measure(engine, runs: int, slug: str, viewers: list[int]) -> dict:
    from sqlalchemy import event, text
    from sqlmodel import Session

    from social_market.services import wishes

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

    def cursor_after(sort: str, pages: int) -> str:
        cursor = ""
        with Session(engine) as session:
            for _ in range(pages):
                cursor = wishes.list_wishes(
                    session=session, shop_slug=slug, sort=sort, cursor=cursor
                ).next_cursor
        return cursor

    with engine.connect() as conn:
        open_count = conn.execute(
            text(
                "SELECT count(*) FROM wish JOIN shop ON shop.id = wish.shop_id "
                "WHERE shop.slug = :slug AND wish.state = 'open'"
            ),
            {"slug": slug},
        ).scalar_one()
        wish_ids = [r[0] for r in conn.execute(text("SELECT id FROM wish LIMIT 5000"))]
    # The page that ends the open wishes: its cursor is the one before it.
    boundary = "0.0.1"  # votes 0 and below the lowest id: the open list has ended
    cases = {
        "votes_first_page": ("votes", ""),
        "pledged_first_page": ("pledged", ""),
        "votes_page_10": ("votes", cursor_after("votes", 9)),
        "pledged_page_10": ("pledged", cursor_after("pledged", 9)),
        "open_to_accepted_page": ("votes", boundary),
    }
    out: dict = {"open_wishes_on_busy_shop": open_count}
    # The floor on this machine right now: two bare round trips, as a page makes.
    floor = []
    for _ in range(runs):
        floor.append(
            timed(lambda s: [s.exec(text("SELECT 1")).all() for _ in range(2)])[1]  # type: ignore[call-overload]
        )
    out["floor_two_select_1"] = {"db": summary_ms(floor)}
    for name, (sort, cursor) in cases.items():
        wall, db, counts = [], [], set()
        for _ in range(runs):
            me = rng.choice(viewers)
            w, d, n = timed(
                lambda s, me=me, sort=sort, cursor=cursor: wishes.list_wishes(
                    session=s, shop_slug=slug, viewer_id=me, sort=sort, cursor=cursor
                )
            )
            wall.append(w)
            db.append(d)
            counts.add(n)
        out[name] = {"db": summary_ms(db), "wall": summary_ms(wall), "statements": sorted(counts)}
    wall, db = [], []
    for _ in range(runs):
        wid, me = rng.choice(wish_ids), rng.choice(viewers)
        w, d, _ = timed(
            lambda s, wid=wid, me=me: wishes.get_wish(session=s, wish_id=wid, viewer_id=me)
        )
        wall.append(w)
        db.append(d)
    out["wish_page"] = {"db": summary_ms(db), "wall": summary_ms(wall)}
    worst = max(
        v["db"]["p95_ms"]
        for k, v in out.items()
        if isinstance(v, dict) and "db" in v and not k.startswith("floor")
    )
    out["worst_db_p95_ms"] = worst
    out["met"] = worst <= TARGET_MS
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--runs", type=int, default=0)
    args = parser.parse_args()
    private_environment()
    users, shops = 2_000, 400
    busy, spread = (10_000, 5_000) if args.small else (100_000, 50_000)
    runs = args.runs or (60 if args.small else 200)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    result: dict = {
        "size": {"users": users, "shops": shops, "busy_shop_wishes": busy, "spread": spread},
        "targets": {"page_db_p95_ms": TARGET_MS},
    }
    for backend in backends:
        try:
            engine = _engine(backend)
        except Exception as exc:  # PostgreSQL not running: say so, measure the rest
            result[backend] = {"skipped": str(exc)[:200]}
            continue
        started = time.perf_counter()
        slug, viewers = _build(engine, users=users, shops=shops, busy=busy, spread=spread)
        _log(f"{backend}: built in {time.perf_counter() - started:.0f} s")
        result[backend] = {
            "build_s": round(time.perf_counter() - started),
            **_measure(engine, runs, slug, viewers),
        }
        engine.dispose()
    emit(result)


if __name__ == "__main__":
    main()
