"""Group orders in the browser: the listing page's "Buy together" box, the group order
page (join, change, leave, cancel, pay one's share) and the maker's price tiers.

Which listing or group order a handler acts on always comes from the page's own
address, never from an argument; the services check who may do what.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import reflex as rx

from social_market import urls
from social_market.db import session_scope
from social_market.i18n.catalog import BABEL_LOCALE, N_
from social_market.models import utcnow
from social_market.services import countries, group_orders, holds
from social_market.services.errors import DomainError
from social_market.services.group_orders import BuyTogetherBox, GroupOrderView, TierCard
from social_market.services.ids import as_id
from social_market.services.listings import parse_listing_ref
from social_market.state.auth import AuthState
from social_market.state.forms import FormState

log = logging.getLogger(__name__)

# How long a new group order runs: [days, label msgid] (the form offers these).
DEADLINE_CHOICES = [
    ["1", N_("1 day")],
    ["3", N_("3 days")],
    ["7", N_("1 week")],
    ["14", N_("2 weeks")],
    ["30", N_("30 days")],
]
DEADLINE_DAYS = tuple(c[0] for c in DEADLINE_CHOICES)

# Ticks every [data-sm-countdown] element once a second (installed once per page).
COUNTDOWN_JS = """
(function () {
  if (window.__smCountdown) return;
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    document.querySelectorAll("[data-sm-countdown]").forEach(function (el) {
      var end = Date.parse(el.getAttribute("data-sm-countdown"));
      if (isNaN(end)) return;
      var s = Math.max(0, Math.floor((end - Date.now()) / 1000));
      var d = Math.floor(s / 86400);
      var text = (d > 0 ? d + " d " : "") + pad(Math.floor(s % 86400 / 3600)) + ":" +
        pad(Math.floor(s % 3600 / 60)) + ":" + pad(s % 60);
      if (el.textContent !== text) el.textContent = text;
    });
  }
  window.__smCountdown = setInterval(tick, 1000);
  tick();
})();
"""


# Fields each form shows its own message under; any other message (e.g. "this group
# order is closed") goes to the page's general message.
START_FIELDS = ("target_quantity", "quantity", "deadline", "note")
GROUP_FIELDS = ("quantity", "name", "line1", "line2", "postcode", "city", "country")


def _locale(state: AuthState) -> str | None:
    return BABEL_LOCALE.get(state.lang)


def _fail_shown(state: FormState, exc: DomainError, fields: tuple[str, ...]) -> None:
    if exc.field in fields:
        state._fail(exc)
    else:
        state.field_errors = {}
        state.error = exc.translated(state.lang)


class GroupFormState(AuthState):
    """Messages of one form only (FormState's are shared by every form state of a page:
    the listing page and the listing editor have other forms)."""

    form_error: str = ""
    form_field_errors: dict[str, str] = {}
    form_notice: str = ""

    def _clear(self) -> None:
        self.form_error, self.form_field_errors, self.form_notice = "", {}, ""

    def _show(self, exc: DomainError, fields: tuple[str, ...]) -> None:
        message = exc.translated(self.lang)
        if exc.field in fields:
            self.form_error, self.form_field_errors = "", {exc.field: message}  # type: ignore[dict-item]
        else:
            self.form_error, self.form_field_errors = message, {}

    def _begin(self, form_data: object) -> tuple[int, dict[str, object]] | None:
        self._clear()
        me = self._user_id_or_none(with_cart=False)
        if me is None:
            self.form_error = self._t("Your session has ended. Please sign in again.")
            return None
        if not isinstance(form_data, dict):
            self.form_error = self._t(
                "The form could not be read. Please reload the page and try again."
            )
            return None
        return me, form_data


class BuyTogetherState(GroupFormState):
    """The "Buy together" box of the listing page the browser is on."""

    box: BuyTogetherBox | None = None
    starting: bool = False

    def _refresh(self, me: int | None) -> None:
        ref = self._path_tail()
        try:
            with session_scope() as session:
                self.box = group_orders.listing_box(
                    session=session, viewer_id=me, listing_id=ref, locale=_locale(self)
                )
        except DomainError:
            self.box = None

    @rx.event
    def load(self):
        self._clear()
        self.starting = False
        if not str(self.router.url.path or "").startswith("/listing/"):
            self.box = None
            return None
        self._refresh(self._user_id_or_none(with_cart=False))
        return rx.call_script(COUNTDOWN_JS)

    @rx.event
    def open_start(self):
        if self._user_id_or_none(with_cart=False) is None:
            return self._sign_in_redirect()
        self._clear()
        self.starting = self.box is not None and self.box.can_start
        return None

    @rx.event
    def close_start(self):
        self.starting = False
        self._clear()

    @rx.event
    def start(self, form_data: dict):
        begun = self._begin(form_data)
        if begun is None or self.box is None:
            return None
        me, data = begun
        days = data.get("days")
        if days not in DEADLINE_DAYS:
            self.form_field_errors = {
                "deadline": self._t("Please choose when the group order ends.")
            }
            return None
        try:
            with session_scope() as session:
                go = group_orders.start(
                    session=session,
                    actor_id=me,
                    listing_id=self._path_tail(),  # the page's listing, not the form's
                    target_quantity=data.get("target_quantity"),
                    deadline=utcnow() + timedelta(days=int(days)),  # type: ignore[arg-type]
                    quantity=data.get("quantity"),
                    note=data.get("note", ""),
                )
                url = urls.group_order_url(go.id)  # type: ignore[arg-type]
        except DomainError as exc:
            self._show(exc, START_FIELDS)
            return None
        self.starting = False
        return rx.redirect(url)


class GroupOrderState(FormState):
    """/group/<id>: one group order."""

    found: bool = True
    group: GroupOrderView | None = None
    method: str = ""
    country_options: list[list[str]] = []
    _group_id: int | None = None

    def _refresh(self, me: int | None) -> None:
        try:
            with session_scope() as session:
                self.group = group_orders.group_view(
                    session=session,
                    viewer_id=me,
                    group_order_id=self._group_id,
                    locale=_locale(self),
                )
        except DomainError:
            self.group = None
        self.found = self.group is not None
        codes = [o[0] for o in self.group.payment_options] if self.group else []
        if self.method not in codes:
            self.method = codes[0] if codes else ""

    @rx.event
    def load(self):
        self._clear()
        self._group_id = as_id(self._path_tail())
        self.country_options = [
            [code, name] for code, name in countries.country_names(self.lang).items()
        ]
        self._refresh(self._user_id_or_none())
        return rx.call_script(COUNTDOWN_JS)

    @rx.event
    def refresh(self):
        """Look again (something changed for a member: someone joined, the target was
        reached); keeps the form messages."""
        if self._group_id is not None:
            self._refresh(self._user_id_or_none(with_cart=False))

    def _act(self, action, success: str, **kwargs):
        """Run one membership action as the signed-in person, then show the page again."""
        self._clear()
        me = self._user_id_or_none(with_cart=False)
        if me is None:
            return self._sign_in_redirect()
        if self._group_id is None:
            return None
        try:
            with session_scope() as session:
                action(session=session, actor_id=me, group_order_id=self._group_id, **kwargs)
        except DomainError as exc:
            _fail_shown(self, exc, GROUP_FIELDS)
            self._refresh(me)
            return None
        self._refresh(me)
        self.notice = self._t(success)
        return None

    @rx.event
    def join(self, form_data: dict):
        data = self._form(form_data)
        if data is None:
            return None
        return self._act(
            group_orders.join,
            "You're in. Your pieces are held for you.",
            quantity=data.get("quantity"),
        )

    @rx.event
    def change(self, form_data: dict):
        data = self._form(form_data)
        if data is None:
            return None
        return self._act(
            group_orders.change, N_("Your quantity is changed."), quantity=data.get("quantity")
        )

    @rx.event
    def leave(self):
        return self._act(
            group_orders.leave, N_("You left the group order. Your pieces are released.")
        )

    @rx.event
    def cancel(self):
        return self._act(group_orders.cancel, N_("The group order is cancelled."))

    @rx.event
    def set_method(self, code: str):
        if self.group is not None and any(o[0] == code for o in self.group.payment_options):
            self.method = code

    @rx.event
    def buy_share(self, form_data: dict):
        begun = self._begin(form_data)
        if begun is None or self.group is None or self.group.share is None:
            return None
        me, data = begun
        address = {
            k: data.get(k) for k in ("name", "line1", "line2", "postcode", "city", "country")
        }
        self.busy = True
        try:
            with session_scope() as session:
                # The share shown is the viewer's own (the service checks it again).
                result = holds.buy(
                    session=session,
                    actor_id=me,
                    hold_id=self.group.share.hold_id,
                    address=address,
                    payment_method=self.method,
                    locale=_locale(self),
                )
        except DomainError as exc:
            self.busy = False
            _fail_shown(self, exc, GROUP_FIELDS)
            self._refresh(me)
            return None
        self.busy = False
        log.info("user %s bought group share %s", me, self.group.share.hold_id)
        if result.redirect_url:
            return rx.redirect(result.redirect_url)
        return rx.redirect(result.orders[0].url + "?placed=1")


class GroupTiersState(GroupFormState):
    """The maker's group price tiers, in the listing editor of their own listing."""

    tiers: list[TierCard] = []
    shown: bool = False

    def _listing_ref(self) -> int | None:
        return parse_listing_ref(self._path_tail())

    @rx.event
    def load(self):
        self._clear()
        self.tiers, self.shown = [], False
        me = self._user_id_or_none(with_cart=False)
        ref = self._listing_ref()
        if me is None or ref is None:
            return
        try:
            with session_scope() as session:
                self.tiers = group_orders.get_tiers(
                    session=session, actor_id=me, listing_id=ref, locale=_locale(self)
                )
        except DomainError:
            return
        self.shown = True

    @rx.event
    def save(self, form_data: dict):
        begun = self._begin(form_data)
        if begun is None:
            return None
        me, data = begun
        pairs = [
            [data.get(f"tier_q{i}", ""), data.get(f"tier_p{i}", "")]
            for i in range(1, group_orders.MAX_TIERS + 1)
        ]
        try:
            with session_scope() as session:
                group_orders.set_tiers(
                    session=session, actor_id=me, listing_id=self._listing_ref(), tiers=pairs
                )
                self.tiers = group_orders.get_tiers(
                    session=session,
                    actor_id=me,
                    listing_id=self._listing_ref(),
                    locale=_locale(self),
                )
        except DomainError as exc:
            self._show(exc, ("tiers",))
            return None
        self.form_notice = self._t("Group prices saved.")
        return None
