"""Pages for people and machines outside the app: link previews and embeddable cards.

Chat apps and social networks fetch a shared URL without running JavaScript, so the
Open Graph / Twitter-card tags must come from the server. ``/share/u/<handle>`` sends
them and forwards people to the app page; ``/embed/u/<handle>`` is a small card
(no cookies read or set, no scripts) that blogs can put in an iframe.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from urllib.parse import quote

import reflex as rx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from social_market.api.auth_routes import frontend_url
from social_market.db import session_scope
from social_market.i18n.catalog import BABEL_LOCALE, N_, gettext, negotiate
from social_market.services import listings, profiles, shops
from social_market.services.errors import NotFound

router = APIRouter()
EMBED_PREFIX = "/embed/"


def _backend_base() -> str:
    return rx.config.get_config().api_url.rstrip("/")


@dataclass(frozen=True)
class Preview:
    """What a link preview and an embed card show of one thing."""

    title: str
    description: str
    path: str  # the app page, e.g. /u/anna
    og_type: str
    image: str  # path below /_upload/ ('' for none): large, for previews
    image_size: tuple[int, int]
    thumb: str  # path below /_upload/ ('' for none): small, for the card
    subtitle: str  # second line on the card
    initials: str
    extra_tags: tuple[tuple[str, str], ...] = ()


def _find(kind: str, key: str, lang: str) -> Preview | None:
    """The public preview of a profile (u), shop (s) or listing (l); None if not public."""
    locale = BABEL_LOCALE[lang]
    with session_scope() as session:
        if kind == "u":
            p = profiles.get_profile(session=session, handle=key, locale=locale)
            if p is None:
                return None
            return Preview(
                title=f"{p.display_name} (@{p.handle})",
                description=p.bio,
                path=f"/u/{quote(p.handle)}",
                og_type="profile",
                image=p.avatar_url_large,
                image_size=(400, 400),
                thumb=p.avatar_url,
                subtitle=f"@{p.handle}",
                initials=p.initials,
                extra_tags=(("profile:username", p.handle),),
            )
        if kind == "s":
            try:
                shop = shops.get_shop(session=session, slug=key, locale=locale)
            except NotFound:
                return None
            place = ", ".join(x for x in (shop.city, shop.country_name) if x)
            return Preview(
                title=shop.name,
                description=shop.about
                or gettext(lang, "Handmade goods, and the people who make and love them."),
                path=shop.url,
                og_type="website",
                image=shop.logo_url,
                image_size=(400, 400),
                thumb=shop.logo_url.replace("_400.webp", "_96.webp"),
                subtitle=place,
                initials=shop.initials,
            )
        if kind == "l":
            try:
                item = listings.get_listing(
                    session=session, listing_ref=key, viewer_id=None, locale=locale
                )
            except NotFound:
                return None
            photo = item.photos[0] if item.photos else None
            return Preview(
                title=item.title,
                description=item.description,
                path=item.url,
                og_type="product",
                image=photo.url if photo else "",
                image_size=(1000, 1000),
                thumb=photo.grid_url if photo else "",
                subtitle=f"{item.price} · {item.shop.name}",
                initials=item.shop.initials,
                extra_tags=(
                    ("product:price:amount", f"{item.price_cents / 100:.2f}"),
                    ("product:price:currency", item.currency),
                ),
            )
    return None


KINDS = {"u", "s", "l"}


def _not_found(lang: str) -> HTMLResponse:
    title = escape(gettext(lang, "Page not found"))
    return HTMLResponse(
        f'<!doctype html><html lang="{lang}"><meta charset="utf-8"><title>{title}</title>'
        f"<h1>{title}</h1></html>",
        status_code=404,
    )


@router.get("/share/{kind}/{key}")
def share_page(kind: str, key: str, request: Request) -> HTMLResponse:
    """Link preview (Open Graph / Twitter card); people are sent on to the app page."""
    lang = negotiate(request.headers.get("accept-language"))
    found = _find(kind, key, lang) if kind in KINDS and len(key) <= 100 else None
    if found is None:
        return _not_found(lang)
    page_url = frontend_url(found.path, request)
    title = f"{found.title} · Social Market"
    description = found.description or gettext(
        lang, "Handmade goods, and the people who make and love them."
    )
    image = f"{_backend_base()}/_upload/{found.image}" if found.image else ""
    e = escape
    tags = [
        f'<meta property="og:type" content="{found.og_type}">',
        '<meta property="og:site_name" content="Social Market">',
        f'<meta property="og:title" content="{e(title)}">',
        f'<meta property="og:description" content="{e(description[:300])}">',
        f'<meta property="og:url" content="{e(page_url)}">',
        *(f'<meta property="{k}" content="{e(v)}">' for k, v in found.extra_tags),
        f'<meta name="twitter:card" content="{"summary_large_image" if kind == "l" else "summary"}">',
        f'<meta name="twitter:title" content="{e(title)}">',
        f'<meta name="twitter:description" content="{e(description[:200])}">',
        f'<link rel="canonical" href="{e(page_url)}">',
    ]
    if image:
        tags += [
            f'<meta property="og:image" content="{e(image)}">',
            f'<meta property="og:image:width" content="{found.image_size[0]}">',
            f'<meta property="og:image:height" content="{found.image_size[1]}">',
            f'<meta property="og:image:alt" content="{e(found.title)}">',
            f'<meta name="twitter:image" content="{e(image)}">',
        ]
    html = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{e(title)}</title>"
        f'<meta name="description" content="{e(description[:300])}">'
        + "".join(tags)
        + f'<meta http-equiv="refresh" content="0; url={e(page_url)}">'
        f'</head><body><p><a href="{e(page_url)}">{e(title)}</a></p></body></html>'
    )
    return HTMLResponse(html, headers={"Cache-Control": "public, max-age=300"})


EMBED_CSS = (
    "body{margin:0;font:15px/1.4 system-ui,sans-serif;background:transparent}"
    "a.card{display:flex;gap:12px;align-items:center;padding:12px;border:1px solid #ddd;"
    "border-radius:12px;color:#1c1917;background:#fff;text-decoration:none;max-width:420px}"
    "a.card:focus-visible{outline:2px solid #b8361b;outline-offset:2px}"
    "img,span.i{width:56px;height:56px;border-radius:50%;flex:none;object-fit:cover}"
    "img.sq{border-radius:8px}"
    "span.i{display:flex;align-items:center;justify-content:center;background:#feebe7;"
    "color:#a3300f;font-weight:700}"
    "b{display:block}small{color:#57534e}em{display:block;font-style:normal;color:#a3300f;"
    "font-size:13px;margin-top:2px}"
    "@media (prefers-color-scheme:dark){a.card{background:#1c1917;color:#f5f5f4;"
    "border-color:#44403c}small{color:#d6d3d1}em{color:#ff977d}}"
)


@router.get(EMBED_PREFIX + "{kind}/{key}")
def embed_card(kind: str, key: str, request: Request) -> HTMLResponse:
    """A recommend card for a profile, shop or listing, to put in an <iframe> anywhere."""
    lang = negotiate(request.headers.get("accept-language"))
    found = _find(kind, key, lang) if kind in KINDS and len(key) <= 100 else None
    if found is None:
        return _not_found(lang)
    e = escape
    page_url = frontend_url(found.path, request)
    shape = "" if kind == "u" else ' class="sq"'
    picture = (
        f'<img{shape} src="{e(_backend_base())}/_upload/{e(found.thumb)}" alt="" '
        'width="56" height="56" loading="lazy">'
        if found.thumb
        else f'<span class="i" aria-hidden="true">{e(found.initials)}</span>'
    )
    cta = e(gettext(lang, N_("See on Social Market")))
    html = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width"><title>{e(found.title)}'
        f"</title><style>{EMBED_CSS}</style></head><body>"
        f'<a class="card" href="{e(page_url)}" target="_blank" rel="noopener">{picture}'
        f"<span><b>{e(found.title)}</b><small>{e(found.subtitle)}</small>"
        f"<em>{cta} →</em></span></a></body></html>"
    )
    return HTMLResponse(
        html,
        headers={
            "Cache-Control": "public, max-age=300",
            # Embeddable anywhere, but inert: no scripts, no cookies read or set.
            "Content-Security-Policy": "default-src 'none'; img-src * data:; "
            "style-src 'unsafe-inline'; frame-ancestors *",
        },
    )
