"""The Reflex app: theme, pages and the HTTP routes beside them. Wiring only."""

from __future__ import annotations

import reflex as rx
from fastapi import FastAPI

from social_market import jobs, urls
from social_market.api import (
    auth_routes,
    export_routes,
    feed_routes,
    oidc_routes,
    share_routes,
)
from social_market.api.middleware import SecurityMiddleware
from social_market.i18n.catalog import LANGUAGES, write_catalog_assets
from social_market.migrations import require_current_schema
from social_market.pages import (
    auth_pages,
    group_order_pages,
    list_pages,
    listening_pages,
    market_pages,
    message_pages,
    moderation_pages,
    notification_pages,
    offer_pages,
    order_pages,
    people_pages,
    reward_pages,
    search_pages,
    sell_pages,
    settings_pages,
    social_pages,
    team_pages,
    wish_pages,
)
from social_market.settings import PROJECT_ROOT
from social_market.state.account import ConfirmState
from social_market.state.auth import AuthState
from social_market.state.group_orders import BuyTogetherState, GroupOrderState, GroupTiersState
from social_market.state.listening import ListeningState
from social_market.state.lists import (
    ListPageState,
    MyListsState,
    PersonListsState,
    SaveToListState,
)
from social_market.state.live import run_live
from social_market.state.market import FavouritesState, ListingPageState, ShopPageState
from social_market.state.messages import ConversationState, InboxState
from social_market.state.moderation import ModerationState
from social_market.state.notifications import NotificationSettingsState, NotificationsState
from social_market.state.offers import NewOfferState, OffersState
from social_market.state.oidc import ProviderButtonsState, ProviderSignUpState
from social_market.state.orders import (
    CartState,
    CheckoutState,
    OrdersState,
    OrderState,
    SellerDashboardState,
    SellerOrdersState,
)
from social_market.state.people import (
    FollowListState,
    HomeState,
    PeopleSearchState,
    ProfileState,
)
from social_market.state.recommendations import RecommendationsState
from social_market.state.reviews import ReviewsState
from social_market.state.rewards import (
    JoinState,
    ProfileBadgeState,
    RewardsState,
    SellVouchersState,
    ShopVouchersState,
)
from social_market.state.search import SearchState
from social_market.state.sell import ListingEditorState, ShopEditorState
from social_market.state.settings import (
    BlockedPeopleState,
    DataExportState,
    ProfileSettingsState,
    SecurityState,
)
from social_market.state.social import (
    CommentsState,
    FeedState,
    ItemPageState,
    PostComposerState,
    PrivacySettingsState,
    ProfileActivityState,
    ShopPostsState,
)
from social_market.state.teams import (
    TeamManageState,
    TeamPageState,
    TeamsDirectoryState,
    ThreadState,
)
from social_market.state.wishes import (
    MakerWishesState,
    ReservedState,
    ShopWishesState,
    WishPageState,
)

api = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
api.include_router(auth_routes.router)
api.include_router(oidc_routes.router)
api.include_router(share_routes.router)
api.include_router(feed_routes.router)
api.include_router(export_routes.router)


