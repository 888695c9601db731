"""Atom and RSS feeds of a shop's new pieces, so followers can use any feed reader.

(The shop's posts join these feeds when makers can post.)
"""

from __future__ import annotations

from datetime import UTC

from fastapi import APIRouter, Request
from fastapi.responses import Response
from feedgen.feed import FeedGenerator

from social_market.api.auth_routes import frontend_url
from social_market.db import session_scope
from social_market.i18n.catalog import BABEL_LOCALE, N_, gettext, negotiate
from social_market.i18n.format import format_money
from social_market.services import listings, shops
from social_market.services.errors import NotFound

router = APIRouter()
FEED_SIZE = 30


def _feed(slug: str, request: Request) -> FeedGenerator | None:
    lang = negotiate(request.headers.get("accept-language"))
    with session_scope() as session:
        try:
            shop = shops.get_shop(session=session, slug=slug, locale=BABEL_LOCALE[lang])
        except NotFound:
            return None
        items = listings.feed_listings(session=session, shop_id=shop.id, limit=FEED_SIZE)
    page = frontend_url(shop.url, request)
    fg = FeedGenerator()
    fg.id(page)
    fg.title(f"{shop.name} · Social Market")
    fg.subtitle(shop.about[:300] or gettext(lang, N_("New pieces from this shop")))
    fg.link(href=page, rel="alternate")
    fg.link(href=str(request.url), rel="self")
    fg.language(lang)
    fg.author(name=shop.owner_name)
    for item in reversed(items):  # feedgen puts each new entry first
        url = frontend_url(listings.listing_path(item), request)
        entry = fg.add_entry()
        entry.id(url)
        entry.title(item.title)
        entry.link(href=url)
        when = (item.published_at or item.created_at).replace(tzinfo=UTC)
        entry.published(when)
        entry.updated(when)
        price = format_money(item.price_cents, item.currency, BABEL_LOCALE[lang])
        # Plain text (feedgen escapes it): the maker's words are never rendered as HTML.
        entry.summary(f"{price} — {item.description[:500]}" if item.description else price)
    return fg


def _headers() -> dict[str, str]:
    return {"Cache-Control": "public, max-age=600"}


@router.get("/feeds/shop/{slug}/atom.xml")
def shop_atom(slug: str, request: Request) -> Response:
    fg = _feed(slug, request)
    if fg is None:
        return Response("Not found", status_code=404, media_type="text/plain")
    return Response(fg.atom_str(pretty=True), media_type="application/atom+xml", headers=_headers())


@router.get("/feeds/shop/{slug}/rss.xml")
def shop_rss(slug: str, request: Request) -> Response:
    fg = _feed(slug, request)
    if fg is None:
        return Response("Not found", status_code=404, media_type="text/plain")
    return Response(fg.rss_str(pretty=True), media_type="application/rss+xml", headers=_headers())
