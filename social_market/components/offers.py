"""Flash offers: a live countdown, the offer card, a page's offer section, the buy dialog."""

from __future__ import annotations

import reflex as rx

from social_market.components.buttons import link_button
from social_market.components.fields import field, form_error, select_field
from social_market.components.listing_card import listing_photo
from social_market.i18n.ui import t, tn
from social_market.services.offers import OfferCard
from social_market.state.offers import OffersState


def countdown(until: rx.Var[str], *, kind: str = "end", **props) -> rx.Component:
    """Time left until ``until`` (ISO 8601), counted in the page by assets/app.js."""
    return rx.el.span(
        class_name="sm-countdown",
        role="timer",
        custom_attrs={
            "data-countdown": until,
            "data-ended": t("Ended") if kind == "end" else t("Starting"),
            "data-days": t("d"),
            "data-kind": kind,
        },
        **props,
    )


def offer_card(offer: rx.Var[OfferCard], *, show_listing: bool = True) -> rx.Component:
    s = OffersState
    return rx.card(
        rx.flex(
            rx.cond(
                show_listing,
                rx.link(
                    rx.box(listing_photo(offer.photo_url, offer.photo_alt), width="96px"),
                    href=offer.listing_url,
                    flex_shrink="0",
                    aria_hidden="true",
                    tab_index=-1,
                ),
            ),
            rx.vstack(
                rx.hstack(
                    rx.badge(
                        rx.icon("zap", size=12, aria_hidden="true"),
                        t("Flash offer"),
                        color_scheme="tomato",
                    ),
                    rx.cond(
                        offer.followers_only,
                        rx.badge(t("For followers"), variant="soft", color_scheme="gray"),
                    ),
                    spacing="2",
                    wrap="wrap",
                ),
                rx.cond(
                    show_listing,
                    rx.vstack(
                        rx.link(offer.listing_title, href=offer.listing_url, weight="medium"),
                        rx.link(
                            offer.shop_name, href=offer.shop_url, size="1", color_scheme="gray"
                        ),
                        spacing="0",
                    ),
                ),
                rx.hstack(
                    rx.text(offer.price, size="5", weight="bold", color=rx.color("tomato", 11)),
                    rx.text(
                        rx.el.s(offer.was_price),
                        size="2",
                        color=rx.color("gray", 11),
                        aria_label=t("instead of {price}", price=offer.was_price),
                    ),
                    rx.badge(t("−{n} %", n=offer.percent_off), variant="outline"),
                    spacing="2",
                    align="baseline",
                    wrap="wrap",
                ),
                rx.cond(
                    offer.upcoming,
                    rx.text(
                        t("Starts in"), " ", countdown(offer.starts_at, kind="start"), size="2"
                    ),
                    rx.text(t("Ends in"), " ", countdown(offer.ends_at), size="2"),
                ),
                rx.text(
                    rx.cond(
                        offer.made_to_order,
                        tn("{n} order left", "{n} orders left", offer.remaining),
                        tn("{n} piece left", "{n} pieces left", offer.remaining),
                    ),
                    rx.cond(
                        offer.per_buyer > 0,
                        rx.text.span(" · ", t("at most {n} per person", n=offer.per_buyer)),
                    ),
                    rx.cond(
                        offer.bought > 0,
                        rx.text.span(" · ", t("you bought {n}", n=offer.bought)),
                    ),
                    size="2",
                    color=rx.color("gray", 11),
                ),
                rx.cond(
                    offer.mine,
                    rx.button(
                        t("End offer now"),
                        variant="soft",
                        color_scheme="red",
                        size="2",
                        on_click=s.cancel_offer(offer.id),
                    ),
                    rx.cond(
                        offer.live,
                        rx.button(
                            t("Buy at {price}", price=offer.price),
                            size="2",
                            color_scheme="tomato",
                            on_click=s.open_buy(offer.id),
                            class_name="sm-offer-buy",
                        ),
                    ),
                ),
                spacing="2",
                align="start",
                min_width="0",
            ),
            gap="3",
            align="start",
        ),
        id="offer-" + offer.id.to_string(),
        custom_attrs={"data-offer": offer.id},
        width="100%",
    )


