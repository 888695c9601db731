"""Buying and selling: cart, checkout, orders (buyer and shop side), the seller dashboard."""

from __future__ import annotations

import logging

import reflex as rx

from social_market import urls
from social_market.db import session_scope
from social_market.i18n.catalog import BABEL_LOCALE, N_
from social_market.i18n.format import format_money
from social_market.services import cart, checkout, countries, dashboard, listening, orders, rewards
from social_market.services.cart import Cart
from social_market.services.dashboard import Dashboard, ListingStats
from social_market.services.errors import DomainError, NotAllowed, NotFound
from social_market.services.orders import OrderDetail, OrderSummary
from social_market.state.auth import AuthState
from social_market.state.forms import FormState

log = logging.getLogger(__name__)


def country_options(lang: str) -> list[list[str]]:
    return [[code, name] for code, name in countries.country_names(lang).items()]


class CartState(AuthState):
    cart: Cart | None = None
    error: str = ""
    country_options: list[list[str]] = []

    def _refresh(self, user_id: int) -> None:
        self.country_options = country_options(self.lang)
        with session_scope() as session:
            self.cart = cart.get_cart(
                session=session,
                user_id=user_id,
                destination_country=self._destination(""),
                locale=BABEL_LOCALE.get(self.lang),
            )
            self.cart_count = cart.cart_count(session=session, user_id=user_id)

    @rx.event
    def load(self):
        self.error = ""
        user_id = self._user_id_or_none()
        if user_id is None:
            return self._sign_in_redirect()
        self._refresh(user_id)

    @rx.event
    def set_ship_to(self, code: str):
        if isinstance(code, str) and code.upper() in countries.country_names("en"):
            self.ship_to = code.upper()
        user_id = self._user_id_or_none()
        if user_id is not None:
            self._refresh(user_id)

    @rx.event
    def set_quantity(self, listing_id: int, value: str):
        user_id = self._user_id_or_none()
        if user_id is None:
            return self._sign_in_redirect()
        self.error = ""
        try:
            with session_scope() as session:
                cart.set_quantity(
                    session=session, user_id=user_id, listing_id=listing_id, quantity=value
                )
        except DomainError as exc:
            self.error = exc.translated(self.lang)
        self._refresh(user_id)

    @rx.event
    def remove(self, listing_id: int):
        user_id = self._user_id_or_none()
        if user_id is None:
            return self._sign_in_redirect()
        try:
            with session_scope() as session:
                cart.remove_from_cart(session=session, user_id=user_id, listing_id=listing_id)
        except DomainError as exc:
            self.error = exc.translated(self.lang)
        self._refresh(user_id)
        return rx.toast.info(self._t("Removed from your cart"))


