"""Rewards for quality, not volume: points for contributions others value, an
append-only ledger, levels, vouchers makers offer for points, and invitations.

The one place points are given is :func:`award`. It refuses (returns None, writes
nothing) unless every anti-gaming rule holds:

- the giver (``from_user_id``: the helpful voter, the buyer, the maker) is another,
  distinct, active account, and neither has blocked the other;
- the giver is *established*: the account is at least ``ESTABLISHED_DAYS`` old AND has
  at least one order that was not cancelled (bought, or sold in its own shop) or one
  review of its own (a brand-new throwaway account gives nothing). Exception: the invitation award, whose giver (the
  invitee) is new by definition; there the contribution is the invitee's first real
  order of at least ``MIN_INVITE_ORDER_CENTS`` from a shop the inviter doesn't own;
- never for one's own shop: when the source belongs to a shop (the reviewed piece, the
  bought piece, the wish's shop), its owner gets nothing from it;
- a daily cap per reason per person (``DAILY_CAP``, in points, reversals still count);
- idempotent: the ledger's unique (user, reason, source, giver) makes a repeated award a
  no-op (a savepoint absorbs the conflict), and an award once taken back is never given
  again for the same source and giver (so toggling a mark can't farm points).

Balances change only by ``UPDATE … SET points_balance = points_balance + :p`` in the
transaction that writes the ledger line, so the ledger's sum always equals the balance.
``points_earned`` (which sets the level) counts awards and their reversals, never
spending. Corrections are new lines (:func:`revoke`); no line is ever edited.
Balances may go below zero when an award is taken back after the points were spent.
"""

from __future__ import annotations

import base64
import json
import secrets
from datetime import timedelta

from limits import parse
from pydantic import BaseModel
from sqlalchemy import func, text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from social_market.i18n.catalog import N_
from social_market.i18n.format import format_ago
from social_market.models import Order, OrderLine, Review, Shop, User, utcnow
from social_market.models.market import CANCELLED
from social_market.models.rewards import (
    LEVELS,
    R_HELPFUL,
    R_INVITE,
    R_LIST_SALE,
    R_REVERSAL,
    R_SHARE_SALE,
    R_VOUCHER,
    R_WISH_ACCEPTED,
    Invitation,
    PointEntry,
    RewardVoucher,
    VoucherClaim,
    level_for,
)
from social_market.services import ratelimit
from social_market.services.accounts import require_user
from social_market.services.blocks import is_blocked_between
from social_market.services.errors import InvalidInput, NotAllowed, NotFound
from social_market.services.ids import as_id
from social_market.services.money import parse_int
from social_market.services.text import clean_text

# --- the rules --------------------------------------------------------------------------

ESTABLISHED_DAYS = 7  # a giver's account must be at least this old …
# … and have at least one order (not cancelled; bought, or sold in its own shop) or one
# review of its own.
MIN_INVITE_ORDER_CENTS = 500  # an invitee's first order must be worth at least this

POINTS = {
    R_HELPFUL: 5,
    R_SHARE_SALE: 10,
    R_LIST_SALE: 10,
    R_WISH_ACCEPTED: 25,
    R_INVITE: 30,
}
# Most points one person can get for one reason in one (UTC) day.
DAILY_CAP = {
    R_HELPFUL: 50,
    R_SHARE_SALE: 100,
    R_LIST_SALE: 100,
    R_WISH_ACCEPTED: 100,
    R_INVITE: 150,
}
REASONS = tuple(POINTS)

# Vouchers.
MAX_VOUCHER_COST = 100_000
MAX_VOUCHER_COUNT = 10_000
MAX_ACTIVE_VOUCHERS = 20  # per shop
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10  # "RV-" + 10 characters
CLAIMS_PER_HOUR = parse("30/hour")
VOUCHERS_PER_HOUR = parse("30/hour")
INVITES_PER_DAY = parse("20/day")
LEDGER_PAGE = 20

