"""Sign in with a provider: the buttons on the sign-in/sign-up pages and the handle form.

The flow itself runs in backend routes (api/oidc_routes.py); these states only show
configured providers, send the browser to the start route, and finish a sign-up.
Nothing of the flow (state, nonce, verifier, tokens) ever passes through here.
"""

from __future__ import annotations

import logging
from http.cookies import CookieError, SimpleCookie

import reflex as rx

from social_market.api.oidc_routes import SIGNUP_COOKIE
from social_market.db import session_scope
from social_market.services import oidc, profiles
from social_market.services.errors import DomainError, NotFound
from social_market.state.auth import AuthState, navigate_to_backend
from social_market.state.forms import FormState
from social_market.urls import safe_next

log = logging.getLogger(__name__)


def provider_list() -> list[dict[str, str]]:
    return [{"name": p.name, "label": p.label} for p in oidc.providers()]


def error_message(state: AuthState) -> str:
    """The message for ?oidc_error=<kind>&provider=<name>: known kinds and providers only."""
    query = state.router.url.query_parameters
    kind, name = query.get("oidc_error"), query.get("provider")
    if not isinstance(kind, str) or kind not in oidc.MESSAGES:
        return ""
    try:
        provider = oidc.get_provider(name)
    except NotFound:
        return ""
    return state._t(oidc.MESSAGES[kind], provider=provider.label)


def start_flow(name: object, next_path: object, reauth: bool = False) -> rx.event.EventSpec | None:
    """Send the browser to the start route of a configured provider (else nothing)."""
    try:
        provider = oidc.get_provider(name)
    except NotFound:
        return None
    params = {"next": safe_next(next_path)}
    if reauth:
        params["reauth"] = "1"
    return navigate_to_backend(f"/api/auth/oidc/{provider.name}/start", **params)


class ProviderButtonsState(AuthState):
    """'Continue with <Provider>' on the sign-in and sign-up pages."""

    providers: list[dict[str, str]] = []
    oidc_error: str = ""

    @rx.event
    def load(self):
        self._user_id_or_none()
        self.providers = provider_list()
        self.oidc_error = error_message(self)

    @rx.event
    def start(self, name: str):
        return start_flow(name, self.router.url.query_parameters.get("next", "/"))


class ProviderSignUpState(FormState):
    """/signup/provider: choose a handle for the account a provider sign-in creates."""

    pending: bool = False
    provider_label: str = ""
    email: str = ""
    proposed_handle: str = ""
    profile_name: str = ""
    has_picture: bool = False

    def _signup_token(self) -> str | None:
        jar = SimpleCookie()
        try:
            jar.load(self.router.headers.cookie or "")
        except CookieError:
            return None
        morsel = jar.get(SIGNUP_COOKIE)
        return morsel.value if morsel else None

    @rx.event
    def load(self):
        self._clear()
        self._user_id_or_none()
        with session_scope() as session:
            signup = oidc.pending_signup(session=session, token=self._signup_token())
            self.pending = signup is not None
            if signup is None:
                self.provider_label = self.email = self.proposed_handle = self.profile_name = ""
                self.has_picture = False
                return
            self.provider_label = oidc.label(signup.provider)
            self.email = signup.email
            self.profile_name = signup.name
            self.has_picture = bool(signup.picture_url)
            self.proposed_handle = oidc.propose_handle(session=session, signup=signup)

    @rx.event
    def submit(self, form_data: dict):
        self._clear()
        data = self._form(form_data)
        if data is None:
            return
        use_profile = data.get("use_profile") in ("on", True, "true")
        try:
            with session_scope() as session:
                user, picture = oidc.finish_signup(
                    session=session,
                    token=self._signup_token(),
                    handle=data.get("handle"),
                    use_profile=use_profile,
                )
        except DomainError as exc:
            self._fail(exc)
            return
        if picture and (image := oidc.fetch_picture(picture)):
            try:
                with session_scope() as session:
                    profiles.set_avatar(session=session, user_id=user.id, data=image)
            except DomainError:
                log.info("provider picture of user %s was not a usable image", user.id)
        self.pending = False
        return self._start_session(user, "/settings?welcome=1")
