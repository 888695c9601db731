"""Demo flash offers, made through the real service: a followers-only offer in the
first shop (Anna's) and offers for everyone in a couple of others, all live now."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlmodel import Session, select

from social_market.models import Listing, Shop, utcnow
from social_market.models.market import ACTIVE
from social_market.services import offers
from social_market.services.errors import DomainError
from social_market.services.money import format_plain

NOTES = [
    "A little thank-you for following my workshop: a few pieces at a lower price.",
    "Clearing the shelf for new work. Only while the timer runs!",
    "Weekend offer from the studio.",
]


def generate_offers(session: Session, *, shop_ids: list[int], seed: int, count: int = 3) -> int:
    """Publish up to ``count`` live offers (the first followers-only). Returns how many."""
    rng = random.Random(seed + 11)
    made = 0
    now = utcnow()
    for index, shop_id in enumerate(shop_ids):
        if made >= count:
            break
        shop = session.get(Shop, shop_id)
        if shop is None:
            continue
        listing = session.exec(
            select(Listing)
            .where(
                Listing.shop_id == shop_id,
                Listing.state == ACTIVE,
                Listing.made_to_order.is_(False),  # type: ignore[attr-defined]
                Listing.quantity >= 2,
                Listing.price_cents >= 500,
            )
            .order_by(Listing.id)
        ).first()
        if listing is None:
            continue
        quantity = min(listing.quantity - 1, rng.randint(2, 5))
        try:
            offers.publish(
                session=session,
                actor_id=shop.owner_id,
                listing_id=listing.id,
                form={
                    "price": format_plain(listing.price_cents * rng.choice((70, 75, 80)) // 100),
                    "quantity": quantity,
                    "per_buyer": 2 if quantity > 2 else None,
                    "audience": "followers" if index == 0 else "everyone",
                    "starts_at": now,
                    "ends_at": now + timedelta(hours=rng.choice((6, 30, 72))),
                    "note": NOTES[made % len(NOTES)],
                },
            )
        except DomainError:
            continue
        made += 1
    session.flush()
    return made
