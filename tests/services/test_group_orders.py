"""Group orders: the maker's price tiers, starting, joining, changing and leaving, the
target reached at the right tier, shares bought at that price, deadlines enforced at
the moment of use, and closed or forged requests refused with nothing written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from social_market.models import (
    ConversationMember,
    Listing,
    Notification,
    OrderLine,
    StockHold,
    utcnow,
)
from social_market.models.group_orders import GroupOrder, GroupOrderMember, GroupPriceTier
from social_market.models.holds import PENDING, READY, RELEASED, USED
from social_market.services import blocks, group_orders, holds
from social_market.services.errors import InvalidInput, NotAllowed, NotFound
from tests.factories import make_listing, make_shop, make_user
from tests.services.test_checkout import address


@pytest.fixture
def market(db):
    maker = make_user(db, handle="potter")
    shop = make_shop(db, owner=maker, name="Clay Studio")
    listing = make_listing(db, shop=shop, quantity=10, price_cents=2000, title="Teapot")
    return maker, shop, listing


def _start(db, creator, listing, *, target=5, quantity=1, days=2, **extra):
    return group_orders.start(
        session=db,
        actor_id=creator.id,
        listing_id=listing.id,
        target_quantity=target,
        deadline=utcnow() + timedelta(days=days),
        quantity=quantity,
        **extra,
    )


def _stock(db, listing) -> int:
    db.expire_all()
    return db.get(Listing, listing.id).quantity


def _tiers(db, listing):
    return [
        (t.min_quantity, t.percent_off)
        for t in db.exec(select(GroupPriceTier).where(GroupPriceTier.listing_id == listing.id))
    ]


# ----------------------------------------------------------------------------- tiers


def test_the_maker_sets_increasing_tiers_and_a_new_set_replaces_the_old(db, market):
    maker, _, listing = market
    group_orders.set_tiers(
        session=db, actor_id=maker.id, listing_id=listing.id, tiers=[[5, 10], [3, 5], ["", ""]]
    )
    assert sorted(_tiers(db, listing)) == [(3, 5), (5, 10)]
    group_orders.set_tiers(
        session=db,
        actor_id=maker.id,
        listing_id=str(listing.id),
        tiers=[{"min_quantity": "4", "percent_off": "15"}],
    )
    assert _tiers(db, listing) == [(4, 15)]
    cards = group_orders.get_tiers(session=db, actor_id=maker.id, listing_id=listing.id)
    assert [(c.min_quantity, c.percent_off) for c in cards] == [(4, 15)]
    assert "17" in cards[0].unit_price  # 20.00 less 15%


@pytest.mark.parametrize(
    "tiers",
    [
        [[1, 10]],  # a group has at least two pieces
        [[3, 0]],
        [[3, 91]],
        [[3, 10], [5, 10]],  # more pieces must give more
        [[3, 20], [5, 10]],
        [[3, 10], [3, 20]],
        [[2, 5], [3, 6], [4, 7], [5, 8], [6, 9], [7, 10]],  # at most five
        [["x", 10]],
        [[3, 10, 1]],
        "3:10",
        None,
        [[True, 10]],
    ],
)
def test_bad_tiers_are_refused_and_the_old_ones_stay(db, market, tiers):
    maker, _, listing = market
    group_orders.set_tiers(session=db, actor_id=maker.id, listing_id=listing.id, tiers=[[3, 5]])
    with pytest.raises(InvalidInput):
        group_orders.set_tiers(session=db, actor_id=maker.id, listing_id=listing.id, tiers=tiers)
    assert _tiers(db, listing) == [(3, 5)]


@pytest.mark.parametrize("forged", ["other", "missing", "junk", "signed_out"])
def test_setting_tiers_on_someone_elses_listing_is_refused(db, market, forged):
    maker, _, listing = market
    intruder = make_user(db)
    make_shop(db, owner=intruder)
    group_orders.set_tiers(session=db, actor_id=maker.id, listing_id=listing.id, tiers=[[3, 5]])
    actor, target = intruder.id, listing.id
    if forged == "missing":
        target = 2**30
    elif forged == "junk":
        target = {"id": listing.id}
    elif forged == "signed_out":
        actor = None
    with pytest.raises((NotFound, NotAllowed)):
        group_orders.set_tiers(session=db, actor_id=actor, listing_id=target, tiers=[[2, 50]])
    assert _tiers(db, listing) == [(3, 5)]


# ----------------------------------------------------------------------------- start


def test_starting_holds_the_creators_pieces_and_opens_the_group_chat(db, market):
    _, shop, listing = market
    creator = make_user(db)
    go = _start(db, creator, listing, target=4, quantity=2, note="  Let's share  ")
    assert (go.state, go.joined_quantity, go.member_count) == ("open", 2, 1)
    assert go.note == "Let's share" and go.shop_id == shop.id and go.unit_price_cents == 2000
    assert _stock(db, listing) == 8
    member = db.get(GroupOrderMember, (go.id, creator.id))
    hold = db.get(StockHold, member.hold_id)
    assert (hold.state, hold.quantity, hold.kind) == (PENDING, 2, "group")
    assert hold.expires_at > go.deadline
    assert db.get(ConversationMember, (go.conversation_id, creator.id)).left_at is None


@pytest.mark.parametrize(
    "change",
    [
        {"target": 1},
        {"target": 501},
        {"target": "lots"},
        {"quantity": 0},
        {"quantity": 51},
        {"quantity": 5, "target": 5},  # the creator alone reaches it: just buy it
        {"target": 11},  # more than the stock
        {"days": 0.01},  # under an hour
        {"days": 31},
        {"note": "x" * 501},
        {"note": ["x"]},
    ],
)
def test_bad_starts_are_refused_and_nothing_is_written(db, market, change):
    _, _, listing = market
    creator = make_user(db)
    args = {"target": 5, "quantity": 1, "days": 2}
    args.update(change)
    with pytest.raises(InvalidInput):
        _start(db, creator, listing, **args)
    assert db.exec(select(GroupOrder)).first() is None
    assert _stock(db, listing) == 10


def test_the_maker_a_blocked_buyer_and_a_paused_listing_cannot_start(db, market):
    maker, _, listing = market
    with pytest.raises(NotAllowed):
        _start(db, maker, listing)
    blocked = make_user(db)
    blocks.block(session=db, actor_id=maker.id, handle=blocked.handle)
    with pytest.raises(NotAllowed):
        _start(db, blocked, listing)
    db.execute(update(Listing).where(Listing.id == listing.id).values(state="paused"))
    with pytest.raises(InvalidInput):
        _start(db, make_user(db), listing)
    assert db.exec(select(GroupOrder)).first() is None


def test_a_wish_of_another_listing_is_refused(db, market):
    from social_market.models.wishes import Wish

    _, shop, listing = market
    other = make_listing(db, shop=shop)
    someone = make_user(db)
    wish = Wish(shop_id=shop.id, author_id=someone.id, title="A big teapot", listing_id=other.id)
    db.add(wish)
    db.flush()
    with pytest.raises(NotFound):
        _start(db, make_user(db), listing, wish_id=wish.id)
    wish.listing_id = listing.id
    db.add(wish)
    db.flush()
    assert _start(db, make_user(db), listing, wish_id=wish.id).wish_id == wish.id


# ----------------------------------------------------------------------------- join


def test_join_change_and_leave_keep_the_counters_and_the_stock_exact(db, market):
    _, _, listing = market
    creator, ann, ben = make_user(db), make_user(db), make_user(db)
    go = _start(db, creator, listing, target=9, quantity=1)
    group_orders.join(session=db, actor_id=ann.id, group_order_id=go.id, quantity=3)
    group_orders.join(session=db, actor_id=ben.id, group_order_id=str(go.id), quantity="2")
    db.refresh(go)
    assert (go.joined_quantity, go.member_count) == (6, 3)
    assert _stock(db, listing) == 4
    group_orders.change(session=db, actor_id=ann.id, group_order_id=go.id, quantity=1)
    db.refresh(go)
    assert (go.joined_quantity, go.member_count) == (4, 3)
    assert _stock(db, listing) == 6
    live = db.exec(
        select(StockHold).where(StockHold.user_id == ann.id, StockHold.state == PENDING)
    ).all()
    assert [h.quantity for h in live] == [1]
    group_orders.leave(session=db, actor_id=ben.id, group_order_id=go.id)
    db.refresh(go)
    assert (go.joined_quantity, go.member_count) == (2, 2)
    assert _stock(db, listing) == 8
    assert db.get(GroupOrderMember, (go.id, ben.id)) is None
    assert db.get(ConversationMember, (go.conversation_id, ben.id)).left_at is not None
    total = sum(m.quantity for m in db.exec(select(GroupOrderMember)))
    assert total == go.joined_quantity


def test_joining_twice_more_than_the_stock_or_as_the_maker_is_refused(db, market):
    maker, _, listing = market
    creator, ann = make_user(db), make_user(db)
    go = _start(db, creator, listing, target=10, quantity=1)
    group_orders.join(session=db, actor_id=ann.id, group_order_id=go.id, quantity=2)
    with pytest.raises(InvalidInput):
        group_orders.join(session=db, actor_id=ann.id, group_order_id=go.id, quantity=1)
    with pytest.raises(InvalidInput, match="Only 7 left"):
        group_orders.join(session=db, actor_id=make_user(db).id, group_order_id=go.id, quantity=8)
    with pytest.raises(NotAllowed):
        group_orders.join(session=db, actor_id=maker.id, group_order_id=go.id, quantity=1)
    for bad in (0, 51, "two", None, 2.5):
        with pytest.raises(InvalidInput):
            group_orders.join(
                session=db, actor_id=make_user(db).id, group_order_id=go.id, quantity=bad
            )
    for forged in (None, "abc", 2**40, -1, {"id": go.id}):
        with pytest.raises(NotFound):
            group_orders.join(session=db, actor_id=ann.id, group_order_id=forged, quantity=1)
    with pytest.raises(NotAllowed):
        group_orders.join(session=db, actor_id=None, group_order_id=go.id, quantity=1)
    db.refresh(go)
    assert (go.joined_quantity, go.member_count) == (3, 2)
    assert _stock(db, listing) == 7


def test_blocked_people_cannot_join_each_others_group_or_the_blockers_shops(db, market):
    maker, _, listing = market
    creator, rival, shunned = make_user(db), make_user(db), make_user(db)
    go = _start(db, creator, listing, target=6)
    blocks.block(session=db, actor_id=creator.id, handle=rival.handle)
    with pytest.raises(NotAllowed):
        group_orders.join(session=db, actor_id=rival.id, group_order_id=go.id, quantity=1)
    blocks.block(session=db, actor_id=maker.id, handle=shunned.handle)
    with pytest.raises(NotAllowed):
        group_orders.join(session=db, actor_id=shunned.id, group_order_id=go.id, quantity=1)
    db.refresh(go)
    assert go.member_count == 1


def test_a_group_holds_at_most_twenty_people(db, market):
    _, _, listing = market
    listing.made_to_order = True
    db.add(listing)
    db.flush()
    go = _start(db, make_user(db), listing, target=500)
    for _ in range(19):
        group_orders.join(session=db, actor_id=make_user(db).id, group_order_id=go.id, quantity=1)
    with pytest.raises(InvalidInput, match="full"):
        group_orders.join(session=db, actor_id=make_user(db).id, group_order_id=go.id, quantity=1)
    db.refresh(go)
    assert go.member_count == 20


def test_made_to_order_holds_no_stock(db, market):
    _, _, listing = market
    listing.made_to_order = True
    db.add(listing)
    db.flush()
    go = _start(db, make_user(db), listing, target=30, quantity=4)
    group_orders.join(session=db, actor_id=make_user(db).id, group_order_id=go.id, quantity=20)
    assert _stock(db, listing) == 10
    db.refresh(go)
    assert go.joined_quantity == 24


# ----------------------------------------------------------------------------- reached


def test_reaching_the_target_fixes_the_tier_price_and_makes_every_share_payable(db, market):
    maker, _, listing = market
    group_orders.set_tiers(
        session=db, actor_id=maker.id, listing_id=listing.id, tiers=[[3, 5], [5, 10], [8, 20]]
    )
    creator, ann, ben = make_user(db), make_user(db), make_user(db)
    go = _start(db, creator, listing, target=5, quantity=1)
    group_orders.join(session=db, actor_id=ann.id, group_order_id=go.id, quantity=2)
    db.refresh(go)
    assert go.state == "open" and go.final_price_cents is None
    group_orders.join(session=db, actor_id=ben.id, group_order_id=go.id, quantity=3)
    db.refresh(go)
    # 6 pieces: the 5-piece tier (10% off 20.00), not the 8-piece one.
    assert (go.state, go.joined_quantity, go.final_price_cents) == ("reached", 6, 1800)
    shares = db.exec(select(StockHold).where(StockHold.source_id == go.id)).all()
    assert {(h.state, h.unit_price_cents) for h in shares} == {(READY, 1800)}
    assert all(h.expires_at > utcnow() + timedelta(days=2) for h in shares)
    told = db.exec(
        select(Notification.user_id, Notification.detail).where(Notification.kind == "group")
    ).all()
    assert sorted(told) == sorted(
        [
            (creator.id, "reached"),
            (ann.id, "reached"),
            (ben.id, "reached"),
            (maker.id, "shop_reached"),
        ]
    )
    with pytest.raises(InvalidInput, match="closed"):
        group_orders.join(session=db, actor_id=make_user(db).id, group_order_id=go.id, quantity=1)
    with pytest.raises(InvalidInput, match="closed"):
        group_orders.leave(session=db, actor_id=ann.id, group_order_id=go.id)
    view = group_orders.group_view(session=db, viewer_id=ann.id, group_order_id=go.id)
    assert view.share is not None and view.share.state == "ready" and view.share.quantity == 2
    assert view.state == "reached" and not view.can_join and view.conversation_url


def test_a_member_buys_their_share_at_the_tier_price(db, market):
    maker, _, listing = market
    group_orders.set_tiers(session=db, actor_id=maker.id, listing_id=listing.id, tiers=[[4, 25]])
    creator, ann = make_user(db), make_user(db)
    go = _start(db, creator, listing, target=4, quantity=1)
    group_orders.join(session=db, actor_id=ann.id, group_order_id=go.id, quantity=3)
    hold_id = db.get(GroupOrderMember, (go.id, ann.id)).hold_id
    with pytest.raises(NotFound):  # someone else's share
        holds.buy(
            session=db,
            actor_id=creator.id,
            hold_id=hold_id,
            address=address(),
            payment_method="bank_transfer",
        )
    result = holds.buy(
        session=db,
        actor_id=ann.id,
        hold_id=hold_id,
        address=address(),
        payment_method="bank_transfer",
    )
    line = db.exec(select(OrderLine).where(OrderLine.source_kind == "group")).one()
    assert (line.unit_price_cents, line.quantity, line.source_id) == (1500, 3, go.id)
    assert result.orders[0].total_cents == 3 * 1500 + 490 + 2 * 100
    assert db.get(StockHold, hold_id).state == USED
    assert _stock(db, listing) == 6  # bought pieces came out of the held ones
    with pytest.raises(InvalidInput):
        holds.buy(
            session=db,
            actor_id=ann.id,
            hold_id=hold_id,
            address=address(),
            payment_method="bank_transfer",
        )


# ----------------------------------------------------------------------------- deadlines


def _past_deadline(db, go):
    db.execute(
        update(GroupOrder)
        .where(GroupOrder.id == go.id)
        .values(deadline=utcnow() - timedelta(seconds=1))
    )
    db.expire_all()


def test_a_join_after_the_deadline_is_refused_before_the_job_ran_and_expires_it(db, market):
    _, _, listing = market
    creator, ann = make_user(db), make_user(db)
    go = _start(db, creator, listing, target=5, quantity=2)
    _past_deadline(db, go)
    with pytest.raises(InvalidInput, match="deadline"):
        group_orders.join(session=db, actor_id=ann.id, group_order_id=go.id, quantity=1)
    db.refresh(go)
    assert go.state == "expired" and go.member_count == 1
    assert _stock(db, listing) == 10
    hold = db.get(StockHold, db.get(GroupOrderMember, (go.id, creator.id)).hold_id)
    assert hold.state == RELEASED
    told = db.exec(select(Notification).where(Notification.kind == "group")).all()
    assert [(n.user_id, n.detail) for n in told] == [(creator.id, "expired")]
    with pytest.raises(InvalidInput):  # nothing to pay for
        holds.buy(
            session=db,
            actor_id=creator.id,
            hold_id=hold.id,
            address=address(),
            payment_method="bank_transfer",
        )


def test_reading_an_open_group_past_its_deadline_expires_it(db, market):
    _, _, listing = market
    go = _start(db, make_user(db), listing, target=5, quantity=3)
    _past_deadline(db, go)
    view = group_orders.group_view(session=db, viewer_id=None, group_order_id=go.id)
    assert view.state == "expired" and not view.can_join
    assert _stock(db, listing) == 10
    box = group_orders.listing_box(session=db, viewer_id=None, listing_id=listing.id)
    assert box is not None and box.groups == []


def test_the_job_expires_overdue_groups_and_returns_their_stock_once(db, market):
    _, _, listing = market
    due = _start(db, make_user(db), listing, target=5, quantity=2)
    running = _start(db, make_user(db), listing, target=5, quantity=1)
    _past_deadline(db, due)
    assert group_orders.expire_due(db) == 1
    assert group_orders.expire_due(db) == 0
    db.refresh(due)
    db.refresh(running)
    assert (due.state, running.state) == ("expired", "open")
    assert _stock(db, listing) == 9


# ----------------------------------------------------------------------------- cancel


def test_a_cancelled_group_refuses_joins_and_returns_the_stock(db, market):
    maker, _, listing = market
    creator, ann, stranger = make_user(db), make_user(db), make_user(db)
    go = _start(db, creator, listing, target=5, quantity=2)
    group_orders.join(session=db, actor_id=ann.id, group_order_id=go.id, quantity=1)
    with pytest.raises(NotAllowed):
        group_orders.cancel(session=db, actor_id=stranger.id, group_order_id=go.id)
    with pytest.raises(NotAllowed):
        group_orders.cancel(session=db, actor_id=ann.id, group_order_id=go.id)
    group_orders.cancel(session=db, actor_id=creator.id, group_order_id=go.id)
    db.refresh(go)
    assert go.state == "cancelled"
    assert _stock(db, listing) == 10
    with pytest.raises(InvalidInput, match="closed"):
        group_orders.join(session=db, actor_id=stranger.id, group_order_id=go.id, quantity=1)
    with pytest.raises(InvalidInput, match="closed"):
        group_orders.cancel(session=db, actor_id=maker.id, group_order_id=go.id)
    told = db.exec(select(Notification.user_id).where(Notification.detail == "cancelled")).all()
    assert told == [ann.id]


def test_the_maker_may_cancel_a_reached_group_and_bought_shares_stay_bought(db, market):
    maker, _, listing = market
    creator, ann = make_user(db), make_user(db)
    go = _start(db, creator, listing, target=3, quantity=1)
    group_orders.join(session=db, actor_id=ann.id, group_order_id=go.id, quantity=2)
    ann_hold = db.get(GroupOrderMember, (go.id, ann.id)).hold_id
    holds.buy(
        session=db,
        actor_id=ann.id,
        hold_id=ann_hold,
        address=address(),
        payment_method="bank_transfer",
    )
    with pytest.raises(InvalidInput):  # the creator only while it is open
        group_orders.cancel(session=db, actor_id=creator.id, group_order_id=go.id)
    group_orders.cancel(session=db, actor_id=maker.id, group_order_id=go.id)
    db.expire_all()
    assert db.get(StockHold, ann_hold).state == USED
    assert _stock(db, listing) == 8  # the creator's piece came back, Ann's stays sold


def test_the_last_member_leaving_cancels_the_group(db, market):
    _, _, listing = market
    creator = make_user(db)
    go = _start(db, creator, listing, target=5, quantity=2)
    group_orders.leave(session=db, actor_id=creator.id, group_order_id=go.id)
    db.refresh(go)
    assert (go.state, go.member_count, go.joined_quantity) == ("cancelled", 0, 0)
    assert _stock(db, listing) == 10


def test_the_listing_box_shows_tiers_and_open_groups(db, market):
    maker, _, listing = market
    group_orders.set_tiers(session=db, actor_id=maker.id, listing_id=listing.id, tiers=[[3, 10]])
    creator = make_user(db)
    go = _start(db, creator, listing, target=4, quantity=3)
    box = group_orders.listing_box(session=db, viewer_id=make_user(db).id, listing_id=listing.id)
    assert box.can_start and not box.is_maker
    assert [(t.min_quantity, t.percent_off) for t in box.tiers] == [(3, 10)]
    assert [(g.id, g.joined_quantity, g.percent) for g in box.groups] == [(go.id, 3, 75)]
    mine = group_orders.listing_box(session=db, viewer_id=maker.id, listing_id=listing.id)
    assert mine.is_maker and not mine.can_start


def test_a_bigger_quantity_without_the_stock_is_refused_and_the_old_share_stays(db, market):
    _, _, listing = market
    creator, ann = make_user(db), make_user(db)
    go = _start(db, creator, listing, target=10, quantity=2)
    group_orders.join(session=db, actor_id=ann.id, group_order_id=go.id, quantity=3)
    with pytest.raises(InvalidInput):  # 5 free + her 3 = 8 < 9
        group_orders.change(session=db, actor_id=ann.id, group_order_id=go.id, quantity=9)
    db.refresh(go)
    assert (go.joined_quantity, go.member_count) == (5, 2)
    assert _stock(db, listing) == 5
    member = db.get(GroupOrderMember, (go.id, ann.id))
    assert member.quantity == 3 and db.get(StockHold, member.hold_id).state == PENDING
    with pytest.raises(InvalidInput):  # not a member
        group_orders.change(session=db, actor_id=make_user(db).id, group_order_id=go.id, quantity=1)
    # Changing up to the target reaches it.
    group_orders.change(session=db, actor_id=ann.id, group_order_id=go.id, quantity=8)
    db.refresh(go)
    assert (go.state, go.joined_quantity) == ("reached", 10)


def test_a_group_order_is_hidden_from_people_blocked_by_the_maker(db, market):
    maker, _, listing = market
    go = _start(db, make_user(db), listing, target=5)
    shunned = make_user(db)
    blocks.block(session=db, actor_id=maker.id, handle=shunned.handle)
    with pytest.raises(NotFound):
        group_orders.group_view(session=db, viewer_id=shunned.id, group_order_id=go.id)
    box = group_orders.listing_box(session=db, viewer_id=shunned.id, listing_id=listing.id)
    assert box is None or not box.can_start
    for forged in (None, "x", -3, 2**40, [go.id]):
        with pytest.raises(NotFound):
            group_orders.group_view(session=db, viewer_id=None, group_order_id=forged)
    seen = group_orders.group_view(session=db, viewer_id=None, group_order_id=go.id)
    assert seen.share is None and seen.conversation_url == "" and not seen.can_join
