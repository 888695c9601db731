"""What the viewer's own network says: "4.8 from 3 people you follow · 4.1 from 212
buyers", and small "someone you follow loved this" badges on listing grids.

Two circles:
- **people you follow**: each one shown by name with their stars (reviews are public,
  and whom the viewer follows is the viewer's own knowledge);
- **one step further**: people followed by people you follow, counted only through
  those whose follow lists the viewer may see (``privacy_follows``), shown only as an
  average and only over at least ``MIN_WIDER`` people, so no one person's rating can be
  read out of it.
People blocked either way with the viewer, suspended and deleted accounts and hidden
reviews never count; nor do people who keep their activity to themselves
(``privacy_activity`` "only me"): their reviews stay on the listing, but are never
pointed out as a friend's, nor counted in a network's average. Badges use only what
the followed person shows the viewer:
reviews (public), favourites when their ``privacy_favourites`` lets followers see them,
and purchases only when shared with followers or everyone.
"""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel
from sqlalchemy import and_, func, literal, or_, union_all
from sqlmodel import Session, select

from social_market.i18n.format import format_number
from social_market.models import (
    Block,
    FavouriteListing,
    Follow,
    Listing,
    Review,
    SharedPurchase,
    Shop,
    User,
)
from social_market.models.market import ListingCard
from social_market.models.social import FOLLOWERS
from social_market.services import profiles
from social_market.services.ids import as_id, id_in
from social_market.services.reviews import average

MIN_WIDER = 3
WIDER_SAMPLE = 200  # one step further looks at the newest this many reviews
SHOWN_PEOPLE = 5


class PersonRating(BaseModel):
    handle: str
    name: str
    avatar: str
    initials: str
    rating: float  # their stars (their average if they reviewed it more than once)
    rating_text: str  # the same, written for the viewer's locale
    stars: int  # rounded, for drawing


class Verdict(BaseModel):
    """Ratings of one listing or shop: everyone's, and the viewer's network's."""

    overall_avg: float
    overall_count: int
    people: list[PersonRating]  # people the viewer follows, up to SHOWN_PEOPLE
    network_avg: float
    network_count: int  # people the viewer follows who reviewed it
    wider_avg: float  # 0 when fewer than MIN_WIDER
    wider_count: int  # 0 when fewer than MIN_WIDER
    # The averages written for the viewer's locale ("4,8" in German).
    overall_text: str = ""
    network_text: str = ""
    wider_text: str = ""


def _not_blocked(viewer_id: int, person):
    """Not blocked either way: two uncorrelated NOT IN lists, each read once per query
    (hashed), rather than two probes per row."""
    return and_(
        person.not_in(select(Block.blocked_id).where(Block.blocker_id == viewer_id)),
        person.not_in(select(Block.blocker_id).where(Block.blocked_id == viewer_id)),
    )


def _active(user):
    return and_(user.deleted_at.is_(None), user.suspended_at.is_(None))


def verdict(
    *,
    session: Session,
    viewer_id: int | None,
    listing_id: object = None,
    shop_id: object = None,
    locale: str | None = None,
) -> Verdict:
    """The verdict on a listing (or a whole shop) for this viewer: at most seven short
    queries, each on an index."""
    return _written(_verdict(session, viewer_id, listing_id, shop_id, locale), locale)


def _written(v: Verdict, locale: str | None) -> Verdict:
    return v.model_copy(
        update={
            "overall_text": format_number(v.overall_avg, locale),
            "network_text": format_number(v.network_avg, locale),
            "wider_text": format_number(v.wider_avg, locale),
        }
    )


