"""Follower offers: a maker's time-limited flash sale of one listing.

Rules kept here (tested in tests/services/test_offers*.py):
- Only the maker publishes, for one of their own active listings, at a price above
  zero and below the listing's price, for 1..free-stock pieces, from a start (not in
  the past) to an end 10 minutes to 14 days later. The pieces leave the listing's free
  stock at once (``holds.take_stock``); for made-to-order listings the quantity is a
  cap and no stock moves. Publishing also posts an OFFER post (feeds, followers told).
- A followers-only offer is seen (and bought) only by the shop's followers (people who
  follow the maker or the shop, not blocked either way) and the maker: for anyone else
  it does not exist (NotFound), whatever id they send.
- Buying is one order at the offer's price (``checkout.place_direct_order``): inside
  the order's savepoint one conditional UPDATE takes the pieces from the offer
  (``remaining >= :q``, started, not ended, not cancelled, not settled) and its row
  count is checked; the per-buyer limit is counted after that UPDATE holds the offer's
  row, so concurrent buyers never exceed it. The listing's own stock is not touched.
- An offer that ended, sold out or was cancelled is settled once: a conditional UPDATE
  sets ``settled_at`` and only the transaction that did so gives the leftover back to
  the listing. Settling happens at the moment of use (buying, pages, checkout of the
  listing) and in a periodic job.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from limits import parse
from pydantic import BaseModel
from sqlalchemy import and_, func, or_, update
from sqlmodel import Session, select

from social_market.i18n.catalog import N_
from social_market.i18n.format import format_money
from social_market.models import Block, FavouriteShop, Follow, Listing, Shop, User, utcnow
from social_market.models.market import ACTIVE, SOLD_OUT
from social_market.models.offers import FlashOffer, FlashOfferPurchase
from social_market.models.social import EVERYONE, FOLLOWERS
from social_market.services import checkout, holds, payments, privacy, ratelimit
from social_market.services.blocks import is_blocked_between
from social_market.services.cart import require_actor
from social_market.services.errors import InvalidInput, NotAllowed, NotFound
from social_market.services.ids import as_id
from social_market.services.listings import PHOTO_GRID, photo_url
from social_market.services.money import parse_cents, parse_int
from social_market.services.shops import require_own_shop
from social_market.services.text import clean_text
from social_market.urls import listing_url, shop_url

OFFERS_PER_HOUR = parse("10/hour")
MIN_DURATION = timedelta(minutes=10)
MAX_DURATION = timedelta(days=14)
MAX_START_AHEAD = timedelta(days=30)
START_GRACE = timedelta(minutes=1)  # a start "now" sent a moment ago is still fine
MAX_MADE_TO_ORDER = 1000  # the cap of a made-to-order offer
MAX_PER_PURCHASE = 100
MAX_NOTE = 500
SWEEP_BATCH = 500
AUDIENCE_NAMES = {"followers": FOLLOWERS, "everyone": EVERYONE}


class OfferCard(BaseModel):
    """One offer as a viewer who may see it sees it: safe for client-visible state."""

    id: int
    listing_id: int
    listing_title: str
    listing_url: str
    offer_url: str  # the listing page, at its offer section
    photo_url: str
    photo_alt: str
    shop_name: str
    shop_url: str
    price: str
    price_cents: int
    was_price: str
    percent_off: int
    quantity: int
    remaining: int
    per_buyer: int  # 0: no limit beyond what is left
    bought: int  # pieces the viewer already bought in this offer
    followers_only: bool
    made_to_order: bool
    starts_at: str  # ISO 8601 UTC (the page counts down)
    ends_at: str
    live: bool  # started, not ended, pieces left
    upcoming: bool  # not started yet
    mine: bool  # the viewer is the maker
    followed: bool = False  # the viewer follows the shop (for ordering lists)


# --- checking input -----------------------------------------------------------------


def _moment(value: object, *, field: str, label: str) -> datetime:
    """A datetime, or an ISO 8601 string (without a zone: UTC)."""
    if isinstance(value, str) and value.strip():
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InvalidInput(
                "Please give {label} as a date and time.", field=field, label=label
            ) from None
    if not isinstance(value, datetime):
        raise InvalidInput("Please give {label} as a date and time.", field=field, label=label)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0)


def _audience(value: object) -> int:
    if value in (None, ""):
        return FOLLOWERS
    if isinstance(value, str) and value in AUDIENCE_NAMES:
        return AUDIENCE_NAMES[value]
    raise InvalidInput("Please choose who can see this offer.", field="audience")


def _check_form(form: object, listing: Listing, now: datetime) -> dict:
    if not isinstance(form, dict):
        raise InvalidInput("Please fill in the form.")
    price = parse_cents(form.get("price"), field="price", label=N_("Offer price"))
    if price >= listing.price_cents:
        raise InvalidInput(
            "The offer price must be below the listing's price of {price}.",
            field="price",
            price=format_money(listing.price_cents, listing.currency, "en_US"),
        )
    if listing.made_to_order:
        quantity = parse_int(
            form.get("quantity"),
            field="quantity",
            label=N_("Pieces"),
            minimum=1,
            maximum=MAX_MADE_TO_ORDER,
        )
    else:
        if listing.quantity < 1:
            raise InvalidInput("This listing has no pieces left to offer.", field="quantity")
        quantity = parse_int(
            form.get("quantity"),
            field="quantity",
            label=N_("Pieces"),
            minimum=1,
            maximum=listing.quantity,
        )
    per_buyer = None
    if form.get("per_buyer") not in (None, "", 0, "0"):
        per_buyer = parse_int(
            form.get("per_buyer"),
            field="per_buyer",
            label=N_("Pieces per buyer"),
            minimum=1,
            maximum=quantity,
        )
    starts_at = _moment(form.get("starts_at"), field="starts_at", label=N_("the start"))
    ends_at = _moment(form.get("ends_at"), field="ends_at", label=N_("the end"))
    if ends_at <= starts_at:
        raise InvalidInput("The offer must end after it starts.", field="ends_at")
    if starts_at < now - START_GRACE:
        raise InvalidInput("The offer can't start in the past.", field="starts_at")
    if starts_at > now + MAX_START_AHEAD:
        raise InvalidInput(
            "The offer must start within {days} days.",
            field="starts_at",
            days=MAX_START_AHEAD.days,
        )
    duration = ends_at - starts_at
    if duration < MIN_DURATION:
        raise InvalidInput(
            "An offer runs for at least {minutes} minutes.",
            field="ends_at",
            minutes=int(MIN_DURATION.total_seconds() // 60),
        )
    if duration > MAX_DURATION:
        raise InvalidInput(
            "An offer runs for at most {days} days.", field="ends_at", days=MAX_DURATION.days
        )
    note = clean_text(
        form.get("note"), field="note", label=N_("Note"), max_length=MAX_NOTE, multiline=True
    )
    return {
        "price_cents": price,
        "quantity": quantity,
        "per_buyer": per_buyer,
        "audience": _audience(form.get("audience")),
        "starts_at": starts_at,
        "ends_at": ends_at,
        "note": note,
    }


def _lock_listing(session: Session, listing_id: int) -> Listing | None:
    """The listing, locked for this transaction (PostgreSQL; SQLite has the write lock)."""
    query = (
        select(Listing).where(Listing.id == listing_id).execution_options(populate_existing=True)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.exec(query).first()


def _running(session: Session, listing_id: int, now: datetime):
    return session.exec(
        select(FlashOffer.id).where(
            FlashOffer.listing_id == listing_id,
            FlashOffer.settled_at.is_(None),  # type: ignore[union-attr]
            FlashOffer.cancelled_at.is_(None),  # type: ignore[union-attr]
            FlashOffer.ends_at > now,
            FlashOffer.remaining > 0,
        )
    ).first()


# --- the maker ----------------------------------------------------------------------


def publish(*, session: Session, actor_id: object, listing_id: object, form: object) -> FlashOffer:
    """Publish a flash offer for one of the actor's active listings.

    ``form``: price (amount text or int cents), quantity, per_buyer (optional),
    audience ('followers' | 'everyone'), starts_at, ends_at (datetimes or ISO strings),
    note (optional text for the post).

    Raises:
        NotAllowed: no shop of one's own.
        NotFound: not an active listing of the actor's shop.
        InvalidInput: a field is wrong, not enough free stock, or the listing already
            has an offer running or coming. Nothing is written then.
        RateLimited: more than 10 offers in an hour.
    """
    checkout._take_write_lock_first(session)
    shop = require_own_shop(session, actor_id)
    lid = as_id(listing_id)
    listing = session.get(Listing, lid) if lid is not None else None
    if listing is None or listing.shop_id != shop.id or listing.state != ACTIVE:
        raise NotFound("We couldn't find that listing.")
    now = utcnow()
    settle_ended(session, listing_ids=[listing.id], now=now)  # type: ignore[list-item]
    fields = _check_form(form, listing, now)
    ratelimit.hit(
        OFFERS_PER_HOUR,
        "flash-offer",
        str(shop.owner_id),
        message=N_("You have published many offers in the last hour. Please wait a little."),
    )
    from social_market.services import posts

    with session.begin_nested():
        listing = _lock_listing(session, listing.id)  # type: ignore[arg-type]
        if listing is None or listing.state != ACTIVE:
            raise NotFound("We couldn't find that listing.")
        if _running(session, listing.id, now) is not None:  # type: ignore[arg-type]
            raise InvalidInput(
                "This listing already has an offer. End it before starting another.",
                field="listing",
            )
        if not listing.made_to_order and not holds.take_stock(
            session,
            listing.id,  # type: ignore[arg-type]
            fields["quantity"],
        ):
            session.refresh(listing)
            raise InvalidInput(
                "Only {count} left of {title}.",
                field="quantity",
                count=listing.quantity,
                title=listing.title,
            )
        post = posts.announce_flash_offer(
            session,
            shop,
            listing,
            price_cents=fields["price_cents"],
            ends_at=fields["ends_at"],
            audience=fields["audience"],
            body=fields["note"],
        )
        offer = FlashOffer(
            shop_id=shop.id,  # type: ignore[arg-type]
            listing_id=listing.id,  # type: ignore[arg-type]
            post_id=post.id,
            price_cents=fields["price_cents"],
            currency=listing.currency,
            quantity=fields["quantity"],
            remaining=fields["quantity"],
            per_buyer=fields["per_buyer"],
            audience=fields["audience"],
            starts_at=fields["starts_at"],
            ends_at=fields["ends_at"],
        )
        session.add(offer)
        session.flush()
    return offer


def cancel(*, session: Session, actor_id: object, offer_id: object) -> int:
    """End one of my offers now; its leftover goes back to the listing. Returns how many."""
    shop = require_own_shop(session, actor_id)
    oid = as_id(offer_id)
    offer = session.get(FlashOffer, oid) if oid is not None else None
    if offer is None or offer.shop_id != shop.id:
        raise NotFound("We couldn't find that offer.")
    checkout._take_write_lock_first(session)
    table = FlashOffer.__table__
    session.execute(
        update(table)
        .where(table.c.id == offer.id, table.c.cancelled_at.is_(None))
        .values(cancelled_at=utcnow())
    )
    back = settle(session, offer.id)  # type: ignore[arg-type]
    session.expire(offer)
    return back


# --- settling -----------------------------------------------------------------------


def _over(table, now: datetime):
    """An offer that can't sell any more: ended, cancelled or sold out."""
    return or_(table.c.ends_at <= now, table.c.cancelled_at.is_not(None), table.c.remaining == 0)


