"""Wishes: a shop's wishes (propose, vote, sort), one wish (vote, pledge, the maker's
answer / accept / decline), the maker's wishes, and a reserved purchase's checkout.

Handlers take what they act on from the page's own address (loaded in ``load``), never
from the browser's arguments; ids that do arrive (a vote in the list) must be among
the wishes shown, and the services check everything again.
"""

from __future__ import annotations

import logging
from urllib.parse import unquote

import reflex as rx

from social_market.db import session_scope
from social_market.i18n.catalog import BABEL_LOCALE, N_
from social_market.services import countries, holds, wishes
from social_market.services.errors import DomainError
from social_market.services.holds import HoldCard
from social_market.services.payments import PaymentOption
from social_market.services.wishes import WishCard, WishDetail
from social_market.state.forms import FormState
from social_market.state.orders import country_options
from social_market.state.settings import MAX_UPLOAD_READ

log = logging.getLogger(__name__)


def _sort_value(value: object) -> str:
    return value if isinstance(value, str) and value in wishes.SORTS else "votes"


class ShopWishesState(FormState):
    """/shop/<slug>/wishes: the shop's wishes, the propose form, votes."""

    found: bool = False
    shop_name: str = ""
    shop_slug: str = ""
    is_owner: bool = False
    wishes: list[WishCard] = []
    next_cursor: str = ""
    sort: str = "votes"
    photo_preview: str = ""
    uploading: bool = False
    form_key: int = 0  # bumped to clear the propose form after a wish is made
    _photo_key: str | None = None

    def _locale(self) -> str | None:
        return BABEL_LOCALE.get(self.lang)

    def _slug(self) -> str:
        parts = str(self.router.url.path or "").strip("/").split("/")
        return unquote(parts[1]) if len(parts) >= 3 and parts[0] == "shop" else ""

    def _reload(self, me: int | None) -> None:
        try:
            with session_scope() as session:
                page = wishes.list_wishes(
                    session=session,
                    shop_slug=self.shop_slug,
                    viewer_id=me,
                    sort=self.sort,
                    locale=self._locale(),
                )
                detail_shop = wishes.visible_shop(session, self.shop_slug)
                self.shop_name = detail_shop.name
                self.is_owner = me is not None and detail_shop.owner_id == me
        except DomainError:
            self.found, self.wishes, self.next_cursor = False, [], ""
            return
        self.found = True
        self.wishes, self.next_cursor = page.wishes, page.next_cursor

    @rx.event
    def load(self):
        self._clear()
        self.photo_preview, self._photo_key = "", None
        self.shop_slug = self._slug()
        self.sort = _sort_value(self.router.url.query_parameters.get("sort"))
        self._reload(self._user_id_or_none())

    @rx.event
    def set_sort(self, value: str):
        self.sort = _sort_value(value)
        self._reload(self._user_id_or_none(with_cart=False))

    @rx.event
    def more(self):
        if not self.found or not self.next_cursor:
            return None
        me = self._user_id_or_none(with_cart=False)
        try:
            with session_scope() as session:
                page = wishes.list_wishes(
                    session=session,
                    shop_slug=self.shop_slug,
                    viewer_id=me,
                    sort=self.sort,
                    cursor=self.next_cursor,
                    locale=self._locale(),
                )
        except DomainError as exc:
            return rx.toast.error(exc.translated(self.lang))
        self.wishes = [*self.wishes, *page.wishes]
        self.next_cursor = page.next_cursor
        return None

    @rx.event
    def toggle_vote(self, wish_id: int):
        me = self._user_id_or_none(with_cart=False)
        if me is None:
            return self._sign_in_redirect()
        shown = next((w for w in self.wishes if w.id == wish_id), None)
        if shown is None:
            return None
        try:
            with session_scope() as session:
                fn = wishes.unvote if shown.voted else wishes.vote
                count = fn(session=session, actor_id=me, wish_id=shown.id)
        except DomainError as exc:
            return rx.toast.error(exc.translated(self.lang))
        self.wishes = [
            w.model_copy(update={"voted": not shown.voted, "vote_count": count})
            if w.id == shown.id
            else w
            for w in self.wishes
        ]
        return None

    @rx.event
    async def attach(self, files: list[rx.UploadFile]):
        self._clear()
        me = self._user_id_or_none(with_cart=False)
        if me is None or not self.found or not isinstance(files, list) or not files:
            return
        if not hasattr(files[0], "read"):
            return
        self.uploading = True
        yield
        try:
            data = await files[0].read(MAX_UPLOAD_READ)
            with session_scope() as session:
                key = wishes.store_photo(session=session, actor_id=me, data=data)
        except DomainError as exc:
            self.field_errors = {"photo": exc.translated(self.lang)}
            return
        finally:
            self.uploading = False
        old, self._photo_key = self._photo_key, key
        wishes.discard_photo(old)
        self.photo_preview = wishes.photo_url(key, 240)

    @rx.event
    def remove_photo(self):
        old, self._photo_key, self.photo_preview = self._photo_key, None, ""
        wishes.discard_photo(old)

    @rx.event
    def propose(self, form_data: dict):
        begun = self._begin(form_data)
        if begun is None or not self.found:
            return None
        me, data = begun
        try:
            with session_scope() as session:
                wish = wishes.propose(
                    session=session,
                    actor_id=me,
                    shop_slug=self.shop_slug,
                    title=data.get("title"),
                    description=data.get("description"),
                    price=data.get("price"),
                    photo_key=self._photo_key,
                )
                wish_id = wish.id
        except DomainError as exc:
            self._fail(exc)
            return None
        log.info("user %s made wish %s", me, wish_id)
        self._photo_key, self.photo_preview = None, ""
        self.form_key += 1
        self.sort = "newest"
        self._reload(me)
        self.notice = self._t("Thank you! Your wish is on the shop's list.")
        return None


