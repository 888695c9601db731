"""The production set-up: two backend workers, Redis and PostgreSQL. A message sent by
someone connected to one worker reaches, live, someone connected to the other.

Starts its own app (``reflex run --env prod``, two Granian workers) from a copy of the
project, with its own PostgreSQL database and Redis database number; skipped when
PostgreSQL (TEST_DATABASE_URL) or Redis isn't reachable.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from social_market.settings import PROJECT_ROOT
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, make_user, open_shop_for, publish_listing

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _reachable() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        return None
    try:
        import psycopg
        import redis

        psycopg.connect(url, connect_timeout=3).close()
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception:
        return None
    return url


@pytest.fixture(scope="module")
def workers_app(tmp_path_factory):
    base = _reachable()
    if base is None:
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL) and Redis")
    import psycopg
    import redis

    from social_market import migrations

    name = f"sm_workers_{os.getpid()}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    db_url = base.rsplit("/", 1)[0] + f"/{name}"
    migrations.upgrade(db_url.replace("postgresql://", "postgresql+psycopg://", 1))
    redis.Redis.from_url(REDIS_URL).flushdb()

    root = tmp_path_factory.mktemp("workers-app")
    for part in ("rxconfig.py", "social_market", "assets", "alembic", "alembic.ini"):
        src = PROJECT_ROOT / part
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / part)
    web = PROJECT_ROOT / ".web"
    if web.is_dir():  # reuse the installed frontend packages
        shutil.copytree(web, root / ".web", symlinks=True)
        shutil.rmtree(root / ".web" / "build", ignore_errors=True)
    port = _free_port()
    log_path = root / "app.log"
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "REDIS_URL": REDIS_URL,
        "DATA_DIR": str(root / "data"),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "CORS_ORIGINS": "*",
        "REFLEX_USE_GRANIAN": "true",
        "GRANIAN_WORKERS": "2",
        "SM_TRACE_LIVE": "1",
    }
    log = open(log_path, "w")  # noqa: SIM115 - closed in teardown
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "reflex"),
            "run",
            "--env",
            "prod",
            "--single-port",
            "--frontend-port",
            str(port),
            "--backend-port",
            str(port),
        ],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 400
        while True:
            try:
                with urllib.request.urlopen(url + "/ping", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the two-worker app did not start:\n" + log_path.read_text()[-3000:])
            time.sleep(1)
        yield {"url": url, "db_url": db_url, "log": log_path}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
        redis.Redis.from_url(REDIS_URL).flushdb()
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _worker_of(log: Path, user_id: int) -> str | None:
    found = re.findall(rf"live-link user={user_id} pid=(\d+)", log.read_text())
    return found[-1] if found else None


def test_a_message_crosses_from_one_worker_to_the_other(browser, workers_app):
    from sqlmodel import Session

    from social_market.db import make_engine
    from social_market.services import messaging

    engine = make_engine(workers_app["db_url"].replace("postgresql://", "postgresql+psycopg://"))
    with Session(engine) as session:
        maker = make_user(session, handle="workermaker", display_name="Worker Maker")
        buyer = make_user(session, handle="workerbuyer", display_name="Worker Buyer")
        open_shop_for(session, maker)
        listing = publish_listing(session, maker, title="Two-worker jug")
        convo = messaging.start_direct(
            session=session, actor_id=buyer.id, subject_kind="listing", subject_id=listing.id
        )
        session.commit()
        ids, emails, path = (
            (maker.id, buyer.id),
            (maker.email, buyer.email),
            f"/messages/{convo.id}",
        )
    engine.dispose()

    def open_as(email: str):
        context = browser.new_context(base_url=workers_app["url"])
        page = context.new_page()
        sign_in(page, email, PASSWORD, next_path=path)
        expect(page.locator("#conversation-subject")).to_contain_text("Two-worker jug")
        return page

    maker_page, buyer_page = open_as(emails[0]), open_as(emails[1])
    log = workers_app["log"]
    # Reload the buyer's page until its socket lands on the other worker.
    for _ in range(20):
        maker_pid, buyer_pid = _worker_of(log, ids[0]), _worker_of(log, ids[1])
        if maker_pid and buyer_pid and maker_pid != buyer_pid:
            break
        buyer_page.reload()
        expect(buyer_page.locator("#conversation-subject")).to_be_visible()
        time.sleep(0.5)
    assert maker_pid != buyer_pid, "both pages stayed on one worker"

    buyer_page.locator("#message-body").fill("Sent from one worker")
    buyer_page.locator("#message-body").press("Enter")
    expect(maker_page.locator(".sm-message", has_text="Sent from one worker")).to_be_visible()
    maker_page.locator("#message-body").fill("Answered from the other")
    maker_page.locator("#message-body").press("Enter")
    expect(buyer_page.locator(".sm-message", has_text="Answered from the other")).to_be_visible()
    expect(buyer_page.locator(".sm-message", has_text="Sent from one worker")).to_contain_text(
        "Read"
    )
