"""Who is signed in, read from the HttpOnly session cookie and checked against the database.

Every handler that acts for a person calls ``self._user_id_or_none()`` (or
``_require_user_id``): the session is re-validated on each call, so "sign out
everywhere" and account deletion take effect at once in every open tab.
"""

from __future__ import annotations

import json
import logging
from http.cookies import CookieError, SimpleCookie
from urllib.parse import unquote, urlencode

import reflex as rx

from social_market.api.auth_routes import SESSION_COOKIE
from social_market.db import session_scope
from social_market.i18n.catalog import DEFAULT_LANGUAGE, gettext, negotiate, normalize_language
from social_market.models import User
from social_market.models.user import MODERATOR
from social_market.services import accounts, cart, countries, profiles
from social_market.urls import safe_next

log = logging.getLogger(__name__)


def navigate_to_backend(path: str, **params: str) -> rx.event.EventSpec:
    """A full page load of a backend route (cookies can only be set by HTTP responses).

    The backend address is Reflex's api_url (dev: its own port; prod: the app's port),
    with the same rule the frontend applies to reach it: a localhost-style host means
    "the host this page was loaded from".
    """
    target = f"{path}?{urlencode(params)}" if params else path
    base = rx.config.get_config().api_url.rstrip("/")
    log.info("navigating to backend route %s", path)
    script = (
        f"(() => {{ const u = new URL({json.dumps(base)} + {json.dumps(target)});"
        " if (['localhost', '0.0.0.0', '::'].includes(u.hostname))"
        " { u.hostname = window.location.hostname; }"
        " window.location.assign(u.toString()); })()"
    )
    return rx.call_script(script)


class AuthState(rx.State):
    """The signed-in person as the page shows them; the id itself stays on the server."""

    _user_id: int | None = None
    # The UI language: the person's saved choice, else the cookie, else the browser's.
    lang: str = DEFAULT_LANGUAGE
    lang_cookie: str = rx.Cookie("", name="sm_lang", max_age=365 * 86400, same_site="lax")
    # Where the visitor wants things shipped (not personal data): '' = not chosen yet.
    ship_to: str = rx.Cookie("", name="sm_ship_to", max_age=365 * 86400, same_site="lax")
    # Pieces in the signed-in person's cart, for the header badge.
    cart_count: int = 0
    signed_in: bool = False
    me_handle: str = ""
    me_name: str = ""
    me_avatar: str = ""
    me_initials: str = ""
    # Shows the moderation link in the account menu (the page re-checks the role itself).
    is_moderator: bool = False
    auth_checked: bool = False

    # ------------------------------------------------------------------ helpers

    def _session_token(self) -> str | None:
        raw = self.router.headers.cookie or ""
        jar = SimpleCookie()
        try:
            jar.load(raw)
        except CookieError:
            return None
        morsel = jar.get(SESSION_COOKIE)
        return morsel.value if morsel else None

    def _client(self) -> accounts.ClientInfo:
        return accounts.ClientInfo(
            ip=self.router.session.client_ip or "",
            user_agent=self.router.headers.user_agent or "",
        )

    def _set_me(self, user: User | None) -> None:
        """Show who is signed in. Only values that changed are set: every set var goes
        back to the browser with the event's answer."""
        if user is None:
            values = {
                "signed_in": False,
                "me_handle": "",
                "me_name": "",
                "me_avatar": "",
                "me_initials": "",
                "cart_count": 0,
                "is_moderator": False,
            }
            self._user_id = None
        else:
            name = user.display_name or user.handle
            values = {
                "signed_in": True,
                "me_handle": user.handle,
                "me_name": name,
                "me_avatar": profiles.avatar_url(user.avatar_key, 96),
                "me_initials": profiles.initials(name),
                "is_moderator": user.role == MODERATOR,
            }
            self._user_id = user.id
        values["auth_checked"] = True
        for key, value in values.items():
            if getattr(self, key) != value:
                setattr(self, key, value)
        self._resolve_language(user)

    def _resolve_language(self, user: User | None) -> None:
        chosen = (
            normalize_language(user.locale if user else None)
            or normalize_language(self.lang_cookie)
            or negotiate(self.router.headers.accept_language)
        )
        if chosen != self.lang:
            self.lang = chosen

    def _destination(self, fallback: str) -> str:
        """The chosen shipping country, else the browser's region ('de-AT' → AT), else
        ``fallback``."""
        names = countries.country_names("en")
        chosen = (self.ship_to or "").upper()
        if chosen in names:
            return chosen
        for part in (self.router.headers.accept_language or "").split(","):
            tag = part.split(";")[0].strip()
            if "-" in tag and (region := tag.split("-")[-1].upper()) in names:
                return region
        return fallback

    def _t(self, message: str, **params) -> str:
        """Translate a server-side message into the page's language."""
        text = gettext(self.lang, message)
        return text.format(**params) if params else text

    def _user_id_or_none(self, *, with_cart: bool = True) -> int | None:
        """Re-check the cookie's session in the database and return the user id (and
        recount the cart badge, unless ``with_cart`` is False: frequent live events)."""
        token = self._session_token()
        if not token:
            self._set_me(None)
            return None
        with session_scope() as session:
            user = accounts.user_for_session(session=session, token=token)
            self._set_me(user)
            if user is not None and with_cart:
                count = cart.cart_count(session=session, user_id=user.id)
                if count != self.cart_count:
                    self.cart_count = count
        return self._user_id

    def _path_tail(self) -> str:
        """The last segment of the current path (the [token] / [handle] of dynamic routes)."""
        path = str(self.router.url.path or "").rstrip("/")
        return unquote(path.rsplit("/", 1)[-1]) if "/" in path else ""

    def _sign_in_redirect(self) -> rx.event.EventSpec:
        here = safe_next(self.router.url.path or "/")
        return rx.redirect(f"/signin?{urlencode({'next': here})}")

    def _start_session(self, user: User, next_path: str = "/") -> rx.event.EventSpec:
        """Issue a login ticket and send the browser to the cookie route."""
        with session_scope() as session:
            ticket = accounts.issue_login_ticket(session=session, user=user)
        return navigate_to_backend("/api/auth/session", ticket=ticket, next=safe_next(next_path))

    # ------------------------------------------------------------------ events

    @rx.event
    def load_session(self):
        """on_load of every page: refresh who is signed in."""
        self._user_id_or_none()

    @rx.event
    def set_language(self, lang: str):
        """The language switcher: remembered in a cookie, and on the account if signed in."""
        chosen = normalize_language(lang)
        if chosen is None:
            return
        self.lang = chosen
        self.lang_cookie = chosen
        user_id = self._user_id_or_none()
        if user_id is not None:
            with session_scope() as session:
                profiles.set_locale(session=session, user_id=user_id, locale=chosen)
        self.lang = chosen

    @rx.event
    def sign_out(self):
        token = self._session_token()
        if token:
            with session_scope() as session:
                accounts.revoke_session(session=session, token=token)
        self._set_me(None)
        return navigate_to_backend("/api/auth/clear", next="/")
