"""Sign in with OpenID Connect: the start and callback routes, one callback per provider.

``/api/auth/oidc/<name>/start`` stores the flow (services/oidc.py) and sends the
browser to the provider with an HttpOnly, SameSite=Lax cookie that binds the flow to
this browser (scoped to this provider's path). ``/api/auth/oidc/<name>/callback`` is
the exact redirect URI registered at the provider: it checks and spends the flow,
verifies the answer, and redirects away at once — to the page the person came from
with a new session cookie, to the sign-up form, or to a page saying what went wrong.
Nothing of the flow (state, nonce, verifier, code, tokens) is logged or sent to page
scripts.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from social_market.api.auth_routes import (
    SESSION_COOKIE,
    backend_url,
    frontend_url,
    set_session_cookie,
)
from social_market.db import session_scope
from social_market.services import accounts, oidc
from social_market.services.errors import DomainError, InvalidToken, NotFound
from social_market.settings import OidcProvider, get_settings
from social_market.urls import SETTINGS_SECURITY, SIGN_IN, SIGN_UP_PROVIDER, safe_next

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/auth/oidc")
SIGNUP_COOKIE = "sm_oidc_signup"
# Errors the provider may return that mean "the person stopped" rather than "broken".
_CANCEL_ERRORS = {"access_denied", "login_required", "consent_required", "interaction_required"}


class _RedactAuthQueries(logging.Filter):
    """Keep codes, states and tickets out of the access log: drop /api/auth query strings."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path = args[2]
            if path.startswith("/api/auth/") and "?" in path:
                record.args = (*args[:2], path.split("?", 1)[0] + "?…", *args[3:])
        return True


logging.getLogger("uvicorn.access").addFilter(_RedactAuthQueries())


def flow_cookie(provider: OidcProvider) -> str:
    return f"sm_oidc_{provider.name.replace('-', '_')}"


def flow_cookie_path(provider: OidcProvider) -> str:
    return f"/api/auth/oidc/{provider.name}/"


def redirect_uri(provider: OidcProvider, request: Request) -> str:
    """The exact redirect URI registered at the provider for this provider."""
    base = get_settings().oidc_redirect_base or backend_url("", request)
    return f"{base}/api/auth/oidc/{provider.name}/callback"


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _fail(request: Request, purpose: str, kind: str, provider: OidcProvider) -> Response:
    """Redirect to the page that explains the error (nothing is created)."""
    page = SETTINGS_SECURITY if purpose == "link" else SIGN_IN
    query = urlencode({"oidc_error": kind, "provider": provider.name})
    response = RedirectResponse(frontend_url(f"{page}?{query}", request), status_code=303)
    response.delete_cookie(flow_cookie(provider), path=flow_cookie_path(provider))
    return _no_store(response)


def _not_found() -> Response:
    return _no_store(
        HTMLResponse(
            "<!doctype html><title>Not found</title><p>This sign-in method is not available.</p>",
            status_code=404,
        )
    )


def _client(request: Request) -> accounts.ClientInfo:
    return accounts.ClientInfo(
        ip=request.client.host if request.client else "",
        user_agent=request.headers.get("user-agent", ""),
    )


