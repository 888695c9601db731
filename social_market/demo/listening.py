"""Demo data for the makers' listening inboxes: buyers ask about listings in their
comments (some answered by the maker), and mention makers. Everything goes through the
real services, so the inbox rows come from the same hooks as in use; the demo's
messages, post comments and reviews (demo/social.py, demo/trust.py) add theirs too."""

from __future__ import annotations

import random

from sqlalchemy import func
from sqlmodel import Session, select

from social_market.models import ListeningItem, Listing, Shop, User
from social_market.models.market import ACTIVE
from social_market.services import comments, listening
from social_market.services.errors import DomainError

QUESTIONS = (
    "Does this come in a larger size?",
    "Is it food safe?",
    "Could you make one in dark green?",
    "How long does shipping to Austria take?",
    "Is the colour as in the photo?",
    "Would you do a set of four?",
)
ANSWERS = (
    "Yes! Send me a message and we'll sort it out.",
    "It is, fully glazed inside.",
    "Happy to, it takes about two weeks.",
)
MENTIONS = (
    "@{handle} makes lovely things like this too.",
    "Reminds me of @{handle}'s work!",
)


def generate_listening(
    session: Session, *, buyer_ids: list[int], shop_ids: list[int], seed: int = 42
) -> int:
    """Questions in listing comments for every shop (the first shop, anna's, always gets
    some); about half are answered by the maker; a few mention other makers. Also marks
    some older items replied by hand. Returns the number of inbox rows in the end."""
    rng = random.Random(seed + 9000)
    if not buyer_ids or not shop_ids:
        return 0
    shops = session.exec(
        select(Shop.id, Shop.owner_id, User.handle)
        .join(User, User.id == Shop.owner_id)  # type: ignore[arg-type]
        .where(Shop.id.in_(shop_ids))  # type: ignore[union-attr]
        .order_by(Shop.id)
    ).all()
    for n, (shop_id, owner_id, _handle) in enumerate(shops):
        listing_ids = session.exec(
            select(Listing.id)
            .where(Listing.shop_id == shop_id, Listing.state == ACTIVE)
            .order_by(Listing.id)
            .limit(3)
        ).all()
        for listing_id in listing_ids:
            for author in rng.sample(buyer_ids, min(len(buyer_ids), rng.randint(1 if n else 2, 3))):
                body = rng.choice(QUESTIONS)
                if rng.random() < 0.2 and len(shops) > 1:
                    other = rng.choice([s for s in shops if s[0] != shop_id])
                    body += " " + rng.choice(MENTIONS).format(handle=other[2])
                try:
                    question = comments.add_comment(
                        session=session,
                        actor_id=author,
                        subject_kind="listing",
                        subject_id=listing_id,
                        body=body,
                    )
                    if rng.random() < 0.5:
                        comments.add_comment(
                            session=session,
                            actor_id=owner_id,
                            subject_kind="listing",
                            subject_id=listing_id,
                            body=rng.choice(ANSWERS),
                            parent_id=question.id,
                        )
                except DomainError:
                    continue  # blocked or rate limited: fine for a demo
    # Some makers answered elsewhere (in person, by email): replied by hand.
    for item_id, shop_id in session.exec(
        select(ListeningItem.id, ListeningItem.shop_id).where(
            ListeningItem.shop_id.in_(shop_ids),  # type: ignore[attr-defined]
            ListeningItem.answered == False,  # noqa: E712 - SQL
        )
    ).all():
        if rng.random() < 0.2:
            owner = next(s[1] for s in shops if s[0] == shop_id)
            listening.set_answered(session=session, actor_id=owner, item_id=item_id, answered=True)
    session.flush()
    return session.exec(
        select(func.count()).select_from(ListeningItem).where(ListeningItem.shop_id.in_(shop_ids))  # type: ignore[attr-defined]
    ).one()
