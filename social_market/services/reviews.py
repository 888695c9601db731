"""Verified-purchase reviews: one per order line, by its buyer only, once the item has
arrived (delivered, or 14 days after shipping); stars 1–5, text and up to 3 photos,
editable for 60 days; one public reply by the maker; "helpful" marks by others.

Listings and shops keep ``rating_count`` / ``rating_sum`` of their visible reviews, changed
only by atomic UPDATEs in the transaction that changes a review (write, edit, hide,
unhide, erase), so pages show ratings without counting. What the viewer's network says
is in services/trust.py.
"""

from __future__ import annotations

from datetime import timedelta

from limits import parse
from pydantic import BaseModel
from sqlalchemy import delete, literal, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from social_market.i18n.catalog import N_
from social_market.i18n.format import format_ago
from social_market.models import (
    Block,
    Listing,
    Order,
    OrderLine,
    Review,
    ReviewHelpful,
    ReviewPhoto,
    Shop,
    User,
    utcnow,
)
from social_market.models.market import (
    ACTIVE,
    CANCELLED,
    DELETED,
    DELIVERED,
    SHIPPED,
    SOLD_OUT,
)
from social_market.models.notification import N_REVIEW
from social_market.services import images, listening, notifications, profiles, ratelimit
from social_market.services.accounts import require_user
from social_market.services.after_commit import on_commit
from social_market.services.blocks import is_blocked_between
from social_market.services.errors import InvalidInput, NotAllowed, NotFound
from social_market.services.ids import MAX_ID, as_id
from social_market.services.rich_text import Segment, segments
from social_market.services.text import clean_text
from social_market.urls import listing_url

MAX_BODY = 5000
MAX_REPLY = 2000
MAX_PHOTOS = 3
EDIT_DAYS = 60
AFTER_SHIPPING_DAYS = 14  # reviewable this long after shipping, even if never marked delivered
PAGE = 10
PHOTO_FOLDER = "reviews"
PHOTO_SIZES = (240, 1000)
REVIEWS_PER_HOUR = parse("30/hour")
HELPFUL_PER_HOUR = parse("200/hour")


class ReviewView(BaseModel):
    """One review as pages show it: safe for client-visible state."""

    id: int
    author_handle: str
    author_name: str
    author_avatar: str
    author_initials: str
    rating: int
    segments: list[Segment]
    photos: list[str]  # thumbnail URLs (below the upload URL)
    photos_large: list[str]
    when: str
    when_iso: str
    edited: bool
    listing_title: str
    listing_url: str
    reply: list[Segment]
    reply_when: str
    helpful_count: int
    helpful: bool  # the viewer marked it
    mine: bool
    can_edit: bool  # the author, within the editing window
    can_reply: bool  # the shop's owner, while there is no reply
    can_mark: bool  # signed in and not the author


class ReviewPage(BaseModel):
    reviews: list[ReviewView]
    next_cursor: str  # '' at the end


class LineReview(BaseModel):
    """How one line of the buyer's order stands with reviews (for the order page)."""

    line_id: int
    can_review: bool
    review_id: int
    rating: int
    body: str
    can_edit: bool


# --- who may review what -------------------------------------------------------------


def arrived(order: Order, now=None) -> bool:
    """Delivered, or shipped at least AFTER_SHIPPING_DAYS ago (not cancelled)."""
    now = now or utcnow()
    if order.status == DELIVERED:
        return True
    return (
        order.status == SHIPPED
        and order.shipped_at is not None
        and order.shipped_at + timedelta(days=AFTER_SHIPPING_DAYS) <= now
    )


def _editable(review: Review, now=None) -> bool:
    return (now or utcnow()) <= review.created_at + timedelta(days=EDIT_DAYS)


def _own_line(session: Session, buyer_id: int, line_id: object) -> tuple[OrderLine, Order]:
    lid = as_id(line_id)
    row = (
        session.exec(
            select(OrderLine, Order)
            .join(Order, Order.id == OrderLine.order_id)  # type: ignore[arg-type]
            .where(OrderLine.id == lid, Order.buyer_id == buyer_id)
        ).first()
        if lid
        else None
    )
    if row is None:
        raise NotFound("Only buyers can review, and only what they bought.")
    return row


