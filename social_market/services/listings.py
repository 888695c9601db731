"""Listings: creating and editing them, their photos, their life cycle, and reading them.

Life cycle: draft → active → sold_out (automatically when stock reaches 0) / paused →
deleted (soft: orders keep their snapshots, the row stays for them).
"""

from __future__ import annotations

import re
import unicodedata

from pydantic import BaseModel
from sqlalchemy import delete, func, update
from sqlmodel import Session, select

from social_market.i18n.catalog import N_
from social_market.i18n.format import format_money
from social_market.models import (
    CartItem,
    FavouriteListing,
    Listing,
    ListingPhoto,
    ShippingRate,
    Shop,
    User,
    utcnow,
)
from social_market.models.market import (
    ACTIVE,
    DELETED,
    DRAFT,
    HIDDEN,
    PAUSED,
    SOLD_OUT,
    ListingCard,
)
from social_market.services import categories, images, ratelimit, shops
from social_market.services.after_commit import on_commit
from social_market.services.errors import InvalidInput, NotAllowed, NotFound
from social_market.services.ids import as_id
from social_market.services.money import format_plain, parse_cents, parse_int
from social_market.services.shops import ShopPublic, require_own_shop
from social_market.services.text import clean_text
from social_market.urls import listing_url

PHOTO_FOLDER = "listings"
PHOTO_GRID = 400  # square, for grids and cards
PHOTO_PAGE = 1000  # fitted, for the listing page
PHOTO_ZOOM = 2000  # fitted, for zoom
PHOTO_SIZES = (PHOTO_GRID, PHOTO_PAGE, PHOTO_ZOOM)
MAX_PHOTOS = 10
MAX_TAGS = 13
MAX_QUANTITY = 9999
MAX_LEAD_DAYS = 180
LANGUAGES = ("en", "de")
MORE_FROM_SHOP = 6


class PhotoPublic(BaseModel):
    id: int
    grid_url: str
    url: str
    zoom_url: str
    alt: str
    position: int


class ListingDetail(BaseModel):
    """Everything the listing page shows; safe for client-visible state."""

    id: int
    url: str
    title: str
    description: str
    price: str
    price_cents: int
    currency: str
    quantity: int
    made_to_order: bool
    lead_time_days: int
    materials: list[str]
    tags: list[str]
    category_id: int
    category_path: list[list[str]]  # [slug, name msgid] from the top level down
    state: str
    language: str
    photos: list[PhotoPublic]
    shop: ShopPublic
    more_from_shop: list[ListingCard]
    favourite_count: int
    is_favourite: bool
    is_owner: bool
    shipping_to: str  # destination country code used below ('' if unknown)
    shipping: str  # formatted cost to shipping_to, '' when not shipped there / unknown
    ships_to_destination: bool


class ListingForm(BaseModel):
    """The listing editor's fields as the maker sees them."""

    id: int = 0
    title: str = ""
    description: str = ""
    price: str = ""
    quantity: str = "1"
    made_to_order: bool = False
    lead_time_days: str = ""
    materials: str = ""
    tags: str = ""
    category_id: str = ""
    language: str = "en"
    state: str = DRAFT
    url: str = ""
    photos: list[PhotoPublic] = []


def photo_url(key: str | None, size: int = PHOTO_GRID) -> str:
    return f"{PHOTO_FOLDER}/{key}_{size}.webp" if key else ""


def slugify(title: str) -> str:
    ascii_title = (
        unicodedata.normalize("NFKD", title.replace("ß", "ss")).encode("ascii", "ignore").decode()
    )
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:80].strip("-")


