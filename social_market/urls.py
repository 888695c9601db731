"""Routes and URL builders: one place for every path the app serves."""

from __future__ import annotations

from urllib.parse import quote

HOME = "/"
SIGN_IN = "/signin"
SIGN_UP = "/signup"
# Choose a handle after a first sign-in with a provider.
SIGN_UP_PROVIDER = "/signup/provider"
RESET = "/reset"
RESET_WITH_TOKEN = "/reset/[token]"  # noqa: S105 - a route, not a secret
CONFIRM = "/confirm/[token]"
SETTINGS = "/settings"
SETTINGS_SECURITY = "/settings/security"
SETTINGS_DATA = "/settings/data"
SETTINGS_PRIVACY = "/settings/privacy"
SETTINGS_NOTIFICATIONS = "/settings/notifications"
NOTIFICATIONS = "/notifications"
MESSAGES = "/messages"
CONVERSATION = "/messages/[conversation]"
FEED = "/feed"
POST = "/post/[post]"
SHARED = "/shared/[share]"
PROFILE = "/u/[handle]"
PEOPLE = "/people"
SEARCH = "/search"
CATEGORY = "/c/[category]"
SHOP = "/shop/[slug]"
LISTING = "/listing/[listing]"
FAVOURITES = "/favourites"
CART = "/cart"
CHECKOUT = "/checkout"
ORDERS = "/orders"
ORDER = "/orders/[reference]"
SELL = "/sell"  # the seller dashboard
SELL_SHOP = "/sell/shop"  # open / edit one's shop
SELL_LISTING_NEW = "/sell/listings/new"
SELL_LISTING_EDIT = "/sell/listings/[listing]"
SELL_ORDERS = "/sell/orders"
SELL_OFFER_NEW = "/sell/offers/new/[listing]"  # a flash offer for one of my listings
OFFERS = "/offers"  # live flash offers I may see
SELL_WISHES = "/sell/wishes"  # the maker's wishes, by votes and pledged value
SHOP_WISHES = "/shop/[slug]/wishes"
WISH = "/wish/[wish]"
RESERVED = "/reserved/[reservation]"  # a reserved purchase (a made wish's), its holder only
SELL_VOUCHERS = "/sell/vouchers"  # the maker's reward vouchers
REWARDS = "/rewards"  # my points, ledger, invite link and vouchers
JOIN = "/join/[code]"  # an invitation link
GROUP_ORDER = "/group/[group]"  # a group order: progress, members, one's share
TEAMS = "/teams"
TEAM = "/team/[slug]"
TEAM_THREAD = "/team/[slug]/thread/[thread]"
TEAM_MANAGE = "/team/[slug]/manage"
SELL_LISTENING = "/sell/listening"  # "What people say": the maker's listening inbox
MODERATION = "/moderation"  # moderators only; a not-found page for everyone else
MY_LISTS = "/lists"  # one's own curated lists and the lists one follows
LIST = "/lists/[list]"
PERSON_LISTS = "/u/[handle]/lists"


def profile_url(handle: str) -> str:
    return f"/u/{quote(handle)}"


def listing_url(listing_id: int, slug: str) -> str:
    return f"/listing/{listing_id}-{quote(slug)}" if slug else f"/listing/{listing_id}"


def list_url(list_id: int) -> str:
    return f"/lists/{list_id}"


def shop_url(slug: str) -> str:
    return f"/shop/{quote(slug)}"


def sell_offer_new_url(listing_id: int) -> str:
    return f"/sell/offers/new/{listing_id}"


def shop_wishes_url(slug: str) -> str:
    return f"/shop/{quote(slug)}/wishes"


def wish_url(wish_id: int) -> str:
    return f"/wish/{wish_id}"


def reserved_url(hold_id: int) -> str:
    return f"/reserved/{hold_id}"


def join_url(code: str) -> str:
    return f"/join/{quote(code)}"


def order_url(reference: str) -> str:
    return f"/orders/{quote(reference)}"


def group_order_url(group_order_id: int) -> str:
    return f"/group/{int(group_order_id)}"


def safe_next(value: object) -> str:
    """A same-site path to return to after sign-in; anything else becomes '/'.

    Refuses absolute URLs, scheme-relative '//host' and backslash tricks (open redirects).
    """
    if not isinstance(value, str) or not value.startswith("/") or len(value) > 500:
        return "/"
    if value.startswith("//") or "\\" in value or any(ord(c) < 32 for c in value):
        return "/"
    return value
