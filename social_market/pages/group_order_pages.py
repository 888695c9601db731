"""/group/<id>: a group order — progress towards the target, the price now, the deadline
ticking, its members; join, change, leave; once reached, one's own share to pay."""

from __future__ import annotations

import reflex as rx

from social_market.components.buttons import link_button
from social_market.components.fields import (
    field,
    form_error,
    form_notice,
    select_field,
    street_address_fields,
)
from social_market.components.group_orders import countdown, progress_towards, tier_list
from social_market.components.layout import page
from social_market.components.listing_card import listing_photo
from social_market.components.live import on_change
from social_market.i18n.ui import t, t_var, tn
from social_market.pages.market_pages import not_found_block
from social_market.services.group_orders import MemberCard
from social_market.state.group_orders import GroupOrderState
from social_market.state.live import LiveState


def _state_badge(state: rx.Var[str]) -> rx.Component:
    return rx.badge(
        rx.match(
            state,
            ("open", t("Open")),
            ("reached", t("Target reached")),
            ("expired", t("Ended")),
            ("cancelled", t("Cancelled")),
            state,
        ),
        color_scheme=rx.match(
            state, ("open", "blue"), ("reached", "grass"), ("expired", "gray"), "gray"
        ),
        size="2",
        id="group-state",
    )


def _member(member: MemberCard) -> rx.Component:
    name = rx.cond(
        member.url != "",
        rx.link(member.name, href=member.url),
        rx.text(member.name, as_="span"),
    )
    return rx.el.li(
        rx.hstack(
            name,
            rx.cond(member.is_creator, rx.badge(t("started it"), variant="soft", size="1")),
            rx.spacer(),
            rx.text(tn("{n} piece", "{n} pieces", member.quantity), size="2"),
            width="100%",
            align="center",
        ),
        class_name="sm-group-member",
    )


def _quantity_form(label, button, on_submit, button_id: str, default) -> rx.Component:
    s = GroupOrderState
    return rx.form(
        rx.hstack(
            rx.box(
                field(
                    label,
                    "quantity",
                    s.field_errors,
                    type="number",
                    min="1",
                    max="50",
                    inputmode="numeric",
                    default_value=default,
                    key=default,
                ),
                width="10rem",
            ),
            rx.button(button, type="submit", id=button_id),
            align="end",
            spacing="3",
            wrap="wrap",
        ),
        on_submit=on_submit,
        reset_on_submit=False,
    )


def _membership() -> rx.Component:
    s = GroupOrderState
    g = s.group
    return rx.vstack(
        rx.cond(
            g.can_join,
            _quantity_form(
                t("How many pieces for you?"), t("Join the group order"), s.join, "join-group", "1"
            ),
        ),
        rx.cond(
            g.is_member & (g.state == "open"),
            rx.vstack(
                rx.text(
                    tn(
                        "You're in with {n} piece. It is held for you until the group closes.",
                        "You're in with {n} pieces. They are held for you until the group closes.",
                        g.my_quantity,
                    ),
                    size="2",
                ),
                _quantity_form(
                    t("Change your quantity"),
                    t("Change"),
                    s.change,
                    "change-group",
                    g.my_quantity.to(str),
                ),
                rx.button(
                    t("Leave the group order"),
                    variant="soft",
                    color_scheme="gray",
                    on_click=s.leave,
                    id="leave-group",
                ),
                spacing="3",
                align="start",
            ),
        ),
        rx.cond(
            ~s.signed_in & (g.state == "open"),
            rx.link(
                t("Sign in to join this group order."),
                href="/signin?next=" + g.url,
                size="2",
                id="sign-in-to-join",
            ),
        ),
        rx.cond(
            g.conversation_url != "",
            link_button(
                rx.fragment(rx.icon("message_circle", size=16), t("Group chat")),
                g.conversation_url,
                variant="soft",
                id="group-chat-link",
            ),
        ),
        rx.cond(
            g.can_cancel,
            rx.alert_dialog.root(
                rx.alert_dialog.trigger(
                    rx.button(
                        t("Cancel the group order"),
                        variant="soft",
                        color_scheme="red",
                        id="cancel-group",
                    )
                ),
                rx.alert_dialog.content(
                    rx.alert_dialog.title(t("Cancel this group order?")),
                    rx.alert_dialog.description(
                        t("Everyone's held pieces are released and nobody is charged.")
                    ),
                    rx.hstack(
                        rx.alert_dialog.cancel(rx.button(t("Keep it"), variant="soft")),
                        rx.alert_dialog.action(
                            rx.button(t("Cancel it"), color_scheme="red", on_click=s.cancel)
                        ),
                        spacing="3",
                        justify="end",
                        margin_top="1rem",
                    ),
                ),
            ),
        ),
        spacing="3",
        align="start",
        width="100%",
    )


