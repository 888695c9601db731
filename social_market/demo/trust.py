"""Demo reviews, made through the real services: buyers receive what they ordered and
review it, makers reply, others mark reviews helpful; Ben follows some of the people
who reviewed Anna's pieces, so her listings show "people you follow" on first start."""

from __future__ import annotations

import random

from sqlmodel import Session, select

from social_market.models import Listing, Order, OrderLine, Review, Shop, User
from social_market.models.market import ACTIVE, DELIVERED, SHIPPED
from social_market.models.social import EVERYONE
from social_market.services import cart, checkout, follows, orders, reviews
from social_market.services.errors import DomainError

TEXTS = {
    5: [
        "Even more beautiful in real life. Beautifully packed, too.",
        "Perfect. I use it every day and it makes me happy every time.",
        "Exactly as described, and the maker answered all my questions.",
    ],
    4: [
        "Lovely piece, a little smaller than I imagined.",
        "Very nice work. Shipping took a few days longer than expected.",
    ],
    3: ["Nice, but the colour is darker than in the photos."],
    2: ["It arrived with a small chip. The maker offered a replacement."],
}
REPLIES = [
    "Thank you so much for your kind words!",
    "I'm so glad it found a good home.",
    "Thank you! I've noted the size for the listing description.",
]
STARS = [5, 5, 5, 4, 4, 3, 2]


def _buy(session: Session, rng: random.Random, buyer: User, listing_ids: list[int]) -> list[str]:
    for listing_id in listing_ids:
        try:
            cart.add_to_cart(session=session, user_id=buyer.id, listing_id=listing_id)
        except DomainError:
            continue
    try:
        result = checkout.place_order(
            session=session,
            buyer_id=buyer.id,
            address={
                "name": buyer.display_name or buyer.handle,
                "line1": f"{rng.randint(1, 120)} Demo Street",
                "postcode": f"{rng.randint(10000, 99999)}",
                "city": buyer.location or "Berlin",
                "country": "DE",
            },
            payment_method="bank_transfer",
        )
    except DomainError:
        cart.clear_cart(session=session, user_id=buyer.id)
        return []
    return [o.reference for o in result.orders]


def _deliver(session: Session, references: list[str], shop_ids: list[int]) -> None:
    """These orders, and every shipped one of these shops, arrive (the rest keep their
    state, so the demo still has orders at every step)."""
    for order in session.exec(
        select(Order).where(
            Order.reference.in_(references)  # type: ignore[attr-defined]
            | ((Order.status == SHIPPED) & Order.shop_id.in_(shop_ids))  # type: ignore[attr-defined]
        )
    ).all():
        owner = session.exec(select(Shop.owner_id).where(Shop.id == order.shop_id)).one()
        try:
            if order.status == "placed":
                orders.confirm_payment(session=session, owner_id=owner, reference=order.reference)
            if order.status == "paid":
                orders.mark_shipped(session=session, owner_id=owner, reference=order.reference)
            if order.status == SHIPPED:
                orders.mark_delivered(
                    session=session, actor_id=order.buyer_id, reference=order.reference
                )
        except DomainError:
            continue


def generate_reviews(
    session: Session, *, buyer_ids: list[int], shop_ids: list[int], seed: int
) -> int:
    """Purchases, deliveries, reviews, replies and helpful marks in these shops (the
    first is Anna's); returns the reviews written."""
    rng = random.Random(seed + 8)
    active = list(
        session.exec(
            select(Listing.id).where(
                Listing.state == ACTIVE,
                Listing.shop_id.in_(shop_ids),  # type: ignore[attr-defined]
            )
        ).all()
    )
    if not active or not buyer_ids:
        return 0
    first_shop = session.get(Shop, shop_ids[0]) if shop_ids else None
    favourites = (
        [
            lid
            for lid in session.exec(
                select(Listing.id).where(Listing.shop_id == first_shop.id, Listing.state == ACTIVE)
            )
        ][:2]
        if first_shop
        else []
    )
    buyers = [session.get(User, uid) for uid in buyer_ids]
    placed: list[str] = []
    for n, buyer in enumerate(b for b in buyers if b is not None):
        picks = rng.sample(active, min(2, len(active)))
        if favourites and n % 2 == 0:
            picks[0] = favourites[(n // 2) % len(favourites)]  # Anna's pieces gather reviews
        placed += _buy(session, rng, buyer, list(dict.fromkeys(picks)))
    _deliver(session, placed, shop_ids)
    written = []
    for line, order in session.exec(
        select(OrderLine, Order)
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.status == DELIVERED)
        .order_by(OrderLine.id)
    ).all():
        if rng.random() < 0.2 and line.listing_id not in favourites:
            continue  # not everyone reviews
        stars = rng.choice(STARS)
        try:
            review = reviews.write_review(
                session=session,
                actor_id=order.buyer_id,
                line_id=line.id,
                rating=stars,
                body=rng.choice(TEXTS.get(stars, TEXTS[4])),
            )
        except DomainError:
            continue
        written.append(review)
    for review in written:
        owner = session.exec(select(Shop.owner_id).where(Shop.id == review.shop_id)).one()
        if rng.random() < 0.4:
            reviews.reply(
                session=session, actor_id=owner, review_id=review.id, body=rng.choice(REPLIES)
            )
        for helper in rng.sample(buyer_ids, min(len(buyer_ids), rng.randint(0, 3))):
            if helper != review.author_id:
                try:
                    reviews.set_helpful(
                        session=session, actor_id=helper, review_id=review.id, on=True
                    )
                except DomainError:
                    continue
    # About half the community shows its favourites to everyone, so "people with your
    # taste" has people to suggest (only those are ever suggested).
    for uid in buyer_ids[::2]:
        person = session.get(User, uid)
        if person is not None:
            person.privacy_favourites = EVERYONE
            session.add(person)
    ben = session.exec(
        select(User).where(User.handle == "ben", User.id.in_(buyer_ids))  # type: ignore[union-attr]
    ).first()
    top = (
        session.exec(
            select(Listing.id)
            .where(Listing.shop_id == first_shop.id)
            .order_by(
                Listing.rating_count.desc()  # type: ignore[attr-defined]
            )
        ).first()
        if first_shop
        else None
    )
    if ben is not None and top is not None:
        reviewers = session.exec(
            select(Review.author_id)
            .where(Review.listing_id == top, Review.author_id != ben.id)
            .limit(3)
        ).all()
        for uid in reviewers:
            person = session.get(User, uid)
            if person is not None and person.id != ben.id:
                try:
                    follows.follow(session=session, actor_id=ben.id, handle=person.handle)
                except DomainError:
                    continue
    return len(written)