class CheckoutState(FormState):
    cart: Cart | None = None
    method: str = ""
    country_options: list[list[str]] = []
    # A reward voucher's discount and the total after it, previewed ('' without one).
    voucher_discount: str = ""
    voucher_total: str = ""
    _voucher_code: str = ""

    def _preview_voucher(self, user_id: int) -> None:
        self.voucher_discount = self.voucher_total = ""
        errors = {k: v for k, v in self.field_errors.items() if k != "voucher_code"}
        if self.cart is None or not self._voucher_code:
            self.field_errors = errors
            return
        try:
            with session_scope() as session:
                discount = rewards.cart_discount(
                    session=session, buyer_id=user_id, code=self._voucher_code
                )
        except DomainError as exc:
            self.field_errors = {**errors, "voucher_code": exc.translated(self.lang)}
            return
        self.field_errors = errors
        locale = BABEL_LOCALE.get(self.lang)
        self.voucher_discount = format_money(discount, self.cart.currency, locale)
        self.voucher_total = format_money(
            self.cart.grand_total_cents - discount, self.cart.currency, locale
        )

    @rx.event
    def preview_voucher(self, code: str):
        """The voucher field lost focus: show what the code takes off (or why not)."""
        user_id = self._user_id_or_none()
        if user_id is None:
            return
        self._voucher_code = code.strip()[:20] if isinstance(code, str) else ""
        self._preview_voucher(user_id)

    def _refresh(self, user_id: int) -> None:
        self.country_options = country_options(self.lang)
        with session_scope() as session:
            self.cart = cart.get_cart(
                session=session,
                user_id=user_id,
                destination_country=self._destination("DE"),
                locale=BABEL_LOCALE.get(self.lang),
                payment_method=self.method or None,
            )
        codes = [m.code for m in self.cart.payment_methods]
        if self.method not in codes:
            self.method = codes[0] if codes else ""
            if self.method:
                with session_scope() as session:
                    self.cart = cart.get_cart(
                        session=session,
                        user_id=user_id,
                        destination_country=self._destination("DE"),
                        locale=BABEL_LOCALE.get(self.lang),
                        payment_method=self.method,
                    )
        if self._voucher_code:
            self._preview_voucher(user_id)

    @rx.event
    def load(self):
        self._clear()
        user_id = self._user_id_or_none()
        if user_id is None:
            return self._sign_in_redirect()
        self._refresh(user_id)
        if self.cart is not None and not self.cart.shops:
            return rx.redirect(urls.CART)

    @rx.event
    def set_ship_to(self, code: str):
        if isinstance(code, str) and code.upper() in countries.country_names("en"):
            self.ship_to = code.upper()
        user_id = self._user_id_or_none()
        if user_id is not None:
            self._refresh(user_id)

    @rx.event
    def set_method(self, code: str):
        if (
            isinstance(code, str)
            and self.cart is not None
            and code in [m.code for m in self.cart.payment_methods]
        ):
            self.method = code
        user_id = self._user_id_or_none()
        if user_id is not None:
            self._refresh(user_id)

    @rx.event
    def place(self, form_data: dict):
        begun = self._begin(form_data)
        if begun is None or self.cart is None:
            return None
        user_id, data = begun
        address = {
            k: data.get(k) for k in ("name", "line1", "line2", "postcode", "city", "country")
        }
        self.busy = True
        try:
            with session_scope() as session:
                # A voucher's discount comes off the total the buyer saw.
                discount = rewards.cart_discount(
                    session=session, buyer_id=user_id, code=data.get("voucher_code")
                )
            with session_scope() as session:
                result = checkout.place_order(
                    session=session,
                    buyer_id=user_id,
                    address=address,
                    payment_method=self.method,
                    # The total the buyer saw: if a price changed meanwhile, they are told.
                    expected_total_cents=self.cart.grand_total_cents - discount,
                    locale=BABEL_LOCALE.get(self.lang),
                    voucher_code=data.get("voucher_code"),
                )
        except DomainError as exc:
            self.busy = False
            self._fail(exc)
            self._refresh(user_id)
            return None
        self.busy = False
        log.info("user %s placed checkout %s", user_id, result.checkout_id)
        self.cart_count = 0
        if result.redirect_url:
            return rx.redirect(result.redirect_url)
        if len(result.orders) == 1:
            return rx.redirect(result.orders[0].url + "?placed=1")
        return rx.redirect(urls.ORDERS + "?placed=1")


class OrdersState(AuthState):
    """/orders: what I bought."""

    orders: list[OrderSummary] = []
    next_cursor: str = ""
    just_placed: bool = False

    @rx.event
    def load(self):
        user_id = self._user_id_or_none()
        if user_id is None:
            return self._sign_in_redirect()
        self.just_placed = self.router.url.query_parameters.get("placed") == "1"
        with session_scope() as session:
            page = orders.buyer_orders(
                session=session, buyer_id=user_id, locale=BABEL_LOCALE.get(self.lang)
            )
        self.orders = page.orders
        self.next_cursor = page.next_cursor or ""

    @rx.event
    def more(self):
        user_id = self._user_id_or_none()
        if user_id is None or not self.next_cursor:
            return
        with session_scope() as session:
            page = orders.buyer_orders(
                session=session,
                buyer_id=user_id,
                before=self.next_cursor,
                locale=BABEL_LOCALE.get(self.lang),
            )
        self.orders = [*self.orders, *page.orders]
        self.next_cursor = page.next_cursor or ""


