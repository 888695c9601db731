"""Pages for people and machines outside the app: link previews and embeddable cards.

Chat apps and social networks fetch a shared URL without running JavaScript, so the
Open Graph / Twitter-card tags must come from the server. ``/share/u/<handle>`` sends
them and forwards people to the app page; ``/embed/u/<handle>`` is a small card
(no cookies read or set, no scripts) that blogs can put in an iframe.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

import reflex as rx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from social_market.api.auth_routes import frontend_url
from social_market.db import session_scope
from social_market.i18n.catalog import BABEL_LOCALE, N_, gettext, negotiate
from social_market.models import ProfilePublic
from social_market.services import profiles

router = APIRouter()
EMBED_PREFIX = "/embed/"


def _backend_base() -> str:
    return rx.config.get_config().api_url.rstrip("/")


def _profile(handle: str, request: Request) -> tuple[ProfilePublic | None, str]:
    lang = negotiate(request.headers.get("accept-language"))
    with session_scope() as session:
        profile = profiles.get_profile(session=session, handle=handle, locale=BABEL_LOCALE[lang])
    return profile, lang


def _not_found(lang: str) -> HTMLResponse:
    title = escape(gettext(lang, "Page not found"))
    return HTMLResponse(
        f'<!doctype html><html lang="{lang}"><meta charset="utf-8"><title>{title}</title>'
        f"<h1>{title}</h1></html>",
        status_code=404,
    )


@router.get("/share/u/{handle}")
def share_profile(handle: str, request: Request) -> HTMLResponse:
    """Link preview for a profile; people are sent on to /u/<handle> at once."""
    profile, lang = _profile(handle, request)
    if profile is None:
        return _not_found(lang)
    page_url = frontend_url(f"/u/{quote(profile.handle)}", request)
    title = f"{profile.display_name} (@{profile.handle}) · Social Market"
    description = profile.bio or gettext(
        lang, "Handmade goods, and the people who make and love them."
    )
    image = (
        f"{_backend_base()}/_upload/{profile.avatar_url_large}" if profile.avatar_url_large else ""
    )
    e = escape
    tags = [
        '<meta property="og:type" content="profile">',
        '<meta property="og:site_name" content="Social Market">',
        f'<meta property="og:title" content="{e(title)}">',
        f'<meta property="og:description" content="{e(description[:300])}">',
        f'<meta property="og:url" content="{e(page_url)}">',
        f'<meta property="profile:username" content="{e(profile.handle)}">',
        '<meta name="twitter:card" content="summary">',
        f'<meta name="twitter:title" content="{e(title)}">',
        f'<meta name="twitter:description" content="{e(description[:200])}">',
        f'<link rel="canonical" href="{e(page_url)}">',
    ]
    if image:
        tags += [
            f'<meta property="og:image" content="{e(image)}">',
            '<meta property="og:image:width" content="400">',
            '<meta property="og:image:height" content="400">',
            f'<meta property="og:image:alt" content="{e(profile.display_name)}">',
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
    "span.i{display:flex;align-items:center;justify-content:center;background:#feebe7;"
    "color:#a3300f;font-weight:700}"
    "b{display:block}small{color:#57534e}em{display:block;font-style:normal;color:#a3300f;"
    "font-size:13px;margin-top:2px}"
    "@media (prefers-color-scheme:dark){a.card{background:#1c1917;color:#f5f5f4;"
    "border-color:#44403c}small{color:#d6d3d1}em{color:#ff977d}}"
)


@router.get(EMBED_PREFIX + "u/{handle}")
def embed_profile(handle: str, request: Request) -> HTMLResponse:
    """A recommend card for a profile, to put in an <iframe> on any site."""
    profile, lang = _profile(handle, request)
    if profile is None:
        return _not_found(lang)
    e = escape
    page_url = frontend_url(f"/u/{quote(profile.handle)}", request)
    picture = (
        f'<img src="{e(_backend_base())}/_upload/{e(profile.avatar_url)}" alt="" '
        'width="56" height="56" loading="lazy">'
        if profile.avatar_url
        else f'<span class="i" aria-hidden="true">{e(profile.initials)}</span>'
    )
    cta = e(gettext(lang, N_("See on Social Market")))
    html = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width"><title>{e(profile.display_name)}'
        f"</title><style>{EMBED_CSS}</style></head><body>"
        f'<a class="card" href="{e(page_url)}" target="_blank" rel="noopener">{picture}'
        f"<span><b>{e(profile.display_name)}</b><small>@{e(profile.handle)}</small>"
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
