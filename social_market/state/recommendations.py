"""Recommendations driven by people on the home page and beside the feed: stored by the
job (services/recommendations.py), read here; "Not interested" removes one at once."""

from __future__ import annotations

import reflex as rx
from pydantic import BaseModel

from social_market.db import session_scope
from social_market.i18n.catalog import BABEL_LOCALE
from social_market.models import ProfilePublic
from social_market.models.market import ListingCard
from social_market.services import recommendations
from social_market.services.errors import DomainError
from social_market.state.auth import AuthState


class RecommendationView(BaseModel):
    listing: ListingCard
    why: str  # the explanation, in the page's language


class NeighbourView(BaseModel):
    profile: ProfilePublic
    shared: int  # pieces you both love


class RecommendationsState(AuthState):
    items: list[RecommendationView] = []
    neighbours: list[NeighbourView] = []

    def _fill(self, me: int) -> None:
        locale = BABEL_LOCALE.get(self.lang)
        with session_scope() as session:
            recs = recommendations.for_user(session=session, viewer_id=me, limit=8, locale=locale)
            people = recommendations.taste_neighbours(
                session=session, viewer_id=me, limit=4, locale=locale
            )
        self.items = [
            RecommendationView(listing=r.listing, why=recommendations.explain(r, self.lang))
            for r in recs
        ]
        self.neighbours = [NeighbourView(profile=p, shared=n) for p, n in people]

    @rx.event
    def load(self):
        me = self._user_id_or_none()
        if me is None:
            self.items, self.neighbours = [], []
            return
        self._fill(me)

    @rx.event
    def not_interested(self, listing_id: int):
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        if not any(r.listing.id == listing_id for r in self.items):
            return None
        try:
            with session_scope() as session:
                recommendations.not_interested(session=session, actor_id=me, listing_id=listing_id)
        except DomainError as exc:
            return rx.toast.error(exc.translated(self.lang))
        self.items = [r for r in self.items if r.listing.id != listing_id]
        return rx.toast.success(self._t("Got it: we won't suggest it again."))
