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
