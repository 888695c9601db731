"""The page shell every page shares: header, main area, footer."""

from __future__ import annotations

import reflex as rx

from social_market import urls
from social_market.components.avatar import avatar
from social_market.components.buttons import link_button
from social_market.i18n.ui import t, tn
from social_market.state.auth import AuthState
from social_market.state.live import LiveState
from social_market.state.search import SearchState


def logo() -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.icon("store", size=26, color=rx.color("accent", 11)),
            rx.text(t("Social Market"), size="5", weight="bold", class_name="sm-logo-text"),
            align="center",
            spacing="2",
        ),
        href=urls.HOME,
        underline="none",
        color=rx.color("gray", 12),
        aria_label=t("Social Market home"),
    )


def search_box(**props) -> rx.Component:
    return rx.form(
        rx.input(
            rx.input.slot(rx.icon("search", size=16)),
            name="q",
            placeholder=t("Search handmade goods…"),
            aria_label=t("Search"),
            type="search",
            size="2",
            width="100%",
        ),
        on_submit=SearchState.submit,
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
                aria_label=t("Account menu"),
                id="account-menu",
            )
        ),
        rx.menu.content(
            rx.menu.item(
                t("My profile"),
                on_click=rx.redirect("/u/" + AuthState.me_handle),
            ),
            rx.menu.item(t("Your orders"), on_click=rx.redirect(urls.ORDERS)),
            rx.menu.item(t("Favourites"), on_click=rx.redirect(urls.FAVOURITES)),
            rx.menu.item(t("Your lists"), on_click=rx.redirect(urls.MY_LISTS)),
            rx.menu.item(t("Rewards"), on_click=rx.redirect(urls.REWARDS), id="rewards-link"),
            rx.menu.item(t("Your shop"), on_click=rx.redirect(urls.SELL)),
            rx.menu.separator(),
            rx.menu.item(t("Your feed"), on_click=rx.redirect(urls.FEED)),
            rx.menu.item(t("Settings"), on_click=rx.redirect(urls.SETTINGS)),
            rx.menu.item(t("Privacy"), on_click=rx.redirect(urls.SETTINGS_PRIVACY)),
            rx.menu.item(t("Password & security"), on_click=rx.redirect(urls.SETTINGS_SECURITY)),
            rx.cond(
                AuthState.is_moderator,
                rx.menu.item(
                    t("Moderation"), on_click=rx.redirect(urls.MODERATION), id="moderation-link"
                ),
            ),
            rx.menu.separator(),
            rx.menu.item(t("Sign out"), on_click=AuthState.sign_out, color_scheme="red"),
        ),
    )


def language_switcher(**props) -> rx.Component:
    """EN | DE: switching re-renders text in place (page, data and typed input stay)."""

    def option(code: str, label: str, name: str) -> rx.Component:
        return rx.button(
            label,
            variant=rx.cond(AuthState.lang == code, "solid", "soft"),
            size="1",
            on_click=AuthState.set_language(code),
            aria_pressed=rx.cond(AuthState.lang == code, "true", "false"),
            aria_label=name,
            lang=code,
            class_name=f"sm-lang-{code}",
        )

    return rx.hstack(
        option("en", "EN", "English"),
        option("de", "DE", "Deutsch"),
        spacing="1",
        role="group",
        aria_label=t("Language"),
        **props,
    )


def messages_link() -> rx.Component:
    """Messages, with the number of conversations that have unread messages (live)."""
    count = LiveState.unread_messages
    return rx.link(
        rx.icon("message_circle", size=20, aria_hidden="true"),
        rx.cond(
            count > 0,
            rx.badge(count.to_string(), size="1", variant="solid", id="message-count"),
        ),
        href=urls.MESSAGES,
        aria_label=tn("Messages, {n} unread", "Messages, {n} unread", count),
        display="flex",
        align_items="center",
        gap="4px",
        color=rx.color("gray", 12),
        id="messages-link",
    )


