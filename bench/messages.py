"""Messages at scale: the inbox of someone with 1,000 conversations and a conversation
with 100,000 messages, measured as database time (inside the driver).

    .venv/bin/python bench/messages.py [--small] [--backend sqlite|postgresql|both]

Builds its own data: 3,000 people; person 1 has 1,000 direct conversations; one of
them holds 100,000 messages; 300,000 more messages are spread over 30,000 other
conversations (``--small``: 300 people, 100 conversations, 10,000 / 20,000 messages).

Measures, with a new session per call as an event handler does:
- ``messaging.inbox`` first and next page for person 1, and the header badge count;
- ``messaging.history`` newest page and a page from the middle of the big conversation;
- ``messaging.send_message`` + commit in the big conversation (the request's part).

Targets: inbox and conversation pages p95 <= 10 ms of database time.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta

from common import DbClock, analyze, emit, fresh_engine, private_environment, summary_ms

TARGET_MS = 10.0


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _engine(backend: str):
    return fresh_engine(backend, "messages")


def _build(engine, *, users: int, inbox: int, big: int, spread: int, others: int) -> dict:
    from sqlalchemy import text

    from social_market.demo import bulk

    bulk.build(engine, shops=max(1, users // 20), listings=users // 2, users=users, seed=4)
    rnd = random.Random(6)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        ids = [r[0] for r in conn.execute(text("SELECT id FROM user_account ORDER BY id"))]
        me, people = ids[0], ids[1:]
        pairs = [(me, people[i % len(people)]) for i in range(inbox)]
        while len(pairs) < inbox + others:
            a, b = rnd.sample(people, 2)
            pairs.append((a, b))
        conversations = [
            {"k": f"{min(a, b)}:{max(a, b)}::{n}", "c": a, "t": now - timedelta(days=30)}
            for n, (a, b) in enumerate(pairs)
        ]
        conn.execute(
            text(
                "INSERT INTO conversation (kind, title, subject_kind, pair_key, created_by,"
                " created_at, last_message_id) VALUES ('direct', '', '', :k, :c, :t, 0)"
            ),
            conversations,
        )
        cids = [r[0] for r in conn.execute(text("SELECT id FROM conversation ORDER BY id"))]
        members = [
            {"c": cid, "u": u, "t": now - timedelta(days=30)}
            for cid, pair in zip(cids, pairs, strict=True)
            for u in pair
        ]
        conn.execute(
            text(
                "INSERT INTO conversation_member (conversation_id, user_id, joined_at, archived,"
                " last_message_id, last_read_id, unread_count, emailed_up_to)"
                " VALUES (:c, :u, :t, false, 0, 0, 0, 0)"
            ),
            members,
        )
        big_cid = cids[0]
        start = now - timedelta(days=30)
        total = big + spread
        step = timedelta(days=30) / total
        pair_of = dict(zip(cids, pairs, strict=True))
        rows = []
        for i in range(total):
            cid = big_cid if i < big else rnd.choice(cids)
            rows.append({"c": cid, "s": rnd.choice(pair_of[cid]), "b": f"message {i} " * 3})
        rnd.shuffle(rows)  # the big conversation's messages interleave with the others
        for i, row in enumerate(rows):
            row["t"] = start + step * i
        for chunk in range(0, len(rows), 50_000):
            conn.execute(
                text(
                    "INSERT INTO message (conversation_id, sender_id, body, created_at)"
                    " VALUES (:c, :s, :b, :t)"
                ),
                rows[chunk : chunk + 50_000],
            )
        conn.execute(
            text(
                "UPDATE conversation SET last_message_id = COALESCE((SELECT max(id) FROM message"
                " m WHERE m.conversation_id = conversation.id), 0)"
            )
        )
        conn.execute(
            text(
                "UPDATE conversation_member SET last_message_id = (SELECT last_message_id FROM"
                " conversation c WHERE c.id = conversation_member.conversation_id)"
            )
        )
        # Person 1 has read half of their conversations.
        conn.execute(
            text(
                "UPDATE conversation_member SET last_read_id = last_message_id"
                " WHERE user_id <> :me OR conversation_id % 2 = 0"
            ),
            {"me": me},
        )
        conn.execute(
            text(
                "UPDATE conversation_member SET unread_count = (SELECT count(*) FROM message m"
                " WHERE m.conversation_id = conversation_member.conversation_id"
                " AND m.id > conversation_member.last_read_id"
                " AND m.sender_id <> conversation_member.user_id)"
                " WHERE last_message_id > last_read_id"
            )
        )
    analyze(engine, ("user_account", "conversation", "conversation_member", "message"))
    return {"me": me, "big": big_cid, "partner": pairs[0][1]}


def _timed(engine, fn) -> tuple[float, float, object]:
    from sqlmodel import Session

    DbClock.reset()
    started = time.perf_counter()
    with Session(engine, expire_on_commit=False) as session:
        result = fn(session)
    return time.perf_counter() - started, DbClock.seconds, result


def _measure(engine, runs: int, ids: dict) -> dict:
    from social_market.services import messaging, ratelimit

    me, big, partner = ids["me"], ids["big"], ids["partner"]
    figures: dict[str, list[float]] = {
        k: [] for k in ("inbox", "inbox_next", "badge", "history", "history_older", "send")
    }
    walls: dict[str, list[float]] = {k: [] for k in figures}
    for _ in range(runs):
        wall, db, (_rows, cursor) = _timed(
            engine, lambda s: messaging.inbox(session=s, actor_id=me)
        )
        figures["inbox"].append(db)
        walls["inbox"].append(wall)
        wall, db, _ = _timed(
            engine, lambda s, c=cursor: messaging.inbox(session=s, actor_id=me, cursor=c)
        )
        figures["inbox_next"].append(db)
        walls["inbox_next"].append(wall)
        wall, db, _ = _timed(engine, lambda s: messaging.unread_conversations(s, me))
        figures["badge"].append(db)
        walls["badge"].append(wall)
        wall, db, (_page, older) = _timed(
            engine, lambda s: messaging.history(session=s, actor_id=me, conversation_id=big)
        )
        figures["history"].append(db)
        walls["history"].append(wall)
        middle = older // 2 if older else 0
        wall, db, _ = _timed(
            engine,
            lambda s, b=middle: messaging.history(
                session=s, actor_id=me, conversation_id=big, before=b
            ),
        )
        figures["history_older"].append(db)
        walls["history_older"].append(wall)
    for i in range(max(20, runs // 5)):
        ratelimit.reset_all()

        def send(s, i=i):
            messaging.send_message(
                session=s, actor_id=partner, conversation_id=big, body=f"bench {i}"
            )
            s.commit()

        wall, db, _ = _timed(engine, send)
        figures["send"].append(db)
        walls["send"].append(wall)
    out = {f"{k}_db": summary_ms(v) for k, v in figures.items()}
    out |= {f"{k}_wall": summary_ms(v) for k, v in walls.items()}
    pages = ("inbox", "inbox_next", "history", "history_older")
    out["met"] = {"pages_db_p95": all(out[f"{k}_db"]["p95_ms"] <= TARGET_MS for k in pages)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--runs", type=int, default=0)
    args = parser.parse_args()
    private_environment()
    if args.small:
        size = {"users": 300, "inbox": 100, "big": 10_000, "spread": 20_000, "others": 2_000}
    else:
        size = {"users": 3_000, "inbox": 1_000, "big": 100_000, "spread": 300_000, "others": 30_000}
    runs = args.runs or (50 if args.small else 200)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    result: dict = {"size": size, "targets": {"pages_p95_db_ms": TARGET_MS}}
    for backend in backends:
        try:
            engine = _engine(backend)
        except Exception as exc:  # PostgreSQL not running: say so, measure the rest
            result[backend] = {"skipped": str(exc)[:200]}
            continue
        started = time.perf_counter()
        ids = _build(engine, **size)
        _log(f"{backend}: built in {time.perf_counter() - started:.0f} s")
        result[backend] = {
            "build_s": round(time.perf_counter() - started),
            **_measure(engine, runs, ids),
        }
        engine.dispose()
    emit(result)


if __name__ == "__main__":
    main()
