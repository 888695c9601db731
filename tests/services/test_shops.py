"""Opening and editing shops, their images and shipping rates."""

from __future__ import annotations

import pytest
from sqlmodel import select

from social_market.models import Listing, ShippingRate, Shop
from social_market.services import shops
from social_market.services.errors import InvalidInput, NotAllowed, NotFound
from social_market.settings import get_settings
from tests.factories import make_listing, make_user
from tests.services.test_profiles import _image


def shop_form(**overrides) -> dict:
    form = {
        "name": "Linen & Loom",
        "slug": "linen-loom",
        "about": "Woven slowly in Leipzig.",
        "city": "Leipzig",
        "country": "DE",
        "payment_details": "Lena Weber, IBAN DE02 1203 0000 0000 2020 51",
        "accepts_bank_transfer": True,
        "domestic_first": "4.90",
        "domestic_additional": "1,00",
        "eu_first": "9.90",
        "eu_additional": "",
    }
    form.update(overrides)
    return form


def test_anyone_signed_in_can_open_a_shop_with_rates_per_destination(db):
    maker = make_user(db)
    shop = shops.open_shop(session=db, owner_id=maker.id, form=shop_form())
    assert shop.slug == "linen-loom" and shop.country == "DE"
    rates = {
        r.zone: r for r in db.exec(select(ShippingRate).where(ShippingRate.shop_id == shop.id))
    }
    assert (rates["domestic"].first_item_cents, rates["domestic"].additional_item_cents) == (
        490,
        100,
    )
    assert (rates["eu"].first_item_cents, rates["eu"].additional_item_cents) == (990, 0)
    assert "world" not in rates  # no rate: does not ship there

    public = shops.get_shop(session=db, slug="Linen-Loom", locale="de_DE")
    assert public.name == "Linen & Loom" and public.country_name == "Deutschland"
    assert [r.zone for r in public.rates] == ["domestic", "eu"]
    assert public.rates[0].first_item == "4,90\xa0€"
    assert "IBAN" not in public.model_dump_json()  # payment details are not public


def test_a_person_has_at_most_one_shop(db):
    maker = make_user(db)
    shops.open_shop(session=db, owner_id=maker.id, form=shop_form())
    with pytest.raises(InvalidInput, match="already have a shop"):
        shops.open_shop(session=db, owner_id=maker.id, form=shop_form(slug="second"))


def test_shop_addresses_are_unique_and_well_formed(db):
    shops.open_shop(session=db, owner_id=make_user(db).id, form=shop_form())
    with pytest.raises(InvalidInput, match="taken"):
        shops.open_shop(session=db, owner_id=make_user(db).id, form=shop_form(slug="LINEN-LOOM"))
    for bad in ("ab", "-abc", "a b c", "abc--def", "x" * 41, "über", "admin", 7, None):
        with pytest.raises(InvalidInput) as err:
            shops.check_slug(bad)
        assert err.value.field == "slug"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "name"),
        ("country", "XX", "country"),
        ("domestic_first", "-1", "negative"),
        ("domestic_first", "abc", "amount"),
        ("domestic_first", "100000", "at most"),
        ("payment_details", "", "bank details"),
        ("about", "x" * 6000, "at most 5000"),
    ],
)
def test_bad_shop_input_gets_a_clear_message_and_writes_nothing(db, field, value, message):
    maker = make_user(db)
    with pytest.raises(InvalidInput, match=message) as err:
        shops.open_shop(session=db, owner_id=maker.id, form=shop_form(**{field: value}))
    assert err.value.field == field
    assert db.exec(select(Shop).where(Shop.owner_id == maker.id)).first() is None


def test_a_shop_needs_a_way_to_pay_and_a_way_to_get_the_goods(db):
    maker = make_user(db)
    with pytest.raises(InvalidInput, match="way buyers can pay"):
        shops.open_shop(
            session=db,
            owner_id=maker.id,
            form=shop_form(accepts_bank_transfer=False, accepts_pickup=False),
        )
    with pytest.raises(InvalidInput, match="at least one destination"):
        shops.open_shop(
            session=db,
            owner_id=maker.id,
            form=shop_form(domestic_first="", domestic_additional="", eu_first=""),
        )
    # pickup only: no rates needed, no bank details needed
    shop = shops.open_shop(
        session=db,
        owner_id=maker.id,
        form=shop_form(
            accepts_bank_transfer=False,
            accepts_pickup=True,
            payment_details="",
            domestic_first="",
            domestic_additional="",
            eu_first="",
        ),
    )
    assert shop.accepts_pickup


