"""Wishes pages: a shop's wishes, one wish, the maker's wishes, a reserved purchase."""

from __future__ import annotations

import reflex as rx

from social_market import urls
from social_market.components.buttons import link_button
from social_market.components.fields import field, form_error, form_notice, street_address_fields
from social_market.components.layout import page
from social_market.components.listing_card import upload_src
from social_market.components.report import report_dialog
from social_market.components.wishes import (
    pledged_summary,
    propose_form,
    sort_select,
    state_badge,
    vote_button,
    wish_item,
)
from social_market.i18n.ui import t, t_var
from social_market.services.wishes import MAX_ANSWER, MAX_PLEDGE_QUANTITY
from social_market.state.auth import AuthState
from social_market.state.wishes import (
    MakerWishesState,
    ReservedState,
    ShopWishesState,
    WishPageState,
)


def _not_found(text) -> rx.Component:
    return rx.cond(
        AuthState.auth_checked,
        rx.vstack(
            rx.heading(t("Not found"), size="7", as_="h1"),
            rx.text(text),
            link_button(t("Back to the start page"), urls.HOME, variant="soft"),
            spacing="3",
        ),
    )


def _more(state) -> rx.Component:
    return rx.cond(
        state.next_cursor != "",
        rx.button(t("Load more"), variant="soft", on_click=state.more, id="load-more"),
    )


# --- a shop's wishes -------------------------------------------------------------------


def shop_wishes_page() -> rx.Component:
    s = ShopWishesState
    return page(
        rx.cond(
            s.found,
            rx.vstack(
                rx.link(
                    rx.hstack(rx.icon("arrow_left", size=14, aria_hidden="true"), s.shop_name),
                    href="/shop/" + s.shop_slug,
                ),
                rx.heading(t("Wishes for {shop}", shop=s.shop_name), size="7", as_="h1"),
                rx.text(
                    t(
                        "What should this maker make next? Vote for the wishes you like and "
                        "pledge to buy: the maker sees them sorted by votes and pledges."
                    ),
                    color=rx.color("gray", 11),
                ),
                rx.grid(
                    rx.vstack(
                        rx.flex(
                            rx.heading(t("Wishes"), size="5", as_="h2"),
                            rx.spacer(),
                            sort_select(s.sort, s.set_sort),
                            align="center",
                            gap="0.5rem",
                            wrap="wrap",
                            width="100%",
                        ),
                        rx.cond(
                            s.wishes.length() > 0,
                            rx.el.ul(
                                rx.foreach(s.wishes, lambda w: wish_item(w, s.toggle_vote(w.id))),
                                id="wish-list",
                                style={"padding": "0", "margin": "0", "width": "100%"},
                            ),
                            rx.card(
                                rx.text(
                                    t("No wishes yet. Be the first!"), color=rx.color("gray", 11)
                                ),
                                width="100%",
                            ),
                        ),
                        _more(s),
                        spacing="3",
                        width="100%",
                        min_width="0",
                    ),
                    rx.cond(
                        s.is_owner,
                        rx.card(
                            rx.vstack(
                                rx.heading(t("Your shop's wishes"), size="4", as_="h2"),
                                rx.text(
                                    t("Answer, accept or decline them from each wish's page."),
                                    size="2",
                                ),
                                link_button(t("Manage wishes"), urls.SELL_WISHES, variant="soft"),
                                spacing="2",
                            ),
                        ),
                        rx.cond(
                            s.signed_in,
                            propose_form(s),
                            rx.card(
                                rx.vstack(
                                    rx.text(t("Sign in to make a wish, vote and pledge.")),
                                    link_button(
                                        t("Sign in"),
                                        "/signin?next=/shop/" + s.shop_slug + "/wishes",
                                    ),
                                    spacing="2",
                                )
                            ),
                        ),
                    ),
                    columns=rx.breakpoints(initial="1", md="3fr 2fr"),
                    gap="1.5rem",
                    width="100%",
                ),
                spacing="4",
                width="100%",
            ),
            _not_found(t("We couldn't find that shop.")),
        ),
        width="1100px",
    )


# --- one wish --------------------------------------------------------------------------


