"""Reporting (any page with a Report button) and the moderators' queue page.

Every handler re-checks who asks: the services refuse non-moderators, so a forged
event changes nothing, and the queue's data is only ever loaded for moderators.
"""

from __future__ import annotations

import reflex as rx

from social_market.db import session_scope
from social_market.i18n.catalog import BABEL_LOCALE, N_
from social_market.services import moderation, reports
from social_market.services.errors import DomainError
from social_market.services.ids import as_id
from social_market.services.moderation import ActionPublic, QueueItem, SuspendedAccount
from social_market.state.auth import AuthState

THANKS = N_("Thanks — our moderators will look at it.")


def _kind(value: object) -> str | None:
    return value if isinstance(value, str) and value in reports.target_kinds() else None


class ReportState(AuthState):
    """The report dialog (components/report.py): which one is open, and sending it."""

    # "<kind>:<id>" of the open dialog ('' = none): one dialog per target on a page.
    report_open: str = ""
    report_error: str = ""

    @rx.event
    def set_report_open(self, key: str, open_: bool):
        if not isinstance(key, str) or len(key) > 40 or not isinstance(open_, bool):
            return None
        if open_ and self._user_id_or_none() is None:
            return self._sign_in_redirect()
        self.report_error = ""
        self.report_open = key if open_ else ""
        return None

    @rx.event
    def submit_report(self, form_data: dict):
        """The dialog's form: target_kind, target_id, reason, note."""
        self.report_error = ""
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        if not isinstance(form_data, dict):
            self.report_error = self._t(
                "The form could not be read. Please reload the page and try again."
            )
            return None
        try:
            with session_scope() as session:
                reports.report(
                    session=session,
                    actor_id=me,
                    target_kind=form_data.get("target_kind"),
                    target_id=form_data.get("target_id"),
                    reason=form_data.get("reason"),
                    note=form_data.get("note", ""),
                )
        except reports.AlreadyReported as exc:
            self.report_open = ""
            return rx.toast.info(exc.translated(self.lang))
        except DomainError as exc:
            self.report_error = exc.translated(self.lang)
            return None
        self.report_open = ""
        return rx.toast.success(self._t(THANKS))


class ModerationState(AuthState):
    """/moderation: the queue of reported targets, suspended accounts, the audit log."""

    allowed: bool = False
    items: list[QueueItem] = []
    next_cursor: int = 0  # 0: no more pages
    suspended: list[SuspendedAccount] = []
    actions: list[ActionPublic] = []
    # The account the "Suspend" dialog is open for (0 = closed), and its handle.
    suspend_user_id: int = 0
    suspend_handle: str = ""
    suspend_error: str = ""

    def _refresh(self, me: int) -> None:
        locale = BABEL_LOCALE.get(self.lang)
        with session_scope() as session:
            page = moderation.open_reports(session=session, actor_id=me, locale=locale)
            self.suspended = moderation.suspended_accounts(
                session=session, actor_id=me, locale=locale
            )
            self.actions = moderation.recent_actions(session=session, actor_id=me, locale=locale)
        self.items = page.items
        self.next_cursor = page.next_cursor or 0

    def _moderator(self) -> int | None:
        """The signed-in moderator's id; else None, with every moderator view emptied."""
        me = self._user_id_or_none()
        with session_scope() as session:
            ok = moderation.is_moderator(session, me)
        if not ok:
            self.allowed = False
            self.items, self.suspended, self.actions = [], [], []
            self.next_cursor = 0
            return None
        self.allowed = True
        return me

    @rx.event
    def load(self):
        self.suspend_user_id, self.suspend_error = 0, ""
        me = self._moderator()
        if me is not None:
            self._refresh(me)

    @rx.event
    def more(self):
        me = self._moderator()
        if me is None or not self.next_cursor:
            return None
        try:
            with session_scope() as session:
                page = moderation.open_reports(
                    session=session,
                    actor_id=me,
                    cursor=self.next_cursor,
                    locale=BABEL_LOCALE.get(self.lang),
                )
        except DomainError as exc:
            return rx.toast.error(exc.translated(self.lang))
        self.items = [*self.items, *page.items]
        self.next_cursor = page.next_cursor or 0
        return None

    def _act(self, action, message: str, **kwargs):
        me = self._moderator()
        if me is None:
            return None
        try:
            with session_scope() as session:
                action(session=session, actor_id=me, **kwargs)
        except DomainError as exc:
            return rx.toast.error(exc.translated(self.lang))
        self._refresh(me)
        return rx.toast.success(self._t(message))

    @rx.event
    def dismiss(self, kind: str, target_id: int):
        if _kind(kind) is None or as_id(target_id) is None:
            return None
        return self._act(
            moderation.dismiss, N_("Reports dismissed."), target_kind=kind, target_id=target_id
        )

    @rx.event
    def hide(self, kind: str, target_id: int):
        if _kind(kind) is None or as_id(target_id) is None:
            return None
        return self._act(
            moderation.hide_target, N_("Hidden."), target_kind=kind, target_id=target_id
        )

    @rx.event
    def unhide(self, kind: str, target_id: int):
        if _kind(kind) is None or as_id(target_id) is None:
            return None
        return self._act(
            moderation.unhide_target, N_("Visible again."), target_kind=kind, target_id=target_id
        )

    @rx.event
    def open_suspend(self, user_id: int, handle: str):
        if self._moderator() is None or as_id(user_id) is None or not isinstance(handle, str):
            return
        self.suspend_user_id, self.suspend_handle = user_id, handle[:40]
        self.suspend_error = ""

    @rx.event
    def set_suspend_open(self, open_: bool):
        if open_ is False:
            self.suspend_user_id, self.suspend_error = 0, ""

    @rx.event
    def suspend(self, form_data: dict):
        me = self._moderator()
        if me is None or not self.suspend_user_id:
            return None
        reason = form_data.get("reason") if isinstance(form_data, dict) else None
        try:
            with session_scope() as session:
                moderation.suspend_user(
                    session=session, actor_id=me, user_id=self.suspend_user_id, reason=reason
                )
        except DomainError as exc:
            self.suspend_error = exc.translated(self.lang)
            return None
        self.suspend_user_id, self.suspend_error = 0, ""
        self._refresh(me)
        return rx.toast.success(self._t("Account suspended."))

    @rx.event
    def unsuspend(self, user_id: int):
        if as_id(user_id) is None:
            return None
        return self._act(moderation.unsuspend_user, N_("Suspension lifted."), user_id=user_id)
