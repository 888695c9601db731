#!/usr/bin/env bash
# Install everything Social Market needs into ./.venv (idempotent).
#   scripts/setup.sh            Python packages (the JS runtime, bun, comes as a pinned wheel)
#   scripts/setup.sh --browser  also Debian's Chromium for the end-to-end tests
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "==> installing Python packages (pyproject.toml, every version fixed by constraints.txt)"
  if ! .venv/bin/python -m pip install --quiet --disable-pip-version-check \
    -c constraints.txt -e ".[dev]" > .venv/pip-install.log 2>&1; then
    grep -v "WARNING: Location" .venv/pip-install.log
    echo "pip install failed (full log: .venv/pip-install.log)" >&2
    exit 1
  fi
  rm -f .venv/.installed-*
  touch "$stamp"
fi

if [ "${1:-}" = "--browser" ] && [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  echo "==> installing Chromium (Debian package) for the browser tests"
  SUDO=""
  [ "$(id -u)" = "0" ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