def settle(session: Session, offer_id: int, *, now: datetime | None = None) -> int:
    """Give an over offer's leftover back to its listing, once. Returns the pieces given.

    Only the call whose conditional UPDATE marks the offer settled returns its pieces;
    a live offer is left alone.
    """
    now = now or utcnow()
    table = FlashOffer.__table__
    row = session.execute(
        update(table)
        .where(table.c.id == offer_id, table.c.settled_at.is_(None), _over(table, now))
        .values(settled_at=now)
        .returning(table.c.listing_id, table.c.remaining)
    ).first()
    for offer in session.identity_map.values():
        if isinstance(offer, FlashOffer) and offer.id == offer_id:
            session.expire(offer)
    if row is None:
        return 0
    listing_id, remaining = row
    listing = session.get(Listing, listing_id)
    if listing is None or listing.made_to_order or remaining <= 0:
        return 0  # made to order: the quantity was only a cap
    holds.return_stock(session, listing_id, remaining)
    return remaining


def settle_ended(
    session: Session, *, listing_ids: list[int] | None = None, now: datetime | None = None
) -> int:
    """Settle over offers (of some listings, or a batch of all). Returns pieces given back."""
    now = now or utcnow()
    table = FlashOffer.__table__
    query = (
        select(FlashOffer.id)
        .where(FlashOffer.settled_at.is_(None), _over(table, now))  # type: ignore[union-attr]
        .order_by(FlashOffer.listing_id, FlashOffer.id)
        .limit(SWEEP_BATCH)
    )
    if listing_ids is not None:
        if not listing_ids:
            return 0
        query = query.where(FlashOffer.listing_id.in_(listing_ids))  # type: ignore[attr-defined]
    return sum(settle(session, oid, now=now) for oid in list(session.exec(query)))  # type: ignore[arg-type]


