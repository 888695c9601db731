"""Teams: the directory with "Create a team", a team's page, a forum thread and the
manage page for the captain and moderators."""

from __future__ import annotations

import reflex as rx

from social_market.components.buttons import link_button
from social_market.components.layout import page
from social_market.components.listing_card import listing_grid
from social_market.components.paged_list import paged_list
from social_market.components.teams import (
    body_form,
    forum_post,
    member_row,
    team_badges,
    team_form,
    team_grid,
    thread_form,
    thread_row,
)
from social_market.i18n.ui import t, tn
from social_market.pages.people_pages import not_found_content
from social_market.services.teams import MemberCard
from social_market.state.auth import AuthState
from social_market.state.teams import (
    TeamManageState,
    TeamPageState,
    TeamsDirectoryState,
    ThreadState,
)


def _muted(text) -> rx.Component:
    return rx.text(text, color=rx.color("gray", 11), size="2")


def _section(title, *children, **props) -> rx.Component:
    return rx.el.section(
        rx.vstack(
            rx.heading(title, size="5", as_="h2"),
            *children,
            spacing="3",
            width="100%",
            align="start",
        ),
        width="100%",
        **props,
    )


# ---------------------------------------------------------------------- /teams


def teams_page() -> rx.Component:
    s = TeamsDirectoryState
    return page(
        rx.vstack(
            rx.flex(
                rx.heading(t("Teams"), size="7", as_="h1"),
                rx.spacer(),
                rx.cond(
                    ~s.creating,
                    rx.button(
                        rx.icon("plus", size=16, aria_hidden="true"),
                        t("Create a team"),
                        on_click=s.set_creating(True),
                        id="create-team",
                    ),
                ),
                align="center",
                gap="1rem",
                width="100%",
                wrap="wrap",
            ),
            _muted(
                t(
                    "Groups of makers and buyers who share an interest or a city: talk in "
                    "the forum and find each other's shops."
                )
            ),
            rx.cond(
                s.creating,
                rx.card(
                    rx.vstack(
                        rx.heading(t("Create a team"), size="5", as_="h2"),
                        team_form(s, submit_label=t("Create the team")),
                        rx.button(
                            t("Cancel"),
                            variant="soft",
                            on_click=s.set_creating(False),
                            type="button",
                        ),
                        spacing="3",
                        width="100%",
                        align="start",
                    ),
                    width="100%",
                    max_width="720px",
                ),
            ),
            rx.cond(
                s.mine.length() > 0,
                _section(t("Your teams"), team_grid(s.mine, id="my-teams")),
            ),
            _section(
                t("All teams"),
                rx.form(
                    rx.hstack(
                        rx.input(
                            name="q",
                            placeholder=t("Search teams by name"),
                            aria_label=t("Search teams by name"),
                            type="search",
                            max_length=60,
                            width="100%",
                        ),
                        rx.button(t("Search"), type="submit", variant="soft"),
                        width="100%",
                        max_width="480px",
                    ),
                    on_submit=s.search,
                    role="search",
                    reset_on_submit=False,
                    width="100%",
                ),
                rx.cond(
                    s.teams.length() > 0,
                    team_grid(s.teams, id="team-directory"),
                    rx.cond(s.loaded, _muted(t("No teams found."))),
                ),
                rx.cond(
                    s.next_cursor != "",
                    rx.button(t("Load more"), variant="soft", on_click=s.more, id="load-more"),
                ),
            ),
            spacing="5",
            width="100%",
            align="start",
        )
    )


# ---------------------------------------------------------------------- /team/<slug>


