"""Group order pieces: the listing page's "Buy together" box, progress towards a target,
a ticking deadline, and the maker's tier editor."""

from __future__ import annotations

import reflex as rx

from social_market.components.fields import field, form_error, form_notice, select_field
from social_market.i18n.ui import t, tn
from social_market.services.group_orders import MAX_TIERS, GroupSummary, TierCard
from social_market.state.group_orders import DEADLINE_CHOICES, BuyTogetherState, GroupTiersState


def countdown(deadline: rx.Var[str], **props) -> rx.Component:
    """The time left until ``deadline`` (ISO 8601), ticking in the browser (the script
    comes with the page's load event); React never writes its text, the script does."""
    style = {"fontVariantNumeric": "tabular-nums", "fontWeight": "600", **props.pop("style", {})}
    return rx.el.span(
        custom_attrs={"data-sm-countdown": deadline},
        role="timer",
        class_name="sm-countdown",
        style=style,
        **props,
    )


def progress_towards(joined: rx.Var[int], target: rx.Var[int], percent: rx.Var[int], **props):
    label = t("{joined} of {target} pieces", joined=joined, target=target)
    return rx.vstack(
        rx.progress(
            value=percent,
            max=100,
            aria_label=label,
            aria_valuetext=label,
            width="100%",
            color_scheme="grass",
        ),
        rx.text(label, size="2", color=rx.color("gray", 11)),
        spacing="1",
        width="100%",
        **props,
    )


def tier_list(tiers: rx.Var[list[TierCard]]) -> rx.Component:
    return rx.el.ul(
        rx.foreach(
            tiers,
            lambda tier: rx.el.li(
                rx.text(
                    t(
                        "From {count} pieces: {percent}% off ({price} each)",
                        count=tier.min_quantity,
                        percent=tier.percent_off,
                        price=tier.unit_price,
                    ),
                    size="2",
                )
            ),
        ),
        class_name="sm-plain-list",
        style={"listStyle": "none", "padding": "0", "margin": "0"},
    )


def _group_row(group: GroupSummary) -> rx.Component:
    return rx.link(
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.text(
                        t("Started by {name}", name=group.creator_name), size="2", weight="bold"
                    ),
                    rx.spacer(),
                    rx.text(t("Now {price} each", price=group.price_now), size="2"),
                    width="100%",
                    wrap="wrap",
                ),
                progress_towards(group.joined_quantity, group.target_quantity, group.percent),
                rx.hstack(
                    rx.text(
                        tn("{n} person", "{n} people", group.member_count),
                        size="1",
                        color=rx.color("gray", 11),
                    ),
                    rx.spacer(),
                    rx.text(t("Ends in"), " ", size="1", color=rx.color("gray", 11)),
                    countdown(group.deadline, style={"fontSize": "0.8rem"}),
                    width="100%",
                    align="center",
                ),
                spacing="2",
                width="100%",
            ),
            width="100%",
        ),
        href=group.url,
        underline="none",
        width="100%",
        aria_label=t(
            "Group order by {name}: {joined} of {target} pieces",
            name=group.creator_name,
            joined=group.joined_quantity,
            target=group.target_quantity,
        ),
    )


