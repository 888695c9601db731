"""The inbox, a conversation, and starting conversations. Thin: every handler checks
who is asking and calls ``services/messaging.py``, which checks membership for any
conversation id; the conversation shown comes from the page's address."""

from __future__ import annotations

import asyncio

import reflex as rx

from social_market.db import session_scope
from social_market.i18n.catalog import BABEL_LOCALE
from social_market.models import Order
from social_market.services import accounts, messaging
from social_market.services.errors import DomainError
from social_market.services.ids import as_id
from social_market.services.messaging import (
    ConversationRow,
    ConversationView,
    MessageView,
    SearchHit,
)
from social_market.state import viewers
from social_market.state.auth import AuthState
from social_market.state.forms import FormState

MAX_UPLOAD_READ = 5 * 1024 * 1024 + 1  # images.py refuses anything larger


def _conversation_url(conversation_id: int) -> str:
    return f"/messages/{conversation_id}"


class InboxState(AuthState):
    """/messages: conversations by latest message, archived ones, and search."""

    rows: list[ConversationRow] = []
    next_cursor: str = ""
    archived: bool = False
    hits: list[SearchHit] = []
    searched: str = ""
    loaded: bool = False

    def _locale(self) -> str | None:
        return BABEL_LOCALE.get(self.lang)

    def _reload(self, me: int) -> None:
        with session_scope() as session:
            self.rows, self.next_cursor = messaging.inbox(
                session=session, actor_id=me, archived=self.archived, locale=self._locale()
            )
        self.loaded = True

    @rx.event
    def load(self):
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        self.archived = self.router.url.query_parameters.get("archived") == "1"
        self.hits, self.searched = [], ""
        self._reload(me)
        return None

    @rx.event
    def refresh(self):
        me = self._user_id_or_none()
        if me is not None and self.loaded:
            self._reload(me)

    @rx.event
    def show_archived(self, value: bool):
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        if isinstance(value, bool):
            self.archived = value
            self._reload(me)
        return None

    @rx.event
    def more(self):
        me = self._user_id_or_none()
        if me is None or not self.next_cursor:
            return
        try:
            with session_scope() as session:
                rows, self.next_cursor = messaging.inbox(
                    session=session,
                    actor_id=me,
                    archived=self.archived,
                    cursor=self.next_cursor,
                    locale=self._locale(),
                )
        except DomainError:
            self.next_cursor = ""
            return
        self.rows = [*self.rows, *rows]

    @rx.event
    def search(self, form_data: dict):
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        query = form_data.get("q") if isinstance(form_data, dict) else None
        try:
            with session_scope() as session:
                self.hits = messaging.search_messages(
                    session=session, actor_id=me, query=query, locale=self._locale()
                )
        except DomainError as exc:
            return rx.toast.error(exc.translated(self.lang))
        self.searched = str(query)[:100]
        return None

    @rx.event
    def clear_search(self):
        self.hits, self.searched = [], ""