def _share_checkout() -> rx.Component:
    """The member's own share once the target is reached: pay it like a checkout."""
    s = GroupOrderState
    share = s.group.share
    pickup = s.method == "pickup"
    return rx.cond(
        share != None,  # noqa: E711
        rx.card(
            rx.vstack(
                rx.heading(t("Your share"), size="5", as_="h2", id="your-share"),
                rx.text(
                    tn(
                        "{n} piece at {price}: {total}",
                        "{n} pieces at {price} each: {total}",
                        share.quantity,
                        price=share.unit_price,
                        total=share.total,
                    ),
                    size="3",
                    weight="bold",
                    id="share-total",
                ),
                rx.match(
                    share.state,
                    (
                        "ready",
                        rx.vstack(
                            rx.hstack(
                                rx.text(t("Pay within"), size="2"),
                                countdown(share.expires_at),
                                spacing="2",
                                align="center",
                            ),
                            rx.text(
                                t("Shipping is added at checkout."),
                                size="2",
                                color=rx.color("gray", 11),
                            ),
                            rx.form(
                                rx.vstack(
                                    form_error(s.error),
                                    rx.radio_group.root(
                                        rx.foreach(
                                            s.group.payment_options,
                                            lambda m: rx.text(
                                                rx.flex(
                                                    rx.radio_group.item(value=m[0]),
                                                    t_var(m[1]),
                                                    gap="2",
                                                    align="center",
                                                ),
                                                as_="label",
                                            ),
                                        ),
                                        value=s.method,
                                        on_change=s.set_method,
                                        aria_label=t("Payment method"),
                                        direction="column",
                                        spacing="2",
                                    ),
                                    field(
                                        t("Full name"),
                                        "name",
                                        s.field_errors,
                                        autocomplete="name",
                                    ),
                                    rx.cond(
                                        ~pickup,
                                        rx.vstack(
                                            *street_address_fields(s.field_errors),
                                            select_field(
                                                t("Country"),
                                                "country",
                                                s.country_options,
                                                s.field_errors,
                                                default_value=rx.cond(
                                                    s.ship_to != "", s.ship_to, "DE"
                                                ),
                                            ),
                                            spacing="3",
                                            width="100%",
                                        ),
                                    ),
                                    rx.button(
                                        t("Buy my share"),
                                        type="submit",
                                        size="3",
                                        loading=s.busy,
                                        id="buy-share",
                                    ),
                                    spacing="3",
                                    width="100%",
                                ),
                                on_submit=s.buy_share,
                                reset_on_submit=False,
                                width="100%",
                            ),
                            spacing="3",
                            width="100%",
                        ),
                    ),
                    (
                        "used",
                        rx.hstack(
                            rx.text(t("You have bought your share."), size="2"),
                            rx.cond(
                                share.order_url != "",
                                rx.link(t("See the order"), href=share.order_url),
                            ),
                            spacing="2",
                        ),
                    ),
                    (
                        "pending",
                        rx.text(
                            t("You pay once the group reaches its target."),
                            size="2",
                        ),
                    ),
                    rx.text(
                        t("This share can no longer be bought: its pieces were released."),
                        size="2",
                    ),
                ),
                spacing="3",
                width="100%",
                align="start",
            ),
            width="100%",
        ),
    )


