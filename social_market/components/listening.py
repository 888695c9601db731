"""Pieces of the maker's listening inbox: kind chips with unanswered counts, the
unanswered/replied/all switch, and one thing said."""

from __future__ import annotations

import reflex as rx

from social_market.components.avatar import avatar
from social_market.i18n.ui import t
from social_market.services.listening import COUNT_CAP, ListeningCard


def kind_label(kind) -> rx.Var:
    return rx.match(
        kind,
        ("message", t("Messages")),
        ("comment", t("Comments")),
        ("mention", t("Mentions")),
        ("review", t("Reviews")),
        ("wish", t("Wishes")),
        ("thread", t("Team threads")),
        t("Everything"),
    )


def _count_text(n: rx.Var) -> rx.Var:
    return rx.cond(n >= COUNT_CAP, f"{COUNT_CAP - 1}+", n.to_string())


def kind_chips(state, kinds: tuple[str, ...]) -> rx.Component:
    """One toggle button per kind (and "Everything"), each with its unanswered count."""

    def chip(kind: str) -> rx.Component:
        n = state.counts[kind].to(int)
        active = state.kind == kind
        return rx.button(
            kind_label(kind),
            rx.cond(
                n > 0,
                rx.badge(
                    _count_text(n),
                    variant=rx.cond(active, "surface", "solid"),
                    radius="full",
                    aria_label=t("{n} unanswered", n=_count_text(n)),
                ),
            ),
            variant=rx.cond(active, "solid", "soft"),
            size="2",
            aria_pressed=rx.cond(active, "true", "false"),
            on_click=state.set_kind(kind),
            id=f"chip-{kind or 'all'}",
        )

    return rx.hstack(
        rx.button(
            t("Everything"),
            rx.cond(
                state.unanswered > 0,
                rx.badge(
                    _count_text(state.unanswered),
                    variant=rx.cond(state.kind == "", "surface", "solid"),
                    radius="full",
                    aria_label=t("{n} unanswered", n=_count_text(state.unanswered)),
                ),
            ),
            variant=rx.cond(state.kind == "", "solid", "soft"),
            size="2",
            aria_pressed=rx.cond(state.kind == "", "true", "false"),
            on_click=state.set_kind(""),
            id="chip-all",
        ),
        *(chip(k) for k in kinds),
        spacing="2",
        wrap="wrap",
        role="group",
        aria_label=t("What kind"),
    )


def state_switch(state) -> rx.Component:
    def option(value: str, label) -> rx.Component:
        active = state.show == value
        return rx.button(
            label,
            variant=rx.cond(active, "solid", "outline"),
            color_scheme="gray",
            size="1",
            aria_pressed=rx.cond(active, "true", "false"),
            on_click=state.set_show(value),
            id=f"show-{value}",
        )

    return rx.hstack(
        option("unanswered", t("Unanswered")),
        option("answered", t("Replied")),
        option("all", t("All")),
        spacing="1",
        wrap="wrap",
        role="group",
        aria_label=t("Show"),
    )


def listening_item(item: rx.Var[ListeningCard], on_toggle) -> rx.Component:
    """``on_toggle(item)``: the event that flips the item's replied state."""
    return rx.el.li(
        rx.card(
            rx.hstack(
                avatar(item.author_avatar, item.author_initials, size="3"),
                rx.vstack(
                    rx.hstack(
                        rx.link(
                            item.author_name,
                            href="/u/" + item.author_handle,
                            weight="medium",
                        ),
                        rx.badge(kind_label(item.kind), variant="soft", color_scheme="gray"),
                        rx.cond(
                            item.answered,
                            rx.badge(
                                rx.icon("check", size=12, aria_hidden="true"),
                                t("Replied"),
                                color_scheme="green",
                                variant="soft",
                            ),
                        ),
                        rx.text(item.when, size="1", color=rx.color("gray", 11)),
                        spacing="2",
                        align="center",
                        wrap="wrap",
                    ),
                    rx.text(
                        rx.cond(item.snippet != "", item.snippet, t("(a photo)")),
                        size="2",
                        style={"overflow_wrap": "anywhere"},
                    ),
                    rx.hstack(
                        rx.link(
                            rx.cond(item.kind == "message", t("Open conversation"), t("Reply")),
                            href=item.link,
                            size="2",
                        ),
                        rx.button(
                            rx.cond(item.answered, t("Mark unanswered"), t("Mark replied")),
                            variant="soft",
                            size="1",
                            on_click=on_toggle(item),
                            class_name="sm-listening-toggle",
                        ),
                        spacing="3",
                        align="center",
                        wrap="wrap",
                    ),
                    spacing="1",
                    align="start",
                    min_width="0",
                    flex="1",
                ),
                spacing="3",
                align="start",
                width="100%",
            ),
            width="100%",
        ),
        class_name="sm-listening-item",
        data_answered=rx.cond(item.answered, "true", "false"),
        list_style="none",
        margin_bottom="0.5rem",
    )
