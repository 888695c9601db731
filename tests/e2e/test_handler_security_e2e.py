"""Every State event handler is callable from the browser with any arguments.

These tests send hand-made events over a real page's websocket: signed out, with wrong
argument types, and with huge values. Each must be refused with a message or ignored,
store nothing half-way, and leave the app serving.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from social_market.db import session_scope
from social_market.models import User
from social_market.state.account import (
    ConfirmState,
    ResetRequestState,
    ResetState,
    SignInState,
    SignUpState,
)
from social_market.state.auth import AuthState
from social_market.state.oidc import ProviderButtonsState, ProviderSignUpState
from social_market.state.people import (
    FollowListState,
    HomeState,
    PeopleSearchState,
    ProfileState,
)
from social_market.state.settings import (
    BlockedPeopleState,
    DataExportState,
    ProfileSettingsState,
    SecurityState,
)
from tests.e2e.conftest import EventInjector, goto, sign_in
from tests.factories import PASSWORD, make_user

# One worker runs every end-to-end test: one app, one frontend build.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

WRONG = [None, 42, "text", ["list"], {"nested": {"deep": [1, 2]}}, "x" * 1_000_000]

HANDLERS = [
    (SignUpState, "submit", "form_data"),
    (SignUpState, "restart", None),
    (SignInState, "submit", "form_data"),
    (ConfirmState, "confirm", None),
    (ResetRequestState, "submit", "form_data"),
    (ResetState, "submit", "form_data"),
    (ProfileSettingsState, "load", None),
    (ProfileSettingsState, "save", "form_data"),
    (ProfileSettingsState, "upload_avatar", "files"),
    (ProfileSettingsState, "remove_avatar", None),
    (SecurityState, "load", None),
    (SecurityState, "change_password", "form_data"),
    (SecurityState, "sign_out_everywhere", None),
    (SecurityState, "delete_account", "form_data"),
    (DataExportState, "load", None),
    (BlockedPeopleState, "load", None),
    (BlockedPeopleState, "unblock", "handle"),
    (DataExportState, "start", None),
    (DataExportState, "watch", None),
    (HomeState, "load", None),
    (ProfileState, "load", None),
    (ProfileState, "set_embed_open", "value"),
    (ProfileState, "toggle_follow", None),
    (ProfileState, "set_blocked", "value"),
    (FollowListState, "load", None),
    (FollowListState, "more", None),
    (AuthState, "set_language", "lang"),
    (PeopleSearchState, "load", None),
    (PeopleSearchState, "submit", "form_data"),
    (ProviderButtonsState, "load", None),
    (ProviderButtonsState, "start", "name"),
    (ProviderSignUpState, "load", None),
    (ProviderSignUpState, "submit", "form_data"),
    (SecurityState, "link_provider", "form_data"),
    (SecurityState, "unlink_provider", "identity_id"),
    (SecurityState, "reauthenticate", "name"),
    (SecurityState, "set_password", "form_data"),
    (AuthState, "load_session", None),
    (AuthState, "sign_out", None),
]


def _snapshot():
    with session_scope() as session:
        return sorted(
            (u.id, u.handle, u.display_name, u.bio, u.avatar_key, u.password_hash, u.deleted_at)
            for u in session.exec(select(User)).all()
        )


def _still_serving(page) -> None:
    goto(page, "/people?q=victim")
    expect(page.locator("#main").get_by_text("Vic Tim")).to_be_visible()


@pytest.fixture
def victim():
    with session_scope() as session:
        user = session.exec(select(User).where(User.handle_key == "victim")).first()
        if user is None:
            user = make_user(session, handle="victim", display_name="Vic Tim", bio="original")
        return user.email


def test_every_handler_called_signed_out_with_wrong_arguments_changes_nothing(page, victim):
    injector = EventInjector(page)
    goto(page, "/")
    before = _snapshot()
    for state, handler, arg in HANDLERS:
        for value in WRONG if arg else [None]:
            payload = {arg: value} if arg else {}
            injector.send(state, handler, payload)
        if not arg:
            injector.send(state, handler, {"unexpected": 1})
    page.wait_for_timeout(1500)
    assert _snapshot() == before
    _still_serving(page)


def test_profile_handlers_signed_in_with_wrong_types_show_messages_and_keep_data(page, victim):
    injector = EventInjector(page)
    sign_in(page, victim, PASSWORD, next_path="/settings")
    before = _snapshot()
    # Valid text would be a legitimate edit by the owner: only invalid values here.
    invalid = [42, ["list"], {"nested": {"deep": [1, 2]}}, "x" * 1_000_000]
    for value in invalid:
        injector.send(
            ProfileSettingsState, "save", {"form_data": {"display_name": value, "bio": value}}
        )
        injector.send(ProfileSettingsState, "save", {"form_data": value})
        injector.send(ProfileSettingsState, "upload_avatar", {"files": value})
        injector.send(SecurityState, "change_password", {"form_data": {"current_password": value}})
        injector.send(SecurityState, "set_password", {"form_data": {"new_password": value}})
        injector.send(SecurityState, "unlink_provider", {"identity_id": value})
        injector.send(SecurityState, "reauthenticate", {"name": value})
        injector.send(
            SecurityState, "link_provider", {"form_data": {"provider": value, "password": value}}
        )
        injector.send(ProviderSignUpState, "submit", {"form_data": {"handle": value}})
        injector.send(
            SecurityState, "delete_account", {"form_data": {"password": value, "confirm": "DELETE"}}
        )
    page.wait_for_timeout(1500)
    assert _snapshot() == before
    _still_serving(page)
    expect(page.locator("#account-menu")).to_be_visible()


def test_signed_out_profile_save_cannot_touch_anyone(page, victim):
    injector = EventInjector(page)
    goto(page, "/")
    injector.send(
        ProfileSettingsState,
        "save",
        {"form_data": {"display_name": "HACKED", "bio": "", "location": "", "website": ""}},
    )
    injector.send(
        SecurityState, "delete_account", {"form_data": {"password": PASSWORD, "confirm": "DELETE"}}
    )
    page.wait_for_timeout(1000)
    with session_scope() as session:
        assert not session.exec(select(User).where(User.display_name == "HACKED")).all()
        assert (
            session.exec(select(User).where(User.handle_key == "victim")).one().deleted_at is None
        )