class ConversationState(FormState):
    """/messages/<id>: the history (older pages on request), sending, read marks. New
    messages arrive by push: ``state/live.py`` calls ``_take_news`` on the tabs
    registered in ``state/viewers.py`` (the page never has to ask)."""

    conversation: ConversationView | None = None
    messages: list[MessageView] = []
    older: int = 0
    read_up_to: int = 0  # my messages up to this id are read by everyone else
    found: bool = True
    pending: list[str] = []  # being sent
    member_error: str = ""
    uploading: bool = False
    photo_preview: str = ""
    _photo_key: str = ""  # stored, waiting to be sent (server side only)

    def _locale(self) -> str | None:
        return BABEL_LOCALE.get(self.lang)

    def _cid(self) -> str:
        return self._path_tail()

    def _show(self, me: int) -> None:
        with session_scope() as session:
            self.conversation = messaging.conversation_view(
                session=session, actor_id=me, conversation_id=self._cid()
            )
            self.messages, self.older = messaging.history(
                session=session, actor_id=me, conversation_id=self._cid(), locale=self._locale()
            )
            messaging.mark_read(session=session, actor_id=me, conversation_id=self._cid())
            self.read_up_to = messaging.read_by_all_up_to(session, me, self.conversation.id)

    def _tab(self) -> str:
        return self.router.session.client_token

    @rx.event
    def load(self):
        self._clear()
        self.pending, self.member_error = [], ""
        me = self._user_id_or_none()
        if me is None:
            viewers.forget(self._tab())
            return self._sign_in_redirect()
        cid = as_id(self._cid())
        # Registered before reading, so nothing sent meanwhile falls between the two.
        if cid is not None:
            viewers.register(self._tab(), cid, me)
        try:
            self._show(me)
        except DomainError:
            viewers.forget(self._tab())
            self.found, self.conversation, self.messages = False, None, []
            return None
        self.found = True
        return None

    def _shows(self, conversation_id: int) -> bool:
        """This tab is on that conversation's page (a push may find it moved on)."""
        return (
            self.conversation is not None
            and self.conversation.id == conversation_id
            and self._cid() == str(conversation_id)
        )

    async def _take_news(self, user_id: int, conversation_id: int) -> int | None:
        """A push (``state/live.py``, under this tab's state lock): bring in what is new
        in the conversation this tab shows, marking it read; how many messages came.
        None when the tab no longer shows it to that person (signed out, moved on,
        removed): the push forgets the tab."""
        if not self._shows(conversation_id):
            return None
        last = self.messages[-1].id if self.messages else 0
        try:
            result = await asyncio.to_thread(
                _catch_up,
                user_id,
                conversation_id,
                last,
                self._locale(),
                session_token=self._session_token() or "",
            )
        except DomainError:  # removed from the group meanwhile
            self.found, self.conversation, self.messages = False, None, []
            return None
        if result is None:  # signed out (or in as someone else) since
            return None
        self._apply(*result)
        return len(result[0])

    def _take_read_receipt(self, conversation_id: int, read_up_to: int) -> int | None:
        """A push: the others have read my messages up to ``read_up_to`` (a message id
        of this conversation, computed for the person the tab registered as)."""
        if not self._shows(conversation_id):
            return None
        if read_up_to != self.read_up_to:
            self.read_up_to = read_up_to
        return 0

    @rx.event
    async def catch_up(self):
        """A push said something changed: fetch what is newer, refresh read marks. The
        database work runs on a thread, so this worker's other sockets aren't kept
        waiting."""
        me = await asyncio.to_thread(self._user_id_or_none, with_cart=False)
        if me is None or self.conversation is None:
            return None
        last = self.messages[-1].id if self.messages else 0
        try:
            fresh, read_up_to, view = await asyncio.to_thread(
                _catch_up, me, self.conversation.id, last, self._locale()
            )
        except DomainError:  # removed from the group meanwhile
            self.found, self.conversation, self.messages = False, None, []
            return None
        self._apply(fresh, read_up_to, view)
        return None

    def _apply(self, fresh: list, read_up_to: int, view) -> None:
        # Only what changed is set: every set var goes back to the browser whole.
        if view is not None and view != self.conversation:
            self.conversation = view
        if read_up_to != self.read_up_to:
            self.read_up_to = read_up_to
        if fresh:
            self.messages = [*self.messages, *fresh]

    @rx.var
    def newest(self) -> int:
        """The newest message shown: the page scrolls to the end when it changes."""
        return self.messages[-1].id if self.messages else 0

    @rx.event
    def load_older(self):
        me = self._user_id_or_none()
        if me is None or self.conversation is None or not self.older:
            return
        try:
            with session_scope() as session:
                page, self.older = messaging.history(
                    session=session,
                    actor_id=me,
                    conversation_id=self.conversation.id,
                    before=self.older,
                    locale=self._locale(),
                )
        except DomainError:
            self.older = 0
            return
        self.messages = [*page, *self.messages]

    @rx.event
    async def attach(self, files: list[rx.UploadFile]):
        """Store one image for the next message (replacing one chosen before)."""
        me = self._user_id_or_none()
        if me is None or self.conversation is None:
            return
        self._clear()
        if not isinstance(files, list) or not files or not hasattr(files[0], "read"):
            self.field_errors = {"photo": self._t("Please choose an image.")}
            return
        self.uploading = True
        yield
        try:
            data = await files[0].read(MAX_UPLOAD_READ)
            with session_scope() as session:
                key = messaging.store_photo(
                    session=session, actor_id=me, conversation_id=self.conversation.id, data=data
                )
        except DomainError as exc:
            self.field_errors = {"photo": exc.translated(self.lang)}
            return
        finally:
            self.uploading = False
        if self._photo_key:
            messaging.discard_photo(self._photo_key)
        self._photo_key = key
        self.photo_preview = messaging.photo_url(key)

    @rx.event
    def remove_photo(self):
        if self._photo_key:
            messaging.discard_photo(self._photo_key)
        self._photo_key, self.photo_preview = "", ""

    @rx.event
    async def send(self, form_data: dict):
        self._clear()
        data = self._form(form_data)
        if data is None or self.conversation is None:
            return
        body = data.get("body")
        if isinstance(body, str) and body.strip():
            self.pending = [*self.pending, body.strip()[:200]]
            yield
        last = self.messages[-1].id if self.messages else 0
        try:
            # Who is asking, the message, and what the page lacks: one trip to a thread
            # and one session (one event per message on the sender's side).
            result = await asyncio.to_thread(
                _send_and_fetch,
                self._session_token() or "",
                self.conversation.id,
                body,
                self._photo_key or None,
                last,
                self._locale(),
            )
        except DomainError as exc:
            self._fail(exc)
            result = exc
        if result is None:
            self._set_me(None)
            self.error = self._t("Your session has ended. Please sign in again.")
        if not isinstance(result, tuple):
            self.pending = []
            # Keep what was written: put it back in the box.
            yield _refill(body if isinstance(body, str) else "")
            return
        self.pending = []
        self._photo_key, self.photo_preview = "", ""
        self._apply(*result)

    def _group_action(self, action, **kwargs):
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        if self.conversation is None:
            return None
        self.member_error = ""
        try:
            with session_scope() as session:
                action(session=session, actor_id=me, conversation_id=self.conversation.id, **kwargs)
        except DomainError as exc:
            self.member_error = exc.translated(self.lang)
            return None
        return ConversationState.catch_up

    @rx.event
    def add_member(self, form_data: dict):
        handle = form_data.get("handle") if isinstance(form_data, dict) else None
        if isinstance(handle, str):
            handle = handle.strip().lstrip("@")
        return self._group_action(messaging.add_member, handle=handle)

    @rx.event
    def remove_member(self, user_id: int):
        return self._group_action(messaging.remove_member, user_id=user_id)

    @rx.event
    def leave(self):
        result = self._group_action(messaging.leave)
        if self.member_error:
            return result
        return rx.redirect("/messages")

    @rx.event
    def set_archived(self, value: bool):
        result = self._group_action(messaging.set_archived, archived=value)
        if self.member_error or result is None:
            return result
        return rx.redirect("/messages")


