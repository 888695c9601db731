"""Curated lists in the browser: "save to list" on the listing page, a list's page,
one's own lists, a person's public lists.

Which list or listing a page is about always comes from the page's own address
(``_list_id``/``_listing_id``, backend-only); ids that handlers receive are only
passed on to services, which check ownership themselves (forged ids: not found).
"""

from __future__ import annotations

from urllib.parse import unquote

import reflex as rx

from social_market.db import session_scope
from social_market.i18n.catalog import BABEL_LOCALE
from social_market.services import lists
from social_market.services.errors import DomainError, NotFound
from social_market.services.ids import as_id
from social_market.services.listings import parse_listing_ref
from social_market.services.lists import ListItemView, ListSummary
from social_market.state.auth import AuthState
from social_market.state.forms import FormState

NEW = "new"


def _yes(value: object) -> bool:
    """A checkbox or radio value from a form ("on", "true", "public", True)."""
    return value is True or (isinstance(value, str) and value in ("on", "true", "1", "public"))


class SaveToListState(FormState):
    """The "Save to list" dialog and "saved to N lists" on a listing page."""

    saved_count: int = 0
    my_lists: list[ListSummary] = []
    dialog_open: bool = False
    choice: str = ""  # a list id, or "new"
    _listing_id: int | None = None

    def _locale(self) -> str | None:
        return BABEL_LOCALE.get(self.lang)

    def _refresh(self, me: int | None) -> None:
        with session_scope() as session:
            self.saved_count = lists.saved_count(session=session, listing_id=self._listing_id)
            self.my_lists = (
                lists.my_lists(
                    session=session,
                    actor_id=me,
                    listing_id=self._listing_id,
                    locale=self._locale(),
                )
                if me is not None
                else []
            )

    @rx.event
    def load(self):
        self._clear()
        self.dialog_open = False
        self._listing_id = parse_listing_ref(self._path_tail())
        if self._listing_id is None:
            self.saved_count, self.my_lists = 0, []
            return
        self._refresh(self._user_id_or_none())
        self.choice = str(self.my_lists[0].id) if self.my_lists else NEW

    @rx.event
    def open_dialog(self):
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        self._clear()
        self._refresh(me)
        if self.choice not in {str(x.id) for x in self.my_lists}:
            self.choice = str(self.my_lists[0].id) if self.my_lists else NEW
        self.dialog_open = True
        return None

    @rx.event
    def set_dialog_open(self, value: bool):
        self.dialog_open = value is True
        if not self.dialog_open:
            self._clear()

    @rx.event
    def set_choice(self, value: str):
        if value == NEW or (isinstance(value, str) and value in {str(x.id) for x in self.my_lists}):
            self.choice = value

    @rx.event
    def save(self, form_data: dict):
        begun = self._begin(form_data)
        if begun is None or self._listing_id is None:
            return None
        me, data = begun
        try:
            with session_scope() as session:
                if self.choice == NEW:
                    target = lists.create_list(
                        session=session,
                        actor_id=me,
                        title=data.get("title"),
                        public=not _yes(data.get("private")),
                    ).id
                else:
                    target = as_id(self.choice)
                added = lists.add_item(
                    session=session,
                    actor_id=me,
                    list_id=target,
                    listing_id=self._listing_id,
                    note=data.get("note"),
                )
        except DomainError as exc:
            self._fail(exc)
            return None
        self._refresh(me)
        self.choice = str(target)
        self.dialog_open = False
        return rx.toast.success(
            self._t("Saved to your list") if added else self._t("Your note was updated")
        )


