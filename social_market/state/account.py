"""Sign-up, email confirmation, sign-in and password reset forms."""

from __future__ import annotations

import logging

import reflex as rx

from social_market.db import session_scope
from social_market.i18n.catalog import N_
from social_market.services import accounts
from social_market.services.errors import DomainError, InvalidToken, NotAllowed
from social_market.state.forms import FormState
from social_market.urls import safe_next

log = logging.getLogger(__name__)

CHECK_EMAIL = N_(
    "Almost done! We have sent a confirmation link to {email}. "
    "Open it to activate your account. (Already have an account? The email tells you what to do.)"
)


class SignUpState(FormState):
    done: bool = False
    sent_to: str = ""

    @rx.event
    def submit(self, form_data: dict):
        self._clear()
        data = self._form(form_data)
        if data is None:
            return
        try:
            with session_scope() as session:
                accounts.sign_up(
                    session=session,
                    email=data.get("email"),
                    handle=data.get("handle"),
                    password=data.get("password"),
                    display_name=data.get("display_name", ""),
                    client=self._client(),
                    # From an invitation link (/join/<code> → /signup?invite=<code>).
                    invite_code=self.router.url.query_parameters.get("invite"),
                )
        except DomainError as exc:
            self._fail(exc)
            return
        self.sent_to = str(data.get("email", "")).strip()[:254]
        self.notice = self._t(CHECK_EMAIL, email=self.sent_to)
        self.done = True

    @rx.event
    def restart(self):
        self._clear()
        self.done = False


class SignInState(FormState):
    @rx.event
    def submit(self, form_data: dict):
        self._clear()
        data = self._form(form_data)
        if data is None:
            return
        next_path = safe_next(self.router.url.query_parameters.get("next", "/"))
        try:
            with session_scope() as session:
                user = accounts.authenticate(
                    session=session,
                    email=data.get("email"),
                    password=data.get("password"),
                    client=self._client(),
                )
        except DomainError as exc:
            log.info("failed sign-in from %s: %s", self._client().ip, type(exc).__name__)
            self._fail(exc)
            return
        log.info("sign-in of user %s", user.id)
        return self._start_session(user, next_path)


class ConfirmState(FormState):
    """/confirm/<token>: confirm the address, then sign the person in."""

    @rx.event
    def confirm(self):
        self._clear()
        token = self._path_tail()
        try:
            with session_scope() as session:
                user = accounts.confirm_email(session=session, token=token)
        except (InvalidToken, NotAllowed) as exc:
            self._fail(exc)
            return
        return self._start_session(user, "/settings?welcome=1")


class ResetRequestState(FormState):
    sent: bool = False

    @rx.event
    def submit(self, form_data: dict):
        self._clear()
        data = self._form(form_data)
        if data is None:
            return
        try:
            with session_scope() as session:
                accounts.request_password_reset(
                    session=session, email=data.get("email"), client=self._client()
                )
        except DomainError as exc:
            self._fail(exc)
            return
        self.sent = True
        self.notice = self._t(
            "If an account uses that address, we have emailed it a link to choose a new "
            "password. The link expires in 1 hour."
        )


class ResetState(FormState):
    """/reset/<token>: choose a new password."""

    @rx.event
    def submit(self, form_data: dict):
        self._clear()
        data = self._form(form_data)
        if data is None:
            return
        token = self._path_tail()
        if data.get("password") != data.get("password_again"):
            self.field_errors = {"password_again": self._t("The two passwords are not the same.")}
            return
        try:
            with session_scope() as session:
                user = accounts.reset_password(
                    session=session, token=token, new_password=data.get("password")
                )
        except DomainError as exc:
            self._fail(exc)
            return
        return self._start_session(user, "/")