def sweep(session: Session, *, now: datetime | None = None) -> int:
    """The job's part: settle over offers in batches, committing each. Returns how many."""
    now = now or utcnow()
    total = 0
    table = FlashOffer.__table__
    while True:
        ids = list(
            session.exec(
                select(FlashOffer.id)
                .where(FlashOffer.settled_at.is_(None), _over(table, now))  # type: ignore[union-attr]
                .order_by(FlashOffer.listing_id, FlashOffer.id)
                .limit(SWEEP_BATCH)
            )
        )
        for oid in ids:
            settle(session, oid, now=now)  # type: ignore[arg-type]
        session.commit()
        total += len(ids)
        if len(ids) < SWEEP_BATCH:
            return total


# --- who sees what ------------------------------------------------------------------


def _visible_to(viewer_id: int | None):
    """SQL: the offer (joined with its Shop) may be seen by ``viewer_id``."""
    if viewer_id is None:
        return FlashOffer.audience == EVERYONE
    blocked = (
        select(Block.blocker_id)
        .where(
            or_(
                and_(Block.blocker_id == viewer_id, Block.blocked_id == Shop.owner_id),
                and_(Block.blocker_id == Shop.owner_id, Block.blocked_id == viewer_id),
            )
        )
        .exists()
    )
    follows = or_(
        select(Follow.follower_id)
        .where(Follow.follower_id == viewer_id, Follow.followee_id == Shop.owner_id)
        .exists(),
        select(FavouriteShop.user_id)
        .where(FavouriteShop.user_id == viewer_id, FavouriteShop.shop_id == Shop.id)
        .exists(),
    )
    return or_(
        Shop.owner_id == viewer_id,
        and_(~blocked, or_(FlashOffer.audience == EVERYONE, follows)),
    )


