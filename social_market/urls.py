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
SELL_LISTENING = "/sell/listening"  # "What people say": the maker's listening inbox
MODERATION = "/moderation"  # moderators only; a not-found page for everyone else


def profile_url(handle: str) -> str:
    return f"/u/{quote(handle)}"


def listing_url(listing_id: int, slug: str) -> str:
    return f"/listing/{listing_id}-{quote(slug)}" if slug else f"/listing/{listing_id}"


def shop_url(slug: str) -> str:
    return f"/shop/{quote(slug)}"


def order_url(reference: str) -> str:
    return f"/orders/{quote(reference)}"


def safe_next(value: object) -> str:
    """A same-site path to return to after sign-in; anything else becomes '/'.

    Refuses absolute URLs, scheme-relative '//host' and backslash tricks (open redirects).
    """
    if not isinstance(value, str) or not value.startswith("/") or len(value) > 500:
        return "/"
    if value.startswith("//") or "\\" in value or any(ord(c) < 32 for c in value):
        return "/"
    return value
