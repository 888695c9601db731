"""All tables, imported together so metadata (and Alembic) sees every one."""

from social_market.models.auth import AuthSession, OneTimeToken
from social_market.models.base import utcnow
from social_market.models.export import DataExport
from social_market.models.identity import ExternalIdentity, OidcFlow, OidcSignup
from social_market.models.market import (
    CartItem,
    FavouriteListing,
    FavouriteShop,
    Listing,
    ListingPhoto,
    Order,
    OrderLine,
    ShippingRate,
    Shop,
)
from social_market.models.moderation import ModerationAction, Report
from social_market.models.social import Block, Follow
from social_market.models.user import ProfilePublic, User

__all__ = [
    "AuthSession",
    "Block",
    "CartItem",
    "DataExport",
    "ExternalIdentity",
    "FavouriteListing",
    "FavouriteShop",
    "Follow",
    "Listing",
    "ListingPhoto",
    "ModerationAction",
    "OidcFlow",
    "OidcSignup",
    "OneTimeToken",
    "Order",
    "OrderLine",
    "ProfilePublic",
    "Report",
    "ShippingRate",
    "Shop",
    "User",
    "utcnow",
]
