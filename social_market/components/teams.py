"""Pieces of the teams pages: team cards, thread rows, forum posts, member rows and the
team form. User text is always rendered as text."""

from __future__ import annotations

import reflex as rx

from social_market.components.avatar import avatar
from social_market.components.fields import check_field, field, form_error, form_notice
from social_market.components.report import report_dialog
from social_market.components.rich_text import rich_text
from social_market.i18n.ui import t, tn
from social_market.services.forums import MAX_BODY, MAX_TITLE, PostCard, ThreadCard
from social_market.services.teams import MemberCard, TeamCard


def team_badges(team: rx.Var[TeamCard]) -> rx.Component:
    return rx.hstack(
        rx.cond(
            team.kind == "local",
            rx.badge(rx.icon("map_pin", size=12, aria_hidden="true"), team.place, variant="soft"),
            rx.badge(t("Interest"), variant="soft"),
        ),
        rx.cond(team.private, rx.badge(t("Private"), color_scheme="gray", variant="soft")),
        rx.cond(
            team.join_policy == "request",
            rx.badge(t("Join by request"), color_scheme="amber", variant="soft"),
        ),
        spacing="2",
        wrap="wrap",
    )


def team_card(team: rx.Var[TeamCard]) -> rx.Component:
    return rx.el.li(
        rx.link(
            rx.card(
                rx.vstack(
                    rx.heading(team.name, size="4", as_="h3", class_name="sm-clamp-2"),
                    team_badges(team),
                    rx.cond(
                        team.about != "",
                        rx.text(team.about, size="2", class_name="sm-clamp-2"),
                    ),
                    rx.text(
                        tn("{n} member", "{n} members", team.member_count),
                        " · ",
                        tn("{n} thread", "{n} threads", team.thread_count),
                        size="1",
                        color=rx.color("gray", 11),
                    ),
                    spacing="2",
                    align="start",
                ),
                height="100%",
            ),
            href=team.url,
            underline="none",
            color="inherit",
            class_name="sm-team-card",
        ),
        list_style="none",
    )


def team_grid(items: rx.Var[list[TeamCard]], **props) -> rx.Component:
    return rx.grid(
        rx.foreach(items, team_card),
        columns={"initial": "1", "sm": "2", "md": "3"},
        gap="1rem",
        width="100%",
        padding="0",
        margin="0",
        as_="ul",
        **props,
    )


def thread_row(thread: rx.Var[ThreadCard]) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.vstack(
                rx.hstack(
                    rx.cond(
                        thread.pinned,
                        rx.icon("pin", size=14, aria_label=t("Pinned"), role="img"),
                    ),
                    rx.cond(
                        thread.locked,
                        rx.icon("lock", size=14, aria_label=t("Locked"), role="img"),
                    ),
                    rx.link(
                        thread.title, href=thread.url, weight="medium", overflow_wrap="anywhere"
                    ),
                    spacing="2",
                    align="center",
                ),
                rx.text(
                    thread.author_name,
                    " · ",
                    thread.last_when,
                    size="1",
                    color=rx.color("gray", 11),
                ),
                spacing="1",
                align="start",
                min_width="0",
                flex="1",
            ),
            rx.text(
                tn("{n} reply", "{n} replies", thread.reply_count),
                size="1",
                color=rx.color("gray", 11),
                white_space="nowrap",
            ),
            align="center",
            width="100%",
            padding_y="0.6rem",
            border_bottom=f"1px solid {rx.color('gray', 4)}",
        ),
        list_style="none",
        class_name="sm-thread-row",
    )


def body_form(state, *, label, submit_label, default: rx.Var | str = "", cancel=None):
    """A post body box (reply or edit) with its error and buttons."""
    errors = state.field_errors
    return rx.form(
        rx.vstack(
            rx.el.label(label, html_for="forum-body", class_name="sm-label"),
            rx.text_area(
                name="body",
                id="forum-body",
                default_value=default,
                rows="4",
                max_length=MAX_BODY,
                width="100%",
                aria_invalid=rx.cond(errors.contains("body"), "true", "false"),
            ),
            rx.cond(
                errors.contains("body"),
                rx.text(errors["body"].to(str), color=rx.color("red", 11), size="1", role="alert"),
            ),
            form_error(state.error),
            rx.hstack(
                rx.button(submit_label, type="submit", size="2", id="forum-send"),
                rx.button(t("Cancel"), variant="soft", size="2", type="button", on_click=cancel)
                if cancel is not None
                else rx.fragment(),
                spacing="2",
            ),
            spacing="2",
            width="100%",
            align="start",
        ),
        on_submit=state.send,
        class_name="sm-forum-form",
        width="100%",
    )


