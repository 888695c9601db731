"""The maker's side: opening and editing a shop, and the listing editor."""

from __future__ import annotations

import logging

import reflex as rx

from social_market import urls
from social_market.db import session_scope
from social_market.i18n.catalog import N_
from social_market.services import categories, countries, listings, shops
from social_market.services.errors import DomainError, NotAllowed, NotFound
from social_market.services.ids import as_id
from social_market.services.listings import ListingForm, PhotoPublic
from social_market.services.shops import ShopForm
from social_market.state.forms import FormState

log = logging.getLogger(__name__)
MAX_UPLOAD_READ = 5 * 1024 * 1024 + 1


def _country_options(lang: str) -> list[list[str]]:
    return [[code, name] for code, name in countries.country_names(lang).items()]


class ShopEditorState(FormState):
    """/sell/shop: open a shop, or edit the one you have."""

    has_shop: bool = False
    form: ShopForm = ShopForm()
    logo_url: str = ""
    banner_url: str = ""
    shop_url: str = ""
    image_error: str = ""
    country_options: list[list[str]] = []

    def _fill(self, session, user_id: int) -> None:
        form = shops.shop_form(session=session, owner_id=user_id)
        self.has_shop = form is not None
        self.form = form or ShopForm()
        shop = shops.shop_of_owner(session, user_id)
        self.logo_url = shops.logo_url(shop.logo_key, 400) if shop else ""
        self.banner_url = shops.banner_url(shop.banner_key, 800) if shop else ""
        self.shop_url = urls.shop_url(shop.slug) if shop else ""

    @rx.event
    def load(self):
        self._clear()
        self.image_error = ""
        user_id = self._user_id_or_none()
        if user_id is None:
            return self._sign_in_redirect()
        self.country_options = _country_options(self.lang)
        with session_scope() as session:
            self._fill(session, user_id)

    @rx.event
    def save(self, form_data: dict):
        begun = self._begin(form_data)
        if begun is None:
            return
        user_id, data = begun
        opening = not self.has_shop
        try:
            with session_scope() as session:
                if opening:
                    shops.open_shop(session=session, owner_id=user_id, form=data)
                else:
                    shops.update_shop(session=session, owner_id=user_id, form=data)
        except DomainError as exc:
            self._fail(exc)
            return
        with session_scope() as session:
            self._fill(session, user_id)
        if opening:
            log.info("user %s opened a shop", user_id)
            return [
                rx.toast.success(self._t("Your shop is open. Now add your first listing.")),
                rx.redirect(urls.SELL_LISTING_NEW),
            ]
        self.notice = self._t("Your shop is saved.")
        return rx.toast.success(self._t("Shop saved"))

    async def _read_one(self, files) -> bytes | None:
        if not isinstance(files, list) or len(files) != 1 or not hasattr(files[0], "read"):
            self.image_error = self._t("Please choose one image.")
            return None
        return await files[0].read(MAX_UPLOAD_READ)

    @rx.event
    async def upload_logo(self, files: list[rx.UploadFile]):
        await self._upload(files, shops.set_logo)

    @rx.event
    async def upload_banner(self, files: list[rx.UploadFile]):
        await self._upload(files, shops.set_banner)

    async def _upload(self, files, action) -> None:
        self.image_error = ""
        user_id = self._user_id_or_none()
        if user_id is None:
            self.image_error = self._t("Your session has ended. Please sign in again.")
            return
        data = await self._read_one(files)
        if data is None:
            return
        try:
            with session_scope() as session:
                action(session=session, owner_id=user_id, data=data)
        except DomainError as exc:
            self.image_error = exc.translated(self.lang)
            return
        with session_scope() as session:
            self._fill(session, user_id)


