"""Activity: recording what people do, and reading it back as feeds.

Design (docs/feed-design.md): **fan-out on read**. Each thing that happens is one
``activity`` row, indexed per actor and per shop by id (ids grow with time, so
``ORDER BY id DESC`` is the feed order and the id is the keyset cursor). A feed page
reads the top of each followed source and merges them: on PostgreSQL with one LATERAL
subquery per source list, on SQLite by walking the id index backwards with the sources
as a filter. Posting therefore costs one row whatever the audience, and changing a
privacy setting, muting or unfollowing takes effect at once, for old items too.

Visibility is decided here, in the queries, never in the page: a follower sees a
person's activity of the kinds that person shows to followers (``privacy_*``), and a
shop's posts; items with audience "followers" are only shown to followers.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict

from pydantic import BaseModel
from sqlalchemy import delete, func, text
from sqlmodel import Session, select

from social_market.i18n.format import format_ago, format_day, format_money
from social_market.models import (
    Activity,
    Block,
    FavouriteShop,
    Follow,
    Like,
    Listing,
    Mute,
    Post,
    PostListing,
    PostPhoto,
    SharedPurchase,
    Shop,
    User,
    utcnow,
)
from social_market.models.lists import CuratedList, CuratedListItem, ListFollow
from social_market.models.market import ACTIVE, SOLD_OUT, ListingCard
from social_market.models.social import (
    A_FAVOURITE,
    A_FOLLOW,
    A_LIST,
    A_POST,
    A_SHARE,
    FOLLOWERS,
    NEW_PIECE,
    OFFER,
)
from social_market.services import privacy, profiles
from social_market.services.after_commit import on_commit
from social_market.services.errors import InvalidInput
from social_market.services.ids import MAX_ID, as_id, id_in
from social_market.services.listings import photo_url as listing_photo_url
from social_market.services.listings import to_card
from social_market.services.posts import photo_url as post_photo_url
from social_market.services.rich_text import Segment, segments
from social_market.services.shops import logo_url
from social_market.urls import listing_url

log = logging.getLogger(__name__)

PAGE = 30
TABS = ("all", "makers", "people")
PEOPLE_KINDS = (A_SHARE, A_FAVOURITE, A_FOLLOW, A_LIST)


class PhotoRef(BaseModel):
    url: str
    alt: str


class FeedCard(BaseModel):
    """One feed item with everything its card shows: safe for client-visible state."""

    id: int  # the activity id (also the cursor)
    kind: str  # post | share | favourite | follow | list
    post_kind: str = ""  # news | new_piece | offer | question
    actor_handle: str
    actor_name: str
    actor_avatar: str
    actor_initials: str
    shop_name: str = ""
    shop_url: str = ""
    shop_logo: str = ""
    target_handle: str = ""
    target_name: str = ""
    when: str
    when_iso: str
    segments: list[Segment] = []
    photos: list[PhotoRef] = []
    listings: list[ListingCard] = []
    offer: str = ""
    offer_until: str = ""
    offer_url: str = ""  # a flash offer's section on its listing page, while it is on
    offer_ends_at: str = ""  # ISO 8601 UTC, for a flash offer's countdown
    followers_only: bool = False
    url: str = ""  # the item's own page (posts and shared purchases)
    subject_kind: str = ""  # what likes and comments attach to: post | share
    subject_id: int = 0
    like_count: int = 0
    comment_count: int = 0
    liked: bool = False
    collapsed: bool = False
    mine: bool = False
    list_title: str = ""  # kind "list": the curated list and its page
    list_url: str = ""


class FeedPage(BaseModel):
    cards: list[FeedCard]
    next_cursor: str  # '' at the end
    top_id: int  # newest activity id on the first page (for "new activity")


# --- recording ------------------------------------------------------------------


def record(session: Session, **fields) -> Activity:
    activity = Activity(**fields)
    session.add(activity)
    session.flush()
    ping_audience_after_commit(
        session, actor_id=activity.actor_id, shop_id=activity.shop_id, list_id=activity.list_id
    )
    return activity


def record_favourite(session: Session, user_id: int, listing: Listing) -> None:
    if listing.state == ACTIVE:
        record(session, kind=A_FAVOURITE, actor_id=user_id, listing_id=listing.id)


def forget_favourite(session: Session, user_id: int, listing_id: int) -> None:
    session.exec(
        delete(Activity).where(
            Activity.actor_id == user_id,  # type: ignore[arg-type]
            Activity.kind == A_FAVOURITE,
            Activity.listing_id == listing_id,
        )
    )


def record_follow(session: Session, follower_id: int, followee_id: int) -> None:
    record(session, kind=A_FOLLOW, actor_id=follower_id, target_user_id=followee_id)


def forget_follow(session: Session, follower_id: int, followee_id: int) -> None:
    session.exec(
        delete(Activity).where(
            Activity.actor_id == follower_id,  # type: ignore[arg-type]
            Activity.kind == A_FOLLOW,
            Activity.target_user_id == followee_id,
        )
    )


def erase_for_deleted_account(*, session: Session, user_id: int) -> None:
    session.exec(
        delete(Activity).where(
            (Activity.actor_id == user_id) | (Activity.target_user_id == user_id)  # type: ignore[arg-type]
        )
    )


# --- live "new activity" -----------------------------------------------------------

_audience_hook = None


def set_ping_hook(hook) -> None:
    """``hook(user_ids)`` is told, after commit and off the request, who has news."""
    global _audience_hook
    _audience_hook = hook


def ping_audience_after_commit(
    session: Session, *, actor_id: int, shop_id: int | None, list_id: int | None = None
) -> None:
    """After commit, in a worker thread, tell the open feeds of the actor's, shop's and
    list's followers."""
    if _audience_hook is None:
        return

    def run() -> None:
        threading.Thread(
            target=_ping, args=(actor_id, shop_id, list_id), name="feed-ping", daemon=True
        ).start()

    on_commit(session, run)


