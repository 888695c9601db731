"""Rewards pieces used on several pages: the level badge, a shop's voucher cards, the
voucher-code field at checkout and the discount row of an order."""

from __future__ import annotations

import reflex as rx

from social_market.components.fields import field
from social_market.i18n.ui import t, t_var
from social_market.services.rewards import LevelBadge, VoucherCard

LEVEL_COLORS = {"newcomer": "gray", "contributor": "grass", "trusted": "blue", "pillar": "amber"}


def level_badge(badge: rx.Var[LevelBadge | None]) -> rx.Component:
    """ "Trusted · 250 points" (nothing when there is no badge)."""
    return rx.cond(
        badge != None,  # noqa: E711 - Var comparison builds JS
        rx.badge(
            rx.icon("award", size=14, aria_hidden="true"),
            t_var(badge.label),
            " · ",
            t("{n} points", n=badge.earned),
            color_scheme=rx.match(
                badge.level,
                *[(level, color) for level, color in LEVEL_COLORS.items()],
                "gray",
            ),
            variant="soft",
            size="2",
            id="level-badge",
        ),
    )


def voucher_card(v: rx.Var[VoucherCard], claim_button: rx.Component) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.icon("ticket", size=18, aria_hidden="true"),
                rx.text(v.title, weight="bold"),
                align="center",
                spacing="2",
            ),
            rx.text(t("{n}% off one order from this shop", n=v.percent_off), size="2"),
            rx.text(
                t("{n} left", n=v.remaining),
                size="1",
                color=rx.color("gray", 11),
            ),
            claim_button,
            spacing="2",
            align="start",
        ),
        class_name="sm-voucher",
    )


def shop_vouchers_section(state) -> rx.Component:
    """A shop's vouchers on its page with "Claim for N points"."""
    return rx.cond(
        state.vouchers.length() > 0,
        rx.vstack(
            rx.heading(t("Rewards from this shop"), size="5", as_="h2"),
            rx.cond(
                state.signed_in & ~state.owner_view,
                rx.text(
                    t("You have {n} points.", n=state.my_points),
                    size="2",
                    color=rx.color("gray", 11),
                ),
            ),
            rx.grid(
                rx.foreach(
                    state.vouchers,
                    lambda v: voucher_card(
                        v,
                        rx.cond(
                            state.owner_view,
                            rx.fragment(),
                            rx.button(
                                t("Claim for {n} points", n=v.cost_points),
                                on_click=state.claim(v.id),
                                size="2",
                                class_name="sm-claim-voucher",
                            ),
                        ),
                    ),
                ),
                columns={"initial": "1", "sm": "2", "md": "3"},
                gap="1rem",
                width="100%",
            ),
            rx.cond(
                state.last_code != "",
                rx.callout(
                    t("Your voucher code: {code}", code=state.last_code),
                    icon="ticket",
                    color_scheme="grass",
                    role="status",
                    id="claimed-code",
                ),
            ),
            spacing="3",
            width="100%",
            id="shop-vouchers",
        ),
    )


def voucher_code_field(errors: rx.Var, **props) -> rx.Component:
    """The optional voucher code in the checkout form."""
    return field(
        t("Voucher code (optional)"),
        "voucher_code",
        errors,
        placeholder="RV-…",
        hint=t("A code you claimed with points, for one shop in this order."),
        autocomplete="off",
        max_length=20,
        **props,
    )


def order_discount_row(discount_cents: rx.Var[int], discount: rx.Var[str]) -> rx.Component:
    return rx.cond(
        discount_cents > 0,
        rx.hstack(
            rx.text(t("Reward voucher")),
            rx.spacer(),
            rx.text("− ", discount, id="order-discount"),
            width="100%",
        ),
    )
