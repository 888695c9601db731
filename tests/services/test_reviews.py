"""Verified-purchase reviews: who may review what and when, one per order line, the
editing window, the maker's reply, helpful marks, rating totals, moderation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from limits import parse

from social_market.models import Listing, Notification, Order, Review, Shop
from social_market.models.moderation import REPORT_REASONS
from social_market.models.user import MODERATOR
from social_market.services import blocks, moderation, orders, reports, reviews, social_reports  # noqa: F401
from social_market.services.errors import InvalidInput, NotAllowed, NotFound
from tests.factories import PASSWORD, buy, make_user, open_shop_for, png, publish_listing


def _delivered(db, maker, buyer, listing):
    line = buy(db, buyer, listing)
    order = db.get(Order, line.order_id)
    orders.confirm_payment(session=db, owner_id=maker.id, reference=order.reference)
    orders.mark_shipped(session=db, owner_id=maker.id, reference=order.reference)
    orders.mark_delivered(session=db, actor_id=buyer.id, reference=order.reference)
    return line


@pytest.fixture
def bought(db):
    maker, buyer = make_user(db), make_user(db)
    open_shop_for(db, maker)
    listing = publish_listing(db, maker, title="Ash bowl", quantity="5")
    return maker, buyer, listing


def test_a_buyer_reviews_an_item_once_it_has_arrived_and_totals_follow(db, bought):
    maker, buyer, listing = bought
    line = buy(db, buyer, listing)
    with pytest.raises(InvalidInput, match="once it has arrived"):
        reviews.write_review(session=db, actor_id=buyer.id, line_id=line.id, rating=5)
    order = db.get(Order, line.order_id)
    orders.confirm_payment(session=db, owner_id=maker.id, reference=order.reference)
    orders.mark_shipped(session=db, owner_id=maker.id, reference=order.reference)
    assert not reviews.line_reviews(session=db, buyer_id=buyer.id, order_id=order.id)[
        line.id
    ].can_review
    orders.mark_delivered(session=db, actor_id=buyer.id, reference=order.reference)
    assert reviews.line_reviews(session=db, buyer_id=buyer.id, order_id=order.id)[
        line.id
    ].can_review
    review = reviews.write_review(
        session=db, actor_id=buyer.id, line_id=line.id, rating="4", body="Lovely glaze."
    )
    db.refresh(listing)
    shop = db.get(Shop, listing.shop_id)
    assert (listing.rating_count, listing.rating_sum) == (1, 4)
    assert (shop.rating_count, shop.rating_sum) == (1, 4)
    page = reviews.list_reviews(session=db, viewer_id=None, listing_id=listing.id)
    assert [(v.rating, v.segments[0].text, v.author_handle) for v in page.reviews] == [
        (4, "Lovely glaze.", buyer.handle)
    ]
    told = db.exec(
        Notification.__table__.select().where(Notification.user_id == maker.id)  # type: ignore[attr-defined]
    ).all()
    assert any(n.kind == "review" and n.detail == "new" for n in told)
    assert review.order_id == order.id


def test_fourteen_days_after_shipping_an_item_can_be_reviewed_without_delivery(db, bought):
    maker, buyer, listing = bought
    line = buy(db, buyer, listing)
    order = db.get(Order, line.order_id)
    orders.confirm_payment(session=db, owner_id=maker.id, reference=order.reference)
    orders.mark_shipped(session=db, owner_id=maker.id, reference=order.reference)
    order.shipped_at = order.shipped_at - timedelta(days=reviews.AFTER_SHIPPING_DAYS)
    db.add(order)
    db.flush()
    reviews.write_review(session=db, actor_id=buyer.id, line_id=line.id, rating=3)


@pytest.mark.parametrize(
    ("rating", "body", "message"),
    [
        (0, "", "1 to 5 stars"),
        (6, "", "1 to 5 stars"),
        ("five", "", "1 to 5 stars"),
        (True, "", "1 to 5 stars"),
        (None, "", "1 to 5 stars"),
        (5, "x" * 100_000, "at most"),
        (5, ["not", "text"], "must be text"),
    ],
)
def test_bad_reviews_are_refused_with_a_clear_message_and_nothing_saved(
    db, bought, rating, body, message
):
    maker, buyer, listing = bought
    line = _delivered(db, maker, buyer, listing)
    with pytest.raises(InvalidInput, match=message):
        reviews.write_review(
            session=db, actor_id=buyer.id, line_id=line.id, rating=rating, body=body
        )
    assert db.exec(Review.__table__.select()).all() == []  # type: ignore[attr-defined]
    db.refresh(listing)
    assert listing.rating_count == 0


def test_only_the_buyer_reviews_and_only_once_per_order_line(db, bought):
    maker, buyer, listing = bought
    line = _delivered(db, maker, buyer, listing)
    stranger = make_user(db)
    for who in (stranger, maker):
        with pytest.raises(NotFound, match="Only buyers can review"):
            reviews.write_review(session=db, actor_id=who.id, line_id=line.id, rating=5)
    with pytest.raises(NotFound):
        reviews.write_review(session=db, actor_id=buyer.id, line_id="1 OR 1=1", rating=5)
    with pytest.raises(NotAllowed):
        reviews.write_review(session=db, actor_id=None, line_id=line.id, rating=5)
    reviews.write_review(session=db, actor_id=buyer.id, line_id=line.id, rating=5)
    with pytest.raises(InvalidInput, match="already reviewed"):
        reviews.write_review(session=db, actor_id=buyer.id, line_id=line.id, rating=1)
    # A second purchase of the same piece is a new line: it can be reviewed too.
    second = _delivered(db, maker, buyer, listing)
    reviews.write_review(session=db, actor_id=buyer.id, line_id=second.id, rating=3)
    db.refresh(listing)
    assert (listing.rating_count, listing.rating_sum) == (2, 8)


def test_a_review_can_be_edited_for_sixty_days_by_its_author_only(db, bought):
    maker, buyer, listing = bought
    line = _delivered(db, maker, buyer, listing)
    review = reviews.write_review(session=db, actor_id=buyer.id, line_id=line.id, rating=2)
    with pytest.raises(NotFound):
        reviews.edit_review(session=db, actor_id=maker.id, review_id=review.id, rating=5)
    reviews.edit_review(
        session=db, actor_id=buyer.id, review_id=review.id, rating=5, body="Grew on me."
    )
    db.refresh(listing)
    assert (listing.rating_count, listing.rating_sum) == (1, 5)
    view = reviews.list_reviews(session=db, viewer_id=buyer.id, listing_id=listing.id).reviews[0]
    assert view.edited and view.can_edit and view.mine
    review.created_at = review.created_at - timedelta(days=reviews.EDIT_DAYS + 1)
    db.add(review)
    db.flush()
    with pytest.raises(InvalidInput, match="60 days"):
        reviews.edit_review(session=db, actor_id=buyer.id, review_id=review.id, rating=1)
    db.refresh(listing)
    assert listing.rating_sum == 5


def test_the_maker_replies_once_publicly_and_the_buyer_is_told(db, bought):
    maker, buyer, listing = bought
    line = _delivered(db, maker, buyer, listing)
    review = reviews.write_review(session=db, actor_id=buyer.id, line_id=line.id, rating=4)
    other_maker = make_user(db)
    open_shop_for(db, other_maker)
    for who in (buyer, other_maker):
        with pytest.raises(NotAllowed):
            reviews.reply(session=db, actor_id=who.id, review_id=review.id, body="Thanks")
    with pytest.raises(InvalidInput):
        reviews.reply(session=db, actor_id=maker.id, review_id=review.id, body="   ")
    reviews.reply(session=db, actor_id=maker.id, review_id=review.id, body="Thank you!")
    reviews.reply(session=db, actor_id=maker.id, review_id=review.id, body="Thank you, Ana!")
    view = reviews.list_reviews(session=db, viewer_id=maker.id, listing_id=listing.id).reviews[0]
    assert view.reply[0].text == "Thank you, Ana!" and not view.can_reply
    replies = [
        n
        for n in db.exec(Notification.__table__.select().where(Notification.user_id == buyer.id))  # type: ignore[attr-defined]
        if n.kind == "review"
    ]
    assert len(replies) == 1  # one reply, told once


def test_others_mark_a_review_helpful_once_each_but_never_their_own(db, bought):
    maker, buyer, listing = bought
    line = _delivered(db, maker, buyer, listing)
    review = reviews.write_review(session=db, actor_id=buyer.id, line_id=line.id, rating=5)
    a, b = make_user(db), make_user(db)
    assert reviews.set_helpful(session=db, actor_id=a.id, review_id=review.id, on=True) == (True, 1)
    assert reviews.set_helpful(session=db, actor_id=a.id, review_id=review.id, on=True) == (True, 1)
    assert reviews.set_helpful(session=db, actor_id=b.id, review_id=review.id, on=True) == (True, 2)
    assert reviews.set_helpful(session=db, actor_id=a.id, review_id=review.id, on=False) == (
        False,
        1,
    )
    with pytest.raises(InvalidInput, match="your own"):
        reviews.set_helpful(session=db, actor_id=buyer.id, review_id=review.id, on=True)
    blocks.block(session=db, actor_id=buyer.id, handle=a.handle)
    with pytest.raises(NotAllowed):
        reviews.set_helpful(session=db, actor_id=a.id, review_id=review.id, on=True)
    # Blocked either way: the review is out of the blocked person's list.
    assert reviews.list_reviews(session=db, viewer_id=a.id, listing_id=listing.id).reviews == []


def test_photos_go_with_a_review_and_more_than_three_are_refused(db, bought):
    maker, buyer, listing = bought
    line = _delivered(db, maker, buyer, listing)
    keys = [reviews.store_photo(session=db, actor_id=buyer.id, data=png()) for _ in range(4)]
    with pytest.raises(InvalidInput, match="At most 3"):
        reviews.write_review(
            session=db, actor_id=buyer.id, line_id=line.id, rating=5, photo_keys=keys
        )
    reviews.write_review(
        session=db, actor_id=buyer.id, line_id=line.id, rating=5, photo_keys=keys[:2]
    )
    view = reviews.list_reviews(session=db, viewer_id=None, listing_id=listing.id).reviews[0]
    assert view.photos == [f"reviews/{k}_240.webp" for k in keys[:2]]


def test_a_reported_review_hidden_by_a_moderator_leaves_lists_and_totals(db, bought):
    maker, buyer, listing = bought
    line = _delivered(db, maker, buyer, listing)
    review = reviews.write_review(session=db, actor_id=buyer.id, line_id=line.id, rating=1)
    mod = make_user(db, role=MODERATOR)
    reports.report(
        session=db,
        actor_id=maker.id,
        target_kind="review",
        target_id=review.id,
        reason=REPORT_REASONS[0],
    )
    item = moderation.open_reports(session=db, actor_id=mod.id).items[0]
    assert item.kind == "review" and item.owner_id == buyer.id and "★" in item.preview
    moderation.hide_target(session=db, actor_id=mod.id, target_kind="review", target_id=review.id)
    db.refresh(listing)
    assert listing.rating_count == 0
    assert reviews.list_reviews(session=db, viewer_id=None, listing_id=listing.id).reviews == []
    moderation.unhide_target(session=db, actor_id=mod.id, target_kind="review", target_id=review.id)
    db.refresh(listing)
    assert (listing.rating_count, listing.rating_sum) == (1, 1)


def test_review_pages_go_newest_first_without_gaps(db, bought, monkeypatch):
    from social_market.services import checkout

    monkeypatch.setattr(reviews, "REVIEWS_PER_HOUR", parse("100/hour"))
    monkeypatch.setattr(checkout, "CHECKOUTS_PER_USER", parse("100/hour"))
    maker, buyer, listing = bought
    listing.quantity = 50
    db.add(listing)
    ids = []
    for i in range(13):
        line = _delivered(db, maker, buyer, listing)
        ids.append(
            reviews.write_review(
                session=db, actor_id=buyer.id, line_id=line.id, rating=1 + i % 5
            ).id
        )
    first = reviews.list_reviews(session=db, viewer_id=None, listing_id=listing.id, limit=10)
    second = reviews.list_reviews(
        session=db, viewer_id=None, listing_id=listing.id, cursor=first.next_cursor, limit=10
    )
    assert [v.id for v in first.reviews + second.reviews] == list(reversed(ids))
    assert second.next_cursor == ""
    shop_page = reviews.list_reviews(session=db, viewer_id=None, shop_id=listing.shop_id)
    assert len(shop_page.reviews) == reviews.PAGE
    with pytest.raises(InvalidInput):
        reviews.list_reviews(session=db, viewer_id=None, listing_id=listing.id, cursor="x'")


def test_a_deleted_account_takes_its_reviews_and_marks_with_it(db, bought):
    from social_market.services import accounts

    maker, buyer, listing = bought
    line = _delivered(db, maker, buyer, listing)
    review = reviews.write_review(session=db, actor_id=buyer.id, line_id=line.id, rating=5)
    fan = make_user(db)
    reviews.set_helpful(session=db, actor_id=fan.id, review_id=review.id, on=True)
    accounts.delete_account(session=db, user_id=buyer.id, password=PASSWORD)
    db.refresh(listing)
    assert (listing.rating_count, listing.rating_sum) == (0, 0)
    assert db.get(Listing, listing.id).rating_count == 0
    assert db.exec(Review.__table__.select()).all() == []  # type: ignore[attr-defined]


def test_reviews_of_a_listing_or_shop_nobody_may_see_are_not_found(db, bought):
    maker, buyer, listing = bought
    assert reviews.visible_subject(db, None, listing_ref=f"{listing.id}-x") == (listing.id, None)
    slug = db.get(Shop, listing.shop_id).slug
    assert reviews.visible_subject(db, None, shop_slug=slug.upper()) == (
        None,
        listing.shop_id,
    )
    listing.state = "paused"
    db.add(listing)
    db.flush()
    with pytest.raises(NotFound):
        reviews.visible_subject(db, buyer.id, listing_ref=str(listing.id))
    assert reviews.visible_subject(db, maker.id, listing_ref=str(listing.id))[0] == listing.id
    for bad in ("999999", "x", None):
        with pytest.raises(NotFound):
            reviews.visible_subject(db, None, listing_ref=bad or "")
    with pytest.raises(NotFound):
        reviews.visible_subject(db, None, shop_slug=["no"])
