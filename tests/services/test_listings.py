"""Listings: the editor's rules, photos, the life cycle, the listing page's data."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlmodel import select

from social_market.models import CartItem, Listing, ListingPhoto
from social_market.services import favourites, listings, shops
from social_market.services.errors import InvalidInput, NotAllowed, NotFound
from social_market.settings import get_settings
from tests.factories import make_listing, make_user
from tests.services.test_profiles import _image
from tests.services.test_shops import shop_form


def listing_form(**overrides) -> dict:
    form = {
        "title": "Merino Scarf, hand-knitted",
        "description": "Soft and warm.\n\nWash by hand.",
        "price": "49.90",
        "quantity": "3",
        "materials": "Merino wool, wool ,  ",
        "tags": "#Scarf, winter, scarf",
        "category_id": "204",
        "language": "en",
    }
    form.update(overrides)
    return form


@pytest.fixture
def maker(db):
    user = make_user(db)
    shops.open_shop(session=db, owner_id=user.id, form=shop_form(slug=f"shop-{user.id}"))
    return user


def test_a_new_listing_is_a_normalised_draft(db, maker):
    listing = listings.create_listing(session=db, owner_id=maker.id, form=listing_form())
    assert listing.state == "draft"
    assert listing.price_cents == 4990
    assert listing.materials == "merino wool,wool"
    assert listing.tags == "scarf,winter"
    assert listing.slug == "merino-scarf-hand-knitted"
    assert listing.description == "Soft and warm.\n\nWash by hand."


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("price", "-5", "negative"),
        ("price", "0", "at least"),
        ("price", "1234567890", "amount"),
        ("price", "9999999", "at most"),
        ("price", "12.345", "amount"),
        ("price", None, "amount"),
        ("quantity", "-1", "between"),
        ("quantity", "100000", "between"),
        ("quantity", "two", "whole number"),
        ("description", "x" * 10 * 1024 * 1024, "at most 10000"),
        ("category_id", "99999", "category"),
        ("category_id", "abc", "category"),
        ("title", "", "title"),
        ("tags", ",".join(f"t{i}" for i in range(14)), "at most 13"),
        ("language", "fr", "language"),
    ],
)
def test_bad_listing_input_gets_a_clear_message_and_writes_nothing(
    db, maker, field, value, message
):
    before = db.exec(select(Listing)).all()
    with pytest.raises(InvalidInput, match=message) as err:
        listings.create_listing(session=db, owner_id=maker.id, form=listing_form(**{field: value}))
    assert err.value.field == field
    assert db.exec(select(Listing)).all() == before


def test_made_to_order_needs_a_lead_time_instead_of_stock(db, maker):
    with pytest.raises(InvalidInput, match="Days to make"):
        listings.create_listing(
            session=db, owner_id=maker.id, form=listing_form(made_to_order=True, quantity="")
        )
    listing = listings.create_listing(
        session=db,
        owner_id=maker.id,
        form=listing_form(made_to_order=True, quantity="", lead_time_days="14"),
    )
    assert (listing.quantity, listing.lead_time_days) == (0, 14)


def test_publishing_needs_a_photo_and_stock(db, maker):
    listing = listings.create_listing(session=db, owner_id=maker.id, form=listing_form())
    with pytest.raises(InvalidInput, match="photo"):
        listings.publish(session=db, owner_id=maker.id, listing_id=listing.id)
    listings.add_photo(session=db, owner_id=maker.id, listing_id=listing.id, data=_image())
    listings.publish(session=db, owner_id=maker.id, listing_id=listing.id)
    assert listing.state == "active" and listing.published_at is not None


def test_stock_reaching_zero_marks_sold_out_and_restocking_reactivates(db, maker):
    listing = listings.create_listing(session=db, owner_id=maker.id, form=listing_form())
    listings.add_photo(session=db, owner_id=maker.id, listing_id=listing.id, data=_image())
    listings.publish(session=db, owner_id=maker.id, listing_id=listing.id)
    listings.update_listing(
        session=db, owner_id=maker.id, listing_id=listing.id, form=listing_form(quantity="0")
    )
    assert listing.state == "sold_out"
    listings.update_listing(
        session=db, owner_id=maker.id, listing_id=listing.id, form=listing_form(quantity="2")
    )
    assert listing.state == "active"


def test_pause_and_soft_delete_keep_the_row_and_empty_carts(db, maker):
    listing = listings.create_listing(session=db, owner_id=maker.id, form=listing_form())
    listings.add_photo(session=db, owner_id=maker.id, listing_id=listing.id, data=_image())
    listings.publish(session=db, owner_id=maker.id, listing_id=listing.id)
    listings.pause(session=db, owner_id=maker.id, listing_id=listing.id)
    assert listing.state == "paused"
    buyer = make_user(db)
    db.add(CartItem(user_id=buyer.id, listing_id=listing.id, quantity=1))
    db.flush()
    listings.delete_listing(session=db, owner_id=maker.id, listing_id=listing.id)
    assert db.get(Listing, listing.id).state == "deleted"
    assert db.exec(select(CartItem).where(CartItem.listing_id == listing.id)).first() is None
    with pytest.raises(NotFound):
        listings.get_listing(session=db, listing_ref=listing.id, viewer_id=maker.id)


def test_nobody_edits_another_makers_listing(db, maker):
    listing = listings.create_listing(session=db, owner_id=maker.id, form=listing_form())
    other = make_user(db)
    shops.open_shop(session=db, owner_id=other.id, form=shop_form(slug="other-shop"))
    for call in (
        lambda: listings.update_listing(
            session=db, owner_id=other.id, listing_id=listing.id, form=listing_form(price="1")
        ),
        lambda: listings.publish(session=db, owner_id=other.id, listing_id=listing.id),
        lambda: listings.delete_listing(session=db, owner_id=other.id, listing_id=listing.id),
        lambda: listings.add_photo(
            session=db, owner_id=other.id, listing_id=listing.id, data=_image()
        ),
    ):
        with pytest.raises(NotAllowed):
            call()
    # someone without a shop at all
    with pytest.raises(NotAllowed):
        listings.update_listing(
            session=db, owner_id=make_user(db).id, listing_id=listing.id, form=listing_form()
        )
    assert db.get(Listing, listing.id).price_cents == 4990


def test_forged_listing_ids_are_not_found(db, maker):
    for forged in ("1; DROP TABLE listing", -1, 10**20, 2**40, None, 1.5, [1], True, 999_999):
        with pytest.raises(NotFound):
            listings.update_listing(
                session=db, owner_id=maker.id, listing_id=forged, form=listing_form()
            )


def test_photos_are_limited_ordered_and_described(db, maker):
    from PIL import Image

    listing = listings.create_listing(session=db, owner_id=maker.id, form=listing_form())
    ids = [
        listings.add_photo(
            session=db, owner_id=maker.id, listing_id=listing.id, data=_image(size=(1200, 900))
        ).id
        for _ in range(10)
    ]
    with pytest.raises(InvalidInput, match="at most 10 photos"):
        listings.add_photo(session=db, owner_id=maker.id, listing_id=listing.id, data=_image())
    first = db.get(ListingPhoto, ids[0])
    root = get_settings().upload_dir
    with Image.open(root / listings.photo_url(first.key, 400)) as grid:
        assert grid.size == (400, 400)
    with Image.open(root / listings.photo_url(first.key, 1000)) as page:
        assert page.size == (1000, 750)  # aspect ratio kept
    with Image.open(root / listings.photo_url(first.key, 2000)) as zoom:
        assert zoom.size == (1200, 900)  # never enlarged
    assert listing.cover_key == first.key and listing.cover_alt == listing.title

    listings.reorder_photos(
        session=db, owner_id=maker.id, listing_id=listing.id, photo_ids=list(reversed(ids))
    )
    assert listing.cover_key == db.get(ListingPhoto, ids[-1]).key
    with pytest.raises(InvalidInput):
        listings.reorder_photos(
            session=db, owner_id=maker.id, listing_id=listing.id, photo_ids=ids[:3]
        )
    listings.set_photo_alt(
        session=db, owner_id=maker.id, listing_id=listing.id, photo_id=ids[-1], alt="Blue scarf"
    )
    assert listing.cover_alt == "Blue scarf"
    listings.move_photo(
        session=db, owner_id=maker.id, listing_id=listing.id, photo_id=ids[-1], step=1
    )
    detail = listings.get_listing(session=db, listing_ref=listing.id, viewer_id=maker.id)
    assert [p.id for p in detail.photos][:2] == [ids[-2], ids[-1]]


def test_drafts_are_visible_only_to_their_maker(db, maker):
    listing = listings.create_listing(session=db, owner_id=maker.id, form=listing_form())
    preview = listings.get_listing(session=db, listing_ref=listing.id, viewer_id=maker.id)
    assert preview.is_owner and preview.state == "draft"
    for viewer in (None, make_user(db).id):
        with pytest.raises(NotFound):
            listings.get_listing(session=db, listing_ref=listing.id, viewer_id=viewer)


def test_listing_page_shows_shipping_to_the_viewer_and_more_from_the_shop(db, maker):
    shop = shops.shop_of_owner(db, maker.id)
    main = make_listing(db, shop=shop, title="Main piece")
    others = [make_listing(db, shop=shop) for _ in range(8)]
    make_listing(db, shop=shop, state="paused")
    detail = listings.get_listing(
        session=db,
        listing_ref=f"{main.id}-main-piece",
        viewer_id=None,
        destination="FR",
        locale="de_DE",
    )
    assert detail.shipping == "9,90\xa0€" and detail.ships_to_destination
    assert len(detail.more_from_shop) == listings.MORE_FROM_SHOP
    assert {c.id for c in detail.more_from_shop} <= {o.id for o in others}
    far = listings.get_listing(session=db, listing_ref=main.id, viewer_id=None, destination="US")
    assert not far.ships_to_destination and far.shipping == ""


def test_listing_page_data_takes_a_fixed_number_of_queries(db, maker, engine):
    shop = shops.shop_of_owner(db, maker.id)
    main = make_listing(db, shop=shop)
    for _ in range(10):
        make_listing(db, shop=shop)
    viewer = make_user(db)
    favourites.set_listing_favourite(session=db, user_id=viewer.id, listing_id=main.id, on=True)
    statements: list[str] = []
    conn = db.connection()

    def count(*_args):
        statements.append(_args[2])

    event.listen(conn, "before_cursor_execute", count)
    try:
        listings.get_listing(session=db, listing_ref=main.id, viewer_id=viewer.id)
    finally:
        event.remove(conn, "before_cursor_execute", count)
    assert len(statements) <= 5, statements


def test_description_is_kept_as_plain_text(db, maker):
    listing = listings.create_listing(
        session=db,
        owner_id=maker.id,
        form=listing_form(description="<script>alert(1)</script>\nline two"),
    )
    # Stored as typed; pages render it as text (never as HTML).
    assert listing.description == "<script>alert(1)</script>\nline two"
