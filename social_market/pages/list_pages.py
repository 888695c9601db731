"""Curated lists: a list's page, one's own lists, a person's lists."""

from __future__ import annotations

import reflex as rx

from social_market import urls
from social_market.components.fields import field, form_error
from social_market.components.layout import page
from social_market.components.lists import (
    list_item_photo,
    lists_grid,
    private_badge,
)
from social_market.i18n.ui import t, tn
from social_market.pages.people_pages import not_found_content
from social_market.services.lists import DESCRIPTION_MAX, NOTE_MAX, TITLE_MAX, ListItemView
from social_market.state.lists import ListPageState, MyListsState, PersonListsState


def _private_check(default_checked) -> rx.Component:
    return rx.text(
        rx.flex(
            rx.checkbox(name="private", id="field-private", default_checked=default_checked),
            t("Private: only I can see it"),
            gap="2",
            align="center",
        ),
        as_="label",
        size="2",
    )


def _details_form() -> rx.Component:
    s = ListPageState
    return rx.card(
        rx.form(
            rx.vstack(
                field(
                    t("Title"),
                    "title",
                    s.field_errors,
                    default_value=s.summary.title,
                    max_length=TITLE_MAX,
                ),
                field(
                    t("Description (optional)"),
                    "description",
                    s.field_errors,
                    multiline=True,
                    default_value=s.summary.description,
                    max_length=DESCRIPTION_MAX,
                ),
                _private_check(~s.summary.public),
                rx.text(
                    t("Making a list private removes its followers."),
                    size="1",
                    color=rx.color("gray", 11),
                ),
                form_error(s.error),
                rx.hstack(
                    rx.button(t("Save"), type="submit", id="save-list-details"),
                    rx.button(
                        t("Cancel"), variant="soft", type="button", on_click=s.cancel_editing
                    ),
                    rx.spacer(),
                    rx.alert_dialog.root(
                        rx.alert_dialog.trigger(
                            rx.button(
                                t("Delete list"),
                                color_scheme="red",
                                variant="ghost",
                                type="button",
                                id="delete-list",
                            )
                        ),
                        rx.alert_dialog.content(
                            rx.alert_dialog.title(t("Delete this list?")),
                            rx.alert_dialog.description(
                                t("The list and its notes are deleted. This can't be undone.")
                            ),
                            rx.hstack(
                                rx.alert_dialog.cancel(rx.button(t("Keep it"), variant="soft")),
                                rx.alert_dialog.action(
                                    rx.button(
                                        t("Delete list"),
                                        color_scheme="red",
                                        on_click=s.delete_list,
                                        id="confirm-delete-list",
                                    )
                                ),
                                spacing="3",
                                justify="end",
                                margin_top="1rem",
                            ),
                        ),
                    ),
                    spacing="3",
                    width="100%",
                    wrap="wrap",
                ),
                spacing="3",
                width="100%",
            ),
            on_submit=s.save_details,
            reset_on_submit=False,
        ),
        width="100%",
        max_width="640px",
    )


