"""The social pages' states: the feed, shop posts and the composer, a post's and a
shared purchase's own pages, comment threads, likes, privacy settings and muting.

Thin: each handler checks who is asking, calls a service and sets vars. Comment
threads take their subject from the page's address, never from handler arguments.
"""

from __future__ import annotations

import reflex as rx

from social_market.db import session_scope
from social_market.i18n.catalog import BABEL_LOCALE
from social_market.models import ProfilePublic
from social_market.models.market import ListingCard
from social_market.services import (
    comments,
    feed,
    likes,
    listings,
    posts,
    privacy,
    shares,
    shops,
    social_reports,  # noqa: F401 - makes posts, comments and messages reportable
)
from social_market.services.comments import CommentCard
from social_market.services.errors import DomainError
from social_market.services.feed import FeedCard
from social_market.services.ids import as_id
from social_market.state.auth import AuthState
from social_market.state.forms import FormState

MAX_UPLOAD_READ = 5 * 1024 * 1024 + 1


class CardsState(AuthState):
    """Base for pages that show feed cards: liking, and deleting one's own posts."""

    cards: list[FeedCard] = []
    next_cursor: str = ""

    def _locale(self) -> str | None:
        return BABEL_LOCALE.get(self.lang)

    @rx.event
    def more(self):
        """The next page of cards (pages that have more override this)."""
        self.next_cursor = ""

    @rx.event
    def toggle_like(self, subject_kind: str, subject_id: int):
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        # Only cards already on this page can be liked from it.
        index = next(
            (
                i
                for i, c in enumerate(self.cards)
                if c.subject_kind == subject_kind and c.subject_id == subject_id
            ),
            None,
        )
        if index is None:
            return None
        card = self.cards[index]
        try:
            with session_scope() as session:
                liked, count = likes.set_like(
                    session=session,
                    actor_id=me,
                    subject_kind=card.subject_kind,
                    subject_id=card.subject_id,
                    on=not card.liked,
                )
        except DomainError as exc:
            return rx.toast.error(exc.translated(self.lang))
        cards = list(self.cards)
        cards[index] = card.model_copy(update={"liked": liked, "like_count": count})
        self.cards = cards
        return None

    @rx.event
    def delete_post(self, post_id: int):
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        try:
            with session_scope() as session:
                posts.delete_post(session=session, actor_id=me, post_id=post_id)
        except DomainError as exc:
            return rx.toast.error(exc.translated(self.lang))
        self.cards = [
            c for c in self.cards if not (c.subject_kind == "post" and c.subject_id == post_id)
        ]
        return rx.toast.success(self._t("Post deleted."))


class FeedState(CardsState):
    """/feed: what the people and shops I follow did, newest first."""

    tab: str = "all"
    top_id: int = 0
    has_new: bool = False
    loaded: bool = False

    def _fetch(self, me: int, cursor: str | None):
        with session_scope() as session:
            return feed.feed_page(
                session=session,
                viewer_id=me,
                tab=self.tab,
                cursor=cursor,
                locale=self._locale(),
            )

    def _reload(self, me: int) -> None:
        page = self._fetch(me, None)
        self.cards, self.next_cursor, self.top_id = page.cards, page.next_cursor, page.top_id
        self.has_new, self.loaded = False, True

    @rx.event
    def load(self):
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        tab = self.router.url.query_parameters.get("tab", "all")
        self.tab = tab if tab in feed.TABS else "all"
        self._reload(me)
        return None

    @rx.event
    def set_tab(self, tab: str):
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        if tab not in feed.TABS:
            return None
        self.tab = tab
        self._reload(me)
        return None

    @rx.event
    def more(self):
        me = self._user_id_or_none()
        if me is None or not self.next_cursor:
            return
        try:
            page = self._fetch(me, self.next_cursor)
        except DomainError:
            self.next_cursor = ""
            return
        self.cards = [*self.cards, *page.cards]
        self.next_cursor = page.next_cursor

    @rx.event
    def check_new(self):
        """Is there something newer than the top of the page? (live indicator)"""
        me = self._user_id_or_none()
        if me is None or not self.loaded:
            return
        with session_scope() as session:
            self.has_new = feed.has_newer(
                session=session, viewer_id=me, tab=self.tab, after_id=self.top_id
            )

    @rx.event
    def show_new(self):
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        self._reload(me)
        return None