def normalise_terms(value: object, *, field: str, label: str, max_items: int) -> str:
    """'Wool, wool ,  Merino' → 'wool,merino' (lower case, trimmed, unique, in order)."""
    text = clean_text(value, field=field, label=label, max_length=500)
    items: list[str] = []
    for part in re.split(r"[,;\n]", text):
        term = re.sub(r"\s+", " ", part).strip().lower().lstrip("#")
        if not term:
            continue
        if len(term) > 30:
            raise InvalidInput(
                "Each entry in {label} can be at most 30 characters.", field=field, label=label
            )
        if term not in items:
            items.append(term)
    if len(items) > max_items:
        raise InvalidInput(
            "{label} can have at most {count} entries.", field=field, label=label, count=max_items
        )
    return ",".join(items)


def split_terms(value: str) -> list[str]:
    return [t for t in value.split(",") if t]


def _check_form(form: object) -> dict:
    """Validate every field of the listing editor; nothing is written on any error."""
    if not isinstance(form, dict):
        raise InvalidInput("Please fill in the form.")
    title = clean_text(form.get("title"), field="title", label=N_("Title"), max_length=140)
    if len(title) < 3:
        raise InvalidInput(
            "Please give the listing a title (at least 3 characters).", field="title"
        )
    made_to_order = form.get("made_to_order") in (True, "on", "true")
    quantity = parse_int(
        form.get("quantity"),
        field="quantity",
        label=N_("Quantity"),
        minimum=0,
        maximum=MAX_QUANTITY,
        default=0 if made_to_order else None,
    )
    lead = None
    if made_to_order:
        lead = parse_int(
            form.get("lead_time_days"),
            field="lead_time_days",
            label=N_("Days to make"),
            minimum=1,
            maximum=MAX_LEAD_DAYS,
        )
    language = form.get("language") or "en"
    if language not in LANGUAGES:
        raise InvalidInput("Please choose a language from the list.", field="language")
    return {
        "title": title,
        "slug": slugify(title) or "listing",
        "description": clean_text(
            form.get("description"),
            field="description",
            label=N_("Description"),
            max_length=10_000,
            multiline=True,
        ),
        "price_cents": parse_cents(form.get("price"), field="price", label=N_("Price")),
        "quantity": quantity,
        "made_to_order": made_to_order,
        "lead_time_days": lead,
        "materials": normalise_terms(
            form.get("materials"), field="materials", label=N_("Materials"), max_items=MAX_TAGS
        ),
        "tags": normalise_terms(
            form.get("tags"), field="tags", label=N_("Tags"), max_items=MAX_TAGS
        ),
        "category_id": categories.check_category(form.get("category_id")),
        "language": language,
    }


def _own_listing(session: Session, owner_id: object, listing_id: object) -> tuple[Shop, Listing]:
    """The acting maker's (not deleted) listing, or an error that reveals nothing else."""
    shop = require_own_shop(session, owner_id)
    lid = as_id(listing_id)
    listing = session.get(Listing, lid) if lid else None
    if listing is None or listing.state == DELETED:
        raise NotFound("We couldn't find that listing.")
    if listing.shop_id != shop.id:
        raise NotAllowed("You can only change your own shop's listings.")
    return shop, listing


def create_listing(*, session: Session, owner_id: object, form: dict) -> Listing:
    """A new draft listing in the acting maker's shop."""
    shop = require_own_shop(session, owner_id)
    fields = _check_form(form)
    listing = Listing(
        shop_id=shop.id,  # type: ignore[arg-type]
        shop_name=shop.name,
        shop_country=shop.country,
        currency=shop.currency,
        state=DRAFT,
        **fields,
    )
    session.add(listing)
    session.flush()
    return listing


def update_listing(
    *, session: Session, owner_id: object, listing_id: object, form: dict
) -> Listing:
    _, listing = _own_listing(session, owner_id, listing_id)
    fields = _check_form(form)
    for key, value in fields.items():
        setattr(listing, key, value)
    _apply_stock_state(listing)
    listing.updated_at = utcnow()
    session.add(listing)
    return listing


def _apply_stock_state(listing: Listing) -> None:
    """Active with no stock becomes sold out; sold out with new stock becomes active."""
    if listing.state == ACTIVE and not listing.made_to_order and listing.quantity == 0:
        listing.state = SOLD_OUT
    elif listing.state == SOLD_OUT and (listing.made_to_order or listing.quantity > 0):
        listing.state = ACTIVE


