"""Reviews on listing and shop pages (with the viewer's network's verdict), and writing
or editing one's own review from the order page."""

from __future__ import annotations

import reflex as rx
from sqlmodel import select

from social_market.db import session_scope
from social_market.i18n.catalog import BABEL_LOCALE
from social_market.models import Order, OrderLine, ReviewPhoto
from social_market.services import reviews, trust
from social_market.services.errors import DomainError
from social_market.services.ids import as_id
from social_market.services.reviews import ReviewView
from social_market.services.trust import Verdict
from social_market.state.forms import FormState
from social_market.state.settings import MAX_UPLOAD_READ


class ReviewsState(FormState):
    """The reviews block of the listing or shop page the browser is on (never an id
    from the browser: the page's own address says what it is about)."""

    found: bool = False
    verdict: Verdict | None = None
    reviews: list[ReviewView] = []
    next_cursor: str = ""
    replying: int = 0  # the review the maker is answering
    _listing_id: int | None = None
    _shop_id: int | None = None

    def _locale(self) -> str | None:
        return BABEL_LOCALE.get(self.lang)

    def _where(self, me: int | None) -> bool:
        path = str(self.router.url.path or "")
        tail = self._path_tail()
        try:
            with session_scope() as session:
                if path.startswith("/listing/"):
                    self._listing_id, self._shop_id = reviews.visible_subject(
                        session, me, listing_ref=tail
                    )
                elif path.startswith("/shop/"):
                    self._listing_id, self._shop_id = reviews.visible_subject(
                        session, me, shop_slug=tail
                    )
                else:
                    return False
        except DomainError:
            return False
        return True

    def _first_page(self, me: int | None) -> None:
        with session_scope() as session:
            self.verdict = trust.verdict(
                session=session,
                viewer_id=me,
                listing_id=self._listing_id,
                shop_id=self._shop_id,
                locale=self._locale(),
            )
            page = reviews.list_reviews(
                session=session,
                viewer_id=me,
                listing_id=self._listing_id,
                shop_id=self._shop_id,
                locale=self._locale(),
            )
        self.reviews, self.next_cursor = page.reviews, page.next_cursor

    @rx.event
    def load(self):
        self._clear()
        self.replying = 0
        me = self._user_id_or_none()
        self.found = self._where(me)
        if not self.found:
            self.verdict, self.reviews, self.next_cursor = None, [], ""
            return
        self._first_page(me)

    @rx.event
    def more(self):
        if not self.found or not self.next_cursor:
            return None
        me = self._user_id_or_none()
        try:
            with session_scope() as session:
                page = reviews.list_reviews(
                    session=session,
                    viewer_id=me,
                    listing_id=self._listing_id,
                    shop_id=self._shop_id,
                    cursor=self.next_cursor,
                    locale=self._locale(),
                )
        except DomainError as exc:
            return rx.toast.error(exc.translated(self.lang))
        self.reviews = [*self.reviews, *page.reviews]
        self.next_cursor = page.next_cursor
        return None

    @rx.event
    def toggle_helpful(self, review_id: int):
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        shown = next((r for r in self.reviews if r.id == review_id), None)
        if shown is None:
            return None
        try:
            with session_scope() as session:
                marked, count = reviews.set_helpful(
                    session=session, actor_id=me, review_id=shown.id, on=not shown.helpful
                )
        except DomainError as exc:
            return rx.toast.error(exc.translated(self.lang))
        self.reviews = [
            r.model_copy(update={"helpful": marked, "helpful_count": count})
            if r.id == shown.id
            else r
            for r in self.reviews
        ]
        return None

    @rx.event
    def start_reply(self, review_id: int):
        self._clear()
        if any(r.id == review_id and r.can_reply for r in self.reviews):
            self.replying = review_id

    @rx.event
    def cancel_reply(self):
        self.replying = 0
        self._clear()

    @rx.event
    def send_reply(self, form_data: dict):
        begun = self._begin(form_data)
        if begun is None or not self.replying:
            return None
        me, data = begun
        try:
            with session_scope() as session:
                reviews.reply(
                    session=session, actor_id=me, review_id=self.replying, body=data.get("reply")
                )
        except DomainError as exc:
            self._fail(exc)
            return None
        self.replying = 0
        self._first_page(me)
        return rx.toast.success(self._t("Your reply is published."))