def _catch_up(
    me: int,
    conversation_id: int,
    after: int,
    locale: str | None,
    *,
    session_token: str | None = None,
):
    """(newer messages, read by everyone up to, the conversation's view or None) in one
    session, the others' messages marked read. With ``session_token`` (a push, not an
    event of the person's own): None unless that session is still signed in as ``me``."""
    with session_scope() as session:
        if session_token is not None:
            user = accounts.user_for_session(session=session, token=session_token)
            if user is None or user.id != me:
                return None
        return _fetch(session, me, conversation_id, after, locale, mark=True)


def _fetch(session, me: int, conversation_id: int, after: int, locale: str | None, *, mark: bool):
    """The view (members, closed, subject) is rebuilt only when no new message came: news
    without one is about the conversation itself (someone added, removed or left,
    moderators closed it); news with messages almost never is, and the next news or page
    load brings any change along (this is the hot path of every message)."""
    fresh, read_up_to = messaging.catch_up(
        session=session,
        actor_id=me,
        conversation_id=conversation_id,
        after=after,
        locale=locale,
        mark=mark,
    )
    view = (
        None
        if fresh
        else messaging.conversation_view(
            session=session, actor_id=me, conversation_id=conversation_id
        )
    )
    return fresh, read_up_to, view


def _send_and_fetch(
    session_token: str,
    conversation_id: int,
    body: object,
    photo_key: str | None,
    after: int,
    locale: str | None,
):
    """Check the session, send, commit (the news goes out), and fetch what the sender's
    page lacks, all in one session; None when the session has ended. Sending marks the
    conversation read for the sender (``send_message``)."""
    with session_scope() as session:
        user = accounts.user_for_session(session=session, token=session_token)
        if user is None:
            return None
        messaging.send_message(
            session=session,
            actor_id=user.id,
            conversation_id=conversation_id,
            body=body,
            photo_key=photo_key,
        )
        session.commit()
        return _fetch(session, user.id, conversation_id, after, locale, mark=False)  # type: ignore[arg-type]


def _refill(text: str):
    import json

    return rx.call_script(
        "(() => { const el = document.getElementById('message-body');"
        f" if (el) {{ el.value = {json.dumps(text[:4000])}; }} }})()"
    )


class StartConversationState(FormState):
    """Buttons that open (or reuse) a conversation: with a person, about a listing,
    about an order; and the new-group form."""

    def _start(self, **kwargs):
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        try:
            with session_scope() as session:
                conversation = messaging.start_direct(session=session, actor_id=me, **kwargs)
                cid = conversation.id
        except DomainError as exc:
            return rx.toast.error(exc.translated(self.lang))
        return rx.redirect(_conversation_url(cid))  # type: ignore[arg-type]

    @rx.event
    def with_person(self, handle: str):
        return self._start(handle=handle)

    @rx.event
    def about_listing(self, listing_id: int):
        return self._start(subject_kind="listing", subject_id=listing_id)

    @rx.event
    def about_order(self, reference: str):
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        order_id = None
        if isinstance(reference, str) and 0 < len(reference) <= 40:
            from sqlmodel import select

            with session_scope() as session:
                order_id = session.exec(
                    select(Order.id).where(Order.reference == reference)
                ).first()
        # The service checks that the asker is the order's buyer or shop.
        return self._start(subject_kind="order", subject_id=order_id or 0)

    @rx.event
    def create_group(self, form_data: dict):
        begun = self._begin(form_data)
        if begun is None:
            return None
        me, data = begun
        raw = data.get("members")
        handles = [h for h in raw.replace(",", " ").split() if h] if isinstance(raw, str) else None
        try:
            with session_scope() as session:
                conversation = messaging.create_group(
                    session=session, actor_id=me, title=data.get("title"), handles=handles
                )
                cid = conversation.id
        except DomainError as exc:
            self._fail(exc)
            return None
        return rx.redirect(_conversation_url(cid))  # type: ignore[arg-type]
