"""Team forums at scale: thread pages and team thread lists with 1,000,000 forum posts.

    .venv/bin/python bench/forum.py [--small] [--backend sqlite|postgresql|both]

Builds its own data: 5,000 people, 300 teams of 20–200 members, 20,000 threads and
1,000,000 posts, one thread holding 100,000 of them and its team 3,000 threads, with
posts interleaved over time as real forums grow (``--small``: 2,000 people, 60 teams,
4,000 threads, 100,000 posts, the big thread 10,000).

Measures, with a new session per call as an event handler does, the service calls the
pages make (``forums.thread_view`` and ``forums.threads``):
- the big thread's first page and a page in its middle (keyset by post id);
- a random ordinary thread's first page;
- the big team's thread list, first page and a later page;
- a raw SQL reference for the big thread's middle page (the floor).

Target: thread page and thread list p95 <= 15 ms of database time.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta

from common import DbClock, analyze, emit, fresh_engine, private_environment, summary_ms

TARGET_MS = 15.0
WORDS = [
    "wood",
    "bowl",
    "maple",
    "beech",
    "lathe",
    "gouge",
    "finish",
    "oil",
    "wax",
    "grain",
    "sanding",
    "chuck",
    "spindle",
    "green",
    "dry",
    "crack",
    "blank",
    "turning",
    "tool",
    "sharpen",
    "edge",
    "hollow",
    "form",
    "walnut",
    "cherry",
    "ash",
]


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _engine(backend: str):
    return fresh_engine(backend, "forum")


def _build(engine, *, users: int, teams: int, threads: int, posts: int, big: int) -> dict:
    from sqlalchemy import text

    from social_market.demo import bulk

    started = time.perf_counter()
    sqlite = engine.dialect.name == "sqlite"
    bulk.build(engine, shops=100, listings=200, users=users, seed=5)
    _log(f"  people: {time.perf_counter() - started:.0f} s")
    rnd = random.Random(9)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    people = list(range(1, users + 1))
    # Team 1 is the busy one: many members and threads, and the 100,000-post thread.
    members: dict[int, list[int]] = {}
    for team in range(1, teams + 1):
        size = 200 if team == 1 else rnd.randint(20, 200)
        chosen = rnd.sample(people, size)
        if team not in chosen:
            chosen[0] = team  # the captain is user <team>
        members[team] = [team, *[u for u in chosen if u != team]]
    big_team_threads = threads * 3 // 20
    thread_team = [1] * big_team_threads + [
        rnd.randint(2, teams) for _ in range(threads - big_team_threads)
    ]
    thread_author = [rnd.choice(members[t]) for t in thread_team]
    # Post n (1-based) belongs to: the big thread (1) for every k-th post, else a
    # random thread; each thread's opening post comes first.
    every = max(1, posts // big)
    reply_count = [0] * (threads + 1)
    last_post = [0] * (threads + 1)
    first_post = [0] * (threads + 1)
    owner: list[int] = [0] * (posts + 1)
    non_big = [n for n in range(2, posts + 1) if n % every != 0]
    opens = set(rnd.sample(non_big, min(threads - 1, len(non_big))))
    next_new = 1  # threads opened so far
    for n in range(1, posts + 1):
        if n == 1 or n % every == 0:
            tid = 1
        elif n in opens:
            next_new += 1
            tid = next_new
        else:
            tid = rnd.randint(2, next_new) if next_new >= 2 else 1
        if first_post[tid] == 0:
            first_post[tid] = n
        else:
            reply_count[tid] += 1
        last_post[tid] = n
        owner[n] = tid
    opened = [t for t in range(1, threads + 1) if first_post[t]]

    def when(n: int):
        return bulk._fmt(start + timedelta(seconds=20 * n), sqlite)

    def team_rows():
        for team in range(1, teams + 1):
            count = sum(1 for t in opened if thread_team[t - 1] == team)
            yield (
                team, f"team-{team}", f"Team {team}", "A bench team", "interest", "", "",
                "open", team == 2, team, len(members[team]), count, when(0),
            )  # fmt: skip

    bulk._Rows(
        engine,
        "team",
        "id slug name about kind city country join_policy private captain_id "
        "member_count thread_count created_at",
    ).write(team_rows())

    def member_rows():
        for team, ids in members.items():
            for i, uid in enumerate(ids):
                role = "captain" if i == 0 else ("moderator" if i < 3 else "member")
                yield (team, uid, role, "joined", when(i))

    bulk._Rows(engine, "team_member", "team_id user_id role state joined_at").write(member_rows())

    def thread_rows():
        for t in opened:
            yield (
                t, thread_team[t - 1], thread_author[t - 1], f"Thread {t}: {rnd.choice(WORDS)}",
                reply_count[t], last_post[t], when(last_post[t]), t % 97 == 0, t % 89 == 0,
                when(first_post[t]),
            )  # fmt: skip

    bulk._Rows(
        engine,
        "forum_thread",
        "id team_id author_id title reply_count last_post_id last_post_at pinned locked created_at",
    ).write(thread_rows())

    def post_rows():
        for n in range(1, posts + 1):
            tid = owner[n]
            author = (
                thread_author[tid - 1]
                if first_post[tid] == n
                else rnd.choice(members[thread_team[tid - 1]])
            )
            body = " ".join(rnd.choices(WORDS, k=rnd.randint(8, 40)))
            yield (n, tid, author, body, when(n))

    bulk._Rows(engine, "forum_post", "id thread_id author_id body created_at").write(post_rows())
    if not sqlite:
        with engine.begin() as conn:
            for table, n in (("team", teams), ("forum_thread", threads), ("forum_post", posts)):
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), :n)"), {"n": n}
                )
    analyze(engine, ("user_account", "team", "team_member", "forum_thread", "forum_post"))
    _log(f"  teams, threads, posts, analyze: {time.perf_counter() - started:.0f} s")
    public = [t for t in opened if thread_team[t - 1] != 2]  # team 2 is private
    return {"members_of_big": members[1], "threads": public, "big_replies": reply_count[1]}


def _measure(engine, runs: int, built: dict) -> dict:
    from sqlalchemy import event, text
    from sqlmodel import Session

    from social_market.services import forums

    rng = random.Random(3)
    with engine.connect() as conn:
        middle = conn.execute(
            text("SELECT id FROM forum_post WHERE thread_id = 1 ORDER BY id LIMIT 1 OFFSET :n"),
            {"n": built["big_replies"] // 2},
        ).scalar_one()
        later_cursor = forums.threads(session=Session(conn), viewer_id=None, team_ref=1).next_cursor
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

    members = built["members_of_big"]
    ordinary = [t for t in built["threads"] if t != 1]

    def viewer():
        return rng.choice([None, *members[:50]])

    def raw_middle(session):
        session.connection().execute(
            text(
                "SELECT id, author_id, body, created_at FROM forum_post"
                " WHERE thread_id = 1 AND id > :after ORDER BY id LIMIT 31"
            ),
            {"after": middle},
        ).all()

    cases = {
        "thread_first_page": lambda s: forums.thread_view(
            session=s, viewer_id=viewer(), thread_id=1, team_ref="team-1"
        ),
        "thread_middle_page": lambda s: forums.thread_view(
            session=s, viewer_id=viewer(), thread_id=1, team_ref="team-1", cursor=str(middle)
        ),
        "thread_random_first_page": lambda s: forums.thread_view(
            session=s, viewer_id=None, thread_id=rng.choice(ordinary)
        ),
        "team_thread_list": lambda s: forums.threads(
            session=s, viewer_id=viewer(), team_ref="team-1"
        ),
        "team_thread_list_later_page": lambda s: forums.threads(
            session=s, viewer_id=viewer(), team_ref="team-1", cursor=later_cursor
        ),
        "raw_sql_thread_middle_page": raw_middle,
    }
    out: dict = {}
    for name, case in cases.items():
        for _ in range(5):  # warm up
            timed(case)
        wall, db, counts = [], [], set()
        for _ in range(runs):
            w, d, n = timed(case)
            wall.append(w)
            db.append(d)
            counts.add(n)
        out[name] = {"db": summary_ms(db), "wall": summary_ms(wall), "statements": sorted(counts)}
    pages = ("thread_first_page", "thread_middle_page", "thread_random_first_page")
    lists = ("team_thread_list", "team_thread_list_later_page")
    out["met"] = {
        "thread_page_p95": max(out[k]["db"]["p95_ms"] for k in pages) <= TARGET_MS,
        "thread_list_p95": max(out[k]["db"]["p95_ms"] for k in lists) <= TARGET_MS,
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--runs", type=int, default=0)
    args = parser.parse_args()
    private_environment()
    if args.small:
        size = {"users": 2_000, "teams": 60, "threads": 4_000, "posts": 100_000, "big": 10_000}
    else:
        size = {"users": 5_000, "teams": 300, "threads": 20_000, "posts": 1_000_000, "big": 100_000}
    runs = args.runs or (60 if args.small else 200)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    result: dict = {"size": size, "targets": {"p95_db_ms": TARGET_MS}}
    for backend in backends:
        try:
            engine = _engine(backend)
        except Exception as exc:  # PostgreSQL not running: say so, measure the rest
            result[backend] = {"skipped": str(exc)[:200]}
            continue
        started = time.perf_counter()
        built = _build(engine, **size)
        _log(f"{backend}: built in {time.perf_counter() - started:.0f} s")
        result[backend] = {
            "build_s": round(time.perf_counter() - started),
            "big_thread_replies": built["big_replies"],
            **_measure(engine, runs, built),
        }
        engine.dispose()
    emit(result)


if __name__ == "__main__":
    main()
