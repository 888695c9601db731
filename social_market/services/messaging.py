"""Conversations: direct ones between two people (one per pair and subject: a listing,
an order, or nothing) and named groups of up to 20.

The database is the source of truth: a message is committed first, then its members'
open pages are told (``services/live.py``, after commit); a page that missed a push
catches up from the database. Every function checks membership itself: for anyone
who isn't an active member a conversation doesn't exist, whatever id they send.

Who may start a conversation: the recipient's "who can message me" setting (everyone,
people they follow, or only shops and buyers they have orders with), never across a
block. A conversation about an order is always open between its buyer and shop.
"""

from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

from limits import parse
from pydantic import BaseModel
from sqlalchemy import case, func, or_, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from social_market.i18n.catalog import N_
from social_market.i18n.format import format_ago
from social_market.models import (
    Conversation,
    ConversationMember,
    Follow,
    Listing,
    Message,
    Order,
    Shop,
    User,
    utcnow,
)
from social_market.models.market import ACTIVE, SOLD_OUT
from social_market.models.messaging import DIRECT, GROUP, MAX_GROUP
from social_market.services import images, listening, live, profiles, ratelimit
from social_market.services.accounts import require_user
from social_market.services.blocks import is_blocked_between
from social_market.services.errors import InvalidInput, NotAllowed, NotFound
from social_market.services.ids import MAX_ID, as_id, id_in
from social_market.services.listings import photo_url as listing_photo_url
from social_market.services.rich_text import Segment, segments
from social_market.services.text import clean_text
from social_market.urls import listing_url, order_url

PHOTO_FOLDER = "messages"
PHOTO_FULL = 1200  # fitted
PHOTO_THUMB = 400  # fitted, shown in the conversation
PHOTO_SIZES = (PHOTO_THUMB, PHOTO_FULL)
MESSAGES_PER_HOUR = parse("300/hour")
CONVERSATIONS_PER_HOUR = parse("30/hour")
MAX_BODY = 4000
MAX_TITLE = 80
PAGE = 30  # messages per history page
INBOX_PAGE = 30
SEARCH_LIMIT = 30
SUBJECT_KINDS = ("", "listing", "order")


class SubjectCard(BaseModel):
    """What a conversation is about, as its members see it."""

    kind: str  # listing | order
    title: str
    detail: str
    url: str
    photo_url: str


class MemberView(BaseModel):
    id: int
    handle: str
    name: str
    avatar: str
    initials: str


class ConversationRow(BaseModel):
    """One line of the inbox."""

    id: int
    title: str
    avatar: str
    initials: str
    preview: str
    when: str
    unread: int
    is_group: bool
    subject_title: str
    cursor: str


class MessageView(BaseModel):
    id: int
    mine: bool
    sender_name: str
    sender_handle: str
    avatar: str
    initials: str
    segments: list[Segment]
    when: str
    read: bool  # (own messages) every other member has read it
    photo: str = ""  # attached image (below the upload URL), '' for none
    photo_full: str = ""


class ConversationView(BaseModel):
    id: int
    is_group: bool
    title: str
    members: list[MemberView]
    subject: SubjectCard | None
    is_creator: bool
    can_send: bool
    closed: bool  # by moderators
    archived: bool


class SearchHit(BaseModel):
    conversation_id: int
    message_id: int
    title: str
    sender_name: str
    text: str
    when: str


def _not_found() -> NotFound:
    return NotFound("We couldn't find that conversation.")


# --- who may talk to whom -----------------------------------------------------------


def _have_order_between(session: Session, a: int, b: int) -> bool:
    """Has one of the two bought from the other's shop?"""
    row = session.exec(
        select(Order.id)
        .join(Shop, Shop.id == Order.shop_id)  # type: ignore[arg-type]
        .where(
            or_(
                (Order.buyer_id == a) & (Shop.owner_id == b),
                (Order.buyer_id == b) & (Shop.owner_id == a),
            )
        )
        .limit(1)
    ).first()
    return row is not None


def may_start(session: Session, me: int, them: User) -> bool:
    """May ``me`` start a conversation with ``them`` (their setting, and no block)?"""
    if them.id == me or them.deleted_at is not None or them.suspended_at is not None:
        return False
    if is_blocked_between(session, me, them.id):
        return False
    if them.messages_from == "everyone":
        return True
    if them.messages_from == "following":
        return session.get(Follow, (them.id, me)) is not None
    return _have_order_between(session, me, them.id)  # type: ignore[arg-type]


def _person(session: Session, handle: object) -> User:
    if not isinstance(handle, str) or not 1 <= len(handle) <= 40:
        raise NotFound("We couldn't find that person.")
    user = session.exec(select(User).where(User.handle_key == handle.lower())).first()
    if user is None or user.deleted_at is not None or user.suspended_at is not None:
        raise NotFound("We couldn't find that person.")
    return user


# --- starting ----------------------------------------------------------------------


