"""Home page, public profiles, people search, and the 404 page."""

from __future__ import annotations

import reflex as rx

from social_market import urls
from social_market.components.avatar import avatar
from social_market.components.buttons import link_button
from social_market.components.layout import page
from social_market.components.listing_card import listing_grid
from social_market.components.recommendations import recommendations_section
from social_market.components.report import report_dialog
from social_market.components.rewards import level_badge
from social_market.components.share import share_menu
from social_market.i18n.ui import t, t_var, tn
from social_market.models import ProfilePublic
from social_market.pages.message_pages import message_button
from social_market.pages.social_pages import profile_activity_section
from social_market.services import categories
from social_market.state.auth import AuthState
from social_market.state.messages import StartConversationState
from social_market.state.people import (
    FollowListState,
    HomeState,
    PeopleSearchState,
    ProfileState,
)
from social_market.state.rewards import ProfileBadgeState


def person_card(p: rx.Var[ProfilePublic]) -> rx.Component:
    return rx.link(
        rx.card(
            rx.hstack(
                avatar(p.avatar_url, p.initials, size="5"),
                rx.vstack(
                    rx.text(p.display_name, weight="bold", trim="both"),
                    rx.text("@", p.handle, size="2", color=rx.color("gray", 11)),
                    rx.cond(
                        p.location != "",
                        rx.hstack(
                            rx.icon("map_pin", size=12),
                            rx.text(p.location, size="1"),
                            spacing="1",
                            align="center",
                            color=rx.color("gray", 11),
                        ),
                    ),
                    spacing="1",
                    align="start",
                    min_width="0",
                ),
                spacing="3",
                align="center",
            ),
            rx.cond(
                p.bio != "",
                rx.text(p.bio, size="2", margin_top="0.5rem", class_name="sm-clamp-2"),
            ),
            height="100%",
        ),
        href="/u/" + p.handle,
        underline="none",
        color="inherit",
        class_name="sm-person-card",
    )


def people_grid(items: rx.Var[list[ProfilePublic]]) -> rx.Component:
    return rx.grid(
        rx.foreach(items, person_card),
        columns={"initial": "1", "sm": "2", "md": "3"},
        gap="1rem",
        width="100%",
    )


def home_page() -> rx.Component:
    return page(
        rx.vstack(
            rx.box(
                rx.vstack(
                    rx.heading(
                        t("Handmade, and the people behind it"),
                        size={"initial": "7", "md": "9"},
                        as_="h1",
                    ),
                    rx.text(
                        t(
                            "Follow makers, talk with them, see what your friends loved, and help "
                            "decide what gets made next."
                        ),
                        size={"initial": "3", "md": "5"},
                        color=rx.color("gray", 11),
                        max_width="640px",
                    ),
                    rx.cond(
                        AuthState.signed_in,
                        rx.hstack(
                            link_button(t("Edit your profile"), urls.SETTINGS, size="3"),
                            link_button(t("Find people"), urls.PEOPLE, size="3", variant="soft"),
                            spacing="3",
                            wrap="wrap",
                        ),
                        rx.hstack(
                            link_button(t("Join Social Market"), urls.SIGN_UP, size="3"),
                            link_button(t("Sign in"), urls.SIGN_IN, size="3", variant="soft"),
                            spacing="3",
                            wrap="wrap",
                        ),
                    ),
                    spacing="4",
                    align="start",
                ),
                padding=["1.25rem", "1.5rem", "3rem"],
                border_radius="16px",
                background=rx.color("accent", 3),
                width="100%",
            ),
            recommendations_section(),
            rx.cond(
                HomeState.suggestions.length() > 0,
                rx.vstack(
                    rx.heading(t("People you may know"), size="6", as_="h2"),
                    rx.grid(
                        rx.foreach(
                            HomeState.suggestions,
                            lambda sug: rx.vstack(
                                person_card(sug.profile),
                                rx.text(
                                    tn(
                                        "Followed by {n} person you follow",
                                        "Followed by {n} people you follow",
                                        sug.shared,
                                    ),
                                    size="1",
                                    color=rx.color("gray", 11),
                                ),
                                spacing="1",
                                width="100%",
                            ),
                        ),
                        columns={"initial": "1", "sm": "3"},
                        gap="1rem",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                    id="people-you-may-know",
                ),
            ),
            rx.vstack(
                rx.heading(t("Browse by category"), size="6", as_="h2"),
                rx.hstack(
                    *[
                        rx.link(
                            rx.badge(t_var(c.name), size="3", variant="surface"),
                            href=f"/search?category={c.slug}&sort=newest",
                        )
                        for c in categories.TOP_LEVEL
                    ],
                    spacing="2",
                    wrap="wrap",
                ),
                spacing="3",
                width="100%",
            ),
            rx.cond(
                HomeState.featured.length() > 0,
                rx.vstack(
                    rx.heading(t("Loved by the community"), size="6", as_="h2"),
                    listing_grid(HomeState.featured),
                    spacing="3",
                    width="100%",
                ),
            ),
            rx.cond(
                HomeState.new_listings.length() > 0,
                rx.vstack(
                    rx.hstack(
                        rx.heading(t("Just listed"), size="6", as_="h2"),
                        rx.spacer(),
                        rx.link(t("See all"), href="/search?sort=newest"),
                        width="100%",
                        align="baseline",
                    ),
                    listing_grid(HomeState.new_listings),
                    spacing="3",
                    width="100%",
                ),
            ),
            rx.hstack(
                rx.heading(t("New in the community"), size="6", as_="h2"),
                rx.spacer(),
                rx.text(
                    rx.text.strong(HomeState.member_count, id="member-count"),
                    " ",
                    tn("member", "members", HomeState.member_total),
                    color=rx.color("gray", 11),
                ),
                width="100%",
                align="baseline",
                wrap="wrap",
            ),
            people_grid(HomeState.newest),
            spacing="6",
            width="100%",
        )
    )


def block_dialog(s) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(t("Block"), variant="ghost", color_scheme="gray", size="2", id="block-button")
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title(t("Block {name}?", name=s.profile.display_name)),
            rx.alert_dialog.description(
                t(
                    "You stop following each other, they can't follow you or buy from your "
                    "shop. They won't be told."
                )
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(t("Cancel"), variant="soft")),
                rx.alert_dialog.action(
                    rx.button(t("Block"), color_scheme="red", on_click=s.set_blocked(True))
                ),
                spacing="3",
                justify="end",
                margin_top="1rem",
            ),
        ),
    )