class WishPageState(FormState):
    """/wish/<id>: one wish, for anyone who may see its shop."""

    found: bool = False
    detail: WishDetail | None = None
    form_key: int = 0
    _wish_id: int | None = None

    def _locale(self) -> str | None:
        return BABEL_LOCALE.get(self.lang)

    def _reload(self, me: int | None) -> None:
        try:
            with session_scope() as session:
                self.detail = wishes.get_wish(
                    session=session, wish_id=self._wish_id, viewer_id=me, locale=self._locale()
                )
        except DomainError:
            self.found, self.detail = False, None
            return
        self.found = True

    @rx.event
    def load(self):
        self._clear()
        from social_market.services.ids import as_id

        self._wish_id = as_id(self._path_tail())
        self._reload(self._user_id_or_none())

    def _act(self, fn, notice: str, **kwargs):
        """Run one service call on this page's wish as the signed-in person."""
        self._clear()
        me = self._user_id_or_none(with_cart=False)
        if me is None:
            return self._sign_in_redirect()
        if not self.found or self._wish_id is None:
            return None
        try:
            with session_scope() as session:
                fn(session=session, actor_id=me, wish_id=self._wish_id, **kwargs)
        except DomainError as exc:
            self._fail(exc)
            return None
        self._reload(me)
        self.form_key += 1
        self.notice = self._t(notice) if notice else ""
        return None

    @rx.event
    def toggle_vote(self):
        voted = self.detail is not None and self.detail.wish.voted
        return self._act(wishes.unvote if voted else wishes.vote, "")

    @rx.event
    def pledge(self, form_data: dict):
        data = self._form(form_data)
        if data is None:
            return None
        return self._act(
            wishes.pledge,
            N_("Thank you! Your pledge is saved."),
            quantity=data.get("quantity"),
            price=data.get("price"),
        )

    @rx.event
    def withdraw(self):
        return self._act(wishes.withdraw_pledge, N_("Your pledge is withdrawn."))

    @rx.event
    def answer(self, form_data: dict):
        data = self._form(form_data)
        if data is None:
            return None
        return self._act(wishes.answer, N_("Your answer is saved."), text=data.get("answer"))

    @rx.event
    def decline(self, form_data: dict):
        data = self._form(form_data)
        if data is None:
            return None
        return self._act(wishes.decline, N_("The wish is declined."), reason=data.get("reason"))

    @rx.event
    def accept(self, form_data: dict):
        data = self._form(form_data)
        if data is None:
            return None
        done = self._act(
            wishes.accept,
            N_("Accepted: a draft listing is ready. Add photos and publish it."),
            note=data.get("note", ""),
        )
        ok = not self.error and not self.field_errors
        if done is None and ok and self.detail is not None and self.detail.draft_url:
            log.info("wish %s accepted", self._wish_id)
            return rx.redirect(self.detail.draft_url)
        return done


