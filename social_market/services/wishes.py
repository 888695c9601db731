"""Wishes ("make this next"): on a shop, signed-in people propose what the maker should
make, others vote and pledge to buy; the maker answers, declines (with a reason) or
accepts (a draft listing is made from the wish). When that listing is published the
wish is made and every pledger gets a reserved purchase (services/holds.py) for three
days, earliest pledge first, as far as the stock goes.

Rules kept here (tested in tests/services/test_wishes.py):
- open → accepted → made, or open → declined; any other step is refused.
- Only the shop's maker answers, accepts or declines; the maker can't wish, vote or
  pledge on their own shop; people blocked either way can't either.
- Counters (``vote_count``, ``pledge_count``, ``pledged_cents``, ``pledged_quantity``)
  change only by atomic ``UPDATE … SET x = x + :delta`` in the transaction that writes
  the vote or pledge, so they always equal the rows. Voting twice changes nothing.
- Pledges, withdrawals and making the wish lock the wish row first (PostgreSQL; on
  SQLite the write lock is taken first), so a pledge never slips past the moment the
  reservations are handed out.
- Hidden or closed shops (and hidden wishes) show and accept nothing.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from limits import parse
from pydantic import BaseModel
from sqlalchemy import delete, func, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from social_market.i18n.catalog import N_
from social_market.i18n.format import format_ago, format_money
from social_market.models import Listing, Shop, User, utcnow
from social_market.models.holds import H_WISH
from social_market.models.listening import L_WISH
from social_market.models.market import ACTIVE, DELETED, SOLD_OUT
from social_market.models.notification import N_WISH
from social_market.models.wishes import (
    W_ACCEPTED,
    W_DECLINED,
    W_MADE,
    W_OPEN,
    Wish,
    WishPledge,
    WishVote,
)
from social_market.services import (
    checkout,
    holds,
    images,
    listening,
    notifications,
    payments,
    ratelimit,
    rewards,
)
from social_market.services.accounts import require_user
from social_market.services.blocks import is_blocked_between
from social_market.services.errors import InvalidInput, NotAllowed, NotFound
from social_market.services.ids import MAX_ID, as_id, id_in
from social_market.services.money import MAX_PRICE_CENTS, format_plain, parse_cents, parse_int
from social_market.services.text import clean_text
from social_market.urls import listing_url, reserved_url, shop_wishes_url, wish_url

MAX_TITLE = 140
MAX_DESCRIPTION = 4000
MAX_ANSWER = 2000
MAX_PLEDGE_QUANTITY = 20
MAX_PLEDGE_CENTS = MAX_PRICE_CENTS
# The pledged value of one wish stays inside a 32-bit integer column.
MAX_PLEDGED_TOTAL = 2**31 - 1
RESERVE_DAYS = 3
PAGE = 20
PHOTO_FOLDER = "wishes"
PHOTO_SIZES = (240, 1000)
WISHES_PER_HOUR = parse("10/hour")
VOTES_PER_HOUR = parse("300/hour")
PLEDGES_PER_HOUR = parse("60/hour")
SORTS = ("votes", "pledged", "newest")
# "Open first": a shop's wishes are listed state by state, in this order.
STATE_ORDER = (W_OPEN, W_ACCEPTED, W_MADE, W_DECLINED)
STATE_LABELS = {
    W_OPEN: N_("Open for votes"),  # not "Open": that msgid is the verb elsewhere
    W_ACCEPTED: N_("Accepted"),
    W_MADE: N_("Made"),
    W_DECLINED: N_("Declined"),
}
_PHOTO_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class WishCard(BaseModel):
    """One wish as pages show it: safe for anyone who may see the shop. Other people's
    pledges appear only as totals."""

    id: int
    url: str
    title: str
    description: str
    photo: str  # thumbnail path below the upload URL ('' without a photo)
    photo_large: str
    price: str  # what the author would pay ('' if not said)
    state: str
    state_label: str  # msgid
    vote_count: int
    pledge_count: int
    pledged: str  # the pledged value, formatted
    pledged_quantity: int
    answer: str
    answered: bool
    author_handle: str
    author_name: str
    when: str
    listing_url: str  # the listing made from it, once published ('' before)
    voted: bool  # the viewer voted
    my_quantity: int  # the viewer's pledge (0: none)
    my_price: str  # the viewer's pledged price per piece, as typed ('12.50')
    can_vote: bool
    can_pledge: bool
    can_manage: bool  # the shop's maker


class WishPage(BaseModel):
    wishes: list[WishCard]
    next_cursor: str  # '' at the end


class WishDetail(BaseModel):
    wish: WishCard
    shop_name: str
    shop_slug: str
    shop_url: str
    wishes_url: str
    reserved_url: str  # the viewer's reserved purchase of it ('' if none)
    draft_url: str = ""  # the maker's editor for the listing made from it ('' for others)


class ReservedView(BaseModel):
    """A reserved purchase with what its checkout form needs."""

    hold: holds.HoldCard
    payment_methods: list[payments.PaymentOption]
    expires_in: str  # "in 3 days"
    wish_url: str


# --- finding things --------------------------------------------------------------------


def _visible_shop_query():
    return (
        select(Shop)
        .join(User, User.id == Shop.owner_id)
        .where(
            Shop.closed_at.is_(None),  # type: ignore[union-attr]
            Shop.hidden_at.is_(None),  # type: ignore[union-attr]
            User.deleted_at.is_(None),  # type: ignore[union-attr]
            User.suspended_at.is_(None),  # type: ignore[union-attr]
        )
    )


def _shop_by_slug(session: Session, slug: object) -> Shop:
    shop = None
    if isinstance(slug, str) and 1 <= len(slug.strip()) <= 60:
        shop = session.exec(_visible_shop_query().where(Shop.slug == slug.strip().lower())).first()
    if shop is None:
        raise NotFound("We couldn't find that shop.")
    return shop


def visible_shop(session: Session, slug: object) -> Shop:
    """An open, visible shop by its address, or NotFound."""
    return _shop_by_slug(session, slug)


def _wish(session: Session, wish_id: object, *, lock: bool = False) -> tuple[Wish, Shop]:
    """A visible wish of a visible shop (locked for update on PostgreSQL if asked).

    The lock is FOR NO KEY UPDATE: it serialises pledges and state changes of the wish
    but not the key-share locks that inserting a vote or pledge row takes through its
    foreign key (FOR UPDATE would deadlock with those)."""
    wid = as_id(wish_id)
    wish = None
    if wid is not None:
        query = select(Wish).where(Wish.id == wid, Wish.hidden_at.is_(None))  # type: ignore[union-attr]
        if lock:
            query = query.with_for_update(key_share=True).execution_options(populate_existing=True)
        wish = session.exec(query).first()
    shop = (
        session.exec(_visible_shop_query().where(Shop.id == wish.shop_id)).first()
        if wish is not None
        else None
    )
    if wish is None or shop is None:
        raise NotFound("We couldn't find that wish.")
    return wish, shop


def _write_lock(session: Session) -> None:
    checkout._take_write_lock_first(session)


def _as_buyer(session: Session, me: User, shop: Shop, doing: str) -> None:
    """Refuse the maker on their own shop and people blocked either way."""
    if shop.owner_id == me.id:
        raise NotAllowed(
            {
                "wish": N_("You can't make a wish on your own shop."),
                "vote": N_("You can't vote on wishes in your own shop."),
                "pledge": N_("You can't pledge on wishes in your own shop."),
            }[doing]
        )
    if is_blocked_between(session, shop.owner_id, me.id):
        raise NotAllowed("You can't take part in this shop's wishes.")


def _own_shop_wish(session: Session, actor_id: object, wish_id: object) -> tuple[User, Wish, Shop]:
    me = require_user(session, actor_id)
    wish, shop = _wish(session, wish_id, lock=True)
    if shop.owner_id != me.id:
        raise NotAllowed("Only the shop's maker can do that.")
    return me, wish, shop


# --- proposing -------------------------------------------------------------------------


def photo_url(key: str | None, size: int = 240) -> str:
    return f"{PHOTO_FOLDER}/{key}_{size}.webp" if key else ""


def store_photo(*, session: Session, actor_id: object, data: bytes) -> str:
    """Check and store a reference photo for a wish; returns its key (kept on the server
    until the wish is proposed)."""
    me = require_user(session, actor_id)
    ratelimit.hit(
        ratelimit.UPLOADS_PER_USER,
        "upload",
        str(me.id),
        message=N_("You have uploaded a lot of images in the last hour. Please wait a little."),
    )
    stored, _, _ = images.store_image(data, folder=PHOTO_FOLDER, square=(240,), fit=(1000,))
    return stored.key


def discard_photo(key: str | None) -> None:
    if key:
        images.delete_stored(key, folder=PHOTO_FOLDER, sizes=PHOTO_SIZES)


def _price(value: object, *, field: str, label: str, required: bool) -> int | None:
    if not required and (value is None or (isinstance(value, str) and not value.strip())):
        return None
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidInput("Please say what you would pay per piece.", field=field)
    if isinstance(value, float):
        raise InvalidInput("{label} must be an amount such as 12.50.", field=field, label=label)
    return parse_cents(value, field=field, label=label, minimum=1, maximum=MAX_PLEDGE_CENTS)


def propose(
    *,
    session: Session,
    actor_id: object,
    shop_slug: object,
    title: object,
    description: object = "",
    price: object = None,
    photo_key: object = None,
) -> Wish:
    """Propose an item to a shop (the caller commits). ``photo_key`` comes from
    ``store_photo`` and is kept on the server, never taken from the browser.

    Raises:
        NotFound: no such open shop.
        NotAllowed: one's own shop, or blocked.
        InvalidInput: bad title, description, price or photo.
        RateLimited: too many wishes in an hour.
    """
    me = require_user(session, actor_id)
    shop = _shop_by_slug(session, shop_slug)
    _as_buyer(session, me, shop, "wish")
    clean_title = clean_text(title, field="title", label=N_("Title"), max_length=MAX_TITLE)
    if len(clean_title) < 3:
        raise InvalidInput(
            "Please describe your wish in a title (at least 3 characters).", field="title"
        )
    text = clean_text(
        description,
        field="description",
        label=N_("Description"),
        max_length=MAX_DESCRIPTION,
        multiline=True,
    )
    cents = _price(price, field="price", label=N_("Price you'd pay"), required=False)
    if photo_key is not None and (
        not isinstance(photo_key, str) or not _PHOTO_KEY.match(photo_key)
    ):
        raise InvalidInput("Please choose the photo again.", field="photo")
    ratelimit.hit(
        WISHES_PER_HOUR,
        "wish",
        str(me.id),
        message=N_("You have made a lot of wishes in the last hour. Please wait a little."),
    )
    wish = Wish(
        shop_id=shop.id,  # type: ignore[arg-type]
        author_id=me.id,  # type: ignore[arg-type]
        title=clean_title,
        description=text,
        photo_key=photo_key or None,  # type: ignore[arg-type]
        price_cents=cents,
        currency=shop.currency,
    )
    session.add(wish)
    session.flush()
    notifications.notify(
        session,
        user_id=shop.owner_id,
        kind=N_WISH,
        detail="new",
        actor_id=me.id,
        link=wish_url(wish.id),  # type: ignore[arg-type]
        snippet=wish.title,
        subject_key=f"wish:{wish.id}",
    )
    listening.record(
        session,
        shop_id=shop.id,  # type: ignore[arg-type]
        kind=L_WISH,
        subject_kind="wish",
        subject_id=wish.id,  # type: ignore[arg-type]
        author_id=me.id,  # type: ignore[arg-type]
        snippet=f"{wish.title}. {wish.description}".strip(),
        link=wish_url(wish.id),  # type: ignore[arg-type]
        owner_id=shop.owner_id,
    )
    return wish


# --- votes -----------------------------------------------------------------------------


def _bump(session: Session, wish_id: int, **deltas: int) -> None:
    table = Wish.__table__
    session.execute(
        update(table)
        .where(table.c.id == wish_id)
        .values(
            updated_at=utcnow(),
            **{name: getattr(table.c, name) + delta for name, delta in deltas.items()},
        )
    )
    for row in session.identity_map.values():
        if isinstance(row, Wish) and row.id == wish_id:
            session.expire(row, [*deltas, "updated_at"])


def vote(*, session: Session, actor_id: object, wish_id: object) -> int:
    """Vote for an open wish. Voting again changes nothing. Returns the vote count."""
    me = require_user(session, actor_id)
    wish, shop = _wish(session, wish_id)
    _as_buyer(session, me, shop, "vote")
    if wish.state != W_OPEN:
        raise InvalidInput("Only open wishes can be voted for.")
    if session.get(WishVote, (wish.id, me.id)) is not None:
        return wish.vote_count
    ratelimit.hit(
        VOTES_PER_HOUR,
        "wish-vote",
        str(me.id),
        message=N_("You have voted a lot in the last hour. Please wait a little."),
    )
    try:
        with session.begin_nested():
            session.add(WishVote(wish_id=wish.id, user_id=me.id))  # type: ignore[arg-type]
            session.flush()
    except IntegrityError:  # the same vote at the same moment in another tab
        session.refresh(wish)
        return wish.vote_count
    _bump(session, wish.id, vote_count=1)  # type: ignore[arg-type]
    session.refresh(wish)
    return wish.vote_count


def unvote(*, session: Session, actor_id: object, wish_id: object) -> int:
    """Take one's vote back (nothing happens without one). Returns the vote count."""
    me = require_user(session, actor_id)
    wish, _ = _wish(session, wish_id)
    if wish.state != W_OPEN:
        raise InvalidInput("Votes can only change while the wish is open.")
    result = session.exec(
        delete(WishVote).where(WishVote.wish_id == wish.id, WishVote.user_id == me.id)  # type: ignore[arg-type]
    )
    if result.rowcount == 1:  # type: ignore[attr-defined]
        _bump(session, wish.id, vote_count=-1)  # type: ignore[arg-type]
    session.refresh(wish)
    return wish.vote_count


