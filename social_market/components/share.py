"""Share menu: copy link, email, the system share sheet, and an embeddable card."""

from __future__ import annotations

import reflex as rx

from social_market.i18n.ui import t


def share_menu(state) -> rx.Component:
    """The share button of a page whose state is a ``SharePageState``."""
    url, title, mailto = state.share_url, state.share_title, state.mailto
    embed_code, embed_open = state.embed_code, state.embed_open
    on_embed_open_change = state.set_embed_open
    return rx.fragment(
        rx.el.span(
            id="share-data", custom_attrs={"data-url": url, "data-title": title}, hidden=True
        ),
        rx.menu.root(
            rx.menu.trigger(
                rx.button(
                    rx.icon("share_2", size=16),
                    t("Share"),
                    variant="soft",
                    size="2",
                    id="share-button",
                )
            ),
            rx.menu.content(
                rx.menu.item(
                    t("Copy link"),
                    on_click=[rx.set_clipboard(url), rx.toast.success(t("Link copied"))],
                ),
                rx.menu.item(t("Email"), on_click=rx.redirect(mailto, is_external=False)),
                rx.menu.item(t("Share…"), on_click=rx.call_script("window.__smShare()")),
                rx.menu.separator(),
                rx.menu.item(t("Embed on your site"), on_click=on_embed_open_change(True)),
            ),
        ),
        rx.dialog.root(
            rx.dialog.content(
                rx.dialog.title(t("Embed on your site")),
                rx.dialog.description(
                    t("Paste this into your blog or website to show a card with a link back.")
                ),
                rx.text_area(
                    value=embed_code,
                    read_only=True,
                    rows="3",
                    width="100%",
                    aria_label=t("Embed code"),
                    id="embed-code",
                    margin_top="0.75rem",
                ),
                rx.hstack(
                    rx.button(
                        t("Copy code"),
                        on_click=[rx.set_clipboard(embed_code), rx.toast.success(t("Code copied"))],
                    ),
                    rx.dialog.close(rx.button(t("Close"), variant="soft")),
                    spacing="3",
                    margin_top="0.75rem",
                    justify="end",
                ),
            ),
            open=embed_open,
            on_open_change=on_embed_open_change,
        ),
    )
