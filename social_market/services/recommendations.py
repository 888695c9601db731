"""Recommendations driven by people: "people with your taste also loved…" and "people
you follow loved…", computed by a job, stored, and served from the database.

**Model: user–user collaborative filtering (taste neighbours), explained item–item.**
Everyone's favourites (weight 1), purchases (2, cancelled orders left out) and good
reviews (+1: four or five stars, not hidden) make one sparse person × listing matrix
(scipy.sparse, weights capped at 4). Each person's row, with listings weighted by
rarity (``log(1 + people / lovers)``, so that a bestseller everybody hearts says little
about taste) and with their "not interested" listings as -1, is normalised; the cosine
of two rows is how alike two people's taste is. Each person's 50 nearest neighbours
vote for what they loved (similarity × weight), which is last.fm's "taste neighbours"
and, on marketplace data with clear taste groups, beats popularity by far (see
bench/recommend_eval.py). Why this one rather than item–item scoring: with 10,000
people the person × person products are small and dense enough to take in chunks
(bounded memory), while the item × item co-occurrence of 200,000 listings has some
10^8 pairs; the item–item counts are only needed for the 30 listings each person is
shown, and that is how each recommendation is *explained*: the listing of the
person's own that most people also loved together with it (the *anchor*) and how many
people did (the *support*): "Because 3 people who loved X also loved this".

"Not interested" teaches the model twice: the listing is never recommended again to
that person, it counts against neighbours who loved it (negative weight in the
similarity), and listings that its lovers also loved are damped in proportion to
how many of them did (``sum C(d, j) / lovers(d)``, capped).

**Network.** Interleaved (every third place, more when taste has little to say) are
active listings that people you follow loved where you may see it: favourites of
people whose favourites are visible to followers, purchases they shared, and their
good reviews (never plain purchases: orders are private). Blocks either way, muted
people, deleted or suspended accounts are left out; up to three of them are named
(``friend_ids``) with the count. A listing both lists hold is explained by the
network. Cold start: people with no taste of their own get the network's list, and
every list is topped up to 30 with what is popular overall (reason ``popular``).

Never recommended: listings that are not active, of one's own shop, of a shop whose
owner is blocked either way, and what one already favourited, bought, reviewed or
dismissed. The read side checks the cheap, fast-changing part again (still active,
not dismissed or favourited since, friends still visible, not blocked); a purchase
since the run waits for the buyer's incremental run, minutes later.

**When it runs** (social_market/jobs.py): services call :func:`mark_dirty` when
someone's taste changes (a favourite, a purchase or a cancelled order, a review,
"not interested", a follow or block); every five minutes an incremental run
recomputes only those people (against everyone's current interactions), and once a
day a full run recomputes everybody, which also brings in what others did (a new
favourite of your neighbour changes your list only in the nightly run). People never
computed (new accounts) are served what is popular until their first run. The page
never computes anything: it reads at most 30 stored rows.

Runs read everything first (a few big SELECTs, no write lock held while computing),
then replace the rows in one short write transaction: delete then bulk insert (COPY
on PostgreSQL, executemany on SQLite). On PostgreSQL a session advisory lock keeps two
app workers from running the job at once.
"""

from __future__ import annotations

import logging
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import and_, delete, exists, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from social_market.i18n.catalog import N_, gettext
from social_market.models import (
    Block,
    FavouriteListing,
    Follow,
    Listing,
    Mute,
    NotInterested,
    Recommendation,
    RecommendationDirty,
    RecommendationRun,
    Shop,
    TasteNeighbour,
    User,
    utcnow,
)
from social_market.models.market import ACTIVE, SOLD_OUT, ListingCard
from social_market.models.social import EVERYONE, FOLLOWERS
from social_market.models.user import ProfilePublic
from social_market.services.accounts import require_user
from social_market.services.errors import NotFound
from social_market.services.ids import as_id, id_in
from social_market.services.listings import parse_listing_ref, to_card
from social_market.urls import listing_url, profile_url

log = logging.getLogger(__name__)

TASTE, NETWORK, POPULAR = "taste", "network", "popular"

WEIGHT_FAVOURITE = 1.0
WEIGHT_PURCHASE = 2.0
WEIGHT_GOOD_REVIEW = 1.0
MAX_WEIGHT = 4.0
GOOD_RATING = 4