def _header() -> rx.Component:
    s = ListPageState
    info = s.summary
    return rx.vstack(
        rx.hstack(
            rx.heading(info.title, size="7", as_="h1", id="list-title"),
            private_badge(info.public),
            spacing="3",
            align="center",
            wrap="wrap",
        ),
        rx.text(
            t("A list by"),
            " ",
            rx.link(info.owner_name, href="/u/" + info.owner_handle, id="list-owner"),
            " · ",
            tn("{n} item", "{n} items", info.item_count),
            " · ",
            tn("{n} follower", "{n} followers", info.follower_count),
            size="2",
            color=rx.color("gray", 11),
        ),
        rx.cond(
            info.description != "",
            rx.text(info.description, class_name="sm-text-block", max_width="720px"),
        ),
        rx.hstack(
            rx.cond(
                s.can_follow,
                rx.button(
                    rx.icon(rx.cond(s.following, "check", "plus"), size=16, aria_hidden="true"),
                    rx.cond(s.following, t("Following this list"), t("Follow this list")),
                    variant=rx.cond(s.following, "soft", "solid"),
                    aria_pressed=rx.cond(s.following, "true", "false"),
                    on_click=s.toggle_follow,
                    id="follow-list",
                ),
            ),
            rx.cond(
                ~s.signed_in,
                rx.link(t("Sign in to follow this list"), href="/signin", size="2"),
            ),
            rx.cond(
                s.is_owner & ~s.editing,
                rx.button(
                    rx.icon("pencil", size=16, aria_hidden="true"),
                    t("Edit list"),
                    variant="soft",
                    on_click=s.start_editing,
                    id="edit-list",
                ),
            ),
            spacing="3",
            wrap="wrap",
        ),
        rx.cond(s.editing, _details_form()),
        rx.cond(
            s.unavailable_count > 0,
            rx.callout(
                tn(
                    "{n} piece in this list is no longer for sale and is not shown.",
                    "{n} pieces in this list are no longer for sale and are not shown.",
                    s.unavailable_count,
                ),
                icon="info",
                color_scheme="gray",
                size="1",
            ),
        ),
        spacing="3",
        align="start",
        width="100%",
    )


def _note_editor(item: rx.Var[ListItemView]) -> rx.Component:
    s = ListPageState
    return rx.form(
        rx.vstack(
            rx.el.label(
                t("Note on {title}", title=item.listing.title),
                html_for="field-note",
                class_name="sm-label",
            ),
            rx.text_area(
                name="note",
                id="field-note",
                default_value=item.note,
                max_length=NOTE_MAX,
                rows="3",
                width="100%",
                aria_invalid=rx.cond(s.field_errors.contains("note"), "true", "false"),
            ),
            rx.cond(
                s.field_errors.contains("note"),
                rx.text(
                    s.field_errors["note"].to(str),
                    color=rx.color("red", 11),
                    size="1",
                    role="alert",
                ),
            ),
            rx.hstack(
                rx.button(t("Save note"), type="submit", size="2", id="save-note"),
                rx.button(
                    t("Cancel"), variant="soft", size="2", type="button", on_click=s.cancel_note
                ),
                spacing="2",
            ),
            spacing="2",
            width="100%",
        ),
        on_submit=s.save_note,
        reset_on_submit=False,
        width="100%",
    )


def _owner_tools(item: rx.Var[ListItemView], index: rx.Var[int]) -> rx.Component:
    s = ListPageState
    lid = item.listing.id
    return rx.hstack(
        rx.button(
            rx.icon("pencil", size=14, aria_hidden="true"),
            t("Edit note"),
            size="1",
            variant="soft",
            on_click=s.edit_note(lid),
            class_name="sm-edit-note",
        ),
        rx.icon_button(
            rx.icon("arrow_up", size=14),
            size="1",
            variant="soft",
            color_scheme="gray",
            disabled=index == 0,
            on_click=s.move(lid, -1),
            aria_label=t("Move {title} up", title=item.listing.title),
        ),
        rx.icon_button(
            rx.icon("arrow_down", size=14),
            size="1",
            variant="soft",
            color_scheme="gray",
            disabled=index == s.items.length() - 1,
            on_click=s.move(lid, 1),
            aria_label=t("Move {title} down", title=item.listing.title),
        ),
        rx.button(
            t("Remove"),
            size="1",
            variant="ghost",
            color_scheme="red",
            on_click=s.remove(lid),
            aria_label=t("Remove {title} from the list", title=item.listing.title),
            class_name="sm-remove-item",
        ),
        spacing="2",
        wrap="wrap",
    )