def _subject_other_party(
    session: Session, me: int, subject_kind: str, subject_id: int | None
) -> int | None:
    """The person a subject puts me in touch with (listing: its maker; order: the
    other side), or None when the subject names nobody."""
    if subject_kind == "listing":
        listing = session.get(Listing, subject_id) if subject_id else None
        shop = session.get(Shop, listing.shop_id) if listing else None
        if listing is None or shop is None or listing.state not in (ACTIVE, SOLD_OUT):
            raise NotFound("We couldn't find that listing.")
        if shop.closed_at is not None or listing.hidden_at or shop.hidden_at:
            raise NotFound("We couldn't find that listing.")
        return shop.owner_id
    if subject_kind == "order":
        order = session.get(Order, subject_id) if subject_id else None
        shop = session.get(Shop, order.shop_id) if order else None
        if order is None or shop is None or me not in (order.buyer_id, shop.owner_id):
            raise NotFound("We couldn't find that order.")
        return shop.owner_id if me == order.buyer_id else order.buyer_id
    return None


def start_direct(
    *,
    session: Session,
    actor_id: object,
    handle: object = None,
    subject_kind: object = "",
    subject_id: object = None,
) -> Conversation:
    """The direct conversation between the actor and someone (by handle, or the other
    party of a listing or order), about that subject: reused if it exists."""
    me = require_user(session, actor_id)
    if subject_kind not in SUBJECT_KINDS:
        raise NotFound("We couldn't find that.")
    sid = as_id(subject_id) if subject_kind else None
    if subject_kind and sid is None:
        raise NotFound("We couldn't find that.")
    other_id = _subject_other_party(session, me.id, str(subject_kind), sid)  # type: ignore[arg-type]
    if handle not in (None, ""):
        them = _person(session, handle)
        if other_id is not None and subject_kind == "order" and them.id != other_id:
            raise NotFound("We couldn't find that order.")
        if subject_kind == "listing" and them.id != other_id and me.id != other_id:
            raise NotFound("We couldn't find that listing.")
    elif other_id is not None:
        them = session.get(User, other_id)  # type: ignore[assignment]
    else:
        raise NotFound("We couldn't find that person.")
    if them is None or them.id == me.id:
        raise InvalidInput("You can't start a conversation with yourself.")
    low, high = sorted((me.id, them.id))  # type: ignore[type-var]
    key = f"{low}:{high}:{subject_kind}:{sid or ''}"
    existing = session.exec(select(Conversation).where(Conversation.pair_key == key)).first()
    if existing is not None:
        if is_blocked_between(session, me.id, them.id):
            raise NotAllowed("You can't message this person.")
        return existing
    if subject_kind != "order" and not may_start(session, me.id, them):  # type: ignore[arg-type]
        raise NotAllowed("This person doesn't take messages from you.")
    if subject_kind == "order" and is_blocked_between(session, me.id, them.id):
        raise NotAllowed("You can't message this person.")
    ratelimit.hit(
        CONVERSATIONS_PER_HOUR,
        "conversation",
        str(me.id),
        message=N_("You have started a lot of conversations in the last hour. Please wait."),
    )
    conversation = Conversation(
        kind=DIRECT,
        subject_kind=str(subject_kind),
        subject_id=sid,
        pair_key=key,
        created_by=me.id,  # type: ignore[arg-type]
    )
    try:
        with session.begin_nested():
            session.add(conversation)
            session.flush()
            for uid in (me.id, them.id):
                session.add(ConversationMember(conversation_id=conversation.id, user_id=uid))  # type: ignore[arg-type]
            session.flush()
    except IntegrityError:  # started at the same moment from the other side
        return session.exec(select(Conversation).where(Conversation.pair_key == key)).one()
    return conversation


def _title(value: object) -> str:
    title = clean_text(value, field="title", label=N_("Name"), max_length=MAX_TITLE)
    if not title:
        raise InvalidInput("Please give the group a name.", field="title")
    return title


def create_group(
    *, session: Session, actor_id: object, title: object, handles: object
) -> Conversation:
    """A named group of the actor and up to 19 others who take messages from them."""
    me = require_user(session, actor_id)
    name = _title(title)
    if not isinstance(handles, list) or not all(isinstance(h, str) for h in handles):
        raise InvalidInput("Please choose who to invite.", field="members")
    unique = list(dict.fromkeys(h.strip().lstrip("@").lower() for h in handles if h.strip()))
    if not unique:
        raise InvalidInput("Please choose who to invite.", field="members")
    if len(unique) + 1 > MAX_GROUP:
        raise InvalidInput("A group has at most {count} people.", field="members", count=MAX_GROUP)
    people = [_person(session, h) for h in unique]
    for person in people:
        if person.id == me.id:
            continue
        if not may_start(session, me.id, person):  # type: ignore[arg-type]
            raise NotAllowed(
                "{name} doesn't take messages from you.", name=person.display_name or person.handle
            )
    ratelimit.hit(
        CONVERSATIONS_PER_HOUR,
        "conversation",
        str(me.id),
        message=N_("You have started a lot of conversations in the last hour. Please wait."),
    )
    conversation = Conversation(kind=GROUP, title=name, created_by=me.id)  # type: ignore[arg-type]
    session.add(conversation)
    session.flush()
    for uid in dict.fromkeys([me.id, *(p.id for p in people)]):
        session.add(ConversationMember(conversation_id=conversation.id, user_id=uid))  # type: ignore[arg-type]
    session.flush()
    return conversation


# --- membership --------------------------------------------------------------------


def _membership(session: Session, me: int, conversation_id: object) -> ConversationMember:
    cid = as_id(conversation_id)
    member = session.get(ConversationMember, (cid, me)) if cid else None
    if member is None or member.left_at is not None:
        raise _not_found()
    return member


