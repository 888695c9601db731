"""'Download my data': everything a person has here, as JSON files and their photos in a ZIP.

The ZIP is built in the background (``build_export`` writes its progress to the row),
kept for ``EXPORT_DAYS`` under a random file name, and handed out only to its owner's
signed-in session (``export_file_for``). Every area that holds personal data adds its
JSON file (and any photos) in ``build_export`` and a line in ``README``.
"""

from __future__ import annotations

import json
import logging
import secrets
import zipfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from limits import parse
from pydantic import BaseModel
from sqlalchemy import update
from sqlmodel import Session, select

from social_market.db import session_scope
from social_market.i18n.catalog import N_
from social_market.i18n.format import format_day, format_number
from social_market.models import (
    CartItem,
    DataExport,
    FavouriteListing,
    FavouriteShop,
    Listing,
    ListingPhoto,
    Order,
    OrderLine,
    ShippingRate,
    Shop,
    User,
    utcnow,
)
from social_market.models.export import (
    EXPORT_FAILED,
    EXPORT_PENDING,
    EXPORT_READY,
    EXPORT_RUNNING,
)
from social_market.services import listings, profiles, ratelimit, shops
from social_market.services.accounts import require_user
from social_market.services.after_commit import on_commit
from social_market.services.errors import NotFound
from social_market.settings import get_settings

log = logging.getLogger(__name__)

EXPORT_DAYS = 7
STALE_AFTER = timedelta(minutes=30)  # a build that never finished (server restarted)
EXPORTS_PER_DAY = parse("5/day")


class ExportStatus(BaseModel):
    """What the settings page shows about the latest export (safe for client state)."""

    public_id: str
    status: str
    progress: int
    size: str
    expires: str


def _folder() -> Path:
    path = get_settings().data_dir / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _latest(session: Session, user_id: int) -> DataExport | None:
    return session.exec(
        select(DataExport)
        .where(DataExport.user_id == user_id)
        .order_by(DataExport.created_at.desc(), DataExport.id.desc())  # type: ignore[union-attr]
        .limit(1)
    ).first()


def _aware(value: datetime | None) -> datetime | None:
    from datetime import UTC

    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def request_export(*, session: Session, user_id: object) -> DataExport:
    """Start (or return the one already being built) an export for the acting user."""
    user = require_user(session, user_id)
    latest = _latest(session, user.id)  # type: ignore[arg-type]
    if latest is not None and latest.status in (EXPORT_PENDING, EXPORT_RUNNING):
        if utcnow() - _aware(latest.created_at) < STALE_AFTER:  # type: ignore[operator]
            return latest
        latest.status, latest.error = EXPORT_FAILED, "interrupted"
        session.add(latest)
    ratelimit.hit(
        EXPORTS_PER_DAY,
        "export",
        str(user.id),
        message=N_("You have asked for your data several times today. Please try tomorrow."),
    )
    purge_expired(session=session, user_id=user.id)  # type: ignore[arg-type]
    export = DataExport(public_id=secrets.token_urlsafe(18), user_id=user.id)  # type: ignore[arg-type]
    session.add(export)
    session.flush()
    return export


def status(*, session: Session, user_id: object, locale: str | None = None) -> ExportStatus | None:
    user = require_user(session, user_id)
    latest = _latest(session, user.id)  # type: ignore[arg-type]
    if latest is None:
        return None
    expired = latest.expires_at is not None and _aware(latest.expires_at) < utcnow()  # type: ignore[operator]
    if expired:
        return None
    return ExportStatus(
        public_id=latest.public_id,
        status=latest.status,
        progress=latest.progress,
        size=f"{format_number(max(1, latest.size_bytes // 1024), locale)} KB",
        expires=format_day(latest.expires_at, locale) if latest.expires_at else "",
    )


