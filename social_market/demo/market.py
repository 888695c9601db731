"""Demo marketplace: a shop per maker, listings with generated photos, favourites.

Everything goes through the real services (validation, image re-encoding, state
rules), so the demo shows what the app itself produces.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field

from PIL import Image, ImageDraw
from sqlmodel import Session, select

from social_market.demo.generator import PALETTE
from social_market.models import Order, Shop, User
from social_market.services import cart, checkout, favourites, listings, orders, shops
from social_market.services.errors import DomainError
from social_market.services.money import format_plain

# craft → (category id, [(title, materials, tags, price range in cents)])
CATALOGUE: dict[str, tuple[int, list[tuple[str, str, str, tuple[int, int]]]]] = {
    "ceramics": (
        301,
        [
            ("Speckled stoneware mug", "stoneware, glaze", "mug, coffee, kitchen", (2400, 3800)),
            ("Hand-thrown serving bowl", "stoneware", "bowl, kitchen, table", (3800, 7200)),
            ("Small bud vase in sea green", "porcelain", "vase, flowers", (1900, 3200)),
            ("Set of two espresso cups", "stoneware", "espresso, cups, gift", (3000, 4600)),
        ],
    ),
    "linen": (
        302,
        [
            ("Stonewashed linen tea towel", "linen", "kitchen, towel", (1400, 2200)),
            ("Linen cushion cover, rust", "linen", "cushion, living room", (3200, 4800)),
            ("Natural linen table runner", "linen", "table, dining", (3600, 5400)),
        ],
    ),
    "knitwear": (
        204,
        [
            ("Chunky merino scarf", "merino wool", "scarf, winter, warm", (4500, 8900)),
            ("Cabled beanie", "wool", "hat, winter", (2800, 4200)),
            ("Fingerless mittens", "alpaca, wool", "gloves, winter", (2400, 3600)),
        ],
    ),
    "woodwork": (
        304,
        [
            ("Oak serving board", "oak, oil", "kitchen, board, cheese", (3900, 6900)),
            ("Walnut spoon set", "walnut", "spoon, kitchen", (2900, 4500)),
            ("Small cherry wood shelf", "cherry wood", "shelf, home", (7900, 12900)),
        ],
    ),
    "silver jewellery": (
        103,
        [
            ("Hammered silver ring", "sterling silver", "ring, minimalist", (4500, 9500)),
            ("Moon phase necklace", "sterling silver", "necklace, moon", (5500, 11000)),
            ("Tiny hoop earrings", "sterling silver", "earrings, hoops", (3500, 6000)),
        ],
    ),
    "leather bags": (
        701,
        [
            ("Waxed canvas tote", "canvas, leather", "tote, bag, everyday", (6900, 11900)),
            ("Leather card wallet", "vegetable-tanned leather", "wallet, cards", (3500, 5500)),
        ],
    ),
    "letterpress": (
        601,
        [
            (
                "Letterpress thank-you cards, set of 6",
                "cotton paper",
                "cards, thank you",
                (1400, 2200),
            ),
            (
                "Hand-bound dot notebook",
                "recycled paper, linen thread",
                "notebook, journal",
                (1800, 2900),
            ),
        ],
    ),
    "watercolour": (
        401,
        [
            ("Alpine meadow print A4", "archival paper", "print, flowers, wall art", (2200, 3900)),
            (
                "Original watercolour: harbour at dusk",
                "watercolour paper",
                "painting, original",
                (9500, 24000),
            ),
        ],
    ),
    "toys": (
        502,
        [
            (
                "Wooden stacking rainbow",
                "beech, water-based paint",
                "toy, baby, rainbow",
                (3200, 4900),
            ),
            ("Knitted bunny", "cotton yarn", "soft toy, baby, bunny", (2600, 3900)),
        ],
    ),
    "candles": (
        303,
        [
            ("Beeswax pillar candle", "beeswax, cotton wick", "candle, beeswax", (1600, 2800)),
            ("Soy candle in a ceramic pot", "soy wax, stoneware", "candle, gift", (2400, 3600)),
        ],
    ),
}
CRAFT_OF_MAKER = list(CATALOGUE)
COLOURS = ["sage", "ochre", "indigo", "rust", "sand", "plum"]


@dataclass
class MarketSummary:
    shop_ids: list[int] = field(default_factory=list)
    listing_ids: list[int] = field(default_factory=list)


def product_png(rng: random.Random, size: int = 600) -> bytes:
    """A generated 'product photo': a soft background with a simple object shape."""
    bg = tuple(min(255, c + 150) // 1 for c in rng.choice(PALETTE))
    fg = rng.choice(PALETTE)
    img = Image.new("RGB", (size, size), bg)  # type: ignore[arg-type]
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, int(size * 0.72), size, size), fill=tuple(max(0, c - 25) for c in bg))
    kind = rng.randint(0, 2)
    cx, cy = size // 2, int(size * 0.5)
    w = rng.randint(size // 5, size // 3)
    if kind == 0:  # mug / pot
        draw.rounded_rectangle((cx - w, cy - w, cx + w, cy + w + 40), radius=30, fill=fg)
        draw.ellipse((cx + w - 20, cy - 20, cx + w + 60, cy + 60), outline=fg, width=18)
    elif kind == 1:  # round thing
        draw.ellipse((cx - w, cy - w, cx + w, cy + w), fill=fg)
        draw.ellipse((cx - w // 2, cy - w // 2, cx, cy), fill=tuple(min(255, c + 60) for c in fg))
    else:  # folded textile
        for i in range(4):
            shade = tuple(min(255, c + i * 25) for c in fg)
            draw.rectangle((cx - w, cy - w + i * 30, cx + w, cy - w + i * 30 + 28), fill=shade)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def generate_market(
    session: Session,
    *,
    maker_ids: list[int],
    buyer_ids: list[int],
    seed: int = 42,
    listings_per_shop: int = 4,
    photos_per_listing: int = 2,
) -> MarketSummary:
    """Open a shop for each maker with listings and photos; buyers heart some of them."""
    rng = random.Random(seed + 1000)
    summary = MarketSummary()
    for i, maker_id in enumerate(maker_ids):
        maker = session.get(User, maker_id)
        assert maker is not None
        craft = CRAFT_OF_MAKER[i % len(CRAFT_OF_MAKER)]
        category, items = CATALOGUE[craft]
        country = "DE" if rng.random() < 0.6 else rng.choice(["AT", "CH", "GB", "NL", "FR"])
        shop = shops.open_shop(
            session=session,
            owner_id=maker_id,
            form={
                "name": f"{maker.display_name.split()[0]}'s {craft.title()}",
                "slug": f"{maker.handle}-studio",
                "about": maker.bio or f"Handmade {craft}.",
                "city": maker.location,
                "country": country,
                "payment_details": f"{maker.display_name}\nIBAN DE89 3704 0044 0532 0130 00",
                "accepts_bank_transfer": True,
                "accepts_pickup": rng.random() < 0.3,
                "domestic_first": "4.90",
                "domestic_additional": "1.50",
                "eu_first": "9.90",
                "eu_additional": "2.50",
                "world_first": "19.90" if rng.random() < 0.5 else "",
                "world_additional": "5.00" if rng.random() < 0.5 else "",
                "shipping_policy": "Ships within 3 working days, well padded.",
                "returns_policy": "Returns accepted within 14 days, unused.",
            },
        )
        shops.set_logo(session=session, owner_id=maker_id, data=product_png(rng, 400))
        summary.shop_ids.append(shop.id)  # type: ignore[arg-type]
        for n in range(listings_per_shop):
            title, materials, tags, (low, high) = items[n % len(items)]
            made_to_order = rng.random() < 0.2
            listing = listings.create_listing(
                session=session,
                owner_id=maker_id,
                form={
                    "title": title if n < len(items) else f"{title} in {COLOURS[n % len(COLOURS)]}",
                    "description": (
                        f"{title}, made by hand in my studio. Every piece is a little "
                        f"different.\n\nMaterials: {materials}."
                    ),
                    "price": format_plain(rng.randrange(low, high, 50)),
                    "quantity": "" if made_to_order else str(rng.randint(1, 8)),
                    "made_to_order": made_to_order,
                    "lead_time_days": str(rng.randint(5, 21)) if made_to_order else "",
                    "materials": materials,
                    "tags": tags,
                    "category_id": category,
                    "language": "de"
                    if country in ("DE", "AT", "CH") and rng.random() < 0.3
                    else "en",
                },
            )
            for _ in range(photos_per_listing):
                listings.add_photo(
                    session=session,
                    owner_id=maker_id,
                    listing_id=listing.id,
                    data=product_png(rng),
                )
            listings.publish(session=session, owner_id=maker_id, listing_id=listing.id)
            summary.listing_ids.append(listing.id)  # type: ignore[arg-type]
    for buyer_id in buyer_ids:
        for listing_id in rng.sample(summary.listing_ids, min(len(summary.listing_ids), 5)):
            favourites.set_listing_favourite(
                session=session, user_id=buyer_id, listing_id=listing_id, on=True
            )
    _orders(session, rng, summary, maker_ids, buyer_ids)
    return summary


def _orders(
    session: Session,
    rng: random.Random,
    summary: MarketSummary,
    maker_ids: list[int],
    buyer_ids: list[int],
) -> None:
    """Some buyers order (the first buyer always orders from the first maker's shop) and
    makers move those orders along, so both sides of an order can be seen in the demo."""
    steps = [
        [],
        [orders.confirm_payment],
        [orders.confirm_payment, orders.mark_shipped],
        [orders.confirm_payment, orders.mark_shipped],
    ]
    first_shop_listings = summary.listing_ids[:2]
    for n, buyer_id in enumerate(buyer_ids[: max(1, len(buyer_ids) // 3)]):
        picks = first_shop_listings if n == 0 else rng.sample(summary.listing_ids, 2)
        for listing_id in picks:
            try:
                cart.add_to_cart(session=session, user_id=buyer_id, listing_id=listing_id)
            except DomainError:
                continue  # sold out meanwhile
        buyer = session.get(User, buyer_id)
        assert buyer is not None
        try:
            result = checkout.place_order(
                session=session,
                buyer_id=buyer_id,
                address={
                    "name": buyer.display_name,
                    "line1": f"{rng.randint(1, 120)} Demo Street",
                    "postcode": f"{rng.randint(10000, 99999)}",
                    "city": buyer.location or "Berlin",
                    "country": "DE",
                },
                payment_method="bank_transfer",
            )
        except DomainError:
            cart.clear_cart(session=session, user_id=buyer_id)
            continue
        for placed in result.orders:
            order = session.exec(select(Order).where(Order.reference == placed.reference)).one()
            shop = session.get(Shop, order.shop_id)
            assert shop is not None
            for step in steps[(n + order.id) % len(steps)]:  # type: ignore[operator]
                step(session=session, owner_id=shop.owner_id, reference=order.reference)
