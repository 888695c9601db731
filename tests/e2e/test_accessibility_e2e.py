"""WCAG 2.2 AA checks with axe-core on every main page, signed out and in, light and dark,
and a keyboard-only flow."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from social_market.db import session_scope
from tests.e2e.conftest import goto, sign_in
from tests.factories import PASSWORD, make_user

# One worker runs every end-to-end test: one app, one frontend build.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
PUBLIC_PAGES = ["/", "/signin", "/signup", "/reset", "/people?q=a", "/u/a11yperson", "/nope"]
PRIVATE_PAGES = ["/settings", "/settings/security"]


def _serious(page) -> list[str]:
    results = Axe().run(page, options=AXE_OPTIONS)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:3])
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


@pytest.fixture
def a11y_person():
    with session_scope() as session:
        from sqlmodel import select

        from social_market.models import User

        user = session.exec(select(User).where(User.handle_key == "a11yperson")).first()
        if user is None:
            user = make_user(session, handle="a11yperson", display_name="Ada Access", bio="Weaver")
        return user.email


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_main_pages_have_no_serious_accessibility_violations(new_context, a11y_person, scheme):
    page = new_context(color_scheme=scheme).new_page()
    problems = {}
    for path in PUBLIC_PAGES:
        goto(page, path)
        page.wait_for_timeout(300)
        if found := _serious(page):
            problems[f"{scheme} {path}"] = found
    sign_in(page, a11y_person, PASSWORD)
    for path in ["/", *PRIVATE_PAGES]:
        goto(page, path)
        page.wait_for_timeout(300)
        if found := _serious(page):
            problems[f"{scheme} signed-in {path}"] = found
    assert not problems, "\n".join(f"{k}: {v}" for k, v in problems.items())


def test_sign_in_and_search_with_the_keyboard_only(page, a11y_person):
    goto(page, "/signin")
    # Skip link first, then the page; focus is visible on every stop.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    page.locator("#field-email").focus()
    page.keyboard.type(a11y_person)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("#account-menu")).to_be_visible()
    # Search from the header by keyboard.
    search = page.get_by_role("banner").get_by_role("searchbox")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "search":
            break
    expect(search).to_be_focused()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    box = page.evaluate("getComputedStyle(document.activeElement).boxShadow")
    assert outline != "none" or box != "none", "focus must be visible"
    page.keyboard.type("ada")
    page.keyboard.press("Enter")
    expect(page.locator("#main").get_by_text("Ada Access")).to_be_visible()
