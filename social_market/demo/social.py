"""Demo social life, made through the real services: people follow people and shops,
makers post news, questions and offers, buyers share what they bought, everyone
comments and likes, and the notifications that all of this causes."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, select

from social_market.models import Order, OrderLine, Shop, User, utcnow
from social_market.services import (
    comments,
    favourites,
    follows,
    likes,
    messaging,
    posts,
    shares,
)
from social_market.services.errors import DomainError

NEWS = [
    "Kiln day! A new batch is cooling down, photos tomorrow.",
    "Back from the craft fair in Leipzig: thank you for all the lovely conversations.",
    "Trying a new glaze this week. Speckled oat or deep blue, what do you think?",
    "The studio is closed next week while I restock materials.",
    "Every piece in the shop is made by hand, so no two are quite the same.",
]
QUESTIONS = [
    "Which colour should I make next: sage, rust or ink blue?",
    "Would you like a smaller size of my bestseller?",
    "Gift wrapping: paper, fabric or none at all?",
]
OFFERS = [
    "Seconds sale: small flaws, full charm.",
    "Winter offer for my followers.",
    "Free shipping weekend on everything in the shop.",
]
SHARE_TEXTS = [
    "Arrived beautifully packed. Even nicer in real life!",
    "Use it every single morning.",
    "Bought it as a gift and ended up keeping it.",
    "",
]
COMMENTS = [
    "Gorgeous!",
    "How big is it?",
    "I have one of these and love it.",
    "Is this available in other colours?",
    "Ordered one for my sister.",
    "Beautiful work, as always.",
]
REPLIES = ["Thank you so much!", "About 12 cm across.", "Yes, write me a message."]
QUESTIONS_ABOUT = [
    ("Hello! Is this still available in blue?", "Yes, I have two left in blue."),
    ("Could you make a larger one?", "I can, it would take about two weeks."),
    ("Do you ship to Austria?", "Yes, shipping to Austria takes 3–5 days."),
]


@dataclass
class SocialSummary:
    follows: int = 0
    posts: int = 0
    shares: int = 0
    comments: int = 0
    conversations: int = 0


def generate_social(
    session: Session,
    *,
    user_ids: list[int],
    maker_ids: list[int],
    shop_ids: list[int],
    seed: int = 42,
) -> SocialSummary:
    """Add follows, posts, shared purchases, comments and likes (deterministic per seed).
    The first two people (anna, a maker; ben, a buyer) always follow each other, and ben
    follows anna's shop, so both see a lively feed when they sign in."""
    rng = random.Random(seed + 2000)
    summary = SocialSummary()
    handles = dict(session.exec(select(User.id, User.handle).where(User.id.in_(user_ids))).all())  # type: ignore[union-attr]
    owner_of = dict(session.exec(select(Shop.owner_id, Shop.id).where(Shop.id.in_(shop_ids))).all())  # type: ignore[union-attr]

    def follow(a: int, b: int) -> None:
        if a == b:
            return
        try:
            follows.follow(session=session, actor_id=a, handle=handles[b])
            summary.follows += 1
        except DomainError:
            pass

    def follow_shop(a: int, shop_id: int) -> None:
        favourites.set_shop_favourite(session=session, user_id=a, shop_id=shop_id, on=True)

    anna, ben = user_ids[0], user_ids[1]
    follow(anna, ben)
    follow(ben, anna)
    if anna in owner_of:
        follow_shop(ben, owner_of[anna])
    for uid in user_ids:
        for other in rng.sample(user_ids, min(len(user_ids), rng.randint(3, 10))):
            follow(uid, other)
        for shop_id in rng.sample(shop_ids, min(len(shop_ids), rng.randint(1, 5))):
            if owner_of.get(uid) != shop_id:
                follow_shop(uid, shop_id)

    post_ids = _posts(session, rng, maker_ids, handles, summary)
    share_ids = _shares(session, rng, summary)
    talkers = [u for u in user_ids if u not in set(maker_ids)] or user_ids
    for kind, subject_id in [("post", p) for p in post_ids] + [("share", s) for s in share_ids]:
        for author in rng.sample(talkers, min(len(talkers), rng.randint(0, 3))):
            try:
                comment = comments.add_comment(
                    session=session,
                    actor_id=author,
                    subject_kind=kind,
                    subject_id=subject_id,
                    body=rng.choice(COMMENTS),
                )
                summary.comments += 1
                about = comments.subject(session, author, kind, subject_id)
                if kind == "post" and rng.random() < 0.6:
                    comments.add_comment(
                        session=session,
                        actor_id=about.owner_id,
                        subject_kind=kind,
                        subject_id=subject_id,
                        body=rng.choice(REPLIES),
                        parent_id=comment.id,
                    )
                    summary.comments += 1
            except DomainError:
                continue  # not visible to this person: fine
        for fan in rng.sample(user_ids, min(len(user_ids), rng.randint(0, 6))):
            try:
                likes.set_like(
                    session=session, actor_id=fan, subject_kind=kind, subject_id=subject_id, on=True
                )
            except DomainError:
                continue
    _conversations(session, rng, user_ids, maker_ids, summary)
    return summary


