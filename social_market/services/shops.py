"""Shops: opening one, editing it, its images and shipping rates, and reading it."""

from __future__ import annotations

import re

from pydantic import BaseModel
from sqlalchemy import update
from sqlmodel import Session, select

from social_market.i18n.catalog import N_
from social_market.i18n.format import format_money, format_month_year
from social_market.models import Listing, ShippingRate, Shop, User, utcnow
from social_market.models.market import SHIPPING_ZONES, ZONE_DOMESTIC, ZONE_EU, ZONE_WORLD
from social_market.services import countries, images, ratelimit
from social_market.services.accounts import require_user
from social_market.services.after_commit import on_commit
from social_market.services.errors import InvalidInput, NotAllowed, NotFound
from social_market.services.money import format_plain, parse_cents
from social_market.services.profiles import avatar_url, initials
from social_market.services.text import clean_text
from social_market.urls import shop_url

LOGO_FOLDER = "shop-logos"
LOGO_SIZES = (96, 400)
BANNER_FOLDER = "shop-banners"
BANNER_CROPS = ((1600, 400), (800, 200))
BANNER_WIDTHS = tuple(w for w, _ in BANNER_CROPS)

MAX_SHIPPING_CENTS = 50_000
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$")
RESERVED_SLUGS = frozenset(
    {"new", "edit", "admin", "api", "sell", "settings", "shop", "shops", "search", "help"}
)
ZONE_LABELS = {
    ZONE_DOMESTIC: N_("Within {country}"),
    ZONE_EU: N_("Rest of the EU"),
    ZONE_WORLD: N_("Rest of the world"),
}


class ShippingRatePublic(BaseModel):
    zone: str
    first_item: str
    additional_item: str
    first_item_cents: int
    additional_item_cents: int


class ShopPublic(BaseModel):
    """What anyone may see of a shop (no payment details)."""

    id: int
    slug: str
    url: str
    name: str
    about: str
    city: str
    country: str
    country_name: str
    logo_url: str
    banner_url: str
    initials: str
    shipping_policy: str
    returns_policy: str
    accepts_bank_transfer: bool
    accepts_pickup: bool
    favourite_count: int
    open_since: str
    owner_handle: str
    owner_name: str
    owner_avatar_url: str
    rates: list[ShippingRatePublic]


class ShopForm(BaseModel):
    """The shop editor's fields, as the owner sees them (includes payment details)."""

    name: str = ""
    slug: str = ""
    about: str = ""
    city: str = ""
    country: str = "DE"
    shipping_policy: str = ""
    returns_policy: str = ""
    payment_details: str = ""
    accepts_bank_transfer: bool = True
    accepts_pickup: bool = False
    # Amounts as typed ('4.90'); '' means "does not ship to this zone".
    domestic_first: str = ""
    domestic_additional: str = ""
    eu_first: str = ""
    eu_additional: str = ""
    world_first: str = ""
    world_additional: str = ""


def logo_url(key: str | None, size: int = 96) -> str:
    return f"{LOGO_FOLDER}/{key}_{size}.webp" if key else ""


def banner_url(key: str | None, width: int = 1600) -> str:
    return f"{BANNER_FOLDER}/{key}_{width}.webp" if key else ""


def check_slug(value: object) -> str:
    slug = value.strip().lower() if isinstance(value, str) else ""
    if not _SLUG.match(slug) or "--" in slug:
        raise InvalidInput(
            "A shop address uses 3–40 letters a–z, digits and single hyphens.", field="slug"
        )
    if slug in RESERVED_SLUGS:
        raise InvalidInput("That shop address is taken. Please choose another.", field="slug")
    return slug


def suggest_slug(name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40].strip("-")
    return base if len(base) >= 3 else f"{base}-shop".strip("-")


def shop_of_owner(session: Session, owner_id: int) -> Shop | None:
    return session.exec(
        select(Shop).where(Shop.owner_id == owner_id, Shop.closed_at.is_(None))  # type: ignore[union-attr]
    ).first()


def shop_by_slug(session: Session, slug: object) -> Shop | None:
    """An open shop by its address, or None."""
    if not isinstance(slug, str) or not 1 <= len(slug) <= 40:
        return None
    return session.exec(
        select(Shop).where(Shop.slug == slug.lower(), Shop.closed_at.is_(None))  # type: ignore[union-attr]
    ).first()


