"""Curated lists: list cards, the "Save to list" dialog, "saved to N lists", list items."""

from __future__ import annotations

import reflex as rx

from social_market.components.fields import field, form_error
from social_market.components.listing_card import listing_photo, upload_src
from social_market.i18n.ui import t, tn
from social_market.services.lists import NOTE_MAX, TITLE_MAX, ListSummary
from social_market.state.lists import NEW, SaveToListState


def private_badge(public: rx.Var[bool]) -> rx.Component:
    return rx.cond(
        ~public,
        rx.badge(
            rx.icon("lock", size=12, aria_hidden="true"),
            t("Private"),
            color_scheme="gray",
            variant="soft",
        ),
    )


def _covers(item: rx.Var[ListSummary]) -> rx.Component:
    return rx.cond(
        item.covers.length() > 0,
        rx.grid(
            rx.foreach(
                item.covers,
                lambda url: rx.image(
                    src=upload_src(url),
                    alt="",
                    loading="lazy",
                    width="100%",
                    aspect_ratio="1",
                    object_fit="cover",
                    border_radius="4px",
                ),
            ),
            columns="2",
            gap="1",
            width="100%",
        ),
        rx.center(
            rx.icon("list", size=32, color=rx.color("gray", 9), aria_hidden="true"),
            width="100%",
            aspect_ratio="2",
            background=rx.color("gray", 3),
            border_radius="6px",
        ),
    )


def list_card(item: rx.Var[ListSummary]) -> rx.Component:
    """A list in a grid of lists: covers, title, owner, counts."""
    return rx.card(
        rx.link(
            rx.vstack(
                _covers(item),
                rx.hstack(
                    rx.text(item.title, weight="bold", size="3", class_name="sm-clamp-2"),
                    private_badge(item.public),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                rx.text(
                    t("by {name}", name=item.owner_name),
                    " · ",
                    tn("{n} item", "{n} items", item.item_count),
                    " · ",
                    tn("{n} follower", "{n} followers", item.follower_count),
                    size="1",
                    color=rx.color("gray", 11),
                ),
                spacing="2",
                align="start",
                width="100%",
            ),
            href=item.url,
            underline="none",
            color="inherit",
        ),
        width="100%",
        class_name="sm-list-card",
    )


def lists_grid(items: rx.Var[list[ListSummary]], empty: rx.Component, **props) -> rx.Component:
    return rx.cond(
        items.length() > 0,
        rx.grid(
            rx.foreach(items, list_card),
            columns={"initial": "1", "xs": "2", "md": "3"},
            gap="1rem",
            width="100%",
            **props,
        ),
        empty,
    )


def saved_count_text() -> rx.Component:
    s = SaveToListState
    return rx.cond(
        s.saved_count > 0,
        rx.text(
            rx.icon("bookmark", size=14, aria_hidden="true"),
            " ",
            tn("Saved to {n} list", "Saved to {n} lists", s.saved_count),
            size="2",
            color=rx.color("gray", 11),
            id="saved-count",
        ),
    )


def save_to_list_dialog() -> rx.Component:
    """The "Save to list" button and its dialog: pick one of one's lists or make a new
    one, and write a note."""
    s = SaveToListState
    return rx.fragment(
        rx.button(
            rx.icon("bookmark_plus", size=16, aria_hidden="true"),
            t("Save to list"),
            variant="soft",
            size="3",
            on_click=s.open_dialog,
            id="save-to-list",
        ),
        rx.dialog.root(
            rx.dialog.content(
                rx.dialog.title(t("Save to a list")),
                rx.dialog.description(
                    t("Collect pieces you love and add a note for each."),
                    size="2",
                    color=rx.color("gray", 11),
                ),
                rx.form(
                    rx.vstack(
                        rx.el.label(t("List"), html_for="save-list-choice", class_name="sm-label"),
                        rx.el.select(
                            rx.foreach(
                                s.my_lists,
                                lambda x: rx.el.option(
                                    x.title + rx.cond(x.has_listing, " ✓", ""),
                                    value=x.id.to(str),
                                ),
                            ),
                            rx.el.option(t("New list…"), value=NEW),
                            id="save-list-choice",
                            name="list",
                            value=s.choice,
                            on_change=s.set_choice,
                            class_name="sm-select",
                        ),
                        rx.cond(
                            s.choice == NEW,
                            rx.vstack(
                                field(
                                    t("Name of the new list"),
                                    "title",
                                    s.field_errors,
                                    max_length=TITLE_MAX,
                                ),
                                rx.text(
                                    rx.flex(
                                        rx.checkbox(name="private", id="field-private"),
                                        t("Private: only I can see it"),
                                        gap="2",
                                        align="center",
                                    ),
                                    as_="label",
                                    size="2",
                                ),
                                spacing="2",
                                width="100%",
                            ),
                        ),
                        field(
                            t("Note (optional)"),
                            "note",
                            s.field_errors,
                            multiline=True,
                            hint=t("Why this piece? Up to 500 characters."),
                            max_length=NOTE_MAX,
                        ),
                        rx.cond(
                            s.field_errors.contains("listing"),
                            rx.callout(
                                s.field_errors["listing"].to(str),
                                icon="triangle_alert",
                                color_scheme="red",
                                role="alert",
                                width="100%",
                            ),
                        ),
                        form_error(s.error),
                        rx.hstack(
                            rx.dialog.close(rx.button(t("Cancel"), variant="soft", type="button")),
                            rx.button(t("Save"), type="submit", id="save-to-list-submit"),
                            spacing="3",
                            justify="end",
                            width="100%",
                        ),
                        spacing="3",
                        width="100%",
                    ),
                    on_submit=s.save,
                    reset_on_submit=False,
                ),
                max_width="480px",
            ),
            open=s.dialog_open,
            on_open_change=s.set_dialog_open,
        ),
    )


def list_item_photo(url: rx.Var[str], alt: rx.Var[str]) -> rx.Component:
    return listing_photo(url, alt, aspect_ratio="1", object_fit="cover", border_radius="6px")
