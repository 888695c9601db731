"""'Download my data': a complete ZIP, only for its owner, for a limited time."""

from __future__ import annotations

import json
import zipfile
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlmodel import select

from social_market.models import CartItem, DataExport, utcnow
from social_market.services import accounts, checkout, data_export, favourites, listings, shops
from social_market.services.errors import NotFound, RateLimited
from tests.factories import PASSWORD, make_listing, make_user
from tests.services.test_profiles import _image
from tests.services.test_shops import shop_form


def _scope(db):
    @contextmanager
    def scope():
        yield db
        db.flush()

    return scope


@pytest.fixture
def active_person(db):
    """Someone with a profile photo, a shop with a listing and photos, an order bought,
    an order sold, hearts and a cart."""
    from social_market.services import profiles

    me = make_user(db, handle="exporter", display_name="Ex Porter", bio="I make things.")
    profiles.set_avatar(session=db, user_id=me.id, data=_image())
    shops.open_shop(session=db, owner_id=me.id, form=shop_form(slug="exporter-shop"))
    mine = listings.create_listing(
        session=db,
        owner_id=me.id,
        form={"title": "Export jug", "price": "30", "quantity": "5", "category_id": "301"},
    )
    for _ in range(2):
        listings.add_photo(session=db, owner_id=me.id, listing_id=mine.id, data=_image())
    listings.publish(session=db, owner_id=me.id, listing_id=mine.id)
    other = make_listing(db, title="Someone else's cup")
    address = {
        "name": "Ex",
        "line1": "Weg 2",
        "postcode": "10115",
        "city": "Berlin",
        "country": "DE",
    }
    db.add(CartItem(user_id=me.id, listing_id=other.id, quantity=1))
    db.flush()
    checkout.place_order(
        session=db, buyer_id=me.id, address=address, payment_method="bank_transfer"
    )
    buyer = make_user(db)
    db.add(CartItem(user_id=buyer.id, listing_id=mine.id, quantity=2))
    db.flush()
    checkout.place_order(
        session=db,
        buyer_id=buyer.id,
        address={**address, "name": "Private Buyer", "line1": "Secret 9"},
        payment_method="bank_transfer",
    )
    favourites.set_listing_favourite(session=db, user_id=me.id, listing_id=other.id, on=True)
    db.add(CartItem(user_id=me.id, listing_id=other.id, quantity=1))
    db.flush()
    return me


def test_the_zip_holds_profile_shop_listings_orders_hearts_and_photos(db, active_person):
    export = data_export.request_export(session=db, user_id=active_person.id)
    seen: list[int] = []
    data_export.build_export(export_id=export.id, progress=seen.append, scope=_scope(db))
    db.refresh(export)
    assert export.status == "ready" and export.progress == 100 and seen[-1] == 100
    assert export.expires_at is not None
    path, owner = data_export.export_file_for(
        session=db, user_id=active_person.id, public_id=export.public_id
    )
    assert owner.id == active_person.id
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        profile = json.loads(z.read("profile.json"))
        shop = json.loads(z.read("shop.json"))
        items = json.loads(z.read("listings.json"))
        orders = json.loads(z.read("orders.json"))
        hearts = json.loads(z.read("favourites.json"))
    assert profile["email"] == "exporter@example.com" and profile["bio"] == "I make things."
    assert shop["payment_details"].startswith("Lena Weber")
    assert items[0]["title"] == "Export jug" and len(items[0]["photos"]) == 2
    assert {"photos/avatar.webp", f"photos/listings/{items[0]['id']}-1.webp"} <= names
    assert [o["lines"][0]["title"] for o in orders["bought"]] == ["Someone else's cup"]
    assert orders["bought"][0]["shipping_address"]["line1"] == "Weg 2"
    assert orders["sold"][0]["lines"][0]["quantity"] == 2
    # A buyer's address is theirs, not the maker's to download.
    assert "Secret 9" not in json.dumps(orders) and "shipping_address" not in orders["sold"][0]
    assert [h["title"] for h in hearts["listings"]] == ["Someone else's cup"]
    assert "README.txt" in names


def test_only_the_owner_gets_the_file_and_only_until_it_expires(db, active_person):
    export = data_export.request_export(session=db, user_id=active_person.id)
    data_export.build_export(export_id=export.id, scope=_scope(db))
    stranger = make_user(db)
    with pytest.raises(NotFound):
        data_export.export_file_for(session=db, user_id=stranger.id, public_id=export.public_id)
    for forged in ("", "x" * 200, None, 7):
        with pytest.raises(NotFound):
            data_export.export_file_for(session=db, user_id=active_person.id, public_id=forged)
    db.refresh(export)
    export.expires_at = utcnow() - timedelta(minutes=1)
    db.add(export)
    db.flush()
    with pytest.raises(NotFound):
        data_export.export_file_for(
            session=db, user_id=active_person.id, public_id=export.public_id
        )
    assert data_export.status(session=db, user_id=active_person.id) is None
    assert data_export.purge_expired(session=db) >= 1


def test_asking_twice_while_building_returns_the_same_export_and_is_rate_limited(db):
    me = make_user(db)
    first = data_export.request_export(session=db, user_id=me.id)
    assert data_export.request_export(session=db, user_id=me.id).id == first.id
    first.status = "ready"
    db.add(first)
    db.flush()
    for _ in range(4):
        latest = data_export.request_export(session=db, user_id=me.id)
        latest.status = "ready"
        db.add(latest)
        db.flush()
    with pytest.raises(RateLimited):
        data_export.request_export(session=db, user_id=me.id)


def test_deleting_the_account_deletes_its_exports(db, active_person):
    export = data_export.request_export(session=db, user_id=active_person.id)
    data_export.build_export(export_id=export.id, scope=_scope(db))
    accounts.delete_account(session=db, user_id=active_person.id, password=PASSWORD)
    assert db.exec(select(DataExport).where(DataExport.user_id == active_person.id)).all() == []
