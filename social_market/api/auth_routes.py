"""Routes that set and clear the HttpOnly session cookie.

A Reflex event cannot set an HttpOnly cookie, so sign-in ends with a full page
navigation to ``/api/auth/session?ticket=…``: the ticket (60 s, single use) is
exchanged for a session token, the cookie is set, and the browser is sent on to
the page it came from. Page scripts never see the token.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit, urlunsplit

import reflex as rx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from social_market.db import session_scope
from social_market.services import accounts
from social_market.services.errors import InvalidToken
from social_market.settings import get_settings
from social_market.urls import safe_next

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/auth")
SESSION_COOKIE = "sm_session"


LOCAL_HOSTS = {"localhost", "0.0.0.0", "::"}  # noqa: S104 - names, not a bind address


def frontend_url(path: str, request: Request | None = None) -> str:
    """The frontend address for ``path``.

    Like the frontend does for the backend, a localhost-style configured host means
    "the host the browser used" (so 127.0.0.1 and LAN addresses keep their cookie).
    """
    base = urlsplit(rx.config.get_config().deploy_url or get_settings().public_base_url)
    if request is not None and base.hostname in LOCAL_HOSTS and request.url.hostname:
        netloc = request.url.hostname + (f":{base.port}" if base.port else "")
        base = base._replace(netloc=netloc)
    return urlunsplit(base._replace(path="", query="", fragment="")).rstrip("/") + path


def backend_url(path: str, request: Request | None = None) -> str:
    """The backend's address for ``path`` (dev and tests: its own port), same host rule."""
    base = urlsplit(rx.config.get_config().api_url or get_settings().public_base_url)
    if request is not None and base.hostname in LOCAL_HOSTS and request.url.hostname:
        netloc = request.url.hostname + (f":{base.port}" if base.port else "")
        base = base._replace(netloc=netloc)
    return urlunsplit(base._replace(path="", query="", fragment="")).rstrip("/") + path


@router.get("/session")
def start_session(request: Request, ticket: str = "", next: str = "/"):
    client = accounts.ClientInfo(
        ip=request.client.host if request.client else "",
        user_agent=request.headers.get("user-agent", ""),
    )
    try:
        with session_scope() as session:
            token = accounts.redeem_login_ticket(session=session, ticket=ticket, client=client)
    except InvalidToken:
        log.info("refused sign-in ticket from %s", client.ip)
        return HTMLResponse(
            "<!doctype html><title>Sign-in link expired</title>"
            "<p>This sign-in link has expired or was already used. "
            f'<a href="{frontend_url("/signin", request)}">Sign in again</a>.</p>',
            status_code=400,
        )
    response = RedirectResponse(frontend_url(safe_next(next), request), status_code=303)
    set_session_cookie(response, token)
    return response


def set_session_cookie(response: Response, token: str) -> None:
    """The one way a session token reaches the browser: HttpOnly, SameSite=Lax."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=get_settings().session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=get_settings().cookie_secure,
        path="/",
    )
    response.headers["Cache-Control"] = "no-store"


@router.get("/clear")
def clear_session(next: str = "/"):
    """Remove the cookie (the session itself was already revoked by the sign-out event)."""
    response = RedirectResponse(frontend_url(safe_next(next)), status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.headers["Cache-Control"] = "no-store"
    return response