def require_own_shop(session: Session, owner_id: object) -> Shop:
    """The acting user's open shop, or NotAllowed."""
    user = require_user(session, owner_id)
    shop = shop_of_owner(session, user.id)  # type: ignore[arg-type]
    if shop is None:
        raise NotAllowed("Open a shop first.")
    return shop


def _check_fields(form: dict) -> dict:
    """Validate the shop editor's fields (all of them, before anything is written)."""
    if not isinstance(form, dict):
        raise InvalidInput("Please fill in the form.")
    name = clean_text(form.get("name"), field="name", label=N_("Shop name"), max_length=60)
    if len(name) < 2:
        raise InvalidInput("Please give your shop a name.", field="name")
    return {
        "name": name,
        "about": clean_text(
            form.get("about"), field="about", label=N_("About"), max_length=5000, multiline=True
        ),
        "city": clean_text(form.get("city"), field="city", label=N_("City"), max_length=80),
        "country": countries.check_country(form.get("country")),
        "shipping_policy": clean_text(
            form.get("shipping_policy"),
            field="shipping_policy",
            label=N_("Shipping policy"),
            max_length=2000,
            multiline=True,
        ),
        "returns_policy": clean_text(
            form.get("returns_policy"),
            field="returns_policy",
            label=N_("Returns policy"),
            max_length=2000,
            multiline=True,
        ),
        "payment_details": clean_text(
            form.get("payment_details"),
            field="payment_details",
            label=N_("Bank details"),
            max_length=500,
            multiline=True,
        ),
        "accepts_bank_transfer": form.get("accepts_bank_transfer") in (True, "on", "true"),
        "accepts_pickup": form.get("accepts_pickup") in (True, "on", "true"),
    }


def _check_rates(form: dict) -> dict[str, tuple[int, int]]:
    rates: dict[str, tuple[int, int]] = {}
    for zone in SHIPPING_ZONES:
        first = form.get(f"{zone}_first")
        extra = form.get(f"{zone}_additional")
        if (first is None or str(first).strip() == "") and (
            extra is None or str(extra).strip() == ""
        ):
            continue
        label = N_("Shipping cost")
        first_cents = parse_cents(
            first if first not in (None, "") else "0",
            field=f"{zone}_first",
            label=label,
            minimum=0,
            maximum=MAX_SHIPPING_CENTS,
        )
        extra_cents = parse_cents(
            extra if extra not in (None, "") else "0",
            field=f"{zone}_additional",
            label=label,
            minimum=0,
            maximum=MAX_SHIPPING_CENTS,
        )
        rates[zone] = (first_cents, extra_cents)
    return rates


def _validate_payment(fields: dict) -> None:
    if not fields["accepts_bank_transfer"] and not fields["accepts_pickup"]:
        raise InvalidInput("Choose at least one way buyers can pay.", field="accepts_bank_transfer")
    if fields["accepts_bank_transfer"] and len(fields["payment_details"]) < 8:
        raise InvalidInput(
            "Enter the bank details buyers should transfer to (account holder and IBAN).",
            field="payment_details",
        )


def open_shop(*, session: Session, owner_id: object, form: dict) -> Shop:
    """Open a shop for the acting user (one per person). Validates everything first."""
    user = require_user(session, owner_id)
    if shop_of_owner(session, user.id) is not None:  # type: ignore[arg-type]
        raise InvalidInput("You already have a shop.")
    fields = _check_fields(form)
    slug = check_slug(form.get("slug") or suggest_slug(fields["name"]))
    rates = _check_rates(form)
    _validate_payment(fields)
    if session.exec(select(Shop.id).where(Shop.slug == slug)).first() is not None:
        raise InvalidInput("That shop address is taken. Please choose another.", field="slug")
    if not rates and not fields["accepts_pickup"]:
        raise InvalidInput(
            "Set a shipping cost for at least one destination, or offer pickup.",
            field="domestic_first",
        )
    existing = session.exec(select(Shop).where(Shop.owner_id == user.id)).first()
    if existing is not None:  # a closed shop is reopened under the new details
        shop = existing
        shop.closed_at = None
        shop.slug = slug
        for key, value in fields.items():
            setattr(shop, key, value)
    else:
        shop = Shop(owner_id=user.id, slug=slug, **fields)  # type: ignore[arg-type]
    session.add(shop)
    session.flush()
    _save_rates(session, shop, rates)
    return shop