def _verdict(
    session: Session,
    viewer_id: int | None,
    listing_id: object,
    shop_id: object,
    locale: str | None,
) -> Verdict:
    lid, sid = as_id(listing_id), as_id(shop_id)
    if lid is not None:
        count, total = session.exec(
            select(Listing.rating_count, Listing.rating_sum).where(Listing.id == lid)
        ).first() or (0, 0)
        on = Review.listing_id == lid
    elif sid is not None:
        count, total = session.exec(
            select(Shop.rating_count, Shop.rating_sum).where(Shop.id == sid)
        ).first() or (0, 0)
        on = Review.shop_id == sid
    else:
        return Verdict(
            overall_avg=0,
            overall_count=0,
            people=[],
            network_avg=0,
            network_count=0,
            wider_avg=0,
            wider_count=0,
        )
    empty = Verdict(
        overall_avg=average(count, total),
        overall_count=count,
        people=[],
        network_avg=0,
        network_count=0,
        wider_avg=0,
        wider_count=0,
    )
    if viewer_id is None or not count:
        return empty
    # Each step is a short index-driven query; people are looked up by primary key
    # only once the few who matter are known (a join let the planner scan every
    # account). Blocks either way are one small list.
    blocked = _blocked_either_way(session, viewer_id)
    followed = select(Follow.followee_id).where(Follow.follower_id == viewer_id)
    circle = [
        row
        for row in session.exec(
            select(User.id, User.privacy_follows, User.privacy_activity).where(
                # "id = ANY(ARRAY(…))": PostgreSQL probes the primary key per person
                # instead of hashing every account (feed._sources does the same).
                User.id == func.any(func.array(followed.scalar_subquery()))
                if session.get_bind().dialect.name == "postgresql"
                else User.id.in_(followed),  # type: ignore[union-attr]
                _active(User),
            )
        ).all()
        if row[0] not in blocked
    ]
    followees = [uid for uid, _, _ in circle]
    # Whose ratings may be shown as theirs: people who show their activity to followers.
    shown = [uid for uid, _, activity in circle if activity >= FOLLOWERS]
    visible_follows = [uid for uid, level, _ in circle if level >= FOLLOWERS]
    # People I follow who reviewed it (their average if more than one review): one probe
    # per person on the covering index (listing_id | shop_id, author_id, rating, hidden_at).
    direct = (
        session.exec(
            select(Review.author_id, func.avg(Review.rating), func.max(Review.id))
            .where(
                on,
                Review.hidden_at.is_(None),  # type: ignore[union-attr]
                id_in(session, Review.author_id, shown),
            )
            .group_by(Review.author_id)
        ).all()
        if shown
        else []
    )
    direct = sorted(direct, key=lambda row: -row[2])
    named = {
        u.id: u
        for u in (
            session.exec(
                select(User).where(
                    id_in(session, User.id, [a for a, _, _ in direct[:SHOWN_PEOPLE]])
                )
            )
            if direct
            else []
        )
    }
    people = [
        PersonRating(
            handle=u.handle,
            name=u.display_name or u.handle,
            avatar=profiles.avatar_url(u.avatar_key),
            initials=profiles.initials(u.display_name or u.handle),
            rating=round(float(avg), 1),
            rating_text=format_number(round(float(avg), 1), locale),
            stars=round(float(avg)),
        )
        for author, avg, _ in direct[:SHOWN_PEOPLE]
        if (u := named.get(author)) is not None
    ]
    ratings = [float(avg) for _, avg, _ in direct]
    network_avg = round(sum(ratings) / len(ratings), 1) if ratings else 0.0
    # One step further, among the newest WIDER_SAMPLE reviews: reviewers followed by
    # someone I follow whose follows I may see (each reviewer's followers are walked on
    # the followee index until one of those turns up); then the accounts, by key.
    wider_count, wider_avg = 0, 0.0
    if visible_follows:
        newest = (
            select(Review.author_id, Review.rating)
            .where(on, Review.hidden_at.is_(None))  # type: ignore[union-attr]
            .order_by(Review.id.desc())  # type: ignore[union-attr]
            .limit(WIDER_SAMPLE)
            .subquery()
        )
        candidates = session.exec(
            select(newest.c.author_id, newest.c.rating).where(
                newest.c.author_id != viewer_id,
                select(literal(1))
                .where(
                    Follow.followee_id == newest.c.author_id,
                    id_in(session, Follow.follower_id, visible_follows),
                )
                .exists(),
            )
        ).all()
        per_author: dict[int, list[int]] = defaultdict(list)
        mine = set(followees) | blocked  # people I follow are counted above, by name
        for author, stars in candidates:
            if author not in mine:
                per_author[author].append(stars)
        if per_author:
            counted = set(
                session.exec(
                    select(User.id).where(
                        id_in(session, User.id, list(per_author)),
                        _active(User),
                        User.privacy_activity >= FOLLOWERS,  # not "only me"
                    )
                )
            )
            averages = [sum(v) / len(v) for a, v in per_author.items() if a in counted]
            wider_count = len(averages)
            wider_avg = sum(averages) / wider_count if wider_count else 0.0
    enough = wider_count >= MIN_WIDER
    return empty.model_copy(
        update={
            "people": people,
            "network_avg": network_avg,
            "network_count": len(direct),
            "wider_avg": round(wider_avg, 1) if enough else 0.0,
            "wider_count": wider_count if enough else 0,
        }
    )


def _blocked_either_way(session: Session, viewer_id: int) -> set[int]:
    """Everyone the viewer blocked or who blocked the viewer (few): one query."""
    return set(
        session.exec(
            union_all(
                select(Block.blocked_id).where(Block.blocker_id == viewer_id),
                select(Block.blocker_id).where(Block.blocked_id == viewer_id),
            )
        ).scalars()
    )


# --- badges on grids ------------------------------------------------------------------

REVIEWED, BOUGHT, FAVOURITED = "reviewed", "bought", "favourited"
_ORDER = {REVIEWED: 0, BOUGHT: 1, FAVOURITED: 2}


