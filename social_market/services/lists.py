"""Curated lists: anyone's public or private selection of listings with a note per item
(like Etsy's Treasury), followable when public.

Rules kept here, not in pages:
- Only the owner changes a list; anyone else (and any forged id) gets "not found", so a
  private list's existence never leaks. Others see a public list unless moderators hid
  it, its owner's account is gone, or one of the two blocked the other.
- A list holds at most ``MAX_ITEMS`` listings. The cap is enforced by one conditional
  UPDATE of the list's ``item_count`` (``... WHERE item_count + n <= MAX_ITEMS``), so
  concurrent adds can't overshoot; a bulk add is refused as a whole.
- ``Listing.list_count`` ("saved to N lists") moves in the same transaction as the item
  rows, with atomic UPDATEs, so it always equals the number of list items.
- Feeds: a public list's creation and each added item write one ``activity`` row
  (kind ``list``); the owner's followers and the list's followers read them
  (services/feed.py). Visibility is checked again when reading: a list made private,
  hidden by moderators or deleted disappears from feeds at once.
- Items whose listing is no longer for sale are kept but not shown.
"""

from __future__ import annotations

from limits import parse
from pydantic import BaseModel
from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from social_market.i18n.catalog import N_
from social_market.i18n.format import format_day
from social_market.models import Activity, Block, Listing, Shop, User, utcnow
from social_market.models.lists import MAX_ITEMS, CuratedList, CuratedListItem, ListFollow
from social_market.models.market import ACTIVE, SOLD_OUT, ListingCard
from social_market.models.notification import N_LIST
from social_market.models.social import A_LIST
from social_market.services import feed, notifications, ratelimit
from social_market.services.accounts import require_user
from social_market.services.blocks import is_blocked_between
from social_market.services.errors import InvalidInput, NotFound
from social_market.services.ids import as_id, id_in
from social_market.services.listings import parse_listing_ref, to_card
from social_market.services.text import clean_text

MAX_LISTS_PER_USER = 100
TITLE_MAX = 80
DESCRIPTION_MAX = 1000
NOTE_MAX = 500
LISTS_PER_HOUR = parse("20/hour")
ITEM_CHANGES_PER_HOUR = parse("600/hour")
FOLLOWS_PER_HOUR = parse("200/hour")
VISIBLE_STATES = (ACTIVE, SOLD_OUT)
VIA_LIST = "list"

NOT_FOUND = N_("We couldn't find that list.")
LISTING_NOT_FOUND = N_("We couldn't find that listing.")


class ListSummary(BaseModel):
    """A list as lists of lists show it: safe for client-visible state."""

    id: int
    url: str
    title: str
    description: str
    public: bool
    item_count: int
    follower_count: int
    owner_handle: str
    owner_name: str
    updated: str
    covers: list[str] = []  # up to four photo urls of its first visible items
    has_listing: bool = False  # (save dialog) the listing in question is in it


class ListItemView(BaseModel):
    listing: ListingCard
    note: str
    position: int


class ListPage(BaseModel):
    summary: ListSummary
    items: list[ListItemView]
    is_owner: bool
    following: bool
    can_follow: bool  # signed in, not the owner, public
    unavailable_count: int  # items whose listing is no longer for sale (owner only)


# --------------------------------------------------------------------------- helpers


def list_url(list_id: int) -> str:
    return f"/lists/{list_id}"


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _take_write_lock_first(session: Session) -> None:
    """SQLite: start as a writer so concurrent changes queue instead of failing."""
    if _is_sqlite(session) and not session.in_transaction():
        session.execute(update(CuratedList).where(CuratedList.id == 0).values(item_count=0))  # type: ignore[arg-type]


def _check_title(value: object) -> str:
    title = clean_text(value, field="title", label=N_("Title"), max_length=TITLE_MAX)
    if not title:
        raise InvalidInput("Please give the list a title.", field="title")
    return title


def _check_description(value: object) -> str:
    return clean_text(
        value,
        field="description",
        label=N_("Description"),
        max_length=DESCRIPTION_MAX,
        multiline=True,
    )


def _check_note(value: object) -> str:
    return clean_text(value, field="note", label=N_("Note"), max_length=NOTE_MAX, multiline=True)