def export_file_for(*, session: Session, user_id: object, public_id: object) -> tuple[Path, User]:
    """The ready, unexpired ZIP of this export if it belongs to ``user_id``; else NotFound."""
    user = require_user(session, user_id)
    if not isinstance(public_id, str) or len(public_id) > 32:
        raise NotFound("That download has expired or does not exist.")
    export = session.exec(select(DataExport).where(DataExport.public_id == public_id)).first()
    if (
        export is None
        or export.user_id != user.id
        or export.status != EXPORT_READY
        or export.file_name is None
        or (export.expires_at is not None and _aware(export.expires_at) < utcnow())  # type: ignore[operator]
    ):
        raise NotFound("That download has expired or does not exist.")
    path = _folder() / export.file_name
    if not path.is_file():
        raise NotFound("That download has expired or does not exist.")
    return path, user


def purge_expired(*, session: Session, user_id: int | None = None) -> int:
    """Delete expired exports' files (after commit) and rows; returns how many."""
    query = select(DataExport).where(DataExport.expires_at < utcnow())  # type: ignore[operator]
    if user_id is not None:
        query = query.where(DataExport.user_id == user_id)
    gone = list(session.exec(query))
    _delete(session, gone)
    return len(gone)


def _delete(session: Session, exports: list[DataExport]) -> None:
    names = [e.file_name for e in exports if e.file_name]
    for export in exports:
        session.delete(export)
    if names:
        folder = _folder()
        on_commit(session, lambda: [(folder / n).unlink(missing_ok=True) for n in names])


def erase_for_deleted_account(*, session: Session, user_id: int) -> None:
    _delete(session, list(session.exec(select(DataExport).where(DataExport.user_id == user_id))))


# ---------------------------------------------------------------------- building


def _iso(value: datetime | None) -> str | None:
    return _aware(value).isoformat() if value else None  # type: ignore[union-attr]


def _profile(session: Session, user: User) -> dict:
    return {
        "handle": user.handle,
        "display_name": user.display_name,
        "email": user.email,
        "bio": user.bio,
        "location": user.location,
        "website": user.website,
        "language": user.locale,
        "joined": _iso(user.created_at),
        "email_confirmed": _iso(user.email_verified_at),
        "avatar": "photos/avatar.webp" if user.avatar_key else None,
    }


def _shop(session: Session, user: User) -> dict | None:
    shop = session.exec(select(Shop).where(Shop.owner_id == user.id)).first()
    if shop is None:
        return None
    rates = session.exec(select(ShippingRate).where(ShippingRate.shop_id == shop.id)).all()
    return {
        "name": shop.name,
        "address": f"/shop/{shop.slug}",
        "about": shop.about,
        "city": shop.city,
        "country": shop.country,
        "shipping_policy": shop.shipping_policy,
        "returns_policy": shop.returns_policy,
        "payment_details": shop.payment_details,
        "accepts_bank_transfer": shop.accepts_bank_transfer,
        "accepts_pickup": shop.accepts_pickup,
        "shipping_rates_cents": {
            r.zone: {"first_item": r.first_item_cents, "each_additional": r.additional_item_cents}
            for r in rates
        },
        "opened": _iso(shop.created_at),
        "closed": _iso(shop.closed_at),
        "logo": "photos/shop-logo.webp" if shop.logo_key else None,
        "banner": "photos/shop-banner.webp" if shop.banner_key else None,
    }