def line_reviews(*, session: Session, buyer_id: int, order_id: int) -> dict[int, LineReview]:
    """Each line of the buyer's order with its review state (one query)."""
    now = utcnow()
    rows = session.exec(
        select(OrderLine, Order, Review)
        .join(Order, Order.id == OrderLine.order_id)  # type: ignore[arg-type]
        .outerjoin(Review, Review.order_line_id == OrderLine.id)  # type: ignore[arg-type]
        .where(OrderLine.order_id == order_id, Order.buyer_id == buyer_id)
    ).all()
    return {
        line.id: LineReview(  # type: ignore[misc]
            line_id=line.id or 0,
            can_review=review is None and line.listing_id is not None and arrived(order, now),
            review_id=review.id if review else 0,
            rating=review.rating if review else 0,
            body=review.body if review else "",
            can_edit=review is not None and _editable(review, now) and review.hidden_at is None,
        )
        for line, order, review in rows
    }


# --- writing ---------------------------------------------------------------------------


def _rating(value: object) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise InvalidInput("Please choose from 1 to 5 stars.", field="rating")
    return value


def _body(value: object) -> str:
    return clean_text(value, field="body", label=N_("Review"), max_length=MAX_BODY, multiline=True)


def _count(session: Session, review: Review, count: int, stars: int) -> None:
    """Add to (or take from) the listing's and the shop's rating totals."""
    for table, key in ((Listing, review.listing_id), (Shop, review.shop_id)):
        session.exec(
            update(table)
            .where(table.id == key)  # type: ignore[attr-defined]
            .values(
                rating_count=table.rating_count + count,  # type: ignore[attr-defined]
                rating_sum=table.rating_sum + stars,  # type: ignore[attr-defined]
            )
        )


def _check_photos(keys: object) -> list[str]:
    if keys is None:
        return []
    if not isinstance(keys, list) or not all(isinstance(k, str) and k for k in keys):
        raise InvalidInput("Please choose the photos again.", field="photos")
    if len(keys) > MAX_PHOTOS:
        raise InvalidInput("At most {count} photos.", field="photos", count=MAX_PHOTOS)
    return keys


def store_photo(*, session: Session, actor_id: object, data: bytes) -> str:
    """Check and store a photo for a review; returns its key (kept on the server until
    the review is saved)."""
    me = require_user(session, actor_id)
    ratelimit.hit(
        ratelimit.UPLOADS_PER_USER,
        "upload",
        str(me.id),
        message=N_("You have uploaded a lot of images in the last hour. Please wait a little."),
    )
    stored, _, _ = images.store_image(data, folder=PHOTO_FOLDER, square=(240,), fit=(1000,))
    return stored.key


def discard_photos(keys: list[str]) -> None:
    for key in keys:
        images.delete_stored(key, folder=PHOTO_FOLDER, sizes=PHOTO_SIZES)


def _set_photos(session: Session, review_id: int, keys: list[str]) -> None:
    old = list(session.exec(select(ReviewPhoto.key).where(ReviewPhoto.review_id == review_id)))
    session.exec(delete(ReviewPhoto).where(ReviewPhoto.review_id == review_id))  # type: ignore[arg-type]
    for position, key in enumerate(keys):
        session.add(ReviewPhoto(review_id=review_id, position=position, key=key))
    gone = [k for k in old if k not in keys]
    if gone:
        on_commit(session, lambda: discard_photos(gone))