def _ping(actor_id: int, shop_id: int | None, list_id: int | None = None) -> None:
    from social_market.db import session_scope

    try:
        with session_scope() as session:
            ids = set(
                session.exec(select(Follow.follower_id).where(Follow.followee_id == actor_id))
            )
            if shop_id is not None:
                ids.update(
                    session.exec(
                        select(FavouriteShop.user_id).where(FavouriteShop.shop_id == shop_id)
                    )
                )
            if list_id is not None:
                ids.update(
                    session.exec(select(ListFollow.user_id).where(ListFollow.list_id == list_id))
                )
        if ids and _audience_hook is not None:
            _audience_hook(ids)
    except Exception:  # a lost ping only delays the indicator
        log.exception("feed ping failed")


# --- reading: which activities ------------------------------------------------------


def _decode_cursor(cursor: object) -> int | None:
    if cursor in (None, ""):
        return None
    value = as_id(cursor)
    if value is None:
        raise InvalidInput("This list has changed. Please reload the page.")
    return value


def _sources(session: Session, me: int) -> tuple[dict[tuple[str, ...], list[int]], list[int]]:
    """The followed people grouped by the activity kinds they show followers, and the
    followed shops; muted people, blocks either way, deleted accounts and closed shops
    left out. Two queries."""
    # "id IN (followees)" rather than a join: PostgreSQL then probes the primary key
    # instead of scanning every account.
    followees = select(Follow.followee_id).where(Follow.follower_id == me).scalar_subquery()
    rows = session.exec(
        select(User.id, User.privacy_activity, User.privacy_favourites, User.privacy_follows).where(
            User.id == func.any(func.array(followees))
            if session.get_bind().dialect.name == "postgresql"
            else User.id.in_(select(Follow.followee_id).where(Follow.follower_id == me)),  # type: ignore[union-attr]
            User.deleted_at.is_(None),  # type: ignore[union-attr]
            User.suspended_at.is_(None),  # type: ignore[union-attr]
            User.id.not_in(select(Mute.muted_id).where(Mute.muter_id == me)),  # type: ignore[union-attr]
        )
    ).all()
    people: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for uid, activity, favourites, follows_ in rows:
        # Shares carry their own audience, chosen each time; public lists are public.
        kinds = [A_POST, A_SHARE, A_LIST]
        if activity >= FOLLOWERS:
            if favourites >= FOLLOWERS:
                kinds.append(A_FAVOURITE)
            if follows_ >= FOLLOWERS:
                kinds.append(A_FOLLOW)
        people[tuple(kinds)].append(uid)
    shops = list(
        session.exec(
            select(Shop.id)
            .join(FavouriteShop, FavouriteShop.shop_id == Shop.id)
            .where(
                FavouriteShop.user_id == me,
                Shop.closed_at.is_(None),  # type: ignore[union-attr]
                Shop.hidden_at.is_(None),  # type: ignore[union-attr]
                Shop.owner_id.not_in(select(Mute.muted_id).where(Mute.muter_id == me)),  # type: ignore[attr-defined]
                Shop.owner_id.not_in(select(Block.blocked_id).where(Block.blocker_id == me)),  # type: ignore[attr-defined]
                Shop.owner_id.not_in(select(Block.blocker_id).where(Block.blocked_id == me)),  # type: ignore[attr-defined]
            )
        )
    )
    return dict(people), shops


