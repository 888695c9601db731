"""Links that look like buttons (one interactive element, not a button inside a link)."""

from __future__ import annotations

import reflex as rx


def link_button(label, href, **props) -> rx.Component:
    return rx.button(rx.link(label, href=href, underline="none"), as_child=True, **props)
