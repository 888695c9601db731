"""Demo wishes, made through the real services: a few wishes per shop with votes and
pledges; on the first shops one wish is accepted (a draft listing waits), one is made
(published, so its pledgers have reserved purchases) and one is declined."""

from __future__ import annotations

import contextlib
import io
import random

from PIL import Image
from sqlmodel import Session, select

from social_market.models import Shop
from social_market.services import listings, wishes
from social_market.services.errors import DomainError

IDEAS = [
    ("A teapot in the blue glaze", "Like your mugs, for four cups, with a strainer inside."),
    ("Matching saucers", "The cups are lovely, saucers would complete them."),
    ("A bigger size", "The same piece, about twice as large, for a family table."),
    ("A set for two", "Two pieces that belong together, as a wedding present."),
    ("Something for children", "Small and sturdy, with a playful pattern."),
    ("A travel version", "Light enough to take along, with a pouch."),
    ("The autumn colours again", "Last year's rust and ochre range, please!"),
]
ANSWERS = [
    "I love this idea, let me try a few glazes first.",
    "Possible in spring, when the kiln is free again.",
]
DECLINE = "Thank you! This is outside what I can make well, so I'll leave it."


def _photo(rng: random.Random) -> bytes:
    out = io.BytesIO()
    colour = (rng.randint(60, 200), rng.randint(60, 200), rng.randint(60, 200))
    Image.new("RGB", (640, 480), colour).save(out, format="PNG")
    return out.getvalue()


def generate_wishes(
    session: Session,
    *,
    user_ids: list[int],
    shop_ids: list[int],
    seed: int = 42,
    per_shop: int = 3,
    showcase_shops: int = 2,
) -> int:
    """Wishes for each shop (the caller commits). Returns how many were made."""
    rng = random.Random(seed + 9)
    owners = dict(
        session.exec(select(Shop.id, Shop.owner_id).where(Shop.id.in_(shop_ids))).all()  # type: ignore[attr-defined]
    )
    made = 0
    for index, shop_id in enumerate(shop_ids):
        shop = session.get(Shop, shop_id)
        if shop is None:
            continue
        people = [u for u in user_ids if u != owners.get(shop_id)]
        if len(people) < 3:
            continue
        count = per_shop + (3 if index < showcase_shops else 0)
        shop_wishes = []
        for title, text in rng.sample(IDEAS, min(count, len(IDEAS))):
            try:
                wish = wishes.propose(
                    session=session,
                    actor_id=rng.choice(people),
                    shop_slug=shop.slug,
                    title=title,
                    description=text,
                    price=rng.choice(["", "25", "38", "60"]),
                )
            except DomainError:
                continue
            made += 1
            shop_wishes.append(wish)
            for voter in rng.sample(people, rng.randint(0, min(8, len(people)))):
                with contextlib.suppress(DomainError):
                    wishes.vote(session=session, actor_id=voter, wish_id=wish.id)
            for backer in rng.sample(people, rng.randint(0, min(3, len(people)))):
                with contextlib.suppress(DomainError):
                    wishes.pledge(
                        session=session,
                        actor_id=backer,
                        wish_id=wish.id,
                        quantity=rng.randint(1, 2),
                        price=str(rng.choice([20, 30, 45])),
                    )
        if shop_wishes and rng.random() < 0.5:
            with contextlib.suppress(DomainError):
                wishes.answer(
                    session=session,
                    actor_id=shop.owner_id,
                    wish_id=shop_wishes[-1].id,
                    text=rng.choice(ANSWERS),
                )
        if index < showcase_shops and len(shop_wishes) >= 3:
            _showcase(session, rng, shop, shop_wishes)
    session.flush()
    return made


def _showcase(session: Session, rng: random.Random, shop: Shop, shop_wishes: list) -> None:
    """One made (published, reservations handed out), one accepted, one declined."""
    owner = shop.owner_id
    to_make, to_accept, to_decline = shop_wishes[0], shop_wishes[1], shop_wishes[2]
    try:
        _, listing = wishes.accept(
            session=session, actor_id=owner, wish_id=to_make.id, note="Yes! Coming soon."
        )
        form = listings.listing_form(session=session, owner_id=owner, listing_id=listing.id)
        quantity = max(int(form.quantity or "1"), 1) + 2
        listings.update_listing(
            session=session,
            owner_id=owner,
            listing_id=listing.id,
            form={**form.model_dump(), "quantity": str(quantity)},
        )
        listings.add_photo(session=session, owner_id=owner, listing_id=listing.id, data=_photo(rng))
        listings.publish(session=session, owner_id=owner, listing_id=listing.id)
    except DomainError:
        pass
    for wish, action in ((to_accept, "accept"), (to_decline, "decline")):
        try:
            if action == "accept":
                wishes.accept(session=session, actor_id=owner, wish_id=wish.id)
            else:
                wishes.decline(session=session, actor_id=owner, wish_id=wish.id, reason=DECLINE)
        except DomainError:
            pass
