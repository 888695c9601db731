"""Rewards for quality, not volume: who may give points (distinct, not blocked,
established, never for one's own shop, daily caps, idempotent), the hooks (helpful
marks, list/share-led purchases, invitations, accepted wishes), vouchers bought with
points and spent at checkout, and a ledger whose sums are the balances."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from social_market.models import CartItem, Order, OrderLine, User, utcnow
from social_market.models.lists import CuratedList
from social_market.models.rewards import (
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
from social_market.models.social import SharedPurchase
from social_market.models.wishes import Wish
from social_market.services import accounts, blocks, cart, checkout, orders, reviews, rewards
from social_market.services.errors import InvalidInput, NotAllowed, NotFound
from tests.factories import (
    buy,
    make_listing,
    make_shop,
    make_user,
    open_shop_for,
    publish_listing,
    review_bought,
)
from tests.services.test_checkout_concurrency import pg_engine, sqlite_file_engine  # noqa: F401

ADDRESS = {"name": "B", "line1": "Weg 1", "postcode": "10115", "city": "Berlin", "country": "DE"}
OLD = timedelta(days=rewards.ESTABLISHED_DAYS + 1)


def _old(db, **fields):
    return make_user(db, created_at=utcnow() - OLD, **fields)


def _established(db, **fields):
    """An account older than ESTABLISHED_DAYS with one real (not cancelled) order."""
    return _with_order(db, _old(db, **fields))


def _with_order(db, user):
    shop = make_shop(db)
    db.add(
        Order(
            reference=checkout.new_reference(),
            checkout_id="x" * 32,
            buyer_id=user.id,
            shop_id=shop.id,
            payment_method="bank_transfer",
            items_cents=1000,
            shipping_cents=0,
            total_cents=1000,
            shop_name=shop.name,
        )
    )
    db.flush()
    return user


def _give(db, user, giver, *, points=5, reason=R_HELPFUL, source_id=1, shop_id=None):
    return rewards.award(
        db,
        user_id=user.id,
        reason=reason,
        source_kind="review",
        source_id=source_id,
        from_user_id=giver.id,
        points=points,
        shop_id=shop_id,
    )


def _balance(db, user):
    db.expire(user)
    return db.get(User, user.id).points_balance


def _ledger_matches(db, user):
    db.expire(user)
    fresh = db.get(User, user.id)
    total = db.exec(
        select(func.coalesce(func.sum(PointEntry.points), 0)).where(PointEntry.user_id == user.id)
    ).one()
    earned = db.exec(
        select(func.coalesce(func.sum(PointEntry.points), 0)).where(
            PointEntry.user_id == user.id, PointEntry.reason != R_VOUCHER
        )
    ).one()
    assert (fresh.points_balance, fresh.points_earned) == (total, earned)


# --- the anti-gaming rules of award() ----------------------------------------------------


def test_an_established_distinct_giver_gives_points_and_the_ledger_says_why(db):
    author, voter = make_user(db), _established(db)
    entry = _give(db, author, voter)
    assert entry is not None and entry.points == 5 and entry.reason == R_HELPFUL
    assert _balance(db, author) == 5
    _ledger_matches(db, author)


def test_nobody_gives_points_to_themselves(db):
    me = _established(db)
    assert _give(db, me, me) is None
    assert _balance(db, me) == 0


def test_a_new_account_gives_nothing_even_with_an_order(db):
    author = make_user(db)
    fresh = _with_order(db, make_user(db))  # created now, has bought
    assert _give(db, author, fresh) is None
    old_but_idle = _old(db)  # old enough, but never ordered or reviewed
    assert _give(db, author, old_but_idle) is None
    assert _balance(db, author) == 0
    assert rewards.is_established(db, _established(db).id)


def test_blocked_either_way_gives_nothing(db):
    author, voter, other = make_user(db), _established(db), _established(db)
    blocks.block(session=db, actor_id=author.id, handle=voter.handle)
    assert _give(db, author, voter) is None
    blocks.block(session=db, actor_id=other.id, handle=author.handle)
    assert _give(db, author, other, source_id=2) is None
    assert _balance(db, author) == 0


def test_no_points_for_ones_own_shop(db):
    maker, buyer = make_user(db), _established(db)
    shop = make_shop(db, owner=maker)
    assert _give(db, maker, buyer, shop_id=shop.id) is None
    assert _give(db, maker, buyer, source_id=2, shop_id=make_shop(db).id) is not None
    assert _balance(db, maker) == 5


def test_a_daily_cap_per_reason_stops_the_flood(db):
    author = make_user(db)
    cap = rewards.DAILY_CAP[R_HELPFUL] // rewards.POINTS[R_HELPFUL]
    givers = [_established(db) for _ in range(cap + 2)]
    given = [_give(db, author, g) for g in givers]
    assert sum(1 for e in given if e is not None) == cap
    assert _balance(db, author) == rewards.DAILY_CAP[R_HELPFUL]
    # Another reason has its own cap.
    assert _give(db, author, givers[0], reason=R_LIST_SALE, points=10) is not None
    _ledger_matches(db, author)


def test_a_second_identical_award_is_a_no_op(db):
    author, voter = make_user(db), _established(db)
    assert _give(db, author, voter) is not None
    assert _give(db, author, voter) is None
    assert _balance(db, author) == 5
    assert len(db.exec(select(PointEntry).where(PointEntry.user_id == author.id)).all()) == 1


def test_nonsense_arguments_award_nothing(db):
    author, voter = make_user(db), _established(db)
    assert _give(db, author, voter, points=0) is None
    assert _give(db, author, voter, points=-5) is None
    assert _give(db, author, voter, reason="bogus") is None
    assert (
        rewards.award(
            db,
            user_id="1",
            reason=R_HELPFUL,
            source_kind="r",
            source_id=1,
            from_user_id=voter.id,
            points=5,
        )
        is None
    )
    assert _balance(db, author) == 0


# --- helpful marks -----------------------------------------------------------------------


@pytest.fixture
def reviewed(db):
    maker, author = make_user(db), make_user(db)
    open_shop_for(db, maker)
    listing = publish_listing(db, maker, title="Ash bowl", quantity="9")
    review = review_bought(db, author, listing, 5, "Lovely.")
    return maker, author, listing, review


def test_a_review_marked_helpful_earns_its_author_points_and_unmarking_reverses_them(db, reviewed):
    _, author, _, review = reviewed
    voter = _established(db)
    reviews.set_helpful(session=db, actor_id=voter.id, review_id=review.id, on=True)
    assert _balance(db, author) == rewards.POINTS[R_HELPFUL]
    reviews.set_helpful(session=db, actor_id=voter.id, review_id=review.id, on=True)  # again
    assert _balance(db, author) == rewards.POINTS[R_HELPFUL]
    reviews.set_helpful(session=db, actor_id=voter.id, review_id=review.id, on=False)
    assert _balance(db, author) == 0
    reasons = db.exec(
        select(PointEntry.reason, PointEntry.points)
        .where(PointEntry.user_id == author.id)
        .order_by(PointEntry.id)
    ).all()
    assert reasons == [(R_HELPFUL, 5), (R_REVERSAL, -5)]
    # Toggling can't farm: marking again gives nothing more.
    reviews.set_helpful(session=db, actor_id=voter.id, review_id=review.id, on=True)
    assert _balance(db, author) == 0
    _ledger_matches(db, author)


def test_a_helpful_mark_by_a_new_account_counts_but_gives_no_points(db, reviewed):
    _, author, _, review = reviewed
    newbie = make_user(db)
    _, count = reviews.set_helpful(session=db, actor_id=newbie.id, review_id=review.id, on=True)
    assert count == 1
    assert _balance(db, author) == 0


# --- purchases led by a list or a shared purchase ----------------------------------------


def _buy_via(db, buyer, listing, kind, via_id, voucher_code=None):
    cart.add_to_cart(session=db, user_id=buyer.id, listing_id=listing.id)
    item = db.get(CartItem, (buyer.id, listing.id))
    item.via_kind, item.via_id = kind, via_id
    db.add(item)
    db.flush()
    result = checkout.place_order(
        session=db,
        buyer_id=buyer.id,
        address=ADDRESS,
        payment_method="bank_transfer",
        voucher_code=voucher_code,
    )
    return db.exec(select(Order).where(Order.reference == result.orders[0].reference)).one()


@pytest.fixture
def shop_listing(db):
    maker = make_user(db)
    open_shop_for(db, maker)
    return maker, publish_listing(db, maker, title="Linen scarf", price="40", quantity="9")


def test_a_purchase_through_a_list_rewards_the_list_owner_and_a_cancel_takes_it_back(
    db, shop_listing
):
    _maker, listing = shop_listing
    curator, buyer = make_user(db), _established(db)
    the_list = CuratedList(owner_id=curator.id, title="Blue things")
    db.add(the_list)
    db.flush()
    order = _buy_via(db, buyer, listing, "list", the_list.id)
    line = db.exec(select(OrderLine).where(OrderLine.order_id == order.id)).one()
    entry = db.exec(select(PointEntry).where(PointEntry.user_id == curator.id)).one()
    assert (entry.reason, entry.source_kind, entry.source_id, entry.from_user_id) == (
        R_LIST_SALE,
        "order_line",
        line.id,
        buyer.id,
    )
    assert _balance(db, curator) == rewards.POINTS[R_LIST_SALE]
    orders.cancel_order(session=db, actor_id=buyer.id, reference=order.reference, reason="Oops")
    assert _balance(db, curator) == 0
    _ledger_matches(db, curator)


def test_a_purchase_through_a_shared_purchase_rewards_the_sharer(db, shop_listing):
    _maker, listing = shop_listing
    sharer, buyer = make_user(db), _established(db)
    line = buy(db, sharer, listing)
    share = SharedPurchase(
        user_id=sharer.id,
        order_line_id=line.id,
        listing_id=listing.id,
        shop_id=listing.shop_id,
        title="x",
    )
    db.add(share)
    db.flush()
    _buy_via(db, buyer, listing, "share", share.id)
    assert _balance(db, sharer) == rewards.POINTS[R_SHARE_SALE]


def test_a_maker_gets_no_list_points_for_sales_of_their_own_shop(db, shop_listing):
    maker, listing = shop_listing
    buyer = _established(db)
    own_list = CuratedList(owner_id=maker.id, title="My best")
    db.add(own_list)
    db.flush()
    _buy_via(db, buyer, listing, "list", own_list.id)
    assert _balance(db, maker) == 0


def test_buying_through_ones_own_list_earns_nothing(db):
    buyer = _established(db)
    listing = make_listing(db, shop=open_shop_for(db, make_user(db)))
    my_list = CuratedList(owner_id=buyer.id, title="Mine")
    db.add(my_list)
    db.flush()
    _buy_via(db, buyer, listing, "list", my_list.id)
    assert _balance(db, buyer) == 0


# --- invitations -------------------------------------------------------------------------


def test_an_invited_friends_first_purchase_rewards_the_inviter_once(db, shop_listing):
    _, listing = shop_listing
    inviter = make_user(db)
    code = rewards.my_invitation(session=db, actor_id=inviter.id)
    assert rewards.my_invitation(session=db, actor_id=inviter.id) == code  # still unused
    accounts.sign_up(
        session=db,
        email="friend@example.com",
        handle="friend",
        password="correct horse battery",
        invite_code=code,
    )
    friend = db.exec(select(User).where(User.handle == "friend")).one()
    assert friend.invited_by_id == inviter.id
    invitation = db.exec(select(Invitation).where(Invitation.code == code)).one()
    assert invitation.invitee_id == friend.id
    first = buy(db, friend, listing)
    buy(db, friend, listing)
    assert _balance(db, inviter) == rewards.POINTS[R_INVITE]
    entries = db.exec(select(PointEntry).where(PointEntry.user_id == inviter.id)).all()
    assert [(e.reason, e.source_id) for e in entries] == [(R_INVITE, first.order_id)]
    # The code is used up: a new one is offered, and nobody else can sign up with it.
    assert rewards.my_invitation(session=db, actor_id=inviter.id) != code
    with pytest.raises(InvalidInput, match="invitation"):
        accounts.sign_up(
            session=db,
            email="x@example.com",
            handle="xxx",
            password="correct horse battery",
            invite_code=code,
        )
    _ledger_matches(db, inviter)


def test_a_cancelled_first_order_takes_the_invite_points_back_and_the_next_order_counts(
    db, shop_listing
):
    _, listing = shop_listing
    inviter, friend = make_user(db), make_user(db)
    code = rewards.my_invitation(session=db, actor_id=inviter.id)
    assert rewards.accept_invitation(db, friend, code)
    first = db.get(Order, buy(db, friend, listing).order_id)
    orders.cancel_order(session=db, actor_id=friend.id, reference=first.reference, reason="Oops")
    assert _balance(db, inviter) == 0
    buy(db, friend, listing)
    assert _balance(db, inviter) == rewards.POINTS[R_INVITE]
    _ledger_matches(db, inviter)


def test_a_first_purchase_outside_the_cart_counts_for_the_invitation_too(db, shop_listing):
    _, listing = shop_listing
    inviter, friend = make_user(db), make_user(db)
    assert rewards.accept_invitation(
        db, friend, rewards.my_invitation(session=db, actor_id=inviter.id)
    )
    checkout.place_direct_order(
        session=db,
        buyer_id=friend.id,
        line=checkout.DirectLine(
            listing_id=listing.id,
            quantity=1,
            unit_price_cents=3000,
            source_kind="offer",
            source_id=1,
        ),
        address=ADDRESS,
        payment_method="bank_transfer",
        claim=lambda order: None,
    )
    assert _balance(db, inviter) == rewards.POINTS[R_INVITE]


def test_a_bad_invite_code_at_sign_up_is_refused_and_nothing_is_written(db):
    with pytest.raises(InvalidInput, match="invitation"):
        accounts.sign_up(
            session=db,
            email="y@example.com",
            handle="yyy",
            password="correct horse battery",
            invite_code="nope-nope-nope",
        )
    assert db.exec(select(User).where(User.handle == "yyy")).first() is None


# --- accepted wishes ---------------------------------------------------------------------


def test_an_accepted_wish_rewards_its_author_but_not_in_ones_own_shop(db):
    maker = _established(db)
    shop = make_shop(db, owner=maker)
    author = make_user(db)
    wish = Wish(shop_id=shop.id, author_id=author.id, title="A green mug")
    own = Wish(shop_id=shop.id, author_id=maker.id, title="My own idea")
    db.add_all([wish, own])
    db.flush()
    assert rewards.award_wish_accepted(db, wish) is not None
    assert rewards.award_wish_accepted(db, wish) is None  # once
    assert rewards.award_wish_accepted(db, own) is None
    assert _balance(db, author) == rewards.POINTS[R_WISH_ACCEPTED]
    assert _balance(db, maker) == 0


def test_a_maker_who_has_sold_but_never_bought_is_established_a_new_maker_is_not(db):
    seasoned = _old(db)
    shop = make_shop(db, owner=seasoned)
    newbie = make_user(db)
    new_shop = make_shop(db, owner=newbie)
    for s in (shop, new_shop):
        db.add(
            Order(
                reference=checkout.new_reference(),
                checkout_id="y" * 32,
                buyer_id=make_user(db).id,
                shop_id=s.id,
                payment_method="bank_transfer",
                items_cents=1000,
                shipping_cents=0,
                total_cents=1000,
                shop_name=s.name,
            )
        )
    db.flush()
    author = make_user(db)
    wish = Wish(shop_id=shop.id, author_id=author.id, title="A blue vase")
    other = Wish(shop_id=new_shop.id, author_id=author.id, title="A red vase")
    db.add_all([wish, other])
    db.flush()
    assert rewards.award_wish_accepted(db, wish) is not None
    assert rewards.award_wish_accepted(db, other) is None  # the new maker's account is days old
    assert _balance(db, author) == rewards.POINTS[R_WISH_ACCEPTED]


# --- vouchers ----------------------------------------------------------------------------


@pytest.fixture
def voucher_shop(db):
    maker = make_user(db)
    shop = open_shop_for(db, maker)
    listing = publish_listing(db, maker, title="Oak board", price="50", quantity="9")
    card = rewards.create_voucher(
        session=db,
        actor_id=maker.id,
        form={"title": "10% off", "cost_points": "20", "percent_off": "10", "count": "2"},
    )
    return maker, shop, listing, card


def _rich(db, points=100):
    user = make_user(db)
    user.points_balance = points
    user.points_earned = points
    db.add(user)
    db.add(
        PointEntry(
            user_id=user.id,
            points=points,
            reason=R_HELPFUL,
            source_kind="seed",
            source_id=1,
            from_user_id=1,
            day=utcnow().date(),
        )
    )
    db.flush()
    return user


def test_a_voucher_is_claimed_with_points_and_its_code_belongs_to_the_claimer(db, voucher_shop):
    _, _shop, _, card = voucher_shop
    buyer = _rich(db, 30)
    claim = rewards.claim_voucher(session=db, actor_id=buyer.id, voucher_id=card.id)
    assert claim.code.startswith("RV-") and claim.percent_off == 10
    assert _balance(db, buyer) == 10
    assert db.get(RewardVoucher, card.id).remaining == 1
    assert [c.code for c in rewards.my_claims(session=db, actor_id=buyer.id)] == [claim.code]
    spent = db.exec(select(PointEntry).where(PointEntry.reason == R_VOUCHER)).one()
    assert spent.points == -20 and spent.user_id == buyer.id
    _ledger_matches(db, buyer)


def test_a_claim_without_enough_points_changes_nothing(db, voucher_shop):
    _, _, _, card = voucher_shop
    poor = _rich(db, 19)
    with pytest.raises(InvalidInput, match="20 points"):
        rewards.claim_voucher(session=db, actor_id=poor.id, voucher_id=card.id)
    assert _balance(db, poor) == 19
    assert db.get(RewardVoucher, card.id).remaining == 2
    assert db.exec(select(VoucherClaim)).all() == []


def test_vouchers_run_out_and_deactivated_ones_cant_be_claimed(db, voucher_shop):
    maker, _, _, card = voucher_shop
    a, b, c = _rich(db), _rich(db), _rich(db)
    rewards.claim_voucher(session=db, actor_id=a.id, voucher_id=card.id)
    rewards.claim_voucher(session=db, actor_id=b.id, voucher_id=card.id)
    with pytest.raises(InvalidInput, match="all been claimed"):
        rewards.claim_voucher(session=db, actor_id=c.id, voucher_id=card.id)
    assert _balance(db, c) == 100
    other = rewards.create_voucher(
        session=db,
        actor_id=maker.id,
        form={"title": "5%", "cost_points": 5, "percent_off": 5, "count": 5},
    )
    rewards.set_voucher_active(session=db, actor_id=maker.id, voucher_id=other.id, active=False)
    with pytest.raises(InvalidInput, match="no longer offered"):
        rewards.claim_voucher(session=db, actor_id=c.id, voucher_id=other.id)
    assert [v.id for v in rewards.shop_vouchers(session=db, shop_id=card.id and other.id)] == []


def test_forged_ids_and_other_peoples_vouchers_are_refused(db, voucher_shop):
    maker, _, _, card = voucher_shop
    stranger = make_user(db)
    for bad in (None, "x", -1, 2**40, True, {"id": 1}, [card.id]):
        with pytest.raises((NotFound, NotAllowed)):
            rewards.claim_voucher(session=db, actor_id=stranger.id, voucher_id=bad)
    with pytest.raises(NotAllowed):
        rewards.claim_voucher(session=db, actor_id=None, voucher_id=card.id)
    with pytest.raises(NotAllowed):
        rewards.claim_voucher(session=db, actor_id=maker.id, voucher_id=card.id)  # own shop
    with pytest.raises(NotAllowed):  # a non-maker can't make or switch vouchers
        rewards.create_voucher(
            session=db,
            actor_id=stranger.id,
            form={"title": "x", "cost_points": 1, "percent_off": 5, "count": 1},
        )
    open_shop_for(db, stranger)
    with pytest.raises(NotFound):
        rewards.set_voucher_active(
            session=db, actor_id=stranger.id, voucher_id=card.id, active=False
        )
    assert db.get(RewardVoucher, card.id).active


@pytest.mark.parametrize(
    "form",
    [
        {"title": "", "cost_points": 5, "percent_off": 5, "count": 1},
        {"title": "x", "cost_points": 0, "percent_off": 5, "count": 1},
        {"title": "x", "cost_points": 5, "percent_off": 51, "count": 1},
        {"title": "x", "cost_points": 5, "percent_off": 0, "count": 1},
        {"title": "x", "cost_points": 5, "percent_off": 5, "count": 0},
        {"title": "x" * 81, "cost_points": 5, "percent_off": 5, "count": 1},
    ],
)
def test_a_voucher_with_bad_fields_is_refused(db, form):
    maker = make_user(db)
    open_shop_for(db, maker)
    with pytest.raises(InvalidInput):
        rewards.create_voucher(session=db, actor_id=maker.id, form=form)
    assert db.exec(select(RewardVoucher)).all() == []


def test_a_voucher_code_at_checkout_takes_its_percent_off_that_shops_items_once(db, voucher_shop):
    _maker, _shop, listing, card = voucher_shop
    buyer = _rich(db)
    claim = rewards.claim_voucher(session=db, actor_id=buyer.id, voucher_id=card.id)
    cart.add_to_cart(session=db, user_id=buyer.id, listing_id=listing.id, quantity=2)
    result = checkout.place_order(
        session=db,
        buyer_id=buyer.id,
        address=ADDRESS,
        payment_method="bank_transfer",
        voucher_code=claim.code.lower(),
    )
    order = db.exec(select(Order).where(Order.reference == result.orders[0].reference)).one()
    assert order.items_cents == 10000 and order.discount_cents == 1000
    assert order.total_cents == 10000 - 1000 + order.shipping_cents
    assert result.grand_total_cents == order.total_cents
    used = db.exec(select(VoucherClaim).where(VoucherClaim.code == claim.code)).one()
    assert used.order_id == order.id and used.used_at is not None
    # Single use.
    cart.add_to_cart(session=db, user_id=buyer.id, listing_id=listing.id)
    with pytest.raises(InvalidInput, match="voucher code"):
        checkout.place_order(
            session=db,
            buyer_id=buyer.id,
            address=ADDRESS,
            payment_method="bank_transfer",
            voucher_code=claim.code,
        )
    assert (
        db.exec(select(func.count()).select_from(Order).where(Order.buyer_id == buyer.id)).one()
        == 1
    )
    # Cancelling the order gives the voucher back.
    orders.cancel_order(session=db, actor_id=buyer.id, reference=order.reference, reason="Oops")
    assert rewards.my_claims(session=db, actor_id=buyer.id)[0].used is False


def test_another_shops_or_another_persons_code_is_refused_and_nothing_is_written(db, voucher_shop):
    _maker, _shop, listing, card = voucher_shop
    owner_of_code, buyer = _rich(db), _rich(db)
    claim = rewards.claim_voucher(session=db, actor_id=owner_of_code.id, voucher_id=card.id)
    other_maker = make_user(db)
    open_shop_for(db, other_maker)
    elsewhere = publish_listing(db, other_maker, title="Clay cup", price="12")
    cart.add_to_cart(session=db, user_id=owner_of_code.id, listing_id=elsewhere.id)
    with pytest.raises(InvalidInput, match="voucher code"):
        checkout.place_order(
            session=db,
            buyer_id=owner_of_code.id,
            address=ADDRESS,
            payment_method="bank_transfer",
            voucher_code=claim.code,
        )
    cart.add_to_cart(session=db, user_id=buyer.id, listing_id=listing.id)
    for code in (claim.code, "RV-NOTACODE", 12345, ["x"], "x" * 50):
        with pytest.raises(InvalidInput, match="voucher code"):
            checkout.place_order(
                session=db,
                buyer_id=buyer.id,
                address=ADDRESS,
                payment_method="bank_transfer",
                voucher_code=code,
            )
    assert (
        db.exec(select(Order).where(Order.buyer_id.in_([buyer.id, owner_of_code.id]))).all() == []
    )
    assert (
        db.exec(select(VoucherClaim).where(VoucherClaim.code == claim.code)).one().used_at is None
    )


# --- what people see ---------------------------------------------------------------------


def test_the_ledger_is_paged_newest_first_and_sums_to_the_balance(db):
    author = make_user(db)
    givers = [_established(db) for _ in range(5)]
    for n, g in enumerate(givers):
        _give(db, author, g, source_id=n + 1)
    first = rewards.ledger(session=db, actor_id=author.id, limit=3)
    assert len(first.lines) == 3 and first.next_cursor
    rest = rewards.ledger(session=db, actor_id=author.id, cursor=first.next_cursor, limit=3)
    assert len(rest.lines) == 2 and rest.next_cursor == ""
    ids = [line.id for line in first.lines + rest.lines]
    assert ids == sorted(ids, reverse=True)
    assert sum(line.points for line in first.lines + rest.lines) == _balance(db, author)
    assert rewards.ledger(
        session=db, actor_id=author.id, cursor="garbage!"
    ).lines  # forged cursor: first page
    with pytest.raises(NotAllowed):
        rewards.ledger(session=db, actor_id=None)
    summary = rewards.summary(session=db, actor_id=author.id)
    assert (summary.balance, summary.earned, summary.level) == (25, 25, "newcomer")
    assert summary.to_next == 25


def test_levels_follow_points_earned():
    assert [level_for(p) for p in (0, 49, 50, 199, 200, 999, 1000)] == [
        "newcomer",
        "newcomer",
        "contributor",
        "contributor",
        "trusted",
        "trusted",
        "pillar",
    ]
    assert rewards.badge_for(250).label == "Trusted"


# --- demo data ---------------------------------------------------------------------------


def test_the_demo_fills_ledgers_offers_vouchers_and_ben_holds_a_claimed_one(db):
    from social_market.demo.generator import generate
    from social_market.demo.market import generate_market
    from social_market.demo.rewards import generate_rewards
    from social_market.demo.trust import generate_reviews

    people = generate(db, users=14, seed=5, with_avatars=False, maker_share=0.4)
    buyers = [u for u in people.user_ids if u not in people.maker_ids]
    market = generate_market(
        db,
        maker_ids=people.maker_ids,
        buyer_ids=buyers,
        seed=5,
        listings_per_shop=2,
        photos_per_listing=1,
    )
    generate_reviews(db, buyer_ids=buyers, shop_ids=market.shop_ids, seed=5)
    made = generate_rewards(db, user_ids=people.user_ids, shop_ids=market.shop_ids, seed=5)
    assert made.entries > 3 and made.vouchers >= 3 and made.claims == 1
    ben = db.exec(select(User).where(User.handle == "ben")).one()
    assert rewards.my_claims(session=db, actor_id=ben.id)
    assert rewards.ledger(session=db, actor_id=ben.id).lines
    for user in db.exec(select(User).where(User.id.in_(people.user_ids))).all():
        _ledger_matches(db, user)


# --- concurrency: claims race for the last vouchers and for one balance ------------------


@pytest.mark.parametrize("engine_name", ["pg_engine", "sqlite_file_engine"])
def test_racing_claims_never_oversell_vouchers_nor_overspend_points(request, engine_name):
    import threading

    from sqlmodel import Session

    from social_market.services.errors import DomainError

    engine = request.getfixturevalue(engine_name)
    with Session(engine, expire_on_commit=False) as session:
        maker = make_user(session)
        shop = make_shop(session, owner=maker)
        scarce = RewardVoucher(
            shop_id=shop.id, title="Few", cost_points=20, percent_off=10, remaining=3
        )
        plenty = RewardVoucher(
            shop_id=shop.id, title="Many", cost_points=20, percent_off=5, remaining=50
        )
        session.add_all([scarce, plenty])
        people = [make_user(session, points_balance=20) for _ in range(8)]
        spender = make_user(session, points_balance=30)  # enough for one claim, not two
        session.commit()
        jobs = [(p.id, scarce.id) for p in people] + [(spender.id, plenty.id)] * 4
        spender_id = spender.id
        scarce_id = scarce.id

    barrier = threading.Barrier(len(jobs))
    won: list[int] = []
    lock = threading.Lock()

    def claim(user_id: int, voucher_id: int) -> None:
        with Session(engine, expire_on_commit=False) as session:
            barrier.wait()
            try:
                rewards.claim_voucher(session=session, actor_id=user_id, voucher_id=voucher_id)
                session.commit()
            except DomainError:
                session.rollback()
                return
            with lock:
                won.append(user_id)

    threads = [threading.Thread(target=claim, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    with Session(engine) as session:
        assert session.get(RewardVoucher, scarce_id).remaining == 0
        claims = session.exec(select(VoucherClaim.user_id, VoucherClaim.voucher_id)).all()
        assert len([c for c in claims if c[1] == scarce_id]) == 3
        assert [c for c in claims if c[0] == spender_id] and len(
            [c for c in claims if c[0] == spender_id]
        ) == 1
        assert session.get(User, spender_id).points_balance == 10
        for user_id, _ in claims:
            assert session.get(User, user_id).points_balance >= 0
    assert len(won) == 4


def test_opening_a_piece_from_a_shared_purchase_credits_it_through_the_cart(db, shop_listing):
    from social_market.services import shares

    _maker, listing = shop_listing
    sharer, buyer, stranger = make_user(db), _established(db), _established(db)
    line = buy(db, sharer, listing)
    shares.share_purchase(
        session=db, actor_id=sharer.id, line_id=line.id, audience="everyone", comment="Love it"
    )
    share = db.exec(select(SharedPurchase).where(SharedPurchase.order_line_id == line.id)).one()
    # A forged or mismatched via is ignored: the piece still goes in the cart, uncredited.
    for via in (f"share:{share.id + 999}", "share:x", f"share:{share.id}:1", 42):
        cart.add_to_cart(session=db, user_id=stranger.id, listing_id=listing.id, via=via)
        assert db.get(CartItem, (stranger.id, listing.id)).via_kind == ""
    cart.add_to_cart(session=db, user_id=buyer.id, listing_id=listing.id, via=f"share:{share.id}")
    item = db.get(CartItem, (buyer.id, listing.id))
    assert (item.via_kind, item.via_id) == ("share", share.id)
    checkout.place_order(
        session=db, buyer_id=buyer.id, address=ADDRESS, payment_method="bank_transfer"
    )
    assert _balance(db, sharer) == rewards.POINTS[R_SHARE_SALE]
