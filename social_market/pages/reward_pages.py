"""/rewards (my points, level, ledger, invite link, my vouchers), /sell/vouchers (the
maker's vouchers) and /join/<code> (an invitation)."""

from __future__ import annotations

import reflex as rx

from social_market import urls
from social_market.components.buttons import link_button
from social_market.components.fields import field, form_error, form_notice
from social_market.components.layout import page
from social_market.components.paged_list import paged_list
from social_market.components.rewards import LEVEL_COLORS
from social_market.i18n.ui import t, t_var
from social_market.pages.sell_pages import sell_nav
from social_market.services.rewards import ClaimCard, LedgerLine, VoucherCard
from social_market.state.rewards import JoinState, RewardsState, SellVouchersState


def _ledger_line(line: rx.Var[LedgerLine]) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.vstack(
                rx.text(t_var(line.reason), size="2"),
                rx.el.time(
                    line.when,
                    date_time=line.when_iso,
                    style={"font-size": "12px", "color": "var(--gray-11)"},
                ),
                spacing="0",
                align="start",
            ),
            rx.spacer(),
            rx.text(
                rx.cond(line.points > 0, "+", ""),
                line.points,
                weight="bold",
                color=rx.cond(line.points > 0, rx.color("grass", 11), rx.color("red", 11)),
            ),
            width="100%",
            align="center",
            padding="0.6rem 0.25rem",
            border_bottom=f"1px solid {rx.color('gray', 4)}",
        ),
        list_style="none",
        class_name="sm-ledger-line",
    )


def _claim(c: rx.Var[ClaimCard]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(c.title, weight="bold"),
                rx.spacer(),
                rx.cond(
                    c.used,
                    rx.badge(t("Used"), color_scheme="gray"),
                    rx.badge(t("{n}% off", n=c.percent_off), color_scheme="grass"),
                ),
                width="100%",
            ),
            rx.link(c.shop_name, href=c.shop_url, size="2"),
            rx.code(c.code, size="3", class_name="sm-voucher-code"),
            spacing="2",
            align="start",
            width="100%",
        ),
    )


def rewards_page() -> rx.Component:
    s = RewardsState
    return page(
        rx.vstack(
            rx.heading(t("Rewards"), size="7", as_="h1"),
            rx.text(
                t(
                    "You earn points when others value what you do: a helpful review, "
                    "a list or shared purchase that leads someone to buy, an accepted wish, "
                    "a friend you invited making a first purchase."
                ),
                color=rx.color("gray", 11),
            ),
            rx.grid(
                rx.card(
                    rx.vstack(
                        rx.text(t("Points to spend"), size="2", color=rx.color("gray", 11)),
                        rx.heading(s.balance, size="8", as_="p", id="points-balance"),
                        spacing="1",
                    ),
                ),
                rx.card(
                    rx.vstack(
                        rx.text(t("Your level"), size="2", color=rx.color("gray", 11)),
                        rx.badge(
                            rx.icon("award", size=16, aria_hidden="true"),
                            t_var(s.level_label),
                            color_scheme=rx.match(
                                s.level, *[(k, v) for k, v in LEVEL_COLORS.items()], "gray"
                            ),
                            size="3",
                            id="my-level",
                        ),
                        rx.text(t("{n} points earned", n=s.earned), size="2"),
                        rx.cond(
                            s.next_level_label != "",
                            rx.text(
                                t(
                                    "{n} more to {level}",
                                    n=s.to_next,
                                    level=t_var(s.next_level_label),
                                ),
                                size="1",
                                color=rx.color("gray", 11),
                            ),
                        ),
                        spacing="1",
                    ),
                ),
                columns={"initial": "1", "sm": "2"},
                gap="1rem",
                width="100%",
            ),
            rx.card(
                rx.vstack(
                    rx.heading(t("Invite a friend"), size="4", as_="h2"),
                    rx.text(
                        t(
                            "When a friend signs up with your link and makes a first purchase, you earn points."
                        ),
                        size="2",
                    ),
                    rx.hstack(
                        rx.input(
                            value=s.invite_url,
                            read_only=True,
                            aria_label=t("Your invitation link"),
                            id="invite-link",
                            width="100%",
                        ),
                        rx.button(
                            rx.icon("copy", size=16, aria_hidden="true"),
                            t("Copy"),
                            on_click=[
                                rx.set_clipboard(s.invite_url),
                                rx.toast.success(t("Copied")),
                            ],
                            variant="soft",
                        ),
                        width="100%",
                    ),
                    spacing="2",
                    width="100%",
                ),
                width="100%",
            ),
            rx.heading(t("Your vouchers"), size="5", as_="h2"),
            rx.cond(
                s.claims.length() > 0,
                rx.grid(
                    rx.foreach(s.claims, _claim),
                    columns={"initial": "1", "sm": "2"},
                    gap="1rem",
                    width="100%",
                    id="my-vouchers",
                ),
                rx.text(
                    t("No vouchers yet. Shops that offer them show them on their page."),
                    color=rx.color("gray", 11),
                    size="2",
                ),
            ),
            rx.heading(t("Points history"), size="5", as_="h2"),
            paged_list(
                s,
                s.lines,
                _ledger_line,
                list_id="ledger",
                empty=t("No points yet."),
            ),
            spacing="4",
            width="100%",
        ),
        width="760px",
    )