def _pledge_form(s) -> rx.Component:
    w = s.detail.wish
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(
                    rx.cond(w.my_quantity > 0, t("Your pledge"), t("Pledge to buy")),
                    size="4",
                    as_="h2",
                    id="pledge",
                ),
                rx.text(
                    t(
                        "If the maker makes it, the pieces are reserved for you for 3 days "
                        "at the listing's price. You are not charged before you buy."
                    ),
                    size="2",
                    color=rx.color("gray", 11),
                ),
                rx.grid(
                    field(
                        t("How many (1–{max})", max=MAX_PLEDGE_QUANTITY),
                        "quantity",
                        s.field_errors,
                        type="number",
                        min=1,
                        max=MAX_PLEDGE_QUANTITY,
                        default_value=rx.cond(w.my_quantity > 0, w.my_quantity.to(str), "1"),
                    ),
                    field(
                        t("Price per piece you'd pay"),
                        "price",
                        s.field_errors,
                        placeholder="25.00",
                        input_mode="decimal",
                        default_value=w.my_price,
                    ),
                    columns="2",
                    gap="0.75rem",
                    width="100%",
                ),
                rx.flex(
                    rx.button(
                        rx.cond(w.my_quantity > 0, t("Change pledge"), t("Pledge")),
                        type="submit",
                        id="pledge-submit",
                    ),
                    rx.cond(
                        w.my_quantity > 0,
                        rx.button(
                            t("Withdraw pledge"),
                            type="button",
                            variant="soft",
                            color_scheme="red",
                            on_click=s.withdraw,
                            id="pledge-withdraw",
                        ),
                    ),
                    gap="0.5rem",
                    wrap="wrap",
                ),
                spacing="3",
                width="100%",
                align="start",
            ),
            on_submit=s.pledge,
            key=s.form_key.to(str) + "-pledge",
        ),
        width="100%",
    )


