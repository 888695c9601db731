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