def _can_see(session: Session, viewer_id: int | None, offer: FlashOffer, shop: Shop) -> bool:
    if viewer_id == shop.owner_id:
        return True
    if viewer_id is not None and is_blocked_between(session, viewer_id, shop.owner_id):
        return False
    if offer.audience == EVERYONE:
        return True
    level = privacy.shop_relation(session, viewer_id, shop.id or 0, shop.owner_id)
    return level == FOLLOWERS


def _shown(now: datetime):
    """Offers worth showing: not over (sold out, ended, cancelled)."""
    return and_(
        FlashOffer.cancelled_at.is_(None),  # type: ignore[union-attr]
        FlashOffer.settled_at.is_(None),  # type: ignore[union-attr]
        FlashOffer.ends_at > now,
        FlashOffer.remaining > 0,
        Shop.closed_at.is_(None),  # type: ignore[union-attr]
        Shop.hidden_at.is_(None),  # type: ignore[union-attr]
        Listing.state.in_((ACTIVE, SOLD_OUT)),  # type: ignore[attr-defined]
    )


def _base_query():
    return (
        select(FlashOffer, Listing, Shop)
        .join(Listing, Listing.id == FlashOffer.listing_id)
        .join(Shop, Shop.id == FlashOffer.shop_id)
    )


def _viewer(session: Session, viewer_id: object) -> int | None:
    vid = as_id(viewer_id)
    if vid is None:
        return None
    user = session.get(User, vid)
    if user is None or user.deleted_at is not None or user.suspended_at is not None:
        return None
    return vid


