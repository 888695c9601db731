"""/notifications and /settings/notifications."""

from __future__ import annotations

import reflex as rx

from social_market.components.avatar import avatar
from social_market.components.fields import form_error, form_notice
from social_market.components.layout import page
from social_market.components.live import on_change
from social_market.components.paged_list import paged_list
from social_market.i18n.ui import t, t_var
from social_market.models.notification import KINDS
from social_market.services.notifications import KIND_LABELS, NotificationCard
from social_market.state.live import LiveState
from social_market.state.notifications import NotificationSettingsState, NotificationsState


def _item(item: rx.Var[NotificationCard]) -> rx.Component:
    return rx.el.li(
        rx.link(
            rx.hstack(
                rx.cond(
                    item.initials != "",
                    avatar(item.avatar, item.initials, size="2"),
                    rx.icon("bell", size=20, aria_hidden="true"),
                ),
                rx.vstack(
                    rx.text(
                        t_var(item.template, name=item.name, snippet=item.snippet),
                        size="2",
                        weight=rx.cond(item.unread, "bold", "regular"),
                    ),
                    rx.text(item.when, size="1", color=rx.color("gray", 11)),
                    spacing="0",
                    align="start",
                ),
                rx.spacer(),
                rx.cond(
                    item.unread,
                    rx.badge(t("New"), color_scheme="tomato", variant="solid", size="1"),
                ),
                align="center",
                spacing="3",
                width="100%",
            ),
            href=item.link,
            underline="none",
            color=rx.color("gray", 12),
            display="block",
            padding="0.75rem",
            border_radius="8px",
            background_color=rx.cond(item.unread, rx.color("tomato", 2), "transparent"),
            _hover={"background_color": rx.color("gray", 3)},
        ),
        class_name="sm-notification",
        list_style="none",
    )


def notifications_page() -> rx.Component:
    s = NotificationsState
    return page(
        rx.vstack(
            rx.hstack(
                rx.heading(t("Notifications"), size="7", as_="h1"),
                rx.spacer(),
                rx.link(t("Settings"), href="/settings/notifications", size="2"),
                width="100%",
                align="center",
            ),
            # Remounts (and refreshes the list) whenever the live badge changes.
            on_change(LiveState.unread_notifications, s.refresh),
            paged_list(
                s,
                s.items,
                _item,
                list_id="notifications",
                empty=t(
                    "No notifications yet. When someone follows you, comments, "
                    "likes or mentions you, you'll see it here."
                ),
            ),
            spacing="4",
            width="100%",
        ),
        width="720px",
    )


def notification_settings_page() -> rx.Component:
    from social_market.pages.settings_pages import _tabs

    s = NotificationSettingsState
    return page(
        rx.vstack(
            rx.heading(t("Settings"), size="7", as_="h1"),
            _tabs("notifications"),
            rx.card(
                rx.form(
                    rx.vstack(
                        rx.heading(t("Tell me about"), size="4", as_="h2"),
                        *[
                            rx.el.label(
                                rx.switch(
                                    checked=s.on[kind],
                                    on_change=lambda v, k=kind: s.set_kind(k, v),
                                    id=f"notify-{kind}",
                                ),
                                t(KIND_LABELS.get(kind, kind)),  # new kinds may lack a label yet
                                style={"display": "flex", "gap": "8px", "align-items": "center"},
                            )
                            for kind in KINDS
                        ],
                        rx.heading(t("Email"), size="4", as_="h2"),
                        rx.el.label(
                            rx.switch(checked=s.digest, on_change=s.set_digest, id="notify-digest"),
                            t("Send me a daily email with unread notifications"),
                            style={"display": "flex", "gap": "8px", "align-items": "center"},
                        ),
                        rx.el.label(
                            rx.switch(
                                checked=s.email_messages,
                                on_change=s.set_email_messages,
                                id="notify-email-messages",
                            ),
                            t("Email me when messages wait unread for a while"),
                            style={"display": "flex", "gap": "8px", "align-items": "center"},
                        ),
                        form_error(s.error),
                        form_notice(s.notice),
                        rx.button(t("Save notification settings"), type="submit"),
                        spacing="4",
                        align="start",
                        width="100%",
                    ),
                    on_submit=s.save,
                ),
                width="100%",
            ),
            spacing="4",
            width="100%",
        ),
        width="720px",
    )