class ShopPostsState(CardsState):
    """The posts on a shop's page (followers-only offers for followers and the owner)."""

    shop_id: int = 0

    @rx.event
    def load(self):
        me = self._user_id_or_none()
        self.cards, self.next_cursor, self.shop_id = [], "", 0
        with session_scope() as session:
            shop = shops.shop_by_slug(session, self._path_tail())
            if shop is None:
                return
            self.shop_id = shop.id or 0
            page = feed.shop_posts(session=session, viewer_id=me, shop=shop, locale=self._locale())
        self.cards, self.next_cursor = page.cards, page.next_cursor

    @rx.event
    def more(self):
        me = self._user_id_or_none()
        if not self.next_cursor:
            return
        with session_scope() as session:
            shop = shops.shop_by_slug(session, self._path_tail())
            if shop is None:
                return
            try:
                page = feed.shop_posts(
                    session=session,
                    viewer_id=me,
                    shop=shop,
                    cursor=self.next_cursor,
                    locale=self._locale(),
                )
            except DomainError:
                self.next_cursor = ""
                return
        self.cards = [*self.cards, *page.cards]
        self.next_cursor = page.next_cursor


class PostComposerState(FormState):
    """Writing a post on one's own shop (on the shop page, for its owner)."""

    kind: str = "news"
    my_listings: list[ListingCard] = []
    photo_previews: list[str] = []
    uploading: bool = False
    announce_new_pieces: bool = True
    _staged: list[str] = []

    @rx.event
    def load(self):
        me = self._user_id_or_none()
        self.my_listings, self.photo_previews, self._staged = [], [], []
        if me is None:
            return
        with session_scope() as session:
            shop = shops.shop_of_owner(session, me)
            if shop is None or shop.slug != self._path_tail():
                return
            self.announce_new_pieces = shop.announce_new_pieces
            self.my_listings = listings.shop_listings(
                session=session, shop_id=shop.id, locale=BABEL_LOCALE.get(self.lang)
            )[:50]

    @rx.event
    def set_kind(self, kind: str):
        if kind in ("news", "offer", "question"):
            self.kind = kind

    @rx.event
    async def upload_photos(self, files: list[rx.UploadFile]):
        self._clear()
        me = self._user_id_or_none()
        if me is None:
            self.error = self._t("Your session has ended. Please sign in again.")
            return
        if not isinstance(files, list) or not files:
            return
        if len(self._staged) + len(files) > posts.MAX_PHOTOS:
            self.field_errors = {"photos": self._t("A post can have at most 4 photos.")}
            return
        self.uploading = True
        yield
        try:
            for upload in files:
                if not hasattr(upload, "read"):
                    continue
                data = await upload.read(MAX_UPLOAD_READ)
                with session_scope() as session:
                    key = posts.store_photo(session=session, actor_id=me, data=data)
                self._staged = [*self._staged, key]
        except DomainError as exc:
            self._fail(exc)
            self.field_errors = {"photos": exc.translated(self.lang)}
        finally:
            self.uploading = False
        self.photo_previews = [posts.photo_url(k, posts.PHOTO_THUMB) for k in self._staged]

    @rx.event
    def remove_photo(self, index: int):
        if not isinstance(index, int) or not 0 <= index < len(self._staged):
            return
        key = self._staged[index]
        self._staged = [k for i, k in enumerate(self._staged) if i != index]
        posts.discard_photo(key)
        self.photo_previews = [posts.photo_url(k, posts.PHOTO_THUMB) for k in self._staged]

    @rx.event
    def submit(self, form_data: dict):
        begun = self._begin(form_data)
        if begun is None:
            return None
        me, data = begun
        listing = data.get("listing")
        form = {**data, "kind": self.kind, "listings": [listing] if listing else []}
        try:
            with session_scope() as session:
                posts.create_post(
                    session=session,
                    actor_id=me,
                    form=form,
                    stored_photos=[(k, "") for k in self._staged],
                )
        except DomainError as exc:
            self._fail(exc)
            return None
        self._staged, self.photo_previews, self.kind = [], [], "news"
        return [
            rx.toast.success(self._t("Posted. Your followers will see it in their feed.")),
            rx.call_script("document.getElementById('post-composer')?.reset()"),
            ShopPostsState.load,
        ]

    @rx.event
    def set_announce(self, on: bool):
        me = self._user_id_or_none()
        if me is None or not isinstance(on, bool):
            return
        try:
            with session_scope() as session:
                self.announce_new_pieces = posts.set_announce_new_pieces(
                    session=session, actor_id=me, on=on
                )
        except DomainError as exc:
            return rx.toast.error(exc.translated(self.lang))
        return None


class ItemPageState(CardsState):
    """/post/<id> and /shared/<id>: one card on its own page."""

    found: bool = True

    @rx.event
    def load(self):
        me = self._user_id_or_none()
        path = str(self.router.url.path or "")
        loader = shares.share_card if path.startswith("/shared/") else None
        try:
            with session_scope() as session:
                if loader is not None:
                    card = loader(
                        session=session,
                        viewer_id=me,
                        share_id=self._path_tail(),
                        locale=self._locale(),
                    )
                else:
                    card = posts.post_card(
                        session=session,
                        viewer_id=me,
                        post_id=self._path_tail(),
                        locale=self._locale(),
                    )
        except DomainError:
            self.cards, self.found = [], False
            return
        self.cards, self.found = [card], True