def _followed_lists(session: Session, me: int, tab: str) -> list[int]:
    """The public lists the viewer follows (one query): not hidden, owner neither gone,
    muted nor blocked either way. None on the makers tab."""
    if tab == "makers":
        return []
    return list(
        session.exec(
            select(CuratedList.id)
            .join(ListFollow, ListFollow.list_id == CuratedList.id)
            .join(User, User.id == CuratedList.owner_id)
            .where(
                ListFollow.user_id == me,
                CuratedList.public.is_(True),  # type: ignore[attr-defined]
                CuratedList.hidden_at.is_(None),  # type: ignore[union-attr]
                User.deleted_at.is_(None),  # type: ignore[union-attr]
                User.suspended_at.is_(None),  # type: ignore[union-attr]
                CuratedList.owner_id.not_in(select(Mute.muted_id).where(Mute.muter_id == me)),  # type: ignore[attr-defined]
                CuratedList.owner_id.not_in(  # type: ignore[attr-defined]
                    select(Block.blocked_id).where(Block.blocker_id == me)
                ),
                CuratedList.owner_id.not_in(  # type: ignore[attr-defined]
                    select(Block.blocker_id).where(Block.blocked_id == me)
                ),
            )
        )
    )


def _filter_kinds(
    people: dict[tuple[str, ...], list[int]], shops: list[int], tab: str
) -> tuple[dict[tuple[str, ...], list[int]], list[int]]:
    if tab == "makers":
        return {(A_POST,): [u for ids in people.values() for u in ids]} if people else {}, shops
    if tab == "people":
        out = {}
        for kinds, ids in people.items():
            rest = tuple(k for k in kinds if k != A_POST)
            if rest:
                out.setdefault(rest, []).extend(ids)
        return out, []
    return people, shops


_KNOWN_KINDS = {A_POST, A_SHARE, A_FAVOURITE, A_FOLLOW, A_LIST}
# With more followed sources than this, a page is first looked for among the newest
# WINDOW activity ids (see _activity_ids).
MANY_SOURCES = 150
WINDOW = 1000


