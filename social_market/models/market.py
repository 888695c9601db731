"""The marketplace: shops, listings and their photos, favourites, carts, orders.

Money is always an integer number of minor units (cents) with a currency code;
never a float. Orders keep a snapshot of what was bought (title, unit price, shop
name, payment details) so later edits or deletions never change a past order.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from social_market.models.base import utcnow

# Listing states. draft → active → sold_out (automatic at 0 stock) / paused → deleted.
# hidden: taken down by moderators (the listing, its shop, or its maker's account); the
# maker's own state waits in ``state_before_hidden`` and comes back when it is lifted.
# Being a state of its own, everything that shows or sells "active" listings (search and
# its indexes, grids, carts, checkout) leaves hidden listings out without a new filter.
DRAFT, ACTIVE, SOLD_OUT, PAUSED, DELETED = "draft", "active", "sold_out", "paused", "deleted"
HIDDEN = "hidden"
LISTING_STATES = (DRAFT, ACTIVE, SOLD_OUT, PAUSED, DELETED, HIDDEN)

# Order states. placed → paid → shipped → delivered; cancelled only before shipping.
PLACED, PAID, SHIPPED, DELIVERED, CANCELLED = "placed", "paid", "shipped", "delivered", "cancelled"
ORDER_STATES = (PLACED, PAID, SHIPPED, DELIVERED, CANCELLED)

# Shipping zones, seen from the shop: its own country, the rest of the EU, the world.
ZONE_DOMESTIC, ZONE_EU, ZONE_WORLD = "domestic", "eu", "world"
SHIPPING_ZONES = (ZONE_DOMESTIC, ZONE_EU, ZONE_WORLD)


class Shop(SQLModel, table=True):
    """A maker's shop; one per person. Closing a shop sets ``closed_at`` (orders stay)."""

    __tablename__ = "shop"

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="user_account.id", unique=True)
    # Lower-case, unique: the /shop/<slug> address.
    slug: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=60)
    about: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    city: str = Field(default="", max_length=80)
    # ISO 3166-1 alpha-2, upper case.
    country: str = Field(default="DE", max_length=2)
    banner_key: str | None = Field(default=None, max_length=64)
    logo_key: str | None = Field(default=None, max_length=64)
    shipping_policy: str = Field(default="", max_length=2000)
    returns_policy: str = Field(default="", max_length=2000)
    # Bank details shown to buyers on their bank-transfer orders (copied into each order).
    payment_details: str = Field(default="", max_length=500)
    accepts_bank_transfer: bool = True
    accepts_pickup: bool = False
    currency: str = Field(default="EUR", max_length=3)
    favourite_count: int = 0
    # Reviews of all its listings (kept by services/reviews.py): the shop's rating.
    rating_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    rating_sum: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Post "new piece" to followers automatically when a listing is first published.
    announce_new_pieces: bool = Field(default=True, sa_column_kwargs={"server_default": "1"})
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None
    # Hidden by moderators: the shop page and all its listings are gone for everyone.
    hidden_at: datetime | None = None


class ShippingRate(SQLModel, table=True):
    """What a shop charges to ship to one zone: the first item, and each further item.

    No rate for a zone means the shop does not ship there.
    """

    __tablename__ = "shipping_rate"
    __table_args__ = (UniqueConstraint("shop_id", "zone"),)

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shop.id")
    zone: str = Field(max_length=10)
    first_item_cents: int = 0
    additional_item_cents: int = 0


class Listing(SQLModel, table=True):
    """Something a maker sells. Deleting is soft: orders keep pointing at it."""

    __tablename__ = "listing"
    __table_args__ = (
        # A shop's listings in a state, newest first ("more from this shop", shop page).
        Index(
            "ix_listing_shop_id_state_created_at_id",
            "shop_id",
            "state",
            "created_at",
            "id",
        ),
        # Home page: most favourited, and newest, active listings.
        Index("ix_listing_state_favourite_count_id", "state", "favourite_count", "id"),
        Index("ix_listing_state_created_at_id", "state", "created_at", "id"),
        # Last line of defence against overselling and free-money bugs.
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        CheckConstraint("price_cents > 0", name="price_positive"),
    )

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shop.id")
    title: str = Field(max_length=140)
    # From the title, for readable addresses: /listing/<id>-<slug>.
    slug: str = Field(max_length=80)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    price_cents: int
    currency: str = Field(default="EUR", max_length=3)
    quantity: int = 0
    made_to_order: bool = False
    lead_time_days: int | None = None
    # Normalised, comma-separated lists (lower case, trimmed, no duplicates).
    materials: str = Field(default="", max_length=500)
    tags: str = Field(default="", max_length=500)
    category_id: int
    state: str = Field(default=DRAFT, max_length=10)
    # The language the maker wrote the listing in (never machine-translated).
    language: str = Field(default="en", max_length=5)
    # Copied from the shop, so that search can match and filter on them in one table.
    shop_name: str = Field(default="", max_length=60)
    shop_country: str = Field(default="", max_length=2)
    # The first photo's key and alt text, copied here so grids need no second query.
    cover_key: str | None = Field(default=None, max_length=64)
    cover_alt: str = Field(default="", max_length=200)
    view_count: int = 0
    favourite_count: int = 0
    # Visible reviews: count and sum of stars (kept by services/reviews.py).
    rating_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    rating_sum: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Curated lists it is saved in: "saved to 12 lists" (kept by services/lists.py).
    list_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    published_at: datetime | None = None
    deleted_at: datetime | None = None
    # Moderators hid this listing itself (it may also be hidden through its shop or maker).
    hidden_at: datetime | None = None
    # The maker's state while the listing is hidden (restored when nothing hides it).
    state_before_hidden: str | None = Field(default=None, max_length=10)