def _active_ids(session: Session, conversation_id: int) -> list[int]:
    return list(
        session.exec(
            select(ConversationMember.user_id).where(
                ConversationMember.conversation_id == conversation_id,
                ConversationMember.left_at.is_(None),  # type: ignore[union-attr]
            )
        )
    )


class _ActiveMember(NamedTuple):
    user_id: int
    last_read_id: int
    last_message_id: int
    unread_count: int


def _active_members(session: Session, conversation_id: int | None) -> list[_ActiveMember]:
    """The active members' read positions, in one statement (the hot paths of every
    message use it for the membership check, the read receipts and who to tell)."""
    if conversation_id is None:
        return []
    rows = session.exec(
        select(
            ConversationMember.user_id,
            ConversationMember.last_read_id,
            ConversationMember.last_message_id,
            ConversationMember.unread_count,
        ).where(
            ConversationMember.conversation_id == conversation_id,
            ConversationMember.left_at.is_(None),  # type: ignore[union-attr]
        )
    ).all()
    return [_ActiveMember(*row) for row in rows]


def _me_among(members: list[_ActiveMember], me: int) -> _ActiveMember:
    for member in members:
        if member.user_id == me:
            return member
    raise _not_found()


def _forget_loaded_members(session: Session, conversation_id: int) -> None:
    """Statements changed these rows behind the session's back: reload on next use."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, ConversationMember) and obj.conversation_id == conversation_id:
            session.expire(obj)


def _own_group(session: Session, me: int, conversation_id: object) -> Conversation:
    member = _membership(session, me, conversation_id)
    conversation = session.get(Conversation, member.conversation_id)
    if conversation is None or conversation.kind != GROUP:
        raise _not_found()
    if conversation.created_by != me:
        raise NotAllowed("Only the person who started the group can change who is in it.")
    return conversation


def add_member(
    *, session: Session, actor_id: object, conversation_id: object, handle: object
) -> None:
    me = require_user(session, actor_id)
    conversation = _own_group(session, me.id, conversation_id)  # type: ignore[arg-type]
    person = _person(session, handle)
    active = _active_ids(session, conversation.id)  # type: ignore[arg-type]
    if person.id in active:
        return
    if len(active) >= MAX_GROUP:
        raise InvalidInput("A group has at most {count} people.", field="members", count=MAX_GROUP)
    if not may_start(session, me.id, person):  # type: ignore[arg-type]
        raise NotAllowed(
            "{name} doesn't take messages from you.", name=person.display_name or person.handle
        )
    row = session.get(ConversationMember, (conversation.id, person.id))
    if row is None:
        row = ConversationMember(conversation_id=conversation.id, user_id=person.id)  # type: ignore[arg-type]
    row.left_at, row.archived = None, False
    row.joined_at = utcnow()
    row.last_message_id = conversation.last_message_id
    row.last_read_id = conversation.last_message_id  # history before joining isn't "new"
    row.unread_count = 0
    session.add(row)
    session.flush()
    live.publish_after_commit(
        session, live.conversation_topic(conversation.id), [*active, person.id]
    )  # type: ignore[arg-type, list-item]


def remove_member(
    *, session: Session, actor_id: object, conversation_id: object, user_id: object
) -> None:
    me = require_user(session, actor_id)
    conversation = _own_group(session, me.id, conversation_id)  # type: ignore[arg-type]
    uid = as_id(user_id)
    if uid == me.id:
        raise InvalidInput("To go, leave the group.")
    row = session.get(ConversationMember, (conversation.id, uid)) if uid else None
    if row is None or row.left_at is not None:
        raise NotFound("That person isn't in this group.")
    row.left_at = utcnow()
    session.add(row)
    session.flush()
    live.publish_after_commit(
        session,
        live.conversation_topic(conversation.id),  # type: ignore[arg-type]
        [*_active_ids(session, conversation.id), uid],  # type: ignore[arg-type, list-item]
    )


def leave(*, session: Session, actor_id: object, conversation_id: object) -> None:
    me = require_user(session, actor_id)
    member = _membership(session, me.id, conversation_id)  # type: ignore[arg-type]
    conversation = session.get(Conversation, member.conversation_id)
    if conversation is None or conversation.kind != GROUP:
        raise InvalidInput("You can archive a conversation between two people, not leave it.")
    member.left_at = utcnow()
    session.add(member)
    session.flush()
    live.publish_after_commit(
        session,
        live.conversation_topic(conversation.id),  # type: ignore[arg-type]
        _active_ids(session, conversation.id),  # type: ignore[arg-type]
    )


def set_archived(
    *, session: Session, actor_id: object, conversation_id: object, archived: object
) -> None:
    me = require_user(session, actor_id)
    member = _membership(session, me.id, conversation_id)  # type: ignore[arg-type]
    if not isinstance(archived, bool):
        raise InvalidInput("Please reload the page and try again.")
    member.archived = archived
    session.add(member)
    session.flush()


# --- sending and reading ------------------------------------------------------------


def can_send(
    session: Session, me: int, conversation: Conversation, active: list[int] | None = None
) -> bool:
    """Nobody sends to a closed conversation, nor across a block between two people.
    ``active``: the conversation's active members, when the caller has them."""
    if conversation.closed_at is not None:
        return False
    if conversation.kind == GROUP:
        return True
    if active is None:
        active = _active_ids(session, conversation.id)  # type: ignore[arg-type]
    others = [u for u in active if u != me]
    return bool(others) and not any(is_blocked_between(session, me, o) for o in others)