def _source_parts(
    dialect: str,
    people: dict[tuple[str, ...], list[int]],
    shops: list[int],
    params: dict,
    lists: list[int] | None = None,
) -> list[tuple[str, str]]:
    """(FROM list of source ids, condition on activity ``b``) per source group. The
    lists travel as one array (PostgreSQL) or one JSON text (SQLite) parameter; the
    kinds are code constants checked against a fixed set."""
    import json

    def ids_from(name: str, ids: list[int]) -> str:
        if dialect == "postgresql":
            params[name] = ids
            return f"unnest(CAST(:{name} AS integer[])) AS s(value)"
        params[name] = json.dumps(ids)
        return f"json_each(:{name}) AS s"

    parts = []
    for i, (kinds, ids) in enumerate(people.items()):
        assert set(kinds) <= _KNOWN_KINDS
        kind_list = ", ".join(f"'{k}'" for k in kinds)
        parts.append(
            (
                ids_from(f"p{i}", ids),
                f"b.actor_id = s.value AND b.kind IN ({kind_list}) AND b.audience >= 1",
            )
        )
    if shops:
        parts.append((ids_from("shops", shops), "b.shop_id = s.value AND b.kind = 'post'"))
    if lists:  # followed curated lists: their new items (ix_activity_list_id_id)
        parts.append((ids_from("lists", lists), "b.list_id = s.value AND b.kind = 'list'"))
    return parts


def _activity_ids(
    session: Session,
    people: dict[tuple[str, ...], list[int]],
    shops: list[int],
    *,
    before: int | None,
    after: int | None,
    limit: int,
    lists: list[int] | None = None,
) -> list[int]:
    """The newest activity ids from these sources, newest first (one or two statements).

    A top-N merge over many sources, bounded on both databases. People who follow
    many sources: look in the newest WINDOW ids first (a short primary-key range joined
    with the sources), which nearly always holds a page. Otherwise (or if it didn't):
    the newest item of each source (one index probe each); the ``limit``-th largest of
    those, T, is a floor for the answer (the ``limit`` sources with the newest items
    hold at least ``limit`` items >= T); then each source's index range [T, before) is
    read and merged."""
    if not people and not shops and not lists:
        return []
    dialect = session.get_bind().dialect.name
    params: dict = {"limit": limit, "before": before or MAX_ID - 1, "after": after or 0}
    parts = _source_parts(dialect, people, shops, params, lists)

    # Only constant fragments and numbered placeholders are put together here.
    def merged(floor: str):
        if dialect == "postgresql":
            # Each source's range is also capped at ``limit`` rows (LATERAL ... LIMIT):
            # with fewer sources than a page the floor is 0, and a busy shop's whole
            # history would otherwise be read.
            ranges = " UNION ALL ".join(
                f"SELECT x.id FROM {src} CROSS JOIN LATERAL (SELECT b.id FROM activity b"  # noqa: S608
                f" WHERE {cond} AND b.id < :before AND b.id > {floor}"
                " ORDER BY b.id DESC LIMIT :limit) x"
                for src, cond in parts
            )
        else:  # SQLite walks each source's index range within the floor
            ranges = " UNION ALL ".join(
                f"SELECT b.id FROM {src} JOIN activity b ON {cond}"  # noqa: S608
                f" AND b.id < :before AND b.id > {floor}"
                for src, cond in parts
            )
        # DISTINCT: a maker's post comes both as a person's and as their shop's.
        return text(f"SELECT DISTINCT id FROM ({ranges}) m ORDER BY id DESC LIMIT :limit")  # noqa: S608

    sources = sum(len(ids) for ids in people.values()) + len(shops) + len(lists or [])
    if after is None and sources > MANY_SOURCES:
        # Many sources: most likely the newest WINDOW ids hold a full page (one short
        # range scan); probing each source's newest item would cost more.
        window = "(SELECT max(id) FROM activity WHERE id < :before) - :window"
        found = list(
            session.exec(merged(window), params={**params, "window": WINDOW}).scalars()  # type: ignore[call-overload]
        )
        if len(found) >= limit:
            return found
    sql = merged(":after")
    if after is None:
        newest = " UNION ALL ".join(
            f"SELECT (SELECT b.id FROM activity b WHERE {cond} AND b.id < :before"  # noqa: S608
            f" ORDER BY b.id DESC LIMIT 1) AS v FROM {src}"
            for src, cond in parts
        )
        # No "WHERE v IS NOT NULL": it would run each probe twice; NULLs sort last.
        floor = session.exec(
            text(
                f"SELECT DISTINCT v FROM ({newest}) n"  # noqa: S608
                " ORDER BY v DESC NULLS LAST LIMIT 1 OFFSET :skip"
            ),
            params={**params, "skip": limit - 1},
        ).first()
        params["after"] = (floor[0] - 1) if floor and floor[0] is not None else 0
    return list(session.exec(sql, params=params).scalars())  # type: ignore[call-overload]