def profile_page() -> rx.Component:
    s = ProfileState
    p = s.profile
    return page(
        rx.cond(
            s.found & (p != None),  # noqa: E711 - Var comparison builds JS
            rx.vstack(
                rx.flex(
                    avatar(p.avatar_url_large, p.initials, size="9"),
                    rx.vstack(
                        rx.heading(p.display_name, size="8", as_="h1", id="profile-name"),
                        rx.hstack(
                            rx.text("@", p.handle, color=rx.color("gray", 11)),
                            level_badge(ProfileBadgeState.badge),
                            spacing="2",
                            align="center",
                            wrap="wrap",
                        ),
                        rx.hstack(
                            rx.cond(
                                p.location != "",
                                rx.hstack(
                                    rx.icon("map_pin", size=14),
                                    rx.text(p.location, size="2"),
                                    spacing="1",
                                    align="center",
                                ),
                            ),
                            rx.hstack(
                                rx.icon("calendar", size=14),
                                rx.text(t("Member since {date}", date=p.member_since), size="2"),
                                spacing="1",
                                align="center",
                            ),
                            rx.cond(
                                p.website != "",
                                rx.link(
                                    rx.hstack(
                                        rx.icon("link", size=14),
                                        rx.text(p.website, size="2"),
                                        spacing="1",
                                        align="center",
                                    ),
                                    href=p.website,
                                    is_external=True,
                                    rel="nofollow ugc noopener noreferrer",
                                ),
                            ),
                            spacing="4",
                            wrap="wrap",
                            color=rx.color("gray", 11),
                        ),
                        rx.hstack(
                            rx.link(
                                rx.text.strong(p.follower_count),
                                " ",
                                tn("follower", "followers", p.follower_count),
                                href="/u/" + p.handle + "/followers",
                                id="follower-count",
                            ),
                            rx.link(
                                rx.text.strong(p.following_count),
                                " ",
                                t("following"),
                                href="/u/" + p.handle + "/following",
                                id="following-count",
                            ),
                            rx.link(t("Lists"), href="/u/" + p.handle + "/lists", id="lists-link"),
                            spacing="4",
                            color=rx.color("gray", 12),
                        ),
                        rx.hstack(
                            rx.cond(
                                s.is_me,
                                link_button(
                                    t("Edit profile"), urls.SETTINGS, variant="soft", size="2"
                                ),
                                rx.hstack(
                                    rx.cond(
                                        ~s.has_blocked,
                                        rx.button(
                                            rx.cond(s.is_following, t("Following"), t("Follow")),
                                            variant=rx.cond(s.is_following, "soft", "solid"),
                                            aria_pressed=rx.cond(s.is_following, "true", "false"),
                                            on_click=s.toggle_follow,
                                            size="2",
                                            id="follow-button",
                                        ),
                                    ),
                                    rx.cond(
                                        s.signed_in,
                                        rx.cond(
                                            s.has_blocked,
                                            rx.button(
                                                t("Unblock"),
                                                variant="soft",
                                                color_scheme="gray",
                                                size="2",
                                                on_click=s.set_blocked(False),
                                                id="unblock-button",
                                            ),
                                            block_dialog(s),
                                        ),
                                    ),
                                    rx.cond(
                                        s.signed_in & ~s.has_blocked,
                                        message_button(
                                            t("Message"),
                                            StartConversationState.with_person(p.handle),
                                            size="2",
                                            id="message-button",
                                        ),
                                    ),
                                    rx.cond(
                                        s.signed_in,
                                        report_dialog("user", p.id, id="report-button"),
                                    ),
                                    rx.cond(
                                        s.signed_in & ~s.has_blocked,
                                        rx.button(
                                            rx.cond(s.is_muted, t("Unmute"), t("Mute")),
                                            variant="soft",
                                            color_scheme="gray",
                                            size="2",
                                            on_click=s.set_muted(~s.is_muted),
                                            aria_pressed=rx.cond(s.is_muted, "true", "false"),
                                            title=t("Muted people don't appear in your feed."),
                                            id="mute-button",
                                        ),
                                    ),
                                    spacing="2",
                                ),
                            ),
                            share_menu(s),
                            spacing="2",
                        ),
                        spacing="2",
                        align="start",
                    ),
                    gap="1.5rem",
                    align="center",
                    direction={"initial": "column", "sm": "row"},
                ),
                rx.cond(
                    p.bio != "",
                    rx.card(
                        rx.heading(t("About"), size="4", as_="h2"),
                        rx.text(
                            p.bio, white_space="pre-wrap", margin_top="0.5rem", id="profile-bio"
                        ),
                        width="100%",
                    ),
                ),
                profile_activity_section(),
                spacing="6",
                width="100%",
            ),
            rx.cond(s.auth_checked, not_found_content(), rx.spinner()),
        ),
        width="900px",
    )


