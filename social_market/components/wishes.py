"""Wishes: a wish in a list, its state, votes and pledged totals, the sort choice and
the propose form."""

from __future__ import annotations

import reflex as rx

from social_market.components.fields import field, field_error, form_error, form_notice
from social_market.components.listing_card import upload_src
from social_market.i18n.ui import t, t_var, tn
from social_market.services.wishes import MAX_DESCRIPTION, MAX_TITLE, WishCard

STATE_COLORS = (("open", "blue"), ("accepted", "amber"), ("made", "grass"), ("declined", "gray"))


def state_badge(state: rx.Var[str], label: rx.Var[str]) -> rx.Component:
    return rx.badge(
        t_var(label),
        color_scheme=rx.match(state, *STATE_COLORS, "gray"),
        variant="soft",
        class_name="sm-wish-state",
    )


def vote_button(w: rx.Var, on_click, **props) -> rx.Component:
    """Votes as a toggle (pressed once voted); a plain count for who can't vote."""
    count = tn("{n} vote", "{n} votes", w.vote_count, n=w.vote_count)
    return rx.cond(
        w.can_vote,
        rx.button(
            rx.icon("thumbs_up", size=16, aria_hidden="true"),
            count,
            variant=rx.cond(w.voted, "solid", "soft"),
            aria_pressed=rx.cond(w.voted, "true", "false"),
            aria_label=rx.cond(
                w.voted,
                t("Take back your vote for {title}", title=w.title),
                t("Vote for {title}", title=w.title),
            ),
            on_click=on_click,
            type="button",
            **props,
        ),
        rx.hstack(
            rx.icon("thumbs_up", size=16, aria_hidden="true"),
            rx.text(count, size="2"),
            spacing="1",
            align="center",
            color=rx.color("gray", 11),
        ),
    )


def pledged_summary(w: rx.Var) -> rx.Component:
    """Totals only: nobody sees another person's pledge."""
    return rx.text(
        rx.cond(
            w.pledge_count > 0,
            tn(
                "{amount} pledged by {n} person for {pieces} pieces",
                "{amount} pledged by {n} people for {pieces} pieces",
                w.pledge_count,
                amount=w.pledged,
                n=w.pledge_count,
                pieces=w.pledged_quantity,
            ),
            t("No pledges yet"),
        ),
        size="2",
        color=rx.color("gray", 11),
    )


def wish_item(w: WishCard, on_vote, *, manage: bool = False) -> rx.Component:
    """One wish in a list (a <li>)."""
    return rx.el.li(
        rx.card(
            rx.flex(
                rx.cond(
                    w.photo != "",
                    rx.image(
                        src=upload_src(w.photo),
                        alt=t("Reference photo for {title}", title=w.title),
                        width="96px",
                        height="96px",
                        border_radius="8px",
                        object_fit="cover",
                        flex_shrink="0",
                    ),
                ),
                rx.vstack(
                    rx.flex(
                        rx.heading(
                            rx.link(w.title, href=w.url, underline="hover"),
                            size="4",
                            as_="h3",
                            style={"overflowWrap": "anywhere"},
                        ),
                        state_badge(w.state, w.state_label),
                        gap="0.5rem",
                        align="center",
                        wrap="wrap",
                    ),
                    rx.cond(
                        w.description != "",
                        rx.text(
                            w.description,
                            size="2",
                            class_name="sm-clamp-2",
                            style={"overflowWrap": "anywhere"},
                        ),
                    ),
                    rx.text(
                        t("Wished by @{handle}", handle=w.author_handle),
                        " · ",
                        w.when,
                        rx.cond(
                            w.price != "", rx.fragment(" · ", t("would pay {price}", price=w.price))
                        ),
                        size="1",
                        color=rx.color("gray", 11),
                    ),
                    pledged_summary(w),
                    rx.cond(
                        w.answer != "",
                        rx.box(
                            rx.text(t("The maker's answer"), size="1", weight="bold"),
                            rx.text(w.answer, size="2", class_name="sm-text-block"),
                            padding="0.5rem 0.75rem",
                            border_left=f"3px solid {rx.color('accent', 7)}",
                            width="100%",
                        ),
                    ),
                    rx.flex(
                        vote_button(w, on_vote, class_name="sm-vote"),
                        rx.cond(
                            w.can_pledge,
                            rx.button(
                                rx.link(
                                    rx.cond(w.my_quantity > 0, t("Change pledge"), t("Pledge")),
                                    href=w.url + "#pledge",
                                    underline="none",
                                ),
                                as_child=True,
                                variant="soft",
                            ),
                        ),
                        rx.cond(
                            w.my_quantity > 0,
                            rx.text(
                                t("You pledged {n} × {price}", n=w.my_quantity, price=w.my_price),
                                size="2",
                            ),
                        ),
                        rx.cond(
                            w.listing_url != "",
                            rx.link(t("See the piece"), href=w.listing_url, size="2"),
                        ),
                        *(
                            [
                                rx.cond(
                                    w.can_manage,
                                    rx.button(
                                        rx.link(
                                            t("Answer, accept or decline"),
                                            href=w.url,
                                            underline="none",
                                        ),
                                        as_child=True,
                                        variant="outline",
                                    ),
                                )
                            ]
                            if manage
                            else []
                        ),
                        gap="0.5rem",
                        align="center",
                        wrap="wrap",
                    ),
                    spacing="2",
                    align="start",
                    width="100%",
                    min_width="0",
                ),
                gap="1rem",
                width="100%",
            ),
            width="100%",
        ),
        class_name="sm-wish",
        custom_attrs={"data-wish-id": w.id},
        style={"listStyle": "none", "marginBottom": "0.75rem"},
    )