def _check_public(value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput("Please choose who can see the list.", field="public")
    return value


def _own_list(session: Session, actor_id: int, list_id: object, *, lock: bool = False):
    """The actor's own list, locked on PostgreSQL when ``lock``; NotFound for any other
    (a forged id learns nothing about someone else's list)."""
    lid = as_id(list_id)
    if lid is None:
        raise NotFound(NOT_FOUND)
    query = select(CuratedList).where(CuratedList.id == lid, CuratedList.owner_id == actor_id)
    if lock and not _is_sqlite(session):
        query = query.with_for_update()
    found = session.exec(query).first()
    if found is None:
        raise NotFound(NOT_FOUND)
    return found


def _owner_visible(owner: User | None) -> bool:
    return owner is not None and owner.deleted_at is None and owner.suspended_at is None


def visible_list(session: Session, viewer_id: int | None, list_id: object) -> CuratedList:
    """A list the viewer may see: their own, or a public one nobody hid (NotFound)."""
    lid = as_id(list_id)
    found = session.get(CuratedList, lid) if lid else None
    if found is None:
        raise NotFound(NOT_FOUND)
    if viewer_id is not None and found.owner_id == viewer_id:
        return found
    if not found.public or found.hidden_at is not None:
        raise NotFound(NOT_FOUND)
    if not _owner_visible(session.get(User, found.owner_id)):
        raise NotFound(NOT_FOUND)
    if is_blocked_between(session, viewer_id, found.owner_id):
        raise NotFound(NOT_FOUND)
    return found


def _visible_listing(session: Session, listing_id: object) -> Listing:
    """A listing anyone can see (for sale or sold out, in an open, visible shop)."""
    lid = parse_listing_ref(listing_id)
    row = (
        session.exec(
            select(Listing, Shop).join(Shop, Shop.id == Listing.shop_id).where(Listing.id == lid)
        ).first()
        if lid
        else None
    )
    if (
        row is None
        or row[0].state not in VISIBLE_STATES
        or row[1].closed_at is not None
        or row[1].hidden_at is not None
    ):
        raise NotFound(LISTING_NOT_FOUND, field="listing")
    return row[0]


def _touch(session: Session, list_id: int) -> None:
    session.exec(
        update(CuratedList).where(CuratedList.id == list_id).values(updated_at=utcnow())  # type: ignore[arg-type]
    )


def _record(session: Session, lst: CuratedList, listing_id: int | None) -> None:
    """Feed activity for a public list (never for a private one)."""
    if lst.public and lst.hidden_at is None:
        feed.record(
            session, kind=A_LIST, actor_id=lst.owner_id, list_id=lst.id, listing_id=listing_id
        )


def _forget(session: Session, list_id: int, listing_id: int | None = None) -> None:
    query = delete(Activity).where(Activity.list_id == list_id, Activity.kind == A_LIST)  # type: ignore[arg-type]
    if listing_id is not None:
        query = query.where(Activity.listing_id == listing_id)  # type: ignore[arg-type]
    session.exec(query)  # type: ignore[call-overload]


def _hit(item, actor_id: int, what: str) -> None:
    ratelimit.hit(
        item,
        what,
        str(actor_id),
        message=N_("You have changed your lists a lot in a short time. Please wait a little."),
    )


# ---------------------------------------------------------------------- lists


def create_list(
    *,
    session: Session,
    actor_id: object,
    title: object,
    description: object = "",
    public: object = True,
) -> CuratedList:
    """Make a new list (at most MAX_LISTS_PER_USER per person).

    Raises:
        NotAllowed: not signed in. InvalidInput: bad title/description, too many lists.
        RateLimited: too many new lists in an hour.
    """
    me = require_user(session, actor_id)
    clean_title = _check_title(title)
    clean_description = _check_description(description)
    is_public = _check_public(public)
    owned = session.exec(
        select(func.count()).select_from(CuratedList).where(CuratedList.owner_id == me.id)
    ).one()
    if owned >= MAX_LISTS_PER_USER:
        raise InvalidInput(
            "You have {maximum} lists already. Please delete one before making another.",
            field="title",
            maximum=MAX_LISTS_PER_USER,
        )
    _hit(LISTS_PER_HOUR, me.id, "list-create")  # type: ignore[arg-type]
    lst = CuratedList(
        owner_id=me.id,  # type: ignore[arg-type]
        title=clean_title,
        description=clean_description,
        public=is_public,
    )
    session.add(lst)
    session.flush()
    _record(session, lst, None)
    return lst


def edit_list(
    *,
    session: Session,
    actor_id: object,
    list_id: object,
    title: object,
    description: object = "",
    public: object = True,
) -> CuratedList:
    """Change a list's title, description and audience. Making it private drops its
    followers and takes it out of every feed."""
    me = require_user(session, actor_id)
    clean_title = _check_title(title)
    clean_description = _check_description(description)
    is_public = _check_public(public)
    lst = _own_list(session, me.id, list_id, lock=True)  # type: ignore[arg-type]
    if lst.public and not is_public:
        session.exec(delete(ListFollow).where(ListFollow.list_id == lst.id))  # type: ignore[arg-type]
        lst.follower_count = 0
        _forget(session, lst.id)  # type: ignore[arg-type]
    lst.title, lst.description, lst.public = clean_title, clean_description, is_public
    lst.updated_at = utcnow()
    session.add(lst)
    session.flush()
    return lst


def delete_list(*, session: Session, actor_id: object, list_id: object) -> None:
    """Delete a list with its items, follows and feed activities; every listing in it
    is counted in one list fewer."""
    me = require_user(session, actor_id)
    _take_write_lock_first(session)
    lst = _own_list(session, me.id, list_id, lock=True)  # type: ignore[arg-type]
    in_list = select(CuratedListItem.listing_id).where(CuratedListItem.list_id == lst.id)
    session.exec(
        update(Listing)
        .where(Listing.id.in_(in_list))  # type: ignore[union-attr]
        .values(list_count=Listing.list_count - 1)
    )
    session.exec(delete(CuratedListItem).where(CuratedListItem.list_id == lst.id))  # type: ignore[arg-type]
    session.exec(delete(ListFollow).where(ListFollow.list_id == lst.id))  # type: ignore[arg-type]
    _forget(session, lst.id)  # type: ignore[arg-type]
    session.delete(lst)
    session.flush()


# ---------------------------------------------------------------------- items


def _reserve(session: Session, list_id: int, n: int) -> None:
    """Count ``n`` more items, or refuse when that passes MAX_ITEMS (one atomic UPDATE,
    which also locks the list row until commit on PostgreSQL)."""
    result = session.exec(
        update(CuratedList)
        .where(CuratedList.id == list_id, CuratedList.item_count + n <= MAX_ITEMS)  # type: ignore[arg-type]
        .values(item_count=CuratedList.item_count + n, updated_at=utcnow())
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise InvalidInput(
            "A list can hold at most {maximum} items. Please remove some or start a new list.",
            field="listing",
            maximum=MAX_ITEMS,
        )


def _next_position(session: Session, list_id: int) -> int:
    top = session.exec(
        select(func.max(CuratedListItem.position)).where(CuratedListItem.list_id == list_id)
    ).one()
    return 0 if top is None else int(top) + 1


def add_item(
    *,
    session: Session,
    actor_id: object,
    list_id: object,
    listing_id: object,
    note: object = "",
) -> bool:
    """Put a listing in one's list with a note; True when added, False when it was
    there already (its note is then replaced, nothing is duplicated).

    Raises:
        NotFound: not one's list, or the listing isn't for sale.
        InvalidInput: note too long, the list is full (MAX_ITEMS).
        RateLimited: too many changes in an hour.
    """
    me = require_user(session, actor_id)
    clean_note = _check_note(note)
    _take_write_lock_first(session)
    lst = _own_list(session, me.id, list_id, lock=True)  # type: ignore[arg-type]
    existing = session.get(CuratedListItem, (lst.id, parse_listing_ref(listing_id) or 0))
    if existing is not None:
        existing.note = clean_note
        session.add(existing)
        _touch(session, lst.id)  # type: ignore[arg-type]
        session.flush()
        return False
    listing = _visible_listing(session, listing_id)
    _hit(ITEM_CHANGES_PER_HOUR, me.id, "list-item")  # type: ignore[arg-type]
    with session.begin_nested():
        _reserve(session, lst.id, 1)  # type: ignore[arg-type]
        session.add(
            CuratedListItem(
                list_id=lst.id,  # type: ignore[arg-type]
                listing_id=listing.id,  # type: ignore[arg-type]
                note=clean_note,
                position=_next_position(session, lst.id),  # type: ignore[arg-type]
            )
        )
        try:
            session.flush()
        except IntegrityError:  # added at the same moment in another tab
            raise InvalidInput("That piece is in the list already.", field="listing") from None
        session.exec(
            update(Listing)
            .where(Listing.id == listing.id)  # type: ignore[arg-type]
            .values(list_count=Listing.list_count + 1)
        )
    _record(session, lst, listing.id)
    return True


def add_items(*, session: Session, actor_id: object, list_id: object, items: object) -> int:
    """Add many listings at once (``items``: ``[{"listing_id": …, "note": …}, …]``).

    All or nothing: when one is refused, or the list would pass MAX_ITEMS, nothing is
    written. Listings already in the list get the new note. Returns how many were new.
    One feed activity for the whole batch.
    """
    me = require_user(session, actor_id)
    if not isinstance(items, list) or not items:
        raise InvalidInput("Please choose the pieces to add.", field="listing")
    if len(items) > MAX_ITEMS:
        raise InvalidInput(
            "A list can hold at most {maximum} items. Please remove some or start a new list.",
            field="listing",
            maximum=MAX_ITEMS,
        )
    wanted: dict[int, str] = {}
    for entry in items:
        if not isinstance(entry, dict):
            raise InvalidInput("Please choose the pieces to add.", field="listing")
        lid = parse_listing_ref(entry.get("listing_id"))
        if lid is None:
            raise NotFound(LISTING_NOT_FOUND, field="listing")
        wanted[lid] = _check_note(entry.get("note", ""))
    _take_write_lock_first(session)
    lst = _own_list(session, me.id, list_id, lock=True)  # type: ignore[arg-type]
    present = {
        item.listing_id: item
        for item in session.exec(
            select(CuratedListItem).where(
                CuratedListItem.list_id == lst.id,
                id_in(session, CuratedListItem.listing_id, wanted),  # type: ignore[arg-type]
            )
        )
    }
    new_ids = [lid for lid in wanted if lid not in present]
    if new_ids:
        visible = set(
            session.exec(
                select(Listing.id)
                .join(Shop, Shop.id == Listing.shop_id)
                .where(
                    id_in(session, Listing.id, new_ids),  # type: ignore[arg-type]
                    Listing.state.in_(VISIBLE_STATES),  # type: ignore[attr-defined]
                    Shop.closed_at.is_(None),  # type: ignore[union-attr]
                    Shop.hidden_at.is_(None),  # type: ignore[union-attr]
                )
            )
        )
        if len(visible) != len(new_ids):
            raise NotFound(LISTING_NOT_FOUND, field="listing")
    _hit(ITEM_CHANGES_PER_HOUR, me.id, "list-item")  # type: ignore[arg-type]
    with session.begin_nested():
        if new_ids:
            _reserve(session, lst.id, len(new_ids))  # type: ignore[arg-type]
        position = _next_position(session, lst.id)  # type: ignore[arg-type]
        for lid, note in wanted.items():
            if lid in present:
                present[lid].note = note
                session.add(present[lid])
            else:
                session.add(
                    CuratedListItem(list_id=lst.id, listing_id=lid, note=note, position=position)  # type: ignore[arg-type]
                )
                position += 1
        try:
            session.flush()
        except IntegrityError:
            raise InvalidInput("That piece is in the list already.", field="listing") from None
        if new_ids:
            session.exec(
                update(Listing)
                .where(id_in(session, Listing.id, new_ids))  # type: ignore[arg-type]
                .values(list_count=Listing.list_count + 1)
            )
    if new_ids:
        _record(session, lst, new_ids[0])
    return len(new_ids)


def set_note(
    *, session: Session, actor_id: object, list_id: object, listing_id: object, note: object
) -> str:
    """Change the note on an item of one's list; returns the cleaned note."""
    me = require_user(session, actor_id)
    clean_note = _check_note(note)
    lst = _own_list(session, me.id, list_id)  # type: ignore[arg-type]
    item = session.get(CuratedListItem, (lst.id, parse_listing_ref(listing_id) or 0))
    if item is None:
        raise NotFound("That piece isn't in the list.")
    item.note = clean_note
    session.add(item)
    _touch(session, lst.id)  # type: ignore[arg-type]
    session.flush()
    return clean_note


def remove_item(*, session: Session, actor_id: object, list_id: object, listing_id: object) -> bool:
    """Take a listing out of one's list; False when it wasn't there."""
    me = require_user(session, actor_id)
    _take_write_lock_first(session)
    lst = _own_list(session, me.id, list_id, lock=True)  # type: ignore[arg-type]
    lid = parse_listing_ref(listing_id)
    if lid is None:
        return False
    result = session.exec(
        delete(CuratedListItem).where(
            CuratedListItem.list_id == lst.id,  # type: ignore[arg-type]
            CuratedListItem.listing_id == lid,  # type: ignore[arg-type]
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    session.exec(
        update(CuratedList)
        .where(CuratedList.id == lst.id)  # type: ignore[arg-type]
        .values(item_count=CuratedList.item_count - 1, updated_at=utcnow())
    )
    session.exec(
        update(Listing).where(Listing.id == lid).values(list_count=Listing.list_count - 1)  # type: ignore[arg-type]
    )
    _forget(session, lst.id, lid)  # type: ignore[arg-type]
    session.flush()
    session.refresh(lst)
    return True


def _ordered_items(session: Session, list_id: int) -> list[CuratedListItem]:
    return list(
        session.exec(
            select(CuratedListItem)
            .where(CuratedListItem.list_id == list_id)
            .order_by(
                CuratedListItem.position,  # type: ignore[arg-type]
                CuratedListItem.added_at,  # type: ignore[arg-type]
                CuratedListItem.listing_id,  # type: ignore[arg-type]
            )
        )
    )


def _apply_order(session: Session, items: list[CuratedListItem], order: list[int]) -> None:
    by_id = {i.listing_id: i for i in items}
    for position, lid in enumerate(order):
        item = by_id[lid]
        if item.position != position:
            item.position = position
            session.add(item)
    session.flush()


def reorder(*, session: Session, actor_id: object, list_id: object, listing_ids: object) -> None:
    """Put one's list in this order (every item exactly once)."""
    me = require_user(session, actor_id)
    lst = _own_list(session, me.id, list_id, lock=True)  # type: ignore[arg-type]
    items = _ordered_items(session, lst.id)  # type: ignore[arg-type]
    if not isinstance(listing_ids, list) or len(listing_ids) > MAX_ITEMS:
        raise InvalidInput("This list has changed. Please reload the page.")
    order = [as_id(x) for x in listing_ids]
    if None in order or sorted(order) != sorted(i.listing_id for i in items):  # type: ignore[type-var]
        raise InvalidInput("This list has changed. Please reload the page.")
    _apply_order(session, items, order)  # type: ignore[arg-type]
    _touch(session, lst.id)  # type: ignore[arg-type]


def move_item(
    *, session: Session, actor_id: object, list_id: object, listing_id: object, offset: object
) -> None:
    """Move an item one place up (``offset`` -1) or down (+1) in one's list."""
    me = require_user(session, actor_id)
    if offset not in (-1, 1) or isinstance(offset, bool):
        raise InvalidInput("This list has changed. Please reload the page.")
    lst = _own_list(session, me.id, list_id, lock=True)  # type: ignore[arg-type]
    items = _ordered_items(session, lst.id)  # type: ignore[arg-type]
    order = [i.listing_id for i in items]
    lid = parse_listing_ref(listing_id)
    if lid not in order:
        raise NotFound("That piece isn't in the list.")
    at = order.index(lid)
    to = at + offset  # type: ignore[operator]
    if 0 <= to < len(order):
        order[at], order[to] = order[to], order[at]
    _apply_order(session, items, order)
    _touch(session, lst.id)  # type: ignore[arg-type]


# ---------------------------------------------------------------------- following


def follow_list(*, session: Session, actor_id: object, list_id: object, on: object = True) -> bool:
    """Follow (``on`` True) or unfollow someone else's public list; idempotent. Returns
    the new state. Its new items then appear in the follower's feed."""
    me = require_user(session, actor_id)
    lst = visible_list(session, me.id, list_id)
    want = on is True
    if want and lst.owner_id == me.id:
        raise InvalidInput("You can't follow your own list.")
    existing = session.get(ListFollow, (lst.id, me.id))
    if want == (existing is not None):
        return want
    if want:
        _hit(FOLLOWS_PER_HOUR, me.id, "list-follow")  # type: ignore[arg-type]
        session.add(ListFollow(list_id=lst.id, user_id=me.id))  # type: ignore[arg-type]
        notifications.notify(
            session,
            user_id=lst.owner_id,
            kind=N_LIST,
            detail="follow",
            actor_id=me.id,
            link=list_url(lst.id),  # type: ignore[arg-type]
            snippet=lst.title,
            subject_key=f"list-follow:{lst.id}",
        )
        delta = 1
    else:
        session.delete(existing)
        delta = -1
    session.flush()
    session.exec(
        update(CuratedList)
        .where(CuratedList.id == lst.id)  # type: ignore[arg-type]
        .values(follower_count=CuratedList.follower_count + delta)
    )
    return want


# ---------------------------------------------------------------------- reading


def _summaries(
    session: Session,
    rows: list[CuratedList],
    locale: str | None,
    contains: set[int] = frozenset(),  # type: ignore[assignment]
) -> list[ListSummary]:
    """Summaries with up to four cover photos each: two queries whatever the count."""
    if not rows:
        return []
    owners = {
        u.id: u
        for u in session.exec(
            select(User).where(id_in(session, User.id, {r.owner_id for r in rows}))  # type: ignore[arg-type]
        )
    }
    covers: dict[int, list[str]] = {}
    ranked = (
        select(
            CuratedListItem.list_id,
            Listing.cover_key,
            func.row_number()
            .over(
                partition_by=CuratedListItem.list_id,
                order_by=(CuratedListItem.position, CuratedListItem.listing_id),
            )
            .label("n"),
        )
        .join(Listing, Listing.id == CuratedListItem.listing_id)
        .where(
            id_in(session, CuratedListItem.list_id, [r.id for r in rows]),  # type: ignore[arg-type]
            Listing.state.in_(VISIBLE_STATES),  # type: ignore[attr-defined]
            Listing.cover_key.is_not(None),  # type: ignore[union-attr]
        )
        .subquery()
    )
    from social_market.services.listings import photo_url

    for list_id, key, _n in session.execute(select(ranked).where(ranked.c.n <= 4)).all():  # type: ignore[call-overload]
        covers.setdefault(list_id, []).append(photo_url(key))
    out = []
    for r in rows:
        owner = owners.get(r.owner_id)
        out.append(
            ListSummary(
                id=r.id or 0,
                url=list_url(r.id or 0),
                title=r.title,
                description=r.description,
                public=r.public,
                item_count=r.item_count,
                follower_count=r.follower_count,
                owner_handle=owner.handle if owner else "",
                owner_name=(owner.display_name or owner.handle) if owner else "",
                updated=format_day(r.updated_at, locale),
                covers=covers.get(r.id or 0, []),
                has_listing=(r.id in contains),
            )
        )
    return out


def get_list_page(
    *, session: Session, viewer_id: int | None, list_id: object, locale: str | None = None
) -> ListPage:
    """A list's page: its visible items in order with their notes (NotFound if the
    viewer may not see it). Four queries."""
    lst = visible_list(session, viewer_id, list_id)
    is_owner = viewer_id is not None and viewer_id == lst.owner_id
    rows = session.exec(
        select(CuratedListItem, Listing, Shop)
        .join(Listing, Listing.id == CuratedListItem.listing_id)
        .join(Shop, Shop.id == Listing.shop_id)
        .where(CuratedListItem.list_id == lst.id)
        .order_by(
            CuratedListItem.position,  # type: ignore[arg-type]
            CuratedListItem.added_at,  # type: ignore[arg-type]
            CuratedListItem.listing_id,  # type: ignore[arg-type]
        )
    ).all()
    items, gone = [], 0
    for item, listing, shop in rows:
        if (
            listing.state not in VISIBLE_STATES
            or shop.closed_at is not None
            or shop.hidden_at is not None
        ):
            gone += 1
            continue
        items.append(
            ListItemView(listing=to_card(listing, locale), note=item.note, position=item.position)
        )
    following = (
        viewer_id is not None
        and not is_owner
        and session.get(ListFollow, (lst.id, viewer_id)) is not None
    )
    return ListPage(
        summary=_summaries(session, [lst], locale)[0],
        items=items,
        is_owner=is_owner,
        following=following,
        can_follow=viewer_id is not None and not is_owner and lst.public,
        unavailable_count=gone if is_owner else 0,
    )


def lists_of(
    *, session: Session, viewer_id: int | None, handle: object, locale: str | None = None
) -> list[ListSummary]:
    """A person's lists as the viewer may see them: public ones (and, for the person
    themself, private ones too), most recently changed first."""
    if not isinstance(handle, str) or not handle or len(handle) > 40:
        raise NotFound("We couldn't find that person.")
    owner = session.exec(select(User).where(User.handle_key == handle.lower())).first()
    if owner is None or not _owner_visible(owner):
        raise NotFound("We couldn't find that person.")
    if is_blocked_between(session, viewer_id, owner.id):
        raise NotFound("We couldn't find that person.")
    query = select(CuratedList).where(CuratedList.owner_id == owner.id)
    if viewer_id != owner.id:
        query = query.where(
            CuratedList.public.is_(True),  # type: ignore[attr-defined]
            CuratedList.hidden_at.is_(None),  # type: ignore[union-attr]
        )
    rows = list(
        session.exec(
            query.order_by(CuratedList.updated_at.desc(), CuratedList.id.desc()).limit(  # type: ignore[attr-defined]
                MAX_LISTS_PER_USER
            )
        )
    )
    return _summaries(session, rows, locale)


def my_lists(
    *, session: Session, actor_id: object, listing_id: object = None, locale: str | None = None
) -> list[ListSummary]:
    """The actor's own lists, most recently changed first; with ``listing_id``, each
    says whether that listing is in it (the "save to list" dialog)."""
    me = require_user(session, actor_id)
    rows = list(
        session.exec(
            select(CuratedList)
            .where(CuratedList.owner_id == me.id)
            .order_by(CuratedList.updated_at.desc(), CuratedList.id.desc())  # type: ignore[attr-defined]
            .limit(MAX_LISTS_PER_USER)
        )
    )
    contains: set[int] = set()
    lid = parse_listing_ref(listing_id) if listing_id is not None else None
    if lid and rows:
        contains = set(
            session.exec(
                select(CuratedListItem.list_id).where(
                    CuratedListItem.listing_id == lid,
                    id_in(session, CuratedListItem.list_id, [r.id for r in rows]),  # type: ignore[arg-type]
                )
            )
        )
    return _summaries(session, rows, locale, contains)


def followed_lists(
    *, session: Session, actor_id: object, locale: str | None = None, limit: int = 100
) -> list[ListSummary]:
    """Public lists the actor follows (those since made private or hidden left out)."""
    me = require_user(session, actor_id)
    rows = list(
        session.exec(
            select(CuratedList)
            .join(ListFollow, ListFollow.list_id == CuratedList.id)
            .join(User, User.id == CuratedList.owner_id)
            .where(
                ListFollow.user_id == me.id,
                CuratedList.public.is_(True),  # type: ignore[attr-defined]
                CuratedList.hidden_at.is_(None),  # type: ignore[union-attr]
                User.deleted_at.is_(None),  # type: ignore[union-attr]
                User.suspended_at.is_(None),  # type: ignore[union-attr]
                CuratedList.owner_id.not_in(  # type: ignore[attr-defined]
                    select(Block.blocked_id).where(Block.blocker_id == me.id)
                ),
                CuratedList.owner_id.not_in(  # type: ignore[attr-defined]
                    select(Block.blocker_id).where(Block.blocked_id == me.id)
                ),
            )
            .order_by(ListFollow.created_at.desc())  # type: ignore[attr-defined]
            .limit(limit)
        )
    )
    return _summaries(session, rows, locale)


def saved_count(*, session: Session, listing_id: object) -> int:
    """In how many lists a listing is saved ("saved to N lists")."""
    lid = parse_listing_ref(listing_id)
    if lid is None:
        return 0
    count = session.exec(select(Listing.list_count).where(Listing.id == lid)).first()
    return int(count or 0)


def attribution(session: Session, via: object, listing_id: int) -> tuple[str, int | None]:
    """("list", id) when ``via`` ("list:<id>") names a public, visible list that holds
    this listing; ("", None) for anything else (a forged or stale via just isn't
    credited)."""
    if not isinstance(via, str) or not via.startswith(VIA_LIST + ":") or len(via) > 30:
        return "", None
    lid = as_id(via.split(":", 1)[1])
    if lid is None:
        return "", None
    found = session.exec(
        select(CuratedList.id)
        .join(CuratedListItem, CuratedListItem.list_id == CuratedList.id)
        .join(User, User.id == CuratedList.owner_id)
        .where(
            CuratedList.id == lid,
            CuratedListItem.listing_id == listing_id,
            CuratedList.public.is_(True),  # type: ignore[attr-defined]
            CuratedList.hidden_at.is_(None),  # type: ignore[union-attr]
            User.deleted_at.is_(None),  # type: ignore[union-attr]
        )
    ).first()
    return (VIA_LIST, lid) if found is not None else ("", None)
