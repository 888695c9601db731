"""Sign in with an existing account, against a real OpenID Connect provider.

Two panva/oidc-provider instances run on 127.0.0.1 (tests/oidc): "testid" (trusted)
and "otherid" (not trusted). Browser tests drive the whole flow in Chromium; attack
tests drive it with httpx up to the provider's answer and then tamper with it.
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
import reflex as rx
from playwright.sync_api import expect
from sqlalchemy import func
from sqlmodel import select

from social_market.db import session_scope
from social_market.models import AuthSession, ExternalIdentity, OidcFlow, User
from social_market.state.settings import SecurityState
from tests.e2e.conftest import (
    EventInjector,
    goto,
    provider_login,
    sign_in,
    wait_for_signed_out_home,
)
from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _uid(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def _backend() -> str:
    return rx.config.get_config().api_url.rstrip("/")


def _sessions() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(AuthSession)).one()


def _user_by_email(email: str) -> User | None:
    with session_scope() as session:
        return session.exec(select(User).where(User.email == email)).first()


def _identities(user_id: int) -> list[tuple[str, str, str]]:
    with session_scope() as session:
        rows = session.exec(
            select(ExternalIdentity).where(ExternalIdentity.user_id == user_id)
        ).all()
        return [(r.provider, r.issuer, r.subject) for r in rows]


def _has_session_cookie(context) -> bool:
    return any(c["name"] == "sm_session" for c in context.cookies())


# ------------------------------------------------------------------ httpx driver


def answer_from_provider(client: httpx.Client, start_url: str, login: str) -> str:
    """Run a flow from our start route through the provider's login and consent;
    return the callback URL the provider sends the browser to (not yet visited)."""
    url = start_url
    for _ in range(20):
        response = client.get(url)
        while response.status_code in (302, 303):
            url = urljoin(url, response.headers["location"])
            if "/api/auth/oidc/" in url and "/callback" in url:
                return url
            response = client.get(url)
        html = response.text
        action = urljoin(url, re.search(r'action="([^"]+)"', html).group(1))
        prompt = re.search(r'name="prompt" value="(\w+)"', html).group(1)
        data = {"prompt": prompt}
        if prompt == "login":
            data.update(login=login, password="any")
        response = client.post(action, data=data)
        assert response.status_code in (302, 303), response.text[:300]
        url = urljoin(action, response.headers["location"])
        if "/api/auth/oidc/" in url and "/callback" in url:
            return url
    raise AssertionError("the provider never answered")


def _refused(response: httpx.Response, *kinds: str) -> None:
    """The callback refused: it redirects to a page naming the problem, no session."""
    assert response.status_code == 303
    location = response.headers["location"]
    assert any("oidc_error=" + kind in location for kind in kinds), location
    assert "sm_session" not in response.headers.get("set-cookie", "")


@pytest.fixture
def http(oidc_providers):
    with httpx.Client(timeout=15) as client:
        yield client


# ------------------------------------------------------------------ browser flows


def test_sign_in_and_sign_up_pages_offer_each_configured_provider(page, oidc_providers):
    for path in ("/signin", "/signup"):
        goto(page, path)
        expect(page.get_by_role("button", name="Continue with TestID")).to_be_visible()
        expect(page.get_by_role("button", name="Continue with OtherID")).to_be_visible()


def test_new_user_signs_up_through_the_provider_and_signs_in_again(new_context, oidc_providers):
    login = _uid("Maker")
    page = new_context().new_page()
    goto(page, "/signup")
    page.get_by_role("button", name="Continue with TestID").click()
    provider_login(page, login)
    expect(page.get_by_role("heading", name="Join Social Market")).to_be_visible()
    handle = page.get_by_label("Handle")
    expect(handle).to_have_value(login)
    handle.fill(login + "-x")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#account-menu")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/settings/?\?welcome=1$"))
    user = _user_by_email(f"{login.lower()}@example.com")
    assert user is not None and user.handle == login + "-x"
    assert user.display_name == f"Test {login}"  # taken over: the box was ticked
    assert user.password_hash is None and user.email_verified_at is not None
    assert _identities(user.id) == [("testid", oidc_providers["testid"], login)]
    # The session cookie is HttpOnly: page scripts never see it.
    assert "sm_session" not in page.evaluate("document.cookie")

    # Another browser: signing in again finds the same account (by issuer + subject).
    other = new_context().new_page()
    goto(other, "/signin")
    other.get_by_role("button", name="Continue with TestID").click()
    provider_login(other, login)
    expect(other.locator("#account-menu")).to_be_visible()
    with session_scope() as session:
        assert (
            session.exec(
                select(func.count())
                .select_from(User)
                .where(User.email == f"{login.lower()}@example.com")
            ).one()
            == 1
        )


def test_password_user_links_a_provider_then_signs_in_with_it_and_unlinks(
    new_context, oidc_providers
):
    with session_scope() as session:
        user = make_user(session, handle=_uid("linker"))
        email, user_id = user.email, user.id
    login = _uid("Elsewhere")
    context = new_context()
    page = context.new_page()
    sign_in(page, email, PASSWORD, next_path="/settings/security")
    page.get_by_label("Provider").select_option("otherid")
    page.get_by_label("Your password, to confirm it's you").fill(PASSWORD)
    page.get_by_role("button", name="Link account").click()
    provider_login(page, login)
    expect(page.get_by_text("OtherID is linked")).to_be_visible()
    assert _identities(user_id) == [("otherid", oidc_providers["otherid"], login)]

    # Signed out, "Continue with OtherID" signs in to this account.
    page.locator("#account-menu").click()
    page.get_by_role("menuitem", name="Sign out").click()
    wait_for_signed_out_home(page)
    goto(page, "/signin?next=/settings/security")
    page.get_by_role("button", name="Continue with OtherID").click()
    page.wait_for_url(re.compile(r"/settings/security/?$"))
    expect(page.locator("#account-menu")).to_be_visible()
    expect(page.locator("[data-method='otherid']")).to_be_visible()

    # Unlink: the password remains, so that is allowed.
    page.get_by_role("button", name="Unlink OtherID").click()
    expect(page.get_by_text("The sign-in method is removed.")).to_be_visible()
    assert _identities(user_id) == []


def test_linking_needs_the_password(page, oidc_providers):
    with session_scope() as session:
        user = make_user(session, handle=_uid("careful"))
    sign_in(page, user.email, PASSWORD, next_path="/settings/security")
    page.get_by_label("Provider").select_option("testid")
    page.get_by_label("Your password, to confirm it's you").fill("not the password")
    page.get_by_role("button", name="Link account").click()
    expect(page.get_by_text("That password is not right.")).to_be_visible()
    assert _identities(user.id) == []


def test_unverified_provider_email_is_not_linked_to_an_existing_account(
    new_context, oidc_providers
):
    login = _uid("unverified")
    with session_scope() as session:
        user = make_user(session, handle=login, email=f"{login}@example.com")
    before = _sessions()
    context = new_context()
    page = context.new_page()
    goto(page, "/signin")
    page.get_by_role("button", name="Continue with TestID").click()
    provider_login(page, login)
    expect(
        page.get_by_text("already uses the email address of your TestID account")
    ).to_be_visible()
    expect(page.get_by_text("link TestID from Settings")).to_be_visible()
    assert _identities(user.id) == []
    assert _sessions() == before and not _has_session_cookie(context)


def test_verified_email_of_the_trusted_provider_links_automatically(new_context, oidc_providers):
    login = _uid("trusting")
    with session_scope() as session:
        user = make_user(session, handle=login, email=f"{login}@example.com")
    page = new_context().new_page()
    goto(page, "/signin")
    page.get_by_role("button", name="Continue with TestID").click()
    provider_login(page, login)
    expect(page.locator("#account-menu")).to_be_visible()
    assert _identities(user.id) == [("testid", oidc_providers["testid"], login)]


def test_verified_email_of_an_untrusted_provider_is_not_linked(new_context, oidc_providers):
    login = _uid("wary")
    with session_scope() as session:
        user = make_user(session, handle=login, email=f"{login}@example.com")
    page = new_context().new_page()
    goto(page, "/signin")
    page.get_by_role("button", name="Continue with OtherID").click()
    provider_login(page, login)
    expect(
        page.get_by_text("already uses the email address of your OtherID account")
    ).to_be_visible()
    assert _identities(user.id) == []


def test_provider_only_account_cannot_unlink_its_only_way_in(new_context, oidc_providers):
    login = _uid("Solo")
    page = new_context().new_page()
    injector = EventInjector(page)
    goto(page, "/signin")
    page.get_by_role("button", name="Continue with TestID").click()
    provider_login(page, login)
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#account-menu")).to_be_visible()
    goto(page, "/settings/security")
    expect(page.locator("[data-method='testid']")).to_be_visible()
    expect(page.get_by_role("button", name="Unlink TestID")).to_have_count(0)
    user = _user_by_email(f"{login.lower()}@example.com")
    [ident_id] = _identity_ids(user.id)
    injector.send(SecurityState, "unlink_provider", {"identity_id": str(ident_id)})
    expect(page.get_by_text("This is your only way to sign in.")).to_be_visible()
    assert len(_identities(user.id)) == 1
    # A password (allowed: the sign-in was a moment ago), then unlinking works.
    page.get_by_label("New password", exact=True).fill("a brand new passphrase")
    page.get_by_label("New password again").fill("a brand new passphrase")
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("button", name="Unlink TestID")).to_be_visible()
    page.get_by_role("button", name="Unlink TestID").click()
    expect(page.get_by_text("The sign-in method is removed.")).to_be_visible()
    assert _identities(user.id) == []


def _identity_ids(user_id: int) -> list[int]:
    with session_scope() as session:
        return list(
            session.exec(
                select(ExternalIdentity.id).where(ExternalIdentity.user_id == user_id)
            ).all()
        )


def test_cancel_at_the_provider_says_so(new_context, oidc_providers):
    context = new_context()
    page = context.new_page()
    goto(page, "/signin")
    page.get_by_role("button", name="Continue with TestID").click()
    page.get_by_text("[ Cancel ]").click()
    expect(page.get_by_text("Sign-in was cancelled at TestID.")).to_be_visible()
    assert not _has_session_cookie(context)


def test_error_messages_on_the_sign_in_page_are_fixed_texts(page, oidc_providers):
    goto(page, "/signin?oidc_error=unavailable&provider=testid")
    expect(page.get_by_text("TestID could not be reached just now.")).to_be_visible()
    goto(page, "/signin?oidc_error=<script>&provider=testid")
    expect(page.get_by_role("alert")).to_have_count(0)


# ------------------------------------------------------------------ attacks


def test_wrong_state_is_refused_without_a_session(http, oidc_providers):
    before = _sessions()
    start = f"{_backend()}/api/auth/oidc/testid/start"
    callback = answer_from_provider(http, start, _uid("victim"))
    query = parse_qs(urlsplit(callback).query)
    forged = f"{_backend()}/api/auth/oidc/testid/callback?code={query['code'][0]}&state=forged-state-value"
    _refused(http.get(forged), "expired")
    assert _sessions() == before


def test_reused_state_is_refused(http, oidc_providers):
    start = f"{_backend()}/api/auth/oidc/testid/start"
    callback = answer_from_provider(http, start, _uid("Replay"))
    first = http.get(callback)
    assert first.status_code == 303 and "oidc_error" not in first.headers["location"]
    before = _sessions()
    # Spent state (and the binding cookie is gone with it): refused either way.
    _refused(http.get(callback), "expired", "refused")
    assert _sessions() == before


def test_state_from_another_browser_is_refused(http, oidc_providers):
    start = f"{_backend()}/api/auth/oidc/testid/start"
    callback = answer_from_provider(http, start, _uid("Stolen"))
    before = _sessions()
    with httpx.Client(timeout=15) as attacker:  # no binding cookie
        _refused(attacker.get(callback), "refused")
    assert _sessions() == before


def test_missing_code_verifier_is_refused_here_and_at_the_provider(http, oidc_providers):
    start = f"{_backend()}/api/auth/oidc/testid/start"
    callback = answer_from_provider(http, start, _uid("Pkce"))
    code = parse_qs(urlsplit(callback).query)["code"][0]
    # The provider refuses the code without the verifier (PKCE required) ...
    from tests.conftest import OIDC_CLIENTS

    token = httpx.post(
        f"{oidc_providers['testid']}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": f"{_backend()}/api/auth/oidc/testid/callback",
        },
        auth=OIDC_CLIENTS["testid"],
    )
    assert token.status_code == 400
    assert token.json()["error"] in ("invalid_grant", "invalid_request")
    # ... and the app refuses to even try without its stored verifier.
    callback2 = answer_from_provider(http, start, _uid("Pkce"))
    state = parse_qs(urlsplit(callback2).query)["state"][0]
    from social_market.services.tokens import hash_token

    with session_scope() as session:
        flow = session.exec(select(OidcFlow).where(OidcFlow.state_hash == hash_token(state))).one()
        flow.code_verifier = ""
        session.add(flow)
    before = _sessions()
    _refused(http.get(callback2), "refused")
    assert _sessions() == before


def test_id_token_with_another_nonce_is_refused(http, oidc_providers):
    start = f"{_backend()}/api/auth/oidc/testid/start"
    callback = answer_from_provider(http, start, _uid("Nonce"))
    state = parse_qs(urlsplit(callback).query)["state"][0]
    from social_market.services.tokens import hash_token

    with session_scope() as session:
        flow = session.exec(select(OidcFlow).where(OidcFlow.state_hash == hash_token(state))).one()
        flow.nonce = "a-different-nonce-value"
        session.add(flow)
    before = _sessions()
    _refused(http.get(callback), "refused")
    assert _sessions() == before


def test_code_from_another_provider_is_refused(http, oidc_providers):
    before = _sessions()
    from_y = answer_from_provider(http, f"{_backend()}/api/auth/oidc/otherid/start", _uid("Mix"))
    y = parse_qs(urlsplit(from_y).query)
    # Y's whole answer delivered to X's callback: the state belongs to Y.
    mixed = f"{_backend()}/api/auth/oidc/testid/callback?code={y['code'][0]}&state={y['state'][0]}"
    _refused(http.get(mixed), "refused")
    # X's state with Y's code: X's token endpoint does not know the code.
    from_x = answer_from_provider(http, f"{_backend()}/api/auth/oidc/testid/start", _uid("Mix"))
    x = parse_qs(urlsplit(from_x).query)
    swapped = (
        f"{_backend()}/api/auth/oidc/testid/callback?code={y['code'][0]}&state={x['state'][0]}"
    )
    _refused(http.get(swapped), "refused")
    assert _sessions() == before


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_next_parameter_cannot_redirect_off_site(http, oidc_providers, app_url, target):
    login = _uid("next")
    with session_scope() as session:  # verified email at the trusted provider: signs in
        make_user(session, handle=login, email=f"{login}@example.com")
    start = f"{_backend()}/api/auth/oidc/testid/start?" + str(httpx.QueryParams({"next": target}))
    callback = answer_from_provider(http, start, login)
    done = http.get(callback)
    assert done.status_code == 303
    assert done.headers["location"] == f"{app_url}/"
    assert "sm_session" in done.headers.get("set-cookie", "")


def test_unknown_provider_route_is_not_found(http, oidc_providers):
    assert http.get(f"{_backend()}/api/auth/oidc/nope/start").status_code == 404
    assert http.get(f"{_backend()}/api/auth/oidc/nope/callback?code=x&state=y").status_code == 404