def photo_url(key: str | None, size: int = PHOTO_THUMB) -> str:
    return f"{PHOTO_FOLDER}/{key}_{size}.webp" if key else ""


def store_photo(*, session: Session, actor_id: object, conversation_id: object, data: bytes) -> str:
    """Check and store an image to attach to a message in this conversation (a member's);
    returns its key. The caller keeps the key on the server until the message is sent."""
    me = require_user(session, actor_id)
    member = _membership(session, me.id, conversation_id)  # type: ignore[arg-type]
    conversation = session.get(Conversation, member.conversation_id)
    if conversation is None or conversation.closed_at is not None:
        raise NotAllowed("Our moderators closed this conversation.")
    ratelimit.hit(
        ratelimit.UPLOADS_PER_USER,
        "upload",
        str(me.id),
        message=N_("You have uploaded a lot of images in the last hour. Please wait a little."),
    )
    image, _, _ = images.store_image(data, folder=PHOTO_FOLDER, fit=PHOTO_SIZES)
    return image.key


def discard_photo(key: str) -> None:
    images.delete_stored(key, folder=PHOTO_FOLDER, sizes=PHOTO_SIZES)


def send_message(
    *,
    session: Session,
    actor_id: object,
    conversation_id: object,
    body: object,
    photo_key: str | None = None,
) -> Message:
    """Add a message (the caller commits); members' pages are told after commit.
    ``photo_key`` comes from ``store_photo`` (kept on the server, never from the browser)."""
    me = require_user(session, actor_id)
    cid = as_id(conversation_id)
    members = _active_members(session, cid)
    member = _me_among(members, me.id)  # type: ignore[arg-type]
    active = [m.user_id for m in members]
    # The conversation's row stays locked until commit, taken before the message gets its
    # id: within a conversation, ids are then committed in order, so a page that has
    # message n can ask for "after n" and never skip one still being committed (two
    # people writing at once would otherwise commit 101 before 100).
    conversation = session.exec(
        select(Conversation)
        .where(Conversation.id == cid)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if conversation is None:
        raise _not_found()
    text = clean_text(body, field="body", label=N_("Message"), max_length=MAX_BODY, multiline=True)
    if not text.strip() and not photo_key:
        raise InvalidInput("Please write something.", field="body")
    if conversation.closed_at is not None:
        raise NotAllowed("Our moderators closed this conversation.")
    if not can_send(session, me.id, conversation, active):  # type: ignore[arg-type]
        raise NotAllowed("You can't message this person.")
    ratelimit.hit(
        MESSAGES_PER_HOUR,
        "message",
        str(me.id),
        message=N_("You have sent a lot of messages in the last hour. Please wait a little."),
    )
    had_unread = member.unread_count > 0
    message = Message(
        conversation_id=conversation.id,  # type: ignore[arg-type]
        sender_id=me.id,  # type: ignore[arg-type]
        body=text,
        image_key=photo_key,
    )
    session.add(message)
    session.flush()
    session.exec(
        update(Conversation)
        .where(Conversation.id == conversation.id)  # type: ignore[arg-type]
        .values(last_message_id=message.id)
    )
    # Every active member's inbox moves it up (and out of their archive), one more unread
    # for the others; the sender has read it. One statement for all of them.
    mine = ConversationMember.user_id == me.id
    session.exec(
        update(ConversationMember)
        .where(
            ConversationMember.conversation_id == conversation.id,  # type: ignore[arg-type]
            ConversationMember.left_at.is_(None),  # type: ignore[union-attr]
        )
        .values(
            last_message_id=message.id,
            archived=False,
            unread_count=case((mine, 0), else_=ConversationMember.unread_count + 1),
            last_read_id=case((mine, message.id), else_=ConversationMember.last_read_id),
        )
        .execution_options(synchronize_session=False)
    )
    _forget_loaded_members(session, conversation.id)  # type: ignore[arg-type]
    # The others' open pages get it by push; the sender's page at once (ConversationState.
    # send) and their other tabs with the next message.
    others = [u for u in active if u != me.id]
    if conversation.kind == DIRECT:  # a maker's questions reach their listening inbox
        listening.on_direct_message(
            session,
            conversation_id=conversation.id,  # type: ignore[arg-type]
            sender_id=me.id,  # type: ignore[arg-type]
            member_ids=others,
            body=text,
            link=f"/messages/{conversation.id}",
        )
    live.publish_after_commit(session, live.conversation_topic(conversation.id), others)  # type: ignore[arg-type]
    if had_unread:  # sending reads the conversation: their badge changes
        live.publish_after_commit(session, live.UNREAD, [me.id])  # type: ignore[list-item]
    return message


def set_closed(session: Session, conversation_id: int, closed: bool) -> None:
    """Moderation (services/social_reports.py): close a reported conversation, or open
    it again; members' open pages are told after commit."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise _not_found()
    conversation.closed_at = (conversation.closed_at or utcnow()) if closed else None
    session.add(conversation)
    live.publish_after_commit(
        session, live.conversation_topic(conversation_id), _active_ids(session, conversation_id)
    )


def recent_messages(
    session: Session, conversation_ids: list[int], per_conversation: int = 3
) -> dict[int, list[tuple[int, str]]]:
    """The newest few messages not hidden by moderators, (sender id, text) oldest first,
    for each of these conversations: one statement, each conversation's own index range."""
    if not conversation_ids:
        return {}
    parts = [
        select(Message.id, Message.conversation_id, Message.sender_id, Message.body)
        .where(
            Message.conversation_id == cid,
            Message.hidden_at.is_(None),  # type: ignore[union-attr]
        )
        .order_by(Message.id.desc())  # type: ignore[union-attr]
        .limit(per_conversation)
        .subquery()
        .select()
        for cid in conversation_ids
    ]
    found: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for _mid, cid, sender, body in sorted(session.exec(union_all(*parts)).all()):  # type: ignore[call-overload]
        found[cid].append((sender, body))
    return dict(found)


def mark_read(
    *, session: Session, actor_id: object, conversation_id: object, up_to: object = None
) -> bool:
    """Mark the conversation read up to a message id (default: all). Tells the others
    (read receipts) when it changed anything."""
    me = require_user(session, actor_id)
    member = _membership(session, me.id, conversation_id)  # type: ignore[arg-type]
    limit = member.last_message_id
    if up_to not in (None, ""):
        wanted = as_id(up_to)
        if wanted is None:
            raise InvalidInput("Please reload the page and try again.")
        limit = min(limit, wanted)
    return _mark_read(session, me.id, member.conversation_id, member.last_message_id, limit)  # type: ignore[arg-type]


def _mark_read(
    session: Session,
    me: int,
    conversation_id: int,
    last_message_id: int,
    limit: int,
    others: list[int] | None = None,
) -> bool:
    """``others``: the other active members, when the caller has them."""
    # Read to the end: nothing is unread. Part of the way (rare): count what is left.
    left = 0
    if limit < last_message_id:
        left = session.exec(
            select(func.count()).where(
                Message.conversation_id == conversation_id,
                Message.id > limit,  # type: ignore[operator]
                Message.sender_id != me,
            )
        ).one()
    result = session.exec(
        update(ConversationMember)
        .where(
            ConversationMember.conversation_id == conversation_id,  # type: ignore[arg-type]
            ConversationMember.user_id == me,  # type: ignore[arg-type]
            ConversationMember.last_read_id < limit,  # type: ignore[arg-type]
        )
        .values(last_read_id=limit, unread_count=left)
        .execution_options(synchronize_session=False)
    )
    changed = bool(result.rowcount)  # type: ignore[attr-defined]
    if changed:
        _forget_loaded_members(session, conversation_id)
        # The others' pages show the read receipt (pushed as a number: no refetch); mine
        # only need the badge recounted.
        if others is None:
            others = [u for u in _active_ids(session, conversation_id) if u != me]
        live.publish_after_commit(session, live.read_topic(conversation_id), others)
        live.publish_after_commit(session, live.UNREAD, [me])
    return changed


def unread_conversations(session: Session, user_id: int) -> int:
    """How many of the person's conversations have unread messages (the header badge)."""
    return int(
        session.exec(
            select(func.count()).where(
                ConversationMember.user_id == user_id,
                ConversationMember.archived.is_(False),  # type: ignore[attr-defined]
                ConversationMember.left_at.is_(None),  # type: ignore[union-attr]
                ConversationMember.last_message_id > ConversationMember.last_read_id,
            )
        ).one()
    )


def unread_conversation_counts(session: Session, user_ids: list[int]) -> dict[int, int]:
    """``unread_conversations`` for several people in one statement (live pushes)."""
    if not user_ids:
        return {}
    rows = session.exec(
        select(ConversationMember.user_id, func.count())
        .where(
            ConversationMember.user_id.in_(user_ids),  # type: ignore[attr-defined]
            ConversationMember.archived.is_(False),  # type: ignore[attr-defined]
            ConversationMember.left_at.is_(None),  # type: ignore[union-attr]
            ConversationMember.last_message_id > ConversationMember.last_read_id,
        )
        .group_by(ConversationMember.user_id)
    ).all()
    counts = dict.fromkeys(user_ids, 0)
    counts.update({uid: int(n) for uid, n in rows})
    return counts


# --- reading: the inbox -------------------------------------------------------------


def _decode_inbox_cursor(cursor: object) -> tuple[int, int] | None:
    if cursor in (None, ""):
        return None
    try:
        last, cid = (int(p) for p in str(cursor).split(":"))
    except (TypeError, ValueError):
        raise InvalidInput("That page link is broken.") from None
    if not (0 <= last < MAX_ID and 0 < cid < MAX_ID):
        raise InvalidInput("That page link is broken.")
    return last, cid


def inbox(
    *,
    session: Session,
    actor_id: object,
    archived: bool = False,
    cursor: object = None,
    locale: str | None = None,
) -> tuple[list[ConversationRow], str]:
    """The actor's conversations, latest message first (INBOX_PAGE at a time)."""
    me = require_user(session, actor_id)
    after = _decode_inbox_cursor(cursor)
    query = (
        select(ConversationMember)
        .where(
            ConversationMember.user_id == me.id,
            ConversationMember.archived.is_(archived is True),  # type: ignore[attr-defined]
            ConversationMember.left_at.is_(None),  # type: ignore[union-attr]
        )
        .order_by(
            ConversationMember.last_message_id.desc(),  # type: ignore[attr-defined]
            ConversationMember.conversation_id.desc(),  # type: ignore[attr-defined]
        )
        .limit(INBOX_PAGE + 1)
    )
    if after is not None:
        last, cid = after
        query = query.where(
            or_(
                ConversationMember.last_message_id < last,  # type: ignore[arg-type]
                (ConversationMember.last_message_id == last)
                & (ConversationMember.conversation_id < cid),  # type: ignore[arg-type]
            )
        )
    members = session.exec(query).all()
    page = members[:INBOX_PAGE]
    rows = _rows(session, me.id, page, locale)  # type: ignore[arg-type]
    next_cursor = rows[-1].cursor if len(members) > INBOX_PAGE and rows else ""
    return rows, next_cursor


def _rows(
    session: Session, me: int, members: list[ConversationMember], locale: str | None
) -> list[ConversationRow]:
    """Inbox lines for these memberships, in a fixed number of statements."""
    if not members:
        return []
    ids = [m.conversation_id for m in members]
    conversations = {
        c.id: c
        for c in session.exec(select(Conversation).where(Conversation.id.in_(ids)))  # type: ignore[union-attr]
    }
    last_ids = [c.last_message_id for c in conversations.values() if c.last_message_id]
    last = {
        m.conversation_id: m
        for m in session.exec(select(Message).where(Message.id.in_(last_ids)))  # type: ignore[union-attr]
    }
    others: dict[int, list] = {}
    for row in session.exec(
        select(
            ConversationMember.conversation_id,
            User.id,
            User.handle,
            User.display_name,
            User.avatar_key,
            User.deleted_at,
        )
        .join(User, User.id == ConversationMember.user_id)  # type: ignore[arg-type]
        .where(
            id_in(session, ConversationMember.conversation_id, ids),
            ConversationMember.user_id != me,
            ConversationMember.left_at.is_(None),  # type: ignore[union-attr]
        )
        .order_by(ConversationMember.joined_at)
    ):
        others.setdefault(row[0], []).append(row)
    unread = _unread_counts(session, me, members)
    subjects = _subject_titles(session, conversations.values())
    now = utcnow()
    rows = []
    for member in members:
        c = conversations[member.conversation_id]
        people = others.get(c.id, [])  # type: ignore[arg-type]
        first = people[0] if people else None
        name = _name(first) if first else ""
        title = c.title if c.kind == GROUP else (name or "—")
        message = last.get(c.id)  # type: ignore[arg-type]
        preview = ""
        if message is not None and (message.hidden_at is None or message.sender_id == me):
            preview = " ".join(message.body.split())[:120]
        rows.append(
            ConversationRow(
                id=c.id,  # type: ignore[arg-type]
                title=title,
                avatar=profiles.avatar_url(first.avatar_key) if first and c.kind == DIRECT else "",
                initials=profiles.initials(title),
                preview=preview,
                when=format_ago(message.created_at, now, locale) if message else "",
                unread=unread.get(c.id, 0),  # type: ignore[arg-type]
                is_group=c.kind == GROUP,
                subject_title=subjects.get(c.id, ""),  # type: ignore[arg-type]
                cursor=f"{member.last_message_id}:{member.conversation_id}",
            )
        )
    return rows


def _name(user: User) -> str:
    if user.deleted_at is not None:
        return ""
    return user.display_name or user.handle


def _unread_counts(session: Session, me: int, members: list[ConversationMember]) -> dict[int, int]:
    """Unread messages per conversation, shown up to 99 (kept on each membership)."""
    return {m.conversation_id: min(m.unread_count, 99) for m in members if m.unread_count}


def _subject_titles(session: Session, conversations) -> dict[int, str]:
    listing_ids = {c.subject_id: c.id for c in conversations if c.subject_kind == "listing"}
    order_ids = {c.subject_id: c.id for c in conversations if c.subject_kind == "order"}
    titles: dict[int, str] = {}
    if listing_ids:
        for lid, title in session.exec(
            select(Listing.id, Listing.title).where(Listing.id.in_(listing_ids))  # type: ignore[union-attr]
        ):
            titles[listing_ids[lid]] = title
    if order_ids:
        for oid, reference in session.exec(
            select(Order.id, Order.reference).where(Order.id.in_(order_ids))  # type: ignore[union-attr]
        ):
            titles[order_ids[oid]] = reference
    return titles


# --- reading: one conversation ------------------------------------------------------


def _subject_card(session: Session, conversation: Conversation) -> SubjectCard | None:
    if conversation.subject_kind == "listing":
        listing = session.get(Listing, conversation.subject_id)
        if listing is None:
            return None
        return SubjectCard(
            kind="listing",
            title=listing.title,
            detail="",
            url=listing_url(listing.id, listing.slug),  # type: ignore[arg-type]
            photo_url=listing_photo_url(listing.cover_key),
        )
    if conversation.subject_kind == "order":
        order = session.get(Order, conversation.subject_id)
        if order is None:
            return None
        return SubjectCard(
            kind="order",
            title=order.reference,
            detail=order.shop_name,
            url=order_url(order.reference),
            photo_url="",
        )
    return None


def conversation_view(
    *, session: Session, actor_id: object, conversation_id: object
) -> ConversationView:
    me = require_user(session, actor_id)
    member = _membership(session, me.id, conversation_id)  # type: ignore[arg-type]
    conversation = session.get(Conversation, member.conversation_id)
    if conversation is None:
        raise _not_found()
    people = session.exec(
        select(User)
        .join(ConversationMember, ConversationMember.user_id == User.id)  # type: ignore[arg-type]
        .where(
            ConversationMember.conversation_id == conversation.id,
            ConversationMember.left_at.is_(None),  # type: ignore[union-attr]
        )
        .order_by(ConversationMember.joined_at)
    ).all()
    members = [
        MemberView(
            id=u.id,  # type: ignore[arg-type]
            handle=u.handle if u.deleted_at is None else "",
            name=_name(u),
            avatar=profiles.avatar_url(u.avatar_key),
            initials=profiles.initials(_name(u) or "?"),
        )
        for u in people
    ]
    others = [m for m in members if m.id != me.id]
    title = conversation.title if conversation.kind == GROUP else (others[0].name if others else "")
    return ConversationView(
        id=conversation.id,  # type: ignore[arg-type]
        is_group=conversation.kind == GROUP,
        title=title,
        members=members,
        subject=_subject_card(session, conversation),
        is_creator=conversation.created_by == me.id,
        can_send=can_send(session, me.id, conversation),  # type: ignore[arg-type]
        closed=conversation.closed_at is not None,
        archived=member.archived,
    )


def _shown_to(me: int):
    """Messages hidden by moderators stay visible to their sender only."""
    return or_(Message.hidden_at.is_(None), Message.sender_id == me)  # type: ignore[union-attr]


def _views(
    session: Session,
    me: int,
    conversation_id: int,
    messages: list[Message],
    locale: str | None,
    read_up_to: int | None = None,
) -> list[MessageView]:
    if not messages:
        return []
    sender_ids = {m.sender_id for m in messages}
    # Only the columns shown (a page of messages is read for every message sent).
    senders = {
        u.id: u
        for u in session.exec(
            select(User.id, User.display_name, User.handle, User.avatar_key, User.deleted_at).where(
                User.id.in_(sender_ids)
            )  # type: ignore[union-attr]
        )
    }
    if read_up_to is None:
        read_up_to = read_by_all_up_to(session, me, conversation_id)
    now = utcnow()
    views = []
    for m in messages:
        sender = senders.get(m.sender_id)
        name = _name(sender) if sender else ""
        views.append(
            MessageView(
                id=m.id,  # type: ignore[arg-type]
                mine=m.sender_id == me,
                sender_name=name,
                sender_handle=sender.handle if sender and sender.deleted_at is None else "",
                avatar=profiles.avatar_url(sender.avatar_key) if sender else "",
                initials=profiles.initials(name or "?"),
                segments=segments(m.body),
                when=format_ago(m.created_at, now, locale),
                read=m.sender_id == me and m.id <= read_up_to,  # type: ignore[operator]
                photo=photo_url(m.image_key, PHOTO_THUMB),
                photo_full=photo_url(m.image_key, PHOTO_FULL),
            )
        )
    return views


def history(
    *,
    session: Session,
    actor_id: object,
    conversation_id: object,
    before: object = None,
    locale: str | None = None,
) -> tuple[list[MessageView], int]:
    """Up to PAGE messages older than ``before`` (a message id; None: the newest), oldest
    first; and the id to ask for the page before them (0: no more)."""
    me = require_user(session, actor_id)
    member = _membership(session, me.id, conversation_id)  # type: ignore[arg-type]
    limit = MAX_ID - 1
    if before not in (None, "", 0):
        b = as_id(before)
        if b is None:
            raise InvalidInput("Please reload the page and try again.")
        limit = b - 1
    rows = list(
        session.exec(
            select(Message)
            .where(
                Message.conversation_id == member.conversation_id,
                Message.id <= limit,  # type: ignore[operator]
                _shown_to(me.id),  # type: ignore[arg-type]
            )
            .order_by(Message.id.desc())  # type: ignore[union-attr]
            .limit(PAGE + 1)
        )
    )
    page = list(reversed(rows[:PAGE]))
    older = page[0].id if len(rows) > PAGE and page else 0
    return _views(session, me.id, member.conversation_id, page, locale), older or 0  # type: ignore[arg-type]


def newer(
    *,
    session: Session,
    actor_id: object,
    conversation_id: object,
    after: object,
    locale: str | None = None,
) -> list[MessageView]:
    """Messages after ``after`` (catching up after a push or a reconnect), oldest first,
    at most 200 (a page that fell further behind reloads)."""
    return catch_up(
        session=session,
        actor_id=actor_id,
        conversation_id=conversation_id,
        after=after,
        locale=locale,
        mark=False,
    )[0]


def catch_up(
    *,
    session: Session,
    actor_id: object,
    conversation_id: object,
    after: object,
    locale: str | None = None,
    mark: bool = True,
) -> tuple[list[MessageView], int]:
    """What an open conversation page needs when something changed: the messages after
    ``after`` (as ``newer``), and the newest of my messages everyone else has read (read
    receipts). With ``mark``, messages from others among them are marked read (the page
    shows them). One membership check for all of it: this runs for every message."""
    me = require_user(session, actor_id)
    cid = as_id(conversation_id)
    members = _active_members(session, cid)
    member = _me_among(members, me.id)  # type: ignore[arg-type]
    start = 0 if after in (None, "", 0) else as_id(after)
    if start is None:
        raise InvalidInput("Please reload the page and try again.")
    rows = list(
        session.exec(
            select(Message)
            .where(
                Message.conversation_id == cid,
                Message.id > start,  # type: ignore[operator]
                _shown_to(me.id),  # type: ignore[arg-type]
            )
            .order_by(Message.id)  # type: ignore[arg-type]
            .limit(200)
        )
    )
    others = [m for m in members if m.user_id != me.id]
    read_up_to = min((m.last_read_id for m in others), default=0)  # as read_by_all_up_to
    views = _views(session, me.id, cid, rows, locale, read_up_to)  # type: ignore[arg-type]
    if mark and any(m.sender_id != me.id for m in rows):
        _mark_read(
            session,
            me.id,  # type: ignore[arg-type]
            cid,  # type: ignore[arg-type]
            member.last_message_id,
            member.last_message_id,
            [m.user_id for m in others],
        )
    return views, read_up_to


def read_by_all_up_to(session: Session, me: int, conversation_id: int) -> int:
    """The newest of my messages every other member has read (for read receipts)."""
    value = session.exec(
        select(func.min(ConversationMember.last_read_id)).where(
            ConversationMember.conversation_id == conversation_id,
            ConversationMember.user_id != me,
            ConversationMember.left_at.is_(None),  # type: ignore[union-attr]
        )
    ).one()
    return int(value or 0)


def search_messages(
    *, session: Session, actor_id: object, query: object, locale: str | None = None
) -> list[SearchHit]:
    """The actor's own conversations' messages containing the words (newest first)."""
    me = require_user(session, actor_id)
    q = clean_text(query, field="q", label=N_("Search"), max_length=100).strip()
    if len(q) < 2:
        return []
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = session.exec(
        select(Message, Conversation, User)
        .join(
            ConversationMember,
            (ConversationMember.conversation_id == Message.conversation_id)  # type: ignore[arg-type]
            & (ConversationMember.user_id == me.id)
            & ConversationMember.left_at.is_(None),  # type: ignore[union-attr]
        )
        .join(Conversation, Conversation.id == Message.conversation_id)  # type: ignore[arg-type]
        .join(User, User.id == Message.sender_id)  # type: ignore[arg-type]
        .where(func.lower(Message.body).like(pattern.lower(), escape="\\"), _shown_to(me.id))  # type: ignore[arg-type]
        .order_by(Message.id.desc())  # type: ignore[union-attr]
        .limit(SEARCH_LIMIT)
    ).all()
    now = utcnow()
    return [
        SearchHit(
            conversation_id=c.id,  # type: ignore[arg-type]
            message_id=m.id,  # type: ignore[arg-type]
            title=c.title,
            sender_name=_name(u),
            text=" ".join(m.body.split())[:200],
            when=format_ago(m.created_at, now, locale),
        )
        for m, c, u in rows
    ]


def erase_for_deleted_account(*, session: Session, user_id: int) -> None:
    """A deleted account leaves every conversation; its messages stay, without a name."""
    session.exec(
        update(ConversationMember)
        .where(ConversationMember.user_id == user_id, ConversationMember.left_at.is_(None))  # type: ignore[arg-type, union-attr]
        .values(left_at=utcnow())
    )


# --- email about unread messages ---------------------------------------------------

EMAIL_DELAY_MINUTES = 15


def email_unread(session: Session, *, now=None) -> int:
    """Email people who allow it about conversations with messages unread for a while
    (each message at most once). Returns the number of emails queued."""
    from datetime import timedelta

    from social_market.i18n.catalog import gettext
    from social_market.services import email as mail
    from social_market.settings import get_settings

    now = now or utcnow()
    cutoff = now - timedelta(minutes=EMAIL_DELAY_MINUTES)
    rows = session.exec(
        select(ConversationMember, User, Message)
        .join(User, User.id == ConversationMember.user_id)  # type: ignore[arg-type]
        .join(Message, Message.id == ConversationMember.last_message_id)  # type: ignore[arg-type]
        .where(
            ConversationMember.last_message_id > ConversationMember.last_read_id,
            ConversationMember.last_message_id > ConversationMember.emailed_up_to,
            ConversationMember.left_at.is_(None),  # type: ignore[union-attr]
            ConversationMember.archived.is_(False),  # type: ignore[attr-defined]
            Message.created_at <= cutoff,  # type: ignore[operator]
            User.email_messages.is_(True),  # type: ignore[attr-defined]
            User.deleted_at.is_(None),  # type: ignore[union-attr]
            User.suspended_at.is_(None),  # type: ignore[union-attr]
        )
        .order_by(ConversationMember.user_id)
    ).all()
    by_user: dict[int, tuple[User, list[ConversationMember]]] = {}
    for member, user, _ in rows:
        by_user.setdefault(user.id, (user, []))[1].append(member)  # type: ignore[arg-type]
    base = get_settings().public_base_url.rstrip("/")
    for user, members in by_user.values():
        lang = user.locale or "en"
        subject = gettext(lang, N_("You have unread messages on Social Market"))
        links = "\n".join(f"{base}/messages/{m.conversation_id}" for m in members[:20])
        body = (
            gettext(lang, N_("Someone is waiting for your answer:"))
            + f"\n\n{links}\n\n"
            + gettext(
                lang, N_("Turn these emails off in your notification settings: {url}")
            ).format(url=f"{base}/settings/notifications")
            + "\n"
        )
        mail.send_after_commit(session, to=user.email, subject=subject, body=body)
        for member in members:
            member.emailed_up_to = member.last_message_id
            session.add(member)
    session.flush()
    return len(by_user)