def publish(*, session: Session, owner_id: object, listing_id: object) -> Listing:
    """Draft or paused → active (needs a photo and stock or made-to-order). The first
    time, the shop's followers hear of the new piece (if the shop allows it)."""
    shop, listing = _own_listing(session, owner_id, listing_id)
    _refuse_if_hidden(listing)
    if listing.state not in (DRAFT, PAUSED, SOLD_OUT, ACTIVE):
        raise InvalidInput("This listing can't be published.")
    photo_count = session.exec(
        select(func.count()).select_from(ListingPhoto).where(ListingPhoto.listing_id == listing.id)
    ).one()
    if photo_count == 0:
        raise InvalidInput("Add at least one photo before publishing.", field="photos")
    if not listing.made_to_order and listing.quantity == 0:
        raise InvalidInput(
            "Set how many you have in stock, or mark it as made to order.", field="quantity"
        )
    first_time = listing.published_at is None
    listing.state = ACTIVE
    listing.published_at = listing.published_at or utcnow()
    listing.updated_at = utcnow()
    session.add(listing)
    if first_time:
        from social_market.services import posts  # posts point at listings

        session.flush()
        posts.announce_new_piece(session, shop, listing)
    from social_market.services import wishes  # a made wish: its pledgers get reservations

    session.flush()
    wishes.on_listing_published(session, listing)
    return listing


def _refuse_if_hidden(listing: Listing) -> None:
    if listing.state == HIDDEN:
        raise NotAllowed("Our moderators have hidden this listing, so it can't be put on sale.")


def pause(*, session: Session, owner_id: object, listing_id: object) -> Listing:
    _, listing = _own_listing(session, owner_id, listing_id)
    _refuse_if_hidden(listing)
    if listing.state not in (ACTIVE, SOLD_OUT):
        raise InvalidInput("Only a published listing can be paused.")
    listing.state = PAUSED
    listing.updated_at = utcnow()
    session.add(listing)
    return listing


def delete_listing(*, session: Session, owner_id: object, listing_id: object) -> None:
    """Soft delete: gone from the shop, search and carts; orders keep their snapshot."""
    _, listing = _own_listing(session, owner_id, listing_id)
    listing.state = DELETED
    listing.deleted_at = utcnow()
    session.add(listing)
    session.exec(delete(CartItem).where(CartItem.listing_id == listing.id))  # type: ignore[arg-type]
    session.exec(delete(FavouriteListing).where(FavouriteListing.listing_id == listing.id))  # type: ignore[arg-type]


# ---------------------------------------------------------------------- photos


def _photos(session: Session, listing_id: int) -> list[ListingPhoto]:
    return list(
        session.exec(
            select(ListingPhoto)
            .where(ListingPhoto.listing_id == listing_id)
            .order_by(ListingPhoto.position, ListingPhoto.id)  # type: ignore[arg-type]
        )
    )


def _sync_cover(listing: Listing, photos: list[ListingPhoto]) -> None:
    first = photos[0] if photos else None
    listing.cover_key = first.key if first else None
    listing.cover_alt = (first.alt or listing.title) if first else ""


