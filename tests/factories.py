"""Helpers that make test data through the real services."""

from __future__ import annotations

import itertools

from sqlmodel import Session

from social_market.models import Listing, ShippingRate, Shop, User, utcnow
from social_market.services import passwords

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def make_user(
    session: Session,
    *,
    handle: str | None = None,
    email: str | None = None,
    password: str = PASSWORD,
    verified: bool = True,
    **fields,
) -> User:
    n = next(_counter)
    handle = handle or f"person{n}"
    user = User(
        email=(email or f"{handle}@example.com").lower(),
        handle=handle,
        handle_key=handle.lower(),
        display_name=fields.pop("display_name", f"Person {n}"),
        password_hash=passwords.hash_password(password),
        email_verified_at=utcnow() if verified else None,
        **fields,
    )
    session.add(user)
    session.flush()
    return user


def make_shop(session: Session, *, owner: User | None = None, **fields) -> Shop:
    """A shop (with domestic/EU/world shipping rates) for ``owner`` (a new user if None)."""
    owner = owner or make_user(session)
    n = next(_counter)
    slug = fields.pop("slug", f"shop-{n}")
    shop = Shop(
        owner_id=owner.id,
        slug=slug,
        name=fields.pop("name", f"Shop {n}"),
        country=fields.pop("country", "DE"),
        payment_details=fields.pop("payment_details", "IBAN DE02 1203 0000 0000 2020 51"),
        **fields,
    )
    session.add(shop)
    session.flush()
    for zone, first, extra in (("domestic", 490, 100), ("eu", 990, 200), ("world", 1990, 500)):
        session.add(
            ShippingRate(
                shop_id=shop.id, zone=zone, first_item_cents=first, additional_item_cents=extra
            )
        )
    session.flush()
    return shop


def make_listing(session: Session, *, shop: Shop | None = None, **fields) -> Listing:
    """An active listing (state, stock and price can be overridden)."""
    shop = shop or make_shop(session)
    n = next(_counter)
    title = fields.pop("title", f"Handmade thing {n}")
    listing = Listing(
        shop_id=shop.id,
        title=title,
        slug=fields.pop("slug", f"handmade-thing-{n}"),
        price_cents=fields.pop("price_cents", 2500),
        quantity=fields.pop("quantity", 5),
        category_id=fields.pop("category_id", 101),
        state=fields.pop("state", "active"),
        shop_name=shop.name,
        shop_country=shop.country,
        published_at=utcnow(),
        **fields,
    )
    session.add(listing)
    session.flush()
    return listing


def png(size: tuple[int, int] = (640, 480), color: tuple[int, int, int] = (90, 140, 200)) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def open_shop_for(session: Session, user: User, **form) -> Shop:
    """Open a shop through the real service (bank transfer, domestic shipping 4.90)."""
    from social_market.services import shops

    defaults = {
        "name": f"Shop of {user.handle}",
        "slug": f"shop-{user.id}",
        "country": "DE",
        "payment_details": f"{user.display_name}, IBAN DE89 3704 0044 0532 0130 00",
        "accepts_bank_transfer": True,
        "domestic_first": "4.90",
    }
    return shops.open_shop(session=session, owner_id=user.id, form={**defaults, **form})


def publish_listing(session: Session, user: User, *, photos: int = 1, **form) -> Listing:
    """Create, photograph and publish a listing in ``user``'s shop through the services."""
    from social_market.services import listings

    defaults = {"title": "Stoneware mug", "price": "20", "quantity": "5", "category_id": "301"}
    item = listings.create_listing(session=session, owner_id=user.id, form={**defaults, **form})
    for _ in range(photos):
        listings.add_photo(session=session, owner_id=user.id, listing_id=item.id, data=png())
    listings.publish(session=session, owner_id=user.id, listing_id=item.id)
    return item


def buy(session: Session, buyer: User, listing: Listing):
    """Buy one of ``listing`` through cart and checkout; returns the order line."""
    from sqlmodel import select

    from social_market.models import Order, OrderLine
    from social_market.services import cart, checkout

    cart.add_to_cart(session=session, user_id=buyer.id, listing_id=listing.id)
    address = {
        "name": "B",
        "line1": "Weg 1",
        "postcode": "10115",
        "city": "Berlin",
        "country": "DE",
    }
    result = checkout.place_order(
        session=session, buyer_id=buyer.id, address=address, payment_method="bank_transfer"
    )
    return session.exec(
        select(OrderLine)
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.reference == result.orders[0].reference)
    ).one()


def follow_shop(session: Session, user: User, shop: Shop) -> None:
    from social_market.services import favourites

    favourites.set_shop_favourite(session=session, user_id=user.id, shop_id=shop.id, on=True)


def review_bought(session: Session, buyer: User, listing: Listing, rating: int, body: str):
    """``buyer`` buys ``listing``, the shop ships it, it arrives, and ``buyer`` reviews it."""
    from social_market.models import Order
    from social_market.services import orders, reviews

    line = buy(session, buyer, listing)
    order = session.get(Order, line.order_id)
    owner = session.get(Shop, order.shop_id).owner_id
    orders.confirm_payment(session=session, owner_id=owner, reference=order.reference)
    orders.mark_shipped(session=session, owner_id=owner, reference=order.reference)
    orders.mark_delivered(session=session, actor_id=buyer.id, reference=order.reference)
    return reviews.write_review(
        session=session, actor_id=buyer.id, line_id=line.id, rating=rating, body=body
    )
