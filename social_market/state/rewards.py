"""Rewards pages: my points and ledger (/rewards), a shop's vouchers on its page, the
maker's voucher management (/sell/vouchers), invitation links (/join/<code>) and the
level badge on profiles. Thin: check who is asking, call ``services/rewards.py``."""

from __future__ import annotations

import reflex as rx

from social_market import urls
from social_market.db import session_scope
from social_market.i18n.catalog import BABEL_LOCALE
from social_market.models import User
from social_market.services import profiles, rewards, shops
from social_market.services.errors import DomainError
from social_market.services.ids import as_id
from social_market.services.rewards import ClaimCard, LedgerLine, LevelBadge, VoucherCard
from social_market.settings import get_settings
from social_market.state.auth import AuthState
from social_market.state.forms import FormState


class RewardsState(AuthState):
    """/rewards: the signed-in person's own points, level, ledger, invite link and vouchers."""

    loaded: bool = False
    balance: int = 0
    earned: int = 0
    level: str = "newcomer"
    level_label: str = ""
    next_level_label: str = ""
    to_next: int = 0
    lines: list[LedgerLine] = []
    next_cursor: str = ""
    invite_url: str = ""
    claims: list[ClaimCard] = []

    def _show(self, me: int) -> None:
        locale = BABEL_LOCALE.get(self.lang)
        with session_scope() as session:
            summary = rewards.summary(session=session, actor_id=me)
            page = rewards.ledger(session=session, actor_id=me, locale=locale)
            code = rewards.my_invitation(session=session, actor_id=me)
            self.claims = rewards.my_claims(session=session, actor_id=me)
        self.balance, self.earned = summary.balance, summary.earned
        self.level, self.level_label = summary.level, summary.level_label
        self.next_level_label, self.to_next = summary.next_level_label, summary.to_next
        self.lines, self.next_cursor = page.lines, page.next_cursor
        self.invite_url = get_settings().public_base_url.rstrip("/") + urls.join_url(code)
        self.loaded = True

    @rx.event
    def load(self):
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        try:
            self._show(me)
        except DomainError as exc:
            return rx.toast.error(exc.translated(self.lang))
        return None

    @rx.event
    def more(self):
        me = self._user_id_or_none()
        if me is None or not self.next_cursor:
            return None
        with session_scope() as session:
            page = rewards.ledger(
                session=session,
                actor_id=me,
                cursor=self.next_cursor,
                locale=BABEL_LOCALE.get(self.lang),
            )
        self.lines = [*self.lines, *page.lines]
        self.next_cursor = page.next_cursor
        return None


class ShopVouchersState(AuthState):
    """The vouchers block of the shop page the browser is on (the shop comes from the
    page's own address, never from an event argument)."""

    vouchers: list[VoucherCard] = []
    my_points: int = 0
    owner_view: bool = False
    last_code: str = ""
    _shop_id: int | None = None

    def _refresh(self, me: int | None) -> None:
        with session_scope() as session:
            shop = shops.shop_by_slug(session, self._path_tail())
            if shop is None or shop.hidden_at is not None:
                self._shop_id, self.vouchers, self.owner_view = None, [], False
                return
            self._shop_id = shop.id
            self.owner_view = me is not None and shop.owner_id == me
            self.vouchers = rewards.shop_vouchers(session=session, shop_id=shop.id)
            user = session.get(User, me) if me else None
            self.my_points = user.points_balance if user else 0

    @rx.event
    def load(self):
        self.last_code = ""
        if not str(self.router.url.path or "").startswith("/shop/"):
            return
        self._refresh(self._user_id_or_none())

    @rx.event
    def claim(self, voucher_id: int):
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        shown = next((v for v in self.vouchers if v.id == as_id(voucher_id)), None)
        if shown is None or self._shop_id is None:
            return None
        try:
            with session_scope() as session:
                claim = rewards.claim_voucher(session=session, actor_id=me, voucher_id=shown.id)
        except DomainError as exc:
            return rx.toast.error(exc.translated(self.lang))
        self.last_code = claim.code
        self._refresh(me)
        return rx.toast.success(self._t("Your voucher code: {code}", code=claim.code))


class SellVouchersState(FormState):
    """/sell/vouchers: the maker offers vouchers for points and stops offering them."""

    vouchers: list[VoucherCard] = []
    has_shop: bool = False
    form_key: int = 0

    def _refresh(self, me: int) -> None:
        with session_scope() as session:
            self.has_shop = shops.shop_of_owner(session, me) is not None
            self.vouchers = (
                rewards.my_shop_vouchers(session=session, actor_id=me) if self.has_shop else []
            )

    @rx.event
    def load(self):
        self._clear()
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        self._refresh(me)
        return None

    @rx.event
    def create(self, form_data: dict):
        begun = self._begin(form_data)
        if begun is None:
            return None
        me, data = begun
        try:
            with session_scope() as session:
                rewards.create_voucher(session=session, actor_id=me, form=data)
        except DomainError as exc:
            self._fail(exc)
            return None
        self._refresh(me)
        self.form_key += 1
        self.notice = self._t("Your voucher is on offer.")
        return None

    @rx.event
    def set_active(self, voucher_id: int, active: bool):
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        if not isinstance(active, bool):
            return None
        try:
            with session_scope() as session:
                rewards.set_voucher_active(
                    session=session, actor_id=me, voucher_id=voucher_id, active=active
                )
        except DomainError as exc:
            return rx.toast.error(exc.translated(self.lang))
        self._refresh(me)
        return None


class JoinState(AuthState):
    """/join/<code>: an invitation link; leads to sign-up with the code."""

    valid: bool = False
    code: str = ""

    @rx.event
    def load(self):
        code = self._path_tail()
        with session_scope() as session:
            self.valid = rewards.invitation_open(session, code)
        self.code = code if self.valid else ""


class ProfileBadgeState(AuthState):
    """The level badge in a profile's header (public: the level and points earned)."""

    badge: LevelBadge | None = None

    @rx.event
    def load(self):
        with session_scope() as session:
            shown = profiles.get_profile(session=session, handle=self._path_tail())
            badges = rewards.badges_for(session, [shown.id]) if shown else {}
        self.badge = badges.get(shown.id) if shown else None
