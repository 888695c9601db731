"""Home page load in production mode, measured in headless Chromium.

    .venv/bin/python bench/home_load.py [--small]

Starts `reflex run --env prod` on a private SQLite database with demo data, then
measures, from navigation start to the first content that comes from the backend
(the member count): cold loads (fresh browser context, empty cache) and warm loads
(same context, reload). Also the gzip size of the JavaScript the home page loads.
Targets (issue 3): p95 <= 600 ms cold, <= 300 ms warm, JS <= 300 KB gzip.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from common import PROJECT_ROOT, emit, private_environment, summary_ms

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
FIRST_CONTENT_JS = """
() => new Promise((resolve) => {
  const check = () => {
    const el = document.getElementById('member-count');
    if (el && el.textContent.trim() !== '') resolve(performance.now());
    else requestAnimationFrame(check);
  };
  check();
})
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(port: int) -> subprocess.Popen:
    env = dict(os.environ, PUBLIC_BASE_URL=f"http://localhost:{port}")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reflex",
            "run",
            "--env",
            "prod",
            "--frontend-port",
            str(port),
            "--backend-port",
            str(port),
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    output = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        output.append(line)
        if not line and proc.poll() is not None:
            raise RuntimeError("the app exited while starting:\n" + "".join(output[-30:]))
        if re.search(r"App running at", line):
            break
    for url in (f"http://localhost:{port}/ping",):
        for _ in range(100):
            try:
                urllib.request.urlopen(url, timeout=2).read()  # noqa: S310 - localhost
                return proc
            except OSError:
                time.sleep(0.2)
    raise RuntimeError("the app did not answer /ping")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true")
    args = parser.parse_args()
    private_environment()
    from social_market import migrations
    from social_market.db import session_scope
    from social_market.demo.generator import generate

    migrations.upgrade()
    with session_scope() as session:
        generate(session, users=60 if args.small else 1000, seed=3, with_avatars=True)

    port = _free_port()
    server = _start_server(port)
    url = f"http://localhost:{port}/"
    cold, warm, js_bytes = [], [], 0
    runs = 10 if args.small else 40
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            # Warm the server (first compile of queries, connection pools).
            ctx = browser.new_context()
            page = ctx.new_page()
            page.goto(url)
            page.evaluate(FIRST_CONTENT_JS)
            ctx.close()
            for i in range(runs):
                ctx = browser.new_context()
                page = ctx.new_page()
                scripts: list = []
                if i == 0:

                    def keep_script(response, found=scripts):
                        if response.request.resource_type == "script":
                            found.append(response)

                    page.on("response", keep_script)
                page.goto(url, wait_until="commit")
                cold.append(page.evaluate(FIRST_CONTENT_JS) / 1000)
                if i == 0:
                    page.wait_for_load_state("networkidle")
                    js_bytes = sum(len(gzip.compress(r.body(), 9)) for r in scripts)
                for _ in range(2):
                    page.reload(wait_until="commit")
                    warm.append(page.evaluate(FIRST_CONTENT_JS) / 1000)
                ctx.close()
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    cold_s, warm_s = summary_ms(cold), summary_ms(warm)
    emit(
        {
            "benchmark": "home_load",
            "mode": "reflex run --env prod, SQLite, 1 worker (no Redis)",
            "cold": cold_s,
            "warm": warm_s,
            "js_gzip_kb": round(js_bytes / 1024, 1),
            "targets": {"cold_p95_ms": 600, "warm_p95_ms": 300, "js_gzip_kb": 300},
            "met": {
                "cold": cold_s["p95_ms"] <= 600,
                "warm": warm_s["p95_ms"] <= 300,
                "js": js_bytes / 1024 <= 300,
            },
        }
    )


if __name__ == "__main__":
    main()