@router.get("/{name}/start")
async def start(request: Request, name: str, next: str = "/", link: str = "", reauth: str = ""):
    """Begin a sign-in (or, with a link ticket, linking to the signed-in account)."""
    try:
        provider = oidc.get_provider(name)
    except NotFound:
        return _not_found()
    purpose, user_id, next_path = "signin", None, safe_next(next)
    if link:
        try:
            with session_scope() as session:
                user = oidc.redeem_link_ticket(session=session, ticket=link)
        except InvalidToken:
            return _fail(request, "link", oidc.EXPIRED, provider)
        purpose, user_id, next_path = "link", user.id, SETTINGS_SECURITY
    try:
        started, flow = await oidc.begin(
            provider=provider,
            redirect_uri=redirect_uri(provider, request),
            next_path=next_path,
            purpose=purpose,
            user_id=user_id,
            reauthenticate=reauth == "1",
        )
    except oidc.OidcError as exc:
        return _fail(request, purpose, exc.kind, provider)
    with session_scope() as session:
        oidc.store_flow(session=session, flow=flow)
    log.info("OIDC %s started with %s", purpose, provider.name)
    response = RedirectResponse(started.url, status_code=303)
    response.set_cookie(
        flow_cookie(provider),
        started.browser_secret,
        max_age=int(oidc.FLOW_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=get_settings().cookie_secure,
        path=flow_cookie_path(provider),
    )
    return _no_store(response)


@router.get("/{name}/callback")
async def callback(request: Request, name: str):
    """The provider's answer. Always redirects away at once."""
    try:
        provider = oidc.get_provider(name)
    except NotFound:
        return _not_found()
    params = request.query_params
    # Spend the flow first, whatever the answer: a state is never good twice.
    try:
        with session_scope() as session:
            flow = oidc.claim_flow(
                session=session,
                provider=provider,
                state=params.get("state"),
                browser_secret=request.cookies.get(flow_cookie(provider)),
            )
    except oidc.OidcError as exc:
        log.info("OIDC callback for %s refused: %s", provider.name, exc.kind)
        return _fail(request, "signin", exc.kind, provider)
    if params.get("error"):
        kind = oidc.CANCELLED if params.get("error") in _CANCEL_ERRORS else oidc.REFUSED
        log.info("OIDC %s at %s ended: %s", flow.purpose, provider.name, kind)
        return _fail(request, flow.purpose, kind, provider)
    # RFC 9207: when the provider names itself in the answer, it must be this one.
    if "iss" in params and params.get("iss") != provider.issuer:
        log.warning("OIDC callback for %s names another issuer", provider.name)
        return _fail(request, flow.purpose, oidc.REFUSED, provider)
    try:
        identity = await oidc.exchange(provider=provider, flow=flow, code=params.get("code"))
    except oidc.OidcError as exc:
        return _fail(request, flow.purpose, exc.kind, provider)
    token = None
    try:
        with session_scope() as session:
            outcome = oidc.complete(session=session, flow=flow, identity=identity)
            if outcome.user is not None and flow.purpose == "signin":
                # A new session token at every sign-in; the browser's old one ends here.
                accounts.revoke_session(session=session, token=request.cookies.get(SESSION_COOKIE))
                token = accounts.create_session(
                    session=session, user=outcome.user, client=_client(request)
                )
    except oidc.OidcError as exc:
        log.info("OIDC %s with %s refused: %s", flow.purpose, provider.name, exc.kind)
        return _fail(request, flow.purpose, exc.kind, provider)
    except DomainError:
        return _fail(request, flow.purpose, oidc.REFUSED, provider)
    if flow.purpose == "link":
        target = f"{SETTINGS_SECURITY}?{urlencode({'linked': provider.name})}"
        response = RedirectResponse(frontend_url(target, request), status_code=303)
    elif outcome.signup_token:
        log.info("OIDC sign-up with %s continues to the handle form", provider.name)
        response = RedirectResponse(frontend_url(SIGN_UP_PROVIDER, request), status_code=303)
        response.set_cookie(
            SIGNUP_COOKIE,
            outcome.signup_token,
            max_age=int(oidc.SIGNUP_LIFETIME.total_seconds()),
            httponly=True,
            samesite="lax",
            secure=get_settings().cookie_secure,
            path="/",
        )
    else:
        assert token is not None and outcome.user is not None
        log.info("sign-in of user %s through %s", outcome.user.id, provider.name)
        response = RedirectResponse(frontend_url(safe_next(flow.next_path), request), 303)
        set_session_cookie(response, token)
    response.delete_cookie(flow_cookie(provider), path=flow_cookie_path(provider))
    return _no_store(response)