# --- pledges ---------------------------------------------------------------------------


def _check_pledge(quantity: object, price: object) -> tuple[int, int]:
    if isinstance(quantity, float):
        raise InvalidInput(
            "{label} must be a whole number.", field="quantity", label=N_("Quantity")
        )
    qty = parse_int(
        quantity,
        field="quantity",
        label=N_("Quantity"),
        minimum=1,
        maximum=MAX_PLEDGE_QUANTITY,
    )
    cents = _price(price, field="price", label=N_("Price per piece"), required=True)
    return qty, cents  # type: ignore[return-value]


def pledge(
    *, session: Session, actor_id: object, wish_id: object, quantity: object, price: object
) -> WishPledge:
    """Pledge to buy ``quantity`` pieces at up to ``price`` each, or change one's pledge
    (open or accepted wishes). Nothing is written on any error.

    Raises:
        NotFound / NotAllowed: no such wish; one's own shop; blocked.
        InvalidInput: quantity not 1..20, price not > 0 or too high, wish made/declined.
    """
    _write_lock(session)
    me = require_user(session, actor_id)
    qty, cents = _check_pledge(quantity, price)
    wish, shop = _wish(session, wish_id, lock=True)
    _as_buyer(session, me, shop, "pledge")
    if wish.state not in (W_OPEN, W_ACCEPTED):
        raise InvalidInput("Pledges can only change until the wish is made.")
    ratelimit.hit(
        PLEDGES_PER_HOUR,
        "wish-pledge",
        str(me.id),
        message=N_("You have pledged a lot in the last hour. Please wait a little."),
    )
    row = session.get(WishPledge, (wish.id, me.id))
    old_qty, old_value = (row.quantity, row.quantity * row.price_cents) if row else (0, 0)
    delta_value = qty * cents - old_value
    if wish.pledged_cents + delta_value > MAX_PLEDGED_TOTAL:
        raise InvalidInput("This wish can't take a pledge that large.", field="price")
    if row is None:
        row = WishPledge(wish_id=wish.id, user_id=me.id, quantity=qty, price_cents=cents)  # type: ignore[arg-type]
    else:
        row.quantity, row.price_cents, row.updated_at = qty, cents, utcnow()
    session.add(row)
    session.flush()
    _bump(
        session,
        wish.id,  # type: ignore[arg-type]
        pledge_count=0 if old_qty else 1,
        pledged_cents=delta_value,
        pledged_quantity=qty - old_qty,
    )
    return row