def _join_controls() -> rx.Component:
    s = TeamPageState
    v = s.view
    return rx.hstack(
        rx.match(
            v.my_state,
            (
                "joined",
                rx.cond(
                    ~v.is_captain,
                    rx.button(
                        t("Leave the team"), variant="soft", on_click=s.leave, id="team-leave"
                    ),
                ),
            ),
            (
                "requested",
                rx.hstack(
                    rx.badge(t("Request sent"), color_scheme="amber", size="2"),
                    rx.button(
                        t("Withdraw the request"),
                        variant="soft",
                        size="2",
                        on_click=s.leave,
                        id="team-withdraw",
                    ),
                    spacing="2",
                    align="center",
                ),
            ),
            rx.button(
                rx.cond(v.team.join_policy == "request", t("Ask to join"), t("Join the team")),
                on_click=s.join,
                id="team-join",
            ),
        ),
        rx.cond(
            v.can_moderate,
            link_button(
                rx.cond(
                    v.pending_count > 0,
                    t("Manage ({n} waiting)", n=v.pending_count),
                    t("Manage the team"),
                ),
                "/team/" + v.team.slug + "/manage",
                variant="soft",
                id="team-manage",
            ),
        ),
        spacing="3",
        wrap="wrap",
        align="center",
    )


def _team_inside() -> rx.Component:
    s = TeamPageState
    v = s.view
    return rx.flex(
        rx.vstack(
            _section(
                t("Forum"),
                paged_list(
                    s,
                    s.threads,
                    thread_row,
                    list_id="thread-list",
                    empty=t("No threads yet. Start the first one!"),
                ),
                rx.cond(
                    v.my_state == "joined",
                    rx.card(
                        rx.vstack(
                            rx.heading(t("Start a thread"), size="4", as_="h3"),
                            thread_form(s),
                            width="100%",
                            align="start",
                        ),
                        width="100%",
                    ),
                    _muted(
                        rx.cond(
                            AuthState.signed_in,
                            t("Join the team to start threads and reply."),
                            t("Sign in and join the team to start threads and reply."),
                        )
                    ),
                ),
                id="team-forum",
            ),
            _section(
                t("From the members' shops"),
                rx.cond(
                    s.listings.length() > 0,
                    listing_grid(s.listings, id="team-shops"),
                    _muted(t("No member has a shop with pieces yet.")),
                ),
            ),
            spacing="6",
            flex="2",
            min_width="0",
            width="100%",
        ),
        rx.box(
            _section(
                tn("{n} member", "{n} members", v.team.member_count),
                rx.el.ul(
                    rx.foreach(s.members, lambda m: member_row(m)),
                    style={"padding": "0", "margin": "0", "width": "100%"},
                    id="team-members",
                ),
            ),
            flex="1",
            min_width="0",
            width="100%",
        ),
        gap="2rem",
        direction={"initial": "column", "md": "row"},
        width="100%",
    )


def team_page() -> rx.Component:
    s = TeamPageState
    v = s.view
    return page(
        rx.cond(
            s.found,
            rx.vstack(
                rx.link(t("All teams"), href="/teams", size="2"),
                rx.heading(v.team.name, size="8", as_="h1", overflow_wrap="anywhere"),
                team_badges(v.team),
                rx.cond(
                    v.about != "",
                    rx.text(
                        v.about, white_space="pre-wrap", overflow_wrap="anywhere", max_width="760px"
                    ),
                ),
                _join_controls(),
                rx.cond(
                    v.can_see_inside,
                    _team_inside(),
                    rx.callout(
                        t("This team is private: only its members see the forum and the members."),
                        icon="lock",
                        color_scheme="gray",
                        id="team-private",
                        width="100%",
                    ),
                ),
                spacing="4",
                width="100%",
                align="start",
            ),
            rx.cond(s.loaded, not_found_content()),
        )
    )


# ---------------------------------------------------------------------- thread


