"""Computing recommendations at scale: a full run, an incremental run, reading them.

    .venv/bin/python bench/recommend_scale.py [--small] [--backend sqlite|postgresql|both]

Builds its own data (demo/bulk.py for people, shops and listings, then bare inserts):
10,000 people, 5,000 shops, 200,000 listings and 1,000,000 favourites and purchases
(four favourites to one purchase; a third of the purchases reviewed with 4–5 stars),
~300,000 follows, 10,000 "not interested", some blocks; people's taste is planted over
the 31 leaf categories (1–3 each) with popular pieces, bestsellers and noise, and how
much people do is heavy-tailed (a few hundred do thousands of things). ``--small``:
everything ten times smaller. SQLite by default; PostgreSQL in the private schema
``bench_recommend`` (TEST_DATABASE_URL or the local server).

Measures, each run in a fresh child process so that its peak memory (VmHWM, the whole
process: Python, the app's imports, the data and the model; on SQLite also the pages
of the database file it read through mmap) is its own:
- a full run (``recommendations.compute``): seconds (load / model / write) and peak MB;
- an incremental run for 10 people who just hearted something (``compute_dirty``);
- ``for_user`` (12 cards) and ``taste_neighbours`` for random people: p50/p95 ms.

Targets: full run <= 300 s and <= 2 GB; the incremental run much faster (<= 15 s).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime

import numpy as np
from common import analyze, emit, private_environment, summary_ms
from recommend_eval import listing_table, sqlite_engine, write_interactions

FULL_TARGET_S = 300.0
MEMORY_TARGET_MB = 2048.0
INCREMENTAL_TARGET_S = 15.0
DIRTY = 10
SCHEMA = "bench_recommend"
PG_URL = os.environ.get("TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _pg_url() -> str:
    return PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)


def _engine(url: str):
    from social_market.db import make_engine

    if url.startswith("postgresql"):
        return make_engine(url, connect_args={"options": f"-csearch_path={SCHEMA}"})
    return make_engine(url)


def _pg_engine():
    from alembic import command
    from sqlalchemy import text

    from social_market import migrations
    from social_market.db import make_engine

    admin = make_engine(_pg_url())
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))
    admin.dispose()
    engine = _engine(_pg_url())
    cfg = migrations.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return engine


def _plant(listings: dict[str, np.ndarray], users: int, interactions: int, seed: int) -> dict:
    """Heavy-tailed, taste-grouped interactions, vectorised (a million in seconds)."""
    rng = np.random.default_rng(seed)
    live = listings["active"] | (rng.random(len(listings["id"])) < 0.02)  # a few sold out
    ids, cats = listings["id"][live], listings["category"][live]
    groups = np.unique(cats)
    per_group = []
    for g in groups:
        members = ids[cats == g].copy()
        rng.shuffle(members)
        w = 1.0 / (np.arange(len(members)) + 10.0)
        per_group.append((members, np.cumsum(w) / w.sum()))
    bestsellers = rng.choice(ids, size=500, replace=False)
    best_cum = np.cumsum(1.0 / (np.arange(500) + 5.0))
    best_cum /= best_cum[-1]

    # How much each person does: log-normal, scaled to the total (3 … 3,000 each).
    activity = np.clip(rng.lognormal(4.2, 0.9, users), 3, 3000)
    counts = np.maximum(3, np.round(activity * interactions * 1.3 / activity.sum())).astype(int)
    person = np.repeat(np.arange(1, users + 1), counts)
    n = len(person)
    taste = rng.integers(0, len(groups), size=(users + 1, 3))
    n_groups = rng.choice([1, 2, 3], p=[0.5, 0.35, 0.15], size=users + 1)
    which = (rng.random(n) * n_groups[person]).astype(int)
    group_of = taste[person, which]
    roll = rng.random(n)
    items = np.empty(n, dtype=np.int64)
    in_group = roll < 0.75
    for gi, (members, cum) in enumerate(per_group):
        sel = in_group & (group_of == gi)
        items[sel] = members[np.searchsorted(cum, rng.random(sel.sum()))]
    sel = (roll >= 0.75) & (roll < 0.85)
    items[sel] = bestsellers[np.searchsorted(best_cum, rng.random(sel.sum()))]
    sel = roll >= 0.85
    items[sel] = rng.choice(ids, size=sel.sum())
    # Distinct (person, listing) pairs; drawn with room to spare, then a random subset.
    pairs = np.unique(person * 10_000_000 + items)
    pairs = np.sort(rng.choice(pairs, size=min(interactions, len(pairs)), replace=False))
    pairs = np.stack([pairs // 10_000_000, pairs % 10_000_000], axis=1)
    bought = rng.random(len(pairs)) < 0.2
    purchases = pairs[bought]
    good_reviews = np.flatnonzero(rng.random(len(purchases)) < 0.33)

    follows = set()
    everyone = np.arange(1, users + 1)
    by_taste: dict[int, np.ndarray] = {
        int(g): everyone[taste[1:, 0] == g] for g in range(len(groups))
    }
    for p in range(1, users + 1):
        k = int(np.clip(rng.lognormal(3.0, 0.8), 2, 400))
        same = by_taste[int(taste[p, 0])]
        picks = np.concatenate(
            [rng.choice(same, size=k // 2), rng.choice(everyone, size=k - k // 2)]
        )
        follows.update((p, int(o)) for o in picks.tolist() if o != p)
    dismissed = np.unique(
        np.stack([rng.integers(1, users + 1, 10_000), rng.choice(ids, 10_000)], axis=1), axis=0
    )
    seen = set(map(tuple, pairs.tolist()))
    dismissed = np.array([d for d in dismissed.tolist() if tuple(d) not in seen], dtype=np.int64)
    return {
        "favourites": pairs[~bought],
        "purchases": purchases,
        "good_reviews": good_reviews,
        "follows": np.array(sorted(follows), dtype=np.int64),
        "dismissed": dismissed,
    }


def _build(engine, *, users: int, shops: int, listings: int, interactions: int) -> dict:
    from sqlalchemy import text

    from social_market.demo import bulk

    started = time.perf_counter()
    bulk.build(engine, shops=shops, listings=listings, users=users, seed=5)
    _log(f"  people, shops, listings: {time.perf_counter() - started:.0f} s")
    table = listing_table(engine)
    plan = _plant(table, users, interactions, seed=5)
    _log(
        f"  planted {len(plan['favourites'])} favourites, {len(plan['purchases'])} purchases,"
        f" {len(plan['follows'])} follows: {time.perf_counter() - started:.0f} s"
    )
    write_interactions(engine, table, **plan)
    rnd = random.Random(5)
    with engine.begin() as conn:
        # Privacy: a fifth keep favourites to themselves, a fifth show them to everyone.
        conn.execute(
            text(
                "UPDATE user_account SET privacy_favourites ="
                " CASE id % 5 WHEN 0 THEN 0 WHEN 1 THEN 2 ELSE 1 END"
            )
        )
        pairs = {(rnd.randint(1, users), rnd.randint(1, users)) for _ in range(users // 50)}
        conn.execute(
            text("INSERT INTO block (blocker_id, blocked_id, created_at) VALUES (:a, :b, :t)"),
            [{"a": a, "b": b, "t": datetime.now(UTC)} for a, b in pairs if a != b],
        )
    analyze(engine, ("user_account", "block"))
    return {
        "favourites": len(plan["favourites"]),
        "purchases": len(plan["purchases"]),
        "good_reviews": len(plan["good_reviews"]),
        "follows": len(plan["follows"]),
        "not_interested": len(plan["dismissed"]),
    }


def _child(url: str, what: str) -> dict:
    """Run the job in a fresh process (this script with --run) and read its figures."""
    out = subprocess.run(
        [sys.executable, __file__, "--run", what, "--url", url],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ},
    )
    if out.stderr.strip():
        _log(out.stderr.strip()[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def _peak_mb() -> float:
    """This process's peak resident memory. VmHWM, because ru_maxrss survives exec on
    Linux and would report the (big) parent that started this child."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run(url: str, what: str) -> None:
    """The child: one run of the job, then its time and peak memory as JSON."""
    from social_market.services import recommendations

    engine = _engine(url)
    base_mb = _peak_mb()
    started = time.perf_counter()
    if what == "full":
        result = recommendations.compute(engine)
    else:
        result = recommendations.compute_dirty(engine)
    wall = time.perf_counter() - started
    peak_mb = _peak_mb()
    print(
        json.dumps(
            {
                **result,
                "wall_s": round(wall, 2),
                "peak_rss_mb": round(peak_mb),
                "rss_before_mb": round(base_mb),
            }
        )
    )