# Why a line is in the ledger, as people read it.
REASON_LABELS = {
    R_HELPFUL: N_("Your review was marked helpful"),
    R_SHARE_SALE: N_("Your shared purchase led someone to buy"),
    R_LIST_SALE: N_("Your list led someone to buy"),
    R_WISH_ACCEPTED: N_("The maker accepted your wish"),
    R_INVITE: N_("A friend you invited made a first purchase"),
    R_VOUCHER: N_("Spent on a voucher"),
    R_REVERSAL: N_("Taken back (the mark or order was withdrawn)"),
}
LEVEL_LABELS = {
    "newcomer": N_("Newcomer"),
    "contributor": N_("Contributor"),
    "trusted": N_("Trusted"),
    "pillar": N_("Pillar"),
}


# --- awarding ---------------------------------------------------------------------------


def _lock_user(session: Session, user_id: int) -> None:
    """Serialise awards to one person (daily cap check + insert) on PostgreSQL."""
    if session.get_bind().dialect.name == "postgresql":
        session.exec(select(User.id).where(User.id == user_id).with_for_update())  # type: ignore[call-overload]


def is_established(session: Session, user_id: int, now=None) -> bool:
    """Old enough (ESTABLISHED_DAYS) and has a real order (bought or sold) or a review."""
    now = now or utcnow()
    created = session.exec(
        select(User.created_at).where(
            User.id == user_id,
            User.deleted_at.is_(None),  # type: ignore[union-attr]
            User.suspended_at.is_(None),  # type: ignore[union-attr]
        )
    ).first()
    if created is None or created > now - timedelta(days=ESTABLISHED_DAYS):
        return False
    has_order = session.exec(
        select(Order.id).where(Order.buyer_id == user_id, Order.status != CANCELLED).limit(1)
    ).first()
    if has_order is not None:
        return True
    has_sale = session.exec(
        select(Order.id)
        .join(Shop, Shop.id == Order.shop_id)
        .where(Shop.owner_id == user_id, Order.status != CANCELLED)
        .limit(1)
    ).first()
    if has_sale is not None:
        return True
    return (
        session.exec(select(Review.id).where(Review.author_id == user_id).limit(1)).first()
        is not None
    )


def _active(session: Session, user_id: int) -> bool:
    return (
        session.exec(
            select(User.id).where(
                User.id == user_id,
                User.deleted_at.is_(None),  # type: ignore[union-attr]
                User.suspended_at.is_(None),  # type: ignore[union-attr]
            )
        ).first()
        is not None
    )


def _is_id(value: object) -> bool:
    return isinstance(value, int) and as_id(value) is not None


def award(
    session: Session,
    *,
    user_id: int,
    reason: str,
    source_kind: str,
    source_id: int,
    from_user_id: int,
    points: int,
    shop_id: int | None = None,
    giver_may_be_new: bool = False,
) -> PointEntry | None:
    """Give ``points`` to ``user_id`` for ``reason`` (see the module's rules).

    Returns the new ledger line, or None when a rule refuses it or it was already given.
    ``shop_id``: the shop the source belongs to (its owner gets nothing from it).
    ``giver_may_be_new``: only for the invitation award (see the module docstring).
    """
    if reason not in POINTS or not isinstance(points, int) or isinstance(points, bool):
        return None
    if points <= 0 or not _is_id(user_id) or not _is_id(from_user_id) or not _is_id(source_id):
        return None
    if user_id == from_user_id or not _active(session, user_id):
        return None
    if not giver_may_be_new and not is_established(session, from_user_id):
        return None
    if giver_may_be_new and not _active(session, from_user_id):
        return None
    if is_blocked_between(session, user_id, from_user_id):
        return None
    if shop_id is not None:
        owner = session.exec(select(Shop.owner_id).where(Shop.id == shop_id)).first()
        if owner is None or owner == user_id:
            return None
    _lock_user(session, user_id)
    if session.exec(  # taken back once: never again for this source and giver
        select(PointEntry.id).where(
            PointEntry.user_id == user_id,
            PointEntry.reason == R_REVERSAL,
            PointEntry.source_kind == source_kind,
            PointEntry.source_id == source_id,
            PointEntry.from_user_id == from_user_id,
        )
    ).first():
        return None
    today = utcnow().date()
    given_today = session.exec(
        select(func.coalesce(func.sum(PointEntry.points), 0)).where(
            PointEntry.user_id == user_id,
            PointEntry.day == today,
            PointEntry.reason == reason,
        )
    ).one()
    if given_today + points > DAILY_CAP[reason]:
        return None
    entry = PointEntry(
        user_id=user_id,
        points=points,
        reason=reason,
        source_kind=source_kind,
        source_id=source_id,
        from_user_id=from_user_id,
        day=today,
    )
    try:
        with session.begin_nested():
            session.add(entry)
            session.flush()
    except IntegrityError:
        return None  # already given: a no-op
    _add_points(session, user_id, points, earned=True)
    from social_market.services import notifications
    from social_market.urls import REWARDS

    notifications.notify(  # no actor: the giver stays private
        session,
        user_id=user_id,
        kind=notifications.N_REWARD,
        link=REWARDS,
        snippet=str(points),
        subject_key=f"reward:{reason}:{source_kind}:{source_id}:{from_user_id}",
    )
    return entry