def badges(
    session: Session, viewer_id: int | None, listing_ids: list[int]
) -> dict[int, tuple[str, str, int]]:
    """For each listing someone the viewer follows reviewed, bought (and shared) or
    favourited (and shows it): (kind, a name, how many others). One query."""
    if viewer_id is None or not listing_ids:
        return {}
    followees = select(Follow.followee_id).where(Follow.follower_id == viewer_id)
    parts = union_all(
        select(
            Review.listing_id, Review.author_id.label("person"), literal(REVIEWED).label("kind")
        ).where(  # type: ignore[attr-defined]
            id_in(session, Review.listing_id, listing_ids),
            Review.hidden_at.is_(None),  # type: ignore[union-attr]
            Review.author_id.in_(followees),  # type: ignore[attr-defined]
        ),
        select(
            SharedPurchase.listing_id,
            SharedPurchase.user_id.label("person"),  # type: ignore[attr-defined]
            literal(BOUGHT).label("kind"),
        ).where(
            id_in(session, SharedPurchase.listing_id, listing_ids),
            SharedPurchase.audience >= FOLLOWERS,
            SharedPurchase.user_id.in_(followees),  # type: ignore[attr-defined]
        ),
        select(
            FavouriteListing.listing_id,
            FavouriteListing.user_id.label("person"),  # type: ignore[attr-defined]
            literal(FAVOURITED).label("kind"),
        ).where(
            id_in(session, FavouriteListing.listing_id, listing_ids),
            FavouriteListing.user_id.in_(followees),  # type: ignore[attr-defined]
        ),
    ).subquery()
    rows = session.exec(
        select(parts.c.listing_id, parts.c.kind, User.id, User.handle, User.display_name)
        .join(User, User.id == parts.c.person)  # type: ignore[arg-type]
        .where(
            _active(User),
            _not_blocked(viewer_id, User.id),
            or_(parts.c.kind != FAVOURITED, User.privacy_favourites >= FOLLOWERS),
            or_(parts.c.kind != REVIEWED, User.privacy_activity >= FOLLOWERS),
        )
    ).all()
    found: dict[int, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    names: dict[int, str] = {}
    for listing_id, kind, uid, handle, display in rows:
        found[listing_id][kind].add(uid)
        names[uid] = display or handle
    out = {}
    for listing_id, kinds in found.items():
        kind = min(kinds, key=_ORDER.__getitem__)
        people = sorted(kinds[kind], key=lambda u: names[u])
        everyone = set().union(*kinds.values())
        out[listing_id] = (kind, names[people[0]], len(everyone) - 1)
    return out


def with_badges(
    session: Session, viewer_id: int | None, cards: list[ListingCard]
) -> list[ListingCard]:
    """These cards with their network badge filled in (one query)."""
    found = badges(session, viewer_id, [c.id for c in cards])
    if not found:
        return cards
    return [
        c.model_copy(
            update={
                "network_kind": found[c.id][0],
                "network_name": found[c.id][1],
                "network_others": found[c.id][2],
            }
        )
        if c.id in found
        else c
        for c in cards
    ]


def network_ratings(
    session: Session, viewer_id: int | None, listing_ids: list[int]
) -> dict[int, tuple[float, int]]:
    """(average stars, people) from people the viewer follows, per listing that has
    any: one query (each listing's reviews probed per person on (listing_id, author_id))."""
    if viewer_id is None or not listing_ids:
        return {}
    rows = session.exec(
        select(
            Review.listing_id, func.avg(Review.rating), func.count(func.distinct(Review.author_id))
        )
        .join(Follow, and_(Follow.followee_id == Review.author_id, Follow.follower_id == viewer_id))  # type: ignore[arg-type]
        .join(User, User.id == Review.author_id)  # type: ignore[arg-type]
        .where(
            id_in(session, Review.listing_id, listing_ids),
            Review.hidden_at.is_(None),  # type: ignore[union-attr]
            _active(User),
            User.privacy_activity >= FOLLOWERS,
            _not_blocked(viewer_id, User.id),
        )
        .group_by(Review.listing_id)
    ).all()
    return {lid: (float(avg), int(n)) for lid, avg, n in rows}


# "Best rated for me": everyone's rating shrunk toward PRIOR by PRIOR_WEIGHT reviews
# (a single 5★ doesn't beat a hundred 4.8★), blended with the network's by trust_weight.
PRIOR, PRIOR_WEIGHT = 3.5, 3


def score_for(
    rating_count: int, rating_sum: int, network: tuple[float, int] | None, trust_weight: int
) -> float:
    everyone = (rating_sum + PRIOR * PRIOR_WEIGHT) / (rating_count + PRIOR_WEIGHT)
    w = max(0, min(100, trust_weight)) / 100
    mine = network[0] if network else PRIOR
    return (1 - w) * everyone + w * mine