def write_review(
    *,
    session: Session,
    actor_id: object,
    line_id: object,
    rating: object,
    body: object = "",
    photo_keys: list[str] | None = None,
) -> Review:
    """Review one bought item (the caller commits). ``photo_keys`` come from
    ``store_photo`` and are kept on the server, never taken from the browser.

    Raises:
        NotFound: not the actor's purchase.
        InvalidInput: bad stars, text or photos; not arrived yet; already reviewed.
        RateLimited: too many reviews in an hour.
    """
    me = require_user(session, actor_id)
    line, order = _own_line(session, me.id, line_id)  # type: ignore[arg-type]
    stars = _rating(rating)
    text = _body(body)
    keys = _check_photos(photo_keys)
    if order.status == CANCELLED or line.listing_id is None:
        raise InvalidInput("This item can't be reviewed.")
    if not arrived(order):
        raise InvalidInput(
            "You can review this once it has arrived (or {days} days after shipping).",
            days=AFTER_SHIPPING_DAYS,
        )
    if session.exec(select(Review.id).where(Review.order_line_id == line.id)).first():
        raise InvalidInput("You have already reviewed this item. You can edit your review.")
    ratelimit.hit(
        REVIEWS_PER_HOUR,
        "review",
        str(me.id),
        message=N_("You have written a lot of reviews in the last hour. Please wait a little."),
    )
    review = Review(
        order_line_id=line.id,  # type: ignore[arg-type]
        order_id=order.id,  # type: ignore[arg-type]
        listing_id=line.listing_id,
        shop_id=order.shop_id,
        author_id=me.id,  # type: ignore[arg-type]
        rating=stars,
        body=text,
    )
    try:
        with session.begin_nested():
            session.add(review)
            session.flush()
    except IntegrityError:  # the same line reviewed at the same moment in another tab
        raise InvalidInput(
            "You have already reviewed this item. You can edit your review."
        ) from None
    _set_photos(session, review.id, keys)  # type: ignore[arg-type]
    _count(session, review, 1, stars)
    owner = session.exec(select(Shop.owner_id).where(Shop.id == order.shop_id)).first()
    if owner is not None:
        listening.record(
            session,
            shop_id=order.shop_id,
            kind="review",
            subject_kind="review",
            subject_id=review.id,  # type: ignore[arg-type]
            author_id=me.id,  # type: ignore[arg-type]
            snippet=f"{'★' * stars} {text}" if text else f"{'★' * stars} {line.title}",
            link=_review_link(session, review),
            owner_id=owner,
        )
        notifications.notify(
            session,
            user_id=owner,
            kind=N_REVIEW,
            detail="new",
            actor_id=me.id,
            link=_review_link(session, review),
            snippet=f"{'★' * stars} {line.title}",
            subject_key=f"review:{review.id}",
        )
    _taste_changed(session, me.id)  # type: ignore[arg-type]
    return review


def _review_link(session: Session, review: Review) -> str:
    listing = session.get(Listing, review.listing_id)
    base = listing_url(review.listing_id, listing.slug) if listing else "/"
    return f"{base}#review-{review.id}"


def _taste_changed(session: Session, user_id: int) -> None:
    """Good reviews feed the recommendations: mark the person for the next run."""
    from social_market.services import recommendations

    recommendations.mark_dirty(session, user_id)


def _own_review(session: Session, me: int, review_id: object) -> Review:
    rid = as_id(review_id)
    review = session.get(Review, rid) if rid else None
    if review is None or review.author_id != me:
        raise NotFound("We couldn't find that review.")
    return review


def edit_review(
    *,
    session: Session,
    actor_id: object,
    review_id: object,
    rating: object,
    body: object = "",
    photo_keys: list[str] | None = None,
) -> Review:
    """Change one's review within EDIT_DAYS of writing it. ``photo_keys`` (server-held)
    replaces the photos; None keeps them."""
    me = require_user(session, actor_id)
    review = _own_review(session, me.id, review_id)  # type: ignore[arg-type]
    stars = _rating(rating)
    text = _body(body)
    keys = _check_photos(photo_keys) if photo_keys is not None else None
    if not _editable(review):
        raise InvalidInput("Reviews can be changed for {days} days.", days=EDIT_DAYS)
    if review.hidden_at is not None:
        raise NotAllowed("Our moderators hid this review.")
    if stars != review.rating:
        _count(session, review, 0, stars - review.rating)
    review.rating, review.body, review.edited_at = stars, text, utcnow()
    session.add(review)
    if keys is not None:
        _set_photos(session, review.id, keys)  # type: ignore[arg-type]
    _taste_changed(session, me.id)  # type: ignore[arg-type]
    return review