def feed_page(
    *,
    session: Session,
    viewer_id: int,
    tab: object = "all",
    cursor: object = None,
    locale: str | None = None,
) -> FeedPage:
    """A page of the viewer's feed, newest first. A constant number of queries."""
    tab = tab if tab in TABS else "all"
    before = _decode_cursor(cursor)
    people, shops = _filter_kinds(*_sources(session, viewer_id), str(tab))
    lists = _followed_lists(session, viewer_id, str(tab))
    ids = _activity_ids(
        session, people, shops, before=before, after=None, limit=PAGE + 1, lists=lists
    )
    more = len(ids) > PAGE
    ids = ids[:PAGE]
    cards = build_cards(session, viewer_id, ids, locale)
    return FeedPage(
        cards=cards,
        next_cursor=str(ids[-1]) if more and ids else "",
        top_id=ids[0] if ids else 0,
    )


def has_newer(*, session: Session, viewer_id: int, tab: object, after_id: int) -> bool:
    """Is there anything newer than ``after_id`` in this feed? (the live indicator)"""
    tab = tab if tab in TABS else "all"
    people, shops = _filter_kinds(*_sources(session, viewer_id), str(tab))
    lists = _followed_lists(session, viewer_id, str(tab))
    return bool(
        _activity_ids(session, people, shops, before=None, after=after_id, limit=1, lists=lists)
    )


def shop_posts(
    *,
    session: Session,
    viewer_id: int | None,
    shop: Shop,
    cursor: object = None,
    limit: int = 10,
    locale: str | None = None,
) -> FeedPage:
    """A shop's posts for its page, newest first; followers-only offers to followers."""
    before = _decode_cursor(cursor) or MAX_ID - 1
    level = privacy.shop_relation(session, viewer_id, shop.id or 0, shop.owner_id)
    query = select(Activity.id).where(
        Activity.shop_id == shop.id,
        Activity.kind == A_POST,
        Activity.id < before,  # type: ignore[operator]
    )
    if level != privacy.SELF:
        query = query.where(Activity.audience >= level)
    ids = list(session.exec(query.order_by(Activity.id.desc()).limit(limit + 1)))  # type: ignore[union-attr]
    more = len(ids) > limit
    ids = ids[:limit]
    return FeedPage(
        cards=build_cards(session, viewer_id, ids, locale, collapse=False),
        next_cursor=str(ids[-1]) if more and ids else "",
        top_id=ids[0] if ids else 0,
    )


def profile_activity(
    *,
    session: Session,
    viewer_id: int | None,
    user: User,
    cursor: object = None,
    limit: int = 20,
    locale: str | None = None,
) -> FeedPage:
    """What a person did that the viewer may see, newest first (profile page)."""
    before = _decode_cursor(cursor) or MAX_ID - 1
    level = privacy.relation(session, viewer_id, user.id or 0)
    kinds = [A_POST, A_SHARE, A_LIST]
    if privacy.can_see(user.privacy_activity, level):
        if privacy.can_see(user.privacy_favourites, level):
            kinds.append(A_FAVOURITE)
        if privacy.can_see(user.privacy_follows, level):
            kinds.append(A_FOLLOW)
    query = select(Activity.id).where(
        Activity.actor_id == user.id,
        Activity.kind.in_(kinds),  # type: ignore[attr-defined]
        Activity.id < before,  # type: ignore[operator]
    )
    if level != privacy.SELF:
        query = query.where(Activity.audience >= level)
    ids = list(session.exec(query.order_by(Activity.id.desc()).limit(limit + 1)))  # type: ignore[union-attr]
    more = len(ids) > limit
    ids = ids[:limit]
    return FeedPage(
        cards=build_cards(session, viewer_id, ids, locale, collapse=False),
        next_cursor=str(ids[-1]) if more and ids else "",
        top_id=ids[0] if ids else 0,
    )