def thread_page() -> rx.Component:
    s = ThreadState
    th = s.thread
    return page(
        rx.cond(
            s.found,
            rx.vstack(
                rx.link(s.team_name, href="/team/" + s.team_slug, size="2", id="thread-team-link"),
                rx.heading(th.title, size="7", as_="h1", overflow_wrap="anywhere"),
                rx.hstack(
                    rx.cond(th.pinned, rx.badge(t("Pinned"), color_scheme="iris")),
                    rx.cond(th.locked, rx.badge(t("Locked"), color_scheme="gray")),
                    rx.text(
                        tn("{n} reply", "{n} replies", th.reply_count),
                        size="2",
                        color=rx.color("gray", 11),
                    ),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                rx.cond(
                    s.can_moderate,
                    rx.hstack(
                        rx.button(
                            rx.cond(th.pinned, t("Unpin"), t("Pin")),
                            size="2",
                            variant="soft",
                            on_click=s.set_pinned(~th.pinned),
                            id="thread-pin",
                        ),
                        rx.button(
                            rx.cond(th.locked, t("Unlock"), t("Lock")),
                            size="2",
                            variant="soft",
                            on_click=s.set_locked(~th.locked),
                            id="thread-lock",
                        ),
                        spacing="2",
                        role="group",
                        aria_label=t("Moderation"),
                    ),
                ),
                rx.el.ul(
                    rx.foreach(s.posts, lambda p: forum_post(s, p)),
                    style={"padding": "0", "margin": "0", "width": "100%"},
                    id="post-list",
                ),
                rx.cond(
                    s.next_cursor != "",
                    rx.button(t("Load more"), variant="soft", on_click=s.more, id="load-more"),
                ),
                rx.cond(
                    s.can_reply,
                    rx.cond(
                        s.editing == 0,
                        body_form(s, label=t("Your reply"), submit_label=t("Reply")),
                    ),
                    rx.callout(
                        s.why_not, icon="info", color_scheme="gray", width="100%", id="no-reply"
                    ),
                ),
                spacing="4",
                width="100%",
                align="start",
            ),
            rx.cond(s.loaded, not_found_content()),
        ),
        width="860px",
    )


# ---------------------------------------------------------------------- manage


def _member_actions(m: rx.Var[MemberCard]) -> list[rx.Component]:
    s = TeamManageState
    v = s.view
    return [
        rx.cond(
            v.is_captain & (m.role != "captain"),
            rx.hstack(
                rx.cond(
                    m.role == "moderator",
                    rx.button(
                        t("Make member"),
                        size="1",
                        variant="soft",
                        on_click=s.set_role(m.user_id, "member"),
                    ),
                    rx.button(
                        t("Make moderator"),
                        size="1",
                        variant="soft",
                        on_click=s.set_role(m.user_id, "moderator"),
                        class_name="sm-make-moderator",
                    ),
                ),
                rx.button(
                    t("Make captain"),
                    size="1",
                    variant="soft",
                    color_scheme="amber",
                    on_click=s.hand_over(m.user_id),
                ),
                rx.button(
                    t("Remove"),
                    size="1",
                    variant="soft",
                    color_scheme="red",
                    on_click=s.remove(m.user_id),
                ),
                spacing="2",
                wrap="wrap",
            ),
        )
    ]


def team_manage_page() -> rx.Component:
    s = TeamManageState
    v = s.view
    return page(
        rx.cond(
            s.allowed,
            rx.vstack(
                rx.link(v.team.name, href="/team/" + v.team.slug, size="2"),
                rx.heading(t("Manage the team"), size="7", as_="h1"),
                _section(
                    t("Requests to join"),
                    rx.cond(
                        s.requests.length() > 0,
                        rx.el.ul(
                            rx.foreach(
                                s.requests,
                                lambda m: member_row(
                                    m,
                                    rx.hstack(
                                        rx.button(
                                            t("Let in"),
                                            size="1",
                                            on_click=s.decide(m.user_id, True),
                                            class_name="sm-let-in",
                                        ),
                                        rx.button(
                                            t("Decline"),
                                            size="1",
                                            variant="soft",
                                            color_scheme="red",
                                            on_click=s.decide(m.user_id, False),
                                        ),
                                        spacing="2",
                                    ),
                                ),
                            ),
                            style={"padding": "0", "margin": "0", "width": "100%"},
                            id="team-requests",
                        ),
                        _muted(t("Nobody is waiting.")),
                    ),
                ),
                _section(
                    t("Members and roles"),
                    rx.el.ul(
                        rx.foreach(s.members, lambda m: member_row(m, *_member_actions(m))),
                        style={"padding": "0", "margin": "0", "width": "100%"},
                        id="team-members",
                    ),
                ),
                rx.cond(
                    v.is_captain,
                    _section(t("About the team"), team_form(s, submit_label=t("Save"), team=v)),
                ),
                spacing="5",
                width="100%",
                align="start",
                max_width="860px",
            ),
            rx.cond(s.loaded, not_found_content()),
        )
    )
