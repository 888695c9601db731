"""Favourites (hearts) on listings and shops."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, select

from social_market.models import FavouriteListing, FavouriteShop, Listing, Shop, User
from social_market.models.market import ACTIVE, SOLD_OUT, ListingCard
from social_market.services import feed, recommendations
from social_market.services.accounts import require_user
from social_market.services.errors import NotFound
from social_market.services.ids import as_id
from social_market.services.listings import parse_listing_ref, to_card
from social_market.services.shops import ShopPublic, to_public


def _visible_listing(session: Session, listing_id: object) -> Listing:
    lid = parse_listing_ref(listing_id)
    listing = session.get(Listing, lid) if lid else None
    if listing is None or listing.state not in (ACTIVE, SOLD_OUT):
        raise NotFound("We couldn't find that listing.")
    return listing


def set_listing_favourite(
    *, session: Session, user_id: object, listing_id: object, on: object
) -> bool:
    """Heart (``on`` True) or un-heart a listing; idempotent. Returns the new state."""
    user = require_user(session, user_id)
    listing = _visible_listing(session, listing_id)
    existing = session.get(FavouriteListing, (user.id, listing.id))
    want = on is True
    if want and existing is None:
        session.add(FavouriteListing(user_id=user.id, listing_id=listing.id))  # type: ignore[arg-type]
        feed.record_favourite(session, user.id, listing)  # type: ignore[arg-type]
        delta = 1
    elif not want and existing is not None:
        session.delete(existing)
        feed.forget_favourite(session, user.id, listing.id)  # type: ignore[arg-type]
        delta = -1
    else:
        return want
    recommendations.mark_dirty(session, user.id)  # type: ignore[arg-type]
    session.flush()
    # One atomic UPDATE, so concurrent hearts never lose a count.
    session.exec(
        update(Listing)
        .where(Listing.id == listing.id)
        .values(favourite_count=Listing.favourite_count + delta)
    )
    return want


def set_shop_favourite(*, session: Session, user_id: object, shop_id: object, on: object) -> bool:
    user = require_user(session, user_id)
    sid = as_id(shop_id)
    shop = session.get(Shop, sid) if sid else None
    if shop is None or shop.closed_at is not None or shop.hidden_at is not None:
        raise NotFound("We couldn't find that shop.")
    existing = session.get(FavouriteShop, (user.id, shop.id))
    want = on is True
    if want and existing is None:
        session.add(FavouriteShop(user_id=user.id, shop_id=shop.id))  # type: ignore[arg-type]
        delta = 1
    elif not want and existing is not None:
        session.delete(existing)
        delta = -1
    else:
        return want
    session.flush()
    session.exec(
        update(Shop).where(Shop.id == shop.id).values(favourite_count=Shop.favourite_count + delta)
    )
    return want


def is_shop_favourite(*, session: Session, user_id: int | None, shop_id: int) -> bool:
    if user_id is None:
        return False
    return session.get(FavouriteShop, (user_id, shop_id)) is not None


def favourite_listings(
    *, session: Session, user_id: object, limit: int = 96, locale: str | None = None
) -> list[ListingCard]:
    """The person's hearted listings that are still for sale or sold out, newest heart first."""
    user = require_user(session, user_id)
    rows = session.exec(
        select(Listing)
        .join(FavouriteListing, FavouriteListing.listing_id == Listing.id)
        .where(FavouriteListing.user_id == user.id, Listing.state.in_((ACTIVE, SOLD_OUT)))  # type: ignore[attr-defined]
        .order_by(FavouriteListing.created_at.desc())  # type: ignore[attr-defined]
        .limit(limit)
    ).all()
    return [to_card(r, locale) for r in rows]


def favourite_shops(
    *, session: Session, user_id: object, limit: int = 48, locale: str | None = None
) -> list[ShopPublic]:
    user = require_user(session, user_id)
    rows = session.exec(
        select(Shop, User)
        .join(FavouriteShop, FavouriteShop.shop_id == Shop.id)
        .join(User, User.id == Shop.owner_id)
        .where(
            FavouriteShop.user_id == user.id,
            Shop.closed_at.is_(None),  # type: ignore[union-attr]
            Shop.hidden_at.is_(None),  # type: ignore[union-attr]
            User.suspended_at.is_(None),  # type: ignore[union-attr]
        )
        .order_by(FavouriteShop.created_at.desc())  # type: ignore[attr-defined]
        .limit(limit)
    ).all()
    return [to_public(shop, owner, [], locale) for shop, owner in rows]