def _dirty_some(engine, users: int) -> list[int]:
    """Ten people heart one more listing each and are marked dirty, as the hooks would."""
    from sqlalchemy import text
    from sqlmodel import Session

    from social_market.services import favourites, recommendations

    rnd = random.Random(3)
    with engine.connect() as conn:
        active = [r[0] for r in conn.execute(text("SELECT id FROM listing WHERE state='active'"))]
    chosen = []
    with Session(engine) as session:
        while len(chosen) < DIRTY:
            uid = rnd.randint(1, users)
            if uid in chosen:
                continue
            listing = rnd.choice(active)
            try:
                favourites.set_listing_favourite(
                    session=session, user_id=uid, listing_id=listing, on=True
                )
            except Exception:  # noqa: S112 - a suspended/own listing: take another person
                continue
            recommendations.mark_dirty(session, uid)
            chosen.append(uid)
        session.commit()
    return chosen


def _reads(engine, users: int, runs: int) -> dict:
    from sqlmodel import Session

    from social_market.services import recommendations

    rnd = random.Random(9)
    cards, people, sizes = [], [], []
    for _ in range(runs):
        uid = rnd.randint(1, users)
        started = time.perf_counter()
        with Session(engine) as session:
            got = recommendations.for_user(session=session, viewer_id=uid, limit=12)
        cards.append(time.perf_counter() - started)
        sizes.append(len(got))
        started = time.perf_counter()
        with Session(engine) as session:
            recommendations.taste_neighbours(session=session, viewer_id=uid)
        people.append(time.perf_counter() - started)
    return {
        "for_user_12": summary_ms(cards),
        "taste_neighbours_6": summary_ms(people),
        "cards_per_page_min": min(sizes),
    }


