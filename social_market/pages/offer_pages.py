"""Flash offers: /offers (live offers I may see) and the maker's new-offer form."""

from __future__ import annotations

import reflex as rx

from social_market.components.fields import field, form_error, select_field
from social_market.components.layout import page
from social_market.components.offers import offer_section
from social_market.i18n.catalog import N_
from social_market.i18n.ui import t
from social_market.state.offers import NewOfferState, OffersState

STARTS = [
    ["now", N_("Now")],
    ["1h", N_("In 1 hour")],
    ["3h", N_("In 3 hours")],
    ["1d", N_("Tomorrow at this time")],
]
DURATIONS = [
    ["30m", N_("30 minutes")],
    ["1h", N_("1 hour")],
    ["3h", N_("3 hours")],
    ["6h", N_("6 hours")],
    ["12h", N_("12 hours")],
    ["1d", N_("1 day")],
    ["3d", N_("3 days")],
    ["7d", N_("7 days")],
    ["14d", N_("14 days")],
]
AUDIENCES = [
    ["followers", N_("Only people who follow my shop")],
    ["everyone", N_("Everyone")],
]


def offers_page() -> rx.Component:
    return page(
        rx.vstack(
            rx.heading(t("Flash offers"), size="7", as_="h1"),
            rx.text(
                t("Time-limited prices from makers. Shops you follow come first."),
                color=rx.color("gray", 11),
            ),
            rx.cond(
                OffersState.offers.length() > 0,
                offer_section(heading=False),
                rx.text(t("No flash offers right now."), id="no-offers"),
            ),
            spacing="4",
            width="100%",
        )
    )


def new_offer_page() -> rx.Component:
    s = NewOfferState
    return page(
        rx.cond(
            s.found,
            rx.form(
                rx.vstack(
                    rx.heading(t("New flash offer"), size="7", as_="h1"),
                    rx.text(
                        t(
                            "{title}: {price} now, {n} in stock.",
                            title=s.listing_title,
                            price=s.listing_price,
                            n=s.listing_stock,
                        ),
                        color=rx.color("gray", 11),
                    ),
                    rx.text(
                        rx.cond(
                            s.made_to_order,
                            t("Made to order: the number of pieces caps the orders."),
                            t(
                                "The pieces leave your listing's stock now; what is not sold "
                                "comes back when the offer ends."
                            ),
                        ),
                        size="2",
                    ),
                    form_error(s.error),
                    rx.el.input(type="hidden", name="listing_id", value=s.listing_id.to_string()),
                    rx.grid(
                        field(
                            t("Offer price"),
                            "price",
                            s.field_errors,
                            default_value=s.suggested_price,
                            hint=t("Below the listing's price of {price}.", price=s.listing_price),
                            input_mode="decimal",
                        ),
                        field(
                            t("Pieces"),
                            "quantity",
                            s.field_errors,
                            type="number",
                            default_value="1",
                            min=1,
                        ),
                        field(
                            t("Pieces per buyer (optional)"),
                            "per_buyer",
                            s.field_errors,
                            type="number",
                            min=1,
                        ),
                        columns={"initial": "1", "sm": "3"},
                        gap="0.75rem",
                        width="100%",
                    ),
                    rx.grid(
                        select_field(
                            t("Starts"),
                            "starts",
                            STARTS,
                            s.field_errors,
                            default_value="now",
                            translate=True,
                        ),
                        select_field(
                            t("Runs for"),
                            "duration",
                            DURATIONS,
                            s.field_errors,
                            default_value="1d",
                            translate=True,
                        ),
                        columns={"initial": "1", "sm": "2"},
                        gap="0.75rem",
                        width="100%",
                    ),
                    select_field(
                        t("Who can see it"),
                        "audience",
                        AUDIENCES,
                        s.field_errors,
                        default_value="followers",
                        translate=True,
                    ),
                    field(
                        t("A note for your followers (optional)"),
                        "note",
                        s.field_errors,
                        multiline=True,
                    ),
                    rx.hstack(
                        rx.button(t("Publish offer"), type="submit", loading=s.busy, size="3"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="4",
                    width="100%",
                ),
                on_submit=s.submit,
                reset_on_submit=False,
                id="new-offer-form",
            ),
            rx.vstack(
                rx.heading(t("We couldn't find that listing."), size="6", as_="h1"),
                rx.text(t("You can make flash offers for your own active listings.")),
                spacing="3",
            ),
        ),
        width="720px",
    )