class CommentsState(FormState):
    """A comment thread; the subject comes from the page's address."""

    comments: list[CommentCard] = []
    reply_to: int = 0
    editing: int = 0
    allowed: bool = False

    def _subject(self) -> tuple[str, int | None]:
        path = str(self.router.url.path or "")
        tail = self._path_tail()
        if path.startswith("/post/"):
            return "post", as_id(tail)
        if path.startswith("/shared/"):
            return "share", as_id(tail)
        if path.startswith("/listing/"):
            return "listing", listings.parse_listing_ref(tail)
        return "", None

    def _reload(self, me: int | None) -> None:
        kind, sid = self._subject()
        try:
            with session_scope() as session:
                self.comments = comments.list_comments(
                    session=session,
                    viewer_id=me,
                    subject_kind=kind,
                    subject_id=sid,
                    locale=BABEL_LOCALE.get(self.lang),
                )
            self.allowed = True
        except DomainError:
            self.comments, self.allowed = [], False

    @rx.event
    def load(self):
        self._clear()
        self.reply_to = self.editing = 0
        self._reload(self._user_id_or_none())

    @rx.event
    def start_reply(self, comment_id: int):
        if isinstance(comment_id, int) and any(c.id == comment_id for c in self.comments):
            self.reply_to, self.editing = comment_id, 0

    @rx.event
    def start_edit(self, comment_id: int):
        if isinstance(comment_id, int) and any(
            c.id == comment_id and c.mine for c in self.comments
        ):
            self.editing, self.reply_to = comment_id, 0

    @rx.event
    def cancel(self):
        self.reply_to = self.editing = 0

    @rx.event
    def submit(self, form_data: dict):
        begun = self._begin(form_data)
        if begun is None:
            return None
        me, data = begun
        kind, sid = self._subject()
        try:
            with session_scope() as session:
                if self.editing:
                    comments.edit_comment(
                        session=session, actor_id=me, comment_id=self.editing, body=data.get("body")
                    )
                else:
                    comments.add_comment(
                        session=session,
                        actor_id=me,
                        subject_kind=kind,
                        subject_id=sid,
                        body=data.get("body"),
                        parent_id=self.reply_to or None,
                    )
        except DomainError as exc:
            self._fail(exc)
            return None
        self.reply_to = self.editing = 0
        self._reload(me)
        return rx.call_script(
            "document.querySelectorAll('.sm-comment-form').forEach(f => f.reset())"
        )

    @rx.event
    def delete(self, comment_id: int):
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        try:
            with session_scope() as session:
                comments.delete_comment(session=session, actor_id=me, comment_id=comment_id)
        except DomainError as exc:
            return rx.toast.error(exc.translated(self.lang))
        self._reload(me)
        return None

    @rx.event
    def set_hidden(self, comment_id: int, hidden: bool):
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        try:
            with session_scope() as session:
                comments.set_hidden(
                    session=session, actor_id=me, comment_id=comment_id, hidden=hidden
                )
        except DomainError as exc:
            return rx.toast.error(exc.translated(self.lang))
        self._reload(me)
        return None

    @rx.event
    def toggle_like(self, comment_id: int):
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        card = next((c for c in self.comments if c.id == comment_id), None)
        if card is None:
            return None
        try:
            with session_scope() as session:
                likes.set_like(
                    session=session,
                    actor_id=me,
                    subject_kind="comment",
                    subject_id=card.id,
                    on=not card.liked,
                )
        except DomainError as exc:
            return rx.toast.error(exc.translated(self.lang))
        self._reload(me)
        return None


def _person(session, handle: str):
    from social_market.services import follows

    try:
        return follows.find_person(session, handle)
    except DomainError:
        return None


class ProfileActivityState(CardsState):
    """What a person did that the viewer may see, on their profile."""

    @rx.event
    def load(self):
        me = self._user_id_or_none()
        self.cards, self.next_cursor = [], ""
        with session_scope() as session:
            user = _person(session, self._path_tail())
            if user is None:
                return
            page = feed.profile_activity(
                session=session, viewer_id=me, user=user, locale=self._locale()
            )
        self.cards, self.next_cursor = page.cards, page.next_cursor

    @rx.event
    def more(self):
        me = self._user_id_or_none()
        if not self.next_cursor:
            return
        with session_scope() as session:
            user = _person(session, self._path_tail())
            if user is None:
                return
            try:
                page = feed.profile_activity(
                    session=session,
                    viewer_id=me,
                    user=user,
                    cursor=self.next_cursor,
                    locale=self._locale(),
                )
            except DomainError:
                self.next_cursor = ""
                return
        self.cards = [*self.cards, *page.cards]
        self.next_cursor = page.next_cursor