def _conversations(
    session: Session,
    rng: random.Random,
    user_ids: list[int],
    maker_ids: list[int],
    summary: SocialSummary,
) -> None:
    """Buyers ask makers about listings (the maker answers some), and ben talks to anna,
    so the inbox and the unread badge have something on first start."""
    from social_market.models import Listing

    buyers = [u for u in user_ids if u not in set(maker_ids)]
    pairs = [(user_ids[1], user_ids[0])] + [
        (rng.choice(buyers), rng.choice(maker_ids)) for _ in range(min(12, len(buyers)))
    ]
    for n, (buyer_id, maker_id) in enumerate(pairs):
        shop_id = session.exec(select(Shop.id).where(Shop.owner_id == maker_id)).first()
        listing_id = (
            session.exec(select(Listing.id).where(Listing.shop_id == shop_id)).first()
            if shop_id
            else None
        )
        if buyer_id == maker_id or listing_id is None:
            continue
        question, answer = QUESTIONS_ABOUT[n % len(QUESTIONS_ABOUT)]
        try:
            convo = messaging.start_direct(
                session=session, actor_id=buyer_id, subject_kind="listing", subject_id=listing_id
            )
            messaging.send_message(
                session=session, actor_id=buyer_id, conversation_id=convo.id, body=question
            )
            if n % 2 == 0:
                messaging.send_message(
                    session=session, actor_id=maker_id, conversation_id=convo.id, body=answer
                )
        except DomainError:
            continue
        summary.conversations += 1


def _posts(
    session: Session,
    rng: random.Random,
    maker_ids: list[int],
    handles: dict[int, str],
    summary: SocialSummary,
) -> list[int]:
    ids = []
    others = list(handles)
    for maker_id in maker_ids:
        for n in range(rng.randint(1, 3)):
            kind = rng.choice(["news", "news", "question", "offer"]) if n else "news"
            body = rng.choice({"news": NEWS, "question": QUESTIONS, "offer": OFFERS}[kind])
            if rng.random() < 0.2:
                body += f" Thanks @{handles[rng.choice(others)]}!"
            form: dict = {"kind": kind, "body": body}
            if kind == "offer":
                form |= {
                    "offer_percent": str(rng.choice([10, 15, 20, 25])),
                    "offer_until": (utcnow() + timedelta(days=rng.randint(3, 30)))
                    .date()
                    .isoformat(),
                    "followers_only": rng.random() < 0.5,
                }
            try:
                post = posts.create_post(session=session, actor_id=maker_id, form=form)
            except DomainError:
                continue
            ids.append(post.id)
            summary.posts += 1
    return ids


def _shares(session: Session, rng: random.Random, summary: SocialSummary) -> list[int]:
    """About half of the bought items are shared, most with followers, some publicly."""
    lines = session.exec(
        select(OrderLine.id, Order.buyer_id).join(Order, Order.id == OrderLine.order_id)  # type: ignore[arg-type]
    ).all()
    ids = []
    for line_id, buyer_id in lines:
        if rng.random() < 0.5:
            continue
        try:
            state = shares.share_purchase(
                session=session,
                actor_id=buyer_id,
                line_id=line_id,
                audience=rng.choice(["followers", "followers", "everyone"]),
                comment=rng.choice(SHARE_TEXTS),
            )
        except DomainError:
            continue
        if state.share_id:
            ids.append(state.share_id)
            summary.shares += 1
    return ids
