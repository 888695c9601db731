"""/moderation: the queue of reports, suspended accounts and the audit log (moderators only;
everyone else gets the same not-found page as any unknown address)."""

from __future__ import annotations

import reflex as rx

from social_market.components.layout import page
from social_market.i18n.ui import t, t_var, tn
from social_market.pages.people_pages import not_found_content
from social_market.services.moderation import ActionPublic, QueueItem, SuspendedAccount
from social_market.state.moderation import ModerationState


def _queue_item(item: rx.Var[QueueItem]) -> rx.Component:
    s = ModerationState
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.badge(t_var(item.kind_label), size="2", variant="surface"),
                rx.text(
                    tn("{n} report", "{n} reports", item.report_count),
                    weight="bold",
                    size="2",
                ),
                rx.foreach(
                    item.reasons,
                    lambda r: rx.badge(
                        t_var(r.reason), " × ", r.count, color_scheme="red", variant="soft"
                    ),
                ),
                rx.cond(
                    item.hidden,
                    rx.badge(t("Hidden"), color_scheme="gray", variant="solid"),
                ),
                rx.cond(
                    item.owner_suspended,
                    rx.badge(t("Account suspended"), color_scheme="gray", variant="solid"),
                ),
                rx.spacer(),
                rx.text(
                    t("First reported {date}", date=item.first_reported),
                    size="1",
                    color=rx.color("gray", 11),
                ),
                spacing="2",
                wrap="wrap",
                align="center",
                width="100%",
            ),
            rx.cond(
                item.exists,
                rx.text(item.preview, size="2", class_name="sm-text-block"),
                rx.text(t("This no longer exists."), size="2", color=rx.color("gray", 11)),
            ),
            rx.hstack(
                rx.cond(
                    item.url != "",
                    rx.link(t("Open"), href=item.url, size="2", underline="always"),
                ),
                rx.cond(
                    item.owner_handle != "",
                    rx.text(
                        t("Owner: @{handle}", handle=item.owner_handle),
                        size="2",
                        color=rx.color("gray", 11),
                    ),
                ),
                spacing="4",
            ),
            rx.cond(
                item.notes.length() > 0,
                rx.vstack(
                    rx.foreach(
                        item.notes,
                        lambda n: rx.box(
                            rx.text(
                                "@",
                                n.reporter_handle,
                                " · ",
                                t_var(n.reason),
                                " · ",
                                n.when,
                                size="1",
                                color=rx.color("gray", 11),
                            ),
                            rx.text(n.note, size="2", class_name="sm-text-block"),
                            border_left=f"3px solid {rx.color('gray', 6)}",
                            padding_left="0.75rem",
                        ),
                    ),
                    spacing="2",
                    width="100%",
                ),
            ),
            rx.hstack(
                rx.button(
                    t("Dismiss"),
                    variant="soft",
                    size="2",
                    on_click=s.dismiss(item.kind, item.target_id),
                    class_name="sm-mod-dismiss",
                ),
                rx.cond(
                    item.can_hide,
                    rx.cond(
                        item.hidden,
                        rx.button(
                            t("Unhide"),
                            variant="soft",
                            size="2",
                            on_click=s.unhide(item.kind, item.target_id),
                            class_name="sm-mod-unhide",
                        ),
                        rx.button(
                            t("Hide"),
                            color_scheme="red",
                            size="2",
                            on_click=s.hide(item.kind, item.target_id),
                            class_name="sm-mod-hide",
                        ),
                    ),
                ),
                rx.cond(
                    item.owner_id > 0,
                    rx.cond(
                        item.owner_suspended,
                        rx.button(
                            t("Unsuspend account"),
                            variant="soft",
                            size="2",
                            on_click=s.unsuspend(item.owner_id),
                            class_name="sm-mod-unsuspend",
                        ),
                        rx.button(
                            t("Suspend account"),
                            color_scheme="red",
                            variant="outline",
                            size="2",
                            on_click=s.open_suspend(item.owner_id, item.owner_handle),
                            class_name="sm-mod-suspend",
                        ),
                    ),
                ),
                spacing="2",
                wrap="wrap",
            ),
            spacing="3",
            align="start",
            width="100%",
        ),
        width="100%",
        class_name="sm-mod-item",
    )


