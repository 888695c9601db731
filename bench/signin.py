"""Sign-in as a whole (argon2id verify + session issue + ticket exchange) on one worker.

    .venv/bin/python bench/signin.py [--small]

Reports p50/p95 per sign-in and the rate one process sustains (argon2id is CPU-bound,
so one backend worker's capacity is this rate).
"""

from __future__ import annotations

import argparse
import time

from common import emit, private_environment, summary_ms


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true")
    args = parser.parse_args()
    private_environment()

    from social_market import migrations
    from social_market.db import session_scope
    from social_market.demo.generator import DEMO_PASSWORD, generate
    from social_market.services import accounts, ratelimit

    migrations.upgrade()
    with session_scope() as session:
        generate(session, users=200 if args.small else 2000, seed=7, with_avatars=False)

    rounds = 60 if args.small else 300
    times: list[float] = []
    started = time.perf_counter()
    for i in range(rounds):
        if i % 4 == 0:
            ratelimit.reset_all()
        t0 = time.perf_counter()
        with session_scope() as session:
            user = accounts.authenticate(
                session=session, email="anna@example.com", password=DEMO_PASSWORD
            )
            ticket = accounts.issue_login_ticket(session=session, user=user)
        with session_scope() as session:
            token = accounts.redeem_login_ticket(session=session, ticket=ticket)
        with session_scope() as session:
            assert accounts.user_for_session(session=session, token=token) is not None
        times.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    stats = summary_ms(times)
    emit(
        {
            "benchmark": "signin",
            "database": "sqlite",
            "signin": stats,
            "signins_per_second_one_worker": round(rounds / elapsed, 1),
            "argon2id": "m=46MiB t=1 p=1",
            "target_note": "no numeric target in the issue; argon2 dominates by design",
        }
    )


if __name__ == "__main__":
    main()
