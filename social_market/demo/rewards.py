"""Demo rewards, made through the real services: points from the helpful marks the
review demo already gave (via the hook), list-led purchases credited through
``rewards.award``, vouchers on some shops, a claimed voucher and an invitation."""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlmodel import Session, select

from social_market.models import Order, OrderLine, Shop, User
from social_market.models.lists import CuratedList
from social_market.models.market import CANCELLED
from social_market.models.rewards import R_LIST_SALE, PointEntry
from social_market.services import rewards
from social_market.services.errors import DomainError

VOUCHERS = [
    ("Thank-you voucher", 20, 10, 25),
    ("Community favourite", 50, 15, 10),
    ("Pillar reward", 150, 20, 5),
]


@dataclass
class RewardsSummary:
    entries: int = 0
    vouchers: int = 0
    claims: int = 0


def generate_rewards(
    session: Session, *, user_ids: list[int], shop_ids: list[int], seed: int
) -> RewardsSummary:
    """Ledger entries (through ``award``), vouchers on the first shops, one claimed by Ben."""
    rng = random.Random(seed + 17)
    summary = RewardsSummary()
    # A curated list per named buyer whose past sales earn its owner points.
    ben = session.exec(select(User).where(User.handle == "ben")).first()
    curators = [u for u in ([ben] if ben else []) if u.id in user_ids]
    curators += [
        u
        for u in session.exec(select(User).where(User.id.in_(user_ids[2:6])))  # type: ignore[union-attr]
        if u.handle != "ben"
    ]
    lines = session.exec(
        select(OrderLine.id, Order.buyer_id, Order.shop_id)  # type: ignore[call-overload]
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.status != CANCELLED)
        .order_by(OrderLine.id)
    ).all()
    for curator in curators:
        the_list = CuratedList(owner_id=curator.id, title="Things I'd buy again")  # type: ignore[arg-type]
        session.add(the_list)
        session.flush()
        picks = rng.sample(lines, min(len(lines), 12 if curator is ben else 4))
        for line_id, buyer_id, shop_id in picks:
            entry = rewards.award(
                session,
                user_id=curator.id,  # type: ignore[arg-type]
                reason=R_LIST_SALE,
                source_kind="order_line",
                source_id=line_id,
                from_user_id=buyer_id,
                points=rewards.POINTS[R_LIST_SALE],
                shop_id=shop_id,
            )
            summary.entries += entry is not None
    # Vouchers on the first shops (Anna's first).
    for shop_id in shop_ids[:3]:
        owner = session.exec(select(Shop.owner_id).where(Shop.id == shop_id)).first()
        for title, cost, percent, count in VOUCHERS[: rng.randint(1, len(VOUCHERS))]:
            try:
                rewards.create_voucher(
                    session=session,
                    actor_id=owner,
                    form={
                        "title": title,
                        "cost_points": cost,
                        "percent_off": percent,
                        "count": count,
                    },
                )
            except DomainError:
                continue
            summary.vouchers += 1
    # Ben spends some of his points on the cheapest voucher of Anna's shop.
    if ben is not None and shop_ids:
        cheapest = min(
            rewards.shop_vouchers(session=session, shop_id=shop_ids[0]),
            key=lambda v: v.cost_points,
            default=None,
        )
        if cheapest is not None:
            try:
                rewards.claim_voucher(session=session, actor_id=ben.id, voucher_id=cheapest.id)
                summary.claims += 1
            except DomainError:
                pass
        rewards.my_invitation(session=session, actor_id=ben.id)
    summary.entries = len(session.exec(select(PointEntry.id)).all())
    return summary
