"""Feed cards: a maker's post, a shared purchase, a favourite, a follow, a curated list."""

from __future__ import annotations

import reflex as rx

from social_market.components.avatar import avatar
from social_market.components.listing_card import listing_card, upload_src
from social_market.components.report import report_dialog
from social_market.components.rich_text import rich_text
from social_market.i18n.ui import t, tn
from social_market.services.feed import FeedCard
from social_market.state.auth import AuthState


def _kind_badge(card: rx.Var[FeedCard]) -> rx.Component:
    return rx.match(
        card.post_kind,
        ("new_piece", rx.badge(t("New piece"), color_scheme="grass", variant="soft")),
        ("offer", rx.badge(t("Special offer"), color_scheme="tomato", variant="soft")),
        ("question", rx.badge(t("Question"), color_scheme="blue", variant="soft")),
        rx.badge(t("News"), color_scheme="gray", variant="soft"),
    )


def _who(card: rx.Var[FeedCard]) -> rx.Component:
    """Who did it, and when."""
    return rx.hstack(
        rx.cond(
            card.kind == "post",
            rx.link(
                avatar(card.shop_logo, card.actor_initials, size="3"),
                href=card.shop_url,
                aria_hidden="true",
                tab_index=-1,
            ),
            rx.link(
                avatar(card.actor_avatar, card.actor_initials, size="3"),
                href="/u/" + card.actor_handle,
                aria_hidden="true",
                tab_index=-1,
            ),
        ),
        rx.vstack(
            rx.match(
                card.kind,
                (
                    "post",
                    rx.hstack(
                        rx.link(card.shop_name, href=card.shop_url, weight="bold"),
                        _kind_badge(card),
                        rx.cond(
                            card.followers_only,
                            rx.badge(t("For followers"), color_scheme="purple", variant="outline"),
                        ),
                        spacing="2",
                        align="center",
                        wrap="wrap",
                    ),
                ),
                (
                    "share",
                    rx.text(
                        rx.link(card.actor_name, href="/u/" + card.actor_handle, weight="bold"),
                        " ",
                        t("shared a purchase"),
                    ),
                ),
                (
                    "favourite",
                    rx.text(
                        rx.link(card.actor_name, href="/u/" + card.actor_handle, weight="bold"),
                        " ",
                        t("loved a piece"),
                    ),
                ),
                (
                    "list",
                    rx.cond(
                        card.listings.length() > 0,
                        rx.text(
                            t(
                                "{name} added {piece} to their list {list}",
                                name=card.actor_name,
                                piece=card.listings[0].title,
                                list=card.list_title,
                            ),
                            class_name="sm-list-activity",
                        ),
                        rx.text(
                            t(
                                "{name} made a new list: {list}",
                                name=card.actor_name,
                                list=card.list_title,
                            ),
                            class_name="sm-list-activity",
                        ),
                    ),
                ),
                rx.text(
                    rx.link(card.actor_name, href="/u/" + card.actor_handle, weight="bold"),
                    " ",
                    t("followed"),
                    " ",
                    rx.link(card.target_name, href=card.url, weight="bold"),
                ),
            ),
            rx.el.time(
                card.when,
                date_time=card.when_iso,
                style={"font-size": "var(--font-size-1)", "color": "var(--gray-11)"},
            ),
            spacing="0",
            align="start",
        ),
        spacing="3",
        align="center",
    )


def _photos(card: rx.Var[FeedCard]) -> rx.Component:
    return rx.cond(
        card.photos.length() > 0,
        rx.grid(
            rx.foreach(
                card.photos,
                lambda p: rx.image(
                    src=upload_src(p.url),
                    alt=p.alt,
                    loading="lazy",
                    width="100%",
                    max_height="420px",
                    object_fit="cover",
                    border_radius="8px",
                ),
            ),
            columns=rx.cond(card.photos.length() > 1, "2", "1"),
            gap="2",
            width="100%",
        ),
    )