def reply(*, session: Session, actor_id: object, review_id: object, body: object) -> Review:
    """The maker's one public reply to a review of their shop (can be corrected)."""
    me = require_user(session, actor_id)
    rid = as_id(review_id)
    row = (
        session.exec(
            select(Review, Shop).join(Shop, Shop.id == Review.shop_id).where(Review.id == rid)  # type: ignore[arg-type]
        ).first()
        if rid
        else None
    )
    if row is None or row[0].hidden_at is not None:
        raise NotFound("We couldn't find that review.")
    review, shop = row
    if shop.owner_id != me.id:
        raise NotAllowed("Only the shop's maker can reply to its reviews.")
    text = clean_text(body, field="reply", label=N_("Reply"), max_length=MAX_REPLY, multiline=True)
    if not text.strip():
        raise InvalidInput("Please write your reply.", field="reply")
    first = review.reply_at is None
    review.reply_body, review.reply_at = text, review.reply_at or utcnow()
    session.add(review)
    listening.mark_answered(session, shop.id, "review", review.id)  # type: ignore[arg-type]
    if first:
        notifications.notify(
            session,
            user_id=review.author_id,
            kind=N_REVIEW,
            detail="reply",
            actor_id=me.id,
            link=_review_link(session, review),
            snippet=text,
            subject_key=f"review-reply:{review.id}",
        )
    return review


def set_helpful(
    *, session: Session, actor_id: object, review_id: object, on: object
) -> tuple[bool, int]:
    """Mark (``on`` True) or unmark a review as helpful; idempotent, never one's own.
    Returns (marked, helpful count)."""
    me = require_user(session, actor_id)
    rid = as_id(review_id)
    review = session.get(Review, rid) if rid else None
    if review is None or review.hidden_at is not None:
        raise NotFound("We couldn't find that review.")
    if review.author_id == me.id:
        raise InvalidInput("You can't mark your own review as helpful.")
    if is_blocked_between(session, me.id, review.author_id):
        raise NotAllowed("You can't mark this review.")
    ratelimit.hit(
        HELPFUL_PER_HOUR,
        "helpful",
        str(me.id),
        message=N_("That was a lot of clicks. Please wait a little."),
    )
    changed = 0
    if on is True:
        if session.get(ReviewHelpful, (review.id, me.id)) is None:
            try:
                with session.begin_nested():
                    session.add(ReviewHelpful(review_id=review.id, user_id=me.id))  # type: ignore[arg-type]
                    session.flush()
                changed = 1
            except IntegrityError:
                pass
    else:
        result = session.exec(
            delete(ReviewHelpful).where(
                ReviewHelpful.review_id == review.id,  # type: ignore[arg-type]
                ReviewHelpful.user_id == me.id,  # type: ignore[arg-type]
            )
        )
        changed = -1 if result.rowcount else 0  # type: ignore[attr-defined]
    if changed:
        session.exec(
            update(Review)
            .where(Review.id == review.id)  # type: ignore[arg-type]
            .values(helpful_count=Review.helpful_count + changed)
        )
        from social_market.services import rewards

        rewards.on_helpful(session, review, me.id, changed > 0)  # type: ignore[arg-type]
    session.refresh(review)
    return on is True, review.helpful_count


# --- moderation and account deletion ----------------------------------------------------


def set_hidden(session: Session, review_id: int, hidden: bool) -> None:
    """Moderators hide (or show again) a review; the rating totals follow."""
    review = session.get(Review, review_id)
    if review is None:
        raise NotFound("We couldn't find that review.")
    was_hidden = review.hidden_at is not None
    if hidden and review.hidden_at is None:
        review.hidden_at = utcnow()
        _count(session, review, -1, -review.rating)
    elif not hidden and review.hidden_at is not None:
        review.hidden_at = None
        _count(session, review, 1, review.rating)
    session.add(review)
    # Hidden reviews leave the maker's listening inbox; shown again, they come back.
    if hidden:
        listening.forget(session, "review", review_id)
    elif was_hidden:
        listening.record(
            session,
            shop_id=review.shop_id,
            kind="review",
            subject_kind="review",
            subject_id=review_id,
            author_id=review.author_id,
            snippet=f"{'★' * review.rating} {review.body}",
            link=_review_link(session, review),
            answered=review.reply_at is not None,
        )


