#!/usr/bin/env bash
# Install, migrate, add demo data (first time only) and start Social Market on SQLite.
# Extra arguments go to `reflex run` (e.g. --env prod).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "==> applying database migrations"
.venv/bin/alembic upgrade head
echo "==> demo data"
.venv/bin/python -m social_market.demo --if-empty
echo "==> starting: open http://localhost:3000"
exec .venv/bin/reflex run "$@"