NEIGHBOURS = 50  # who vote for a person's recommendations
STORED_NEIGHBOURS = 20  # kept in taste_neighbour (people to follow)
PER_USER = 30  # stored recommendations per person
NETWORK_EVERY = 3  # every third place goes to the network, when it has something
MAX_NETWORK = 10
FRIENDS_NAMED = 3
DISMISS_PENALTY = 0.9  # how far "not interested" damps what its lovers also loved
POPULAR_POOL = 400
# A chunk of people is compared with everybody at once: chunk × people similarities.
CHUNK_CELLS = 4_000_000
# Above this many dirty people an incremental run is not much cheaper than a full one.
MAX_INCREMENTAL = 2_000
_LOCK_KEY = 0x5EC0_0001  # pg_try_advisory_lock key of this job
_FETCH = 100_000

# Listing states as the job sees them.
_OTHER, _ACTIVE, _SOLD_OUT = 0, 1, 2


# --- reading back (the page) ------------------------------------------------------


class FriendRef(BaseModel):
    """Someone you follow, as an explanation names them."""

    id: int
    handle: str
    name: str
    url: str


class RecommendationPublic(BaseModel):
    """One recommendation with why, safe for client-visible state.

    ``reason`` 'taste': ``support`` people who loved ``anchor_title`` (a listing of your
    own favourites or purchases; '' when it is gone) also loved this. 'network':
    ``friends`` (up to three) and ``others`` more people you follow loved it.
    'popular': popular overall (``support`` people loved it).
    """

    listing: ListingCard
    reason: str
    anchor_title: str = ""
    anchor_url: str = ""
    support: int = 0
    friends: list[FriendRef] = []
    others: int = 0


# The explanations (catalogue msgids; ``explain`` fills them in the page's language).
MESSAGES = {
    "taste_many": N_("Because {count} people who loved {title} also loved this"),
    "taste": N_("People with your taste loved this"),
    "network_1": N_("{a} loved this"),
    "network_2": N_("{a} and {b} loved this"),
    "network_3": N_("{a}, {b} and {c} loved this"),
    "network_others_1": N_("{a} and 1 other person you follow loved this"),
    "network_others": N_("{a} and {count} others you follow loved this"),
    "popular": N_("Popular on Social Market"),
}


def explain(rec: RecommendationPublic, lang: str = "en") -> str:
    """The explanation as a sentence in ``lang`` (English until translated)."""

    def say(key: str, **params: object) -> str:
        return gettext(lang, MESSAGES[key]).format(**params)

    if rec.reason == TASTE:
        # One person would be pointed at: "someone who loved X" is said only of 2 or more.
        if rec.anchor_title and rec.support >= 2:
            return say("taste_many", count=rec.support, title=rec.anchor_title)
        return say("taste")
    if rec.reason == NETWORK and rec.friends:
        names = [f.name for f in rec.friends]
        if rec.others:
            others = rec.others + len(names) - 1
            if others == 1:
                return say("network_others_1", a=names[0])
            return say("network_others", a=names[0], count=others)
        keys = {1: "network_1", 2: "network_2", 3: "network_3"}
        return say(keys[len(names)], **dict(zip("abc", names, strict=False)))
    return say("popular")


def for_user(
    *, session: Session, viewer_id: object, limit: int = 12, locale: str | None = None
) -> list[RecommendationPublic]:
    """The viewer's stored recommendations, best first, in two queries.

    The first reads the rows with their listings and anchors, leaving out what changed
    since the run: listings no longer active, dismissed or favourited since, of the
    viewer's own shop or of a shop blocked either way. The second checks the named
    friends: still active, not blocked either way or muted, favourites still visible
    to the viewer (a network row with nobody left to name is dropped). People never
    computed get what is popular (one query on the popularity index).
    """
    me = as_id(viewer_id)
    if me is None:
        return []
    limit = max(1, min(int(limit), PER_USER))
    anchor = aliased(Listing)
    blocked = exists().where(
        or_(
            and_(Block.blocker_id == me, Block.blocked_id == Shop.owner_id),
            and_(Block.blocker_id == Shop.owner_id, Block.blocked_id == me),
        )
    )
    rows = session.exec(
        select(Recommendation, Listing, anchor.title, anchor.slug, anchor.state)
        .join(Listing, Listing.id == Recommendation.listing_id)  # type: ignore[arg-type]
        .join(Shop, Shop.id == Listing.shop_id)  # type: ignore[arg-type]
        .outerjoin(anchor, anchor.id == Recommendation.anchor_listing_id)  # type: ignore[arg-type]
        .where(
            Recommendation.user_id == me,
            Listing.state == ACTIVE,
            Shop.owner_id != me,
            ~exists().where(NotInterested.user_id == me, NotInterested.listing_id == Listing.id),
            ~exists().where(
                FavouriteListing.user_id == me, FavouriteListing.listing_id == Listing.id
            ),
            ~blocked,
        )
        .order_by(Recommendation.rank)  # type: ignore[arg-type]
        .limit(limit + 8)  # a few spare for network rows whose friends are all gone
    ).all()
    if not rows:
        computed = session.exec(
            select(Recommendation.rank).where(Recommendation.user_id == me).limit(1)
        ).first()
        return [] if computed is not None else _popular(session, me, limit, locale)
    friend_ids = {int(f) for rec, *_ in rows for f in rec.friend_ids.split(",") if f}
    friends = _visible_friends(session, me, friend_ids)
    out: list[RecommendationPublic] = []
    for rec, listing, a_title, a_slug, a_state in rows:
        item = RecommendationPublic(
            listing=to_card(listing, locale), reason=rec.reason, support=rec.support
        )
        if rec.reason == TASTE and a_title is not None and a_state in (ACTIVE, SOLD_OUT):
            item.anchor_title = a_title
            item.anchor_url = listing_url(rec.anchor_listing_id or 0, a_slug or "")
        elif rec.reason == NETWORK:
            stored = [int(f) for f in rec.friend_ids.split(",") if f]
            item.friends = [friends[f] for f in stored if f in friends]
            if not item.friends:
                continue
            item.others = max(0, rec.support - len(stored))
        out.append(item)
        if len(out) >= limit:
            break
    return out