def _listings(session: Session, user: User) -> tuple[list[dict], list[tuple[str, Path]]]:
    shop = session.exec(select(Shop).where(Shop.owner_id == user.id)).first()
    if shop is None:
        return [], []
    rows = session.exec(
        select(Listing).where(Listing.shop_id == shop.id).order_by(Listing.id)  # type: ignore[arg-type]
    ).all()
    photos_by_listing: dict[int, list[ListingPhoto]] = {}
    ids = [r.id for r in rows]
    if ids:
        for photo in session.exec(
            select(ListingPhoto)
            .where(ListingPhoto.listing_id.in_(ids))  # type: ignore[attr-defined]
            .order_by(ListingPhoto.listing_id, ListingPhoto.position)  # type: ignore[arg-type]
        ):
            photos_by_listing.setdefault(photo.listing_id, []).append(photo)
    upload = get_settings().upload_dir
    files: list[tuple[str, Path]] = []
    out = []
    for row in rows:
        names = []
        for n, photo in enumerate(photos_by_listing.get(row.id or 0, []), start=1):
            name = f"photos/listings/{row.id}-{n}.webp"
            files.append((name, upload / listings.photo_url(photo.key, listings.PHOTO_ZOOM)))
            names.append({"file": name, "description": photo.alt})
        out.append(
            {
                "id": row.id,
                "title": row.title,
                "description": row.description,
                "price_cents": row.price_cents,
                "currency": row.currency,
                "quantity": row.quantity,
                "made_to_order": row.made_to_order,
                "lead_time_days": row.lead_time_days,
                "materials": listings.split_terms(row.materials),
                "tags": listings.split_terms(row.tags),
                "category_id": row.category_id,
                "state": row.state,
                "language": row.language,
                "views": row.view_count,
                "favourites": row.favourite_count,
                "created": _iso(row.created_at),
                "published": _iso(row.published_at),
                "photos": names,
            }
        )
    return out, files


def _orders(session: Session, user: User) -> dict:
    bought = session.exec(
        select(Order).where(Order.buyer_id == user.id).order_by(Order.placed_at)  # type: ignore[arg-type]
    ).all()
    shop = session.exec(select(Shop).where(Shop.owner_id == user.id)).first()
    sold = (
        session.exec(
            select(Order).where(Order.shop_id == shop.id).order_by(Order.placed_at)  # type: ignore[arg-type]
        ).all()
        if shop
        else []
    )
    ids = [o.id for o in [*bought, *sold]]
    lines: dict[int, list[OrderLine]] = {}
    if ids:
        for line in session.exec(select(OrderLine).where(OrderLine.order_id.in_(ids))):  # type: ignore[attr-defined]
            lines.setdefault(line.order_id, []).append(line)

    def one(order: Order, *, with_address: bool) -> dict:
        data = {
            "reference": order.reference,
            "shop": order.shop_name,
            "status": order.status,
            "payment_method": order.payment_method,
            "currency": order.currency,
            "items_cents": order.items_cents,
            "shipping_cents": order.shipping_cents,
            "total_cents": order.total_cents,
            "tracking_number": order.tracking_number,
            "cancel_reason": order.cancel_reason,
            "placed": _iso(order.placed_at),
            "paid": _iso(order.paid_at),
            "shipped": _iso(order.shipped_at),
            "delivered": _iso(order.delivered_at),
            "cancelled": _iso(order.cancelled_at),
            "lines": [
                {
                    "title": li.title,
                    "unit_price_cents": li.unit_price_cents,
                    "quantity": li.quantity,
                    "line_total_cents": li.line_total_cents,
                }
                for li in lines.get(order.id or 0, [])
            ],
        }
        if with_address:  # the buyer's own address; a shop's buyers' addresses are theirs
            data["shipping_address"] = {
                "name": order.ship_name,
                "line1": order.ship_line1,
                "line2": order.ship_line2,
                "postcode": order.ship_postcode,
                "city": order.ship_city,
                "country": order.ship_country,
            }
        return data

    return {
        "bought": [one(o, with_address=True) for o in bought],
        "sold": [one(o, with_address=False) for o in sold],
    }


def _favourites(session: Session, user: User) -> dict:
    hearted = session.exec(
        select(Listing.id, Listing.title, FavouriteListing.created_at)
        .join(FavouriteListing, FavouriteListing.listing_id == Listing.id)
        .where(FavouriteListing.user_id == user.id)
    ).all()
    hearted_shops = session.exec(
        select(Shop.slug, Shop.name, FavouriteShop.created_at)
        .join(FavouriteShop, FavouriteShop.shop_id == Shop.id)
        .where(FavouriteShop.user_id == user.id)
    ).all()
    cart = session.exec(
        select(Listing.id, Listing.title, CartItem.quantity)
        .join(CartItem, CartItem.listing_id == Listing.id)
        .where(CartItem.user_id == user.id)
    ).all()
    return {
        "listings": [{"id": i, "title": t, "since": _iso(w)} for i, t, w in hearted],
        "shops": [
            {"address": f"/shop/{s}", "name": n, "since": _iso(w)} for s, n, w in hearted_shops
        ],
        "cart": [{"listing_id": i, "title": t, "quantity": q} for i, t, q in cart],
    }