class ListPageState(FormState):
    """/lists/<id>: the list, its items with notes; the owner edits it here."""

    found: bool = True
    summary: ListSummary | None = None
    items: list[ListItemView] = []
    is_owner: bool = False
    following: bool = False
    can_follow: bool = False
    unavailable_count: int = 0
    editing: bool = False  # the owner's details form is open
    editing_note: int = 0  # the listing whose note the owner is editing
    _list_id: int | None = None

    def _load(self, me: int | None) -> None:
        try:
            with session_scope() as session:
                page = lists.get_list_page(
                    session=session,
                    viewer_id=me,
                    list_id=self._list_id,
                    locale=BABEL_LOCALE.get(self.lang),
                )
        except NotFound:
            self.found, self.summary, self.items = False, None, []
            self.is_owner = self.following = self.can_follow = False
            return
        self.found = True
        self.summary, self.items = page.summary, page.items
        self.is_owner, self.following = page.is_owner, page.following
        self.can_follow, self.unavailable_count = page.can_follow, page.unavailable_count

    @rx.event
    def load(self):
        self._clear()
        self.editing, self.editing_note = False, 0
        self._list_id = as_id(self._path_tail())
        self._load(self._user_id_or_none())

    def _act(self, change) -> rx.event.EventSpec | None:
        """Run ``change(session, me)`` for the signed-in person, then reload the page."""
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        if self._list_id is None:
            return None
        try:
            with session_scope() as session:
                change(session, me)
        except DomainError as exc:
            self._load(me)
            return rx.toast.error(exc.translated(self.lang))
        self._load(me)
        return None

    @rx.event
    def toggle_follow(self):
        want = not self.following
        return self._act(
            lambda session, me: lists.follow_list(
                session=session, actor_id=me, list_id=self._list_id, on=want
            )
        )

    @rx.event
    def start_editing(self):
        if self.is_owner:
            self._clear()
            self.editing = True

    @rx.event
    def cancel_editing(self):
        self.editing = False
        self._clear()

    @rx.event
    def save_details(self, form_data: dict):
        begun = self._begin(form_data)
        if begun is None or self._list_id is None:
            return
        me, data = begun
        try:
            with session_scope() as session:
                lists.edit_list(
                    session=session,
                    actor_id=me,
                    list_id=self._list_id,
                    title=data.get("title"),
                    description=data.get("description"),
                    public=not _yes(data.get("private")),
                )
        except DomainError as exc:
            self._fail(exc)
            return
        self.editing = False
        self._load(me)

    @rx.event
    def delete_list(self):
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        try:
            with session_scope() as session:
                lists.delete_list(session=session, actor_id=me, list_id=self._list_id)
        except DomainError as exc:
            return rx.toast.error(exc.translated(self.lang))
        return rx.redirect("/lists")

    @rx.event
    def edit_note(self, listing_id: int):
        if self.is_owner and any(i.listing.id == listing_id for i in self.items):
            self._clear()
            self.editing_note = listing_id

    @rx.event
    def cancel_note(self):
        self.editing_note = 0
        self._clear()

    @rx.event
    def save_note(self, form_data: dict):
        begun = self._begin(form_data)
        if begun is None or not self.editing_note:
            return
        me, data = begun
        try:
            with session_scope() as session:
                lists.set_note(
                    session=session,
                    actor_id=me,
                    list_id=self._list_id,
                    listing_id=self.editing_note,
                    note=data.get("note"),
                )
        except DomainError as exc:
            self._fail(exc)
            return
        self.editing_note = 0
        self._load(me)

    @rx.event
    def remove(self, listing_id: int):
        return self._act(
            lambda session, me: lists.remove_item(
                session=session, actor_id=me, list_id=self._list_id, listing_id=listing_id
            )
        )

    @rx.event
    def move(self, listing_id: int, offset: int):
        return self._act(
            lambda session, me: lists.move_item(
                session=session,
                actor_id=me,
                list_id=self._list_id,
                listing_id=listing_id,
                offset=offset,
            )
        )


class MyListsState(FormState):
    """/lists: one's own lists (public and private), the lists one follows, a new one."""

    mine: list[ListSummary] = []
    followed: list[ListSummary] = []

    @rx.event
    def load(self):
        self._clear()
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        locale = BABEL_LOCALE.get(self.lang)
        with session_scope() as session:
            self.mine = lists.my_lists(session=session, actor_id=me, locale=locale)
            self.followed = lists.followed_lists(session=session, actor_id=me, locale=locale)
        return None

    @rx.event
    def create(self, form_data: dict):
        begun = self._begin(form_data)
        if begun is None:
            return None
        me, data = begun
        try:
            with session_scope() as session:
                made = lists.create_list(
                    session=session,
                    actor_id=me,
                    title=data.get("title"),
                    description=data.get("description"),
                    public=not _yes(data.get("private")),
                )
                new_id = made.id
        except DomainError as exc:
            self._fail(exc)
            return None
        return rx.redirect(lists.list_url(new_id or 0))


class PersonListsState(AuthState):
    """/u/<handle>/lists: a person's public lists (and one's own private ones)."""

    found: bool = True
    handle: str = ""
    items: list[ListSummary] = []
    is_me: bool = False

    @rx.event
    def load(self):
        me = self._user_id_or_none()
        parts = str(self.router.url.path or "").strip("/").split("/")
        self.handle = unquote(parts[1])[:40] if len(parts) >= 3 else ""
        try:
            with session_scope() as session:
                self.items = lists.lists_of(
                    session=session,
                    viewer_id=me,
                    handle=self.handle,
                    locale=BABEL_LOCALE.get(self.lang),
                )
        except NotFound:
            self.found, self.items = False, []
            return
        self.found = True
        self.is_me = me is not None and self.handle.lower() == self.me_handle.lower()