def _visible_friends(session: Session, me: int, ids: set[int]) -> dict[int, FriendRef]:
    if not ids:
        return {}
    follows = aliased(Follow)
    rows = session.exec(
        select(
            User.id, User.handle, User.display_name, User.privacy_favourites, follows.followee_id
        )
        .outerjoin(
            follows,
            and_(follows.follower_id == me, follows.followee_id == User.id),  # type: ignore[arg-type]
        )
        .where(
            id_in(session, User.id, ids),
            User.deleted_at.is_(None),  # type: ignore[union-attr]
            User.suspended_at.is_(None),  # type: ignore[union-attr]
            ~exists().where(
                or_(
                    and_(Block.blocker_id == me, Block.blocked_id == User.id),
                    and_(Block.blocker_id == User.id, Block.blocked_id == me),
                )
            ),
            ~exists().where(Mute.muter_id == me, Mute.muted_id == User.id),
        )
    ).all()
    return {
        uid: FriendRef(id=uid, handle=handle, name=name or handle, url=profile_url(handle))
        for uid, handle, name, privacy, followed in rows
        if privacy >= EVERYONE or (privacy >= FOLLOWERS and followed is not None)
    }


def _popular(
    session: Session, me: int, limit: int, locale: str | None
) -> list[RecommendationPublic]:
    """Before someone's first run: the most favourited active listings (the home page's
    index), without their own shop's, their favourites and dismissed ones."""
    rows = session.exec(
        select(Listing)
        .join(Shop, Shop.id == Listing.shop_id)  # type: ignore[arg-type]
        .where(
            Listing.state == ACTIVE,
            Shop.owner_id != me,
            ~exists().where(NotInterested.user_id == me, NotInterested.listing_id == Listing.id),
            ~exists().where(
                FavouriteListing.user_id == me, FavouriteListing.listing_id == Listing.id
            ),
        )
        .order_by(Listing.favourite_count.desc(), Listing.id.desc())  # type: ignore[attr-defined]
        .limit(limit)
    ).all()
    return [
        RecommendationPublic(listing=to_card(r, locale), reason=POPULAR, support=r.favourite_count)
        for r in rows
    ]


def taste_neighbours(
    *, session: Session, viewer_id: object, limit: int = 6, locale: str | None = None
) -> list[tuple[ProfilePublic, int]]:
    """People with taste like the viewer's to follow, closest first, with how many
    listings both favourited: not followed yet, not blocked either way, active, findable
    (``discoverable``) and showing their favourites to everyone. (Suggesting someone
    as "likes what you like" says something about their favourites, so people who keep
    them to followers or themselves are never suggested.)"""
    from social_market.services import profiles

    me = require_user(session, viewer_id)
    limit = max(1, min(int(limit), STORED_NEIGHBOURS))
    rows = session.exec(
        select(User, TasteNeighbour.shared)
        .join(TasteNeighbour, TasteNeighbour.neighbour_id == User.id)  # type: ignore[arg-type]
        .where(
            TasteNeighbour.user_id == me.id,
            User.deleted_at.is_(None),  # type: ignore[union-attr]
            User.suspended_at.is_(None),  # type: ignore[union-attr]
            User.email_verified_at.is_not(None),  # type: ignore[union-attr]
            User.discoverable.is_(True),  # type: ignore[attr-defined]
            User.privacy_favourites >= EVERYONE,
            ~exists().where(Follow.follower_id == me.id, Follow.followee_id == User.id),
            ~exists().where(
                or_(
                    and_(Block.blocker_id == me.id, Block.blocked_id == User.id),
                    and_(Block.blocker_id == User.id, Block.blocked_id == me.id),
                )
            ),
        )
        .order_by(TasteNeighbour.score.desc(), User.id)  # type: ignore[attr-defined]
        .limit(limit)
    ).all()
    return [(profiles.to_public(user, locale), shared) for user, shared in rows]


