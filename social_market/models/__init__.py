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
from social_market.models.messaging import Conversation, ConversationMember, Message
from social_market.models.moderation import ModerationAction, Report
from social_market.models.notification import Notification, NotificationOff
from social_market.models.social import (
    Activity,
    Block,
    Comment,
    Follow,
    Like,
    Mute,
    Post,
    PostListing,
    PostPhoto,
    SharedPurchase,
)
from social_market.models.trust import (
    NotInterested,
    Recommendation,
    RecommendationDirty,
    RecommendationRun,
    Review,
    ReviewHelpful,
    ReviewPhoto,
    TasteNeighbour,
)
from social_market.models.user import ProfilePublic, User

__all__ = [
    "Activity",
    "AuthSession",
    "Block",
    "CartItem",
    "Comment",
    "Conversation",
    "ConversationMember",
    "DataExport",
    "ExternalIdentity",
    "FavouriteListing",
    "FavouriteShop",
    "Follow",
    "Like",
    "Listing",
    "ListingPhoto",
    "Message",
    "ModerationAction",
    "Mute",
    "NotInterested",
    "Notification",
    "NotificationOff",
    "OidcFlow",
    "OidcSignup",
    "OneTimeToken",
    "Order",
    "OrderLine",
    "Post",
    "PostListing",
    "PostPhoto",
    "ProfilePublic",
    "Recommendation",
    "RecommendationDirty",
    "RecommendationRun",
    "Report",
    "Review",
    "ReviewHelpful",
    "ReviewPhoto",
    "SharedPurchase",
    "ShippingRate",
    "Shop",
    "TasteNeighbour",
    "User",
    "utcnow",
]