def people_page() -> rx.Component:
    s = PeopleSearchState
    return page(
        rx.vstack(
            rx.heading(t("People"), size="7", as_="h1"),
            rx.form(
                rx.hstack(
                    rx.input(
                        name="q",
                        default_value=s.query,
                        key=s.query,
                        placeholder=t("Name or @handle"),
                        aria_label=t("Search people"),
                        size="3",
                        flex="1",
                    ),
                    rx.button(t("Search"), type="submit", size="3"),
                    width="100%",
                ),
                on_submit=s.submit,
                width="100%",
                max_width="560px",
            ),
            rx.cond(
                s.searched & (s.results.length() == 0),
                rx.text(
                    t("Nobody found for “{query}”.", query=s.query), color=rx.color("gray", 11)
                ),
            ),
            people_grid(s.results),
            spacing="5",
            width="100%",
        )
    )


def not_found_content() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.heading(t("Page not found"), size="8", as_="h1"),
            rx.text(
                t(
                    "We couldn't find what you were looking for. It may have moved, or the "
                    "person may have left Social Market."
                ),
                color=rx.color("gray", 11),
                text_align="center",
            ),
            link_button(t("Go to the home page"), urls.HOME),
            spacing="4",
            align="center",
            padding_y="4rem",
        ),
        width="100%",
    )


def not_found_page() -> rx.Component:
    return page(not_found_content())


def follow_list_page() -> rx.Component:
    s = FollowListState
    return page(
        rx.vstack(
            rx.link(t("Back to the profile"), href="/u/" + s.handle, size="2"),
            rx.heading(
                rx.cond(
                    s.kind == "followers",
                    t("Followers of {name}", name=s.name),
                    t("{name} follows", name=s.name),
                ),
                size="7",
                as_="h1",
            ),
            rx.cond(
                s.found,
                rx.cond(
                    s.people.length() > 0,
                    people_grid(s.people),
                    rx.text(t("Nobody yet."), color=rx.color("gray", 11)),
                ),
                not_found_content(),
            ),
            rx.cond(
                s.next_cursor != "",
                rx.button(t("Show more"), on_click=s.more, variant="soft"),
            ),
            spacing="4",
            width="100%",
        )
    )
