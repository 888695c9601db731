"""Wishes: proposing, votes, pledges, the maker's answer / decline / accept, the wish made
on publishing (reserved purchases with stock held), buying a reservation, pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from social_market.models import (
    Listing,
    Notification,
    Order,
    OrderLine,
    Shop,
    StockHold,
    Wish,
    WishPledge,
    WishVote,
    utcnow,
)
from social_market.models.holds import READY, RELEASED, USED
from social_market.models.market import DRAFT
from social_market.models.wishes import W_ACCEPTED, W_DECLINED, W_MADE, W_OPEN
from social_market.services import blocks, holds, listings, reports, social_reports, wishes  # noqa: F401
from social_market.services.errors import InvalidInput, NotAllowed, NotFound, RateLimited
from tests.factories import make_user, open_shop_for, png
from tests.services.test_checkout_concurrency import pg_engine  # noqa: F401 - a fixture

ADDRESS = {"name": "B", "line1": "Weg 1", "postcode": "10115", "city": "Berlin", "country": "DE"}


@pytest.fixture
def shop(db):
    maker = make_user(db)
    shop = open_shop_for(db, maker)
    return maker, shop


def _wish(db, shop, author=None, **fields):
    author = author or make_user(db)
    defaults = {"title": "A blue teapot", "description": "Like the green one, but blue."}
    return wishes.propose(
        session=db, actor_id=author.id, shop_slug=shop.slug, **{**defaults, **fields}
    )


def _counts(db, wish):
    db.refresh(wish)
    return wish.vote_count, wish.pledge_count, wish.pledged_cents, wish.pledged_quantity


def _real_counts(db, wish):
    votes = len(db.exec(select(WishVote).where(WishVote.wish_id == wish.id)).all())
    pledges = db.exec(select(WishPledge).where(WishPledge.wish_id == wish.id)).all()
    return (
        votes,
        len(pledges),
        sum(p.quantity * p.price_cents for p in pledges),
        sum(p.quantity for p in pledges),
    )


def _free(db, listing_id):
    return db.exec(select(Listing.quantity).where(Listing.id == listing_id)).one()


# --- proposing -------------------------------------------------------------------------


def test_a_signed_in_person_proposes_a_wish_and_the_maker_is_told(db, shop):
    maker, s = shop
    author = make_user(db)
    wish = _wish(db, s, author, price="35", title="  A blue   teapot ")
    assert (wish.title, wish.price_cents, wish.state, wish.currency) == (
        "A blue teapot",
        3500,
        W_OPEN,
        s.currency,
    )
    note = db.exec(select(Notification).where(Notification.user_id == maker.id)).one()
    assert (note.kind, note.detail, note.link) == ("wish", "new", f"/wish/{wish.id}")


def test_a_wish_without_a_price_is_fine_but_a_zero_or_negative_price_is_refused(db, shop):
    _, s = shop
    assert _wish(db, s).price_cents is None
    for bad, message in (("0", "at least"), ("-3", "negative"), ("abc", "amount"), (1.5, "amount")):
        with pytest.raises(InvalidInput, match=message):
            _wish(db, s, price=bad)
    assert len(db.exec(select(Wish).where(Wish.shop_id == s.id)).all()) == 1


def test_a_maker_may_not_wish_on_their_own_shop(db, shop):
    maker, s = shop
    with pytest.raises(NotAllowed, match="own shop"):
        _wish(db, s, maker)


def test_bad_titles_and_unknown_shops_are_refused(db, shop):
    _, s = shop
    with pytest.raises(InvalidInput, match="at least 3"):
        _wish(db, s, title="ab")
    with pytest.raises(InvalidInput, match="at most"):
        _wish(db, s, title="x" * 200)
    with pytest.raises(InvalidInput, match="must be text"):
        _wish(db, s, title=["x"])
    with pytest.raises(NotFound):
        wishes.propose(session=db, actor_id=make_user(db).id, shop_slug="nope-shop", title="Mug")
    with pytest.raises(NotAllowed):
        wishes.propose(session=db, actor_id=None, shop_slug=s.slug, title="Mug")


def test_a_forged_photo_key_is_refused_and_a_stored_photo_is_kept(db, shop):
    _, s = shop
    author = make_user(db)
    with pytest.raises(InvalidInput, match="photo"):
        _wish(db, s, author, photo_key="../../etc/passwd")
    key = wishes.store_photo(session=db, actor_id=author.id, data=png())
    wish = _wish(db, s, author, photo_key=key)
    assert wish.photo_key == key
    page = wishes.list_wishes(session=db, shop_slug=s.slug)
    assert page.wishes[0].photo == f"wishes/{key}_240.webp"


def test_hidden_and_closed_shops_take_no_wishes_and_show_none(db, shop):
    _maker, s = shop
    wish = _wish(db, s)
    s.hidden_at = utcnow()
    db.add(s)
    db.flush()
    with pytest.raises(NotFound):
        _wish(db, s)
    with pytest.raises(NotFound):
        wishes.list_wishes(session=db, shop_slug=s.slug)
    with pytest.raises(NotFound):
        wishes.get_wish(session=db, wish_id=wish.id)
    with pytest.raises(NotFound):
        wishes.vote(session=db, actor_id=make_user(db).id, wish_id=wish.id)


def test_wishing_is_rate_limited(db, shop):
    _, s = shop
    author = make_user(db)
    for n in range(10):
        _wish(db, s, author, title=f"Wish number {n}")
    with pytest.raises(RateLimited):
        _wish(db, s, author)


def test_blocked_people_cannot_wish_vote_or_pledge_on_the_blockers_shop(db, shop):
    maker, s = shop
    wish = _wish(db, s)
    pest = make_user(db)
    blocks.block(session=db, actor_id=maker.id, handle=pest.handle)
    with pytest.raises(NotAllowed):
        _wish(db, s, pest)
    with pytest.raises(NotAllowed):
        wishes.vote(session=db, actor_id=pest.id, wish_id=wish.id)
    with pytest.raises(NotAllowed):
        wishes.pledge(session=db, actor_id=pest.id, wish_id=wish.id, quantity=1, price="10")
    assert _counts(db, wish) == (0, 0, 0, 0)


# --- votes -----------------------------------------------------------------------------


def test_voting_twice_counts_once_and_unvoting_takes_it_back(db, shop):
    _, s = shop
    wish = _wish(db, s)
    fan, other = make_user(db), make_user(db)
    assert wishes.vote(session=db, actor_id=fan.id, wish_id=wish.id) == 1
    assert wishes.vote(session=db, actor_id=fan.id, wish_id=str(wish.id)) == 1
    assert wishes.vote(session=db, actor_id=other.id, wish_id=wish.id) == 2
    assert _counts(db, wish)[0] == 2 == _real_counts(db, wish)[0]
    assert wishes.unvote(session=db, actor_id=fan.id, wish_id=wish.id) == 1
    assert wishes.unvote(session=db, actor_id=fan.id, wish_id=wish.id) == 1
    assert _counts(db, wish)[0] == 1 == _real_counts(db, wish)[0]


def test_the_maker_cannot_vote_and_forged_ids_find_nothing(db, shop):
    maker, s = shop
    wish = _wish(db, s)
    with pytest.raises(NotAllowed, match="own shop"):
        wishes.vote(session=db, actor_id=maker.id, wish_id=wish.id)
    for forged in (None, -1, "x", 2**40, True, [wish.id], wish.id + 999):
        with pytest.raises(NotFound):
            wishes.vote(session=db, actor_id=make_user(db).id, wish_id=forged)
    assert _counts(db, wish)[0] == 0


def test_votes_only_while_open(db, shop):
    maker, s = shop
    wish = _wish(db, s)
    wishes.decline(session=db, actor_id=maker.id, wish_id=wish.id, reason="Not my style")
    with pytest.raises(InvalidInput, match="open"):
        wishes.vote(session=db, actor_id=make_user(db).id, wish_id=wish.id)


# --- pledges ---------------------------------------------------------------------------


def test_pledges_keep_the_counters_exact_through_changes_and_withdrawals(db, shop):
    _, s = shop
    wish = _wish(db, s)
    a, b = make_user(db), make_user(db)
    wishes.pledge(session=db, actor_id=a.id, wish_id=wish.id, quantity=2, price="30")
    assert _counts(db, wish) == (0, 1, 6000, 2)
    wishes.pledge(session=db, actor_id=b.id, wish_id=wish.id, quantity="1", price="45,50")
    assert _counts(db, wish) == (0, 2, 10550, 3)
    wishes.pledge(session=db, actor_id=a.id, wish_id=wish.id, quantity=5, price="20")
    assert _counts(db, wish) == (0, 2, 14550, 6) == _real_counts(db, wish)
    assert wishes.withdraw_pledge(session=db, actor_id=a.id, wish_id=wish.id) is True
    assert wishes.withdraw_pledge(session=db, actor_id=a.id, wish_id=wish.id) is False
    assert _counts(db, wish) == (0, 1, 4550, 1) == _real_counts(db, wish)


@pytest.mark.parametrize(
    ("quantity", "price", "message"),
    [
        (1, "-5", "negative"),
        (1, -500, "negative"),
        (1, "0", "at least"),
        (1, 0, "at least"),
        (1, "", "what you would pay"),
        (1, None, "what you would pay"),
        (1, "1e3", "amount"),
        (1, 12.5, "amount"),
        (1, "200000", "at most"),
        (0, "10", "between 1 and 20"),
        (-2, "10", "between 1 and 20"),
        (21, "10", "between 1 and 20"),
        ("1.5", "10", "whole number"),
        (1.0, "10", "whole number"),
        ("two", "10", "whole number"),
        (True, "10", "whole number"),
    ],
)
def test_a_bad_pledge_is_refused_with_a_clear_message_and_nothing_is_written(
    db, shop, quantity, price, message
):
    _, s = shop
    wish = _wish(db, s)
    backer = make_user(db)
    wishes.pledge(session=db, actor_id=backer.id, wish_id=wish.id, quantity=2, price="10")
    with pytest.raises(InvalidInput, match=message):
        wishes.pledge(
            session=db, actor_id=backer.id, wish_id=wish.id, quantity=quantity, price=price
        )
    with pytest.raises(InvalidInput, match=message):
        wishes.pledge(
            session=db, actor_id=make_user(db).id, wish_id=wish.id, quantity=quantity, price=price
        )
    assert _counts(db, wish) == (0, 1, 2000, 2) == _real_counts(db, wish)


def test_the_maker_cannot_pledge_on_their_own_shop(db, shop):
    maker, s = shop
    wish = _wish(db, s)
    with pytest.raises(NotAllowed, match="own shop"):
        wishes.pledge(session=db, actor_id=maker.id, wish_id=wish.id, quantity=1, price="10")


# --- the maker -------------------------------------------------------------------------


def test_only_the_maker_answers_and_the_author_hears_of_it_once(db, shop):
    maker, s = shop
    author = make_user(db)
    wish = _wish(db, s, author)
    with pytest.raises(NotAllowed):
        wishes.answer(session=db, actor_id=author.id, wish_id=wish.id, text="Sure")
    with pytest.raises(InvalidInput, match="answer"):
        wishes.answer(session=db, actor_id=maker.id, wish_id=wish.id, text="   ")
    wishes.answer(session=db, actor_id=maker.id, wish_id=wish.id, text="Maybe in spring")
    wishes.answer(session=db, actor_id=maker.id, wish_id=wish.id, text="Maybe in May")
    db.refresh(wish)
    assert (wish.answer, wish.state) == ("Maybe in May", W_OPEN)
    notes = db.exec(
        select(Notification).where(Notification.user_id == author.id, Notification.kind == "wish")
    ).all()
    assert [n.detail for n in notes] == ["answered"]


def test_declining_needs_a_reason_and_only_from_open(db, shop):
    maker, s = shop
    author = make_user(db)
    wish = _wish(db, s, author)
    with pytest.raises(InvalidInput, match="why"):
        wishes.decline(session=db, actor_id=maker.id, wish_id=wish.id, reason="")
    wishes.decline(session=db, actor_id=maker.id, wish_id=wish.id, reason="No blue glaze")
    db.refresh(wish)
    assert (wish.state, wish.answer) == (W_DECLINED, "No blue glaze")
    with pytest.raises(InvalidInput, match="open"):
        wishes.decline(session=db, actor_id=maker.id, wish_id=wish.id, reason="Again")
    with pytest.raises(InvalidInput, match="open"):
        wishes.accept(session=db, actor_id=maker.id, wish_id=wish.id)
    with pytest.raises(InvalidInput, match="until the wish is made"):
        wishes.pledge(session=db, actor_id=make_user(db).id, wish_id=wish.id, quantity=1, price="9")
    details = db.exec(select(Notification.detail).where(Notification.user_id == author.id)).all()
    assert details == ["declined"]


def test_non_makers_with_forged_ids_cannot_accept_or_decline(db, shop):
    maker, s = shop
    wish = _wish(db, s, price="20")
    other_maker = make_user(db)
    open_shop_for(db, other_maker)
    for actor in (make_user(db).id, other_maker.id, None, "1", maker.id + 10_000):
        with pytest.raises((NotAllowed, NotFound)):
            wishes.accept(session=db, actor_id=actor, wish_id=wish.id)
        with pytest.raises((NotAllowed, NotFound)):
            wishes.decline(session=db, actor_id=actor, wish_id=wish.id, reason="no")
    for forged in ("x", -4, None, wish.id + 999, {"id": wish.id}):
        with pytest.raises(NotFound):
            wishes.accept(session=db, actor_id=maker.id, wish_id=forged)
    db.refresh(wish)
    assert (wish.state, wish.listing_id) == (W_OPEN, None)
    assert db.exec(select(Listing).where(Listing.shop_id == s.id)).all() == []


def test_accepting_makes_a_draft_listing_from_the_wish(db, shop):
    maker, s = shop
    author = make_user(db)
    wish = _wish(db, s, author)
    a, b = make_user(db), make_user(db)
    wishes.pledge(session=db, actor_id=a.id, wish_id=wish.id, quantity=2, price="30")
    wishes.pledge(session=db, actor_id=b.id, wish_id=wish.id, quantity=1, price="42")
    wish, listing = wishes.accept(session=db, actor_id=maker.id, wish_id=wish.id, note="Yes!")
    assert (wish.state, wish.listing_id, wish.answer) == (W_ACCEPTED, listing.id, "Yes!")
    assert (listing.state, listing.title, listing.description) == (
        DRAFT,
        "A blue teapot",
        "Like the green one, but blue.",
    )
    assert (listing.price_cents, listing.quantity, listing.shop_id, listing.currency) == (
        4200,
        3,
        s.id,
        s.currency,
    )
    with pytest.raises(InvalidInput, match="open"):
        wishes.accept(session=db, actor_id=maker.id, wish_id=wish.id)
    # Pledges may still change while accepted.
    wishes.pledge(session=db, actor_id=b.id, wish_id=wish.id, quantity=2, price="42")
    assert _counts(db, wish) == (0, 2, 14400, 4) == _real_counts(db, wish)
    details = db.exec(select(Notification.detail).where(Notification.user_id == author.id)).all()
    assert details == ["accepted"]


def test_the_wish_price_wins_and_without_any_price_accepting_is_refused(db, shop):
    maker, s = shop
    priced = _wish(db, s, price="18")
    wishes.pledge(session=db, actor_id=make_user(db).id, wish_id=priced.id, quantity=1, price="50")
    _, listing = wishes.accept(session=db, actor_id=maker.id, wish_id=priced.id)
    assert (listing.price_cents, listing.quantity) == (1800, 1)
    bare = _wish(db, s, title="A plain jug")
    with pytest.raises(InvalidInput, match="would pay"):
        wishes.accept(session=db, actor_id=maker.id, wish_id=bare.id)
    db.refresh(bare)
    assert bare.state == W_OPEN


# --- made: reservations ----------------------------------------------------------------


def _accepted(db, shop, pledges):
    """A wish with pledges [(user, quantity, price)], accepted; returns (wish, listing)."""
    maker, s = shop
    wish = _wish(db, s)
    for user, quantity, price in pledges:
        wishes.pledge(session=db, actor_id=user.id, wish_id=wish.id, quantity=quantity, price=price)
    wish, listing = wishes.accept(session=db, actor_id=maker.id, wish_id=wish.id)
    return wish, listing


def _publish(db, maker, listing, quantity=None):
    if quantity is not None:
        form = listings.listing_form(session=db, owner_id=maker.id, listing_id=listing.id)
        listings.update_listing(
            session=db,
            owner_id=maker.id,
            listing_id=listing.id,
            form={**form.model_dump(), "quantity": str(quantity)},
        )
    listings.add_photo(session=db, owner_id=maker.id, listing_id=listing.id, data=png())
    listings.publish(session=db, owner_id=maker.id, listing_id=listing.id)


def test_publishing_makes_the_wish_and_holds_stock_for_each_pledger(db, shop):
    maker, _s = shop
    a, b = make_user(db), make_user(db)
    wish, listing = _accepted(db, shop, [(a, 2, "30"), (b, 1, "35")])
    _publish(db, maker, listing, quantity=5)
    db.refresh(wish)
    assert (wish.state, wish.made_at is not None) == (W_MADE, True)
    held = db.exec(select(StockHold).where(StockHold.source_id == wish.id)).all()
    assert sorted((h.user_id, h.quantity, h.state, h.kind) for h in held) == sorted(
        [(a.id, 2, READY, "wish"), (b.id, 1, READY, "wish")]
    )
    assert all(h.unit_price_cents == 3500 for h in held)  # the listing's price
    assert all(
        timedelta(days=2, hours=23) < h.expires_at - utcnow() <= timedelta(days=3) for h in held
    )
    assert _free(db, listing.id) == 2
    for p in db.exec(select(WishPledge).where(WishPledge.wish_id == wish.id)):
        assert p.hold_id in {h.id for h in held if h.user_id == p.user_id}
        note = db.exec(select(Notification).where(Notification.user_id == p.user_id)).one()
        assert (note.kind, note.link) == ("wish", f"/reserved/{p.hold_id}")
    # Publishing again (after a pause) hands out nothing more.
    listings.pause(session=db, owner_id=maker.id, listing_id=listing.id)
    listings.publish(session=db, owner_id=maker.id, listing_id=listing.id)
    assert len(db.exec(select(StockHold).where(StockHold.source_id == wish.id)).all()) == 2
    with pytest.raises(InvalidInput, match="until the wish is made"):
        wishes.withdraw_pledge(session=db, actor_id=a.id, wish_id=wish.id)


def test_stock_goes_to_the_earliest_pledgers_and_the_rest_are_told(db, shop):
    maker, _s = shop
    first, second, third = make_user(db), make_user(db), make_user(db)
    wish, listing = _accepted(db, shop, [(first, 2, "30"), (second, 3, "30"), (third, 1, "30")])
    _publish(db, maker, listing, quantity=3)
    held = {
        h.user_id: h.quantity
        for h in db.exec(select(StockHold).where(StockHold.source_id == wish.id))
    }
    assert held == {first.id: 2, second.id: 1}
    assert _free(db, listing.id) == 0
    details = {
        n.user_id: n.detail
        for n in db.exec(select(Notification).where(Notification.kind == "wish"))
        if n.user_id in (first.id, second.id, third.id)
    }
    assert details == {first.id: "reserved", second.id: "reserved_part", third.id: "no_stock"}


def test_a_pledger_buys_the_reservation_at_the_reserved_price(db, shop):
    maker, _s = shop
    buyer = make_user(db)
    wish, listing = _accepted(db, shop, [(buyer, 2, "30")])
    _publish(db, maker, listing, quantity=4)
    pledge = db.get(WishPledge, (wish.id, buyer.id))
    # The maker raises the price afterwards: the reservation keeps its own.
    listing = db.get(Listing, listing.id)
    listing.price_cents = 9900
    db.add(listing)
    db.flush()
    card = holds.get_own(session=db, actor_id=buyer.id, hold_id=pledge.hold_id)
    assert (card.quantity, card.total_cents, card.state) == (2, 6000, "ready")
    with pytest.raises(NotFound):
        holds.get_own(session=db, actor_id=make_user(db).id, hold_id=pledge.hold_id)
    result = holds.buy(
        session=db,
        actor_id=buyer.id,
        hold_id=pledge.hold_id,
        address=ADDRESS,
        payment_method="bank_transfer",
    )
    order = db.exec(select(Order).where(Order.reference == result.orders[0].reference)).one()
    line = db.exec(select(OrderLine).where(OrderLine.order_id == order.id)).one()
    assert (line.quantity, line.unit_price_cents, line.source_kind, line.source_id) == (
        2,
        3000,
        "wish",
        wish.id,
    )
    assert db.get(StockHold, pledge.hold_id).state == USED
    assert _free(db, listing.id) == 2  # bought from the held pieces, not the free stock
    with pytest.raises(InvalidInput, match="already bought"):
        holds.buy(
            session=db,
            actor_id=buyer.id,
            hold_id=pledge.hold_id,
            address=ADDRESS,
            payment_method="bank_transfer",
        )


def test_an_expired_reservation_cannot_be_bought_and_its_stock_comes_back(db, shop):
    maker, _s = shop
    buyer, other = make_user(db), make_user(db)
    wish, listing = _accepted(db, shop, [(buyer, 2, "30"), (other, 1, "30")])
    _publish(db, maker, listing, quantity=3)
    assert _free(db, listing.id) == 0
    hold_ids = [h.id for h in db.exec(select(StockHold).where(StockHold.source_id == wish.id))]
    later = utcnow() + timedelta(days=3, minutes=1)
    assert holds.release_expired(db, now=later) == 2
    assert _free(db, listing.id) == 3
    assert {db.get(StockHold, h).state for h in hold_ids} == {RELEASED}
    pledge = db.get(WishPledge, (wish.id, buyer.id))
    with pytest.raises(InvalidInput, match="expired"):
        holds.buy(
            session=db,
            actor_id=buyer.id,
            hold_id=pledge.hold_id,
            address=ADDRESS,
            payment_method="bank_transfer",
        )
    assert _free(db, listing.id) == 3


def test_an_expired_reservation_is_refused_at_the_moment_of_use_before_the_job(db, shop):
    maker, _s = shop
    buyer = make_user(db)
    wish, listing = _accepted(db, shop, [(buyer, 1, "30")])
    _publish(db, maker, listing, quantity=2)
    pledge = db.get(WishPledge, (wish.id, buyer.id))
    held = db.get(StockHold, pledge.hold_id)
    held.expires_at = utcnow() - timedelta(seconds=1)
    db.add(held)
    db.flush()
    with pytest.raises(InvalidInput, match="expired"):
        holds.buy(
            session=db,
            actor_id=buyer.id,
            hold_id=held.id,
            address=ADDRESS,
            payment_method="bank_transfer",
        )
    assert _free(db, listing.id) == 2
    assert db.exec(select(Order).where(Order.buyer_id == buyer.id)).all() == []


def test_made_to_order_wishes_reserve_without_taking_stock(db, shop):
    maker, _s = shop
    buyer = make_user(db)
    wish, listing = _accepted(db, shop, [(buyer, 3, "30")])
    form = listings.listing_form(session=db, owner_id=maker.id, listing_id=listing.id)
    listings.update_listing(
        session=db,
        owner_id=maker.id,
        listing_id=listing.id,
        form={**form.model_dump(), "made_to_order": True, "quantity": "", "lead_time_days": "7"},
    )
    _publish(db, maker, listing)
    held = db.exec(select(StockHold).where(StockHold.source_id == wish.id)).one()
    assert (held.quantity, held.takes_stock) == (3, False)


# --- pages -----------------------------------------------------------------------------


def test_a_shop_page_lists_open_wishes_first_by_votes_with_keyset_pages(db, shop):
    maker, s = shop
    voters = [make_user(db) for _ in range(4)]
    made = []
    for n in range(7):
        wish = _wish(db, s, title=f"Wish {n}", price="10")
        for voter in voters[: n % 4]:
            wishes.vote(session=db, actor_id=voter.id, wish_id=wish.id)
        made.append(wish)
    wishes.decline(session=db, actor_id=maker.id, wish_id=made[6].id, reason="No")
    wishes.accept(session=db, actor_id=maker.id, wish_id=made[5].id)
    expected_open = sorted(made[:5], key=lambda w: (w.vote_count, w.id), reverse=True)
    seen, cursor = [], ""
    while True:
        page = wishes.list_wishes(
            session=db, shop_slug=s.slug, viewer_id=voters[0].id, cursor=cursor, limit=2
        )
        seen.extend(page.wishes)
        cursor = page.next_cursor
        if not cursor:
            break
    for w in made:
        db.refresh(w)
    assert [c.id for c in seen] == [w.id for w in expected_open] + [made[5].id, made[6].id]
    assert [c.state for c in seen][-2:] == [W_ACCEPTED, W_DECLINED]
    assert all(c.voted == (c.vote_count >= 1 and c.state == W_OPEN) for c in seen[:5])


def test_sorting_by_pledged_value_and_newest(db, shop):
    _, s = shop
    ws = [_wish(db, s, title=f"Wish {n}") for n in range(4)]
    for wish, value in zip(ws, ("5", "50", "20", "1"), strict=True):
        wishes.pledge(
            session=db, actor_id=make_user(db).id, wish_id=wish.id, quantity=1, price=value
        )
    ids = lambda sort: [  # noqa: E731
        c.id for c in wishes.list_wishes(session=db, shop_slug=s.slug, sort=sort).wishes
    ]
    assert ids("pledged") == [ws[1].id, ws[2].id, ws[0].id, ws[3].id]
    assert ids("newest") == [w.id for w in reversed(ws)]
    assert ids("forged'; drop") == ids("votes")
    page = wishes.list_wishes(session=db, shop_slug=s.slug, sort="pledged", cursor="9.9.9")
    assert len(page.wishes) == 4  # a forged cursor starts at the top


def test_the_page_shows_only_totals_of_other_peoples_pledges(db, shop):
    maker, s = shop
    wish = _wish(db, s)
    a, b = make_user(db), make_user(db)
    wishes.pledge(session=db, actor_id=a.id, wish_id=wish.id, quantity=2, price="31")
    wishes.pledge(session=db, actor_id=b.id, wish_id=wish.id, quantity=1, price="40")
    mine = wishes.get_wish(session=db, wish_id=wish.id, viewer_id=a.id).wish
    assert (mine.my_quantity, mine.my_price, mine.pledge_count, mine.pledged_quantity) == (
        2,
        "31.00",
        2,
        3,
    )
    theirs = wishes.get_wish(session=db, wish_id=wish.id, viewer_id=None).wish
    assert (theirs.my_quantity, theirs.my_price, theirs.can_vote, theirs.can_pledge) == (
        0,
        "",
        False,
        False,
    )
    as_maker = wishes.get_wish(session=db, wish_id=wish.id, viewer_id=maker.id).wish
    assert (as_maker.can_manage, as_maker.can_vote) == (True, False)
    assert "40" not in theirs.model_dump_json().replace(theirs.pledged, "")


def test_a_page_is_a_constant_number_of_queries(db, shop):
    from sqlalchemy import event

    _, s = shop
    viewer = make_user(db)
    for n in range(12):
        wish = _wish(db, s, author=make_user(db), title=f"Wish {n}")
        wishes.vote(session=db, actor_id=viewer.id, wish_id=wish.id)
    statements = []
    conn = db.connection()
    listener = lambda *a: statements.append(a[2])  # noqa: E731
    event.listen(conn, "before_cursor_execute", listener)
    try:
        wishes.list_wishes(session=db, shop_slug=s.slug, viewer_id=viewer.id, limit=10)
    finally:
        event.remove(conn, "before_cursor_execute", listener)
    assert len(statements) <= 2  # the shop, the page (authors, my votes and pledges joined)


def test_maker_view_lists_own_shop_and_needs_a_shop(db, shop):
    maker, s = shop
    _wish(db, s)
    slug, page = wishes.maker_wishes(session=db, actor_id=maker.id, sort="pledged")
    assert slug == s.slug and page.wishes[0].can_manage
    with pytest.raises(NotAllowed):
        wishes.maker_wishes(session=db, actor_id=make_user(db).id)


def test_wishes_can_be_reported_and_hidden_by_moderators(db, shop):
    _, s = shop
    wish = _wish(db, s)
    adapter = reports.target_adapter("wish")
    info = adapter.load(db, [wish.id])[wish.id]
    assert (info.url, info.visible) == (f"/wish/{wish.id}", True)
    adapter.hide(db, wish.id)
    assert wishes.list_wishes(session=db, shop_slug=s.slug).wishes == []
    with pytest.raises(NotFound):
        wishes.vote(session=db, actor_id=make_user(db).id, wish_id=wish.id)
    adapter.unhide(db, wish.id)
    assert len(wishes.list_wishes(session=db, shop_slug=s.slug).wishes) == 1


def test_the_shop_category_is_the_default_for_the_draft(db, shop):
    maker, s = shop
    from tests.factories import publish_listing

    publish_listing(db, maker, category_id="204")
    wish = _wish(db, s, price="12")
    _, listing = wishes.accept(session=db, actor_id=maker.id, wish_id=wish.id)
    assert listing.category_id == 204
    assert db.get(Shop, s.id).id == listing.shop_id


def test_demo_wishes_have_votes_pledges_and_every_state(db):
    from social_market.demo.generator import generate
    from social_market.demo.market import generate_market
    from social_market.demo.wishes import generate_wishes

    people = generate(db, users=12, seed=4, with_avatars=False, maker_share=0.4)
    buyers = [u for u in people.user_ids if u not in people.maker_ids]
    market = generate_market(
        db,
        maker_ids=people.maker_ids,
        buyer_ids=buyers,
        seed=4,
        listings_per_shop=1,
        photos_per_listing=1,
    )
    made = generate_wishes(db, user_ids=people.user_ids, shop_ids=market.shop_ids, seed=4)
    assert made >= 3 * len(market.shop_ids)
    rows = db.exec(select(Wish).where(Wish.shop_id.in_(market.shop_ids))).all()
    assert {w.state for w in rows} == {W_OPEN, W_ACCEPTED, W_MADE, W_DECLINED}
    assert sum(w.vote_count for w in rows) > 0 and sum(w.pledge_count for w in rows) > 0
    for w in rows:
        assert _counts(db, w) == _real_counts(db, w)
    made_ids = [w.id for w in rows if w.state == W_MADE]
    assert db.exec(select(StockHold).where(StockHold.source_id.in_(made_ids))).all()


def test_a_race_of_voters_and_pledgers_leaves_exact_counters_on_postgresql(
    pg_engine,  # noqa: F811 - the fixture imported above
):
    import threading

    race_engine = pg_engine

    from sqlmodel import Session

    with Session(race_engine, expire_on_commit=False) as session:
        maker = make_user(session)
        shop = open_shop_for(session, maker)
        wish = _wish(session, shop)
        people = [make_user(session).id for _ in range(12)]
        session.commit()
    barrier = threading.Barrier(len(people))
    errors: list[Exception] = []

    def act(uid: int) -> None:
        try:
            barrier.wait()
            for step in range(3):
                with Session(race_engine) as s:
                    wishes.vote(session=s, actor_id=uid, wish_id=wish.id)
                    wishes.pledge(
                        session=s, actor_id=uid, wish_id=wish.id, quantity=step + 1, price="10"
                    )
                    s.commit()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=act, args=(uid,)) for uid in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Session(race_engine) as s:
        w = s.get(Wish, wish.id)
        assert (w.vote_count, w.pledge_count, w.pledged_cents, w.pledged_quantity) == (
            12,
            12,
            12 * 3 * 1000,
            36,
        )
        assert _real_counts(s, w) == (12, 12, 36000, 36)


def test_deleting_an_account_takes_its_votes_and_pledges_off_open_wishes(db, shop):
    from social_market.services import accounts
    from tests.factories import PASSWORD

    _, s = shop
    wish = _wish(db, s)
    leaver, stayer = make_user(db), make_user(db)
    for person, quantity in ((leaver, 3), (stayer, 1)):
        wishes.vote(session=db, actor_id=person.id, wish_id=wish.id)
        wishes.pledge(
            session=db, actor_id=person.id, wish_id=wish.id, quantity=quantity, price="10"
        )
    accounts.delete_account(session=db, user_id=leaver.id, password=PASSWORD)
    assert _counts(db, wish) == (1, 1, 1000, 1) == _real_counts(db, wish)


def test_accepting_a_wish_rewards_its_author_once_when_the_maker_is_established(db):
    from datetime import timedelta

    from social_market.models.rewards import R_WISH_ACCEPTED
    from social_market.services import rewards
    from tests.factories import buy, make_listing, make_shop

    maker = make_user(db, created_at=utcnow() - timedelta(days=60))
    buy(db, maker, make_listing(db, shop=make_shop(db)))  # an established account
    s = open_shop_for(db, maker)
    author = make_user(db)
    wish = _wish(db, s, author, price="25")
    wishes.accept(session=db, actor_id=maker.id, wish_id=wish.id)
    db.refresh(author)
    assert author.points_balance == rewards.POINTS[R_WISH_ACCEPTED]
    assert author.points_earned == rewards.POINTS[R_WISH_ACCEPTED]
