"""Listing cards and grids: photo (lazy-loaded), title, shop, price."""

from __future__ import annotations

import reflex as rx

from social_market.i18n.ui import t
from social_market.models.market import ListingCard


def upload_src(path: rx.Var[str]) -> rx.Var[str]:
    """A stored upload's path (e.g. 'listings/abc_400.webp') as a browser URL."""
    return rx.get_upload_url(path)


def listing_photo(path: rx.Var[str], alt: rx.Var[str], **props) -> rx.Component:
    return rx.cond(
        path != "",
        rx.image(
            src=upload_src(path),
            alt=alt,
            **{
                "loading": "lazy",
                "decoding": "async",
                "width": "100%",
                "height": "auto",
                "class_name": "sm-photo",
                **props,
            },
        ),
        rx.center(
            rx.icon("image", size=32, color=rx.color("gray", 9), aria_hidden="true"),
            width="100%",
            aspect_ratio="1",
            background=rx.color("gray", 3),
            border_radius="8px",
        ),
    )


def network_badge(item: rx.Var[ListingCard]) -> rx.Component:
    """ "Anna (and 2 others you follow) reviewed / bought / favourited this"."""
    others = item.network_others
    text = rx.match(
        item.network_kind,
        (
            "reviewed",
            rx.cond(
                others > 0,
                t("{name} and {n} more you follow reviewed this", name=item.network_name, n=others),
                t("{name} reviewed this", name=item.network_name),
            ),
        ),
        (
            "bought",
            rx.cond(
                others > 0,
                t("{name} and {n} more you follow bought this", name=item.network_name, n=others),
                t("{name} bought this", name=item.network_name),
            ),
        ),
        rx.cond(
            others > 0,
            t("{name} and {n} more you follow love this", name=item.network_name, n=others),
            t("{name} loves this", name=item.network_name),
        ),
    )
    return rx.badge(
        rx.icon("users", size=12, aria_hidden="true"),
        text,
        variant="soft",
        color_scheme="iris",
        high_contrast=True,
        class_name="sm-network-badge",
        white_space="normal",
    )


def listing_card(item: rx.Var[ListingCard]) -> rx.Component:
    return rx.link(
        rx.vstack(
            listing_photo(item.photo_url, item.photo_alt, aspect_ratio="1", object_fit="cover"),
            rx.text(item.title, size="2", weight="medium", class_name="sm-clamp-2"),
            rx.text(item.shop_name, size="1", color=rx.color("gray", 11)),
            rx.cond(
                item.rating_count > 0,
                rx.text(
                    "★ ",
                    item.rating_avg,
                    rx.text.span(" (", item.rating_count, ")", color=rx.color("gray", 11)),
                    size="1",
                    color=rx.color("amber", 11),
                    aria_label=t(
                        "{avg} out of 5 stars from {n} reviews",
                        avg=item.rating_avg,
                        n=item.rating_count,
                    ),
                ),
            ),
            rx.cond(item.network_kind != "", network_badge(item)),
            rx.hstack(
                rx.text(item.price, weight="bold", size="3"),
                rx.cond(
                    item.made_to_order,
                    rx.badge(t("Made to order"), variant="soft", color_scheme="gray"),
                    rx.cond(
                        ~item.in_stock,
                        rx.badge(t("Sold out"), variant="soft", color_scheme="gray"),
                    ),
                ),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            spacing="1",
            align="start",
            width="100%",
        ),
        href=item.url,
        underline="none",
        color="inherit",
        class_name="sm-listing-card",
    )


def listing_grid(items: rx.Var[list[ListingCard]], **props) -> rx.Component:
    return rx.grid(
        rx.foreach(items, listing_card),
        columns={"initial": "2", "sm": "3", "md": "4"},
        gap="1rem",
        width="100%",
        **props,
    )