def add_photo(
    *, session: Session, owner_id: object, listing_id: object, data: bytes, alt: object = ""
) -> ListingPhoto:
    """Store one more photo (at most 10), re-encoded at grid, page and zoom sizes."""
    shop, listing = _own_listing(session, owner_id, listing_id)
    photos = _photos(session, listing.id)  # type: ignore[arg-type]
    if len(photos) >= MAX_PHOTOS:
        raise InvalidInput("A listing can have at most 10 photos.", field="photos")
    alt_text = clean_text(alt, field="alt", label=N_("Photo description"), max_length=200)
    ratelimit.hit(
        ratelimit.UPLOADS_PER_USER,
        "upload",
        str(shop.owner_id),
        message=N_("You have uploaded a lot of images in the last hour. Please wait a little."),
    )
    stored, width, height = images.store_image(
        data, folder=PHOTO_FOLDER, square=(PHOTO_GRID,), fit=(PHOTO_PAGE, PHOTO_ZOOM)
    )
    photo = ListingPhoto(
        listing_id=listing.id,  # type: ignore[arg-type]
        position=(photos[-1].position + 1) if photos else 0,
        key=stored.key,
        alt=alt_text,
        width=width,
        height=height,
    )
    session.add(photo)
    session.flush()
    _sync_cover(listing, [*photos, photo])
    session.add(listing)
    return photo


def _own_photo(session: Session, listing: Listing, photo_id: object) -> ListingPhoto:
    pid = as_id(photo_id)
    photo = session.get(ListingPhoto, pid) if pid else None
    if photo is None or photo.listing_id != listing.id:
        raise NotFound("We couldn't find that photo.")
    return photo


def remove_photo(
    *, session: Session, owner_id: object, listing_id: object, photo_id: object
) -> None:
    _, listing = _own_listing(session, owner_id, listing_id)
    photo = _own_photo(session, listing, photo_id)
    key = photo.key
    session.delete(photo)
    session.flush()
    remaining = _photos(session, listing.id)  # type: ignore[arg-type]
    if not remaining and listing.state in (ACTIVE, SOLD_OUT):
        raise InvalidInput("A published listing needs at least one photo.", field="photos")
    _sync_cover(listing, remaining)
    session.add(listing)
    on_commit(session, lambda: images.delete_stored(key, folder=PHOTO_FOLDER, sizes=PHOTO_SIZES))


def reorder_photos(
    *, session: Session, owner_id: object, listing_id: object, photo_ids: object
) -> list[ListingPhoto]:
    """Put the photos in the given order (must name each of the listing's photos once)."""
    _, listing = _own_listing(session, owner_id, listing_id)
    photos = _photos(session, listing.id)  # type: ignore[arg-type]
    if (
        not isinstance(photo_ids, list)
        or not all(isinstance(i, int) and not isinstance(i, bool) for i in photo_ids)
        or sorted(photo_ids) != sorted(p.id for p in photos)  # type: ignore[type-var]
    ):
        raise InvalidInput("That photo order doesn't match the listing's photos.", field="photos")
    by_id = {p.id: p for p in photos}
    ordered = [by_id[i] for i in photo_ids]
    for position, photo in enumerate(ordered):
        photo.position = position
        session.add(photo)
    _sync_cover(listing, ordered)
    session.add(listing)
    return ordered


def move_photo(
    *, session: Session, owner_id: object, listing_id: object, photo_id: object, step: object
) -> list[ListingPhoto]:
    """Move one photo one place earlier (step -1) or later (step 1)."""
    _, listing = _own_listing(session, owner_id, listing_id)
    if step not in (-1, 1):
        raise InvalidInput("That photo order doesn't match the listing's photos.", field="photos")
    ids = [p.id for p in _photos(session, listing.id)]  # type: ignore[arg-type]
    if photo_id not in ids:
        raise NotFound("We couldn't find that photo.")
    i = ids.index(photo_id)
    j = i + step  # type: ignore[operator]
    if 0 <= j < len(ids):
        ids[i], ids[j] = ids[j], ids[i]
    return reorder_photos(session=session, owner_id=owner_id, listing_id=listing_id, photo_ids=ids)


def set_photo_alt(
    *, session: Session, owner_id: object, listing_id: object, photo_id: object, alt: object
) -> ListingPhoto:
    _, listing = _own_listing(session, owner_id, listing_id)
    photo = _own_photo(session, listing, photo_id)
    photo.alt = clean_text(alt, field="alt", label=N_("Photo description"), max_length=200)
    session.add(photo)
    session.flush()
    _sync_cover(listing, _photos(session, listing.id))  # type: ignore[arg-type]
    session.add(listing)
    return photo


