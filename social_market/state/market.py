"""Buyer-facing marketplace pages: shop pages, listing pages, favourites."""

from __future__ import annotations

import reflex as rx

from social_market.db import session_scope
from social_market.i18n.catalog import BABEL_LOCALE
from social_market.models.market import ListingCard
from social_market.services import cart, countries, favourites, listings, shops, trust
from social_market.services.errors import DomainError, NotFound
from social_market.services.listings import ListingDetail
from social_market.services.shops import ShopPublic
from social_market.state.auth import AuthState
from social_market.state.sharing import SharePageState


class ListingPageState(SharePageState):
    found: bool = True
    listing: ListingDetail | None = None
    photo_index: int = 0
    country_options: list[list[str]] = []
    quantity: int = 1

    def _load(self, viewer: int | None) -> None:
        locale = BABEL_LOCALE.get(self.lang)
        ref = self._path_tail()
        with session_scope() as session:
            try:
                first = listings.get_listing(
                    session=session, listing_ref=ref, viewer_id=viewer, locale=locale
                )
                destination = self._destination(first.shop.country)
                if destination != first.shipping_to:
                    first = listings.get_listing(
                        session=session,
                        listing_ref=ref,
                        viewer_id=viewer,
                        destination=destination,
                        locale=locale,
                    )
                self.listing = first.model_copy(
                    update={
                        "more_from_shop": trust.with_badges(session, viewer, first.more_from_shop)
                    }
                )
                if not first.is_owner and first.state == "active":
                    listings.record_view(session=session, listing_id=first.id)
            except NotFound:
                self.listing = None
        self.found = self.listing is not None
        if self.listing is not None:
            self._set_share_links("l", str(self.listing.id), self.listing.title)
        self.photo_index = 0
        self.quantity = 1
        self.country_options = [
            [code, name] for code, name in countries.country_names(self.lang).items()
        ]

    @rx.event
    def load(self):
        self._load(self._user_id_or_none())

    @rx.event
    def show_photo(self, index: int):
        if (
            self.listing is not None
            and isinstance(index, int)
            and not isinstance(index, bool)
            and 0 <= index < len(self.listing.photos)
        ):
            self.photo_index = index

    @rx.event
    def set_ship_to(self, code: str):
        if isinstance(code, str) and code.upper() in countries.country_names("en"):
            self.ship_to = code.upper()
            self._load(self._user_id_or_none())

    @rx.event
    def set_quantity(self, value: str):
        try:
            q = int(value)
        except (TypeError, ValueError):
            return
        self.quantity = max(1, min(q, 99))

    @rx.event
    def add_to_cart(self):
        user_id = self._user_id_or_none()
        if user_id is None:
            return self._sign_in_redirect()
        if self.listing is None:
            return None
        try:
            with session_scope() as session:
                cart.add_to_cart(
                    session=session,
                    user_id=user_id,
                    listing_id=self.listing.id,
                    quantity=self.quantity,
                    # Opened from a curated list (?via=list:<id>): the cart service
                    # credits the list only if it is public and holds this listing.
                    via=self.router.url.query_parameters.get("via"),
                )
                self.cart_count = cart.cart_count(session=session, user_id=user_id)
        except DomainError as exc:
            return rx.toast.error(exc.translated(self.lang))
        return rx.toast.success(self._t("Added to your cart"))

    @rx.event
    def toggle_favourite(self):
        user_id = self._user_id_or_none()
        if user_id is None:
            return self._sign_in_redirect()
        if self.listing is None:
            return
        try:
            with session_scope() as session:
                now = favourites.set_listing_favourite(
                    session=session,
                    user_id=user_id,
                    listing_id=self.listing.id,
                    on=not self.listing.is_favourite,
                )
        except DomainError as exc:
            return rx.toast.error(exc.translated(self.lang))
        self.listing = self.listing.model_copy(
            update={
                "is_favourite": now,
                "favourite_count": self.listing.favourite_count + (1 if now else -1),
            }
        )
        return rx.toast.success(
            self._t("Saved to your favourites") if now else self._t("Removed from your favourites")
        )


class ShopPageState(SharePageState):
    found: bool = True
    shop: ShopPublic | None = None
    items: list[ListingCard] = []
    is_favourite: bool = False
    is_owner: bool = False
    feed_url: str = ""

    @rx.event
    def load(self):
        me = self._user_id_or_none()
        locale = BABEL_LOCALE.get(self.lang)
        with session_scope() as session:
            try:
                self.shop = shops.get_shop(session=session, slug=self._path_tail(), locale=locale)
            except NotFound:
                self.shop = None
                self.found = False
                return
            self.items = trust.with_badges(
                session,
                me,
                listings.shop_listings(session=session, shop_id=self.shop.id, locale=locale),
            )
            self.is_favourite = favourites.is_shop_favourite(
                session=session, user_id=me, shop_id=self.shop.id
            )
        self.found = True
        self.is_owner = me is not None and self.shop.owner_handle == self.me_handle
        self._set_share_links("s", self.shop.slug, self.shop.name)
        backend = rx.config.get_config().api_url.rstrip("/")
        self.feed_url = f"{backend}/feeds/shop/{self.shop.slug}/atom.xml"

    @rx.event
    def toggle_favourite(self):
        user_id = self._user_id_or_none()
        if user_id is None:
            return self._sign_in_redirect()
        if self.shop is None:
            return
        try:
            with session_scope() as session:
                now = favourites.set_shop_favourite(
                    session=session, user_id=user_id, shop_id=self.shop.id, on=not self.is_favourite
                )
        except DomainError as exc:
            return rx.toast.error(exc.translated(self.lang))
        self.is_favourite = now
        self.shop = self.shop.model_copy(
            update={"favourite_count": self.shop.favourite_count + (1 if now else -1)}
        )


class FavouritesState(AuthState):
    items: list[ListingCard] = []
    shops: list[ShopPublic] = []

    @rx.event
    def load(self):
        user_id = self._user_id_or_none()
        if user_id is None:
            return self._sign_in_redirect()
        locale = BABEL_LOCALE.get(self.lang)
        with session_scope() as session:
            self.items = favourites.favourite_listings(
                session=session, user_id=user_id, locale=locale
            )
            self.shops = favourites.favourite_shops(session=session, user_id=user_id, locale=locale)