def _add_points(session: Session, user_id: int, points: int, *, earned: bool) -> None:
    values = {"points_balance": User.points_balance + points}
    if earned:
        values["points_earned"] = User.points_earned + points
    session.exec(update(User).where(User.id == user_id).values(**values))  # type: ignore[call-overload]
    for obj in list(session.identity_map.values()):
        if isinstance(obj, User) and obj.id == user_id:
            session.expire(obj, ["points_balance", "points_earned"])


def revoke(
    session: Session,
    *,
    user_id: int,
    reason: str,
    source_kind: str,
    source_id: int,
    from_user_id: int,
) -> PointEntry | None:
    """Take an award back with a reversal line (the award's line stays). No-op when
    there is no such award or it was already taken back."""
    original = session.exec(
        select(PointEntry).where(
            PointEntry.user_id == user_id,
            PointEntry.reason == reason,
            PointEntry.source_kind == source_kind,
            PointEntry.source_id == source_id,
            PointEntry.from_user_id == from_user_id,
        )
    ).first()
    if original is None or original.points <= 0:
        return None
    _lock_user(session, user_id)
    entry = PointEntry(
        user_id=user_id,
        points=-original.points,
        reason=R_REVERSAL,
        source_kind=source_kind,
        source_id=source_id,
        from_user_id=from_user_id,
        day=utcnow().date(),
    )
    try:
        with session.begin_nested():
            session.add(entry)
            session.flush()
    except IntegrityError:
        return None  # already taken back
    _add_points(session, user_id, -original.points, earned=True)
    return entry


# --- hooks called by other services (inside their transactions) -------------------------


def on_helpful(session: Session, review: Review, voter_id: int, on: bool) -> None:
    """A review was marked (or unmarked) helpful by ``voter_id``."""
    if on:
        award(
            session,
            user_id=review.author_id,
            reason=R_HELPFUL,
            source_kind="review",
            source_id=review.id,  # type: ignore[arg-type]
            from_user_id=voter_id,
            points=POINTS[R_HELPFUL],
            shop_id=review.shop_id,
        )
    else:
        revoke(
            session,
            user_id=review.author_id,
            reason=R_HELPFUL,
            source_kind="review",
            source_id=review.id,  # type: ignore[arg-type]
            from_user_id=voter_id,
        )


def _via_owner(session: Session, via_kind: str, via_id: int | None) -> tuple[str, int] | None:
    """Who gets points for a line bought via a shared purchase or a list."""
    if not via_id or as_id(via_id) is None:
        return None
    if via_kind == "share":
        from social_market.models.social import SharedPurchase

        owner = session.exec(
            select(SharedPurchase.user_id).where(SharedPurchase.id == via_id)
        ).first()
        return (R_SHARE_SALE, owner) if owner else None
    if via_kind == "list":
        from social_market.models.lists import CuratedList

        owner = session.exec(
            select(CuratedList.owner_id).where(
                CuratedList.id == via_id,
                CuratedList.hidden_at.is_(None),  # type: ignore[union-attr]
            )
        ).first()
        return (R_LIST_SALE, owner) if owner else None
    return None