class ListingEditorState(FormState):
    """/sell/listings/new and /sell/listings/<id>: the listing editor."""

    form: ListingForm = ListingForm()
    photos: list[PhotoPublic] = []
    photo_error: str = ""
    category_options: list[list[str]] = []
    not_found: bool = False
    uploading: bool = False

    def _listing_id(self) -> int | None:
        return self.form.id or None

    def _reload(self, session, user_id: int, listing_id: int) -> None:
        self.form = listings.listing_form(session=session, owner_id=user_id, listing_id=listing_id)
        self.photos = self.form.photos

    @rx.event
    def load(self):
        self._clear()
        self.photo_error = ""
        self.not_found = False
        user_id = self._user_id_or_none()
        if user_id is None:
            return self._sign_in_redirect()
        self.category_options = [
            [str(c.id), c.name if c.parent_id is None else f"— {c.name}"]
            for top in categories.TOP_LEVEL
            for c in [top, *categories.children(top.id)]
        ]
        tail = self._path_tail()
        with session_scope() as session:
            if shops.shop_of_owner(session, user_id) is None:
                return rx.redirect(urls.SELL_SHOP)
            if tail == "new":
                self.form = ListingForm()
                self.photos = []
                return
            try:
                self._reload(session, user_id, listings.parse_listing_ref(tail) or 0)
            except (NotFound, NotAllowed):
                self.not_found = True

    @rx.event
    def save(self, form_data: dict):
        begun = self._begin(form_data)
        if begun is None:
            return
        user_id, data = begun
        listing_id = self._listing_id()
        try:
            with session_scope() as session:
                if listing_id is None:
                    listing = listings.create_listing(session=session, owner_id=user_id, form=data)
                else:
                    listing = listings.update_listing(
                        session=session, owner_id=user_id, listing_id=listing_id, form=data
                    )
                new_id = listing.id
        except DomainError as exc:
            self._fail(exc)
            return
        with session_scope() as session:
            self._reload(session, user_id, new_id)
        if listing_id is None:
            return [
                rx.toast.success(self._t("Draft saved. Add photos, then publish it.")),
                rx.redirect(f"/sell/listings/{new_id}"),
            ]
        self.notice = self._t("Changes saved.")
        return rx.toast.success(self._t("Changes saved."))

    @rx.event
    async def upload_photos(self, files: list[rx.UploadFile]):
        self.photo_error = ""
        user_id = self._user_id_or_none()
        listing_id = self._listing_id()
        if user_id is None or listing_id is None:
            self.photo_error = self._t("Save the listing first, then add photos.")
            return
        if not isinstance(files, list) or not files:
            self.photo_error = self._t("Please choose one or more images.")
            return
        room = listings.MAX_PHOTOS - len(self.photos)
        if len(files) > room:
            self.photo_error = self._t(
                "A listing can have at most 10 photos. You can add {count} more.", count=room
            )
            return
        self.uploading = True
        yield
        try:
            for upload in files:
                if not hasattr(upload, "read"):
                    continue
                data = await upload.read(MAX_UPLOAD_READ)
                with session_scope() as session:
                    listings.add_photo(
                        session=session, owner_id=user_id, listing_id=listing_id, data=data
                    )
        except DomainError as exc:
            self.photo_error = exc.translated(self.lang)
        finally:
            self.uploading = False
        with session_scope() as session:
            self._reload(session, user_id, listing_id)

    def _photo_action(self, action, **kwargs):
        user_id = self._user_id_or_none()
        listing_id = self._listing_id()
        if user_id is None or listing_id is None:
            return self._sign_in_redirect()
        self.photo_error = ""
        try:
            with session_scope() as session:
                action(session=session, owner_id=user_id, listing_id=listing_id, **kwargs)
        except DomainError as exc:
            self.photo_error = exc.translated(self.lang)
            return None
        with session_scope() as session:
            self._reload(session, user_id, listing_id)
        return None

    @rx.event
    def move_photo(self, photo_id: int, step: int):
        return self._photo_action(listings.move_photo, photo_id=photo_id, step=step)

    @rx.event
    def remove_photo(self, photo_id: int):
        return self._photo_action(listings.remove_photo, photo_id=photo_id)

    @rx.event
    def save_alt(self, form_data: dict):
        data = form_data if isinstance(form_data, dict) else {}
        return self._photo_action(
            listings.set_photo_alt, photo_id=as_id(data.get("photo_id")), alt=data.get("alt")
        )

    def _lifecycle(self, action, message: str):
        user_id = self._user_id_or_none()
        listing_id = self._listing_id()
        if user_id is None or listing_id is None:
            return self._sign_in_redirect()
        self._clear()
        try:
            with session_scope() as session:
                action(session=session, owner_id=user_id, listing_id=listing_id)
        except DomainError as exc:
            # Shown above the form: these are about the listing as a whole.
            self.error = exc.translated(self.lang)
            return None
        with session_scope() as session:
            self._reload(session, user_id, listing_id)
        return rx.toast.success(self._t(message))

    @rx.event
    def publish(self):
        return self._lifecycle(listings.publish, N_("Your listing is live."))

    @rx.event
    def pause(self):
        return self._lifecycle(
            listings.pause, N_("Listing paused: it is hidden until you publish it again.")
        )

    @rx.event
    def delete(self):
        user_id = self._user_id_or_none()
        listing_id = self._listing_id()
        if user_id is None or listing_id is None:
            return self._sign_in_redirect()
        try:
            with session_scope() as session:
                listings.delete_listing(session=session, owner_id=user_id, listing_id=listing_id)
        except DomainError as exc:
            self._fail(exc)
            return None
        return [rx.toast.success(self._t("Listing deleted.")), rx.redirect(urls.SELL)]