def sort_select(value: rx.Var[str], on_change, *, newest: bool = True) -> rx.Component:
    options = [("votes", t("Most votes")), ("pledged", t("Most pledged"))]
    if newest:
        options.append(("newest", t("Newest")))
    return rx.hstack(
        rx.el.label(
            t("Sort by"),
            html_for="wish-sort",
            class_name="sm-label",
            style={"whiteSpace": "nowrap"},
        ),
        rx.el.select(
            *[rx.el.option(label, value=code) for code, label in options],
            id="wish-sort",
            value=value,
            on_change=on_change,
            class_name="sm-select",
        ),
        spacing="2",
        align="center",
    )


def propose_form(s) -> rx.Component:
    """The "make this next" form of a shop's wishes page (``s``: ShopWishesState)."""
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(t("Wish for something"), size="4", as_="h2"),
                rx.text(
                    t("Tell the maker what you would love them to make next."),
                    size="2",
                    color=rx.color("gray", 11),
                ),
                form_notice(s.notice),
                form_error(s.error),
                field(t("What should it be?"), "title", s.field_errors, maxlength=MAX_TITLE),
                field(
                    t("Details (optional)"),
                    "description",
                    s.field_errors,
                    multiline=True,
                    maxlength=MAX_DESCRIPTION,
                ),
                field(
                    t("Price you'd pay (optional)"),
                    "price",
                    s.field_errors,
                    placeholder="25.00",
                    input_mode="decimal",
                ),
                rx.flex(
                    rx.cond(
                        s.photo_preview != "",
                        rx.hstack(
                            rx.image(
                                src=upload_src(s.photo_preview),
                                alt=t("Your reference photo"),
                                width="64px",
                                height="64px",
                                border_radius="6px",
                            ),
                            rx.button(
                                t("Remove photo"),
                                variant="ghost",
                                type="button",
                                on_click=s.remove_photo,
                            ),
                            align="center",
                        ),
                    ),
                    rx.upload.root(
                        rx.button(
                            rx.icon("camera", size=16, aria_hidden="true"),
                            t("Add a reference photo"),
                            type="button",
                            variant="soft",
                            loading=s.uploading,
                        ),
                        id="wish-photo",
                        multiple=False,
                        accept={"image/*": [".jpg", ".jpeg", ".png", ".webp", ".gif"]},
                        max_files=1,
                        on_drop=s.attach(rx.upload_files(upload_id="wish-photo")),
                    ),
                    gap="0.75rem",
                    align="center",
                    wrap="wrap",
                ),
                field_error(s.field_errors, "photo"),
                rx.button(t("Make a wish"), type="submit", id="wish-submit", loading=s.busy),
                spacing="3",
                width="100%",
                align="start",
            ),
            on_submit=s.propose,
            reset_on_submit=False,
            key=s.form_key.to(str),
        ),
        width="100%",
    )
