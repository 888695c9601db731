"""Sharing what one bought: per item, with a comment and maybe a photo, to nobody (the
default), one's followers, or everyone. A shared purchase shows the piece, the shop and
what the buyer said, never the price paid, the address or the order number."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import delete, update
from sqlmodel import Session, select

from social_market.i18n.catalog import N_
from social_market.models import (
    Activity,
    Order,
    OrderLine,
    SharedPurchase,
    User,
    utcnow,
)
from social_market.models.market import CANCELLED
from social_market.models.social import A_SHARE
from social_market.services import feed, images, privacy
from social_market.services.accounts import require_user
from social_market.services.after_commit import on_commit
from social_market.services.errors import NotFound
from social_market.services.ids import as_id
from social_market.services.text import clean_text

PHOTO_FOLDER = "shares"
PHOTO_SIZES = (400, 800)
AUDIENCE_NAMES = {0: "nobody", 1: "followers", 2: "everyone"}


class ShareState(BaseModel):
    """How one order line is shared (for its buyer's order page)."""

    line_id: int
    audience: str  # nobody | followers | everyone
    comment: str
    share_id: int


def _own_line(session: Session, buyer_id: int, line_id: object) -> tuple[OrderLine, Order]:
    lid = as_id(line_id)
    row = (
        session.exec(
            select(OrderLine, Order)
            .join(Order, Order.id == OrderLine.order_id)
            .where(OrderLine.id == lid, Order.buyer_id == buyer_id)
        ).first()
        if lid
        else None
    )
    if row is None:
        raise NotFound("We couldn't find that purchase.")
    return row


def share_states(*, session: Session, buyer_id: int, order_id: int) -> dict[int, ShareState]:
    """Each line of the buyer's order with how it is shared (one query)."""
    rows = session.exec(
        select(OrderLine.id, SharedPurchase)
        .join(Order, Order.id == OrderLine.order_id)
        .outerjoin(SharedPurchase, SharedPurchase.order_line_id == OrderLine.id)
        .where(OrderLine.order_id == order_id, Order.buyer_id == buyer_id)
    ).all()
    return {
        line_id: ShareState(
            line_id=line_id,
            audience=AUDIENCE_NAMES[share.audience] if share else "nobody",
            comment=share.comment if share else "",
            share_id=share.id if share else 0,
        )
        for line_id, share in rows
    }


def line_share(*, session: Session, buyer_id: int, line_id: object) -> tuple[str, ShareState]:
    """An item of the buyer's order with how it is shared: what the share dialog shows.
    Not shared yet: the buyer's default audience from their privacy settings."""
    me = require_user(session, buyer_id)
    line, _ = _own_line(session, me.id, line_id)  # type: ignore[arg-type]
    share = session.exec(
        select(SharedPurchase).where(SharedPurchase.order_line_id == line.id)
    ).first()
    return line.title, ShareState(
        line_id=line.id or 0,
        audience=AUDIENCE_NAMES[share.audience if share else me.share_default],
        comment=share.comment if share else "",
        share_id=share.id if share else 0,
    )


def share_purchase(
    *,
    session: Session,
    actor_id: object,
    line_id: object,
    audience: object,
    comment: object = "",
    photo: bytes | None = None,
    photo_key: str | None = None,
) -> ShareState:
    """Share (or stop sharing, with audience 'nobody') one bought item.

    Raises:
        NotFound: the line is not the actor's purchase.
        InvalidInput: a bad audience, comment or photo (nothing changes).
    """
    me = require_user(session, actor_id)
    line, order = _own_line(session, me.id, line_id)  # type: ignore[arg-type]
    level = privacy.share_audience(audience)
    text = clean_text(
        comment, field="comment", label=N_("Comment"), max_length=1000, multiline=True
    )
    existing = session.exec(
        select(SharedPurchase).where(SharedPurchase.order_line_id == line.id)
    ).first()
    if level == 0:
        if existing is not None:
            _remove(session, existing)
        return ShareState(line_id=line.id or 0, audience="nobody", comment="", share_id=0)
    if order.status == CANCELLED:
        raise NotFound("A cancelled order can't be shared.")
    new_key = store_photo(photo) if photo is not None else photo_key
    photo_key = existing.photo_key if existing else None
    if new_key:
        old = photo_key
        photo_key = new_key
        if old:
            on_commit(
                session, lambda: images.delete_stored(old, folder=PHOTO_FOLDER, sizes=PHOTO_SIZES)
            )
    if existing is None:
        existing = SharedPurchase(
            user_id=me.id,  # type: ignore[arg-type]
            order_line_id=line.id,  # type: ignore[arg-type]
            listing_id=line.listing_id,
            shop_id=order.shop_id,
            title=line.title,
            comment=text,
            photo_key=photo_key,
            audience=level,
        )
        session.add(existing)
        session.flush()
        feed.record(
            session,
            kind=A_SHARE,
            actor_id=me.id,
            share_id=existing.id,
            listing_id=line.listing_id,
            audience=level,
        )
    else:
        existing.comment, existing.photo_key, existing.audience = text, photo_key, level
        existing.updated_at = utcnow()
        session.add(existing)
        session.exec(
            update(Activity).where(Activity.share_id == existing.id).values(audience=level)  # type: ignore[arg-type]
        )
    return ShareState(
        line_id=line.id or 0,
        audience=AUDIENCE_NAMES[level],
        comment=text,
        share_id=existing.id or 0,
    )


def store_photo(data: bytes) -> str:
    """Check and store a buyer's photo of what they bought; returns its key (kept on the
    server until the share is saved)."""
    stored, _, _ = images.store_image(data, folder=PHOTO_FOLDER, square=(400,), fit=(800,))
    return stored.key


def _remove(session: Session, share: SharedPurchase) -> None:
    key = share.photo_key
    session.exec(delete(Activity).where(Activity.share_id == share.id))  # type: ignore[arg-type]
    from social_market.services import comments, likes

    comments.erase_subject(session, "share", share.id or 0)
    likes.erase_subject(session, "share", share.id or 0)
    session.delete(share)
    session.flush()
    if key:
        on_commit(
            session, lambda: images.delete_stored(key, folder=PHOTO_FOLDER, sizes=PHOTO_SIZES)
        )


def visible_share(session: Session, viewer_id: int | None, share_id: object) -> SharedPurchase:
    """The shared purchase if the viewer may see it, else NotFound (the same answer
    whether it doesn't exist or is hidden from them)."""
    sid = as_id(share_id)
    share = session.get(SharedPurchase, sid) if sid else None
    owner = session.get(User, share.user_id) if share else None
    if share is None or owner is None or owner.deleted_at is not None:
        raise NotFound("We couldn't find that.")
    level = privacy.relation(session, viewer_id, owner.id or 0)
    if not privacy.can_see(share.audience, level):
        raise NotFound("We couldn't find that.")
    return share


VIA_SHARE = "share"


def attribution(
    session: Session, via: object, listing_id: int, viewer_id: int
) -> tuple[str, int | None]:
    """("share", id) when ``via`` ("share:<id>") names a shared purchase of this listing
    that the viewer may see; ("", None) for anything else (never an error)."""
    if not isinstance(via, str) or not via.startswith(VIA_SHARE + ":") or len(via) > 30:
        return "", None
    try:
        share = visible_share(session, viewer_id, via.split(":", 1)[1])
    except NotFound:
        return "", None
    if share.listing_id != listing_id or share.user_id == viewer_id:
        return "", None
    return VIA_SHARE, share.id


def share_card(*, session: Session, viewer_id: int | None, share_id: object, locale=None):
    """The shared purchase as a feed card, for its own page."""
    share = visible_share(session, viewer_id, share_id)
    activity_id = session.exec(select(Activity.id).where(Activity.share_id == share.id)).first()
    cards = feed.build_cards(session, viewer_id, [activity_id] if activity_id else [], locale)
    if not cards:
        raise NotFound("We couldn't find that.")
    return cards[0]


def erase_for_deleted_account(*, session: Session, user_id: int) -> None:
    for share in session.exec(select(SharedPurchase).where(SharedPurchase.user_id == user_id)):
        _remove(session, share)