def withdraw_pledge(*, session: Session, actor_id: object, wish_id: object) -> bool:
    """Withdraw one's pledge before the wish is made. False if there was none."""
    _write_lock(session)
    me = require_user(session, actor_id)
    wish, _ = _wish(session, wish_id, lock=True)
    row = session.get(WishPledge, (wish.id, me.id))
    if row is None:
        return False
    if wish.state not in (W_OPEN, W_ACCEPTED):
        raise InvalidInput("Pledges can only change until the wish is made.")
    value, qty = row.quantity * row.price_cents, row.quantity
    session.delete(row)
    session.flush()
    _bump(
        session,
        wish.id,  # type: ignore[arg-type]
        pledge_count=-1,
        pledged_cents=-value,
        pledged_quantity=-qty,
    )
    return True


# --- the maker -------------------------------------------------------------------------


def _tell_author(session: Session, wish: Wish, maker_id: int, detail: str, snippet: str) -> None:
    notifications.notify(
        session,
        user_id=wish.author_id,
        kind=N_WISH,
        detail=detail,
        actor_id=maker_id,
        link=wish_url(wish.id),  # type: ignore[arg-type]
        snippet=snippet,
        subject_key=f"wish-{detail}:{wish.id}",
    )


def _answer_text(value: object, *, required_message: str) -> str:
    text = clean_text(
        value, field="answer", label=N_("Answer"), max_length=MAX_ANSWER, multiline=True
    )
    if not text.strip():
        raise InvalidInput(required_message, field="answer")
    return text


