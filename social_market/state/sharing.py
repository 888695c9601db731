"""Share links for pages that can be shared outside the app (profiles, shops, listings)."""

from __future__ import annotations

import html
from urllib.parse import quote, urlencode

import reflex as rx

from social_market.state.auth import AuthState

# Embedded card sizes per kind (the iframe's width and height in the snippet).
EMBED_SIZE = {"u": (440, 90), "s": (440, 90), "l": (440, 120)}


class SharePageState(AuthState):
    """Base of page states with a share menu: the links it offers, computed on load.

    Link previews need the server-rendered ``/share/<kind>/<key>`` route (chat apps do
    not run JavaScript); ``/embed/<kind>/<key>`` is the embeddable card.
    """

    share_url: str = ""
    share_title: str = ""
    mailto: str = ""
    embed_code: str = ""
    embed_open: bool = False

    @rx.event
    def set_embed_open(self, value: bool):
        self.embed_open = value is True

    def _set_share_links(self, kind: str, key: str, title: str) -> None:
        backend = rx.config.get_config().api_url.rstrip("/")
        key = quote(key, safe="")
        self.share_url = f"{backend}/share/{kind}/{key}"
        self.share_title = f"{title} · Social Market"
        self.mailto = "mailto:?" + urlencode(
            {"subject": self.share_title, "body": self.share_url}, quote_via=quote
        )
        width, height = EMBED_SIZE[kind]
        self.embed_code = (
            f'<iframe src="{backend}/embed/{kind}/{key}" title="{html.escape(self.share_title)}" '
            f'width="{width}" height="{height}" style="border:0" loading="lazy"></iframe>'
        )