def _photo_public(photo: ListingPhoto, title: str) -> PhotoPublic:
    return PhotoPublic(
        id=photo.id or 0,
        grid_url=photo_url(photo.key, PHOTO_GRID),
        url=photo_url(photo.key, PHOTO_PAGE),
        zoom_url=photo_url(photo.key, PHOTO_ZOOM),
        alt=photo.alt or title,
        position=photo.position,
    )


# ---------------------------------------------------------------------- reading


def to_card(listing: Listing, locale: str | None = None) -> ListingCard:
    return ListingCard(
        id=listing.id or 0,
        url=listing_url(listing.id or 0, listing.slug),
        title=listing.title,
        price=format_money(listing.price_cents, listing.currency, locale),
        price_cents=listing.price_cents,
        currency=listing.currency,
        photo_url=photo_url(listing.cover_key, PHOTO_GRID),
        photo_alt=listing.cover_alt or listing.title,
        shop_name=listing.shop_name,
        state=listing.state,
        made_to_order=listing.made_to_order,
        in_stock=listing.made_to_order or listing.quantity > 0,
        rating_avg=round(listing.rating_sum / listing.rating_count, 1)
        if listing.rating_count
        else 0.0,
        rating_count=listing.rating_count,
    )


def parse_listing_ref(value: object) -> int | None:
    """'123-blue-scarf' or '123' → 123; anything else → None."""
    if not isinstance(value, str):
        return as_id(value)
        return None
    m = re.match(r"^(\d{1,18})(?:-|$)", value.strip())
    return as_id(m.group(1)) if m else None


def get_listing(
    *,
    session: Session,
    listing_ref: object,
    viewer_id: int | None,
    destination: str | None = None,
    locale: str | None = None,
) -> ListingDetail:
    """The listing page's data in four queries (listing+shop+owner, photos, rates, more
    from the shop) plus one for the viewer's favourite.

    Drafts, paused listings and listings hidden by moderators are visible to their maker
    only (as a preview; ``state`` says which).
    """
    listing_id = parse_listing_ref(listing_ref)
    row = (
        session.exec(
            select(Listing, Shop, User)
            .join(Shop, Shop.id == Listing.shop_id)
            .join(User, User.id == Shop.owner_id)
            .where(Listing.id == listing_id)
        ).first()
        if listing_id
        else None
    )
    if row is None:
        raise NotFound("We couldn't find that listing.")
    listing, shop, owner = row
    is_owner = viewer_id is not None and viewer_id == shop.owner_id
    public = (
        listing.state in (ACTIVE, SOLD_OUT)
        and shop.closed_at is None
        and shop.hidden_at is None
        and owner.deleted_at is None
        and owner.suspended_at is None
    )
    if listing.state == DELETED or not (public or is_owner):
        raise NotFound("We couldn't find that listing.")
    photos = _photos(session, listing.id)  # type: ignore[arg-type]
    rates = list(session.exec(select(ShippingRate).where(ShippingRate.shop_id == shop.id)))
    more = session.exec(
        select(Listing)
        .where(Listing.shop_id == shop.id, Listing.state == ACTIVE, Listing.id != listing.id)
        .order_by(Listing.created_at.desc(), Listing.id.desc())  # type: ignore[union-attr]
        .limit(MORE_FROM_SHOP)
    ).all()
    is_favourite = False
    if viewer_id is not None:
        is_favourite = (
            session.get(FavouriteListing, (viewer_id, listing.id)) is not None  # type: ignore[arg-type]
        )
    destination = destination or shop.country
    cost = shops.shipping_for(rates, shop.country, destination)
    return ListingDetail(
        id=listing.id or 0,
        url=listing_url(listing.id or 0, listing.slug),
        title=listing.title,
        description=listing.description,
        price=format_money(listing.price_cents, listing.currency, locale),
        price_cents=listing.price_cents,
        currency=listing.currency,
        quantity=listing.quantity,
        made_to_order=listing.made_to_order,
        lead_time_days=listing.lead_time_days or 0,
        materials=split_terms(listing.materials),
        tags=split_terms(listing.tags),
        category_id=listing.category_id,
        category_path=[[c.slug, c.name] for c in categories.path(listing.category_id)],
        state=listing.state,
        language=listing.language,
        photos=[_photo_public(p, listing.title) for p in photos],
        shop=shops.to_public(shop, owner, rates, locale),
        more_from_shop=[to_card(m, locale) for m in more],
        favourite_count=listing.favourite_count,
        is_favourite=is_favourite,
        is_owner=is_owner,
        shipping_to=destination,
        shipping=format_money(cost, listing.currency, locale) if cost is not None else "",
        ships_to_destination=cost is not None,
    )