def offer_section(*, show_listing: bool = True, heading: bool = True) -> rx.Component:
    """The page's live and coming offers (nothing at all when there are none)."""
    return rx.cond(
        OffersState.offers.length() > 0,
        rx.vstack(
            rx.heading(t("Flash offers"), size="5", as_="h2") if heading else rx.fragment(),
            rx.grid(
                rx.foreach(OffersState.offers, lambda o: offer_card(o, show_listing=show_listing)),
                columns={"initial": "1", "md": "2"},
                gap="3",
                width="100%",
            ),
            buy_dialog(),
            spacing="3",
            width="100%",
            aria_label=t("Flash offers"),
            role="region",
            id="flash-offers",
        ),
    )


def buy_dialog() -> rx.Component:
    s = OffersState
    o = s.buying
    return rx.dialog.root(
        rx.dialog.content(
            rx.cond(
                o != None,  # noqa: E711 - Var comparison builds JS
                rx.form(
                    rx.vstack(
                        rx.dialog.title(t("Buy in the flash offer")),
                        rx.dialog.description(
                            t(
                                "{title}: {price} a piece, plus shipping.",
                                title=o.listing_title,
                                price=o.price,
                            ),
                            size="2",
                        ),
                        rx.text(t("Ends in"), " ", countdown(o.ends_at), size="2"),
                        form_error(s.buy_error),
                        rx.el.input(type="hidden", name="offer_id", value=o.id.to_string()),
                        field(
                            t("Quantity"),
                            "quantity",
                            s.buy_errors,
                            type="number",
                            default_value="1",
                            min=1,
                            max=o.remaining,
                        ),
                        select_field(
                            t("How will you pay?"),
                            "payment_method",
                            s.method_options,
                            s.buy_errors,
                            default_value=s.default_method,
                            translate=True,
                        ),
                        field(t("Full name"), "name", s.buy_errors, autocomplete="name"),
                        field(
                            t("Street and number"),
                            "line1",
                            s.buy_errors,
                            autocomplete="address-line1",
                            hint=t("Not needed when you pick up and pay at the workshop."),
                        ),
                        field(
                            t("Address line 2 (optional)"),
                            "line2",
                            s.buy_errors,
                            autocomplete="address-line2",
                        ),
                        rx.grid(
                            field(
                                t("Postcode"),
                                "postcode",
                                s.buy_errors,
                                autocomplete="postal-code",
                            ),
                            field(t("City"), "city", s.buy_errors, autocomplete="address-level2"),
                            columns="2",
                            gap="0.75rem",
                            width="100%",
                        ),
                        select_field(
                            t("Shipping to"),
                            "country",
                            s.country_options,
                            s.buy_errors,
                            default_value="DE",
                        ),
                        rx.hstack(
                            rx.dialog.close(rx.button(t("Cancel"), variant="soft", type="button")),
                            rx.button(
                                t("Place order"),
                                type="submit",
                                loading=s.busy,
                                color_scheme="tomato",
                            ),
                            justify="end",
                            width="100%",
                            spacing="3",
                        ),
                        spacing="3",
                        width="100%",
                    ),
                    on_submit=s.buy,
                    reset_on_submit=False,
                    id="offer-buy-form",
                ),
            ),
            max_width="480px",
        ),
        open=s.buy_open,
        on_open_change=s.set_buy_open,
    )


def new_offer_link(listing_id: rx.Var[int]) -> rx.Component:
    return link_button(
        rx.hstack(rx.icon("zap", size=14, aria_hidden="true"), t("New flash offer"), spacing="1"),
        "/sell/offers/new/" + listing_id.to_string(),
        variant="soft",
        color_scheme="tomato",
        size="3",
        id="new-flash-offer",
    )


def offer_feed_link(url: rx.Var[str], ends_at: rx.Var[str]) -> rx.Component:
    """In a feed card: the flash offer's countdown and a link to it."""
    return rx.cond(
        url != "",
        rx.hstack(
            rx.text(t("Ends in"), " ", countdown(ends_at), size="2"),
            rx.link(t("See the offer"), href=url, size="2", weight="medium"),
            spacing="3",
            align="center",
            wrap="wrap",
            custom_attrs={"data-offer": url},
        ),
    )