def _manage(s) -> rx.Component:
    w = s.detail.wish
    return rx.card(
        rx.vstack(
            rx.heading(t("Your answer"), size="4", as_="h2"),
            rx.form(
                rx.vstack(
                    field(
                        t("Answer (shown on the wish)"),
                        "answer",
                        s.field_errors,
                        multiline=True,
                        maxlength=MAX_ANSWER,
                        default_value=w.answer,
                    ),
                    rx.button(t("Save answer"), type="submit", variant="soft", id="answer-submit"),
                    spacing="2",
                    width="100%",
                    align="start",
                ),
                on_submit=s.answer,
                key=s.form_key.to(str) + "-answer",
                width="100%",
            ),
            rx.cond(
                w.state == "open",
                rx.grid(
                    rx.form(
                        rx.vstack(
                            rx.heading(t("Accept"), size="3", as_="h3"),
                            rx.text(
                                t(
                                    "A draft listing is made from this wish (price: the "
                                    "wish's, or the highest pledge; quantity: the pledged "
                                    "pieces). Publish it and every pledger gets a reserved "
                                    "purchase."
                                ),
                                size="2",
                            ),
                            field(
                                t("Note (optional)"), "note", s.field_errors, maxlength=MAX_ANSWER
                            ),
                            rx.button(
                                t("Accept and make a draft"), type="submit", id="accept-submit"
                            ),
                            spacing="2",
                            align="start",
                        ),
                        on_submit=s.accept,
                    ),
                    rx.form(
                        rx.vstack(
                            rx.heading(t("Decline"), size="3", as_="h3"),
                            field(
                                t("Reason (shown on the wish)"),
                                "reason",
                                s.field_errors,
                                maxlength=MAX_ANSWER,
                            ),
                            rx.button(
                                t("Decline"),
                                type="submit",
                                color_scheme="red",
                                variant="soft",
                                id="decline-submit",
                            ),
                            spacing="2",
                            align="start",
                        ),
                        on_submit=s.decline,
                    ),
                    columns=rx.breakpoints(initial="1", sm="2"),
                    gap="1rem",
                    width="100%",
                ),
            ),
            rx.cond(
                s.detail.draft_url != "",
                link_button(
                    t("Edit and publish the draft listing"), s.detail.draft_url, id="draft-link"
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def wish_page() -> rx.Component:
    s = WishPageState
    d = s.detail
    w = d.wish
    return page(
        rx.cond(
            s.found & (d != None),  # noqa: E711 - Var comparison builds JS
            rx.vstack(
                rx.link(
                    rx.hstack(
                        rx.icon("arrow_left", size=14, aria_hidden="true"),
                        t("Wishes for {shop}", shop=d.shop_name),
                    ),
                    href=d.wishes_url,
                ),
                rx.flex(
                    rx.heading(
                        w.title,
                        size="7",
                        as_="h1",
                        id="wish-title",
                        style={"overflowWrap": "anywhere"},
                    ),
                    state_badge(w.state, w.state_label),
                    gap="0.75rem",
                    align="center",
                    wrap="wrap",
                ),
                rx.text(
                    t("Wished by @{handle}", handle=w.author_handle),
                    " · ",
                    w.when,
                    " · ",
                    rx.link(d.shop_name, href=d.shop_url),
                    size="2",
                    color=rx.color("gray", 11),
                ),
                form_notice(s.notice),
                form_error(s.error),
                rx.grid(
                    rx.vstack(
                        rx.cond(
                            w.photo_large != "",
                            rx.image(
                                src=upload_src(w.photo_large),
                                alt=t("Reference photo for {title}", title=w.title),
                                max_width="100%",
                                border_radius="8px",
                            ),
                        ),
                        rx.cond(
                            w.description != "", rx.text(w.description, class_name="sm-text-block")
                        ),
                        rx.cond(w.price != "", rx.text(t("Would pay {price}", price=w.price))),
                        rx.card(
                            rx.vstack(
                                rx.flex(
                                    vote_button(w, s.toggle_vote, id="wish-vote"),
                                    pledged_summary(w),
                                    gap="0.75rem",
                                    align="center",
                                    wrap="wrap",
                                ),
                                rx.cond(
                                    w.answer != "",
                                    rx.box(
                                        rx.text(t("The maker's answer"), size="2", weight="bold"),
                                        rx.text(
                                            w.answer, class_name="sm-text-block", id="wish-answer"
                                        ),
                                    ),
                                ),
                                rx.cond(
                                    w.listing_url != "",
                                    link_button(t("See the piece"), w.listing_url, variant="soft"),
                                ),
                                rx.cond(
                                    d.reserved_url != "",
                                    link_button(
                                        t("Your reserved purchase"),
                                        d.reserved_url,
                                        id="reserved-link",
                                    ),
                                ),
                                spacing="3",
                                width="100%",
                            ),
                        ),
                        rx.cond(
                            AuthState.signed_in & ~w.can_manage,
                            report_dialog("wish", w.id, id="report-button"),
                        ),
                        spacing="3",
                        width="100%",
                        min_width="0",
                    ),
                    rx.vstack(
                        rx.cond(w.can_pledge, _pledge_form(s)),
                        rx.cond(w.can_manage, _manage(s)),
                        rx.cond(
                            ~AuthState.signed_in,
                            rx.card(
                                rx.vstack(
                                    rx.text(t("Sign in to vote and pledge.")),
                                    link_button(t("Sign in"), "/signin?next=" + w.url),
                                    spacing="2",
                                )
                            ),
                        ),
                        spacing="3",
                        width="100%",
                        min_width="0",
                    ),
                    columns=rx.breakpoints(initial="1", md="2"),
                    gap="1.5rem",
                    width="100%",
                ),
                spacing="4",
                width="100%",
            ),
            _not_found(t("We couldn't find that wish.")),
        ),
        width="1100px",
    )


# --- the maker's wishes ----------------------------------------------------------------


def maker_wishes_page() -> rx.Component:
    from social_market.pages.sell_pages import sell_nav

    s = MakerWishesState
    return page(
        rx.vstack(
            rx.heading(t("Wishes for your shop"), size="7", as_="h1"),
            sell_nav("wishes"),
            rx.cond(
                s.has_shop,
                rx.vstack(
                    rx.flex(
                        rx.text(
                            t("What people would like you to make, with their votes and pledges."),
                            color=rx.color("gray", 11),
                        ),
                        rx.spacer(),
                        sort_select(s.sort, s.set_sort, newest=False),
                        gap="0.5rem",
                        align="center",
                        wrap="wrap",
                        width="100%",
                    ),
                    rx.cond(
                        s.wishes.length() > 0,
                        rx.el.ul(
                            rx.foreach(s.wishes, lambda w: wish_item(w, rx.noop(), manage=True)),
                            id="wish-list",
                            style={"padding": "0", "margin": "0", "width": "100%"},
                        ),
                        rx.card(rx.text(t("No wishes yet.")), width="100%"),
                    ),
                    _more(s),
                    spacing="3",
                    width="100%",
                ),
                rx.cond(
                    AuthState.auth_checked,
                    rx.vstack(
                        rx.text(t("Open a shop to receive wishes.")),
                        link_button(t("Open a shop"), urls.SELL_SHOP),
                    ),
                ),
            ),
            spacing="4",
            width="100%",
        ),
        width="1000px",
    )


# --- a reserved purchase ---------------------------------------------------------------

# Counts down to data-expires (ISO 8601, UTC) in the element, every second.
_COUNTDOWN_JS = """
(function () {
  const el = document.getElementById('reserved-countdown');
  if (!el) return;
  let iso = el.dataset.expires || '';
  if (iso && !/(Z|[+-]\\d\\d:?\\d\\d)$/.test(iso)) iso += 'Z';
  const end = Date.parse(iso);
  const pad = (n) => String(n).padStart(2, '0');
  const tick = () => {
    let s = Math.max(0, Math.floor((end - Date.now()) / 1000));
    const d = Math.floor(s / 86400); s %= 86400;
    const h = Math.floor(s / 3600); s %= 3600;
    const m = Math.floor(s / 60); s %= 60;
    el.textContent = (d > 0 ? d + 'd ' : '') + pad(h) + ':' + pad(m) + ':' + pad(s);
  };
  tick();
  clearInterval(window.__smReservedTimer);
  window.__smReservedTimer = setInterval(tick, 1000);
})();
"""


def reserved_page() -> rx.Component:
    from social_market.pages.order_pages import country_select

    s = ReservedState
    h = s.hold
    ready = h.state == "ready"
    return page(
        rx.cond(
            s.found & (h != None),  # noqa: E711 - Var comparison builds JS
            rx.vstack(
                rx.heading(t("Reserved for you"), size="7", as_="h1"),
                rx.card(
                    rx.vstack(
                        rx.heading(
                            rx.link(h.listing_title, href=h.listing_url), size="5", as_="h2"
                        ),
                        rx.text(t("from {shop}", shop=h.shop_name), color=rx.color("gray", 11)),
                        rx.text(
                            t(
                                "{n} × {price} = {total}",
                                n=h.quantity,
                                price=h.unit_price,
                                total=h.total,
                            ),
                            weight="bold",
                            id="reserved-total",
                        ),
                        rx.text(t("Plus shipping to your address."), size="2"),
                        rx.match(
                            h.state,
                            (
                                "ready",
                                rx.hstack(
                                    rx.icon("clock", size=16, aria_hidden="true"),
                                    rx.text(t("Reserved until it runs out:"), size="2"),
                                    rx.el.span(
                                        s.expires_in,
                                        id="reserved-countdown",
                                        role="timer",
                                        custom_attrs={"data-expires": h.expires_at},
                                        on_mount=rx.call_script(_COUNTDOWN_JS),
                                        style={
                                            "fontVariantNumeric": "tabular-nums",
                                            "fontWeight": "bold",
                                        },
                                    ),
                                    align="center",
                                    spacing="2",
                                    wrap="wrap",
                                ),
                            ),
                            (
                                "used",
                                rx.vstack(
                                    rx.text(t("You have bought this.")),
                                    rx.cond(
                                        h.order_url != "",
                                        link_button(t("See your order"), h.order_url),
                                    ),
                                ),
                            ),
                            ("pending", rx.text(t("This isn't ready to buy yet."))),
                            rx.callout(
                                t("Your reservation has expired."),
                                icon="triangle_alert",
                                color_scheme="amber",
                                id="reserved-expired",
                            ),
                        ),
                        rx.cond(
                            s.wish_url != "", rx.link(t("The wish"), href=s.wish_url, size="2")
                        ),
                        spacing="2",
                        width="100%",
                    ),
                ),
                rx.cond(
                    ready,
                    rx.form(
                        rx.vstack(
                            form_error(s.error),
                            rx.card(
                                rx.vstack(
                                    rx.heading(t("How will you pay?"), size="4", as_="h2"),
                                    rx.radio_group.root(
                                        rx.foreach(
                                            s.payment_methods,
                                            lambda m: rx.text(
                                                rx.flex(
                                                    rx.radio_group.item(value=m.code),
                                                    t_var(m.label),
                                                    gap="0.5rem",
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
                                    spacing="3",
                                    width="100%",
                                ),
                            ),
                            rx.card(
                                rx.vstack(
                                    rx.heading(t("Shipping address"), size="4", as_="h2"),
                                    field(
                                        t("Full name"), "name", s.field_errors, autocomplete="name"
                                    ),
                                    *street_address_fields(s.field_errors),
                                    country_select(
                                        s.country_options,
                                        rx.cond(s.ship_to != "", s.ship_to, "DE"),
                                        s.set_ship_to,
                                        id="reserved-country",
                                    ),
                                    spacing="3",
                                    width="100%",
                                ),
                            ),
                            rx.button(
                                t("Buy now"),
                                type="submit",
                                size="3",
                                loading=s.busy,
                                id="reserved-buy",
                            ),
                            spacing="4",
                            width="100%",
                            align="start",
                        ),
                        on_submit=s.buy,
                        width="100%",
                    ),
                ),
                spacing="4",
                width="100%",
            ),
            _not_found(t("We couldn't find that reserved purchase.")),
        ),
        width="800px",
    )
