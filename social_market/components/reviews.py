"""Stars, the network's verdict, review lists (listing and shop pages) and the review
dialog of the order page."""

from __future__ import annotations

import reflex as rx

from social_market.components.avatar import avatar
from social_market.components.fields import field, field_error, form_error
from social_market.components.listing_card import upload_src
from social_market.components.report import report_dialog
from social_market.components.rich_text import rich_text
from social_market.i18n.ui import t, tn
from social_market.services.reviews import MAX_BODY, MAX_REPLY, ReviewView
from social_market.services.trust import PersonRating
from social_market.state.auth import AuthState
from social_market.state.reviews import ReviewFormState, ReviewsState

STAR_COLOR = rx.color("amber", 9)


def stars(value: rx.Var, size: int = 14) -> rx.Component:
    """Five stars, ``value`` of them filled; read as "4 out of 5 stars"."""
    return rx.hstack(
        *[
            rx.icon(
                "star",
                size=size,
                color=STAR_COLOR,
                fill=rx.cond(value >= i, "currentColor", "none"),
                aria_hidden="true",
            )
            for i in range(1, 6)
        ],
        spacing="0",
        role="img",
        aria_label=t("{n} out of 5 stars", n=value),
        class_name="sm-stars",
    )


def _person(p: rx.Var[PersonRating]) -> rx.Component:
    return rx.link(
        rx.hstack(
            avatar(p.avatar, p.initials, size="1"),
            rx.text(p.name, size="2", weight="medium"),
            rx.text(p.rating_text, "★", size="2", color=rx.color("amber", 11)),
            spacing="1",
            align="center",
        ),
        href="/u/" + p.handle,
        underline="none",
        color="inherit",
    )


def verdict_box(s=ReviewsState) -> rx.Component:
    """Everyone's rating beside the viewer's network's."""
    v = s.verdict
    return rx.cond(
        v,
        rx.vstack(
            rx.cond(
                v.overall_count > 0,
                rx.hstack(
                    stars(v.overall_avg.to(int)),
                    rx.text(
                        tn(
                            "{avg}★ from {n} buyer",
                            "{avg}★ from {n} buyers",
                            v.overall_count,
                            avg=v.overall_text,
                        ),
                        size="2",
                        id="overall-rating",
                    ),
                    spacing="2",
                    align="center",
                ),
                rx.text(t("No reviews yet."), size="2", color=rx.color("gray", 11)),
            ),
            rx.cond(
                v.network_count > 0,
                rx.card(
                    rx.vstack(
                        rx.text(
                            rx.cond(
                                v.network_count == 1,
                                t(
                                    "1 person you follow rated this {stars}★",
                                    stars=v.people[0].rating_text,
                                ),
                                t(
                                    "{avg}★ from {n} people you follow",
                                    avg=v.network_text,
                                    n=v.network_count,
                                ),
                            ),
                            weight="bold",
                            size="2",
                        ),
                        rx.hstack(rx.foreach(v.people, _person), spacing="3", wrap="wrap"),
                        spacing="2",
                    ),
                    id="network-verdict",
                    variant="surface",
                    width="100%",
                ),
            ),
            rx.cond(
                v.wider_count > 0,
                rx.text(
                    t(
                        "{avg}★ from {n} people followed by people you follow",
                        avg=v.wider_text,
                        n=v.wider_count,
                    ),
                    size="2",
                    color=rx.color("gray", 11),
                    id="wider-verdict",
                ),
            ),
            spacing="2",
            width="100%",
            align="start",
        ),
    )


def _reply_form(s) -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text_area(
                name="reply",
                placeholder=t("Your public reply"),
                aria_label=t("Your public reply"),
                max_length=MAX_REPLY,
                rows="3",
                width="100%",
            ),
            field_error(s.field_errors, "reply"),
            rx.hstack(
                rx.button(t("Publish reply"), type="submit", size="2", id="reply-send"),
                rx.button(
                    t("Cancel"), type="button", variant="soft", size="2", on_click=s.cancel_reply
                ),
                spacing="2",
            ),
            spacing="2",
            width="100%",
        ),
        on_submit=s.send_reply,
        width="100%",
    )


