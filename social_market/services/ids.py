"""Ids that arrive from the browser: any type, any size. Only sane ones reach a query."""

from __future__ import annotations

MAX_ID = 2**31  # ids are 32-bit integer columns on PostgreSQL


def as_id(value: object) -> int | None:
    """A positive database id from an int or a digit string; None for anything else."""
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 18:
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < MAX_ID:
        return value
    return None


def id_in(session, column, ids):
    """``column IN ids`` that keeps one SQL text whatever the number of ids on
    PostgreSQL (``= ANY(array)``), so the driver's prepared plan is reused instead of
    planning each list length afresh; a plain IN list on SQLite."""
    from sqlalchemy import ARRAY, Integer, any_, literal

    values = sorted({int(i) for i in ids})
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(literal(values, ARRAY(Integer)))
    return column.in_(values)