def notifications_bell() -> rx.Component:
    """The bell with the unread count, live on every page (``LiveState``)."""
    count = LiveState.unread_notifications
    return rx.link(
        rx.icon("bell", size=20, aria_hidden="true"),
        rx.cond(
            count > 0,
            rx.badge(
                rx.cond(count > 99, "99+", count.to_string()),
                size="1",
                variant="solid",
                id="notification-count",
            ),
        ),
        href=urls.NOTIFICATIONS,
        aria_label=tn("Notifications, {n} new", "Notifications, {n} new", count),
        display="flex",
        align_items="center",
        gap="4px",
        color=rx.color("gray", 12),
        id="notifications-link",
    )


def header() -> rx.Component:
    return rx.el.header(
        rx.hstack(
            logo(),
            rx.box(search_box(), flex="1", max_width="420px", class_name="sm-hide-mobile"),
            rx.spacer(),
            language_switcher(class_name="sm-hide-mobile"),
            rx.color_mode.button(size="2", variant="ghost", aria_label=t("Toggle dark mode")),
            rx.link(
                rx.icon("users", size=20, aria_hidden="true"),
                rx.text.span(t("Teams"), class_name="sm-hide-mobile"),
                href=urls.TEAMS,
                aria_label=t("Teams"),
                display="flex",
                align_items="center",
                gap="4px",
                color=rx.color("gray", 12),
                id="teams-link",
            ),
            rx.cond(
                AuthState.signed_in,
                rx.link(
                    rx.icon("newspaper", size=20, aria_hidden="true"),
                    rx.text.span(t("Feed"), class_name="sm-hide-mobile"),
                    href=urls.FEED,
                    aria_label=t("Your feed"),
                    display="flex",
                    align_items="center",
                    gap="4px",
                    color=rx.color("gray", 12),
                    id="feed-link",
                ),
            ),
            rx.cond(AuthState.signed_in, messages_link()),
            rx.cond(AuthState.signed_in, notifications_bell()),
            rx.cond(
                AuthState.signed_in,
                rx.link(
                    rx.icon("shopping_bag", size=20, aria_hidden="true"),
                    rx.cond(
                        AuthState.cart_count > 0,
                        rx.badge(AuthState.cart_count, size="1", variant="solid", id="cart-count"),
                    ),
                    href=urls.CART,
                    aria_label=tn("Cart, {n} piece", "Cart, {n} pieces", AuthState.cart_count),
                    display="flex",
                    align_items="center",
                    gap="4px",
                    color=rx.color("gray", 12),
                    id="cart-link",
                ),
            ),
            rx.cond(
                AuthState.signed_in,
                account_menu(),
                rx.hstack(
                    link_button(t("Sign in"), urls.SIGN_IN, variant="soft", white_space="nowrap"),
                    link_button(t("Join"), urls.SIGN_UP, white_space="nowrap"),
                    spacing="2",
                ),
            ),
            align="center",
            spacing={"initial": "2", "sm": "4"},
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
                rx.text(t("Social Market"), weight="bold"),
                rx.text(
                    t("Handmade goods, and the people who make and love them."),
                    size="2",
                    color=rx.color("gray", 11),
                ),
                spacing="1",
                align="start",
            ),
            rx.spacer(),
            rx.hstack(
                rx.link(t("People"), href=urls.PEOPLE, size="2"),
                rx.link(t("Teams"), href=urls.TEAMS, size="2"),
                rx.cond(
                    AuthState.signed_in,
                    rx.link(t("Settings"), href=urls.SETTINGS, size="2"),
                    rx.fragment(
                        rx.link(t("Join"), href=urls.SIGN_UP, size="2"),
                        rx.link(t("Sign in"), href=urls.SIGN_IN, size="2"),
                    ),
                ),
                language_switcher(),
                spacing="4",
                wrap="wrap",
                align="center",
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
        rx.el.a(t("Skip to content"), href="#main", class_name="sm-skip-link"),
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
        # Links this tab to its person's live badge (or unlinks it after sign-out).
        rx.el.span(on_mount=LiveState.connect, hidden=True),
        # Tests wait for this marker: the backend has answered the page's on_load.
        rx.el.span(
            custom_attrs={"data-sm-ready": rx.cond(AuthState.auth_checked, "true", "false")},
            hidden=True,
        ),
        lang=AuthState.lang,
        min_height="100vh",
        display="flex",
        flex_direction="column",
        class_name="sm-page",
    )