class OrderState(FormState):
    """/orders/<reference>: one order, for its buyer or its shop."""

    order: OrderDetail | None = None
    found: bool = True
    just_placed: bool = False

    def _reload(self, user_id: int) -> None:
        try:
            with session_scope() as session:
                self.order = orders.get_order(
                    session=session,
                    viewer_id=user_id,
                    reference=self._path_tail(),
                    locale=BABEL_LOCALE.get(self.lang),
                )
            self.found = True
        except (NotFound, NotAllowed):
            self.order = None
            self.found = False

    @rx.event
    def load(self):
        self._clear()
        user_id = self._user_id_or_none()
        if user_id is None:
            return self._sign_in_redirect()
        self.just_placed = self.router.url.query_parameters.get("placed") == "1"
        self._reload(user_id)

    def _act(self, action, message: str, args):
        self._clear()
        user_id = self._user_id_or_none()
        if user_id is None:
            return self._sign_in_redirect()
        if self.order is None:
            return None
        try:
            with session_scope() as session:
                action(session=session, reference=self.order.reference, **args(user_id))
        except DomainError as exc:
            self._fail(exc)
            self._reload(user_id)
            return None
        self._reload(user_id)
        return rx.toast.success(self._t(message))

    @rx.event
    def confirm_payment(self):
        return self._act(
            orders.confirm_payment, N_("Payment confirmed."), lambda u: {"owner_id": u}
        )

    @rx.event
    def mark_shipped(self, form_data: dict):
        tracking = form_data.get("tracking_number", "") if isinstance(form_data, dict) else ""
        return self._act(
            orders.mark_shipped,
            N_("Marked as shipped. The buyer has been told."),
            lambda u: {"owner_id": u, "tracking_number": tracking},
        )

    @rx.event
    def mark_delivered(self):
        return self._act(
            orders.mark_delivered, N_("Marked as delivered."), lambda u: {"actor_id": u}
        )

    @rx.event
    def cancel(self, form_data: dict):
        reason = form_data.get("reason", "") if isinstance(form_data, dict) else ""
        return self._act(
            orders.cancel_order,
            N_("Order cancelled."),
            lambda u: {"actor_id": u, "reason": reason},
        )


class SellerOrdersState(AuthState):
    """/sell/orders: the shop's orders, filtered by status."""

    orders: list[OrderSummary] = []
    next_cursor: str = ""
    status: str = ""

    def _page(self, user_id: int, before: str | None):
        with session_scope() as session:
            return orders.shop_orders(
                session=session,
                owner_id=user_id,
                status=self.status or None,
                before=before,
                locale=BABEL_LOCALE.get(self.lang),
            )

    @rx.event
    def load(self):
        user_id = self._user_id_or_none()
        if user_id is None:
            return self._sign_in_redirect()
        status = self.router.url.query_parameters.get("status", "")
        self.status = status if status in orders.STATUS_LABELS else ""
        try:
            page = self._page(user_id, None)
        except NotAllowed:
            return rx.redirect(urls.SELL_SHOP)
        self.orders = page.orders
        self.next_cursor = page.next_cursor or ""

    @rx.event
    def more(self):
        user_id = self._user_id_or_none()
        if user_id is None or not self.next_cursor:
            return
        page = self._page(user_id, self.next_cursor)
        self.orders = [*self.orders, *page.orders]
        self.next_cursor = page.next_cursor or ""


class SellerDashboardState(AuthState):
    """/sell: what needs doing, how the listings do, revenue per month."""

    board: Dashboard | None = None
    listings: list[ListingStats] = []
    chart: list[dict[str, str | int | float]] = []
    listening_unanswered: int = 0  # things people said that wait for an answer (capped)

    @rx.event
    def load(self):
        user_id = self._user_id_or_none()
        if user_id is None:
            return self._sign_in_redirect()
        locale = BABEL_LOCALE.get(self.lang)
        try:
            with session_scope() as session:
                self.board = dashboard.dashboard(session=session, owner_id=user_id, locale=locale)
                self.listings = dashboard.dashboard_listings(
                    session=session, owner_id=user_id, limit=60, locale=locale
                ).listings
                self.listening_unanswered = listening.unanswered_total(session, user_id)
        except NotAllowed:
            return rx.redirect(urls.SELL_SHOP)
        self.chart = [
            {"month": m.month, "revenue": round(m.total_cents / 100, 2), "orders": m.orders}
            for m in self.board.revenue
        ]