@api.get("/api/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


# The catalogues reach the browser as static scripts, cached and loaded once.
write_catalog_assets(PROJECT_ROOT / "assets")

app = rx.App(
    stylesheets=["/styles.css"],
    api_transformer=[api, SecurityMiddleware],
    head_components=[
        *(rx.el.script(src=f"/i18n/{lang}.js") for lang in LANGUAGES),
        rx.el.script(src="/app.js"),
        rx.el.meta(name="description", content="Social Market: handmade goods and their makers."),
    ],
)
app.register_lifespan_task(require_current_schema)
app.register_lifespan_task(jobs.refresh_search_terms_daily)
app.register_lifespan_task(jobs.send_notification_digests_daily)
app.register_lifespan_task(jobs.email_unread_messages_regularly)
app.register_lifespan_task(jobs.compute_recommendations_regularly)
app.register_lifespan_task(jobs.sweep_expiries_regularly)
app.register_lifespan_task(run_live)

load = AuthState.load_session
app.add_page(
    people_pages.home_page,
    route=urls.HOME,
    title="Social Market",
    on_load=[HomeState.load, RecommendationsState.load],
)
app.add_page(
    auth_pages.signin_page,
    route=urls.SIGN_IN,
    title="Sign in · Social Market",
    on_load=ProviderButtonsState.load,
)
app.add_page(
    auth_pages.signup_page,
    route=urls.SIGN_UP,
    title="Join · Social Market",
    on_load=ProviderButtonsState.load,
)
app.add_page(
    auth_pages.provider_signup_page,
    route=urls.SIGN_UP_PROVIDER,
    title="Join · Social Market",
    on_load=ProviderSignUpState.load,
)
app.add_page(
    auth_pages.reset_request_page,
    route=urls.RESET,
    title="Reset password · Social Market",
    on_load=load,
)
app.add_page(
    auth_pages.reset_page,
    route=urls.RESET_WITH_TOKEN,
    title="Choose a new password · Social Market",
    on_load=load,
)
app.add_page(
    auth_pages.confirm_page,
    route=urls.CONFIRM,
    title="Confirm email · Social Market",
    on_load=ConfirmState.confirm,
)
app.add_page(
    settings_pages.profile_settings_page,
    route=urls.SETTINGS,
    title="Settings · Social Market",
    on_load=ProfileSettingsState.load,
)
app.add_page(
    settings_pages.security_settings_page,
    route=urls.SETTINGS_SECURITY,
    title="Password & security · Social Market",
    on_load=[SecurityState.load, BlockedPeopleState.load],
)
app.add_page(
    settings_pages.data_settings_page,
    route=urls.SETTINGS_DATA,
    title="Your data · Social Market",
    on_load=DataExportState.load,
)
app.add_page(
    people_pages.profile_page,
    route=urls.PROFILE,
    title="Profile · Social Market",
    on_load=[ProfileState.load, ProfileActivityState.load, ProfileBadgeState.load],
)
for kind in ("followers", "following"):
    app.add_page(
        people_pages.follow_list_page,
        route=f"/u/[handle]/{kind}",
        title="People · Social Market",
        on_load=FollowListState.load,
    )
app.add_page(
    people_pages.people_page,
    route=urls.PEOPLE,
    title="People · Social Market",
    on_load=PeopleSearchState.load,
)
app.add_page(
    market_pages.shop_page,
    route=urls.SHOP,
    title="Shop · Social Market",
    on_load=[
        ShopPageState.load,
        ShopPostsState.load,
        PostComposerState.load,
        ReviewsState.load,
        OffersState.load_for_shop,
        ShopVouchersState.load,
    ],
)
app.add_page(
    market_pages.listing_page,
    route=urls.LISTING,
    title="Social Market",
    on_load=[
        # First: an ended offer's leftover is back on the listing before it is read.
        OffersState.load_for_listing,
        ListingPageState.load,
        CommentsState.load,
        ReviewsState.load,
        SaveToListState.load,
        BuyTogetherState.load,
    ],
)
app.add_page(
    list_pages.my_lists_page,
    route=urls.MY_LISTS,
    title="Your lists · Social Market",
    on_load=MyListsState.load,
)
app.add_page(
    list_pages.list_page,
    route=urls.LIST,
    title="List · Social Market",
    on_load=ListPageState.load,
)
app.add_page(
    list_pages.person_lists_page,
    route=urls.PERSON_LISTS,
    title="Lists · Social Market",
    on_load=PersonListsState.load,
)
app.add_page(
    search_pages.search_page,
    route=urls.SEARCH,
    title="Search · Social Market",
    on_load=SearchState.load,
)
app.add_page(
    market_pages.favourites_page,
    route=urls.FAVOURITES,
    title="Favourites · Social Market",
    on_load=FavouritesState.load,
)
app.add_page(
    sell_pages.shop_editor_page,
    route=urls.SELL_SHOP,
    title="Your shop · Social Market",
    on_load=ShopEditorState.load,
)
app.add_page(
    sell_pages.listing_editor_page,
    route=urls.SELL_LISTING_NEW,
    title="New listing · Social Market",
    on_load=ListingEditorState.load,
)
app.add_page(
    sell_pages.listing_editor_page,
    route=urls.SELL_LISTING_EDIT,
    title="Edit listing · Social Market",
    on_load=[ListingEditorState.load, GroupTiersState.load],
)
app.add_page(
    group_order_pages.group_order_page,
    route=urls.GROUP_ORDER,
    title="Group order · Social Market",
    on_load=GroupOrderState.load,
)
for page_fn, route, title, state in (
    (order_pages.cart_page, urls.CART, "Cart", CartState),
    (order_pages.checkout_page, urls.CHECKOUT, "Checkout", CheckoutState),
    (order_pages.orders_page, urls.ORDERS, "Your orders", OrdersState),
    (order_pages.order_page, urls.ORDER, "Order", OrderState),
    (order_pages.seller_dashboard_page, urls.SELL, "Your shop", SellerDashboardState),
    (order_pages.seller_orders_page, urls.SELL_ORDERS, "Shop orders", SellerOrdersState),
    (listening_pages.listening_page, urls.SELL_LISTENING, "What people say", ListeningState),
):
    app.add_page(page_fn, route=route, title=f"{title} · Social Market", on_load=state.load)
app.add_page(
    offer_pages.offers_page,
    route=urls.OFFERS,
    title="Flash offers · Social Market",
    on_load=OffersState.load_all,
)
app.add_page(
    offer_pages.new_offer_page,
    route=urls.SELL_OFFER_NEW,
    title="New flash offer · Social Market",
    on_load=NewOfferState.load,
)
app.add_page(
    reward_pages.rewards_page,
    route=urls.REWARDS,
    title="Rewards · Social Market",
    on_load=RewardsState.load,
)
app.add_page(
    reward_pages.sell_vouchers_page,
    route=urls.SELL_VOUCHERS,
    title="Vouchers · Social Market",
    on_load=SellVouchersState.load,
)
app.add_page(
    reward_pages.join_page,
    route=urls.JOIN,
    title="Join · Social Market",
    on_load=JoinState.load,
)
# Titled like any page: the address gives no hint to people who aren't moderators.
app.add_page(
    moderation_pages.moderation_page,
    route=urls.MODERATION,
    title="Social Market",
    on_load=ModerationState.load,
)
app.add_page(
    social_pages.feed_page,
    route=urls.FEED,
    title="Feed · Social Market",
    on_load=[FeedState.load, RecommendationsState.load],
)
for route in (urls.POST, urls.SHARED):
    app.add_page(
        social_pages.item_page,
        route=route,
        title="Social Market",
        on_load=[ItemPageState.load, CommentsState.load],
    )
app.add_page(
    social_pages.privacy_settings_page,
    route=urls.SETTINGS_PRIVACY,
    title="Privacy · Social Market",
    on_load=PrivacySettingsState.load,
)
app.add_page(
    message_pages.inbox_page,
    route=urls.MESSAGES,
    title="Messages · Social Market",
    on_load=InboxState.load,
)
app.add_page(
    message_pages.conversation_page,
    route=urls.CONVERSATION,
    title="Messages · Social Market",
    on_load=ConversationState.load,
)
app.add_page(
    notification_pages.notifications_page,
    route=urls.NOTIFICATIONS,
    title="Notifications · Social Market",
    on_load=NotificationsState.load,
)
app.add_page(
    notification_pages.notification_settings_page,
    route=urls.SETTINGS_NOTIFICATIONS,
    title="Notifications · Settings · Social Market",
    on_load=NotificationSettingsState.load,
)
for page_fn, route, title, state in (
    (wish_pages.shop_wishes_page, urls.SHOP_WISHES, "Wishes", ShopWishesState),
    (wish_pages.wish_page, urls.WISH, "Wish", WishPageState),
    (wish_pages.maker_wishes_page, urls.SELL_WISHES, "Wishes for your shop", MakerWishesState),
    (wish_pages.reserved_page, urls.RESERVED, "Reserved for you", ReservedState),
    (team_pages.teams_page, urls.TEAMS, "Teams", TeamsDirectoryState),
    (team_pages.team_page, urls.TEAM, "Team", TeamPageState),
    (team_pages.thread_page, urls.TEAM_THREAD, "Team forum", ThreadState),
    (team_pages.team_manage_page, urls.TEAM_MANAGE, "Manage the team", TeamManageState),
):
    app.add_page(page_fn, route=route, title=f"{title} · Social Market", on_load=state.load)
app.add_page(
    people_pages.not_found_page, route="404", title="Not found · Social Market", on_load=load
)
