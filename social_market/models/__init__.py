"""All tables, imported together so metadata (and Alembic) sees every one."""

from social_market.models.auth import AuthSession, OneTimeToken
from social_market.models.base import utcnow
from social_market.models.export import DataExport
from social_market.models.group_orders import GroupOrder, GroupOrderMember, GroupPriceTier
from social_market.models.holds import StockHold
from social_market.models.identity import ExternalIdentity, OidcFlow, OidcSignup
from social_market.models.listening import ListeningItem
from social_market.models.lists import CuratedList, CuratedListItem, ListFollow
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
from social_market.models.offers import FlashOffer, FlashOfferPurchase
from social_market.models.rewards import Invitation, PointEntry, RewardVoucher, VoucherClaim
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
from social_market.models.teams import ForumPost, ForumThread, Team, TeamMember
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
from social_market.models.wishes import Wish, WishPledge, WishVote

__all__ = [
    "Activity",
    "AuthSession",
    "Block",
    "CartItem",
    "Comment",
    "Conversation",
    "ConversationMember",
    "CuratedList",
    "CuratedListItem",
    "DataExport",
    "ExternalIdentity",
    "FavouriteListing",
    "FavouriteShop",
    "FlashOffer",
    "FlashOfferPurchase",
    "Follow",
    "ForumPost",
    "ForumThread",
    "GroupOrder",
    "GroupOrderMember",
    "GroupPriceTier",
    "Invitation",
    "Like",
    "ListFollow",
    "ListeningItem",
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
    "PointEntry",
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
    "RewardVoucher",
    "SharedPurchase",
    "ShippingRate",
    "Shop",
    "StockHold",
    "TasteNeighbour",
    "Team",
    "TeamMember",
    "User",
    "VoucherClaim",
    "Wish",
    "WishPledge",
    "WishVote",
    "utcnow",
]
