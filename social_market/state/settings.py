"""Account settings: profile, avatar, password, sessions, deletion. All need a signed-in user."""

from __future__ import annotations

import asyncio
import functools
import logging

import reflex as rx

from social_market.db import session_scope
from social_market.i18n.catalog import BABEL_LOCALE
from social_market.i18n.format import format_day
from social_market.models import ProfilePublic
from social_market.models.export import EXPORT_PENDING, EXPORT_READY, EXPORT_RUNNING
from social_market.services import accounts, blocks, data_export, oidc, profiles
from social_market.services.data_export import ExportStatus
from social_market.services.errors import DomainError, NotAllowed
from social_market.state.auth import AuthState, navigate_to_backend
from social_market.state.forms import FormState
from social_market.state.oidc import error_message, start_flow
from social_market.urls import SETTINGS_SECURITY

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
        begun = self._begin(form_data)
        if begun is None:
            return
        user_id, data = begun
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
    # Sign-in methods: linked providers (id, label, email, since), providers to link.
    methods: list[dict[str, str]] = []
    linkable: list[dict[str, str]] = []
    has_password: bool = False
    has_email: bool = False
    # Signed in within the last 10 minutes: stands in for a password the account lacks.
    recent: bool = False
    methods_error: str = ""
    methods_notice: str = ""

    def _load_methods(self, session, user_id: int) -> None:
        user = accounts.require_user(session, user_id)
        self.has_password = bool(user.password_hash)
        self.has_email = bool(user.email)
        self.recent = accounts.recently_signed_in(session=session, token=self._session_token())
        rows = oidc.linked_identities(session=session, user_id=user_id)
        self.methods = [
            {
                "id": str(r.id),
                "label": oidc.label(r.provider),
                "name": r.provider,
                "email": r.email,
                "since": format_day(r.created_at, BABEL_LOCALE.get(self.lang)),
            }
            for r in rows
        ]
        linked = {r.provider for r in rows}
        self.linkable = [
            {"name": p.name, "label": p.label} for p in oidc.providers() if p.name not in linked
        ]

    @rx.var
    def can_unlink(self) -> bool:
        return self.has_password or len(self.methods) > 1

    @rx.event
    def load(self):
        self._clear()
        self.delete_error = self.methods_error = self.methods_notice = ""
        user_id = self._user_id_or_none()
        if user_id is None:
            return self._sign_in_redirect()
        with session_scope() as session:
            self.session_count = accounts.active_session_count(session=session, user_id=user_id)
            self._load_methods(session, user_id)
        self.methods_error = error_message(self)
        linked = self.router.url.query_parameters.get("linked")
        if not self.methods_error and any(m["name"] == linked for m in self.methods):
            self.methods_notice = self._t(
                "{provider} is linked: you can sign in with it from now on.",
                provider=oidc.label(str(linked)),
            )

    @rx.event
    def link_provider(self, form_data: dict):
        """Re-authenticate (password, or a recent sign-in), then start linking."""
        self.methods_error = self.methods_notice = ""
        user_id = self._user_id_or_none()
        if user_id is None:
            return self._sign_in_redirect()
        data = self._form(form_data)
        if data is None:
            return
        try:
            provider = oidc.get_provider(data.get("provider"))
            with session_scope() as session:
                ticket = oidc.issue_link_ticket(
                    session=session,
                    user_id=user_id,
                    password=data.get("password"),
                    recent=accounts.recently_signed_in(
                        session=session, token=self._session_token()
                    ),
                )
        except DomainError as exc:
            self.methods_error = exc.translated(self.lang)
            return
        log.info("user %s starts linking %s", user_id, provider.name)
        return navigate_to_backend(f"/api/auth/oidc/{provider.name}/start", link=ticket)

    @rx.event
    def unlink_provider(self, identity_id: str):
        self.methods_error = self.methods_notice = ""
        user_id = self._user_id_or_none()
        if user_id is None:
            return self._sign_in_redirect()
        try:
            with session_scope() as session:
                oidc.unlink(session=session, user_id=user_id, identity_id=identity_id)
                self._load_methods(session, user_id)
        except DomainError as exc:
            self.methods_error = exc.translated(self.lang)
            return
        self.methods_notice = self._t("The sign-in method is removed.")

    @rx.event
    def reauthenticate(self, name: str):
        """Sign in again with a linked provider (then linking, deletion etc. are allowed)."""
        user_id = self._user_id_or_none()
        if user_id is None:
            return self._sign_in_redirect()
        if not isinstance(name, str) or not any(m["name"] == name for m in self.methods):
            return
        return start_flow(name, SETTINGS_SECURITY, reauth=True)

    @rx.event
    def set_password(self, form_data: dict):
        """A first password for an account that only signs in through providers."""
        begun = self._begin(form_data)
        if begun is None:
            return
        user_id, data = begun
        if data.get("new_password") != data.get("new_password_again"):
            self.field_errors = {
                "new_password_again": self._t("The two new passwords are not the same.")
            }
            return
        try:
            with session_scope() as session:
                token = self._session_token()
                accounts.set_password(
                    session=session,
                    user_id=user_id,
                    new_password=data.get("new_password"),
                    recent=accounts.recently_signed_in(session=session, token=token),
                    keep_token=token,
                )
                self._load_methods(session, user_id)
        except DomainError as exc:
            self._fail(exc)
            return
        self.notice = self._t("Your password is set. You can now also sign in with it.")
        return rx.toast.success(self._t("Password set"))

    @rx.event
    def change_password(self, form_data: dict):
        begun = self._begin(form_data)
        if begun is None:
            return
        user_id, data = begun
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
                    session=session,
                    user_id=user_id,
                    password=data.get("password"),
                    recent=accounts.recently_signed_in(
                        session=session, token=self._session_token()
                    ),
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


class BlockedPeopleState(AuthState):
    """The 'Blocked people' list in security settings, with unblock."""

    people: list[ProfilePublic] = []

    def _refresh(self, user_id: int) -> None:
        with session_scope() as session:
            self.people = blocks.blocked_people(
                session=session, actor_id=user_id, locale=BABEL_LOCALE.get(self.lang)
            )

    @rx.event
    def load(self):
        user_id = self._user_id_or_none()
        if user_id is None:
            self.people = []
            return
        self._refresh(user_id)

    @rx.event
    def unblock(self, handle: str):
        user_id = self._user_id_or_none()
        if user_id is None:
            return self._sign_in_redirect()
        try:
            with session_scope() as session:
                blocks.unblock(session=session, actor_id=user_id, handle=handle)
        except DomainError as exc:
            return rx.toast.error(exc.translated(self.lang))
        self._refresh(user_id)
        return rx.toast.success(self._t("Unblocked."))