def group_order_page() -> rx.Component:
    s = GroupOrderState
    g = s.group
    return page(
        rx.cond(
            s.found & (g != None),  # noqa: E711
            rx.vstack(
                rx.hstack(
                    rx.link(
                        rx.box(listing_photo(g.listing_photo, g.listing_title), width="96px"),
                        href=g.listing_url,
                        aria_label=g.listing_title,
                    ),
                    rx.vstack(
                        rx.text(t("Group order"), size="2", color=rx.color("gray", 11)),
                        rx.heading(g.listing_title, size="7", as_="h1"),
                        rx.hstack(
                            rx.link(g.shop_name, href=g.shop_url),
                            _state_badge(g.state),
                            spacing="3",
                            align="center",
                            wrap="wrap",
                        ),
                        spacing="1",
                        align="start",
                    ),
                    spacing="4",
                    align="center",
                    width="100%",
                ),
                form_error(s.error),
                form_notice(s.notice),
                # Members' pages look again when a member joins or the target is reached.
                rx.cond(
                    g.is_member | g.is_maker,
                    rx.fragment(
                        on_change(LiveState.message_pings, s.refresh),
                        on_change(LiveState.unread_notifications, s.refresh),
                    ),
                ),
                rx.grid(
                    rx.vstack(
                        rx.card(
                            rx.vstack(
                                progress_towards(g.joined_quantity, g.target_quantity, g.percent),
                                rx.hstack(
                                    rx.vstack(
                                        rx.text(
                                            rx.cond(
                                                g.state == "reached",
                                                t("Group price"),
                                                t("Price now"),
                                            ),
                                            size="1",
                                            color=rx.color("gray", 11),
                                        ),
                                        rx.text(
                                            g.price_now, size="5", weight="bold", id="price-now"
                                        ),
                                        rx.cond(
                                            g.percent_off_now > 0,
                                            rx.text(
                                                t(
                                                    "{percent}% off {price}",
                                                    percent=g.percent_off_now,
                                                    price=g.unit_price,
                                                ),
                                                size="1",
                                            ),
                                        ),
                                        spacing="0",
                                        align="start",
                                    ),
                                    rx.spacer(),
                                    rx.cond(
                                        g.state == "open",
                                        rx.vstack(
                                            rx.text(
                                                t("Ends in"), size="1", color=rx.color("gray", 11)
                                            ),
                                            countdown(g.deadline, id="group-countdown"),
                                            spacing="0",
                                            align="end",
                                        ),
                                    ),
                                    width="100%",
                                    align="center",
                                ),
                                rx.cond(
                                    g.next_tier_hint_quantity > 0,
                                    rx.text(
                                        tn(
                                            "{n} more piece and everyone gets {percent}% off.",
                                            "{n} more pieces and everyone gets {percent}% off.",
                                            g.next_tier_hint_quantity,
                                            percent=g.next_tier_percent,
                                        ),
                                        size="2",
                                    ),
                                ),
                                rx.match(
                                    g.state,
                                    (
                                        "expired",
                                        rx.callout(
                                            t(
                                                "The deadline passed before the target was "
                                                "reached. Nobody was charged."
                                            ),
                                            icon="info",
                                        ),
                                    ),
                                    (
                                        "cancelled",
                                        rx.callout(
                                            t(
                                                "This group order was cancelled. Nobody was charged."
                                            ),
                                            icon="info",
                                        ),
                                    ),
                                    (
                                        "reached",
                                        rx.callout(
                                            t(
                                                "The target is reached: every member now pays "
                                                "their share at the group price."
                                            ),
                                            icon="party_popper",
                                            color_scheme="grass",
                                            id="group-reached",
                                        ),
                                    ),
                                    rx.fragment(),
                                ),
                                rx.cond(
                                    g.note != "",
                                    rx.text(
                                        t("{name} says:", name=g.creator_name),
                                        " ",
                                        rx.text(g.note, as_="span", class_name="sm-text-block"),
                                        size="2",
                                    ),
                                ),
                                _membership(),
                                spacing="4",
                                width="100%",
                            ),
                            width="100%",
                        ),
                        _share_checkout(),
                        spacing="4",
                        width="100%",
                    ),
                    rx.vstack(
                        rx.card(
                            rx.vstack(
                                rx.heading(
                                    t(
                                        "Members ({count} of {max})",
                                        count=g.member_count,
                                        max=g.max_members,
                                    ),
                                    size="4",
                                    as_="h2",
                                ),
                                rx.el.ul(
                                    rx.foreach(g.members, _member),
                                    style={
                                        "listStyle": "none",
                                        "padding": "0",
                                        "margin": "0",
                                        "width": "100%",
                                    },
                                    id="group-members",
                                ),
                                spacing="3",
                                width="100%",
                            ),
                            width="100%",
                        ),
                        rx.cond(
                            g.tiers.length() > 0,
                            rx.card(
                                rx.vstack(
                                    rx.heading(t("Group prices"), size="4", as_="h2"),
                                    tier_list(g.tiers),
                                    spacing="2",
                                    width="100%",
                                ),
                                width="100%",
                            ),
                        ),
                        spacing="4",
                        width="100%",
                    ),
                    columns={"initial": "1", "md": "2"},
                    gap="1.5rem",
                    width="100%",
                ),
                spacing="5",
                width="100%",
            ),
            not_found_block(t("We couldn't find that group order.")),
        )
    )