class ReviewFormState(FormState):
    """Writing (or editing) the review of one bought item, from the buyer's order page."""

    open: bool = False
    title: str = ""
    rating: int = 0
    body: str = ""
    editing: bool = False
    photo_previews: list[str] = []
    uploading: bool = False
    _line_id: int = 0
    _review_id: int = 0
    _photo_keys: list[str] = []
    _photos_changed: bool = False

    @rx.event
    def open_for(self, line_id: int):
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        self._clear()
        with session_scope() as session:
            lid = as_id(line_id)
            line = session.get(OrderLine, lid) if lid else None
            order = session.get(Order, line.order_id) if line else None
            if line is None or order is None or order.buyer_id != me:
                return rx.toast.error(self._t("We couldn't find that purchase."))
            state = reviews.line_reviews(session=session, buyer_id=me, order_id=order.id).get(
                line.id
            )
            if state is None or not (state.can_review or state.can_edit):
                return rx.toast.error(self._t("This item can't be reviewed now."))
            keys = list(
                session.exec(
                    select(ReviewPhoto.key)
                    .where(ReviewPhoto.review_id == state.review_id)
                    .order_by(ReviewPhoto.position)
                )
            )
        self._line_id, self._review_id = line.id or 0, state.review_id
        self.title, self.editing = line.title, bool(state.review_id)
        self.rating, self.body = state.rating, state.body
        self._photo_keys, self._photos_changed = keys, False
        self.photo_previews = [f"{reviews.PHOTO_FOLDER}/{k}_240.webp" for k in keys]
        self.open = True
        return None

    @rx.event
    def close(self):
        self.open = False

    @rx.event
    def set_rating(self, value: str):
        if value in ("1", "2", "3", "4", "5"):
            self.rating = int(value)

    @rx.event
    async def attach(self, files: list[rx.UploadFile]):
        self._clear()
        me = self._user_id_or_none()
        if me is None or not self._line_id or not isinstance(files, list) or not files:
            return
        if len(self._photo_keys) >= reviews.MAX_PHOTOS:
            self.field_errors = {
                "photos": self._t("At most {count} photos.", count=reviews.MAX_PHOTOS)
            }
            return
        self.uploading = True
        yield
        try:
            data = await files[0].read(MAX_UPLOAD_READ)
            with session_scope() as session:
                key = reviews.store_photo(session=session, actor_id=me, data=data)
        except DomainError as exc:
            self.field_errors = {"photos": exc.translated(self.lang)}
            return
        finally:
            self.uploading = False
        self._photo_keys = [*self._photo_keys, key]
        self._photos_changed = True
        self.photo_previews = [*self.photo_previews, f"{reviews.PHOTO_FOLDER}/{key}_240.webp"]

    @rx.event
    def remove_photo(self, index: int):
        if isinstance(index, int) and 0 <= index < len(self._photo_keys):
            self._photo_keys = [k for i, k in enumerate(self._photo_keys) if i != index]
            self.photo_previews = [p for i, p in enumerate(self.photo_previews) if i != index]
            self._photos_changed = True

    @rx.event
    def save(self, form_data: dict):
        begun = self._begin(form_data)
        if begun is None or not self._line_id:
            return None
        me, data = begun
        try:
            with session_scope() as session:
                if self._review_id:
                    reviews.edit_review(
                        session=session,
                        actor_id=me,
                        review_id=self._review_id,
                        rating=self.rating,
                        body=data.get("body"),
                        photo_keys=self._photo_keys if self._photos_changed else None,
                    )
                else:
                    reviews.write_review(
                        session=session,
                        actor_id=me,
                        line_id=self._line_id,
                        rating=self.rating,
                        body=data.get("body"),
                        photo_keys=self._photo_keys,
                    )
        except DomainError as exc:
            self._fail(exc)
            self.body = data.get("body") if isinstance(data.get("body"), str) else ""  # type: ignore[assignment]
            return None
        self.open, self._photo_keys, self.photo_previews = False, [], []
        from social_market.state.orders import OrderState

        return [rx.toast.success(self._t("Thank you for your review.")), OrderState.load]
