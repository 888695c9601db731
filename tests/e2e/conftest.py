"""End-to-end fixtures: the real app (production build, built once) driven by Chromium.

The backend runs inside this pytest process (AppHarnessProd), so tests can prepare
data with the services directly; the frontend is exported once per session.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from social_market import migrations
from social_market.settings import PROJECT_ROOT

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def app_url(mailbox) -> Iterator[str]:
    import reflex as rx
    from reflex.testing import AppHarnessProd

    migrations.upgrade()
    harness = AppHarnessProd.create(root=PROJECT_ROOT, app_name="social_market")
    with harness:
        url = harness.frontend_url.rstrip("/").replace("localhost", "127.0.0.1")
        rx.config.get_config().deploy_url = url
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def new_context(browser: Browser, app_url: str):
    contexts: list[BrowserContext] = []

    def make(width: int = 1280, height: int = 900, **kwargs) -> BrowserContext:
        ctx = browser.new_context(
            base_url=app_url, viewport={"width": width, "height": height}, **kwargs
        )
        contexts.append(ctx)

        def watch(page: Page) -> None:
            page._sm_console = []
            page.on("console", lambda m: page._sm_console.append(f"{m.type}: {m.text}"))
            page.on("pageerror", lambda e: page._sm_console.append(f"pageerror: {e}"))

        ctx.on("page", watch)
        return ctx

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def page(new_context) -> Page:
    return new_context().new_page()


def wait_ready(page: Page) -> None:
    """Wait until the page's on_load has run (the backend has answered)."""
    try:
        page.wait_for_selector("[data-sm-ready='true']", state="attached", timeout=20_000)
    except Exception as exc:
        logs = "\n".join(getattr(page, "_sm_console", [])[-30:])
        raise AssertionError(f"page {page.url} never became ready; console:\n{logs}") from exc


def goto(page: Page, path: str) -> None:
    page.goto(path)
    wait_ready(page)


def shot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Page, email: str, password: str, next_path: str = "") -> None:
    goto(page, "/signin" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.locator("#account-menu")).to_be_visible()


class EventInjector:
    """Sends hand-made Reflex events over the page's own websocket (as a forged client would)."""

    def __init__(self, page: Page) -> None:
        self.server = None
        self.prefix = "42"
        self.received: list[str] = []  # everything the backend sent this page
        page.route_web_socket(re.compile(r"/_event"), self._route)

    def _route(self, ws) -> None:
        server = ws.connect_to_server()
        self.server = server

        def from_page(message):
            if isinstance(message, str) and message.startswith("42") and '["event"' in message:
                self.prefix = message[: message.index("[")]
            server.send(message)

        ws.on_message(from_page)

        def from_server(message):
            self.received.append(message if isinstance(message, str) else repr(message))
            ws.send(message)

        server.on_message(from_server)

    def send(self, state_cls, handler: str, payload: dict) -> None:
        assert self.server is not None, "page has no websocket yet"
        event = {"name": f"{state_cls.get_full_name()}.{handler}", "payload": payload}
        self.server.send(self.prefix + json.dumps(["event", event]))


@pytest.fixture(scope="session")
def oidc_providers(app_url) -> Iterator[dict[str, str]]:
    """Both test providers (tests/oidc), registered with the app's exact callback URIs."""
    from contextlib import ExitStack

    import reflex as rx

    from tests.conftest import OIDC_CLIENTS, OIDC_PORTS
    from tests.oidc_provider import running_provider

    backend = rx.config.get_config().api_url.rstrip("/")
    issuers = {}
    with ExitStack() as stack:
        for name, port in OIDC_PORTS.items():
            client_id, secret = OIDC_CLIENTS[name]
            issuers[name] = stack.enter_context(
                running_provider(
                    port, client_id, secret, [f"{backend}/api/auth/oidc/{name}/callback"]
                )
            )
        yield issuers


def provider_login(page: Page, login: str) -> None:
    """The provider's development login (any password; the login is the account id)."""
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any-password")
    page.locator("button.login-submit").click()
    consent = page.locator("button.login-submit", has_text="Continue")
    consent.wait_for(timeout=15_000)
    consent.click()


def wait_for_signed_out_home(page: Page) -> None:
    """Signing out ends in a page load through the cookie route to the home page: wait for
    it to arrive, or a navigation started meanwhile is cut short by it."""
    page.wait_for_url(re.compile(r"^[^?#]*://[^/]+/?$"))
    wait_ready(page)
    expect(page.locator("#account-menu")).to_have_count(0)
