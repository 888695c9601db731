"""Real OpenID Connect providers for the tests: panva/oidc-provider on 127.0.0.1.

The npm package is pinned in tests/oidc/package.json and package-lock.json and
installed with ``npm ci`` (by scripts/test.sh, or here when node_modules is missing).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

OIDC_DIR = Path(__file__).resolve().parent / "oidc"
_install_lock = threading.Lock()


def ensure_installed() -> None:
    with _install_lock:
        if (OIDC_DIR / "node_modules" / "oidc-provider" / "package.json").exists():
            return
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is needed for the OpenID Connect test provider")
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
            cwd=OIDC_DIR,
            check=True,
        )


@contextmanager
def running_provider(
    port: int, client_id: str, client_secret: str, redirect_uris: list[str]
) -> Iterator[str]:
    """Run one provider; yields its issuer URL once it listens."""
    ensure_installed()
    proc = subprocess.Popen(
        ["node", "provider.mjs", str(port), client_id, client_secret, *redirect_uris],
        cwd=OIDC_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "NODE_ENV": "test"},
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("READY "):
            raise RuntimeError(f"OIDC test provider did not start: {line!r}")
        yield line.split(" ", 1)[1].strip()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
