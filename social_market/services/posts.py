"""Makers' posts: a microblog on each shop (news, new pieces, special offers, questions).

A post is written by the shop's owner, may carry up to four photos and point at up to
four of the shop's listings. Special offers have a price or a discount and an end
date, and may be for followers only. Publishing a listing for the first time posts a
"new piece" automatically when the shop allows it. Every post is one ``Activity`` row,
which is what feeds read (services/feed.py); nothing is copied to followers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from limits import parse
from sqlalchemy import delete
from sqlmodel import Session, select

from social_market.i18n.catalog import N_
from social_market.models import (
    Activity,
    Comment,
    Listing,
    Post,
    PostListing,
    PostPhoto,
    Shop,
    utcnow,
)
from social_market.models.market import ACTIVE, SOLD_OUT
from social_market.models.social import (
    A_POST,
    EVERYONE,
    FOLLOWERS,
    NEW_PIECE,
    NEWS,
    OFFER,
    ON_POST,
    POST_KINDS,
    QUESTION,
)
from social_market.services import images, listening, ratelimit
from social_market.services.after_commit import on_commit
from social_market.services.errors import InvalidInput, NotAllowed, NotFound
from social_market.services.ids import as_id
from social_market.services.money import parse_cents
from social_market.services.shops import require_own_shop
from social_market.services.text import clean_text

POSTS_PER_HOUR = parse("20/hour")
MAX_BODY = 2000
MAX_PHOTOS = 4
MAX_LISTINGS = 4
MAX_OFFER_DAYS = 90
PHOTO_FOLDER = "posts"
PHOTO_CARD = 800  # fitted, for feed cards
PHOTO_THUMB = 400  # square
PHOTO_SIZES = (PHOTO_THUMB, PHOTO_CARD)


def photo_url(key: str | None, size: int = PHOTO_CARD) -> str:
    return f"{PHOTO_FOLDER}/{key}_{size}.webp" if key else ""


def _listing_ids(value: object) -> list[int]:
    if value in (None, "", []):
        return []
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if not isinstance(value, list | tuple) or len(value) > MAX_LISTINGS:
        raise InvalidInput(
            "A post can show at most {count} listings.", field="listings", count=MAX_LISTINGS
        )
    ids: list[int] = []
    for item in value:
        lid = as_id(item)
        if lid is None:
            raise InvalidInput("Please choose listings from your shop.", field="listings")
        if lid not in ids:
            ids.append(lid)
    return ids


def _offer_until(value: object, today: date) -> datetime:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("Please say until when the offer is valid.", field="offer_until")
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput("Please give the end date as a date.", field="offer_until") from None
    if day < today:
        raise InvalidInput("The offer can't end in the past.", field="offer_until")
    if day > today + timedelta(days=MAX_OFFER_DAYS):
        raise InvalidInput(
            "An offer can run for at most {days} days.", field="offer_until", days=MAX_OFFER_DAYS
        )
    # Valid through the whole last day (UTC).
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def _check_form(session: Session, shop: Shop, form: object) -> dict:
    if not isinstance(form, dict):
        raise InvalidInput("Please fill in the form.")
    kind = form.get("kind") or NEWS
    if kind not in POST_KINDS:
        raise InvalidInput("Please choose what kind of post this is.", field="kind")
    body = clean_text(
        form.get("body"), field="body", label=N_("Text"), max_length=MAX_BODY, multiline=True
    )
    listing_ids = _listing_ids(form.get("listings"))
    if listing_ids:
        found = {
            listing.id: listing
            for listing in session.exec(
                select(Listing).where(
                    Listing.id.in_(listing_ids),  # type: ignore[union-attr]
                    Listing.shop_id == shop.id,
                    Listing.state.in_((ACTIVE, SOLD_OUT)),  # type: ignore[attr-defined]
                )
            )
        }
        if len(found) != len(listing_ids):
            raise InvalidInput("Please choose listings from your shop.", field="listings")
    if kind == NEW_PIECE and not listing_ids:
        raise InvalidInput("Choose the new piece this post shows.", field="listings")
    if kind in (NEWS, QUESTION) and not body:
        raise InvalidInput("Please write something.", field="body")
    fields: dict = {
        "kind": kind,
        "body": body,
        "listing_ids": listing_ids,
        "offer_price_cents": None,
        "offer_percent": None,
        "offer_until": None,
        "audience": EVERYONE,
    }
    if kind == OFFER:
        price, percent = form.get("offer_price"), form.get("offer_percent")
        has_price = price not in (None, "")
        has_percent = percent not in (None, "")
        if has_price == has_percent:
            raise InvalidInput(
                "Give either an offer price or a discount in percent.", field="offer_price"
            )
        if has_price:
            fields["offer_price_cents"] = parse_cents(
                price, field="offer_price", label=N_("Offer price")
            )
        else:
            text = str(percent).strip().rstrip("%").strip()
            if not text.isdigit() or not 1 <= int(text) <= 90:
                raise InvalidInput(
                    "The discount must be a whole number from 1 to 90.", field="offer_percent"
                )
            fields["offer_percent"] = int(text)
        fields["offer_until"] = _offer_until(form.get("offer_until"), utcnow().date())
        followers_only = form.get("followers_only")
        if followers_only is True or followers_only in ("on", "true", "1"):
            fields["audience"] = FOLLOWERS
    return fields


def create_post(
    *,
    session: Session,
    actor_id: object,
    form: object,
    photos: Sequence[tuple[bytes, str]] = (),
    stored_photos: Sequence[tuple[str, str]] = (),
) -> Post:
    """Post on the actor's own shop. ``photos`` are (file bytes, alt text) pairs;
    ``stored_photos`` are (key, alt) pairs already stored by ``store_photo`` (the caller
    keeps those keys on the server: they never come from the browser).

    Raises:
        InvalidInput: a field is wrong (nothing is stored).
        NotAllowed: the actor has no open shop.
        RateLimited: more than 20 posts in an hour.
    """
    shop = require_own_shop(session, actor_id)
    fields = _check_form(session, shop, form)
    if len(photos) + len(stored_photos) > MAX_PHOTOS:
        raise InvalidInput(
            "A post can have at most {count} photos.", field="photos", count=MAX_PHOTOS
        )
    if fields["kind"] not in (NEW_PIECE, OFFER) and not fields["body"]:
        raise InvalidInput("Please write something.", field="body")
    ratelimit.hit(
        POSTS_PER_HOUR,
        "post",
        str(shop.owner_id),
        message=N_("You have posted a lot in the last hour. Please wait a little."),
    )
    stored: list[tuple[str, str]] = list(stored_photos)
    try:
        for data, alt in photos:
            image, _, _ = images.store_image(
                data, folder=PHOTO_FOLDER, square=(PHOTO_THUMB,), fit=(PHOTO_CARD,)
            )
            stored.append((image.key, alt))
    except InvalidInput:
        for key, _ in stored:
            images.delete_stored(key, folder=PHOTO_FOLDER, sizes=PHOTO_SIZES)
        raise
    return _store(session, shop, fields, stored)


def _store(session: Session, shop: Shop, fields: dict, photos: list[tuple[str, str]]) -> Post:
    post = Post(
        shop_id=shop.id,  # type: ignore[arg-type]
        author_id=shop.owner_id,
        kind=fields["kind"],
        body=fields["body"],
        offer_price_cents=fields["offer_price_cents"],
        offer_percent=fields["offer_percent"],
        offer_until=fields["offer_until"],
        audience=fields["audience"],
    )
    session.add(post)
    session.flush()
    for position, (key, alt) in enumerate(photos):
        alt_text = clean_text(alt, field="alt", label=N_("Photo description"), max_length=200)
        session.add(PostPhoto(post_id=post.id, position=position, key=key, alt=alt_text))  # type: ignore[arg-type]
    for position, listing_id in enumerate(fields["listing_ids"]):
        session.add(PostListing(post_id=post.id, position=position, listing_id=listing_id))  # type: ignore[arg-type]
    session.add(
        Activity(
            kind=A_POST,
            actor_id=shop.owner_id,
            shop_id=shop.id,
            post_id=post.id,
            listing_id=fields["listing_ids"][0] if fields["listing_ids"] else None,
            audience=post.audience,
            created_at=post.created_at,
        )
    )
    session.flush()
    from social_market.services import feed  # feed reads posts; posts tell feeds

    feed.ping_audience_after_commit(session, actor_id=shop.owner_id, shop_id=shop.id)
    _tell(session, shop, post, fields["listing_ids"])
    return post


def _tell(session: Session, shop: Shop, post: Post, listing_ids: list[int]) -> None:
    """Mentions in the text, and, for a special offer, every follower of the shop (after
    commit, off the request)."""
    from social_market.services import notifications, privacy

    link = f"/post/{post.id}"

    def can_see(user_id: int) -> bool:
        level = privacy.shop_relation(session, user_id, shop.id or 0, shop.owner_id)
        return privacy.can_see(post.audience, level)

    notifications.notify_mentions(
        session, actor_id=shop.owner_id, body=post.body, link=link, can_see=can_see
    )
    listening.record_mentions(
        session,
        author_id=shop.owner_id,
        body=post.body,
        subject_kind="post",
        subject_id=post.id or 0,
        link=link,
        can_see=can_see,
    )
    if post.kind == OFFER:
        title = ""
        if listing_ids:
            title = session.exec(select(Listing.title).where(Listing.id == listing_ids[0])).first()
        notifications.notify_shop_followers_after_commit(
            session,
            shop_id=shop.id or 0,
            actor_id=shop.owner_id,
            post_id=post.id or 0,
            body=post.body or title or shop.name,
        )


def store_photo(*, session: Session, actor_id: object, data: bytes) -> str:
    """Check and store one photo for a post being written; returns its key."""
    shop = require_own_shop(session, actor_id)
    ratelimit.hit(
        ratelimit.UPLOADS_PER_USER,
        "upload",
        str(shop.owner_id),
        message=N_("You have uploaded a lot of images in the last hour. Please wait a little."),
    )
    image, _, _ = images.store_image(
        data, folder=PHOTO_FOLDER, square=(PHOTO_THUMB,), fit=(PHOTO_CARD,)
    )
    return image.key


def discard_photo(key: str) -> None:
    images.delete_stored(key, folder=PHOTO_FOLDER, sizes=PHOTO_SIZES)


def post_card(*, session: Session, viewer_id: int | None, post_id: object, locale=None):
    """One post as a feed card, for its own page (NotFound when hidden from the viewer)."""
    from social_market.services import comments, feed

    about = comments.subject(session, viewer_id, "post", post_id)
    activity_id = session.exec(select(Activity.id).where(Activity.post_id == about.id)).first()
    cards = feed.build_cards(session, viewer_id, [activity_id] if activity_id else [], locale)
    if not cards:
        raise NotFound("We couldn't find that.")
    return cards[0]


def announce_new_piece(session: Session, shop: Shop, listing: Listing) -> Post | None:
    """The automatic "new piece" post when a listing is first published (if allowed)."""
    if not shop.announce_new_pieces:
        return None
    fields = {
        "kind": NEW_PIECE,
        "body": "",
        "listing_ids": [listing.id],
        "offer_price_cents": None,
        "offer_percent": None,
        "offer_until": None,
        "audience": EVERYONE,
    }
    return _store(session, shop, fields, [])


def announce_flash_offer(
    session: Session,
    shop: Shop,
    listing: Listing,
    *,
    price_cents: int,
    ends_at: datetime,
    audience: int,
    body: str = "",
) -> Post:
    """The OFFER post of a flash offer (services/offers.py checked every field): it
    reaches followers' feeds and tells the shop's followers, like any special offer."""
    fields = {
        "kind": OFFER,
        "body": body,
        "listing_ids": [listing.id],
        "offer_price_cents": price_cents,
        "offer_percent": None,
        "offer_until": ends_at,
        "audience": FOLLOWERS if audience == FOLLOWERS else EVERYONE,
    }
    return _store(session, shop, fields, [])


def own_post(session: Session, actor_id: object, post_id: object) -> Post:
    shop = require_own_shop(session, actor_id)
    pid = as_id(post_id)
    post = session.get(Post, pid) if pid else None
    if post is None or post.deleted_at is not None:
        raise NotFound("We couldn't find that post.")
    if post.shop_id != shop.id:
        raise NotAllowed("This is not your post.")
    return post


def delete_post(*, session: Session, actor_id: object, post_id: object) -> None:
    """Delete one of my posts: it leaves every feed at once; its photos go after commit."""
    post = own_post(session, actor_id, post_id)
    post.deleted_at = utcnow()
    session.add(post)
    # Gone from the listening inboxes too: its mentions and the comments on it.
    listening.forget(session, "post", post.id or 0)
    listening.forget(
        session,
        "comment",
        session.exec(
            select(Comment.id).where(Comment.subject_kind == ON_POST, Comment.subject_id == post.id)
        ).all(),  # type: ignore[arg-type]
    )
    session.exec(delete(Activity).where(Activity.post_id == post.id))  # type: ignore[arg-type]
    keys = list(session.exec(select(PostPhoto.key).where(PostPhoto.post_id == post.id)))
    session.exec(delete(PostPhoto).where(PostPhoto.post_id == post.id))  # type: ignore[arg-type]
    for key in keys:
        on_commit(
            session,
            lambda key=key: images.delete_stored(key, folder=PHOTO_FOLDER, sizes=PHOTO_SIZES),
        )


def set_announce_new_pieces(*, session: Session, actor_id: object, on: object) -> bool:
    shop = require_own_shop(session, actor_id)
    if not isinstance(on, bool):
        raise InvalidInput("Please choose on or off.")
    shop.announce_new_pieces = on
    session.add(shop)
    return on


def erase_for_closed_shop(*, session: Session, shop_id: int) -> None:
    """A closed shop's posts leave feeds (the posts stay for comments' history)."""
    session.exec(delete(Activity).where(Activity.shop_id == shop_id))  # type: ignore[arg-type]