class PrivacySettingsState(FormState):
    """/settings/privacy: who sees what of mine, and the people I muted."""

    follows: str = "everyone"
    favourites: str = "followers"
    activity: str = "followers"
    discoverable: bool = True
    messages_from: str = "everyone"
    share_default: str = "nobody"
    trust: str = "50"
    muted: list[ProfilePublic] = []

    def _show(self, me: int) -> None:
        with session_scope() as session:
            s = privacy.get_settings(session=session, actor_id=me)
            self.muted = privacy.muted_people(
                session=session, actor_id=me, locale=BABEL_LOCALE.get(self.lang)
            )
        self.follows, self.favourites, self.activity = s.follows, s.favourites, s.activity
        self.discoverable, self.messages_from = s.discoverable, s.messages_from
        self.share_default, self.trust = s.share_default, s.trust

    @rx.event
    def load(self):
        self._clear()
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        self._show(me)
        return None

    @rx.event
    def set_choice(self, field: str, value: str):
        """Radio groups are controlled: keep the choice until the form is saved."""
        fields = ("follows", "favourites", "activity", "messages_from", "share_default", "trust")
        if field in fields and isinstance(value, str) and len(value) <= 10:
            setattr(self, field, value)

    @rx.event
    def set_discoverable(self, value: bool):
        if isinstance(value, bool):
            self.discoverable = value

    @rx.event
    def save(self, form_data: dict):
        begun = self._begin(form_data)
        if begun is None:
            return None
        me, _ = begun
        form = {
            "follows": self.follows,
            "favourites": self.favourites,
            "activity": self.activity,
            "messages_from": self.messages_from,
            "share_default": self.share_default,
            "trust": self.trust,
            "discoverable": self.discoverable,
        }
        try:
            with session_scope() as session:
                privacy.save_settings(session=session, actor_id=me, form=form)
        except DomainError as exc:
            self._fail(exc)
            return None
        self._show(me)
        self.notice = self._t("Privacy settings saved.")
        return rx.toast.success(self._t("Privacy settings saved."))

    @rx.event
    def unmute(self, user_id: int):
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        with session_scope() as session:
            privacy.unmute(session=session, actor_id=me, user_id=user_id)
        self._show(me)
        return rx.toast.success(self._t("Unmuted."))


class ShareDialogState(FormState):
    """Sharing a bought item from the buyer's order page."""

    open: bool = False
    line_id: int = 0
    title: str = ""
    audience: str = "nobody"
    comment: str = ""
    photo_preview: str = ""
    uploading: bool = False
    _photo_key: str = ""

    @rx.event
    def open_for(self, line_id: int):
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        self._clear()
        try:
            with session_scope() as session:
                title, state = shares.line_share(session=session, buyer_id=me, line_id=line_id)
        except DomainError as exc:
            return rx.toast.error(exc.translated(self.lang))
        self.line_id, self.title = state.line_id, title
        self.audience, self.comment = state.audience, state.comment
        self._photo_key, self.photo_preview, self.open = "", "", True
        return None

    @rx.event
    def set_audience(self, value: str):
        if value in ("nobody", "followers", "everyone"):
            self.audience = value

    @rx.event
    def close(self):
        self.open = False

    @rx.event
    async def upload_photo(self, files: list[rx.UploadFile]):
        self._clear()
        me = self._user_id_or_none()
        if me is None or not self.line_id or not isinstance(files, list) or not files:
            return
        self.uploading = True
        yield
        try:
            data = await files[0].read(MAX_UPLOAD_READ)
            key = shares.store_photo(data)
        except DomainError as exc:
            self.field_errors = {"photo": exc.translated(self.lang)}
            key = ""
        finally:
            self.uploading = False
        if key:
            self._photo_key = key
            self.photo_preview = f"{shares.PHOTO_FOLDER}/{key}_400.webp"

    @rx.event
    def save(self, form_data: dict):
        begun = self._begin(form_data)
        if begun is None:
            return None
        me, data = begun
        try:
            with session_scope() as session:
                state = shares.share_purchase(
                    session=session,
                    actor_id=me,
                    line_id=self.line_id,
                    audience=self.audience,
                    comment=data.get("comment", ""),
                    photo_key=self._photo_key or None,
                )
        except DomainError as exc:
            self._fail(exc)
            return None
        self.open, self._photo_key, self.photo_preview = False, "", ""
        message = (
            self._t("Shared. You can change who sees it any time.")
            if state.audience != "nobody"
            else self._t("Not shared.")
        )
        from social_market.state.orders import OrderState

        return [rx.toast.success(message), OrderState.load]
