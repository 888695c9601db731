"""Demo group orders, made through the real services: group price tiers on some
listings, one group order half way to its target and one that reached it (its members
can pay their share), so the "Buy together" box and the group order page have content
on first start."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, select

from social_market.models import Listing, Shop, utcnow
from social_market.models.market import ACTIVE
from social_market.services import group_orders
from social_market.services.errors import DomainError

NOTES = (
    "Our pottery club wants a set for the studio kitchen. Join in!",
    "Christmas presents for the whole family: let's get the group price.",
    "",
)


@dataclass
class GroupDemo:
    tiered_listings: int = 0
    open_ids: list[int] | None = None
    reached_ids: list[int] | None = None


def _tiers_for(rng: random.Random) -> list[list[int]]:
    first = rng.choice((3, 4, 5))
    return [[first, rng.choice((5, 10))], [first * 2, rng.choice((15, 20))]]


def generate_group_orders(
    session: Session, *, buyer_ids: list[int], listing_ids: list[int], seed: int = 42
) -> GroupDemo:
    """Tiers on about a third of the listings; one open group order about half full and
    one reached (if there are enough buyers and stock)."""
    rng = random.Random(seed + 9)
    out = GroupDemo(open_ids=[], reached_ids=[])
    rows = session.exec(
        select(Listing, Shop.owner_id)
        .join(Shop, Shop.id == Listing.shop_id)
        .where(Listing.id.in_(listing_ids), Listing.state == ACTIVE)  # type: ignore[attr-defined]
        .order_by(Listing.id)
    ).all()
    candidates = []
    for listing, owner_id in rows:
        if rng.random() < 0.35 or len(candidates) < 2:
            try:
                group_orders.set_tiers(
                    session=session,
                    actor_id=owner_id,
                    listing_id=listing.id,
                    tiers=_tiers_for(rng),
                )
            except DomainError:
                continue
            out.tiered_listings += 1
            if listing.made_to_order or listing.quantity >= 8:
                candidates.append((listing, owner_id))
    if len(buyer_ids) < 4:
        return out
    for index, (listing, owner_id) in enumerate(candidates[:2]):
        reach = index == 1
        buyers = [b for b in buyer_ids if b != owner_id]
        if len(buyers) < 4:
            continue
        creator, *others = buyers[:4] if index == 0 else [buyers[1], buyers[0], *buyers[2:4]]
        target = 6 if reach else 8
        try:
            go = group_orders.start(
                session=session,
                actor_id=creator,
                listing_id=listing.id,
                target_quantity=target,
                deadline=utcnow() + timedelta(days=rng.choice((3, 5, 9)), hours=rng.randint(1, 20)),
                quantity=2,
                note=NOTES[index % len(NOTES)],
            )
            # Half way (4 of 8 pieces), or to the target (2 + 2 + 2 of 6).
            for person in others[: (2 if reach else 1)]:
                group_orders.join(
                    session=session, actor_id=person, group_order_id=go.id, quantity=2
                )
        except DomainError:
            continue
        session.refresh(go)
        (out.reached_ids if go.state == "reached" else out.open_ids).append(go.id)  # type: ignore[union-attr, arg-type]
    session.flush()
    return out