def _suspend_dialog() -> rx.Component:
    s = ModerationState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("Suspend @{handle}?", handle=s.suspend_handle)),
            rx.dialog.description(
                t(
                    "They are signed out at once and can't sign in; their profile, shop and "
                    "listings are hidden until the suspension is lifted."
                ),
                size="2",
            ),
            rx.form(
                rx.el.label(t("Reason"), html_for="suspend-reason", class_name="sm-label"),
                rx.text_area(
                    name="reason",
                    id="suspend-reason",
                    required=True,
                    max_length=500,
                    rows="3",
                    width="100%",
                ),
                rx.cond(
                    s.suspend_error != "",
                    rx.callout(s.suspend_error, icon="circle_alert", color_scheme="red"),
                ),
                rx.hstack(
                    rx.dialog.close(rx.button(t("Cancel"), variant="soft", type="button")),
                    rx.button(t("Suspend account"), color_scheme="red", type="submit"),
                    spacing="3",
                    justify="end",
                    margin_top="1rem",
                ),
                on_submit=s.suspend,
            ),
        ),
        open=s.suspend_user_id > 0,
        on_open_change=s.set_suspend_open,
    )


def _suspended_row(a: rx.Var[SuspendedAccount]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(a.name, " (@", a.handle, ")")),
        rx.table.cell(rx.text(a.reason, class_name="sm-text-block")),
        rx.table.cell(a.since),
        rx.table.cell(
            rx.button(
                t("Unsuspend account"),
                size="1",
                variant="soft",
                on_click=ModerationState.unsuspend(a.user_id),
                aria_label=t("Unsuspend @{handle}", handle=a.handle),
            )
        ),
    )


def _action_row(a: rx.Var[ActionPublic]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(a.when),
        rx.table.cell(rx.cond(a.moderator != "", "@" + a.moderator, t("command line"))),
        rx.table.cell(t_var(a.action)),
        rx.table.cell(
            rx.text(
                t_var(a.kind_label),
                ": ",
                rx.cond(a.url != "", rx.link(a.target, href=a.url), a.target),
            )
        ),
        rx.table.cell(rx.text(a.reason, class_name="sm-text-block")),
    )


def moderation_page() -> rx.Component:
    s = ModerationState
    return page(
        rx.cond(
            s.allowed,
            rx.vstack(
                rx.heading(t("Moderation"), size="7", as_="h1"),
                rx.heading(t("Reports to review"), size="5", as_="h2"),
                rx.cond(
                    s.items.length() > 0,
                    rx.vstack(rx.foreach(s.items, _queue_item), spacing="3", width="100%"),
                    rx.text(t("Nothing to review. Thank you!"), color=rx.color("gray", 11)),
                ),
                rx.cond(
                    s.next_cursor > 0,
                    rx.button(t("Show more"), on_click=s.more, variant="soft"),
                ),
                _suspend_dialog(),
                rx.cond(
                    s.suspended.length() > 0,
                    rx.vstack(
                        rx.heading(t("Suspended accounts"), size="5", as_="h2"),
                        rx.table.root(
                            rx.table.header(
                                rx.table.row(
                                    rx.table.column_header_cell(t("Account")),
                                    rx.table.column_header_cell(t("Reason")),
                                    rx.table.column_header_cell(t("Since")),
                                    rx.table.column_header_cell(""),
                                )
                            ),
                            rx.table.body(rx.foreach(s.suspended, _suspended_row)),
                            size="1",
                            variant="surface",
                            width="100%",
                        ),
                        spacing="3",
                        width="100%",
                        id="suspended-accounts",
                    ),
                ),
                rx.heading(t("Recent actions"), size="5", as_="h2"),
                rx.cond(
                    s.actions.length() > 0,
                    rx.table.root(
                        rx.table.header(
                            rx.table.row(
                                rx.table.column_header_cell(t("When")),
                                rx.table.column_header_cell(t("Moderator")),
                                rx.table.column_header_cell(t("Action")),
                                rx.table.column_header_cell(t("What")),
                                rx.table.column_header_cell(t("Reason")),
                            )
                        ),
                        rx.table.body(rx.foreach(s.actions, _action_row)),
                        size="1",
                        variant="surface",
                        width="100%",
                        id="moderation-log",
                    ),
                    rx.text(t("Nothing yet."), color=rx.color("gray", 11)),
                ),
                spacing="4",
                width="100%",
                id="moderation",
            ),
            rx.cond(s.auth_checked, not_found_content(), rx.spinner()),
        )
    )