def erase_for_deleted_account(*, session: Session, user_id: int) -> None:
    """A deleted account's reviews go (totals fixed), and so do its helpful marks."""
    for review in session.exec(select(Review).where(Review.author_id == user_id)).all():
        if review.hidden_at is None:
            _count(session, review, -1, -review.rating)
        keys = list(session.exec(select(ReviewPhoto.key).where(ReviewPhoto.review_id == review.id)))
        if keys:
            on_commit(session, lambda keys=keys: discard_photos(keys))
        session.exec(delete(ReviewPhoto).where(ReviewPhoto.review_id == review.id))  # type: ignore[arg-type]
        session.exec(delete(ReviewHelpful).where(ReviewHelpful.review_id == review.id))  # type: ignore[arg-type]
        session.delete(review)
    marked = list(
        session.exec(select(ReviewHelpful.review_id).where(ReviewHelpful.user_id == user_id))
    )
    if marked:
        session.exec(delete(ReviewHelpful).where(ReviewHelpful.user_id == user_id))  # type: ignore[arg-type]
        session.exec(
            update(Review)
            .where(Review.id.in_(marked))  # type: ignore[union-attr]
            .values(helpful_count=Review.helpful_count - 1)
        )


# --- reading ------------------------------------------------------------------------------


def average(count: int, total: int) -> float:
    return round(total / count, 1) if count else 0.0


def visible_subject(
    session: Session, viewer_id: int | None, *, listing_ref: object = None, shop_slug: object = None
) -> tuple[int | None, int | None]:
    """(listing id, None) or (None, shop id) of a listing or shop page the viewer may
    see (the pages' own rule: public, or the viewer's own), else NotFound. One query."""
    from social_market.services.listings import parse_listing_ref

    query = select(Listing.id, Shop.id, Listing.state, Shop.owner_id).join(
        Shop,
        Shop.id == Listing.shop_id,  # type: ignore[arg-type]
    )
    if listing_ref is not None:
        lid = parse_listing_ref(listing_ref)
        row = session.exec(query.where(Listing.id == lid)).first() if lid else None
        if row is not None and row[2] not in (ACTIVE, SOLD_OUT) and row[3] != viewer_id:
            row = None
    else:
        slug = shop_slug.strip().lower() if isinstance(shop_slug, str) else ""
        row = session.exec(
            select(literal(None), Shop.id, literal(ACTIVE), Shop.owner_id).where(Shop.slug == slug)
        ).first()
    if row is not None:
        owner = session.get(User, row[3])
        shop = session.get(Shop, row[1])
        public = (
            owner is not None
            and owner.deleted_at is None
            and owner.suspended_at is None
            and shop is not None
            and shop.closed_at is None
            and shop.hidden_at is None
        )
        if public or (owner is not None and owner.id == viewer_id and row[2] != DELETED):
            return (row[0], None) if listing_ref is not None else (None, row[1])
    raise NotFound("We couldn't find those reviews.")


def _decode_cursor(cursor: object) -> int:
    if cursor in (None, ""):
        return MAX_ID - 1
    value = as_id(cursor)
    if value is None:
        raise InvalidInput("This list has changed. Please reload the page.")
    return value


