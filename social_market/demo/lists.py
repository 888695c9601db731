"""Demo curated lists, made through the real services: a few people collect pieces in
public lists with a note per item, others follow those lists (so list activity shows
in feeds on first start), and one list stays private."""

from __future__ import annotations

import random

from sqlmodel import Session, select

from social_market.models import Listing, Shop, User
from social_market.models.market import ACTIVE
from social_market.services import lists
from social_market.services.errors import DomainError

PUBLIC_LISTS = [
    ("Morning coffee", "Mugs and cups that make the first coffee of the day better."),
    ("Gifts under 40 €", "Small handmade things that people actually keep."),
    ("Blue all over", "Cobalt, indigo and sea glass: my favourite blues."),
    ("For a cosy winter", "Wool, candles and everything warm."),
    ("Table setting ideas", ""),
]
PRIVATE_LIST = ("Birthday ideas for Mum", "Don't tell her!")
NOTES = [
    "The glaze on this one is even nicer in daylight.",
    "I have two of these and use them every day.",
    "A perfect present: well made and beautifully packed.",
    "Love how the maker explains the process.",
    "Goes with everything.",
    "",
    "Bought one for my sister, she loved it.",
    "",
]


def generate_lists(
    session: Session, *, user_ids: list[int], shop_ids: list[int], seed: int = 42
) -> int:
    """Make lists for up to four people (the second named account, ben, first) and
    let others follow them. Returns how many lists were made."""
    rng = random.Random(seed + 4000)
    listing_ids = list(
        session.exec(
            select(Listing.id)
            .join(Shop, Shop.id == Listing.shop_id)
            .where(Listing.shop_id.in_(shop_ids), Listing.state == ACTIVE)  # type: ignore[attr-defined]
            .order_by(Listing.id)
        )
    )
    if not listing_ids or len(user_ids) < 2:
        return 0
    owner_of = dict(session.exec(select(Shop.id, Shop.owner_id).where(Shop.id.in_(shop_ids))).all())  # type: ignore[attr-defined]
    makers = set(owner_of.values())
    curators = [user_ids[1], *[u for u in user_ids[2:] if u not in makers][:3]]
    made = 0
    public_ids: list[tuple[int, int]] = []
    for n, owner in enumerate(curators):
        titles = PUBLIC_LISTS[n :: len(curators)] or PUBLIC_LISTS[:1]
        for title, description in titles[:2]:
            try:
                lst = lists.create_list(
                    session=session,
                    actor_id=owner,
                    title=title,
                    description=description,
                    public=True,
                )
                picks = rng.sample(listing_ids, min(len(listing_ids), rng.randint(3, 6)))
                for listing_id in picks:
                    lists.add_item(
                        session=session,
                        actor_id=owner,
                        list_id=lst.id,
                        listing_id=listing_id,
                        note=rng.choice(NOTES),
                    )
            except DomainError:
                continue
            made += 1
            public_ids.append((lst.id, owner))  # type: ignore[arg-type]
    try:
        secret = lists.create_list(
            session=session,
            actor_id=curators[0],
            title=PRIVATE_LIST[0],
            description=PRIVATE_LIST[1],
            public=False,
        )
        for listing_id in rng.sample(listing_ids, min(len(listing_ids), 3)):
            lists.add_item(
                session=session, actor_id=curators[0], list_id=secret.id, listing_id=listing_id
            )
        made += 1
    except DomainError:
        pass
    # Followers: the first account (anna) follows ben's lists; others follow at random.
    followers = [u for u in user_ids if session.get(User, u) is not None]
    for list_id, owner in public_ids:
        chosen = {user_ids[0]} if owner == curators[0] else set()
        chosen |= set(rng.sample(followers, min(len(followers), rng.randint(1, 5))))
        for person in sorted(chosen - {owner}):
            try:
                lists.follow_list(session=session, actor_id=person, list_id=list_id)
            except DomainError:
                continue
    return made
