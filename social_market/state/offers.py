"""Flash offers in the browser: the offer sections (listing, shop, /offers), the buy
dialog, and the maker's new-offer form. Thin: parse → services/offers.py → vars."""

from __future__ import annotations

import logging
from datetime import timedelta

import reflex as rx

from social_market.db import session_scope
from social_market.i18n.catalog import BABEL_LOCALE
from social_market.models import utcnow
from social_market.services import countries, offers, shops
from social_market.services.errors import DomainError, NotAllowed, NotFound
from social_market.services.ids import as_id
from social_market.services.listings import parse_listing_ref
from social_market.services.money import format_plain
from social_market.services.offers import OfferCard
from social_market.state.auth import AuthState
from social_market.state.forms import FormState

log = logging.getLogger(__name__)

# The new-offer form's choices: start (minutes from now) and duration (minutes).
STARTS = {"now": 0, "1h": 60, "3h": 180, "1d": 1440}
DURATIONS = {
    "30m": 30,
    "1h": 60,
    "3h": 180,
    "6h": 360,
    "12h": 720,
    "1d": 1440,
    "3d": 4320,
    "7d": 10080,
    "14d": 20160,
}


BUY_FIELDS = ("quantity", "payment_method", "name", "line1", "line2", "postcode", "city", "country")


class OffersState(AuthState):
    """The offers a page shows, and the buy dialog for one of them.

    Its messages are its own (not FormState's): the dialog shares its pages with the
    comment and review forms.
    """

    offers: list[OfferCard] = []
    buy_error: str = ""
    buy_errors: dict[str, str] = {}
    busy: bool = False
    buy_open: bool = False
    buying: OfferCard | None = None
    method_options: list[list[str]] = []  # [code, label msgid]
    default_method: str = ""
    country_options: list[list[str]] = []
    # What the page shows: ('listing', id) | ('shop', id) | ('all', 0).
    _where: tuple[str, int] = ("all", 0)

    def _locale(self):
        return BABEL_LOCALE.get(self.lang)

    def _clear(self) -> None:
        self.buy_error = ""
        self.buy_errors = {}

    def _fail(self, exc: DomainError) -> None:
        message = exc.translated(self.lang)
        if exc.field in BUY_FIELDS:
            self.buy_errors = {exc.field: message}  # type: ignore[dict-item]
            self.buy_error = ""
        else:
            self.buy_errors = {}
            self.buy_error = message

    def _reload(self) -> None:
        kind, key = self._where
        viewer = self._user_id_or_none(with_cart=False)
        with session_scope() as session:
            if kind == "listing":
                self.offers = offers.for_listing(
                    session=session, viewer_id=viewer, listing_id=key, locale=self._locale()
                )
            elif kind == "shop":
                self.offers = offers.for_shop(
                    session=session, viewer_id=viewer, shop_id=key, locale=self._locale()
                )
            else:
                self.offers = offers.live_offers(
                    session=session, viewer_id=viewer, locale=self._locale()
                )

    def _start(self, kind: str, key: int) -> None:
        self._clear()
        self.buy_open = False
        self.buying = None
        self._where = (kind, key)
        self._reload()

    @rx.event
    def load_for_listing(self):
        self._start("listing", parse_listing_ref(self._path_tail()) or 0)

    @rx.event
    def load_for_shop(self):
        slug = self._path_tail()
        shop_id = 0
        with session_scope() as session:
            try:
                shop_id = shops.get_shop(session=session, slug=slug).id
            except NotFound:
                shop_id = 0
        self._start("shop", shop_id)

    @rx.event
    def load_all(self):
        self._start("all", 0)

    @rx.event
    def refresh(self):
        """The countdown reached zero: read the offers again (ended ones go)."""
        self._reload()

    @rx.event
    def open_buy(self, offer_id: int):
        self._clear()
        user_id = self._user_id_or_none()
        if user_id is None:
            return self._sign_in_redirect()
        try:
            with session_scope() as session:
                card = offers.get_offer(
                    session=session, viewer_id=user_id, offer_id=offer_id, locale=self._locale()
                )
                methods = offers.payment_options(
                    session=session, viewer_id=user_id, offer_id=offer_id
                )
        except DomainError as exc:
            return rx.toast.error(exc.translated(self.lang))
        if card.mine:
            return rx.toast.error(self._t("You can't buy from your own shop."))
        self.buying = card
        self.method_options = [[m.code, m.label] for m in methods]
        self.default_method = methods[0].code if methods else ""
        self.country_options = [
            [code, name] for code, name in countries.country_names(self.lang).items()
        ]
        self.buy_open = True
        return None

    @rx.event
    def set_buy_open(self, value: bool):
        self.buy_open = value is True
        if not self.buy_open:
            self.buying = None
            self._clear()

    @rx.event
    def buy(self, form_data: dict):
        self._clear()
        user_id = self._user_id_or_none()
        if user_id is None:
            self.buy_error = self._t("Your session has ended. Please sign in again.")
            return None
        if not isinstance(form_data, dict):
            self.buy_error = self._t(
                "The form could not be read. Please reload the page and try again."
            )
            return None
        data = form_data
        address = {
            k: data.get(k) for k in ("name", "line1", "line2", "postcode", "city", "country")
        }
        self.busy = True
        try:
            with session_scope() as session:
                result = offers.buy(
                    session=session,
                    actor_id=user_id,
                    offer_id=data.get("offer_id"),
                    quantity=data.get("quantity"),
                    address=address,
                    payment_method=data.get("payment_method"),  # type: ignore[arg-type]
                    locale=self._locale(),
                )
        except DomainError as exc:
            self.busy = False
            self._fail(exc)
            if isinstance(exc, NotFound):
                self.buy_open = False
                self.buying = None
                self._reload()
                return rx.toast.error(exc.translated(self.lang))
            self._reload()
            return None
        self.busy = False
        self.buy_open = False
        log.info("user %s bought in offer %s", user_id, data.get("offer_id"))
        return rx.redirect(result.orders[0].url + "?placed=1")

    @rx.event
    def cancel_offer(self, offer_id: int):
        user_id = self._user_id_or_none()
        if user_id is None:
            return self._sign_in_redirect()
        try:
            with session_scope() as session:
                offers.cancel(session=session, actor_id=user_id, offer_id=offer_id)
        except DomainError as exc:
            return rx.toast.error(exc.translated(self.lang))
        self._reload()
        return rx.toast.info(self._t("The offer has ended. Its leftover pieces are back in stock."))


