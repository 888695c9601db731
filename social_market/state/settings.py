"""Account settings: profile, avatar, password, sessions, deletion. All need a signed-in user."""

from __future__ import annotations

import asyncio
import functools
import logging

import reflex as rx

from social_market.db import session_scope
from social_market.i18n.catalog import BABEL_LOCALE
from social_market.models.export import EXPORT_PENDING, EXPORT_READY, EXPORT_RUNNING
from social_market.services import accounts, data_export, profiles
from social_market.services.data_export import ExportStatus
from social_market.services.errors import DomainError, NotAllowed
from social_market.state.auth import AuthState
from social_market.state.forms import FormState

log = logging.getLogger(__name__)
MAX_UPLOAD_READ = 5 * 1024 * 1024 + 1


class ProfileSettingsState(FormState):
    display_name: str = ""
    bio: str = ""
    location: str = ""
    website: str = ""
    avatar: str = ""
    handle: str = ""
    welcome: bool = False
    avatar_error: str = ""
    uploading: bool = False

    def _fill(self, profile) -> None:
        self.display_name = profile.display_name
        self.bio = profile.bio
        self.location = profile.location
        self.website = profile.website
        self.avatar = profile.avatar_url_large
        self.handle = profile.handle
        self.me_avatar = profile.avatar_url
        self.me_name = profile.display_name

    @rx.event
    def load(self):
        self._clear()
        self.avatar_error = ""
        user_id = self._user_id_or_none()
        if user_id is None:
            return self._sign_in_redirect()
        self.welcome = self.router.url.query_parameters.get("welcome") == "1"
        with session_scope() as session:
            user = accounts.require_user(session, user_id)
            self._fill(profiles.to_public(user, BABEL_LOCALE.get(self.lang)))

    @rx.event
    def save(self, form_data: dict):
        self._clear()
        user_id = self._user_id_or_none()
        if user_id is None:
            self.error = self._t("Your session has ended. Please sign in again.")
            return
        data = self._form(form_data)
        if data is None:
            return
        try:
            with session_scope() as session:
                profile = profiles.update_profile(
                    session=session,
                    user_id=user_id,
                    display_name=data.get("display_name"),
                    bio=data.get("bio"),
                    location=data.get("location"),
                    website=data.get("website"),
                )
        except DomainError as exc:
            self._fail(exc)
            return
        self._fill(profile)
        self.notice = self._t("Your profile is saved.")
        return rx.toast.success(self._t("Profile saved"))

    @rx.event
    async def upload_avatar(self, files: list[rx.UploadFile]):
        self.avatar_error = ""
        user_id = self._user_id_or_none()
        if user_id is None:
            self.avatar_error = self._t("Your session has ended. Please sign in again.")
            return
        if not isinstance(files, list) or len(files) != 1 or not hasattr(files[0], "read"):
            self.avatar_error = self._t("Please choose one image.")
            return
        data = await files[0].read(MAX_UPLOAD_READ)
        try:
            with session_scope() as session:
                profile = profiles.set_avatar(session=session, user_id=user_id, data=data)
        except DomainError as exc:
            self.avatar_error = exc.translated(self.lang)
            return
        self._fill(profile)
        return rx.toast.success(self._t("New photo saved"))

    @rx.event
    def remove_avatar(self):
        user_id = self._user_id_or_none()
        if user_id is None:
            return self._sign_in_redirect()
        with session_scope() as session:
            self._fill(profiles.remove_avatar(session=session, user_id=user_id))


