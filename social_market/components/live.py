"""Reacting in the page to a live value pushed from the server."""

from __future__ import annotations

import reflex as rx


def on_change(value: rx.Var, event) -> rx.Component:
    """Run ``event`` each time ``value`` changes (and once when the page mounts).

    The outer element is keyed by the value, so React remounts the inner one, whose
    mount hook sends the event.
    """
    return rx.el.div(
        rx.el.span(on_mount=event, hidden=True),
        key=value.to_string(),
        hidden=True,
    )