class NewOfferState(FormState):
    """/sell/offers/new/[listing]: the maker's flash-offer form for one listing."""

    found: bool = True
    listing_id: int = 0
    listing_title: str = ""
    listing_price: str = ""
    listing_stock: int = 0
    made_to_order: bool = False
    suggested_price: str = ""

    @rx.event
    def load(self):
        self._clear()
        user_id = self._user_id_or_none()
        if user_id is None:
            return self._sign_in_redirect()
        try:
            with session_scope() as session:
                listing = offers.offer_listing(
                    session=session, actor_id=user_id, listing_id=self._path_tail()
                )
                self.listing_id = listing.id or 0
                self.listing_title = listing.title
                self.listing_price = format_plain(listing.price_cents)
                self.suggested_price = format_plain(max(listing.price_cents * 8 // 10, 1))
                self.listing_stock = listing.quantity
                self.made_to_order = listing.made_to_order
        except (NotFound, NotAllowed):
            self.found = False
            return None
        self.found = True
        return None

    @rx.event
    def submit(self, form_data: dict):
        begun = self._begin(form_data)
        if begun is None:
            return None
        user_id, data = begun
        start = data.get("starts")
        duration = data.get("duration")
        start = start if isinstance(start, str) else ""
        duration = duration if isinstance(duration, str) else ""
        if start not in STARTS:
            self.field_errors = {"starts": self._t("Please choose when the offer starts.")}
            return None
        if duration not in DURATIONS:
            self.field_errors = {"duration": self._t("Please choose how long the offer runs.")}
            return None
        starts_at = utcnow() + timedelta(minutes=STARTS[start])  # type: ignore[index]
        form = {
            "price": data.get("price"),
            "quantity": data.get("quantity"),
            "per_buyer": data.get("per_buyer"),
            "audience": data.get("audience"),
            "note": data.get("note"),
            "starts_at": starts_at,
            "ends_at": starts_at + timedelta(minutes=DURATIONS[duration]),  # type: ignore[index]
        }
        self.busy = True
        try:
            with session_scope() as session:
                offer = offers.publish(
                    session=session,
                    actor_id=user_id,
                    listing_id=as_id(data.get("listing_id")),
                    form=form,
                )
                listing_url = offers.get_offer(
                    session=session, viewer_id=user_id, offer_id=offer.id
                ).offer_url
        except DomainError as exc:
            self.busy = False
            self._fail(exc)
            # The form asks for a start and a duration, not two moments.
            names = {"starts_at": "starts", "ends_at": "duration"}
            self.field_errors = {names.get(k, k): v for k, v in self.field_errors.items()}
            if "listing" in self.field_errors:
                self.error = self.field_errors.pop("listing")
            return None
        self.busy = False
        return [rx.redirect(listing_url), rx.toast.success(self._t("Your offer is published."))]