def list_reviews(
    *,
    session: Session,
    viewer_id: int | None,
    listing_id: object = None,
    shop_id: object = None,
    cursor: object = None,
    limit: int = PAGE,
    locale: str | None = None,
) -> ReviewPage:
    """A listing's (or a whole shop's) reviews, newest first, a keyset page at a time.
    Hidden reviews, and reviews by suspended or deleted accounts or by people blocked
    either way with the viewer, are left out. Five queries whatever the page holds."""
    before = _decode_cursor(cursor)
    lid, sid = as_id(listing_id), as_id(shop_id)
    if (lid is None) == (sid is None):
        raise NotFound("We couldn't find those reviews.")
    query = select(Review).where(Review.hidden_at.is_(None), Review.id < before)  # type: ignore[union-attr, operator]
    query = query.where(Review.listing_id == lid) if lid else query.where(Review.shop_id == sid)
    if viewer_id is not None:
        query = query.where(
            Review.author_id.not_in(select(Block.blocked_id).where(Block.blocker_id == viewer_id)),  # type: ignore[attr-defined]
            Review.author_id.not_in(select(Block.blocker_id).where(Block.blocked_id == viewer_id)),  # type: ignore[attr-defined]
        )
    query = query.join(User, User.id == Review.author_id).where(  # type: ignore[arg-type]
        User.deleted_at.is_(None),  # type: ignore[union-attr]
        User.suspended_at.is_(None),  # type: ignore[union-attr]
    )
    rows = list(session.exec(query.order_by(Review.id.desc()).limit(limit + 1)))  # type: ignore[union-attr]
    more = len(rows) > limit
    rows = rows[:limit]
    return ReviewPage(
        reviews=views(session, viewer_id, rows, locale),
        next_cursor=str(rows[-1].id) if more and rows else "",
    )


def views(
    session: Session, viewer_id: int | None, rows: list[Review], locale: str | None
) -> list[ReviewView]:
    """Cards for these reviews: four batch queries (authors, photos, listings and shops,
    the viewer's helpful marks)."""
    if not rows:
        return []
    ids = [r.id for r in rows]
    authors = {
        u.id: u
        for u in session.exec(select(User).where(User.id.in_({r.author_id for r in rows})))  # type: ignore[union-attr]
    }
    photos: dict[int, list[str]] = {}
    for photo in session.exec(
        select(ReviewPhoto)
        .where(ReviewPhoto.review_id.in_(ids))  # type: ignore[attr-defined]
        .order_by(ReviewPhoto.review_id, ReviewPhoto.position)
    ):
        photos.setdefault(photo.review_id, []).append(photo.key)
    listings = {
        listing_id: (title, slug, owner)
        for listing_id, title, slug, owner in session.exec(
            select(Listing.id, Listing.title, Listing.slug, Shop.owner_id)
            .join(Shop, Shop.id == Listing.shop_id)  # type: ignore[arg-type]
            .where(Listing.id.in_({r.listing_id for r in rows}))  # type: ignore[union-attr]
        )
    }
    marked: set[int] = set()
    if viewer_id is not None:
        marked = set(
            session.exec(
                select(ReviewHelpful.review_id).where(
                    ReviewHelpful.user_id == viewer_id,
                    ReviewHelpful.review_id.in_(ids),  # type: ignore[attr-defined]
                )
            )
        )
    now = utcnow()
    out = []
    for r in rows:
        author = authors.get(r.author_id)
        if author is None:
            continue
        name = author.display_name or author.handle
        title, slug, owner = listings.get(r.listing_id, ("", "", None))
        keys = photos.get(r.id or 0, [])
        out.append(
            ReviewView(
                id=r.id or 0,
                author_handle=author.handle,
                author_name=name,
                author_avatar=profiles.avatar_url(author.avatar_key),
                author_initials=profiles.initials(name),
                rating=r.rating,
                segments=segments(r.body),
                photos=[f"{PHOTO_FOLDER}/{k}_240.webp" for k in keys],
                photos_large=[f"{PHOTO_FOLDER}/{k}_1000.webp" for k in keys],
                when=format_ago(r.created_at, now, locale),
                when_iso=r.created_at.isoformat(),
                edited=r.edited_at is not None,
                listing_title=title,
                listing_url=listing_url(r.listing_id, slug) if slug else "",
                reply=segments(r.reply_body) if r.reply_body else [],
                reply_when=format_ago(r.reply_at, now, locale) if r.reply_at else "",
                helpful_count=r.helpful_count,
                helpful=r.id in marked,
                mine=r.author_id == viewer_id,
                can_edit=r.author_id == viewer_id and _editable(r, now),
                can_reply=viewer_id is not None and owner == viewer_id and not r.reply_body,
                can_mark=viewer_id is not None and r.author_id != viewer_id,
            )
        )
    return out
