"""Database fixtures for service tests: SQLite always, PostgreSQL when TEST_DATABASE_URL is set.

Each test runs inside a transaction that is rolled back afterwards; services may
commit (the session joins the outer transaction through savepoints).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from social_market import migrations
from social_market.db import make_engine

BACKENDS = ["sqlite", "postgresql"]


def _worker() -> str:
    """A name unique to this test process (pytest runs may overlap on one server)."""
    name = re.sub(r"\W", "", os.environ.get("PYTEST_XDIST_WORKER", "main")) or "main"
    return f"{name}_{os.getpid()}"


def _pg_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url or None


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory):
    path = tmp_path_factory.mktemp("db") / "services.db"
    url = f"sqlite:///{path}"
    migrations.upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


@contextlib.contextmanager
def private_pg_engine(prefix: str, pool_size: int | None = None) -> Iterator[Engine]:
    """An engine on a PostgreSQL schema of its own, migrated to head and dropped
    afterwards (skips without TEST_DATABASE_URL). Races use it with one pooled
    connection per thread: committed data, like concurrent web workers."""
    url = _pg_url()
    if not url:
        pytest.skip("PostgreSQL not configured (set TEST_DATABASE_URL to run these)")
    schema = f"{prefix}_{_worker()}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    pool = {} if pool_size is None else {"pool_size": pool_size, "max_overflow": 0}
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"}, **pool)
    cfg = migrations.alembic_config()
    with engine.begin() as conn:
        from alembic import command

        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgresql_engine():
    with private_pg_engine("test") as engine:
        yield engine


@pytest.fixture(params=BACKENDS)
def engine(request):
    return request.getfixturevalue(f"{request.param}_engine")


@pytest.fixture
def db(engine):
    """A session whose work is thrown away after the test."""
    conn = engine.connect()
    outer = conn.begin()
    session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        conn.close()