class MakerWishesState(FormState):
    """/sell/wishes: the maker's own shop's wishes, by votes or pledged value."""

    has_shop: bool = False
    shop_slug: str = ""
    wishes: list[WishCard] = []
    next_cursor: str = ""
    sort: str = "votes"

    def _reload(self, me: int) -> None:
        try:
            with session_scope() as session:
                self.shop_slug, page = wishes.maker_wishes(
                    session=session,
                    actor_id=me,
                    sort=self.sort,
                    locale=BABEL_LOCALE.get(self.lang),
                )
        except DomainError:
            self.has_shop, self.wishes, self.next_cursor = False, [], ""
            return
        self.has_shop = True
        self.wishes, self.next_cursor = page.wishes, page.next_cursor

    @rx.event
    def load(self):
        self._clear()
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        self._reload(me)
        return None

    @rx.event
    def set_sort(self, value: str):
        me = self._user_id_or_none(with_cart=False)
        if me is None:
            return self._sign_in_redirect()
        self.sort = _sort_value(value)
        self._reload(me)
        return None

    @rx.event
    def more(self):
        me = self._user_id_or_none(with_cart=False)
        if me is None or not self.next_cursor:
            return None
        try:
            with session_scope() as session:
                _, page = wishes.maker_wishes(
                    session=session,
                    actor_id=me,
                    sort=self.sort,
                    cursor=self.next_cursor,
                    locale=BABEL_LOCALE.get(self.lang),
                )
        except DomainError as exc:
            return rx.toast.error(exc.translated(self.lang))
        self.wishes = [*self.wishes, *page.wishes]
        self.next_cursor = page.next_cursor
        return None


class ReservedState(FormState):
    """/reserved/<hold>: a reserved purchase, for its holder only; checkout at its price."""

    found: bool = False
    hold: HoldCard | None = None
    payment_methods: list[PaymentOption] = []
    expires_in: str = ""
    wish_url: str = ""
    method: str = ""
    country_options: list[list[str]] = []
    _hold_id: int | None = None

    def _reload(self, me: int) -> None:
        try:
            with session_scope() as session:
                view = wishes.reserved_purchase(
                    session=session,
                    actor_id=me,
                    hold_id=self._hold_id,
                    locale=BABEL_LOCALE.get(self.lang),
                )
        except DomainError:
            self.found, self.hold = False, None
            return
        self.found = True
        self.hold, self.payment_methods = view.hold, view.payment_methods
        self.expires_in, self.wish_url = view.expires_in, view.wish_url
        codes = [m.code for m in self.payment_methods]
        if self.method not in codes:
            self.method = codes[0] if codes else ""

    @rx.event
    def load(self):
        self._clear()
        from social_market.services.ids import as_id

        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        self.country_options = country_options(self.lang)
        self._hold_id = as_id(self._path_tail())
        self._reload(me)
        return None

    @rx.event
    def set_method(self, code: str):
        if isinstance(code, str) and code in [m.code for m in self.payment_methods]:
            self.method = code

    @rx.event
    def set_ship_to(self, code: str):
        if isinstance(code, str) and code.upper() in countries.country_names("en"):
            self.ship_to = code.upper()

    @rx.event
    def buy(self, form_data: dict):
        begun = self._begin(form_data)
        if begun is None or not self.found or self._hold_id is None:
            return None
        me, data = begun
        address = {
            k: data.get(k) for k in ("name", "line1", "line2", "postcode", "city", "country")
        }
        if not address.get("country"):
            address["country"] = self._destination("DE")
        self.busy = True
        try:
            with session_scope() as session:
                result = holds.buy(
                    session=session,
                    actor_id=me,
                    hold_id=self._hold_id,
                    address=address,
                    payment_method=self.method,
                    locale=BABEL_LOCALE.get(self.lang),
                )
        except DomainError as exc:
            self.busy = False
            self._fail(exc)
            self._reload(me)
            return None
        self.busy = False
        log.info("user %s bought reserved purchase %s", me, self._hold_id)
        if result.redirect_url:
            return rx.redirect(result.redirect_url)
        return rx.redirect(result.orders[0].url + "?placed=1")
