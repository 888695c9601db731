"""Cart, checkout and orders: the buyer's side and the shop's side."""

from __future__ import annotations

import reflex as rx

from social_market import urls
from social_market.components.buttons import link_button
from social_market.components.fields import field, form_error, street_address_fields
from social_market.components.layout import page
from social_market.components.listing_card import listing_photo
from social_market.components.reviews import review_dialog, stars
from social_market.components.rewards import order_discount_row, voucher_code_field
from social_market.i18n.ui import t, t_var, tn
from social_market.pages.market_pages import not_found_block
from social_market.pages.message_pages import message_button
from social_market.pages.sell_pages import sell_nav
from social_market.pages.social_pages import share_dialog
from social_market.services.cart import CartLine, CartShop
from social_market.services.dashboard import ListingStats
from social_market.services.orders import OrderLineView, OrderSummary
from social_market.state.messages import StartConversationState
from social_market.state.orders import (
    CartState,
    CheckoutState,
    OrdersState,
    OrderState,
    SellerDashboardState,
    SellerOrdersState,
)
from social_market.state.reviews import ReviewFormState
from social_market.state.social import ShareDialogState


def country_select(options, value, on_change, *, id: str) -> rx.Component:
    return rx.vstack(
        rx.el.label(t("Shipping to"), html_for=id, class_name="sm-label"),
        rx.el.select(
            rx.foreach(options, lambda o: rx.el.option(o[1], value=o[0])),
            id=id,
            name="country",
            value=value,
            on_change=on_change,
            class_name="sm-select",
        ),
        spacing="1",
        width="100%",
    )


def status_badge(status: rx.Var[str], label: rx.Var[str]) -> rx.Component:
    return rx.badge(
        t_var(label),
        color_scheme=rx.match(
            status,
            ("placed", "amber"),
            ("paid", "blue"),
            ("shipped", "violet"),
            ("delivered", "grass"),
            ("cancelled", "gray"),
            "gray",
        ),
        high_contrast=True,
        size="2",
    )


# ---------------------------------------------------------------------- cart


def _cart_line(line: rx.Var[CartLine]) -> rx.Component:
    s = CartState
    return rx.hstack(
        rx.box(listing_photo(line.photo_url, line.photo_alt, width="72px"), width="72px"),
        rx.vstack(
            rx.link(line.title, href=line.url, weight="medium"),
            rx.text(line.unit_price, size="2", color=rx.color("gray", 11)),
            rx.cond(
                line.problem != "",
                rx.text(t_var(line.problem), size="2", color=rx.color("red", 11), role="alert"),
            ),
            spacing="1",
            align="start",
            flex="1",
            min_width="0",
        ),
        rx.el.select(
            rx.foreach(
                rx.Var.range(1, line.max_quantity + 1),
                lambda n: rx.el.option(n.to(str), value=n.to(str)),
            ),
            value=line.quantity.to(str),
            on_change=lambda v: s.set_quantity(line.listing_id, v),
            aria_label=t("Quantity of {title}", title=line.title),
            class_name="sm-select",
            width="4.5rem",
        ),
        rx.text(line.line_total, weight="bold", min_width="5rem", text_align="right"),
        rx.icon_button(
            rx.icon("trash_2", size=16),
            variant="ghost",
            color_scheme="red",
            aria_label=t("Remove {title}", title=line.title),
            on_click=s.remove(line.listing_id),
        ),
        spacing="3",
        align="center",
        width="100%",
        wrap="wrap",
    )