class ListingPhoto(SQLModel, table=True):
    """One photo of a listing; files are listings/<key>_<size>.webp."""

    __tablename__ = "listing_photo"
    __table_args__ = (Index("ix_listing_photo_listing_id_position", "listing_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    listing_id: int = Field(foreign_key="listing.id")
    position: int = 0
    key: str = Field(max_length=64)
    # Written by the maker; defaults to the listing title.
    alt: str = Field(default="", max_length=200)
    width: int = 0
    height: int = 0


class FavouriteListing(SQLModel, table=True):
    __tablename__ = "favourite_listing"
    __table_args__ = (Index("ix_favourite_listing_listing_id", "listing_id"),)

    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    listing_id: int = Field(foreign_key="listing.id", primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)


class FavouriteShop(SQLModel, table=True):
    __tablename__ = "favourite_shop"
    __table_args__ = (Index("ix_favourite_shop_shop_id", "shop_id"),)

    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    shop_id: int = Field(foreign_key="shop.id", primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)


class CartItem(SQLModel, table=True):
    """A line in a signed-in person's cart: only ids and a quantity, never a price."""

    __tablename__ = "cart_item"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    listing_id: int = Field(foreign_key="listing.id", primary_key=True)
    quantity: int = 1
    added_at: datetime = Field(default_factory=utcnow)
    # Where the buyer found it ('share' or 'list' and its id): rewards the curator when
    # it is bought. Empty when they came on their own.
    via_kind: str = Field(default="", max_length=8, sa_column_kwargs={"server_default": ""})
    via_id: int | None = None


class Order(SQLModel, table=True):
    """One shop's part of a checkout. Only its buyer and the shop's owner may see it."""

    __tablename__ = "shop_order"
    __table_args__ = (
        Index("ix_shop_order_buyer_id_placed_at_id", "buyer_id", "placed_at", "id"),
        Index("ix_shop_order_shop_id_placed_at_id", "shop_id", "placed_at", "id"),
        Index("ix_shop_order_shop_id_status", "shop_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # What the buyer quotes on a bank transfer, e.g. SM-7K2P9QXD.
    reference: str = Field(max_length=20, unique=True)
    # Orders placed together in one checkout share this.
    checkout_id: str = Field(max_length=32, index=True)
    buyer_id: int = Field(foreign_key="user_account.id")
    shop_id: int = Field(foreign_key="shop.id")
    status: str = Field(default=PLACED, max_length=12)
    payment_method: str = Field(max_length=20)
    currency: str = Field(default="EUR", max_length=3)
    items_cents: int
    shipping_cents: int
    total_cents: int
    # Taken off by a reward voucher (already subtracted from total_cents).
    discount_cents: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    ship_name: str = Field(default="", max_length=100)
    ship_line1: str = Field(default="", max_length=120)
    ship_line2: str = Field(default="", max_length=120)
    ship_postcode: str = Field(default="", max_length=20)
    ship_city: str = Field(default="", max_length=80)
    ship_country: str = Field(default="", max_length=2)
    # Snapshots taken at checkout.
    shop_name: str = Field(max_length=60)
    payment_details: str = Field(default="", max_length=500)
    tracking_number: str = Field(default="", max_length=100)
    cancel_reason: str = Field(default="", max_length=500)
    placed_at: datetime = Field(default_factory=utcnow)
    paid_at: datetime | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    cancelled_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class OrderLine(SQLModel, table=True):
    """One item of an order, as it was when bought."""

    __tablename__ = "order_line"

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="shop_order.id", index=True)
    listing_id: int | None = Field(default=None, foreign_key="listing.id", index=True)
    title: str = Field(max_length=140)
    photo_key: str | None = Field(default=None, max_length=64)
    unit_price_cents: int
    quantity: int
    line_total_cents: int
    made_to_order: bool = False
    lead_time_days: int | None = None
    # Bought through a wish's reserved purchase, a group order or a flash offer:
    # ('wish' | 'group' | 'offer', its id); '' for a normal checkout.
    source_kind: str = Field(default="", max_length=8, sa_column_kwargs={"server_default": ""})
    source_id: int | None = None
    # Copied from the cart line: the shared purchase or list that led to it.
    via_kind: str = Field(default="", max_length=8, sa_column_kwargs={"server_default": ""})
    via_id: int | None = None


class ListingCard(BaseModel):
    """A listing as grids and search results show it: safe for client-visible state."""

    id: int
    url: str  # /listing/<id>-<slug>
    title: str
    price: str  # formatted for the viewer's locale, e.g. "24,50 €"
    price_cents: int
    currency: str
    photo_url: str  # grid thumbnail below the upload URL; '' when there is no photo
    photo_alt: str
    shop_name: str
    state: str
    made_to_order: bool
    in_stock: bool
    rating_avg: float = 0.0  # from rating_count reviews
    rating_count: int = 0
    # "Someone you follow reviewed / bought / favourited this" (services/trust.py):
    # the kind, one name, and how many others; '' when nobody the viewer follows did.
    network_kind: str = ""
    network_name: str = ""
    network_others: int = 0