class SecurityState(FormState):
    session_count: int = 0
    delete_error: str = ""

    @rx.event
    def load(self):
        self._clear()
        self.delete_error = ""
        user_id = self._user_id_or_none()
        if user_id is None:
            return self._sign_in_redirect()
        with session_scope() as session:
            self.session_count = accounts.active_session_count(session=session, user_id=user_id)

    @rx.event
    def change_password(self, form_data: dict):
        self._clear()
        user_id = self._user_id_or_none()
        if user_id is None:
            self.error = self._t("Your session has ended. Please sign in again.")
            return
        data = self._form(form_data)
        if data is None:
            return
        if data.get("new_password") != data.get("new_password_again"):
            self.field_errors = {
                "new_password_again": self._t("The two new passwords are not the same.")
            }
            return
        try:
            with session_scope() as session:
                accounts.change_password(
                    session=session,
                    user_id=user_id,
                    current_password=data.get("current_password"),
                    new_password=data.get("new_password"),
                    keep_token=self._session_token(),
                )
                self.session_count = accounts.active_session_count(session=session, user_id=user_id)
        except DomainError as exc:
            self._fail(exc)
            return
        self.notice = self._t("Your password is changed. Other devices have been signed out.")
        return rx.toast.success(self._t("Password changed"))

    @rx.event
    def sign_out_everywhere(self):
        user_id = self._user_id_or_none()
        if user_id is None:
            return self._sign_in_redirect()
        with session_scope() as session:
            count = accounts.revoke_all_sessions(session=session, user_id=user_id)
        log.info("user %s signed out of %s sessions", user_id, count)
        return AuthState.sign_out

    @rx.event
    def delete_account(self, form_data: dict):
        self.delete_error = ""
        user_id = self._user_id_or_none()
        if user_id is None:
            return self._sign_in_redirect()
        data = self._form(form_data)
        if data is None:
            return
        if data.get("confirm") != "DELETE":
            self.delete_error = self._t("Type DELETE in capital letters to confirm.")
            return
        try:
            with session_scope() as session:
                accounts.delete_account(
                    session=session, user_id=user_id, password=data.get("password")
                )
        except (DomainError, NotAllowed) as exc:
            self.delete_error = exc.translated(self.lang)
            return
        log.info("user %s deleted their account", user_id)
        return AuthState.sign_out


class DataExportState(AuthState):
    """/settings/data: prepare a ZIP of everything, watch its progress, download it."""

    export: ExportStatus | None = None
    error: str = ""
    download_url: str = ""

    def _refresh(self, user_id: int) -> None:
        with session_scope() as session:
            self.export = data_export.status(
                session=session, user_id=user_id, locale=BABEL_LOCALE.get(self.lang)
            )
        backend = rx.config.get_config().api_url.rstrip("/")
        self.download_url = (
            f"{backend}/api/export/{self.export.public_id}"
            if self.export is not None and self.export.status == EXPORT_READY
            else ""
        )

    def _busy(self) -> bool:
        return self.export is not None and self.export.status in (EXPORT_PENDING, EXPORT_RUNNING)

    @rx.event
    def load(self):
        self.error = ""
        user_id = self._user_id_or_none()
        if user_id is None:
            return self._sign_in_redirect()
        self._refresh(user_id)
        if self._busy():
            return DataExportState.watch
        return None

    @rx.event(background=True)
    async def start(self):
        async with self:
            self.error = ""
            user_id = self._user_id_or_none()
            if user_id is None:
                self.error = self._t("Your session has ended. Please sign in again.")
                return
            try:
                with session_scope() as session:
                    export = data_export.request_export(session=session, user_id=user_id)
                    export_id, new = export.id, export.status == EXPORT_PENDING
            except DomainError as exc:
                self.error = exc.translated(self.lang)
                return
            self._refresh(user_id)
        if new:
            loop = asyncio.get_running_loop()
            job = loop.run_in_executor(
                None, functools.partial(data_export.build_export, export_id=export_id)
            )
            await self._poll(user_id, job)
        else:
            await self._poll(user_id, None)

    @rx.event(background=True)
    async def watch(self):
        async with self:
            user_id = self._user_id_or_none()
        if user_id is not None:
            await self._poll(user_id, None)

    async def _poll(self, user_id: int, job) -> None:
        for _ in range(1200):  # at most ~10 minutes of watching
            await asyncio.sleep(0.4)
            async with self:
                self._refresh(user_id)
                busy = self._busy()
            if not busy and (job is None or job.done()):
                break
        if job is not None:
            try:
                await job
            except Exception:
                log.warning("data export for user %s failed", user_id)
