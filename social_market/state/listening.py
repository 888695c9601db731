"""/sell/listening: the maker's listening inbox ("What people say")."""

from __future__ import annotations

import reflex as rx

from social_market import urls
from social_market.db import session_scope
from social_market.i18n.catalog import BABEL_LOCALE
from social_market.models.listening import LISTENING_KINDS
from social_market.services import listening
from social_market.services.errors import DomainError, NotFound
from social_market.services.listening import STATES, ListeningCard
from social_market.state.auth import AuthState


class ListeningState(AuthState):
    """The signed-in maker's own inbox; ids from the browser only ever name rows of it
    (the service checks)."""

    items: list[ListeningCard] = []
    counts: dict[str, int] = {}
    unanswered: int = 0
    kind: str = ""
    show: str = "unanswered"
    next_cursor: str = ""
    loaded: bool = False
    error: str = ""

    def _locale(self) -> str | None:
        return BABEL_LOCALE.get(self.lang)

    def _reload(self, me: int) -> None:
        with session_scope() as session:
            page = listening.inbox(
                session=session,
                actor_id=me,
                kind=self.kind,
                state=self.show,
                locale=self._locale(),
            )
        self.items, self.next_cursor = page.items, page.next_cursor
        self.counts, self.unanswered = page.counts, page.unanswered
        self.loaded = True

    @rx.event
    def load(self):
        self.error = ""
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        query = self.router.url.query_parameters
        kind, show = query.get("kind", ""), query.get("show", "unanswered")
        self.kind = kind if kind in LISTENING_KINDS else ""
        self.show = show if show in STATES else "unanswered"
        try:
            self._reload(me)
        except NotFound:
            return rx.redirect(urls.SELL_SHOP)
        return None

    def _set_filter(self, name: str, value: object, allowed) -> rx.event.EventSpec | None:
        """Show the inbox by another kind or state; anything else is ignored."""
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        if isinstance(value, str) and value in allowed:
            setattr(self, name, value)
            try:
                self._reload(me)
            except DomainError:
                return rx.redirect(urls.SELL_SHOP)
        return None

    @rx.event
    def set_kind(self, kind: str):
        return self._set_filter("kind", kind, ("", *LISTENING_KINDS))

    @rx.event
    def set_show(self, show: str):
        return self._set_filter("show", show, STATES)

    @rx.event
    def more(self):
        me = self._user_id_or_none()
        if me is None or not self.next_cursor:
            return
        try:
            with session_scope() as session:
                page = listening.inbox(
                    session=session,
                    actor_id=me,
                    kind=self.kind,
                    state=self.show,
                    cursor=self.next_cursor,
                    locale=self._locale(),
                    with_counts=False,
                )
        except DomainError:
            return
        self.items = self.items + page.items
        self.next_cursor = page.next_cursor

    @rx.event
    def set_answered(self, item_id: int, answered: bool):
        """ "Mark replied" / "Mark unanswered": the item moves to its section."""
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        self.error = ""
        try:
            with session_scope() as session:
                listening.set_answered(
                    session=session, actor_id=me, item_id=item_id, answered=answered
                )
            self._reload(me)
        except DomainError as exc:
            self.error = exc.translated(self.lang)
        return None
