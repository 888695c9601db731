"""Test-wide set-up: an isolated data folder, a real SMTP server, fresh rate limits.

Environment variables are set here, at import, before any app module reads its
settings: each pytest process (and each xdist worker) gets its own folder and port.
"""

from __future__ import annotations

import json
import os
import socket
import tempfile
import threading
import time
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_DATA = Path(tempfile.mkdtemp(prefix="sm-test-"))
SMTP_PORT = _free_port()
# Two real OpenID Connect providers (tests/oidc_provider.py starts them for the e2e
# tests): "testid" is trusted (verified emails may link automatically), "otherid" is not.
OIDC_PORTS = {"testid": _free_port(), "otherid": _free_port()}
OIDC_CLIENTS = {
    "testid": ("social-market", "testid-client-secret-0123456789"),
    "otherid": ("social-market-other", "otherid-client-secret-0123456789"),
}
OIDC_PROVIDERS = [
    {
        "name": name,
        "label": {"testid": "TestID", "otherid": "OtherID"}[name],
        "issuer": f"http://127.0.0.1:{OIDC_PORTS[name]}",
        "client_id": OIDC_CLIENTS[name][0],
        "client_secret": OIDC_CLIENTS[name][1],
        "scopes": "openid email profile",
        "trusted": name == "testid",
    }
    for name in ("testid", "otherid")
]
os.environ.update(
    {
        "DATA_DIR": str(_DATA),
        "DATABASE_URL": f"sqlite:///{_DATA / 'app.db'}",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(SMTP_PORT),
        "PUBLIC_BASE_URL": "http://127.0.0.1:3000",
        "CORS_ORIGINS": "*",
        "OIDC_PROVIDERS": json.dumps(OIDC_PROVIDERS),
    }
)
os.environ.pop("REDIS_URL", None)


class Mailbox:
    """Messages received by the test SMTP server."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self._lock = threading.Lock()

    def add(self, raw: bytes) -> None:
        with self._lock:
            self.messages.append(message_from_bytes(raw))

    def to(self, address: str) -> list[Message]:
        with self._lock:
            return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    def wait_for(self, address: str, subject: str = "", timeout: float = 10.0) -> Message:
        from social_market.services import email as mail

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            mail.wait_for_outgoing()
            found = [m for m in self.to(address) if subject.lower() in str(m["Subject"]).lower()]
            if found:
                return found[-1]
            time.sleep(0.05)
        raise AssertionError(f"no email to {address} with subject containing {subject!r}")

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()


def body_of(msg: Message) -> str:
    payload = msg.get_payload(decode=True)
    return payload.decode() if isinstance(payload, bytes) else str(msg.get_payload())


def link_in(msg: Message, path_prefix: str) -> str:
    """The first link in an email whose path starts with ``path_prefix``; returns the path."""
    import re

    for url in re.findall(r"https?://\S+", body_of(msg)):
        path = "/" + url.split("/", 3)[3]
        if path.startswith(path_prefix):
            return path
    raise AssertionError(f"no {path_prefix} link in: {body_of(msg)}")


@pytest.fixture(scope="session")
def mailbox():
    from aiosmtpd.controller import Controller

    box = Mailbox()

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            box.add(envelope.original_content or envelope.content)
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    yield box
    controller.stop()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    from social_market.services import ratelimit

    ratelimit.reset_all()
    yield


def run_async(coro):
    """Run a coroutine to completion from a plain test, even in a process where another
    event loop is running (Playwright's sync API keeps one alive in e2e workers)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