def test_renaming_a_shop_updates_the_copies_search_uses(db):
    maker = make_user(db)
    shop = shops.open_shop(session=db, owner_id=maker.id, form=shop_form())
    listing = make_listing(db, shop=shop)
    shops.update_shop(
        session=db, owner_id=maker.id, form=shop_form(name="Loom Studio", country="AT")
    )
    db.refresh(listing)
    assert (listing.shop_name, listing.shop_country) == ("Loom Studio", "AT")
    assert shop.slug == "linen-loom"  # the address never changes


def test_only_the_owner_edits_a_shop(db):
    maker, other = make_user(db), make_user(db)
    shops.open_shop(session=db, owner_id=maker.id, form=shop_form())
    with pytest.raises(NotAllowed):
        shops.update_shop(session=db, owner_id=other.id, form=shop_form(name="Hijacked"))
    with pytest.raises(NotAllowed):
        shops.set_logo(session=db, owner_id=other.id, data=_image())
    assert shops.get_shop(session=db, slug="linen-loom").name == "Linen & Loom"


def test_forged_owner_ids_are_refused(db):
    for forged in (None, "1", -1, 10**20, 2**40, [1], 1.5):
        with pytest.raises((NotAllowed, NotFound, InvalidInput)):
            shops.open_shop(session=db, owner_id=forged, form=shop_form())


def test_logo_and_banner_are_reencoded_at_fixed_sizes(db):
    from PIL import Image

    maker = make_user(db)
    shops.open_shop(session=db, owner_id=maker.id, form=shop_form())
    shop = shops.set_banner(session=db, owner_id=maker.id, data=_image(size=(2400, 1800)))
    shop = shops.set_logo(session=db, owner_id=maker.id, data=_image(fmt="JPEG", exif=True))
    root = get_settings().upload_dir
    with Image.open(root / shops.banner_url(shop.banner_key, 1600)) as banner:
        assert banner.size == (1600, 400) and banner.format == "WEBP"
    with Image.open(root / shops.logo_url(shop.logo_key, 400)) as logo:
        assert logo.size == (400, 400) and not logo.getexif()
    with pytest.raises(InvalidInput):
        shops.set_logo(session=db, owner_id=maker.id, data=b"<svg onload=alert(1)>")


def test_closing_a_shop_hides_it_and_pauses_its_listings(db):
    maker = make_user(db)
    shop = shops.open_shop(session=db, owner_id=maker.id, form=shop_form())
    listing = make_listing(db, shop=shop)
    shops.close_shop(session=db, owner_id=maker.id)
    db.refresh(listing)
    assert listing.state == "paused"
    with pytest.raises(NotFound):
        shops.get_shop(session=db, slug="linen-loom")
    assert (
        db.exec(
            select(Listing).where(Listing.state == "active", Listing.shop_id == shop.id)
        ).first()
        is None
    )


def test_shipping_cost_depends_on_the_destination_zone_and_item_count(db):
    shop = shops.open_shop(
        session=db,
        owner_id=make_user(db).id,
        form=shop_form(world_first="19.90", world_additional="5"),
    )
    rates = list(db.exec(select(ShippingRate).where(ShippingRate.shop_id == shop.id)))
    assert shops.shipping_for(rates, "DE", "DE", items=3) == 490 + 2 * 100
    assert shops.shipping_for(rates, "DE", "FR", items=1) == 990
    assert shops.shipping_for(rates, "DE", "US", items=2) == 1990 + 500
    assert shops.shipping_for(rates, "DE", None) is None


def test_deleting_an_account_closes_its_shop_and_forgets_its_hearts_and_cart(db):
    from social_market.models import CartItem, FavouriteListing
    from social_market.services import accounts, favourites
    from tests.factories import PASSWORD

    maker = make_user(db)
    shop = shops.open_shop(session=db, owner_id=maker.id, form=shop_form())
    mine = make_listing(db, shop=shop)
    other = make_listing(db)
    favourites.set_listing_favourite(session=db, user_id=maker.id, listing_id=other.id, on=True)
    db.add(CartItem(user_id=maker.id, listing_id=other.id, quantity=1))
    db.flush()
    accounts.delete_account(session=db, user_id=maker.id, password=PASSWORD)
    db.refresh(shop)
    db.refresh(mine)
    db.refresh(other)
    assert shop.closed_at is not None and shop.payment_details == "" and shop.about == ""
    assert mine.state == "deleted"
    assert other.favourite_count == 0
    assert (
        db.exec(select(FavouriteListing).where(FavouriteListing.user_id == maker.id)).first()
        is None
    )
    assert db.exec(select(CartItem).where(CartItem.user_id == maker.id)).first() is None
    with pytest.raises(NotFound):
        shops.get_shop(session=db, slug="linen-loom")
