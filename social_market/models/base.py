"""Shared model plumbing: constraint naming and timestamps."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import SQLModel

# Stable names for constraints and indexes, so migrations are reviewable and the
# same on SQLite and PostgreSQL.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Aware UTC now (SQLModel's UTCDateTime columns refuse naive values)."""
    return datetime.now(UTC)
