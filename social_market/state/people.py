"""Public pages about people: the home page's community, profiles, people search."""

from __future__ import annotations

from urllib.parse import quote, unquote

import reflex as rx
from pydantic import BaseModel

from social_market.db import session_scope
from social_market.i18n.catalog import BABEL_LOCALE
from social_market.i18n.format import format_number
from social_market.models import ProfilePublic
from social_market.models.market import ListingCard
from social_market.services import blocks, follows, listings, privacy, profiles, trust
from social_market.services.errors import DomainError
from social_market.state.auth import AuthState
from social_market.state.sharing import SharePageState


class Suggestion(BaseModel):
    profile: ProfilePublic
    shared: int  # how many of the people you follow follow them


class HomeState(AuthState):
    suggestions: list[Suggestion] = []
    featured: list[ListingCard] = []
    new_listings: list[ListingCard] = []
    newest: list[ProfilePublic] = []
    member_count: str = ""
    member_total: int = 0

    @rx.event
    def load(self):
        me = self._user_id_or_none()
        locale = BABEL_LOCALE.get(self.lang)
        with session_scope() as session:
            self.suggestions = (
                [
                    Suggestion(profile=p, shared=n)
                    for p, n in follows.people_you_may_know(
                        session=session, actor_id=me, limit=3, locale=locale
                    )
                ]
                if me is not None
                else []
            )
            self.featured = trust.with_badges(
                session, me, listings.featured(session=session, limit=8, locale=locale)
            )
            self.new_listings = trust.with_badges(
                session, me, listings.newest(session=session, limit=8, locale=locale)
            )
            self.newest = profiles.newest_profiles(session=session, limit=12, locale=locale)
            self.member_total = profiles.count_members(session=session)
        self.member_count = format_number(self.member_total, BABEL_LOCALE.get(self.lang))


class ProfileState(SharePageState):
    found: bool = True
    profile: ProfilePublic | None = None
    is_me: bool = False
    is_following: bool = False
    has_blocked: bool = False
    is_muted: bool = False

    @rx.event
    def load(self):
        me = self._user_id_or_none()
        handle = self._path_tail()
        with session_scope() as session:
            self.profile = profiles.get_profile(
                session=session, handle=handle, locale=BABEL_LOCALE.get(self.lang)
            )
            self.is_following = bool(
                self.profile
                and follows.is_following(session=session, actor_id=me, user_id=self.profile.id)
            )
            self.has_blocked = bool(
                self.profile and blocks.has_blocked(session, me, self.profile.id)
            )
            self.is_muted = bool(self.profile and privacy.is_muted(session, me, self.profile.id))
        self.found = self.profile is not None
        self.is_me = bool(self.profile and me == self.profile.id)
        if self.profile is not None:
            p = self.profile
            self._set_share_links("u", p.handle, f"{p.display_name} (@{p.handle})")

    @rx.event
    def toggle_follow(self):
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        if self.profile is None or self.is_me:
            return None
        try:
            with session_scope() as session:
                action = follows.unfollow if self.is_following else follows.follow
                now = action(session=session, actor_id=me, handle=self.profile.handle)
                self.profile = profiles.get_profile(
                    session=session,
                    handle=self.profile.handle,
                    locale=BABEL_LOCALE.get(self.lang),
                )
        except DomainError as exc:
            return rx.toast.error(exc.translated(self.lang))
        self.is_following = now
        return None

    @rx.event
    def set_blocked(self, value: bool):
        """Block (True) or unblock (False) the person whose profile this is."""
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        if self.profile is None or self.is_me or not isinstance(value, bool):
            return None
        try:
            with session_scope() as session:
                action = blocks.block if value else blocks.unblock
                action(session=session, actor_id=me, handle=self.profile.handle)
                self.profile = profiles.get_profile(
                    session=session,
                    handle=self.profile.handle,
                    locale=BABEL_LOCALE.get(self.lang),
                )
        except DomainError as exc:
            return rx.toast.error(exc.translated(self.lang))
        self.has_blocked = value
        self.is_following = False if value else self.is_following
        return rx.toast.success(
            self._t("Blocked. They won't be told.") if value else self._t("Unblocked.")
        )

    @rx.event
    def set_muted(self, value: bool):
        """Mute (True) or unmute (False): silent, only my feed changes."""
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        if self.profile is None or self.is_me or not isinstance(value, bool):
            return None
        try:
            with session_scope() as session:
                action = privacy.mute if value else privacy.unmute
                action(session=session, actor_id=me, user_id=self.profile.id)
        except DomainError as exc:
            return rx.toast.error(exc.translated(self.lang))
        self.is_muted = value
        return rx.toast.success(
            self._t("Muted. They won't appear in your feed.") if value else self._t("Unmuted.")
        )


class FollowListState(AuthState):
    """/u/<handle>/followers and /u/<handle>/following."""

    handle: str = ""
    name: str = ""
    kind: str = "followers"
    people: list[ProfilePublic] = []
    next_cursor: str = ""
    found: bool = True

    def _fetch(self, cursor: str | None):
        lister = follows.followers if self.kind == "followers" else follows.following
        with session_scope() as session:
            return lister(
                session=session,
                handle=self.handle,
                cursor=cursor,
                locale=BABEL_LOCALE.get(self.lang),
            )

    @rx.event
    def load(self):
        self._user_id_or_none()
        parts = str(self.router.url.path or "").strip("/").split("/")
        self.kind = "following" if parts[-1:] == ["following"] else "followers"
        self.handle = unquote(parts[1]) if len(parts) >= 3 else ""
        with session_scope() as session:
            profile = profiles.get_profile(session=session, handle=self.handle)
        self.found = profile is not None
        self.people, self.next_cursor = [], ""
        if profile is None:
            return
        self.name = profile.display_name
        page = self._fetch(None)
        self.people, self.next_cursor = page.people, page.next_cursor or ""

    @rx.event
    def more(self):
        if not self.next_cursor:
            return
        try:
            page = self._fetch(self.next_cursor)
        except DomainError:
            self.next_cursor = ""
            return
        self.people = [*self.people, *page.people]
        self.next_cursor = page.next_cursor or ""


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
