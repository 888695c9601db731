"""Public pages about people: the home page's community, profiles, people search."""

from __future__ import annotations

import html
from urllib.parse import quote, urlencode

import reflex as rx

from social_market.db import session_scope
from social_market.i18n.catalog import BABEL_LOCALE
from social_market.i18n.format import format_number
from social_market.models import ProfilePublic
from social_market.models.market import ListingCard
from social_market.services import listings, profiles
from social_market.state.auth import AuthState


class HomeState(AuthState):
    featured: list[ListingCard] = []
    new_listings: list[ListingCard] = []
    newest: list[ProfilePublic] = []
    member_count: str = ""
    member_total: int = 0

    @rx.event
    def load(self):
        self._user_id_or_none()
        locale = BABEL_LOCALE.get(self.lang)
        with session_scope() as session:
            self.featured = listings.featured(session=session, limit=8, locale=locale)
            self.new_listings = listings.newest(session=session, limit=8, locale=locale)
            self.newest = profiles.newest_profiles(session=session, limit=12, locale=locale)
            self.member_total = profiles.count_members(session=session)
        self.member_count = format_number(self.member_total, BABEL_LOCALE.get(self.lang))


class ProfileState(AuthState):
    found: bool = True
    profile: ProfilePublic | None = None
    is_me: bool = False
    share_url: str = ""
    share_title: str = ""
    mailto: str = ""
    embed_code: str = ""
    embed_open: bool = False

    @rx.event
    def set_embed_open(self, value: bool):
        self.embed_open = value is True

    @rx.event
    def load(self):
        me = self._user_id_or_none()
        handle = self._path_tail()
        with session_scope() as session:
            self.profile = profiles.get_profile(
                session=session, handle=handle, locale=BABEL_LOCALE.get(self.lang)
            )
        self.found = self.profile is not None
        self.is_me = bool(self.profile and me == self.profile.id)
        if self.profile is not None:
            self._set_share_links(self.profile)

    def _set_share_links(self, profile: ProfilePublic) -> None:
        """Links that work outside the app (link previews need the server-rendered route)."""
        backend = rx.config.get_config().api_url.rstrip("/")
        handle = quote(profile.handle, safe="")
        self.share_url = f"{backend}/share/u/{handle}"
        self.share_title = f"{profile.display_name} (@{profile.handle}) · Social Market"
        self.mailto = "mailto:?" + urlencode(
            {"subject": self.share_title, "body": self.share_url}, quote_via=quote
        )
        self.embed_code = (
            f'<iframe src="{backend}/embed/u/{handle}" title="{html.escape(self.share_title)}" '
            'width="440" height="90" style="border:0" loading="lazy"></iframe>'
        )


class PeopleSearchState(AuthState):
    query: str = ""
    results: list[ProfilePublic] = []
    searched: bool = False

    @rx.event
    def load(self):
        self._user_id_or_none()
        q = self.router.url.query_parameters.get("q", "")
        self.query = q[:60] if isinstance(q, str) else ""
        with session_scope() as session:
            self.results = profiles.search_people(
                session=session, query=self.query, locale=BABEL_LOCALE.get(self.lang)
            )
        self.searched = bool(self.query.strip())

    @rx.event
    def submit(self, form_data: dict):
        q = form_data.get("q", "") if isinstance(form_data, dict) else ""
        q = q.strip()[:60] if isinstance(q, str) else ""
        return rx.redirect(f"/people?q={quote(q, safe='')}")
