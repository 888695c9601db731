"""'People with your taste also loved…' (each with why, and "Not interested") and
taste neighbours to follow."""

from __future__ import annotations

import reflex as rx

from social_market.components.avatar import avatar
from social_market.components.listing_card import listing_card
from social_market.i18n.ui import t, tn
from social_market.state.recommendations import (
    NeighbourView,
    RecommendationsState,
    RecommendationView,
)


def _recommendation(r: rx.Var[RecommendationView]) -> rx.Component:
    return rx.vstack(
        listing_card(r.listing),
        rx.text(r.why, size="1", color=rx.color("gray", 11), class_name="sm-rec-why"),
        rx.button(
            t("Not interested"),
            size="1",
            variant="ghost",
            color_scheme="gray",
            on_click=RecommendationsState.not_interested(r.listing.id),
            aria_label=t("Not interested in {title}", title=r.listing.title),
            class_name="sm-not-interested",
        ),
        spacing="1",
        align="start",
        width="100%",
        class_name="sm-recommendation",
    )


def recommendations_section(columns: dict | None = None) -> rx.Component:
    s = RecommendationsState
    return rx.cond(
        s.items.length() > 0,
        rx.vstack(
            rx.heading(t("People with your taste also loved…"), size="6", as_="h2"),
            rx.grid(
                rx.foreach(s.items, _recommendation),
                columns=columns or {"initial": "2", "sm": "3", "md": "4"},
                gap="1rem",
                width="100%",
            ),
            spacing="3",
            width="100%",
            id="recommendations",
        ),
    )


def _neighbour(n: rx.Var[NeighbourView]) -> rx.Component:
    return rx.link(
        rx.hstack(
            avatar(n.profile.avatar_url, n.profile.initials, size="2"),
            rx.vstack(
                rx.text(n.profile.display_name, weight="medium", size="2"),
                rx.text(
                    tn("{n} piece you both love", "{n} pieces you both love", n.shared),
                    size="1",
                    color=rx.color("gray", 11),
                ),
                spacing="0",
            ),
            spacing="2",
            align="center",
        ),
        href="/u/" + n.profile.handle,
        underline="none",
        color="inherit",
    )


def taste_neighbours_section() -> rx.Component:
    s = RecommendationsState
    return rx.cond(
        s.neighbours.length() > 0,
        rx.vstack(
            rx.heading(t("People with your taste"), size="4", as_="h2"),
            rx.foreach(s.neighbours, _neighbour),
            spacing="2",
            width="100%",
            id="taste-neighbours",
        ),
    )