def _bought(session: Session, viewer_id: int | None, offer_ids: list[int]) -> dict[int, int]:
    if viewer_id is None or not offer_ids:
        return {}
    return dict(
        session.execute(
            select(FlashOfferPurchase.offer_id, func.sum(FlashOfferPurchase.quantity))  # type: ignore[call-overload]
            .where(
                FlashOfferPurchase.buyer_id == viewer_id,
                FlashOfferPurchase.offer_id.in_(offer_ids),  # type: ignore[attr-defined]
            )
            .group_by(FlashOfferPurchase.offer_id)
        ).all()
    )


def _card(
    offer: FlashOffer,
    listing: Listing,
    shop: Shop,
    *,
    viewer_id: int | None,
    bought: int,
    now: datetime,
    locale: str | None,
    followed: bool = False,
) -> OfferCard:
    url = listing_url(listing.id or 0, listing.slug)
    percent = 0
    if listing.price_cents > 0:
        percent = round(100 * (listing.price_cents - offer.price_cents) / listing.price_cents)
    return OfferCard(
        id=offer.id or 0,
        listing_id=listing.id or 0,
        listing_title=listing.title,
        listing_url=url,
        offer_url=f"{url}#offer-{offer.id}",
        photo_url=photo_url(listing.cover_key, PHOTO_GRID),
        photo_alt=listing.cover_alt or listing.title,
        shop_name=shop.name,
        shop_url=shop_url(shop.slug),
        price=format_money(offer.price_cents, offer.currency, locale),
        price_cents=offer.price_cents,
        was_price=format_money(listing.price_cents, listing.currency, locale),
        percent_off=max(percent, 0),
        quantity=offer.quantity,
        remaining=offer.remaining,
        per_buyer=offer.per_buyer or 0,
        bought=bought,
        followers_only=offer.audience == FOLLOWERS,
        made_to_order=listing.made_to_order,
        starts_at=offer.starts_at.isoformat(),
        ends_at=offer.ends_at.isoformat(),
        live=offer.starts_at <= now < offer.ends_at and offer.remaining > 0,
        upcoming=offer.starts_at > now,
        mine=viewer_id == shop.owner_id,
        followed=followed,
    )


def _cards(session: Session, viewer_id: int | None, rows, now, locale) -> list[OfferCard]:
    bought = _bought(session, viewer_id, [offer.id for offer, _, _ in rows])
    return [
        _card(o, li, s, viewer_id=viewer_id, bought=bought.get(o.id, 0), now=now, locale=locale)
        for o, li, s in rows
    ]


def for_listing(
    *, session: Session, viewer_id: object, listing_id: object, locale: str | None = None
) -> list[OfferCard]:
    """The live or coming offer(s) of a listing that the viewer may see (ended ones are
    settled first: their pieces are back on the listing)."""
    lid = as_id(listing_id)
    if lid is None:
        return []
    vid = _viewer(session, viewer_id)
    now = utcnow()
    if settle_ended(session, listing_ids=[lid], now=now):
        session.commit()
    rows = session.exec(
        _base_query()
        .where(FlashOffer.listing_id == lid, _shown(now), _visible_to(vid))
        .order_by(FlashOffer.starts_at, FlashOffer.id)
        .limit(5)
    ).all()
    return _cards(session, vid, rows, now, locale)


def for_shop(
    *, session: Session, viewer_id: object, shop_id: object, locale: str | None = None
) -> list[OfferCard]:
    """A shop's live and coming offers that the viewer may see, ending soonest first."""
    sid = as_id(shop_id)
    if sid is None:
        return []
    vid = _viewer(session, viewer_id)
    now = utcnow()
    rows = session.exec(
        _base_query()
        .where(FlashOffer.shop_id == sid, _shown(now), _visible_to(vid))
        .order_by(FlashOffer.ends_at, FlashOffer.id)
        .limit(20)
    ).all()
    return _cards(session, vid, rows, now, locale)


