"""The migrations and the models agree, and the migrations go down and up again cleanly."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from social_market import migrations
from social_market.db import make_engine


@pytest.fixture
def empty_db(request, tmp_path):
    """A fresh, empty database of each kind (a private schema on PostgreSQL)."""
    backend = request.param
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrate.db'}"
        engine = make_engine(url)
        yield engine
        engine.dispose()
        return
    from tests.services.conftest import _pg_url, _worker

    url = _pg_url()
    if not url:
        pytest.skip("PostgreSQL not configured (set TEST_DATABASE_URL to run these)")
    from sqlalchemy import text

    schema = f"migrate_{_worker()}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def _run(engine, *args) -> None:
    cfg = migrations.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, args[0])(cfg, args[1])


@pytest.mark.parametrize("empty_db", ["sqlite", "postgresql"], indirect=True)
def test_models_and_migrations_agree(empty_db):
    _run(empty_db, "upgrade", "head")
    with empty_db.connect() as conn:
        ctx = MigrationContext.configure(
            conn,
            opts={"compare_type": True, "include_object": migrations.include_object},
        )
        diff = compare_metadata(ctx, SQLModel.metadata)
    assert diff == [], f"models differ from migrations: {diff}"


@pytest.mark.parametrize("empty_db", ["sqlite", "postgresql"], indirect=True)
def test_upgrade_downgrade_upgrade(empty_db):
    _run(empty_db, "upgrade", "head")
    _run(empty_db, "downgrade", "base")
    assert set(inspect(empty_db).get_table_names()) <= {"alembic_version"}
    _run(empty_db, "upgrade", "head")
    assert {"user_account", "auth_session", "one_time_token"} <= set(
        inspect(empty_db).get_table_names()
    )


@pytest.mark.parametrize("empty_db", ["sqlite"], indirect=True)
def test_a_schema_that_is_behind_is_reported_with_instructions(empty_db):
    with pytest.raises(migrations.SchemaBehind, match="alembic upgrade head"):
        migrations.check_schema(empty_db)
    _run(empty_db, "upgrade", "head")
    migrations.check_schema(empty_db)