def update_shop(*, session: Session, owner_id: object, form: dict) -> Shop:
    """Save the shop editor (the address/slug can't change: links to it are out there)."""
    shop = require_own_shop(session, owner_id)
    fields = _check_fields(form)
    rates = _check_rates(form)
    _validate_payment(fields)
    if not rates and not fields["accepts_pickup"]:
        raise InvalidInput(
            "Set a shipping cost for at least one destination, or offer pickup.",
            field="domestic_first",
        )
    renamed = fields["name"] != shop.name or fields["country"] != shop.country
    for key, value in fields.items():
        setattr(shop, key, value)
    shop.updated_at = utcnow()
    session.add(shop)
    _save_rates(session, shop, rates)
    if renamed:
        # Search matches and filters on these copies.
        session.exec(
            update(Listing)
            .where(Listing.shop_id == shop.id)
            .values(shop_name=shop.name, shop_country=shop.country)
        )
    return shop


def _save_rates(session: Session, shop: Shop, rates: dict[str, tuple[int, int]]) -> None:
    current = {
        r.zone: r for r in session.exec(select(ShippingRate).where(ShippingRate.shop_id == shop.id))
    }
    for zone in SHIPPING_ZONES:
        row = current.get(zone)
        if zone in rates:
            first, extra = rates[zone]
            if row is None:
                row = ShippingRate(shop_id=shop.id, zone=zone)  # type: ignore[arg-type]
            row.first_item_cents, row.additional_item_cents = first, extra
            session.add(row)
        elif row is not None:
            session.delete(row)
    session.flush()


def shop_form(*, session: Session, owner_id: object) -> ShopForm | None:
    """The owner's shop as editor fields, or None when they have no shop yet."""
    user = require_user(session, owner_id)
    shop = shop_of_owner(session, user.id)  # type: ignore[arg-type]
    if shop is None:
        return None
    form = ShopForm(
        **{
            k: getattr(shop, k)
            for k in (
                "name",
                "slug",
                "about",
                "city",
                "country",
                "shipping_policy",
                "returns_policy",
                "payment_details",
                "accepts_bank_transfer",
                "accepts_pickup",
            )
        }
    )
    for rate in session.exec(select(ShippingRate).where(ShippingRate.shop_id == shop.id)):
        setattr(form, f"{rate.zone}_first", format_plain(rate.first_item_cents))
        setattr(form, f"{rate.zone}_additional", format_plain(rate.additional_item_cents))
    return form


def _upload_limit(user_id: int) -> None:
    ratelimit.hit(
        ratelimit.UPLOADS_PER_USER,
        "upload",
        str(user_id),
        message=N_("You have uploaded a lot of images in the last hour. Please wait a little."),
    )


def set_logo(*, session: Session, owner_id: object, data: bytes) -> Shop:
    shop = require_own_shop(session, owner_id)
    _upload_limit(shop.owner_id)
    stored, _, _ = images.store_image(data, folder=LOGO_FOLDER, square=LOGO_SIZES)
    old, shop.logo_key = shop.logo_key, stored.key
    session.add(shop)
    if old:
        on_commit(session, lambda: images.delete_stored(old, folder=LOGO_FOLDER, sizes=LOGO_SIZES))
    return shop


def set_banner(*, session: Session, owner_id: object, data: bytes) -> Shop:
    shop = require_own_shop(session, owner_id)
    _upload_limit(shop.owner_id)
    stored, _, _ = images.store_image(data, folder=BANNER_FOLDER, crop=BANNER_CROPS)
    old, shop.banner_key = shop.banner_key, stored.key
    session.add(shop)
    if old:
        on_commit(
            session,
            lambda: images.delete_stored(old, folder=BANNER_FOLDER, sizes=BANNER_WIDTHS),
        )
    return shop


def rates_public(rates: list[ShippingRate], currency: str, locale: str | None) -> list:
    order = {z: i for i, z in enumerate(SHIPPING_ZONES)}
    return [
        ShippingRatePublic(
            zone=r.zone,
            first_item=format_money(r.first_item_cents, currency, locale),
            additional_item=format_money(r.additional_item_cents, currency, locale),
            first_item_cents=r.first_item_cents,
            additional_item_cents=r.additional_item_cents,
        )
        for r in sorted(rates, key=lambda r: order.get(r.zone, 9))
    ]