# --- reading: cards -------------------------------------------------------------------


def _offer_text(post: Post, listing: Listing | None, currency: str, locale: str | None) -> str:
    if post.offer_price_cents is not None:
        return format_money(post.offer_price_cents, currency, locale)
    if post.offer_percent is not None:
        return f"−{post.offer_percent} %"
    return ""


def build_cards(
    session: Session,
    viewer_id: int | None,
    ids: list[int],
    locale: str | None,
    *,
    collapse: bool = True,
) -> list[FeedCard]:
    """Cards for these activity ids, in order. At most nine queries, whatever the count.

    Items whose subject has gone (a deleted post, a listing no longer for sale, a
    deleted account) are dropped.
    """
    if not ids:
        return []
    acts = {a.id: a for a in session.exec(select(Activity).where(id_in(session, Activity.id, ids)))}  # type: ignore[union-attr]
    activities = [acts[i] for i in ids if i in acts]
    post_ids = {a.post_id for a in activities if a.post_id}
    share_ids = {a.share_id for a in activities if a.share_id}
    posts = (
        {
            p.id: p
            for p in session.exec(
                select(Post).where(
                    id_in(session, Post.id, post_ids),  # type: ignore[union-attr]
                    Post.deleted_at.is_(None),  # type: ignore[union-attr]
                    Post.hidden_at.is_(None),  # type: ignore[union-attr]
                )
            )
        }
        if post_ids
        else {}
    )
    shares = (
        {
            s.id: s
            for s in session.exec(
                select(SharedPurchase).where(id_in(session, SharedPurchase.id, share_ids))
            )
        }  # type: ignore[union-attr]
        if share_ids
        else {}
    )
    photos: dict[int, list[PostPhoto]] = defaultdict(list)
    post_listing: dict[int, list[int]] = defaultdict(list)
    if posts:
        for photo in session.exec(
            select(PostPhoto)
            .where(id_in(session, PostPhoto.post_id, posts))  # type: ignore[attr-defined]
            .order_by(PostPhoto.post_id, PostPhoto.position)
        ):
            photos[photo.post_id].append(photo)
        for pl in session.exec(
            select(PostListing)
            .where(id_in(session, PostListing.post_id, posts))  # type: ignore[attr-defined]
            .order_by(PostListing.post_id, PostListing.position)
        ):
            post_listing[pl.post_id].append(pl.listing_id)
    listing_ids = {a.listing_id for a in activities if a.listing_id and a.kind != A_POST}
    listing_ids |= {lid for lids in post_listing.values() for lid in lids}
    listing_ids |= {s.listing_id for s in shares.values() if s.listing_id}
    listings = (
        {
            listing.id: listing
            for listing in session.exec(
                select(Listing).where(
                    id_in(session, Listing.id, listing_ids),  # type: ignore[union-attr]
                    Listing.state.in_((ACTIVE, SOLD_OUT)),  # type: ignore[attr-defined]
                )
            )
        }
        if listing_ids
        else {}
    )
    user_ids = {a.actor_id for a in activities} | {
        a.target_user_id for a in activities if a.target_user_id
    }
    shop_ids = {a.shop_id for a in activities if a.shop_id} | {s.shop_id for s in shares.values()}
    users = {
        u.id: u
        for u in session.exec(
            select(User).where(
                id_in(session, User.id, user_ids),  # type: ignore[union-attr]
                User.deleted_at.is_(None),  # type: ignore[union-attr]
                User.suspended_at.is_(None),  # type: ignore[union-attr]
            )
        )
    }
    shops = (
        {s.id: s for s in session.exec(select(Shop).where(id_in(session, Shop.id, shop_ids)))}  # type: ignore[union-attr]
        if shop_ids
        else {}
    )
    # Curated lists: only public, visible ones, and only items still in them.
    list_acts = [a for a in activities if a.kind == A_LIST and a.list_id]
    curated: dict[int, CuratedList] = {}
    still_listed: dict[tuple[int, int], str] = {}  # (list, listing) → the curator's note
    if list_acts:
        curated = {
            c.id: c  # type: ignore[misc]
            for c in session.exec(
                select(CuratedList).where(
                    id_in(session, CuratedList.id, {a.list_id for a in list_acts}),  # type: ignore[arg-type]
                    CuratedList.public.is_(True),  # type: ignore[attr-defined]
                    CuratedList.hidden_at.is_(None),  # type: ignore[union-attr]
                )
            )
        }
        item_ids = {a.listing_id for a in list_acts if a.listing_id}
        if curated and item_ids:
            still_listed = {
                (lid, iid): note
                for lid, iid, note in session.exec(
                    select(
                        CuratedListItem.list_id, CuratedListItem.listing_id, CuratedListItem.note
                    ).where(
                        id_in(session, CuratedListItem.list_id, curated),  # type: ignore[arg-type]
                        id_in(session, CuratedListItem.listing_id, item_ids),  # type: ignore[arg-type]
                    )
                )
            }
    liked: set[tuple[str, int]] = set()
    if viewer_id is not None and (posts or shares):
        subjects = [("post", pid) for pid in posts] + [("share", sid) for sid in shares]
        liked = {
            (k, i)
            for k, i in session.exec(
                select(Like.subject_kind, Like.subject_id).where(
                    Like.user_id == viewer_id,
                    id_in(session, Like.subject_id, [i for _, i in subjects]),  # type: ignore[attr-defined]
                    Like.subject_kind.in_(("post", "share")),  # type: ignore[attr-defined]
                )
            )
        }
    from social_market.services import offers  # offers post through posts → feed

    flash = offers.post_offers(session, [pid for pid, p in posts.items() if p.kind == OFFER])
    now = utcnow()
    expanded_new_pieces: set[tuple[int, str]] = set()
    cards: list[FeedCard] = []
    for a in activities:
        actor = users.get(a.actor_id)
        if actor is None:
            continue
        base = {
            "id": a.id,
            "kind": a.kind,
            "actor_handle": actor.handle,
            "actor_name": actor.display_name or actor.handle,
            "actor_avatar": profiles.avatar_url(actor.avatar_key),
            "actor_initials": profiles.initials(actor.display_name or actor.handle),
            "when": format_ago(a.created_at, now, locale),
            "when_iso": a.created_at.isoformat(),
            "mine": viewer_id == a.actor_id,
        }
        if a.kind == A_POST:
            post = posts.get(a.post_id)
            shop = shops.get(a.shop_id)
            if post is None or shop is None or shop.closed_at or shop.hidden_at:
                continue
            attached = [listings[i] for i in post_listing.get(post.id or 0, []) if i in listings]
            if post.kind == NEW_PIECE and not attached:
                continue
            collapsed = False
            if collapse and post.kind == NEW_PIECE:
                day = (shop.id or 0, a.created_at.date().isoformat())
                collapsed = day in expanded_new_pieces
                expanded_new_pieces.add(day)
            offer_over = post.offer_until is not None and post.offer_until < now
            offer_url = offer_ends_at = ""
            if post.id in flash:  # a flash offer: shown while it can still be bought
                flash_id, flash_on, flash_ends = flash[post.id]
                offer_over = offer_over or not flash_on
                if flash_on and attached:
                    offer_url = (
                        f"{listing_url(attached[0].id or 0, attached[0].slug)}#offer-{flash_id}"
                    )
                    offer_ends_at = flash_ends
            cards.append(
                FeedCard(
                    **base,
                    post_kind=post.kind,
                    shop_name=shop.name,
                    shop_url=f"/shop/{shop.slug}",
                    shop_logo=logo_url(shop.logo_key),
                    segments=segments(post.body),
                    photos=[
                        PhotoRef(url=post_photo_url(p.key), alt=p.alt)
                        for p in photos.get(post.id or 0, [])
                    ],
                    listings=[to_card(x, locale) for x in attached],
                    offer="" if offer_over else _offer_text(post, None, shop.currency, locale),
                    offer_until=format_day(post.offer_until, locale)
                    if post.offer_until and not offer_over
                    else "",
                    offer_url=offer_url,
                    offer_ends_at=offer_ends_at,
                    followers_only=post.audience == FOLLOWERS,
                    url=f"/post/{post.id}",
                    subject_kind="post",
                    subject_id=post.id or 0,
                    like_count=post.like_count,
                    comment_count=post.comment_count,
                    liked=("post", post.id) in liked,
                    collapsed=collapsed,
                )
            )
        elif a.kind == A_SHARE:
            share = shares.get(a.share_id)
            if share is None:
                continue
            listing = listings.get(share.listing_id) if share.listing_id else None
            shop = shops.get(share.shop_id)
            photo = (
                f"shares/{share.photo_key}_800.webp"
                if share.photo_key
                else listing_photo_url(listing.cover_key, 1000)
                if listing
                else ""
            )
            cards.append(
                FeedCard(
                    **base,
                    shop_name=shop.name if shop else "",
                    shop_url=f"/shop/{shop.slug}" if shop and not shop.closed_at else "",
                    segments=segments(share.comment),
                    photos=[PhotoRef(url=photo, alt=share.title)] if photo else [],
                    # Without a price: it would tell what the buyer paid.
                    listings=[
                        to_card(listing, locale).model_copy(
                            update={
                                "price": "",
                                "price_cents": 0,
                                # Bought from here: the sharer is credited (rewards).
                                "url": f"{listing_url(listing.id or 0, listing.slug)}"
                                f"?via=share:{share.id}",
                            }
                        )
                    ]
                    if listing
                    else [],
                    url=f"/shared/{share.id}",
                    subject_kind="share",
                    subject_id=share.id or 0,
                    like_count=share.like_count,
                    comment_count=share.comment_count,
                    liked=("share", share.id) in liked,
                    followers_only=share.audience == FOLLOWERS,
                    offer="",
                    target_name=share.title,
                )
            )
        elif a.kind == A_FAVOURITE:
            listing = listings.get(a.listing_id)
            if listing is None:
                continue
            cards.append(
                FeedCard(
                    **base,
                    listings=[to_card(listing, locale)],
                    url=listing_url(listing.id or 0, listing.slug),
                )
            )
        elif a.kind == A_LIST:
            curated_list = curated.get(a.list_id)  # type: ignore[arg-type]
            if curated_list is None or curated_list.owner_id != a.actor_id:
                continue
            listing = None
            if a.listing_id:
                listing = listings.get(a.listing_id)
                if listing is None or (a.list_id, a.listing_id) not in still_listed:
                    continue
            cards.append(
                FeedCard(
                    **base,
                    listings=[to_card(listing, locale)] if listing else [],
                    segments=segments(still_listed.get((a.list_id, a.listing_id), ""))  # type: ignore[arg-type]
                    if listing
                    else segments(curated_list.description),
                    list_title=curated_list.title,
                    list_url=f"/lists/{curated_list.id}",
                    url=f"/lists/{curated_list.id}",
                )
            )
        elif a.kind == A_FOLLOW:
            target = users.get(a.target_user_id)
            if target is None:
                continue
            cards.append(
                FeedCard(
                    **base,
                    target_handle=target.handle,
                    target_name=target.display_name or target.handle,
                    url=f"/u/{target.handle}",
                )
            )
    return cards