def answer(*, session: Session, actor_id: object, wish_id: object, text: object) -> Wish:
    """The maker's public answer to a wish (can be corrected; the author hears of the
    first one)."""
    me, wish, _ = _own_shop_wish(session, actor_id, wish_id)
    body = _answer_text(text, required_message=N_("Please write your answer."))
    first = wish.answered_at is None
    wish.answer, wish.answered_at, wish.updated_at = body, wish.answered_at or utcnow(), utcnow()
    session.add(wish)
    session.flush()
    if first:
        _tell_author(session, wish, me.id, "answered", body)  # type: ignore[arg-type]
    listening.mark_answered(session, wish.shop_id, "wish", wish.id)  # type: ignore[arg-type]
    return wish


def decline(*, session: Session, actor_id: object, wish_id: object, reason: object) -> Wish:
    """Decline an open wish with a reason (shown on the wish). Pledges stay as a record."""
    me, wish, _ = _own_shop_wish(session, actor_id, wish_id)
    body = _answer_text(reason, required_message=N_("Please say why you decline this wish."))
    if wish.state != W_OPEN:
        raise InvalidInput("Only an open wish can be declined.")
    result = session.execute(
        update(Wish.__table__)
        .where(Wish.__table__.c.id == wish.id, Wish.__table__.c.state == W_OPEN)
        .values(state=W_DECLINED, answer=body, answered_at=utcnow(), updated_at=utcnow())
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidInput("Only an open wish can be declined.")
    session.refresh(wish)
    _tell_author(session, wish, me.id, "declined", body)  # type: ignore[arg-type]
    listening.mark_answered(session, wish.shop_id, "wish", wish.id)  # type: ignore[arg-type]
    return wish


def _shop_category(session: Session, shop_id: int) -> int:
    """The category the shop uses most (its default for new pieces)."""
    from social_market.services import categories

    row = session.exec(
        select(Listing.category_id)
        .where(Listing.shop_id == shop_id, Listing.state != DELETED)
        .group_by(Listing.category_id)
        .order_by(func.count().desc(), Listing.category_id)
        .limit(1)
    ).first()
    if row is not None and row in categories.CATEGORIES:
        return row
    return min(c for c in categories.CATEGORIES if c >= 100)


def _highest_pledge(session: Session, wish_id: int) -> int | None:
    return session.exec(
        select(func.max(WishPledge.price_cents)).where(WishPledge.wish_id == wish_id)
    ).first()


def accept(
    *, session: Session, actor_id: object, wish_id: object, note: object = ""
) -> tuple[Wish, Listing]:
    """Accept an open wish: a draft listing is made from it (title, description, price =
    the wish's price or the highest pledge, quantity = the pledged pieces) for the maker
    to add photos and publish. Returns the wish and the draft."""
    from social_market.services import listings

    me, wish, shop = _own_shop_wish(session, actor_id, wish_id)
    text = clean_text(
        note, field="answer", label=N_("Answer"), max_length=MAX_ANSWER, multiline=True
    )
    if wish.state != W_OPEN:
        raise InvalidInput("Only an open wish can be accepted.")
    price = wish.price_cents or _highest_pledge(session, wish.id)  # type: ignore[arg-type]
    if not price:
        price = None
    quantity = min(max(wish.pledged_quantity, 1), listings.MAX_QUANTITY)
    if price is None:
        raise InvalidInput(
            "Nobody has said what they would pay yet: answer the wish, or wait for a pledge."
        )
    title = wish.title if len(wish.title) >= 3 else f"{wish.title} …"
    form = {
        "title": title,
        "description": wish.description,
        "price": format_plain(price),
        "quantity": str(quantity),
        "category_id": str(_shop_category(session, shop.id)),  # type: ignore[arg-type]
    }
    listing = listings.create_listing(session=session, owner_id=me.id, form=form)
    result = session.execute(
        update(Wish.__table__)
        .where(Wish.__table__.c.id == wish.id, Wish.__table__.c.state == W_OPEN)
        .values(
            state=W_ACCEPTED,
            listing_id=listing.id,
            accepted_at=utcnow(),
            updated_at=utcnow(),
            **({"answer": text, "answered_at": utcnow()} if text else {}),
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidInput("Only an open wish can be accepted.")
    session.refresh(wish)
    _tell_author(session, wish, me.id, "accepted", wish.title)  # type: ignore[arg-type]
    # An idea the maker takes up is a contribution others value: points for its author
    # (services/rewards.py applies its rules: not for one's own shop, established maker…).
    rewards.award_wish_accepted(session, wish)
    listening.mark_answered(session, wish.shop_id, "wish", wish.id)  # type: ignore[arg-type]
    return wish, listing


def on_listing_published(session: Session, listing: Listing) -> int:
    """Called by listings.publish: the accepted wish behind ``listing`` becomes made,
    and each pledger (earliest first) gets a reserved purchase of their pieces at the
    listing's price for RESERVE_DAYS, as far as the stock goes. Returns how many
    reservations were made. Nothing happens for listings without an accepted wish."""
    wid = session.exec(
        select(Wish.id).where(Wish.listing_id == listing.id, Wish.state == W_ACCEPTED)
    ).first()
    if wid is None:
        return 0
    wish = session.exec(
        select(Wish)
        .where(Wish.id == wid)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).one()
    now = utcnow()
    result = session.execute(
        update(Wish.__table__)
        .where(Wish.__table__.c.id == wish.id, Wish.__table__.c.state == W_ACCEPTED)
        .values(state=W_MADE, made_at=now, updated_at=now)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return 0
    session.refresh(wish)
    shop = session.get(Shop, listing.shop_id)
    maker_id = shop.owner_id if shop else None
    session.flush()
    expires = now + timedelta(days=RESERVE_DAYS)
    pledges = list(
        session.exec(
            select(WishPledge)
            .where(WishPledge.wish_id == wish.id)
            .order_by(WishPledge.created_at, WishPledge.user_id)  # type: ignore[arg-type]
        )
    )
    made = 0
    for row in pledges:
        if maker_id is not None and is_blocked_between(session, maker_id, row.user_id):
            continue
        held = _hold_for(session, wish, listing, row, expires)
        if held is None:
            notifications.notify(
                session,
                user_id=row.user_id,
                kind=N_WISH,
                detail="no_stock",
                actor_id=maker_id,
                link=listing_url(listing.id, listing.slug),  # type: ignore[arg-type]
                snippet=wish.title,
                subject_key=f"wish-made:{wish.id}",
            )
            continue
        row.hold_id = held.id
        session.add(row)
        made += 1
        notifications.notify(
            session,
            user_id=row.user_id,
            kind=N_WISH,
            detail="reserved" if held.quantity == row.quantity else "reserved_part",
            actor_id=maker_id,
            link=reserved_url(held.id),  # type: ignore[arg-type]
            snippet=wish.title,
            subject_key=f"wish-made:{wish.id}",
        )
    session.flush()
    if maker_id is not None:
        _tell_author(session, wish, maker_id, "made", wish.title)
    return made


def _hold_for(session: Session, wish: Wish, listing: Listing, row: WishPledge, expires: datetime):
    """Hold the pledger's pieces, or as many as are left (None: none left)."""

    def attempt(quantity: int):
        return holds.hold(
            session,
            kind=H_WISH,
            source_id=wish.id,  # type: ignore[arg-type]
            listing=listing,
            user_id=row.user_id,
            quantity=quantity,
            unit_price_cents=listing.price_cents,
            expires_at=expires,
            ready=True,
        )

    held = attempt(row.quantity)
    if held is not None or listing.made_to_order:
        return held
    left = session.exec(
        select(Listing.quantity).where(Listing.id == listing.id, Listing.state == ACTIVE)
    ).first()
    if left and 0 < left < row.quantity:
        return attempt(left)
    return None


# --- reading ---------------------------------------------------------------------------


def _sort(value: object) -> str:
    return value if isinstance(value, str) and value in SORTS else "votes"


def _decode_cursor(cursor: object) -> tuple[int, int, int] | None:
    """'state index.sort value.id' → numbers; anything malformed starts at the top."""
    if not isinstance(cursor, str) or not cursor or len(cursor) > 60:
        return None
    parts = cursor.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    state, key, last = (int(p) for p in parts)
    if state >= len(STATE_ORDER) or key >= 2**62 or not 0 < last < MAX_ID:
        return None
    return state, key, last


def _sort_key(sort: str):
    return {"votes": Wish.vote_count, "pledged": Wish.pledged_cents, "newest": Wish.id}[sort]


def _card(
    wish: Wish,
    author: tuple[str, str],  # handle, display name
    shop: Shop,
    *,
    viewer_id: int | None,
    voted: bool,
    mine: WishPledge | None,
    listing_path: str,
    now: datetime,
    locale: str | None,
) -> WishCard:
    is_maker = viewer_id is not None and viewer_id == shop.owner_id
    buyer = viewer_id is not None and not is_maker
    return WishCard(
        id=wish.id,  # type: ignore[arg-type]
        url=wish_url(wish.id),  # type: ignore[arg-type]
        title=wish.title,
        description=wish.description,
        photo=photo_url(wish.photo_key, 240),
        photo_large=photo_url(wish.photo_key, 1000),
        price=format_money(wish.price_cents, wish.currency, locale) if wish.price_cents else "",
        state=wish.state,
        state_label=STATE_LABELS.get(wish.state, ""),
        vote_count=wish.vote_count,
        pledge_count=wish.pledge_count,
        pledged=format_money(wish.pledged_cents, wish.currency, locale),
        pledged_quantity=wish.pledged_quantity,
        answer=wish.answer,
        answered=bool(wish.answer),
        author_handle=author[0],
        author_name=author[1] or author[0],
        when=format_ago(wish.created_at, now, locale),
        listing_url=listing_path,
        voted=voted,
        my_quantity=mine.quantity if mine else 0,
        my_price=format_plain(mine.price_cents) if mine else "",
        can_vote=buyer and wish.state == W_OPEN,
        can_pledge=buyer and wish.state in (W_OPEN, W_ACCEPTED),
        can_manage=is_maker,
    )


def _viewer_marks(
    session: Session, viewer_id: int | None, wish_ids: list[int]
) -> tuple[set[int], dict[int, WishPledge]]:
    if viewer_id is None or not wish_ids:
        return set(), {}
    voted = set(
        session.exec(
            select(WishVote.wish_id).where(
                WishVote.user_id == viewer_id,
                id_in(session, WishVote.wish_id, wish_ids),  # type: ignore[arg-type]
            )
        )
    )
    pledges = {
        p.wish_id: p
        for p in session.exec(
            select(WishPledge).where(
                WishPledge.user_id == viewer_id,
                id_in(session, WishPledge.wish_id, wish_ids),  # type: ignore[arg-type]
            )
        )
    }
    return voted, pledges


def _listing_paths(session: Session, wishes: list[Wish]) -> dict[int, str]:
    ids = [w.listing_id for w in wishes if w.listing_id and w.state == W_MADE]
    if not ids:
        return {}
    return {
        lid: listing_url(lid, slug)
        for lid, slug in session.exec(
            select(Listing.id, Listing.slug).where(
                id_in(session, Listing.id, ids),  # type: ignore[arg-type]
                Listing.state.in_((ACTIVE, SOLD_OUT)),  # type: ignore[attr-defined]
            )
        )
    }


Row = tuple[Wish, tuple[str, str], bool, WishPledge | None]


def _page_rows(
    session: Session,
    shop_id: int,
    sort: str,
    cursor: tuple[int, int, int] | None,
    limit: int,
    viewer: int | None,
) -> tuple[list[Row], str]:
    """A page of the shop's wishes, open first, by ``sort`` within each state, with the
    author and the viewer's vote and pledge joined in. Each state is one index range
    (shop_id, state, key, id); a page that ends one state goes on with the next, so a
    page is one query except where states meet."""
    key = _sort_key(sort)
    start = cursor[0] if cursor else 0
    rows: list[Row] = []

    def base(state: str):
        if viewer is not None:
            query = (
                select(Wish, User.handle, User.display_name, WishVote.user_id, WishPledge)
                .join(User, User.id == Wish.author_id)
                .outerjoin(
                    WishVote,
                    (WishVote.wish_id == Wish.id) & (WishVote.user_id == viewer),  # type: ignore[arg-type]
                )
                .outerjoin(
                    WishPledge,
                    (WishPledge.wish_id == Wish.id) & (WishPledge.user_id == viewer),  # type: ignore[arg-type]
                )
            )
        else:
            query = select(Wish, User.handle, User.display_name).join(
                User, User.id == Wish.author_id
            )
        return query.where(
            Wish.shop_id == shop_id,
            Wish.state == state,
            Wish.hidden_at.is_(None),  # type: ignore[union-attr]
        )

    def fetch(query, ordered_by_key: bool) -> None:
        want = limit + 1 - len(rows)
        if want <= 0:
            return
        if ordered_by_key:
            query = query.order_by(key.desc(), Wish.id.desc())  # type: ignore[attr-defined]
        else:
            query = query.order_by(Wish.id.desc())  # type: ignore[union-attr]
        for row in session.exec(query.limit(want)).all():
            if viewer is not None:
                rows.append((row[0], (row[1], row[2]), row[3] is not None, row[4]))
            else:
                rows.append((row[0], (row[1], row[2]), False, None))

    for index in range(start, len(STATE_ORDER)):
        query = base(STATE_ORDER[index])
        if sort == "newest":
            fetch(query.where(Wish.id < cursor[2]) if cursor and index == start else query, False)
        elif cursor and index == start:
            # After (value, last). PostgreSQL reads a row-value comparison as one index
            # range; SQLite doesn't, so there it is two exact ranges: the rest of the
            # same value by id, then the lower values.
            _, value, last = cursor
            if session.get_bind().dialect.name == "postgresql":
                fetch(query.where(tuple_(key, Wish.id) < tuple_(value, last)), True)
            else:
                fetch(query.where(key == value, Wish.id < last), False)
                fetch(query.where(key < value), True)
        else:
            fetch(query, True)
        if len(rows) > limit:
            break
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = ""
    if more and rows:
        wish = rows[-1][0]
        state_index = STATE_ORDER.index(wish.state)
        value = wish.id if sort == "newest" else getattr(wish, key.key)  # type: ignore[attr-defined]
        next_cursor = f"{state_index}.{value}.{wish.id}"
    return rows, next_cursor


def list_wishes(
    *,
    session: Session,
    shop_slug: object,
    viewer_id: object = None,
    sort: object = "votes",
    cursor: object = "",
    limit: int = PAGE,
    locale: str | None = None,
) -> WishPage:
    """A shop's wishes, open ones first, most voted / most pledged / newest first within
    each state; keyset pages (``next_cursor``). Two queries: the shop, then the page
    with its authors and the viewer's votes and pledges (plus the listings of made
    wishes on the page, if any)."""
    shop = _shop_by_slug(session, shop_slug)
    viewer = as_id(viewer_id)
    rows, next_cursor = _page_rows(
        session,
        shop.id,
        _sort(sort),
        _decode_cursor(cursor),
        limit,
        viewer,  # type: ignore[arg-type]
    )
    paths = _listing_paths(session, [r[0] for r in rows])
    now = utcnow()
    return WishPage(
        wishes=[
            _card(
                w,
                u,
                shop,
                viewer_id=viewer,
                voted=voted,
                mine=mine,
                listing_path=paths.get(w.listing_id or 0, ""),
                now=now,
                locale=locale,
            )
            for w, u, voted, mine in rows
        ],
        next_cursor=next_cursor,
    )


def maker_wishes(
    *,
    session: Session,
    actor_id: object,
    sort: object = "votes",
    cursor: object = "",
    locale: str | None = None,
) -> tuple[str, WishPage]:
    """The acting maker's own shop's wishes (sorted by votes or pledged value) and the
    shop's address."""
    from social_market.services.shops import require_own_shop

    shop = require_own_shop(session, actor_id)
    page = list_wishes(
        session=session,
        shop_slug=shop.slug,
        viewer_id=shop.owner_id,
        sort=sort,
        cursor=cursor,
        locale=locale,
    )
    return shop.slug, page


def get_wish(
    *, session: Session, wish_id: object, viewer_id: object = None, locale: str | None = None
) -> WishDetail:
    """One wish with its shop, as the viewer may see it."""
    wish, shop = _wish(session, wish_id)
    author = session.exec(
        select(User.handle, User.display_name).where(User.id == wish.author_id)
    ).first()
    if author is None:  # pragma: no cover - a foreign key
        raise NotFound("We couldn't find that wish.")
    viewer = as_id(viewer_id)
    voted, pledges = _viewer_marks(session, viewer, [wish.id])  # type: ignore[list-item]
    mine = pledges.get(wish.id)  # type: ignore[arg-type]
    paths = _listing_paths(session, [wish])
    held_url = ""
    if mine is not None and mine.hold_id:
        held_url = reserved_url(mine.hold_id)
    return WishDetail(
        wish=_card(
            wish,
            (author[0], author[1]),
            shop,
            viewer_id=viewer,
            voted=wish.id in voted,
            mine=mine,
            listing_path=paths.get(wish.listing_id or 0, ""),
            now=utcnow(),
            locale=locale,
        ),
        shop_name=shop.name,
        shop_slug=shop.slug,
        shop_url=f"/shop/{shop.slug}",
        wishes_url=shop_wishes_url(shop.slug),
        reserved_url=held_url,
        draft_url=(
            f"/sell/listings/{wish.listing_id}"
            if viewer == shop.owner_id and wish.listing_id and wish.state == W_ACCEPTED
            else ""
        ),
    )


def reserved_purchase(
    *, session: Session, actor_id: object, hold_id: object, locale: str | None = None
) -> ReservedView:
    """One of the actor's reserved purchases (someone else's id is simply not found)."""
    from social_market.models import StockHold

    card = holds.get_own(session=session, actor_id=actor_id, hold_id=hold_id, locale=locale)
    row = session.exec(
        select(StockHold, Shop)
        .join(Listing, Listing.id == StockHold.listing_id)  # type: ignore[arg-type]
        .join(Shop, Shop.id == Listing.shop_id)  # type: ignore[arg-type]
        .where(StockHold.id == card.id)
    ).one()
    held, shop = row
    return ReservedView(
        hold=card,
        payment_methods=[m.option() for m in payments.methods_for(shop)],
        expires_in=format_ago(held.expires_at, utcnow(), locale),
        wish_url=wish_url(held.source_id) if held.kind == H_WISH else "",
    )


# --- moderation and accounts -----------------------------------------------------------


def set_hidden(session: Session, wish_id: int, hidden: bool) -> None:
    wish = session.get(Wish, wish_id)
    if wish is None:
        raise NotFound("We couldn't find that.")
    wish.hidden_at = (wish.hidden_at or utcnow()) if hidden else None
    session.add(wish)
    if hidden:  # a hidden wish leaves the maker's listening inbox
        listening.forget(session, "wish", wish_id)


def erase_for_deleted_account(*, session: Session, user_id: int) -> None:
    """Account deletion: the person's votes and pledges on wishes not made yet go (the
    counters with them); their own wishes stay, shown under their deleted name, like
    their reviews."""
    live = (W_OPEN, W_ACCEPTED)
    for row in session.exec(
        select(WishPledge)
        .join(Wish, Wish.id == WishPledge.wish_id)  # type: ignore[arg-type]
        .where(WishPledge.user_id == user_id, Wish.state.in_(live))  # type: ignore[attr-defined]
    ).all():
        value, qty = row.quantity * row.price_cents, row.quantity
        session.delete(row)
        session.flush()
        _bump(session, row.wish_id, pledge_count=-1, pledged_cents=-value, pledged_quantity=-qty)
    voted = list(
        session.exec(
            select(WishVote.wish_id)
            .join(Wish, Wish.id == WishVote.wish_id)  # type: ignore[arg-type]
            .where(WishVote.user_id == user_id, Wish.state == W_OPEN)
        )
    )
    for wish_id in voted:
        session.exec(
            delete(WishVote).where(WishVote.wish_id == wish_id, WishVote.user_id == user_id)  # type: ignore[arg-type]
        )
        _bump(session, wish_id, vote_count=-1)
