"""Shared helpers for benchmarks: a private data folder, demo data, percentiles, JSON output."""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def private_environment(database_url: str | None = None) -> Path:
    """Point the app's settings at a fresh data folder (call before importing the app)."""
    data = Path(tempfile.mkdtemp(prefix="sm-bench-"))
    os.environ["DATA_DIR"] = str(data)
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{data / 'bench.db'}"
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(PROJECT_ROOT))
    return data


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def summary_ms(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(values) * 1000, 2),
        "p95_ms": round(percentile(values, 95) * 1000, 2),
        "n": len(values),
    }


def emit(result: dict) -> None:
    """The last line of every benchmark: one JSON object."""
    print(json.dumps(result, sort_keys=True))


class DbClock:
    """Time spent inside the database driver (execute and fetch), summed: "database
    time" as opposed to Python time around it."""

    seconds = 0.0

    @classmethod
    def reset(cls) -> None:
        cls.seconds = 0.0


def _timed(method):
    import functools
    import time

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return method(self, *args, **kwargs)
        finally:
            DbClock.seconds += time.perf_counter() - started

    return wrapper


def timed_connect_args(backend: str) -> dict:
    """connect_args that make the driver's cursors add their time to DbClock."""
    names = ("execute", "executemany", "fetchone", "fetchmany", "fetchall")
    if backend == "sqlite":
        import sqlite3

        cursor_cls = type(
            "TimedCursor", (sqlite3.Cursor,), {n: _timed(getattr(sqlite3.Cursor, n)) for n in names}
        )

        class TimedConnection(sqlite3.Connection):
            def cursor(self, factory=cursor_cls):  # type: ignore[override]
                return super().cursor(factory)

        return {"factory": TimedConnection}
    import psycopg

    cursor_cls = type(
        "TimedCursor", (psycopg.Cursor,), {n: _timed(getattr(psycopg.Cursor, n)) for n in names}
    )
    return {"cursor_factory": cursor_cls}


PG_URL = os.environ.get("TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"


def fresh_engine(backend: str, name: str, *, timed: bool = True, pool_size: int | None = None):
    """An empty database migrated to head: a new SQLite file, or the PostgreSQL schema
    ``bench_<name>`` dropped and made again. ``timed``: the driver's time adds to
    DbClock; ``pool_size``: one connection per concurrent thread (PostgreSQL)."""
    from sqlalchemy import text

    from social_market import migrations
    from social_market.db import make_engine

    if backend == "sqlite":
        path = Path(tempfile.mkdtemp(prefix=f"sm-bench-{name}-")) / f"{name}.db"
        url = f"sqlite:///{path}"
        migrations.upgrade(url)
        return make_engine(url, connect_args=timed_connect_args("sqlite") if timed else {})
    schema = f"bench_{name}"
    url = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    connect_args = {"options": f"-csearch_path={schema}"}
    if timed:
        connect_args.update(timed_connect_args("postgresql"))
    pool = {} if pool_size is None else {"pool_size": pool_size, "max_overflow": 0}
    engine = make_engine(url, connect_args=connect_args, **pool)
    cfg = migrations.alembic_config()
    with engine.begin() as conn:
        from alembic import command

        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return engine


def analyze(engine, tables: tuple[str, ...]) -> None:
    """Statistics (and on PostgreSQL the visibility map, as autovacuum soon would) for the
    tables a benchmark filled: only those, so another schema's open transaction can't
    keep the benchmark waiting on its locks."""
    from sqlalchemy import text

    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in tables:
                conn.execute(text(f"VACUUM ANALYZE {table}"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