def on_orders_placed(
    session: Session, buyer_id: int, orders: list[tuple[Order, list[OrderLine]]]
) -> None:
    """At checkout (inside its savepoint, lines flushed): reward the sharer or list owner
    who led to each line, and the inviter on the buyer's first order."""
    for order, lines in orders:
        for line in lines:
            who = _via_owner(session, line.via_kind, line.via_id)
            if who is None:
                continue
            reason, owner_id = who
            award(
                session,
                user_id=owner_id,
                reason=reason,
                source_kind="order_line",
                source_id=line.id,  # type: ignore[arg-type]
                from_user_id=buyer_id,
                points=POINTS[reason],
                shop_id=order.shop_id,
            )
    _invite_first_purchase(session, buyer_id, [order for order, _ in orders])


def _invite_first_purchase(session: Session, buyer_id: int, orders: list[Order]) -> None:
    invitation = session.exec(
        select(Invitation).where(
            Invitation.invitee_id == buyer_id, Invitation.rewarded_at.is_(None)
        )  # type: ignore[union-attr]
    ).first()
    if invitation is None:
        return
    for order in orders:
        if order.items_cents - order.discount_cents < MIN_INVITE_ORDER_CENTS:
            continue
        done = session.exec(  # once: a conditional update wins the race
            update(Invitation)
            .where(Invitation.id == invitation.id, Invitation.rewarded_at.is_(None))  # type: ignore[arg-type, union-attr]
            .values(rewarded_at=utcnow())
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            return
        entry = award(
            session,
            user_id=invitation.inviter_id,
            reason=R_INVITE,
            source_kind="order",
            source_id=order.id,  # type: ignore[arg-type]
            from_user_id=buyer_id,
            points=POINTS[R_INVITE],
            shop_id=order.shop_id,
            giver_may_be_new=True,
        )
        if entry is None:  # refused (own shop, blocked, cap): a later order may still count
            session.exec(
                update(Invitation)
                .where(Invitation.id == invitation.id)  # type: ignore[arg-type]
                .values(rewarded_at=None)
            )
            continue
        session.expire(invitation)
        return


def on_order_cancelled(session: Session, order: Order) -> None:
    """A cancelled order takes back what it earned others, and frees its voucher."""
    lines = session.exec(
        select(OrderLine.id, OrderLine.via_kind, OrderLine.via_id).where(  # type: ignore[call-overload]
            OrderLine.order_id == order.id, OrderLine.via_kind != ""
        )
    ).all()
    for line_id, via_kind, via_id in lines:
        who = _via_owner(session, via_kind, via_id)
        if who is None:
            continue
        revoke(
            session,
            user_id=who[1],
            reason=who[0],
            source_kind="order_line",
            source_id=line_id,
            from_user_id=order.buyer_id,
        )
    invitation = session.exec(
        select(Invitation).where(Invitation.invitee_id == order.buyer_id)
    ).first()
    if invitation is not None:
        taken = revoke(
            session,
            user_id=invitation.inviter_id,
            reason=R_INVITE,
            source_kind="order",
            source_id=order.id,  # type: ignore[arg-type]
            from_user_id=order.buyer_id,
        )
        if taken is not None:  # the next real first purchase may count instead
            session.exec(
                update(Invitation)
                .where(Invitation.id == invitation.id)  # type: ignore[arg-type]
                .values(rewarded_at=None)
            )
    session.exec(  # the voucher can be used again
        update(VoucherClaim)
        .where(VoucherClaim.order_id == order.id)  # type: ignore[arg-type]
        .values(used_at=None, order_id=None)
    )


def award_wish_accepted(session: Session, wish) -> PointEntry | None:
    """The maker accepted ``wish``: its author gets points from the maker (not for a wish
    in one's own shop). Call inside the transaction that accepts it."""
    owner = session.exec(select(Shop.owner_id).where(Shop.id == wish.shop_id)).first()
    if owner is None:
        return None
    return award(
        session,
        user_id=wish.author_id,
        reason=R_WISH_ACCEPTED,
        source_kind="wish",
        source_id=wish.id,
        from_user_id=owner,
        points=POINTS[R_WISH_ACCEPTED],
        shop_id=wish.shop_id,
    )


# --- invitations ------------------------------------------------------------------------


def check_invite_code(value: object) -> str:
    if not isinstance(value, str) or not 8 <= len(value.strip()) <= 24:
        raise InvalidInput("That invitation link isn't valid (any more).", field="invite")
    code = value.strip()
    if not all(c.isalnum() or c in "-_" for c in code):
        raise InvalidInput("That invitation link isn't valid (any more).", field="invite")
    return code


def my_invitation(*, session: Session, actor_id: object) -> str:
    """The signed-in person's invitation code that nobody has used yet (made if needed)."""
    me = require_user(session, actor_id)
    code = session.exec(
        select(Invitation.code)
        .where(Invitation.inviter_id == me.id, Invitation.invitee_id.is_(None))  # type: ignore[union-attr]
        .order_by(Invitation.id.desc())  # type: ignore[union-attr]
    ).first()
    if code:
        return code
    ratelimit.hit(
        INVITES_PER_DAY,
        "invite",
        str(me.id),
        message=N_("You have made many invitations today. Please wait until tomorrow."),
    )
    invitation = Invitation(inviter_id=me.id, code=secrets.token_urlsafe(12))  # type: ignore[arg-type]
    session.add(invitation)
    session.flush()
    return invitation.code


def invitation_open(session: Session, code: object) -> bool:
    """Whether ``code`` is an invitation nobody has used yet."""
    try:
        clean = check_invite_code(code)
    except InvalidInput:
        return False
    return (
        session.exec(
            select(Invitation.id).where(Invitation.code == clean, Invitation.invitee_id.is_(None))  # type: ignore[union-attr]
        ).first()
        is not None
    )


def accept_invitation(session: Session, user: User, code: str) -> bool:
    """Link a just-created account to the invitation (sign-up path). False if it was
    used meanwhile (the sign-up still succeeds, without an inviter)."""
    invitation = session.exec(select(Invitation).where(Invitation.code == code)).first()
    if invitation is None or invitation.inviter_id == user.id:
        return False
    done = session.exec(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.invitee_id.is_(None))  # type: ignore[arg-type, union-attr]
        .values(invitee_id=user.id, accepted_at=utcnow())
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        return False
    user.invited_by_id = invitation.inviter_id
    session.add(user)
    session.flush()
    return True


# --- vouchers ---------------------------------------------------------------------------


class VoucherCard(BaseModel):
    """A shop's voucher as its page shows it: safe for client-visible state."""

    id: int
    title: str
    cost_points: int
    percent_off: int
    remaining: int
    active: bool


class ClaimCard(BaseModel):
    """A voucher the viewer owns (only ever shown to its owner)."""

    code: str
    title: str
    percent_off: int
    shop_name: str
    shop_url: str
    used: bool


def _voucher_card(v: RewardVoucher) -> VoucherCard:
    return VoucherCard(
        id=v.id,  # type: ignore[arg-type]
        title=v.title,
        cost_points=v.cost_points,
        percent_off=v.percent_off,
        remaining=v.remaining,
        active=v.active,
    )


def create_voucher(*, session: Session, actor_id: object, form: object) -> VoucherCard:
    """A maker offers a voucher for their own shop."""
    from social_market.services.shops import require_own_shop

    shop = require_own_shop(session, actor_id)
    if not isinstance(form, dict):
        raise InvalidInput("Please fill in the voucher.", field="title")
    title = clean_text(form.get("title"), field="title", label=N_("Title"), max_length=80)
    if not title:
        raise InvalidInput("Please fill in {label}.", field="title", label=N_("Title"))
    cost = parse_int(
        form.get("cost_points"),
        field="cost_points",
        label=N_("Cost in points"),
        minimum=1,
        maximum=MAX_VOUCHER_COST,
    )
    percent = parse_int(
        form.get("percent_off"), field="percent_off", label=N_("Percent off"), minimum=1, maximum=50
    )
    count = parse_int(
        form.get("count"), field="count", label=N_("How many"), minimum=1, maximum=MAX_VOUCHER_COUNT
    )
    active = session.exec(
        select(func.count())
        .select_from(RewardVoucher)
        .where(RewardVoucher.shop_id == shop.id, RewardVoucher.active.is_(True))  # type: ignore[attr-defined]
    ).one()
    if active >= MAX_ACTIVE_VOUCHERS:
        raise InvalidInput(
            "A shop can offer at most {count} vouchers at a time.",
            field="title",
            count=MAX_ACTIVE_VOUCHERS,
        )
    ratelimit.hit(
        VOUCHERS_PER_HOUR,
        "voucher",
        str(shop.owner_id),
        message=N_("You have made many vouchers in a short time. Please wait a little."),
    )
    voucher = RewardVoucher(
        shop_id=shop.id,  # type: ignore[arg-type]
        title=title,
        cost_points=cost,
        percent_off=percent,
        remaining=count,
    )
    session.add(voucher)
    session.flush()
    return _voucher_card(voucher)


def set_voucher_active(
    *, session: Session, actor_id: object, voucher_id: object, active: object
) -> VoucherCard:
    """The shop's owner stops (or restarts) offering a voucher; codes already claimed stay valid."""
    from social_market.services.shops import require_own_shop

    shop = require_own_shop(session, actor_id)
    vid = as_id(voucher_id)
    voucher = session.get(RewardVoucher, vid) if vid else None
    if voucher is None or voucher.shop_id != shop.id:
        raise NotFound("We couldn't find that voucher.")
    voucher.active = active is True
    session.add(voucher)
    session.flush()
    return _voucher_card(voucher)


def shop_vouchers(
    *, session: Session, shop_id: object, include_inactive: bool = False
) -> list[VoucherCard]:
    """A shop's vouchers, newest first (only those on offer unless ``include_inactive``)."""
    sid = as_id(shop_id)
    if sid is None:
        return []
    query = select(RewardVoucher).where(RewardVoucher.shop_id == sid)
    if not include_inactive:
        query = query.where(RewardVoucher.active.is_(True), RewardVoucher.remaining > 0)  # type: ignore[attr-defined]
    return [
        _voucher_card(v) for v in session.exec(query.order_by(RewardVoucher.id.desc()).limit(50))
    ]  # type: ignore[union-attr]


def my_shop_vouchers(*, session: Session, actor_id: object) -> list[VoucherCard]:
    from social_market.services.shops import require_own_shop

    shop = require_own_shop(session, actor_id)
    return shop_vouchers(session=session, shop_id=shop.id, include_inactive=True)


def _new_code() -> str:
    return "RV-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def claim_voucher(*, session: Session, actor_id: object, voucher_id: object) -> ClaimCard:
    """Spend points on a voucher: balance and stock of vouchers are taken with conditional
    UPDATEs (… WHERE points_balance >= cost, … WHERE remaining > 0) in one savepoint."""
    if session.get_bind().dialect.name == "sqlite" and not session.in_transaction():
        session.execute(text("UPDATE user_account SET points_balance = points_balance WHERE 0"))
    me = require_user(session, actor_id)
    vid = as_id(voucher_id)
    row = (
        session.exec(
            select(RewardVoucher, Shop)
            .join(Shop, Shop.id == RewardVoucher.shop_id)
            .where(RewardVoucher.id == vid)
        ).first()
        if vid
        else None
    )
    if row is None:
        raise NotFound("We couldn't find that voucher.")
    voucher, shop = row
    if not voucher.active or shop.closed_at is not None or shop.hidden_at is not None:
        raise InvalidInput("This voucher is no longer offered.")
    if shop.owner_id == me.id:
        raise NotAllowed("You can't claim a voucher from your own shop.")
    if is_blocked_between(session, me.id, shop.owner_id):
        raise NotAllowed("{shop} isn't available to you.", shop=shop.name)
    ratelimit.hit(
        CLAIMS_PER_HOUR,
        "voucher-claim",
        str(me.id),
        message=N_("That was a lot of clicks. Please wait a little."),
    )
    cost = voucher.cost_points
    with session.begin_nested():
        paid = session.exec(
            update(User)
            .where(User.id == me.id, User.points_balance >= cost)  # type: ignore[arg-type, operator]
            .values(points_balance=User.points_balance - cost)
        )
        if paid.rowcount != 1:  # type: ignore[attr-defined]
            raise InvalidInput("You need {points} points for this voucher.", points=cost)
        taken = session.exec(
            update(RewardVoucher)
            .where(
                RewardVoucher.id == voucher.id,  # type: ignore[arg-type]
                RewardVoucher.active.is_(True),  # type: ignore[attr-defined]
                RewardVoucher.remaining > 0,  # type: ignore[operator]
            )
            .values(remaining=RewardVoucher.remaining - 1)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            raise InvalidInput("This voucher has all been claimed.")
        claim = VoucherClaim(
            voucher_id=voucher.id,  # type: ignore[arg-type]
            user_id=me.id,  # type: ignore[arg-type]
            shop_id=shop.id,  # type: ignore[arg-type]
            percent_off=voucher.percent_off,
            code=_new_code(),
        )
        session.add(claim)
        session.flush()
        session.add(
            PointEntry(
                user_id=me.id,  # type: ignore[arg-type]
                points=-cost,
                reason=R_VOUCHER,
                source_kind="claim",
                source_id=claim.id,  # type: ignore[arg-type]
                from_user_id=0,
                day=utcnow().date(),
            )
        )
        session.flush()
    session.expire(me, ["points_balance"])
    session.expire(voucher, ["remaining"])
    from social_market.urls import shop_url

    return ClaimCard(
        code=claim.code,
        title=voucher.title,
        percent_off=claim.percent_off,
        shop_name=shop.name,
        shop_url=shop_url(shop.slug),
        used=False,
    )


def my_claims(*, session: Session, actor_id: object, limit: int = 50) -> list[ClaimCard]:
    from social_market.urls import shop_url

    me = require_user(session, actor_id)
    rows = session.exec(
        select(VoucherClaim, RewardVoucher.title, Shop.name, Shop.slug)  # type: ignore[call-overload]
        .join(RewardVoucher, RewardVoucher.id == VoucherClaim.voucher_id)
        .join(Shop, Shop.id == VoucherClaim.shop_id)
        .where(VoucherClaim.user_id == me.id)
        .order_by(VoucherClaim.used_at.is_not(None), VoucherClaim.id.desc())  # type: ignore[union-attr]
        .limit(limit)
    ).all()
    return [
        ClaimCard(
            code=claim.code,
            title=title,
            percent_off=claim.percent_off,
            shop_name=name,
            shop_url=shop_url(slug),
            used=claim.used_at is not None,
        )
        for claim, title, name, slug in rows
    ]


def check_voucher_code(value: object) -> str | None:
    """A voucher code from the checkout form: None when empty, else upper-cased."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or len(value.strip()) > 20:
        raise InvalidInput("That voucher code isn't valid for this order.", field="voucher_code")
    return value.strip().upper()


def voucher_for_checkout(
    session: Session, buyer_id: int, code: str, shop_ids: set[int]
) -> VoucherClaim:
    """The buyer's unused claim with ``code`` for one of the shops being ordered from."""
    claim = session.exec(
        select(VoucherClaim).where(
            VoucherClaim.code == code,
            VoucherClaim.user_id == buyer_id,
            VoucherClaim.used_at.is_(None),  # type: ignore[union-attr]
        )
    ).first()
    if claim is None or claim.shop_id not in shop_ids:
        raise InvalidInput("That voucher code isn't valid for this order.", field="voucher_code")
    return claim


def discount_for(items_cents: int, percent_off: int) -> int:
    """What a voucher takes off a shop's items total (rounded down to the cent)."""
    return items_cents * percent_off // 100


def cart_discount(*, session: Session, buyer_id: object, code: object) -> int:
    """What ``code`` would take off the buyer's cart now (0 without a code), so the
    checkout form can send the total the buyer saw; checkout recomputes it anyway."""
    from social_market.models import CartItem, Listing

    clean = check_voucher_code(code)
    if clean is None:
        return 0
    me = require_user(session, buyer_id)
    shops_in_cart = set(
        session.exec(
            select(Listing.shop_id)
            .join(CartItem, CartItem.listing_id == Listing.id)
            .where(CartItem.user_id == me.id)
        )
    )
    claim = voucher_for_checkout(session, me.id, clean, shops_in_cart)  # type: ignore[arg-type]
    items = session.exec(
        select(func.coalesce(func.sum(Listing.price_cents * CartItem.quantity), 0))
        .join(CartItem, CartItem.listing_id == Listing.id)
        .where(CartItem.user_id == me.id, Listing.shop_id == claim.shop_id)
    ).one()
    return discount_for(int(items), claim.percent_off)


def use_voucher(session: Session, claim: VoucherClaim, order: Order) -> None:
    """Mark the claim used by ``order`` (inside checkout's savepoint); raise if it was
    used meanwhile (then nothing of the checkout is written)."""
    done = session.exec(
        update(VoucherClaim)
        .where(
            VoucherClaim.id == claim.id,  # type: ignore[arg-type]
            VoucherClaim.user_id == order.buyer_id,  # type: ignore[arg-type]
            VoucherClaim.used_at.is_(None),  # type: ignore[union-attr]
        )
        .values(used_at=utcnow(), order_id=order.id)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidInput("That voucher code isn't valid for this order.", field="voucher_code")
    session.expire(claim)


# --- what people see --------------------------------------------------------------------


class LevelBadge(BaseModel):
    level: str  # newcomer | contributor | trusted | pillar
    label: str  # msgid, translated in the browser
    earned: int


class LedgerLine(BaseModel):
    id: int
    points: int
    reason: str  # msgid
    when: str
    when_iso: str


class RewardsSummary(BaseModel):
    balance: int
    earned: int
    level: str
    level_label: str
    next_level_label: str  # '' at the top level
    to_next: int  # points to earn for the next level


class LedgerPage(BaseModel):
    lines: list[LedgerLine]
    next_cursor: str  # '' when there are no more


def badge_for(earned: int) -> LevelBadge:
    level = level_for(earned)
    return LevelBadge(level=level, label=LEVEL_LABELS[level], earned=earned)


def summary(*, session: Session, actor_id: object) -> RewardsSummary:
    me = require_user(session, actor_id)
    session.refresh(me, ["points_balance", "points_earned"])
    level = level_for(me.points_earned)
    nxt = next(((t, name) for t, name in LEVELS if t > me.points_earned), None)
    return RewardsSummary(
        balance=me.points_balance,
        earned=me.points_earned,
        level=level,
        level_label=LEVEL_LABELS[level],
        next_level_label=LEVEL_LABELS[nxt[1]] if nxt else "",
        to_next=(nxt[0] - me.points_earned) if nxt else 0,
    )


def _cursor(value: object) -> int | None:
    if not isinstance(value, str) or not value or len(value) > 40:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(value.encode() + b"==").decode())
    except (ValueError, UnicodeDecodeError):
        return None
    return as_id(data.get("before")) if isinstance(data, dict) else None


def _encode(before: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"before": before}).encode()).decode().rstrip("=")