def _start_form() -> rx.Component:
    s = BuyTogetherState
    return rx.form(
        rx.vstack(
            rx.heading(t("Start a group order"), size="3", as_="h3"),
            form_error(s.form_error),
            rx.grid(
                field(
                    t("Target (pieces)"),
                    "target_quantity",
                    s.form_field_errors,
                    type="number",
                    min="2",
                    max="500",
                    default_value="5",
                    inputmode="numeric",
                ),
                field(
                    t("Pieces for you"),
                    "quantity",
                    s.form_field_errors,
                    type="number",
                    min="1",
                    max="50",
                    default_value="1",
                    inputmode="numeric",
                ),
                columns={"initial": "1", "sm": "2"},
                gap="0.75rem",
                width="100%",
            ),
            select_field(
                t("Ends in"),
                "days",
                DEADLINE_CHOICES,
                s.form_field_errors,
                default_value="7",
                translate=True,
            ),
            rx.cond(
                s.form_field_errors.contains("deadline"),
                rx.text(
                    s.form_field_errors["deadline"].to(str),
                    color=rx.color("red", 11),
                    size="1",
                    role="alert",
                ),
            ),
            field(
                t("A note for people who join (optional)"),
                "note",
                s.form_field_errors,
                multiline=True,
                rows="2",
            ),
            rx.hstack(
                rx.button(t("Start the group order"), type="submit", id="start-group-order"),
                rx.button(t("Cancel"), type="button", variant="soft", on_click=s.close_start),
                spacing="2",
                wrap="wrap",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=s.start,
        reset_on_submit=False,
        width="100%",
    )


def buy_together_box() -> rx.Component:
    """On the listing page: tiers, open group orders, start one."""
    s = BuyTogetherState
    box = s.box
    return rx.cond(
        box != None,  # noqa: E711 - Var comparison builds JS
        rx.card(
            rx.vstack(
                rx.heading(t("Buy together"), size="5", as_="h2", id="buy-together"),
                rx.text(
                    t(
                        "Team up with other buyers: when a group reaches its target before the "
                        "deadline, everyone pays the group price. Nobody pays otherwise."
                    ),
                    size="2",
                    color=rx.color("gray", 11),
                ),
                rx.cond(
                    box.tiers.length() > 0,
                    tier_list(box.tiers),
                    rx.text(t("No group discount on this piece yet."), size="2"),
                ),
                rx.cond(
                    box.groups.length() > 0,
                    rx.vstack(
                        rx.heading(t("Open group orders"), size="3", as_="h3"),
                        rx.foreach(box.groups, _group_row),
                        spacing="2",
                        width="100%",
                    ),
                ),
                form_notice(s.form_notice),
                rx.cond(
                    box.can_start,
                    rx.cond(
                        s.starting,
                        _start_form(),
                        rx.button(
                            rx.icon("users", size=16),
                            t("Start a group order"),
                            variant="soft",
                            on_click=s.open_start,
                            id="open-start-group",
                        ),
                    ),
                ),
                rx.cond(
                    box.is_maker,
                    rx.text(
                        t("You can set group prices in the listing editor."),
                        size="2",
                        color=rx.color("gray", 11),
                    ),
                ),
                spacing="3",
                width="100%",
                align="start",
            ),
            width="100%",
            id="buy-together-box",
        ),
    )


def tier_editor() -> rx.Component:
    """The maker's group prices for the listing being edited (saved on their own)."""
    s = GroupTiersState
    rows = []
    for i in range(1, MAX_TIERS + 1):
        rows.append(
            rx.grid(
                field(
                    t("From (pieces)") if i == 1 else "",
                    f"tier_q{i}",
                    s.form_field_errors,
                    type="number",
                    min="2",
                    max="500",
                    inputmode="numeric",
                    default_value=rx.cond(
                        s.tiers.length() >= i, s.tiers[i - 1].min_quantity.to(str), ""
                    ),
                    key=rx.cond(s.tiers.length() >= i, s.tiers[i - 1].min_quantity.to(str), "")
                    + f"-q{i}",
                    aria_label=t("Tier {n}: from how many pieces", n=i),
                ),
                field(
                    t("Discount (%)") if i == 1 else "",
                    f"tier_p{i}",
                    s.form_field_errors,
                    type="number",
                    min="1",
                    max="90",
                    inputmode="numeric",
                    default_value=rx.cond(
                        s.tiers.length() >= i, s.tiers[i - 1].percent_off.to(str), ""
                    ),
                    key=rx.cond(s.tiers.length() >= i, s.tiers[i - 1].percent_off.to(str), "")
                    + f"-p{i}",
                    aria_label=t("Tier {n}: discount in percent", n=i),
                ),
                columns="2",
                gap="0.75rem",
                width="100%",
            )
        )
    return rx.cond(
        s.shown,
        rx.card(
            rx.form(
                rx.vstack(
                    rx.heading(t("Group prices"), size="4", as_="h2", id="group-prices"),
                    rx.text(
                        t(
                            "Buyers who team up in a group order get these discounts once the "
                            "group reaches the number of pieces. Up to five tiers; more pieces, "
                            "bigger discount. Leave a row empty to remove it."
                        ),
                        size="2",
                        color=rx.color("gray", 11),
                    ),
                    form_error(s.form_error),
                    form_notice(s.form_notice),
                    rx.cond(
                        s.form_field_errors.contains("tiers"),
                        rx.text(
                            s.form_field_errors["tiers"].to(str),
                            color=rx.color("red", 11),
                            size="2",
                            role="alert",
                        ),
                    ),
                    *rows,
                    rx.button(t("Save group prices"), type="submit", id="save-group-prices"),
                    spacing="3",
                    width="100%",
                ),
                on_submit=s.save,
                reset_on_submit=False,
                width="100%",
            ),
            width="100%",
        ),
    )