def _cart_shop(group: rx.Var[CartShop]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.link(rx.heading(group.shop_name, size="4", as_="h2"), href=group.shop_url),
            rx.foreach(group.lines, _cart_line),
            rx.divider(),
            rx.hstack(
                rx.text(t("Shipping")),
                rx.spacer(),
                rx.cond(
                    group.problem != "",
                    rx.text(t_var(group.problem), color=rx.color("red", 11), size="2"),
                    rx.text(group.shipping),
                ),
                width="100%",
            ),
            rx.hstack(
                rx.text(t("Shop total"), weight="bold"),
                rx.spacer(),
                rx.text(group.total, weight="bold"),
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def cart_page() -> rx.Component:
    s = CartState
    c = s.cart
    return page(
        rx.vstack(
            rx.heading(t("Your cart"), size="7", as_="h1"),
            rx.cond(
                s.error != "",
                rx.callout(s.error, icon="triangle_alert", color_scheme="red", role="alert"),
            ),
            rx.cond(
                (c != None) & (c.shops.length() > 0),  # noqa: E711
                rx.grid(
                    rx.vstack(rx.foreach(c.shops, _cart_shop), spacing="4", width="100%"),
                    rx.card(
                        rx.vstack(
                            country_select(
                                s.country_options,
                                c.destination_country,
                                s.set_ship_to,
                                id="cart-country",
                            ),
                            rx.hstack(
                                rx.text(t("Items")),
                                rx.spacer(),
                                rx.text(c.items_total),
                                width="100%",
                            ),
                            rx.hstack(
                                rx.text(t("Shipping")),
                                rx.spacer(),
                                rx.text(c.shipping_total),
                                width="100%",
                            ),
                            rx.hstack(
                                rx.text(t("Total"), weight="bold"),
                                rx.spacer(),
                                rx.text(c.grand_total, weight="bold", id="cart-total"),
                                width="100%",
                            ),
                            rx.cond(
                                c.can_check_out,
                                link_button(
                                    t("Check out"),
                                    urls.CHECKOUT,
                                    size="3",
                                    width="100%",
                                    id="go-checkout",
                                ),
                                rx.text(
                                    t("Sort out the marked items to check out."),
                                    size="2",
                                    color=rx.color("red", 11),
                                ),
                            ),
                            spacing="3",
                            width="100%",
                        ),
                    ),
                    columns={"initial": "1", "md": "1fr 320px"},
                    gap="1.5rem",
                    width="100%",
                    align_items="start",
                ),
                rx.vstack(
                    rx.text(t("Your cart is empty."), color=rx.color("gray", 11)),
                    link_button(t("Find something handmade"), urls.SEARCH, variant="soft"),
                    spacing="3",
                    align="start",
                ),
            ),
            spacing="5",
            width="100%",
        )
    )


# ---------------------------------------------------------------------- checkout


def checkout_page() -> rx.Component:
    s = CheckoutState
    c = s.cart
    pickup = s.method == "pickup"
    return page(
        rx.vstack(
            rx.heading(t("Checkout"), size="7", as_="h1"),
            rx.cond(
                c != None,  # noqa: E711
                rx.form(
                    rx.grid(
                        rx.vstack(
                            form_error(s.error),
                            rx.card(
                                rx.vstack(
                                    rx.heading(t("How will you pay?"), size="4", as_="h2"),
                                    rx.radio_group.root(
                                        rx.foreach(
                                            c.payment_methods,
                                            lambda m: rx.text(
                                                rx.flex(
                                                    rx.radio_group.item(value=m.code),
                                                    t_var(m.label),
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
                                    rx.cond(
                                        c.payment_methods.length() == 0,
                                        rx.text(
                                            t(
                                                "These shops have no payment method in common. "
                                                "Please check out one shop at a time."
                                            ),
                                            color=rx.color("red", 11),
                                        ),
                                    ),
                                    spacing="3",
                                    width="100%",
                                ),
                            ),
                            rx.card(
                                rx.vstack(
                                    rx.heading(
                                        rx.cond(pickup, t("Your name"), t("Shipping address")),
                                        size="4",
                                        as_="h2",
                                    ),
                                    field(
                                        t("Full name"), "name", s.field_errors, autocomplete="name"
                                    ),
                                    rx.cond(
                                        pickup,
                                        rx.text(
                                            t("You pick up and pay at the maker's workshop."),
                                            size="2",
                                        ),
                                        rx.vstack(
                                            *street_address_fields(s.field_errors),
                                            country_select(
                                                s.country_options,
                                                c.destination_country,
                                                s.set_ship_to,
                                                id="checkout-country",
                                            ),
                                            spacing="3",
                                            width="100%",
                                        ),
                                    ),
                                    spacing="3",
                                    width="100%",
                                ),
                            ),
                            spacing="4",
                            width="100%",
                        ),
                        rx.card(
                            rx.vstack(
                                rx.heading(t("Your order"), size="4", as_="h2"),
                                rx.foreach(
                                    c.shops,
                                    lambda g: rx.vstack(
                                        rx.text(g.shop_name, weight="bold"),
                                        rx.foreach(
                                            g.lines,
                                            lambda line: rx.hstack(
                                                rx.text(line.quantity, " × ", line.title, size="2"),
                                                rx.spacer(),
                                                rx.text(line.line_total, size="2"),
                                                width="100%",
                                            ),
                                        ),
                                        rx.hstack(
                                            rx.text(t("Shipping"), size="2"),
                                            rx.spacer(),
                                            rx.cond(
                                                g.problem != "",
                                                rx.text(
                                                    t_var(g.problem),
                                                    size="2",
                                                    color=rx.color("red", 11),
                                                ),
                                                rx.text(g.shipping, size="2"),
                                            ),
                                            width="100%",
                                        ),
                                        spacing="1",
                                        width="100%",
                                    ),
                                ),
                                rx.divider(),
                                voucher_code_field(s.field_errors, on_blur=s.preview_voucher),
                                rx.cond(
                                    s.voucher_discount != "",
                                    rx.hstack(
                                        rx.text(t("Reward voucher"), size="2"),
                                        rx.spacer(),
                                        rx.text("− ", s.voucher_discount, size="2"),
                                        width="100%",
                                        id="checkout-discount",
                                    ),
                                ),
                                rx.hstack(
                                    rx.text(t("Total"), weight="bold"),
                                    rx.spacer(),
                                    rx.text(
                                        rx.cond(
                                            s.voucher_total != "", s.voucher_total, c.grand_total
                                        ),
                                        weight="bold",
                                        id="checkout-total",
                                    ),
                                    width="100%",
                                ),
                                rx.button(
                                    t("Place order"),
                                    type="submit",
                                    size="3",
                                    width="100%",
                                    disabled=~c.can_check_out | s.busy,
                                    id="place-order",
                                ),
                                rx.text(
                                    t("You pay the maker directly; nothing is charged here."),
                                    size="1",
                                    color=rx.color("gray", 11),
                                ),
                                spacing="3",
                                width="100%",
                            ),
                        ),
                        columns={"initial": "1", "md": "1fr 340px"},
                        gap="1.5rem",
                        width="100%",
                        align_items="start",
                    ),
                    on_submit=s.place,
                    width="100%",
                ),
            ),
            spacing="5",
            width="100%",
        )
    )


# ---------------------------------------------------------------------- orders


def _order_row(o: rx.Var[OrderSummary]) -> rx.Component:
    return rx.link(
        rx.card(
            rx.hstack(
                rx.box(listing_photo(o.first_item_photo_url, "", width="56px"), width="56px"),
                rx.vstack(
                    rx.text(o.reference, weight="bold", class_name="sm-order-ref"),
                    rx.text(
                        o.counterpart_name,
                        " · ",
                        o.placed_at,
                        " · ",
                        tn("{n} item", "{n} items", o.item_count),
                        size="2",
                        color=rx.color("gray", 11),
                    ),
                    spacing="1",
                    align="start",
                    flex="1",
                ),
                status_badge(o.status, o.status_label),
                rx.text(o.total, weight="bold"),
                spacing="3",
                align="center",
                width="100%",
                wrap="wrap",
            ),
        ),
        href=o.url,
        underline="none",
        color="inherit",
        class_name="sm-order-row",
    )


def orders_page() -> rx.Component:
    s = OrdersState
    return page(
        rx.vstack(
            rx.heading(t("Your orders"), size="7", as_="h1"),
            rx.cond(
                s.just_placed,
                rx.callout(
                    t(
                        "Thank you! Your orders are placed. Each shop's payment details are on its order."
                    ),
                    icon="party_popper",
                    color_scheme="grass",
                    role="status",
                ),
            ),
            rx.cond(
                s.orders.length() > 0,
                rx.vstack(rx.foreach(s.orders, _order_row), spacing="3", width="100%"),
                rx.text(t("You haven't ordered anything yet."), color=rx.color("gray", 11)),
            ),
            rx.cond(
                s.next_cursor != "",
                rx.button(t("Show older orders"), on_click=s.more, variant="soft"),
            ),
            spacing="4",
            width="100%",
        )
    )


def _line(line: rx.Var[OrderLineView], can_share: rx.Var[bool] | bool = False) -> rx.Component:
    return rx.hstack(
        rx.box(listing_photo(line.photo_url, "", width="56px"), width="56px"),
        rx.vstack(
            rx.cond(line.url != "", rx.link(line.title, href=line.url), rx.text(line.title)),
            rx.text(line.quantity, " × ", line.unit_price, size="2", color=rx.color("gray", 11)),
            rx.cond(
                can_share,
                rx.button(
                    rx.icon("share_2", size=14, aria_hidden="true"),
                    rx.match(
                        line.shared,
                        ("followers", t("Shared with followers")),
                        ("everyone", t("Shared with everyone")),
                        t("Share"),
                    ),
                    size="1",
                    variant="soft",
                    on_click=ShareDialogState.open_for(line.line_id),
                    aria_label=t("Share {title}", title=line.title),
                    class_name="sm-share-purchase",
                ),
            ),
            rx.match(
                line.review,
                (
                    "can",
                    rx.button(
                        rx.icon("star", size=14, aria_hidden="true"),
                        t("Write a review"),
                        size="1",
                        variant="soft",
                        color_scheme="amber",
                        on_click=ReviewFormState.open_for(line.line_id),
                        aria_label=t("Review {title}", title=line.title),
                        class_name="sm-write-review",
                    ),
                ),
                (
                    "edit",
                    rx.hstack(
                        stars(line.review_rating),
                        rx.button(
                            t("Edit your review"),
                            size="1",
                            variant="ghost",
                            on_click=ReviewFormState.open_for(line.line_id),
                            aria_label=t("Edit your review of {title}", title=line.title),
                            class_name="sm-edit-review",
                        ),
                        spacing="2",
                        align="center",
                    ),
                ),
                ("done", stars(line.review_rating)),
                rx.fragment(),
            ),
            spacing="1",
            align="start",
            flex="1",
        ),
        rx.text(line.line_total),
        spacing="3",
        align="center",
        width="100%",
    )


def _timeline_entry(label, when) -> rx.Component:
    return rx.cond(
        when != "",
        rx.hstack(
            rx.icon("circle_check", size=14, aria_hidden="true"),
            rx.text(label, size="2"),
            rx.text(when, size="2", color=rx.color("gray", 11)),
            spacing="2",
            align="center",
        ),
    )


def order_page() -> rx.Component:
    s = OrderState
    o = s.order
    return page(
        rx.cond(
            s.found & (o != None),  # noqa: E711
            rx.vstack(
                rx.cond(
                    s.just_placed,
                    rx.callout(
                        t("Thank you! Your order is placed."),
                        icon="party_popper",
                        color_scheme="grass",
                        role="status",
                    ),
                ),
                rx.hstack(
                    rx.heading(t("Order {reference}", reference=o.reference), size="7", as_="h1"),
                    rx.box(status_badge(o.status, o.status_label), id="order-status"),
                    message_button(
                        rx.cond(o.viewer_is_buyer, t("Contact the shop"), t("Contact the buyer")),
                        StartConversationState.about_order(o.reference),
                        size="2",
                        id="contact-order",
                    ),
                    spacing="3",
                    align="center",
                    wrap="wrap",
                ),
                form_error(s.error),
                rx.grid(
                    rx.vstack(
                        rx.card(
                            rx.vstack(
                                rx.cond(
                                    o.viewer_is_buyer,
                                    rx.link(o.shop_name, href=o.shop_url, weight="bold"),
                                    rx.text(t("Buyer: {name}", name=o.buyer_name), weight="bold"),
                                ),
                                rx.foreach(
                                    o.lines,
                                    lambda line: _line(
                                        line, o.viewer_is_buyer & (o.status != "cancelled")
                                    ),
                                ),
                                share_dialog(),
                                review_dialog(),
                                rx.divider(),
                                rx.hstack(
                                    rx.text(t("Items")),
                                    rx.spacer(),
                                    rx.text(o.items_total),
                                    width="100%",
                                ),
                                rx.hstack(
                                    rx.text(t("Shipping")),
                                    rx.spacer(),
                                    rx.text(o.shipping),
                                    width="100%",
                                ),
                                order_discount_row(o.discount_cents, o.discount),
                                rx.hstack(
                                    rx.text(t("Total"), weight="bold"),
                                    rx.spacer(),
                                    rx.text(o.total, weight="bold"),
                                    width="100%",
                                ),
                                spacing="3",
                                width="100%",
                            ),
                        ),
                        rx.card(
                            rx.vstack(
                                rx.heading(t("Payment"), size="4", as_="h2"),
                                rx.text(t_var(o.payment_label), weight="medium"),
                                rx.text(
                                    o.payment_instructions, class_name="sm-text-block", size="2"
                                ),
                                spacing="2",
                                width="100%",
                            ),
                        ),
                        spacing="4",
                        width="100%",
                    ),
                    rx.vstack(
                        rx.card(
                            rx.vstack(
                                rx.heading(t("Progress"), size="4", as_="h2"),
                                _timeline_entry(t("Placed"), o.placed_at),
                                _timeline_entry(t("Paid"), o.paid_at),
                                _timeline_entry(t("Shipped"), o.shipped_at),
                                _timeline_entry(t("Delivered"), o.delivered_at),
                                _timeline_entry(t("Cancelled"), o.cancelled_at),
                                rx.cond(
                                    o.tracking_number != "",
                                    rx.text(
                                        t("Tracking number: {number}", number=o.tracking_number),
                                        size="2",
                                    ),
                                ),
                                rx.cond(
                                    o.cancel_reason != "",
                                    rx.text(
                                        t("Reason: {reason}", reason=o.cancel_reason), size="2"
                                    ),
                                ),
                                spacing="2",
                                width="100%",
                            ),
                        ),
                        rx.cond(
                            o.ship_name != "",
                            rx.card(
                                rx.vstack(
                                    rx.heading(t("Ship to"), size="4", as_="h2"),
                                    rx.text(
                                        o.ship_name,
                                        "\n",
                                        o.ship_line1,
                                        rx.cond(o.ship_line2 != "", "\n" + o.ship_line2, ""),
                                        "\n",
                                        o.ship_postcode,
                                        " ",
                                        o.ship_city,
                                        "\n",
                                        o.ship_country_name,
                                        class_name="sm-text-block",
                                        size="2",
                                    ),
                                    spacing="2",
                                ),
                                width="100%",
                            ),
                        ),
                        _order_actions(),
                        spacing="4",
                        width="100%",
                    ),
                    columns={"initial": "1", "md": "1fr 320px"},
                    gap="1.5rem",
                    width="100%",
                    align_items="start",
                ),
                spacing="4",
                width="100%",
            ),
            not_found_block(t("We couldn't find that order.")),
        )
    )


def _order_actions() -> rx.Component:
    s = OrderState
    o = s.order
    return rx.vstack(
        rx.cond(
            o.can_confirm_payment,
            rx.button(
                t("Confirm payment received"),
                on_click=s.confirm_payment,
                width="100%",
                id="confirm-payment",
            ),
        ),
        rx.cond(
            o.can_mark_shipped,
            rx.form(
                rx.vstack(
                    field(t("Tracking number (optional)"), "tracking_number", s.field_errors),
                    rx.button(t("Mark as shipped"), type="submit", width="100%", id="mark-shipped"),
                    spacing="2",
                    width="100%",
                ),
                on_submit=s.mark_shipped,
                width="100%",
            ),
        ),
        rx.cond(
            o.can_mark_delivered,
            rx.button(
                t("It has arrived"),
                on_click=s.mark_delivered,
                variant="soft",
                width="100%",
                id="mark-delivered",
            ),
        ),
        rx.cond(
            o.can_cancel,
            rx.form(
                rx.vstack(
                    field(t("Reason for cancelling"), "reason", s.field_errors),
                    rx.button(
                        t("Cancel order"),
                        type="submit",
                        variant="soft",
                        color_scheme="red",
                        width="100%",
                    ),
                    spacing="2",
                    width="100%",
                ),
                on_submit=s.cancel,
                width="100%",
            ),
        ),
        spacing="3",
        width="100%",
    )


# ---------------------------------------------------------------------- seller


def seller_orders_page() -> rx.Component:
    s = SellerOrdersState

    def tab(label, status: str):
        return link_button(
            label,
            urls.SELL_ORDERS + (f"?status={status}" if status else ""),
            variant=rx.cond(s.status == status, "solid", "soft"),
            size="1",
        )

    return page(
        rx.vstack(
            rx.heading(t("Orders"), size="7", as_="h1"),
            sell_nav("orders"),
            rx.hstack(
                tab(t("All"), ""),
                tab(t("Awaiting payment"), "placed"),
                tab(t("To ship"), "paid"),
                tab(t("Shipped"), "shipped"),
                tab(t("Delivered"), "delivered"),
                tab(t("Cancelled"), "cancelled"),
                spacing="2",
                wrap="wrap",
            ),
            rx.cond(
                s.orders.length() > 0,
                rx.vstack(rx.foreach(s.orders, _order_row), spacing="3", width="100%"),
                rx.text(t("No orders here."), color=rx.color("gray", 11)),
            ),
            rx.cond(
                s.next_cursor != "",
                rx.button(t("Show older orders"), on_click=s.more, variant="soft"),
            ),
            spacing="4",
            width="100%",
        )
    )


def _stat(label, value, href: str, id: str) -> rx.Component:
    return rx.link(
        rx.card(
            rx.vstack(
                rx.text(value, size="7", weight="bold", id=id),
                rx.text(label, size="2", color=rx.color("gray", 11)),
                spacing="1",
            ),
            width="100%",
        ),
        href=href,
        underline="none",
        color="inherit",
    )


def _listing_row(item: rx.Var[ListingStats]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(item.title, href=item.edit_url)),
        rx.table.cell(
            rx.match(
                item.state,
                ("draft", t("Draft")),
                ("active", t("Active")),
                ("sold_out", t("Sold out")),
                ("paused", t("Paused")),
                ("hidden", t("Hidden by moderators")),
                item.state,
            )
        ),
        rx.table.cell(item.price),
        rx.table.cell(
            rx.cond(item.made_to_order, t("Made to order"), item.quantity.to(str)),
            color=rx.cond(item.low_stock, rx.color("red", 11), "inherit"),
        ),
        rx.table.cell(item.view_count),
        rx.table.cell(item.favourite_count),
    )


def seller_dashboard_page() -> rx.Component:
    s = SellerDashboardState
    b = s.board
    return page(
        rx.vstack(
            rx.hstack(
                rx.heading(t("Your shop"), size="7", as_="h1"),
                rx.cond(b != None, rx.link(b.shop_name, href="/shop/" + b.shop_slug)),  # noqa: E711
                spacing="3",
                align="baseline",
                wrap="wrap",
            ),
            sell_nav("dashboard"),
            rx.cond(
                b != None,  # noqa: E711
                rx.vstack(
                    rx.grid(
                        _stat(
                            t("Awaiting payment"),
                            b.awaiting_payment,
                            urls.SELL_ORDERS + "?status=placed",
                            "stat-awaiting",
                        ),
                        _stat(
                            t("To ship"),
                            b.to_ship,
                            urls.SELL_ORDERS + "?status=paid",
                            "stat-to-ship",
                        ),
                        _stat(
                            t("Revenue, last 12 months"),
                            b.revenue_total,
                            urls.SELL_ORDERS,
                            "stat-revenue",
                        ),
                        _stat(
                            t("Unanswered: what people say"),
                            rx.cond(
                                s.listening_unanswered >= 100,
                                "99+",
                                s.listening_unanswered.to_string(),
                            ),
                            urls.SELL_LISTENING,
                            "stat-listening",
                        ),
                        columns={"initial": "1", "sm": "2", "md": "4"},
                        gap="1rem",
                        width="100%",
                    ),
                    rx.cond(
                        b.low_stock.length() > 0,
                        rx.callout.root(
                            rx.callout.icon(rx.icon("package")),
                            rx.callout.text(
                                t("Running low:"),
                                " ",
                                rx.foreach(
                                    b.low_stock,
                                    lambda x: rx.text.span(x.title, " (", x.quantity, ") "),
                                ),
                            ),
                            color_scheme="amber",
                        ),
                    ),
                    rx.card(
                        rx.vstack(
                            rx.heading(t("Revenue per month"), size="4", as_="h2"),
                            rx.recharts.bar_chart(
                                rx.recharts.bar(
                                    data_key="revenue", fill=rx.color("accent", 9), name="€"
                                ),
                                rx.recharts.x_axis(data_key="month"),
                                rx.recharts.y_axis(),
                                rx.recharts.graphing_tooltip(),
                                data=s.chart,
                                height=240,
                                width="100%",
                            ),
                            spacing="3",
                            width="100%",
                        ),
                        width="100%",
                    ),
                    rx.heading(t("Listings"), size="5", as_="h2"),
                    rx.table.root(
                        rx.table.header(
                            rx.table.row(
                                rx.table.column_header_cell(t("Title")),
                                rx.table.column_header_cell(t("State")),
                                rx.table.column_header_cell(t("Price")),
                                rx.table.column_header_cell(t("Stock")),
                                rx.table.column_header_cell(t("Views")),
                                rx.table.column_header_cell(t("Favourites")),
                            )
                        ),
                        rx.table.body(rx.foreach(s.listings, _listing_row)),
                        width="100%",
                        variant="surface",
                    ),
                    spacing="5",
                    width="100%",
                ),
            ),
            spacing="4",
            width="100%",
        )
    )
