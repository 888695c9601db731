"""The notifications page and the notification settings. Thin: check who is asking,
call ``services/notifications.py``, set vars."""

from __future__ import annotations

import reflex as rx

from social_market.db import session_scope
from social_market.i18n.catalog import BABEL_LOCALE
from social_market.models.notification import KINDS
from social_market.services import notifications
from social_market.services.errors import DomainError
from social_market.services.notifications import NotificationCard
from social_market.state.auth import AuthState
from social_market.state.forms import FormState


class NotificationsState(AuthState):
    """/notifications: newest first; opening the page marks what it shows as read."""

    items: list[NotificationCard] = []
    next_cursor: str = ""
    loaded: bool = False

    def _page(self, me: int, cursor: str | None):
        with session_scope() as session:
            return notifications.list_notifications(
                session=session, actor_id=me, cursor=cursor, locale=BABEL_LOCALE.get(self.lang)
            )

    def _show_top(self, me: int) -> None:
        self.items, self.next_cursor = self._page(me, None)
        self.loaded = True
        if self.items:  # read up to what is shown; newer ones stay unread
            with session_scope() as session:
                notifications.mark_read(session=session, actor_id=me, up_to=self.items[0].id)

    @rx.event
    def load(self):
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        self._show_top(me)
        return None

    @rx.event
    def refresh(self):
        """The badge changed while the page is open: show the newest."""
        me = self._user_id_or_none()
        if me is None or not self.loaded:
            return None
        self._show_top(me)
        return None

    @rx.event
    def more(self):
        me = self._user_id_or_none()
        if me is None or not self.next_cursor:
            return
        try:
            items, self.next_cursor = self._page(me, self.next_cursor)
        except DomainError:
            self.next_cursor = ""
            return
        self.items = [*self.items, *items]


class NotificationSettingsState(FormState):
    """/settings/notifications: each kind on or off, and the daily email digest."""

    on: dict[str, bool] = dict.fromkeys(KINDS, True)
    digest: bool = False
    email_messages: bool = True

    def _show(self, me: int) -> None:
        with session_scope() as session:
            s = notifications.get_notification_settings(session=session, actor_id=me)
        self.on, self.digest, self.email_messages = s.on, s.digest, s.email_messages

    @rx.event
    def load(self):
        self._clear()
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        self._show(me)
        return None

    @rx.event
    def set_kind(self, kind: str, value: bool):
        if kind in KINDS and isinstance(value, bool):
            self.on = {**self.on, kind: value}

    @rx.event
    def set_email_messages(self, value: bool):
        if isinstance(value, bool):
            self.email_messages = value

    @rx.event
    def set_digest(self, value: bool):
        if isinstance(value, bool):
            self.digest = value

    @rx.event
    def save(self, form_data: dict):
        begun = self._begin(form_data)
        if begun is None:
            return None
        me, _ = begun
        try:
            with session_scope() as session:
                notifications.save_notification_settings(
                    session=session,
                    actor_id=me,
                    on=dict(self.on),
                    digest=self.digest,
                    email_messages=self.email_messages,
                )
        except DomainError as exc:
            self._fail(exc)
            return None
        self._show(me)
        self.notice = self._t("Notification settings saved.")
        return rx.toast.success(self._t("Notification settings saved."))