def live_offers(
    *, session: Session, viewer_id: object, locale: str | None = None, limit: int = 60
) -> list[OfferCard]:
    """Live offers the viewer may see: shops they follow first, then ending soonest."""
    vid = _viewer(session, viewer_id)
    now = utcnow()
    followed_ids: set[int] = set()
    if vid is not None:
        followed_ids = set(
            session.exec(select(FavouriteShop.shop_id).where(FavouriteShop.user_id == vid))
        ) | set(
            session.exec(
                select(Shop.id)
                .join(Follow, Follow.followee_id == Shop.owner_id)
                .where(Follow.follower_id == vid)
            )
        )
    rows = session.exec(
        _base_query()
        .where(_shown(now), FlashOffer.starts_at <= now, _visible_to(vid))
        .order_by(FlashOffer.ends_at, FlashOffer.id)
        .limit(max(1, min(int(limit), 200)))
    ).all()
    cards = _cards(session, vid, rows, now, locale)
    for card, (_, _, shop) in zip(cards, rows, strict=True):
        card.followed = shop.id in followed_ids
    cards.sort(key=lambda c: not c.followed)  # stable: ending soonest within each group
    return cards


def get_offer(
    *, session: Session, viewer_id: object, offer_id: object, locale: str | None = None
) -> OfferCard:
    """One offer the viewer may see (NotFound otherwise, also for forged ids)."""
    offer, listing, shop = _find(session, _viewer(session, viewer_id), offer_id)
    vid = _viewer(session, viewer_id)
    bought = _bought(session, vid, [offer.id]).get(offer.id, 0)  # type: ignore[arg-type]
    return _card(offer, listing, shop, viewer_id=vid, bought=bought, now=utcnow(), locale=locale)


def _find(session: Session, viewer_id: int | None, offer_id: object):
    oid = as_id(offer_id)
    row = session.exec(_base_query().where(FlashOffer.id == oid)).first() if oid else None
    if row is None or not _can_see(session, viewer_id, row[0], row[2]):
        raise NotFound("We couldn't find that offer.")
    return row


def post_offers(session: Session, post_ids: list[int]) -> dict[int, tuple[int, bool, str]]:
    """For feed cards: post id → (offer id, still on, its end ISO) of flash-offer posts."""
    if not post_ids:
        return {}
    now = utcnow()
    rows = session.exec(
        select(FlashOffer).where(FlashOffer.post_id.in_(post_ids))  # type: ignore[union-attr]
    ).all()
    return {
        o.post_id: (
            o.id or 0,
            o.cancelled_at is None and o.settled_at is None and o.remaining > 0 and o.ends_at > now,
            o.ends_at.isoformat(),
        )
        for o in rows
        if o.post_id is not None
    }


# --- buying -------------------------------------------------------------------------


def _why_not(session: Session, offer_id: int, quantity: int) -> InvalidInput:
    offer = session.get(FlashOffer, offer_id, populate_existing=True)
    now = utcnow()
    if offer is None or offer.cancelled_at is not None or offer.ends_at <= now:
        return InvalidInput("This offer has ended.", field="offer")
    if offer.starts_at > now:
        return InvalidInput("This offer hasn't started yet.", field="offer")
    if offer.remaining <= 0 or offer.settled_at is not None:
        return InvalidInput("This offer is sold out.", field="offer")
    return InvalidInput("Only {count} left in this offer.", field="quantity", count=offer.remaining)


