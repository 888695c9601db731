#!/usr/bin/env bash
# The whole test suite: lint, service tests on SQLite (and PostgreSQL when reachable),
# end-to-end tests in Chromium. Benchmarks live in bench/ and are not run here.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser

# The OpenID Connect test provider (npm oidc-provider, pinned by tests/oidc/package-lock.json).
oidc_stamp=tests/oidc/node_modules/.installed-$(sha256sum tests/oidc/package-lock.json | cut -c1-16)
if [ ! -f "$oidc_stamp" ]; then
  echo "==> installing the OpenID Connect test provider (npm ci in tests/oidc)"
  (cd tests/oidc && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
  touch "$oidc_stamp"
fi

echo "==> ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

export TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test}
if ! .venv/bin/python - <<'PY' 2>/dev/null; then
import os, psycopg
psycopg.connect(os.environ["TEST_DATABASE_URL"], connect_timeout=3).close()
PY
  echo "==> PostgreSQL is not reachable at $TEST_DATABASE_URL: SKIPPING the PostgreSQL run (SQLite only)"
  unset TEST_DATABASE_URL
else
  echo "==> service tests run on SQLite and on PostgreSQL ($TEST_DATABASE_URL)"
fi

echo "==> pytest"
# Two workers; every end-to-end test goes to one of them (xdist group "e2e"), so the
# production frontend is built once and shared.
exec .venv/bin/pytest -n 2 --dist loadgroup -q -p no:cacheprovider "$@"