def to_public(
    shop: Shop, owner: User, rates: list[ShippingRate], locale: str | None = None
) -> ShopPublic:
    return ShopPublic(
        id=shop.id or 0,
        slug=shop.slug,
        url=shop_url(shop.slug),
        name=shop.name,
        about=shop.about,
        city=shop.city,
        country=shop.country,
        country_name=countries.country_names(_lang(locale)).get(shop.country, shop.country),
        logo_url=logo_url(shop.logo_key, 400),
        banner_url=banner_url(shop.banner_key),
        initials=initials(shop.name),
        shipping_policy=shop.shipping_policy,
        returns_policy=shop.returns_policy,
        accepts_bank_transfer=shop.accepts_bank_transfer,
        accepts_pickup=shop.accepts_pickup,
        favourite_count=shop.favourite_count,
        open_since=format_month_year(shop.created_at, locale),
        owner_handle=owner.handle,
        owner_name=owner.display_name or owner.handle,
        owner_avatar_url=avatar_url(owner.avatar_key, 96),
        rates=rates_public(rates, shop.currency, locale),
    )


def _lang(locale: str | None) -> str:
    return (locale or "en").split("_")[0]


def get_shop(*, session: Session, slug: object, locale: str | None = None) -> ShopPublic:
    """An open shop by its address, or NotFound."""
    if not isinstance(slug, str) or not 1 <= len(slug) <= 60:
        raise NotFound("We couldn't find that shop.")
    row = session.exec(
        select(Shop, User)
        .join(User, User.id == Shop.owner_id)
        .where(
            Shop.slug == slug.strip().lower(),
            Shop.closed_at.is_(None),  # type: ignore[union-attr]
            Shop.hidden_at.is_(None),  # type: ignore[union-attr]
            User.deleted_at.is_(None),  # type: ignore[union-attr]
            User.suspended_at.is_(None),  # type: ignore[union-attr]
        )
    ).first()
    if row is None:
        raise NotFound("We couldn't find that shop.")
    shop, owner = row
    rates = list(session.exec(select(ShippingRate).where(ShippingRate.shop_id == shop.id)))
    return to_public(shop, owner, rates, locale)


def shipping_for(
    rates: list[ShippingRate], shop_country: str, destination: str | None, items: int = 1
) -> int | None:
    """Shipping in cents for ``items`` pieces to ``destination``; None if not shipped there."""
    if not destination:
        return None
    zone = countries.zone_for(shop_country, destination)
    rate = next((r for r in rates if r.zone == zone), None)
    if rate is None:
        return None
    return rate.first_item_cents + rate.additional_item_cents * max(0, items - 1)


def close_shop(*, session: Session, owner_id: object) -> None:
    """Close the shop: its listings leave search; orders and their snapshots stay."""
    shop = require_own_shop(session, owner_id)
    shop.closed_at = utcnow()
    session.add(shop)
    session.exec(
        update(Listing)
        .where(Listing.shop_id == shop.id, Listing.state.in_(("active", "sold_out")))  # type: ignore[attr-defined]
        .values(state="paused", updated_at=utcnow())
    )


def erase_for_deleted_account(*, session: Session, user_id: int) -> None:
    """Account deletion, marketplace part: close the person's shop and forget their carts
    and hearts. Orders stay whole (buyers and makers must keep them; they hold snapshots).
    """
    from sqlalchemy import delete

    from social_market.models import CartItem, FavouriteListing, FavouriteShop

    shop = session.exec(select(Shop).where(Shop.owner_id == user_id)).first()
    if shop is not None:
        logo, banner = shop.logo_key, shop.banner_key
        shop.closed_at = shop.closed_at or utcnow()
        shop.about = shop.city = shop.payment_details = ""
        shop.shipping_policy = shop.returns_policy = ""
        shop.logo_key = shop.banner_key = None
        session.add(shop)
        session.exec(
            update(Listing)
            .where(Listing.shop_id == shop.id, Listing.state != "deleted")
            .values(state="deleted", deleted_at=utcnow())
        )
        on_commit(
            session,
            lambda: (
                images.delete_stored(logo, folder=LOGO_FOLDER, sizes=LOGO_SIZES),
                images.delete_stored(banner, folder=BANNER_FOLDER, sizes=BANNER_WIDTHS),
            ),
        )
    for table, column, counted in (
        (FavouriteListing, FavouriteListing.listing_id, Listing),
        (FavouriteShop, FavouriteShop.shop_id, Shop),
    ):
        ids = list(session.exec(select(column).where(table.user_id == user_id)))
        if ids:
            session.exec(
                update(counted)
                .where(counted.id.in_(ids))  # type: ignore[attr-defined]
                .values(favourite_count=counted.favourite_count - 1)
            )
            session.exec(delete(table).where(table.user_id == user_id))  # type: ignore[arg-type]
    session.exec(delete(CartItem).where(CartItem.user_id == user_id))  # type: ignore[arg-type]