def _item_row(item: rx.Var[ListItemView], index: rx.Var[int]) -> rx.Component:
    s = ListPageState
    href = item.listing.url + "?via=list:" + s.summary.id.to(str)
    return rx.card(
        rx.hstack(
            rx.link(
                list_item_photo(item.listing.photo_url, item.listing.photo_alt),
                href=href,
                aria_hidden="true",
                tab_index=-1,
                display="block",
                width="112px",
                min_width="112px",
                flex_shrink="0",
            ),
            rx.vstack(
                rx.link(item.listing.title, href=href, weight="bold", class_name="sm-list-item"),
                rx.text(
                    item.listing.price,
                    " · ",
                    item.listing.shop_name,
                    size="2",
                    color=rx.color("gray", 11),
                ),
                rx.cond(
                    s.editing_note == item.listing.id,
                    _note_editor(item),
                    rx.cond(
                        item.note != "",
                        rx.blockquote(item.note, size="2", class_name="sm-list-note"),
                    ),
                ),
                rx.cond(s.is_owner, _owner_tools(item, index)),
                spacing="2",
                align="start",
                width="100%",
                min_width="0",
            ),
            spacing="4",
            align="start",
            width="100%",
        ),
        width="100%",
        class_name="sm-list-row",
    )


def list_page() -> rx.Component:
    s = ListPageState
    return page(
        rx.cond(
            s.found & (s.summary != None),  # noqa: E711 - Var comparison builds JS
            rx.vstack(
                _header(),
                rx.cond(
                    s.items.length() > 0,
                    rx.vstack(
                        rx.foreach(s.items, _item_row),
                        spacing="3",
                        width="100%",
                        max_width="820px",
                        id="list-items",
                    ),
                    rx.text(
                        rx.cond(
                            s.is_owner,
                            t("Nothing here yet. Use “Save to list” on any piece to add it."),
                            t("Nothing here yet."),
                        ),
                        color=rx.color("gray", 11),
                    ),
                ),
                spacing="5",
                width="100%",
            ),
            not_found_content(),
        )
    )


def _new_list_form() -> rx.Component:
    s = MyListsState
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(t("Start a new list"), size="4", as_="h2"),
                field(t("Title"), "title", s.field_errors, max_length=TITLE_MAX),
                field(
                    t("Description (optional)"),
                    "description",
                    s.field_errors,
                    multiline=True,
                    max_length=DESCRIPTION_MAX,
                ),
                _private_check(False),
                form_error(s.error),
                rx.button(t("Create list"), type="submit", id="create-list"),
                spacing="3",
                align="start",
                width="100%",
            ),
            on_submit=s.create,
            reset_on_submit=False,
        ),
        width="100%",
        max_width="560px",
    )


def my_lists_page() -> rx.Component:
    s = MyListsState
    return page(
        rx.vstack(
            rx.heading(t("Your lists"), size="7", as_="h1"),
            lists_grid(
                s.mine,
                rx.text(
                    t("You have no lists yet. Save pieces you love to a list, with a note."),
                    color=rx.color("gray", 11),
                ),
                id="my-lists",
            ),
            _new_list_form(),
            rx.heading(t("Lists you follow"), size="5", as_="h2"),
            lists_grid(
                s.followed,
                rx.text(t("You don't follow any lists yet."), color=rx.color("gray", 11)),
                id="followed-lists",
            ),
            spacing="5",
            width="100%",
        )
    )


def person_lists_page() -> rx.Component:
    s = PersonListsState
    return page(
        rx.cond(
            s.found,
            rx.vstack(
                rx.link(t("Back to the profile"), href="/u/" + s.handle, size="2"),
                rx.heading(t("Lists by @{handle}", handle=s.handle), size="7", as_="h1"),
                rx.cond(
                    s.is_me,
                    rx.link(t("Manage your lists"), href=urls.MY_LISTS, size="2"),
                ),
                lists_grid(
                    s.items,
                    rx.text(t("No public lists yet."), color=rx.color("gray", 11)),
                    id="person-lists",
                ),
                spacing="4",
                width="100%",
            ),
            not_found_content(),
        )
    )