def record_view(*, session: Session, listing_id: int) -> None:
    """Count a page view (one UPDATE; the maker's own views are not counted by callers)."""
    session.exec(
        update(Listing).where(Listing.id == listing_id).values(view_count=Listing.view_count + 1)
    )


def listing_form(*, session: Session, owner_id: object, listing_id: object) -> ListingForm:
    _, listing = _own_listing(session, owner_id, listing_id)
    return ListingForm(
        id=listing.id or 0,
        title=listing.title,
        description=listing.description,
        price=format_plain(listing.price_cents),
        quantity=str(listing.quantity),
        made_to_order=listing.made_to_order,
        lead_time_days=str(listing.lead_time_days or ""),
        materials=", ".join(split_terms(listing.materials)),
        tags=", ".join(split_terms(listing.tags)),
        category_id=str(listing.category_id),
        language=listing.language,
        state=listing.state,
        url=listing_url(listing.id or 0, listing.slug),
        photos=[_photo_public(p, listing.title) for p in _photos(session, listing.id)],  # type: ignore[arg-type]
    )


def shop_listings(
    *, session: Session, shop_id: int, limit: int = 48, locale: str | None = None
) -> list[ListingCard]:
    """A shop's active listings, newest first (ix_listing_shop_id_state_created_at_id)."""
    rows = session.exec(
        select(Listing)
        .where(Listing.shop_id == shop_id, Listing.state == ACTIVE)
        .order_by(Listing.created_at.desc(), Listing.id.desc())  # type: ignore[union-attr]
        .limit(limit)
    ).all()
    return [to_card(r, locale) for r in rows]


def featured(*, session: Session, limit: int = 8, locale: str | None = None) -> list[ListingCard]:
    """The most favourited active listings (ix_listing_state_favourite_count_id)."""
    rows = session.exec(
        select(Listing)
        .where(Listing.state == ACTIVE)
        .order_by(Listing.favourite_count.desc(), Listing.id.desc())  # type: ignore[attr-defined]
        .limit(limit)
    ).all()
    return [to_card(r, locale) for r in rows]


def newest(*, session: Session, limit: int = 8, locale: str | None = None) -> list[ListingCard]:
    rows = session.exec(
        select(Listing)
        .where(Listing.state == ACTIVE)
        .order_by(Listing.created_at.desc(), Listing.id.desc())  # type: ignore[union-attr]
        .limit(limit)
    ).all()
    return [to_card(r, locale) for r in rows]


def listing_path(listing: Listing) -> str:
    return listing_url(listing.id or 0, listing.slug)


def feed_listings(*, session: Session, shop_id: int, limit: int = 30) -> list[Listing]:
    """A shop's pieces for sale, newest first (for its Atom/RSS feed)."""
    return list(
        session.exec(
            select(Listing)
            .where(Listing.shop_id == shop_id, Listing.state.in_((ACTIVE, SOLD_OUT)))  # type: ignore[attr-defined]
            .order_by(Listing.created_at.desc(), Listing.id.desc())  # type: ignore[union-attr]
            .limit(limit)
        )
    )