README = """Your data from Social Market
============================

profile.json      your account and profile
shop.json         your shop (if you opened one), with its payment details and shipping rates
listings.json     every listing of your shop, with its photos in photos/listings/
orders.json       what you bought (with your shipping addresses) and what your shop sold
favourites.json   the pieces and shops you hearted, and your cart
photos/           your profile photo, shop logo and banner, listing photos

Money is in cents (1234 = 12.34) with its currency; times are in UTC (ISO 8601).
"""


def _set(scope, export_id: int, **values: object) -> None:
    with scope() as session:
        session.exec(update(DataExport).where(DataExport.id == export_id).values(**values))


def build_export(
    *,
    export_id: int,
    progress: Callable[[int], None] | None = None,
    scope: Callable = session_scope,
) -> None:
    """Build the ZIP for ``export_id`` (in a background thread); progress goes to its row.

    Each step commits on its own (``scope`` makes the sessions; tests pass their own) so
    the page can show the progress while the build goes on.
    """

    def step(pct: int) -> None:
        _set(scope, export_id, progress=pct)
        if progress is not None:
            progress(pct)

    file_name = f"{secrets.token_hex(16)}.zip"
    path = _folder() / file_name
    try:
        _set(scope, export_id, status=EXPORT_RUNNING, progress=1)
        with scope() as session:
            export = session.get(DataExport, export_id)
            assert export is not None
            user = session.get(User, export.user_id)
            assert user is not None
            upload = get_settings().upload_dir
            profile = _profile(session, user)
            step(10)
            shop = _shop(session, user)
            shop_row = session.exec(select(Shop).where(Shop.owner_id == user.id)).first()
            step(20)
            listing_data, photo_files = _listings(session, user)
            step(40)
            orders = _orders(session, user)
            step(55)
            hearts = _favourites(session, user)
            step(60)
            extra: list[tuple[str, Path]] = []
            if user.avatar_key:
                extra.append(
                    ("photos/avatar.webp", upload / profiles.avatar_url(user.avatar_key, 400))
                )
            if shop_row is not None and shop_row.logo_key:
                extra.append(
                    ("photos/shop-logo.webp", upload / shops.logo_url(shop_row.logo_key, 400))
                )
            if shop_row is not None and shop_row.banner_key:
                extra.append(
                    ("photos/shop-banner.webp", upload / shops.banner_url(shop_row.banner_key))
                )
        files = [*extra, *photo_files]
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("README.txt", README)
            for name, data in (
                ("profile.json", profile),
                ("shop.json", shop),
                ("listings.json", listing_data),
                ("orders.json", orders),
                ("favourites.json", hearts),
            ):
                archive.writestr(name, json.dumps(data, ensure_ascii=False, indent=2))
            for n, (name, source) in enumerate(files, start=1):
                if source.is_file():
                    # Photos are already compressed: store them as they are.
                    archive.write(source, name, compress_type=zipfile.ZIP_STORED)
                if n % 10 == 0:
                    step(60 + 38 * n // max(1, len(files)))
        _set(
            scope,
            export_id,
            status=EXPORT_READY,
            progress=100,
            file_name=file_name,
            size_bytes=path.stat().st_size,
            finished_at=utcnow(),
            expires_at=utcnow() + timedelta(days=EXPORT_DAYS),
        )
        if progress is not None:
            progress(100)
    except Exception:
        log.exception("data export %s failed", export_id)
        path.unlink(missing_ok=True)
        _set(scope, export_id, status=EXPORT_FAILED, error="build failed")
        raise
