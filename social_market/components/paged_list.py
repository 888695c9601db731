"""A list read in keyset pages: the items, a message while there are none, "Load more"."""

from __future__ import annotations

import reflex as rx

from social_market.i18n.ui import t


def paged_list(state, items: rx.Var, render, *, list_id: str, empty) -> rx.Component:
    """``state`` has ``loaded``, ``next_cursor`` and a ``more`` handler; ``empty`` is the
    (translated) text shown once loaded with nothing in the list."""
    return rx.fragment(
        rx.cond(
            items.length() > 0,
            rx.el.ul(
                rx.foreach(items, render),
                style={"padding": "0", "margin": "0", "width": "100%"},
                id=list_id,
            ),
            rx.cond(
                state.loaded,
                rx.card(rx.text(empty, color=rx.color("gray", 11)), width="100%"),
            ),
        ),
        rx.cond(
            state.next_cursor != "",
            rx.button(t("Load more"), variant="soft", on_click=state.more, id="load-more"),
        ),
    )