def forum_post(state, p: rx.Var[PostCard]) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            avatar(p.author_avatar, p.author_initials, size="3"),
            rx.vstack(
                rx.hstack(
                    rx.link(p.author_name, href="/u/" + p.author_handle, weight="bold", size="2"),
                    rx.text(p.when, size="1", color=rx.color("gray", 11)),
                    rx.cond(p.edited, rx.text(t("(edited)"), size="1", color=rx.color("gray", 11))),
                    rx.cond(p.hidden, rx.badge(t("Hidden"), color_scheme="gray", size="1")),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                rx.cond(
                    state.editing == p.id,
                    body_form(
                        state,
                        label=t("Edit your post"),
                        submit_label=t("Save"),
                        default=p.body,
                        cancel=state.cancel_edit,
                    ),
                    rich_text(p.segments, size="2", class_name="sm-post-body"),
                ),
                rx.hstack(
                    rx.cond(
                        p.can_edit & (state.editing != p.id),
                        rx.button(
                            t("Edit"), size="1", variant="ghost", on_click=state.start_edit(p.id)
                        ),
                    ),
                    rx.cond(
                        p.mine,
                        rx.button(
                            t("Delete"),
                            size="1",
                            variant="ghost",
                            color_scheme="red",
                            on_click=state.delete(p.id),
                        ),
                    ),
                    rx.cond(
                        state.can_moderate,
                        rx.button(
                            rx.cond(p.hidden, t("Show again"), t("Hide")),
                            size="1",
                            variant="ghost",
                            color_scheme="gray",
                            on_click=state.set_hidden(p.id, ~p.hidden),
                            class_name="sm-hide-post",
                        ),
                    ),
                    rx.cond(~p.mine, report_dialog("forum_post", p.id)),
                    spacing="3",
                    align="center",
                    wrap="wrap",
                ),
                spacing="1",
                align="start",
                min_width="0",
                width="100%",
            ),
            spacing="3",
            align="start",
            width="100%",
        ),
        id="post-" + p.id.to(str),
        list_style="none",
        padding_y="0.75rem",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        class_name="sm-forum-post",
    )


def member_row(m: rx.Var[MemberCard], *actions: rx.Component) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            avatar(m.avatar, m.initials, size="2"),
            rx.vstack(
                rx.link(m.name, href="/u/" + m.handle, weight="medium", size="2"),
                rx.text("@", m.handle, size="1", color=rx.color("gray", 11)),
                spacing="0",
                align="start",
                min_width="0",
                flex="1",
            ),
            rx.match(
                m.role,
                ("captain", rx.badge(t("Captain"), color_scheme="amber")),
                ("moderator", rx.badge(t("Moderator"), color_scheme="iris")),
                rx.fragment(),
            ),
            *actions,
            align="center",
            spacing="3",
            width="100%",
            wrap="wrap",
        ),
        list_style="none",
        padding_y="0.5rem",
        class_name="sm-member-row",
    )


def team_form(state, *, submit_label, team=None) -> rx.Component:
    """Create or edit a team (``team``: the TeamView being edited)."""
    errors = state.field_errors

    def d(get, fallback=""):
        return get(team) if team is not None else fallback

    return rx.form(
        rx.vstack(
            field(t("Team name"), "name", errors, default_value=d(lambda v: v.team.name)),
            field(
                t("About the team"),
                "about",
                errors,
                multiline=True,
                default_value=d(lambda v: v.about),
                hint=t("What the team is about and who it is for."),
            ),
            rx.el.fieldset(
                rx.el.legend(t("Kind of team"), class_name="sm-label"),
                rx.radio_group.root(
                    rx.hstack(
                        rx.el.label(
                            rx.radio_group.item(value="interest", id="team-kind-interest"),
                            t("Interest"),
                            html_for="team-kind-interest",
                            display="flex",
                            gap="0.4rem",
                            align_items="center",
                        ),
                        rx.el.label(
                            rx.radio_group.item(value="local", id="team-kind-local"),
                            t("Local (a city)"),
                            html_for="team-kind-local",
                            display="flex",
                            gap="0.4rem",
                            align_items="center",
                        ),
                        spacing="4",
                        wrap="wrap",
                    ),
                    name="kind",
                    default_value=d(lambda v: v.team.kind, "interest"),
                ),
                border="none",
                padding="0",
                margin="0",
            ),
            rx.flex(
                field(t("City (local teams)"), "city", errors, default_value=d(lambda v: v.city)),
                field(
                    t("Country code (local teams)"),
                    "country",
                    errors,
                    placeholder="DE",
                    max_length=2,
                    default_value=d(lambda v: v.country),
                ),
                gap="1rem",
                direction={"initial": "column", "sm": "row"},
                width="100%",
            ),
            rx.el.fieldset(
                rx.el.legend(t("Who can join"), class_name="sm-label"),
                rx.radio_group.root(
                    rx.hstack(
                        rx.el.label(
                            rx.radio_group.item(value="open", id="team-join-open"),
                            t("Anyone, at once"),
                            html_for="team-join-open",
                            display="flex",
                            gap="0.4rem",
                            align_items="center",
                        ),
                        rx.el.label(
                            rx.radio_group.item(value="request", id="team-join-request"),
                            t("People who ask, once a moderator agrees"),
                            html_for="team-join-request",
                            display="flex",
                            gap="0.4rem",
                            align_items="center",
                        ),
                        spacing="4",
                        wrap="wrap",
                    ),
                    name="join_policy",
                    default_value=d(lambda v: v.team.join_policy, "open"),
                ),
                border="none",
                padding="0",
                margin="0",
            ),
            check_field(
                t("Private: only members see the forum and the member list"),
                "private",
                default_checked=d(lambda v: v.team.private, False),
            ),
            form_error(state.error),
            form_notice(state.notice),
            rx.button(submit_label, type="submit", size="3", id="team-save"),
            spacing="4",
            width="100%",
            align="start",
        ),
        on_submit=state.save if team is not None else state.create,
        reset_on_submit=False,
        width="100%",
    )


def thread_form(state) -> rx.Component:
    errors = state.field_errors
    return rx.form(
        rx.vstack(
            field(t("Title"), "title", errors, max_length=MAX_TITLE),
            field(t("Your post"), "body", errors, multiline=True, max_length=MAX_BODY),
            form_error(state.error),
            rx.button(t("Start the thread"), type="submit", id="thread-start"),
            spacing="3",
            width="100%",
            align="start",
        ),
        on_submit=state.start_thread,
        reset_on_submit=False,
        width="100%",
    )
