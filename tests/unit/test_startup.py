"""The app refuses to start, with instructions, when migrations are pending."""

from __future__ import annotations

import pytest

from social_market import migrations
from tests.conftest import run_async


def test_lifespan_check_refuses_a_database_without_migrations(monkeypatch, tmp_path):
    from social_market import db

    engine = db.make_engine(f"sqlite:///{tmp_path / 'behind.db'}")
    monkeypatch.setattr(db, "get_engine", lambda: engine)

    async def start():
        async with migrations.require_current_schema():
            pass

    with pytest.raises(migrations.SchemaBehind, match="alembic upgrade head"):
        run_async(start())