def review_item(r: rx.Var[ReviewView], s=ReviewsState, show_listing: bool = False) -> rx.Component:
    return rx.box(
        rx.hstack(
            avatar(r.author_avatar, r.author_initials, size="2"),
            rx.vstack(
                rx.hstack(
                    rx.link(r.author_name, href="/u/" + r.author_handle, weight="bold", size="2"),
                    stars(r.rating),
                    rx.badge(
                        t("Verified purchase"),
                        color_scheme="green",
                        variant="soft",
                        high_contrast=True,
                    ),
                    rx.text(r.when, size="1", color=rx.color("gray", 11)),
                    rx.cond(r.edited, rx.text(t("(edited)"), size="1", color=rx.color("gray", 11))),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                rx.cond(
                    show_listing & (r.listing_url != ""),
                    rx.link(r.listing_title, href=r.listing_url, size="2"),
                ),
                rich_text(r.segments, size="2"),
                rx.cond(
                    r.photos.length() > 0,
                    rx.hstack(
                        rx.foreach(
                            r.photos,
                            lambda photo, i: rx.link(
                                rx.image(
                                    src=upload_src(photo),
                                    alt=t("Photo by {name}", name=r.author_name),
                                    width="96px",
                                    height="96px",
                                    loading="lazy",
                                    border_radius="6px",
                                ),
                                href=upload_src(r.photos_large[i]),
                                is_external=True,
                            ),
                        ),
                        spacing="2",
                        wrap="wrap",
                    ),
                ),
                rx.cond(
                    r.reply.length() > 0,
                    rx.box(
                        rx.text(t("The maker replied"), size="1", weight="bold"),
                        rich_text(r.reply, size="2"),
                        padding="0.5rem 0.75rem",
                        border_left=f"3px solid {rx.color('tomato', 7)}",
                        background=rx.color("gray", 2),
                        width="100%",
                        class_name="sm-review-reply",
                    ),
                ),
                rx.hstack(
                    rx.cond(
                        r.can_mark,
                        rx.button(
                            rx.icon("thumbs_up", size=14, aria_hidden="true"),
                            tn("Helpful ({n})", "Helpful ({n})", r.helpful_count),
                            size="1",
                            variant=rx.cond(r.helpful, "solid", "soft"),
                            aria_pressed=rx.cond(r.helpful, "true", "false"),
                            on_click=s.toggle_helpful(r.id),
                            class_name="sm-helpful",
                        ),
                        rx.cond(
                            r.helpful_count > 0,
                            rx.text(
                                tn(
                                    "{n} person found this helpful",
                                    "{n} people found this helpful",
                                    r.helpful_count,
                                ),
                                size="1",
                                color=rx.color("gray", 11),
                            ),
                        ),
                    ),
                    rx.cond(
                        r.can_reply & (s.replying != r.id),
                        rx.button(
                            t("Reply publicly"),
                            size="1",
                            variant="soft",
                            on_click=s.start_reply(r.id),
                            class_name="sm-reply-review",
                        ),
                    ),
                    rx.cond(AuthState.signed_in & ~r.mine, report_dialog("review", r.id)),
                    spacing="3",
                    align="center",
                ),
                rx.cond(s.replying == r.id, _reply_form(s)),
                spacing="2",
                align="start",
                width="100%",
            ),
            spacing="3",
            align="start",
            width="100%",
        ),
        id="review-" + r.id.to(str),
        class_name="sm-review",
        width="100%",
        padding_y="0.75rem",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def reviews_section(show_listing: bool = False, s=ReviewsState) -> rx.Component:
    """The reviews block of a listing page (or, with ``show_listing``, a shop page)."""
    return rx.cond(
        s.found,
        rx.vstack(
            rx.heading(t("Reviews"), size="5", as_="h2"),
            verdict_box(s),
            form_error(s.error),
            rx.box(
                rx.foreach(s.reviews, lambda r: review_item(r, s, show_listing)),
                width="100%",
            ),
            rx.cond(
                s.next_cursor != "",
                rx.button(t("Show more reviews"), variant="soft", on_click=s.more),
            ),
            spacing="3",
            width="100%",
            align="start",
            id="reviews",
        ),
    )


def _star_choice(s, value: int) -> rx.Component:
    return rx.icon_button(
        rx.icon(
            "star",
            size=26,
            color=STAR_COLOR,
            fill=rx.cond(s.rating >= value, "currentColor", "none"),
            aria_hidden="true",
        ),
        type="button",
        variant="ghost",
        size="3",
        on_click=s.set_rating(str(value)),
        aria_label=tn("{n} star", "{n} stars", value),
        aria_pressed=rx.cond(s.rating == value, "true", "false"),
    )


def review_dialog() -> rx.Component:
    """Write or edit the review of one bought item (opened from the order page)."""
    s = ReviewFormState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(s.editing, t("Edit your review"), t("Review your purchase"))),
            rx.dialog.description(
                t("Your review is public and marked as a verified purchase."), size="2"
            ),
            rx.form(
                rx.vstack(
                    rx.text(s.title, weight="bold"),
                    rx.hstack(
                        *[_star_choice(s, i) for i in range(1, 6)],
                        rx.cond(
                            s.rating > 0,
                            rx.text(tn("{n} star", "{n} stars", s.rating), size="2"),
                        ),
                        role="group",
                        aria_label=t("Stars"),
                        id="review-stars",
                        spacing="1",
                        align="center",
                    ),
                    field_error(s.field_errors, "rating"),
                    field(
                        t("What do you think of it?"),
                        "body",
                        s.field_errors,
                        multiline=True,
                        default_value=s.body,
                        max_length=MAX_BODY,
                    ),
                    rx.hstack(
                        rx.foreach(
                            s.photo_previews,
                            lambda p, i: rx.vstack(
                                rx.image(src=upload_src(p), alt="", width="64px", height="64px"),
                                rx.button(
                                    t("Remove"),
                                    size="1",
                                    variant="ghost",
                                    type="button",
                                    on_click=s.remove_photo(i),
                                ),
                                spacing="1",
                                align="center",
                            ),
                        ),
                        rx.upload.root(
                            rx.button(
                                rx.icon("camera", size=16, aria_hidden="true"),
                                t("Add a photo"),
                                type="button",
                                variant="soft",
                                loading=s.uploading,
                            ),
                            id="review-photo",
                            custom_attrs={"data-file-label": t("Add a photo")},
                            multiple=False,
                            accept={"image/*": [".jpg", ".jpeg", ".png", ".webp", ".gif"]},
                            max_files=1,
                            on_drop=s.attach(rx.upload_files(upload_id="review-photo")),
                        ),
                        spacing="3",
                        align="center",
                        wrap="wrap",
                    ),
                    field_error(s.field_errors, "photos"),
                    form_error(s.error),
                    rx.hstack(
                        rx.dialog.close(rx.button(t("Cancel"), variant="soft", type="button")),
                        rx.button(t("Publish review"), type="submit", id="review-save"),
                        spacing="3",
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=s.save,
            ),
        ),
        open=s.open,
        on_open_change=lambda _: s.close(),
    )