def buy(
    *,
    session: Session,
    actor_id: object,
    offer_id: object,
    quantity: object,
    address: dict | checkout.ShippingAddress,
    payment_method: str,
    expected_total_cents: int | None = None,
    locale: str | None = None,
) -> checkout.CheckoutResult:
    """Buy pieces of a live offer at its price: one order, in one transaction.

    Raises:
        NotFound: an offer the actor may not see (or no such offer).
        NotAllowed: not signed in, the maker, or blocked.
        InvalidInput: not started, ended, cancelled, sold out, too few left, over the
            per-buyer limit, or the usual checkout problems. Nothing is written then
            (an ended offer is settled, though).
    """
    checkout._take_write_lock_first(session)
    me = require_actor(session, actor_id)
    offer, listing, shop = _find(session, me.id, offer_id)
    if shop.owner_id == me.id:
        raise NotAllowed("You can't buy from your own shop.", field="offer")
    q = parse_int(
        quantity, field="quantity", label=N_("Quantity"), minimum=1, maximum=MAX_PER_PURCHASE
    )
    now = utcnow()
    if offer.cancelled_at is not None or offer.ends_at <= now or offer.settled_at is not None:
        settle(session, offer.id, now=now)  # type: ignore[arg-type]
        session.commit()  # the leftover is back even though this purchase is refused
        raise _why_not(session, offer.id, q)  # type: ignore[arg-type]
    if offer.starts_at > now:
        raise InvalidInput("This offer hasn't started yet.", field="offer")
    if offer.remaining <= 0:
        raise InvalidInput("This offer is sold out.", field="offer")
    if offer.remaining < q:
        raise InvalidInput(
            "Only {count} left in this offer.", field="quantity", count=offer.remaining
        )
    if offer.per_buyer is not None:
        already = _bought(session, me.id, [offer.id]).get(offer.id, 0)  # type: ignore[list-item, arg-type]
        _check_limit(offer.per_buyer, already, q)

    table = FlashOffer.__table__
    offer_pk, per_buyer = offer.id, offer.per_buyer

    def claim(order) -> None:
        at = utcnow()
        result = session.execute(
            update(table)
            .where(
                table.c.id == offer_pk,
                table.c.remaining >= q,
                table.c.starts_at <= at,
                table.c.ends_at > at,
                table.c.cancelled_at.is_(None),
                table.c.settled_at.is_(None),
            )
            .values(remaining=table.c.remaining - q)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise _why_not(session, offer_pk, q)  # type: ignore[arg-type]
        if per_buyer is not None:
            # The offer's row is ours until commit: purchases counted now are final.
            already = session.exec(
                select(func.coalesce(func.sum(FlashOfferPurchase.quantity), 0)).where(
                    FlashOfferPurchase.offer_id == offer_pk, FlashOfferPurchase.buyer_id == me.id
                )
            ).one()
            _check_limit(per_buyer, int(already), q)
        session.add(
            FlashOfferPurchase(offer_id=offer_pk, buyer_id=me.id, order_id=order.id, quantity=q)  # type: ignore[arg-type]
        )

    result = checkout.place_direct_order(
        session=session,
        buyer_id=me.id,
        line=checkout.DirectLine(
            listing_id=listing.id,  # type: ignore[arg-type]
            quantity=q,
            unit_price_cents=offer.price_cents,
            source_kind="offer",
            source_id=offer_pk,  # type: ignore[arg-type]
        ),
        address=address,
        payment_method=payment_method,
        claim=claim,
        expected_total_cents=expected_total_cents,
        locale=locale,
    )
    session.expire(offer)
    session.commit()
    return result


def _check_limit(per_buyer: int, already: int, quantity: int) -> None:
    if already + quantity > per_buyer:
        left = max(per_buyer - already, 0)
        if left == 0:
            raise InvalidInput(
                "You have already bought the {count} pieces allowed per person.",
                field="quantity",
                count=per_buyer,
            )
        raise InvalidInput(
            "You can buy at most {count} more in this offer.", field="quantity", count=left
        )


def own_offers(
    *, session: Session, actor_id: object, locale: str | None = None, limit: int = 50
) -> list[OfferCard]:
    """The maker's offers that are live or coming (for their dashboard)."""
    shop = require_own_shop(session, actor_id)
    now = utcnow()
    rows = session.exec(
        _base_query()
        .where(FlashOffer.shop_id == shop.id, _shown(now))
        .order_by(FlashOffer.ends_at, FlashOffer.id)
        .limit(limit)
    ).all()
    return _cards(session, shop.owner_id, rows, now, locale)


def offer_listing(*, session: Session, actor_id: object, listing_id: object) -> Listing:
    """One of the maker's active listings, for the new-offer form (NotFound otherwise)."""
    shop = require_own_shop(session, actor_id)
    lid = as_id(listing_id)
    listing = session.get(Listing, lid) if lid is not None else None
    if listing is None or listing.shop_id != shop.id or listing.state != ACTIVE:
        raise NotFound("We couldn't find that listing.")
    return listing


def payment_options(
    *, session: Session, viewer_id: object, offer_id: object
) -> list[payments.PaymentOption]:
    """The payment methods the offer's shop accepts (NotFound for an offer one can't see)."""
    _, _, shop = _find(session, _viewer(session, viewer_id), offer_id)
    return [m.option() for m in payments.methods_for(shop)]
