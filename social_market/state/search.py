"""Listing search: the URL holds the whole query (shareable); pages follow keyset cursors."""

from __future__ import annotations

from urllib.parse import urlencode

import reflex as rx

from social_market.db import session_scope
from social_market.i18n.catalog import BABEL_LOCALE
from social_market.models import ProfilePublic
from social_market.models.market import ListingCard
from social_market.services import categories, countries, profiles, search, trust
from social_market.services.errors import DomainError
from social_market.state.auth import AuthState

FIELDS = ("q", "category", "min", "max", "country", "availability", "sort")


class SearchState(AuthState):
    # The query as typed (form defaults), by URL parameter name.
    params: dict[str, str] = {}
    items: list[ListingCard] = []
    # People whose name or handle matches: makers and buyers are found too.
    people: list[ProfilePublic] = []
    next_url: str = ""
    first_page_url: str = ""
    is_later_page: bool = False
    error: str = ""
    error_field: str = ""
    field_errors: dict[str, str] = {}
    searched: bool = False
    category_options: list[list[str]] = []
    country_options: list[list[str]] = []

    @rx.event
    def load(self):
        me = self._user_id_or_none()
        raw = self.router.url.query_parameters
        self.params = {k: (raw.get(k) if isinstance(raw.get(k), str) else "")[:100] for k in FIELDS}
        self.category_options = [
            [c.slug, c.name]
            for top in categories.TOP_LEVEL
            for c in [top, *categories.children(top.id)]
        ]
        self.country_options = [[c, n] for c, n in countries.country_names(self.lang).items()]
        self.error = self.error_field = ""
        self.field_errors = {}
        self.items, self.next_url = [], ""
        try:
            query = search.parse_search_params({**self.params, "after": raw.get("after", "")})
            with session_scope() as session:
                result = search.search_listings(
                    session=session, query=query, locale=BABEL_LOCALE.get(self.lang), viewer_id=me
                )
        except DomainError as exc:
            self.error = exc.translated(self.lang)
            self.error_field = exc.field or ""
            self.field_errors = {self.error_field: self.error} if exc.field else {}
            self.searched = True
            return
        self.items = result.items
        if me is not None and self.items:
            with session_scope() as session:
                self.items = trust.with_badges(session, me, self.items)
        self.people = []
        if query.words and not query.cursor:
            with session_scope() as session:
                self.people = profiles.search_people(
                    session=session, query=query.words, limit=4, locale=BABEL_LOCALE.get(self.lang)
                )
        base = search.to_params(query)
        base.pop("after", None)
        self.first_page_url = "/search?" + urlencode(base)
        self.is_later_page = bool(query.cursor)
        if result.next_cursor:
            self.next_url = "/search?" + urlencode({**base, "after": result.next_cursor})
        self.searched = True

    @rx.event
    def submit(self, form_data: dict):
        data = form_data if isinstance(form_data, dict) else {}
        params = {
            k: v.strip()[:100]
            for k in FIELDS
            if isinstance(v := data.get(k, ""), str) and v.strip()
        }
        return rx.redirect("/search?" + urlencode(params))