# --- changing (the page's actions and other services' hooks) ----------------------


def not_interested(*, session: Session, actor_id: object, listing_id: object) -> bool:
    """ "Not interested" in a listing: never recommended again, its stored row goes at
    once, and the person's next incremental run learns from it. Idempotent; True."""
    me = require_user(session, actor_id)
    lid = parse_listing_ref(listing_id)
    listing = session.get(Listing, lid) if lid else None
    if listing is None or listing.state not in (ACTIVE, SOLD_OUT):
        raise NotFound("We couldn't find that listing.")
    if session.get(NotInterested, (me.id, listing.id)) is None:
        session.add(NotInterested(user_id=me.id, listing_id=listing.id))  # type: ignore[arg-type]
    session.exec(
        delete(Recommendation).where(
            Recommendation.user_id == me.id,  # type: ignore[arg-type]
            Recommendation.listing_id == listing.id,
        )
    )
    mark_dirty(session, me.id)  # type: ignore[arg-type]
    session.flush()
    return True


def undo_not_interested(*, session: Session, actor_id: object, listing_id: object) -> bool:
    """Take back "not interested" (the undo of a toast); False."""
    me = require_user(session, actor_id)
    lid = parse_listing_ref(listing_id)
    if lid is None:
        raise NotFound("We couldn't find that listing.")
    result = session.exec(
        delete(NotInterested).where(
            NotInterested.user_id == me.id,  # type: ignore[arg-type]
            NotInterested.listing_id == lid,
        )
    )
    if result.rowcount:  # type: ignore[attr-defined]
        mark_dirty(session, me.id)  # type: ignore[arg-type]
    return False


def mark_dirty(session: Session, user_id: int) -> None:
    """Someone's taste changed: recompute them in the next incremental run.

    An upsert that moves ``since`` forward, so a change made while a run is computing
    (after it read the data) keeps the person dirty for the next run.
    """
    table = RecommendationDirty.__table__  # type: ignore[attr-defined]
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(table).values(user_id=user_id, since=utcnow())
    session.exec(
        stmt.on_conflict_do_update(index_elements=["user_id"], set_={"since": stmt.excluded.since})  # type: ignore[call-overload]
    )


def erase_for_deleted_account(*, session: Session, user_id: int) -> None:
    """Account deletion: the person's recommendations, dismissals, neighbours both ways."""
    for stmt in (
        delete(Recommendation).where(Recommendation.user_id == user_id),  # type: ignore[arg-type]
        delete(NotInterested).where(NotInterested.user_id == user_id),  # type: ignore[arg-type]
        delete(RecommendationDirty).where(RecommendationDirty.user_id == user_id),  # type: ignore[arg-type]
        delete(TasteNeighbour).where(
            (TasteNeighbour.user_id == user_id) | (TasteNeighbour.neighbour_id == user_id)  # type: ignore[arg-type]
        ),
    ):
        session.exec(stmt)


# --- the job (services/recommender.py: numpy and scipy stay out of web workers) ----


def compute(source, *, user_ids: object = None) -> dict:
    """Compute and store recommendations and taste neighbours: everybody (``user_ids``
    None) or those people (an incremental run). See services/recommender.py."""
    from social_market.services import recommender

    return recommender.compute(source, user_ids=user_ids)


def compute_dirty(source) -> dict:
    """The incremental job: the people marked dirty (everybody when very many)."""
    from social_market.services import recommender

    return recommender.compute_dirty(source)


def last_full_run(session: Session) -> datetime | None:
    """When the last full run finished (None: never)."""
    return session.exec(
        select(RecommendationRun.finished_at)
        .where(
            RecommendationRun.incremental.is_(False),  # type: ignore[attr-defined]
            RecommendationRun.finished_at.is_not(None),  # type: ignore[union-attr]
        )
        .order_by(RecommendationRun.finished_at.desc())  # type: ignore[union-attr]
        .limit(1)
    ).first()