def _offer(card: rx.Var[FeedCard]) -> rx.Component:
    from social_market.components.offers import offer_feed_link

    return rx.cond(
        card.offer != "",
        rx.vstack(
            rx.callout(
                t("{offer} until {date}", offer=card.offer, date=card.offer_until),
                icon="tag",
                color_scheme="tomato",
                size="1",
            ),
            offer_feed_link(card.offer_url, card.offer_ends_at),
            spacing="2",
            width="100%",
        ),
    )


def _actions(card: rx.Var[FeedCard], state) -> rx.Component:
    return rx.cond(
        card.subject_kind != "",
        rx.hstack(
            rx.button(
                rx.icon(
                    "heart",
                    size=16,
                    fill=rx.cond(card.liked, "currentColor", "none"),
                    aria_hidden="true",
                ),
                rx.text.span(card.like_count),
                variant=rx.cond(card.liked, "soft", "ghost"),
                color_scheme=rx.cond(card.liked, "tomato", "gray"),
                size="1",
                on_click=state.toggle_like(card.subject_kind, card.subject_id),
                aria_pressed=rx.cond(card.liked, "true", "false"),
                aria_label=tn("Like, {n} like", "Like, {n} likes", card.like_count),
                class_name="sm-like",
            ),
            rx.link(
                rx.hstack(
                    rx.icon("message_circle", size=16, aria_hidden="true"),
                    rx.text.span(tn("{n} comment", "{n} comments", card.comment_count)),
                    spacing="1",
                    align="center",
                ),
                href=card.url,
                size="1",
                color=rx.color("gray", 11),
            ),
            rx.spacer(),
            rx.cond(
                AuthState.signed_in & ~card.mine & (card.kind == "post"),
                report_dialog(card.subject_kind, card.subject_id),
            ),
            rx.cond(
                card.mine & (card.kind == "post"),
                rx.button(
                    t("Delete"),
                    size="1",
                    variant="ghost",
                    color_scheme="red",
                    on_click=state.delete_post(card.subject_id),
                ),
            ),
            spacing="4",
            align="center",
            width="100%",
        ),
    )


def _listings(card: rx.Var[FeedCard]) -> rx.Component:
    return rx.cond(
        card.listings.length() > 0,
        rx.grid(
            rx.foreach(card.listings, listing_card),
            columns={"initial": "2", "sm": "4"},
            gap="3",
            width="100%",
        ),
    )


def feed_card(card: rx.Var[FeedCard], state) -> rx.Component:
    """One card; ``state`` is the CardsState subclass whose list it is in."""
    return rx.card(
        rx.vstack(
            _who(card),
            rx.cond(
                card.collapsed,
                rx.link(
                    t("Also new: {title}", title=card.listings[0].title),
                    href=card.listings[0].url,
                    size="2",
                ),
                rx.vstack(
                    rx.cond(card.kind == "share", rx.text(card.target_name, weight="medium")),
                    rx.cond(
                        card.kind == "list",
                        rx.link(
                            rx.hstack(
                                rx.icon("list", size=16, aria_hidden="true"),
                                rx.text.span(t("Open the list {list}", list=card.list_title)),
                                spacing="1",
                                align="center",
                            ),
                            href=card.list_url,
                            size="2",
                            class_name="sm-list-link",
                        ),
                    ),
                    rich_text(card.segments),
                    _offer(card),
                    _photos(card),
                    _listings(card),
                    _actions(card, state),
                    spacing="3",
                    width="100%",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        class_name="sm-feed-card",
        custom_attrs={"data-kind": card.kind},
    )


def card_list(state, empty: rx.Component) -> rx.Component:
    return rx.vstack(
        rx.cond(
            state.cards.length() > 0,
            rx.foreach(state.cards, lambda c: feed_card(c, state)),
            empty,
        ),
        rx.cond(
            state.next_cursor != "",
            rx.button(t("Load more"), variant="soft", on_click=state.more, id="load-more"),
        ),
        spacing="3",
        width="100%",
    )