def _measure(backend: str, size: dict, small: bool) -> dict:
    if backend == "sqlite":
        engine = sqlite_engine("sm-bench-recscale-")
        url = str(engine.url)
    else:
        engine = _pg_engine()
        url = _pg_url()
    started = time.perf_counter()
    built = _build(engine, **size)
    build_s = time.perf_counter() - started
    _log(f"{backend}: built in {build_s:.0f} s")
    full = _child(url, "full")
    _log(f"{backend}: full run {full}")
    chosen = _dirty_some(engine, size["users"])
    incremental = _child(url, "dirty")
    _log(f"{backend}: incremental run {incremental}")
    reads = _reads(engine, size["users"], 100 if small else 300)
    engine.dispose()
    return {
        "built": built,
        "build_s": round(build_s),
        "full": full,
        "incremental": {**incremental, "dirty_people": len(chosen)},
        "reads": reads,
        "met": {
            "full_time": full["seconds"] <= FULL_TARGET_S,
            "full_memory": full["peak_rss_mb"] <= MEMORY_TARGET_MB,
            "incremental_time": incremental["seconds"] <= INCREMENTAL_TARGET_S,
            "incremental_faster_x": round(full["seconds"] / max(incremental["seconds"], 1e-3), 1),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--run", choices=("full", "dirty"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        from common import PROJECT_ROOT

        sys.path.insert(0, str(PROJECT_ROOT))
        _run(args.url, args.run)
        return
    private_environment()
    scale = 10 if args.small else 1
    size = {
        "users": 10_000 // scale,
        "shops": 5_000 // scale,
        "listings": 200_000 // scale,
        "interactions": 1_000_000 // scale,
    }
    result: dict = {
        "bench": "recommend_scale",
        "size": size,
        "targets": {
            "full_s": FULL_TARGET_S,
            "peak_mb": MEMORY_TARGET_MB,
            "incremental_s": INCREMENTAL_TARGET_S,
        },
    }
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        try:
            result[backend] = _measure(backend, size, args.small)
        except Exception as exc:  # PostgreSQL not running: say so, measure the rest
            if backend == "sqlite":
                raise
            result[backend] = {"skipped": str(exc)[:300]}
    emit(result)


if __name__ == "__main__":
    main()