def _voucher_row(v: rx.Var[VoucherCard]) -> rx.Component:
    s = SellVouchersState
    return rx.el.li(
        rx.hstack(
            rx.vstack(
                rx.text(v.title, weight="bold"),
                rx.text(
                    t("{n}% off", n=v.percent_off),
                    " · ",
                    t("{n} points", n=v.cost_points),
                    " · ",
                    t("{n} left", n=v.remaining),
                    size="2",
                    color=rx.color("gray", 11),
                ),
                spacing="0",
                align="start",
            ),
            rx.spacer(),
            rx.cond(
                v.active,
                rx.button(
                    t("Stop offering"),
                    on_click=s.set_active(v.id, False),
                    variant="soft",
                    color_scheme="red",
                    size="2",
                ),
                rx.button(
                    t("Offer again"), on_click=s.set_active(v.id, True), variant="soft", size="2"
                ),
            ),
            width="100%",
            align="center",
            wrap="wrap",
            padding="0.6rem 0",
            border_bottom=f"1px solid {rx.color('gray', 4)}",
        ),
        list_style="none",
        class_name="sm-voucher-row",
    )


def sell_vouchers_page() -> rx.Component:
    s = SellVouchersState
    return page(
        rx.vstack(
            rx.heading(t("Reward vouchers"), size="7", as_="h1"),
            sell_nav("vouchers"),
            rx.cond(
                s.has_shop,
                rx.vstack(
                    rx.text(
                        t(
                            "People earn points for helpful reviews, lists and invitations. "
                            "Offer vouchers they can buy with points: a percentage off one order "
                            "from your shop."
                        ),
                        size="2",
                        color=rx.color("gray", 11),
                    ),
                    rx.card(
                        rx.form(
                            rx.vstack(
                                rx.heading(t("New voucher"), size="4", as_="h2"),
                                form_error(s.error),
                                form_notice(s.notice),
                                field(t("Title"), "title", s.field_errors, max_length=80),
                                rx.grid(
                                    field(
                                        t("Cost in points"),
                                        "cost_points",
                                        s.field_errors,
                                        inputmode="numeric",
                                    ),
                                    field(
                                        t("Percent off (1–50)"),
                                        "percent_off",
                                        s.field_errors,
                                        inputmode="numeric",
                                    ),
                                    field(
                                        t("How many"), "count", s.field_errors, inputmode="numeric"
                                    ),
                                    columns={"initial": "1", "sm": "3"},
                                    gap="0.75rem",
                                    width="100%",
                                ),
                                rx.button(t("Offer voucher"), type="submit", id="create-voucher"),
                                spacing="3",
                                width="100%",
                            ),
                            on_submit=s.create,
                            reset_on_submit=False,
                            key=s.form_key,
                            width="100%",
                        ),
                        width="100%",
                    ),
                    rx.heading(t("Your vouchers"), size="5", as_="h2"),
                    rx.cond(
                        s.vouchers.length() > 0,
                        rx.el.ul(
                            rx.foreach(s.vouchers, _voucher_row),
                            style={"padding": "0", "margin": "0", "width": "100%"},
                            id="shop-voucher-list",
                        ),
                        rx.text(t("No vouchers yet."), color=rx.color("gray", 11), size="2"),
                    ),
                    spacing="4",
                    width="100%",
                ),
                rx.vstack(
                    rx.text(t("Open a shop first.")),
                    link_button(t("Open a shop"), urls.SELL_SHOP),
                ),
            ),
            spacing="4",
            width="100%",
        ),
        width="820px",
    )


def join_page() -> rx.Component:
    s = JoinState
    return page(
        rx.vstack(
            rx.heading(t("You're invited to Social Market"), size="7", as_="h1"),
            rx.cond(
                s.valid,
                rx.vstack(
                    rx.text(
                        t(
                            "A friend invited you: buy handmade pieces directly from the "
                            "people who make them."
                        )
                    ),
                    link_button(
                        t("Create your account"),
                        urls.SIGN_UP + "?invite=" + s.code,
                        size="3",
                        id="join-sign-up",
                    ),
                    spacing="3",
                ),
                rx.text(t("That invitation link isn't valid (any more).")),
            ),
            spacing="4",
        ),
        width="640px",
    )
