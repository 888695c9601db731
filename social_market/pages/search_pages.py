"""Listing search with filters and sorting; results page by page."""

from __future__ import annotations

import reflex as rx

from social_market.components.buttons import link_button
from social_market.components.fields import select_field
from social_market.components.layout import page
from social_market.components.listing_card import listing_grid
from social_market.i18n.catalog import N_
from social_market.i18n.ui import t
from social_market.pages.people_pages import person_card
from social_market.state.search import SearchState


def filters() -> rx.Component:
    s = SearchState
    p = s.params
    errors = s.field_errors
    return rx.form(
        rx.vstack(
            rx.el.label(t("Words"), html_for="search-q", class_name="sm-label"),
            rx.input(
                name="q",
                id="search-q",
                type="search",
                default_value=p["q"],
                key=p["q"],
                width="100%",
            ),
            select_field(
                t("Category"),
                "category",
                s.category_options,
                errors,
                default_value=p["category"],
                placeholder=t("All categories"),
                translate=True,
            ),
            rx.hstack(
                rx.vstack(
                    rx.el.label(t("From (€)"), html_for="search-min", class_name="sm-label"),
                    rx.input(
                        name="min",
                        id="search-min",
                        inputmode="decimal",
                        default_value=p["min"],
                        key=p["min"],
                        aria_invalid=rx.cond(s.error_field == "min", "true", "false"),
                    ),
                    spacing="1",
                    width="100%",
                ),
                rx.vstack(
                    rx.el.label(t("To (€)"), html_for="search-max", class_name="sm-label"),
                    rx.input(
                        name="max",
                        id="search-max",
                        inputmode="decimal",
                        default_value=p["max"],
                        key=p["max"],
                        aria_invalid=rx.cond(s.error_field == "max", "true", "false"),
                    ),
                    spacing="1",
                    width="100%",
                ),
                spacing="2",
                width="100%",
            ),
            select_field(
                t("Shop's country"),
                "country",
                s.country_options,
                errors,
                default_value=p["country"],
                placeholder=t("Any country"),
            ),
            select_field(
                t("Availability"),
                "availability",
                [["in_stock", N_("In stock")], ["made_to_order", N_("Made to order")]],
                errors,
                default_value=p["availability"],
                placeholder=t("Anything"),
                translate=True,
            ),
            select_field(
                t("Sort by"),
                "sort",
                [
                    ["relevance", N_("Best match")],
                    ["newest", N_("Newest")],
                    ["price_asc", N_("Lowest price")],
                    ["price_desc", N_("Highest price")],
                    ["for_me", N_("Best rated for me")],
                ],
                errors,
                default_value=p["sort"],
                translate=True,
            ),
            rx.button(t("Show results"), type="submit", width="100%", id="apply-filters"),
            spacing="3",
            width="100%",
        ),
        on_submit=s.submit,
        aria_label=t("Search filters"),
        width="100%",
    )


def search_page() -> rx.Component:
    s = SearchState
    return page(
        rx.vstack(
            rx.hstack(
                rx.heading(
                    rx.cond(
                        s.params["q"] != "",
                        t("Results for “{q}”", q=s.params["q"]),
                        t("Handmade goods"),
                    ),
                    size="7",
                    as_="h1",
                ),
                rx.spacer(),
                rx.cond(
                    s.params["q"] != "",
                    rx.link(t("Search people instead"), href="/people?q=" + s.params["q"]),
                ),
                width="100%",
                align="baseline",
                wrap="wrap",
            ),
            rx.cond(
                s.error != "",
                rx.callout(s.error, icon="triangle_alert", color_scheme="red", role="alert"),
            ),
            rx.grid(
                rx.card(filters(), width="100%"),
                rx.vstack(
                    rx.cond(
                        s.people.length() > 0,
                        rx.vstack(
                            rx.heading(t("People"), size="4", as_="h2"),
                            rx.grid(
                                rx.foreach(s.people, person_card),
                                columns={"initial": "1", "sm": "2"},
                                gap="0.75rem",
                                width="100%",
                            ),
                            rx.heading(t("Pieces"), size="4", as_="h2"),
                            spacing="3",
                            width="100%",
                        ),
                    ),
                    rx.cond(
                        s.items.length() > 0,
                        listing_grid(s.items, id="search-results"),
                        rx.cond(
                            s.searched & (s.error == "") & (s.people.length() == 0),
                            rx.text(
                                t("Nothing matches yet. Try fewer words or other filters."),
                                color=rx.color("gray", 11),
                                role="status",
                            ),
                        ),
                    ),
                    rx.hstack(
                        rx.cond(
                            s.is_later_page,
                            link_button(t("First page"), s.first_page_url, variant="soft"),
                        ),
                        rx.cond(
                            s.next_url != "",
                            link_button(t("More results"), s.next_url, id="next-page"),
                        ),
                        spacing="3",
                    ),
                    spacing="4",
                    width="100%",
                ),
                columns={"initial": "1", "md": "260px 1fr"},
                gap="1.5rem",
                width="100%",
                align_items="start",
            ),
            spacing="4",
            width="100%",
        )
    )
