"""Shared plumbing for form states: field errors, a general message, input checks."""

from __future__ import annotations

from social_market.services.errors import DomainError
from social_market.state.auth import AuthState


class FormState(AuthState):
    """Base for states behind a form. Subclasses call ``_fail`` with a DomainError."""

    error: str = ""
    field_errors: dict[str, str] = {}
    notice: str = ""
    busy: bool = False

    def _clear(self) -> None:
        self.error = ""
        self.field_errors = {}
        self.notice = ""

    def _fail(self, exc: DomainError) -> None:
        message = exc.translated(self.lang)
        if exc.field:
            self.field_errors = {exc.field: message}
            self.error = ""
        else:
            self.field_errors = {}
            self.error = message

    def _begin(self, form_data: object) -> tuple[int, dict[str, object]] | None:
        """Start handling a submitted form: clear old messages, check who is asking and
        that the form is a form. None (with a message shown) when the handler must stop.
        """
        self._clear()
        user_id = self._user_id_or_none()
        if user_id is None:
            self.error = self._t("Your session has ended. Please sign in again.")
            return None
        data = self._form(form_data)
        return None if data is None else (user_id, data)

    def _form(self, form_data: object) -> dict[str, object] | None:
        """The submitted form as a dict, or None (with a message) for anything else.

        A real form always sends a dict; something else is a forged or broken call,
        and must not be read as "every field empty".
        """
        if isinstance(form_data, dict):
            return form_data
        self.error = self._t("The form could not be read. Please reload the page and try again.")
        return None