def ledger(
    *,
    session: Session,
    actor_id: object,
    cursor: object = "",
    limit: int = LEDGER_PAGE,
    locale: str | None = None,
) -> LedgerPage:
    """The signed-in person's own ledger, newest first, a page at a time (keyset by id)."""
    me = require_user(session, actor_id)
    before = _cursor(cursor)
    query = select(PointEntry).where(PointEntry.user_id == me.id)
    if before is not None:
        query = query.where(PointEntry.id < before)  # type: ignore[operator]
    rows = list(session.exec(query.order_by(PointEntry.id.desc()).limit(limit + 1)))  # type: ignore[union-attr]
    more = len(rows) > limit
    rows = rows[:limit]
    now = utcnow()
    return LedgerPage(
        lines=[
            LedgerLine(
                id=r.id,  # type: ignore[arg-type]
                points=r.points,
                reason=REASON_LABELS.get(r.reason, r.reason),
                when=format_ago(r.created_at, now, locale),
                when_iso=r.created_at.isoformat(),
            )
            for r in rows
        ],
        next_cursor=_encode(rows[-1].id) if more and rows else "",  # type: ignore[arg-type]
    )


def badges_for(session: Session, user_ids: list[int]) -> dict[int, LevelBadge]:
    """Level badges for several people at once (one query)."""
    ids = [i for i in user_ids if as_id(i) is not None]
    if not ids:
        return {}
    rows = session.exec(select(User.id, User.points_earned).where(User.id.in_(ids)))  # type: ignore[call-overload, union-attr]
    return {uid: badge_for(earned) for uid, earned in rows}
