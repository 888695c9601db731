"""The page shell every page shares: header, main area, footer."""

from __future__ import annotations

import reflex as rx

from social_market import urls
from social_market.components.avatar import avatar
from social_market.components.buttons import link_button
from social_market.state.auth import AuthState
from social_market.state.people import PeopleSearchState


def logo() -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.icon("store", size=26, color=rx.color("accent", 11)),
            rx.text("Social Market", size="5", weight="bold", class_name="sm-logo-text"),
            align="center",
            spacing="2",
        ),
        href=urls.HOME,
        underline="none",
        color=rx.color("gray", 12),
        aria_label="Social Market home",
    )


def search_box(**props) -> rx.Component:
    return rx.form(
        rx.input(
            rx.input.slot(rx.icon("search", size=16)),
            name="q",
            placeholder="Search people…",
            aria_label="Search",
            type="search",
            size="2",
            width="100%",
        ),
        on_submit=PeopleSearchState.submit,
        role="search",
        width="100%",
        **props,
    )


def account_menu() -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                avatar(AuthState.me_avatar, AuthState.me_initials, size="2"),
                rx.text(AuthState.me_name, class_name="sm-hide-mobile", size="2"),
                variant="ghost",
                aria_label="Account menu",
                id="account-menu",
            )
        ),
        rx.menu.content(
            rx.menu.item(
                "My profile",
                on_click=rx.redirect("/u/" + AuthState.me_handle),
            ),
            rx.menu.item("Settings", on_click=rx.redirect(urls.SETTINGS)),
            rx.menu.item("Password & security", on_click=rx.redirect(urls.SETTINGS_SECURITY)),
            rx.menu.separator(),
            rx.menu.item("Sign out", on_click=AuthState.sign_out, color_scheme="red"),
        ),
    )


def header() -> rx.Component:
    return rx.el.header(
        rx.hstack(
            logo(),
            rx.box(search_box(), flex="1", max_width="420px", class_name="sm-hide-mobile"),
            rx.spacer(),
            rx.color_mode.button(size="2", variant="ghost", aria_label="Toggle dark mode"),
            rx.cond(
                AuthState.signed_in,
                account_menu(),
                rx.hstack(
                    link_button("Sign in", urls.SIGN_IN, variant="soft", white_space="nowrap"),
                    link_button("Join", urls.SIGN_UP, white_space="nowrap"),
                    spacing="2",
                ),
            ),
            align="center",
            spacing="4",
            width="100%",
            max_width="1200px",
            margin_x="auto",
            padding_x="1rem",
            padding_y="0.75rem",
        ),
        rx.box(
            search_box(), class_name="sm-show-mobile", padding_x="1rem", padding_bottom="0.75rem"
        ),
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        background_color=rx.color("gray", 1),
        position="sticky",
        top="0",
        z_index="10",
    )


def footer() -> rx.Component:
    return rx.el.footer(
        rx.flex(
            rx.vstack(
                rx.text("Social Market", weight="bold"),
                rx.text(
                    "Handmade goods, and the people who make and love them.",
                    size="2",
                    color=rx.color("gray", 11),
                ),
                spacing="1",
                align="start",
            ),
            rx.spacer(),
            rx.hstack(
                rx.link("People", href=urls.PEOPLE, size="2"),
                rx.cond(
                    AuthState.signed_in,
                    rx.link("Settings", href=urls.SETTINGS, size="2"),
                    rx.fragment(
                        rx.link("Join", href=urls.SIGN_UP, size="2"),
                        rx.link("Sign in", href=urls.SIGN_IN, size="2"),
                    ),
                ),
                spacing="4",
                wrap="wrap",
            ),
            direction={"initial": "column", "sm": "row"},
            gap="1rem",
            width="100%",
            max_width="1200px",
            margin_x="auto",
            padding="1.5rem",
        ),
        border_top=f"1px solid {rx.color('gray', 5)}",
        background_color=rx.color("gray", 2),
        margin_top="auto",
    )


def page(*children, width: str = "1200px") -> rx.Component:
    """The shell: skip link, header, a main landmark with the content, footer."""
    return rx.box(
        rx.el.a("Skip to content", href="#main", class_name="sm-skip-link"),
        header(),
        rx.el.main(
            rx.box(
                *children,
                width="100%",
                max_width=width,
                margin_x="auto",
                padding_x="1rem",
                padding_y="1.5rem",
            ),
            id="main",
            tab_index=-1,
            style={"flex": "1", "outline": "none"},
        ),
        footer(),
        # Tests wait for this marker: the backend has answered the page's on_load.
        rx.el.span(
            custom_attrs={"data-sm-ready": rx.cond(AuthState.auth_checked, "true", "false")},
            hidden=True,
        ),
        min_height="100vh",
        display="flex",
        flex_direction="column",
        class_name="sm-page",
    )
