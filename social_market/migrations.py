"""Apply and check Alembic migrations from code (CLI, app start-up, tests)."""

from __future__ import annotations

import logging
import sys
from contextlib import asynccontextmanager

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from social_market.settings import PROJECT_ROOT

# Search-only objects made by migration 0004 and never declared on the models: the FTS5
# table with its shadow tables (SQLite), the generated tsvector column (PostgreSQL), and
# the partial/expression indexes behind search filters and sorts.
SEARCH_TABLE_PREFIX = "listing_fts"
SEARCH_INDEX_PREFIX = "ix_listing_search_"
SEARCH_COLUMNS = {("listing", "search_vector")}


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic filter: leave the search-only objects out of autogenerate and comparisons."""
    if not reflected or compare_to is not None or name is None:
        return True
    if type_ == "table":
        return not name.startswith(SEARCH_TABLE_PREFIX)
    if type_ == "index":
        return not name.startswith(SEARCH_INDEX_PREFIX)
    if type_ == "column":
        return (getattr(obj.table, "name", None), name) not in SEARCH_COLUMNS
    return True


class SchemaBehind(RuntimeError):
    """The database has not had every migration applied."""


def alembic_config(database_url: str | None = None) -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    cfg.attributes["configure_logger"] = False
    if database_url:
        cfg.attributes["database_url"] = database_url
    return cfg


def upgrade(database_url: str | None = None) -> None:
    command.upgrade(alembic_config(database_url), "head")


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def check_schema(engine: Engine) -> None:
    """Raise SchemaBehind with instructions when migrations are pending."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise SchemaBehind(
            f"The database schema is at revision {current or 'none'}, but this code needs "
            f"{head}. Apply the migrations first:  .venv/bin/alembic upgrade head  "
            "(or run scripts/run-demo.sh, which does it for you)."
        )


@asynccontextmanager
async def require_current_schema():
    """App lifespan task: refuse to serve on a database whose migrations are behind."""
    from social_market.db import get_engine

    try:
        check_schema(get_engine())
    except SchemaBehind as exc:
        logging.getLogger("social_market").critical("%s", exc)
        print(f"\nSocial Market cannot start: {exc}\n", file=sys.stderr)
        raise
    yield
