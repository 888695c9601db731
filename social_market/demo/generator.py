"""Deterministic demo data (Faker + Pillow, nothing downloaded).

``generate(session, users=N, seed=S)`` builds the same community for the same
arguments. Tests and benchmarks use it with ``with_avatars=False`` for speed.
"""

from __future__ import annotations

import io
import random
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta

from faker import Faker
from PIL import Image, ImageDraw, ImageFont
from sqlmodel import Session

from social_market.models import User, utcnow
from social_market.services import images, passwords
from social_market.services.profiles import AVATAR_FOLDER, AVATAR_SIZES, initials

DEMO_PASSWORD = "handmade-demo"  # noqa: S105 - documented demo credential
# Named accounts the README points to, so a visitor can sign in at once.
NAMED = [
    (
        "anna",
        "anna@example.com",
        "Anna Keller",
        "Berlin",
        "Ceramicist. Wheel-thrown mugs and bowls in small batches.",
    ),
    (
        "ben",
        "ben@example.com",
        "Ben Hart",
        "Leeds",
        "Collector of odd teapots and good conversations.",
    ),
]
# A moderator the README points to (added by the demo command, after the community).
MODERATOR = (
    "mona",
    "mona@example.com",
    "Mona Berger",
    "Vienna",
    "Community moderator. Here to keep Social Market friendly.",
)
CRAFTS = [
    "ceramics",
    "linen",
    "knitwear",
    "woodwork",
    "silver jewellery",
    "leather bags",
    "letterpress",
    "watercolour",
    "toys",
    "candles",
    "glass",
    "quilts",
    "embroidery",
    "basketry",
    "soap",
]
MAKER_BIOS = [
    "I make {craft} in a tiny studio, one piece at a time.",
    "{craft_cap} maker. Slow work, honest materials.",
    "Half-time teacher, full-time {craft} obsessive.",
    "Small-batch {craft}, inspired by the sea and old pattern books.",
]
BUYER_BIOS = [
    "I love {craft} and the people who make it.",
    "Collecting {craft}, one happy accident at a time.",
    "Gift hunter. Fan of {craft} and long walks.",
    "",
]
PALETTE = [
    (231, 111, 81),
    (244, 162, 97),
    (233, 196, 106),
    (42, 157, 143),
    (38, 70, 83),
    (106, 76, 147),
    (25, 130, 196),
    (138, 201, 38),
    (255, 89, 94),
    (86, 98, 112),
]


@dataclass
class DemoSummary:
    user_ids: list[int] = field(default_factory=list)
    maker_ids: list[int] = field(default_factory=list)


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "", ascii_name.lower())[:20] or "user"


def avatar_png(name: str, rng: random.Random, size: int = 400) -> bytes:
    """A generated portrait placeholder: soft shapes and the person's initials."""
    bg = rng.choice(PALETTE)
    fg = rng.choice([c for c in PALETTE if c != bg])
    img = Image.new("RGB", (size, size), bg)
    draw = ImageDraw.Draw(img)
    for _ in range(4):
        r = rng.randint(size // 6, size // 2)
        x, y = rng.randint(0, size), rng.randint(0, size)
        tint = tuple(min(255, (a + b) // 2 + 20) for a, b in zip(bg, fg, strict=True))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tint)
    text = initials(name)
    font = ImageFont.load_default(size=size // 3)
    box = draw.textbbox((0, 0), text, font=font)
    w, h = box[2] - box[0], box[3] - box[1]
    draw.text(
        ((size - w) / 2 - box[0], (size - h) / 2 - box[1]), text, fill=(255, 255, 255), font=font
    )
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def generate(
    session: Session,
    *,
    users: int = 60,
    seed: int = 42,
    with_avatars: bool = True,
    maker_share: float = 0.4,
) -> DemoSummary:
    """Add ``users`` people (the first two are the named demo accounts) and flush.

    Deterministic for a given ``seed``. Emails are @example.com/@example.org addresses.
    """
    rng = random.Random(seed)
    fakers = [Faker("de_DE"), Faker("en_GB"), Faker("en_US")]
    for i, f in enumerate(fakers):
        f.seed_instance(seed + i)
    password_hash = passwords.hash_password(DEMO_PASSWORD)  # one hash for all: fast
    now = utcnow()
    summary = DemoSummary()
    used: set[str] = set()
    people: list[tuple[str, str, str, str, str, bool]] = []
    for handle, email, name, city, bio in NAMED[: max(0, users)]:
        used.add(handle)
        people.append((handle, email, name, city, bio, handle == "anna"))
    while len(people) < users:
        fk = rng.choice(fakers)
        name = fk.name()
        base = _slug(name.split()[0]) + _slug(name.split()[-1])[:1]
        handle = base[:24] or "user"
        n = 1
        while handle in used or len(handle) < 3:
            n += 1
            handle = f"{base[:24]}{n}"
        used.add(handle)
        is_maker = rng.random() < maker_share
        craft = rng.choice(CRAFTS)
        template = rng.choice(MAKER_BIOS if is_maker else BUYER_BIOS)
        bio = template.format(craft=craft, craft_cap=craft.capitalize())
        email = f"{handle}@example.org"
        people.append((handle, email, name, fk.city(), bio, is_maker))
    for idx, (handle, email, name, city, bio, is_maker) in enumerate(people):
        joined = now - timedelta(days=rng.randint(1, 700), minutes=rng.randint(0, 1440))
        if idx < len(NAMED):
            joined = now - timedelta(days=400 - idx)
        user = User(
            email=email,
            handle=handle,
            handle_key=handle.lower(),
            display_name=name,
            bio=bio,
            location=city if rng.random() < 0.85 or idx < len(NAMED) else "",
            website=f"https://{handle}.example.com" if is_maker and rng.random() < 0.5 else "",
            password_hash=password_hash,
            email_verified_at=joined,
            created_at=joined,
            updated_at=joined,
        )
        if with_avatars and (idx < len(NAMED) or rng.random() < 0.8):
            stored = images.store_square_image(
                avatar_png(name, rng), folder=AVATAR_FOLDER, sizes=AVATAR_SIZES
            )
            user.avatar_key = stored.key
        session.add(user)
        session.flush()
        summary.user_ids.append(user.id)
        if is_maker:
            summary.maker_ids.append(user.id)
    return summary


def add_moderator(session: Session) -> User | None:
    """The demo moderator account (None when its handle or email is taken already)."""
    from sqlmodel import select

    from social_market.models.user import MODERATOR as MODERATOR_ROLE

    handle, email, name, city, bio = MODERATOR
    taken = session.exec(
        select(User.id).where((User.handle_key == handle) | (User.email == email))
    ).first()
    if taken is not None:
        return None
    joined = utcnow() - timedelta(days=500)
    user = User(
        email=email,
        handle=handle,
        handle_key=handle,
        display_name=name,
        bio=bio,
        location=city,
        password_hash=passwords.hash_password(DEMO_PASSWORD),
        email_verified_at=joined,
        created_at=joined,
        updated_at=joined,
        role=MODERATOR_ROLE,
    )
    session.add(user)
    session.flush()
    return user
