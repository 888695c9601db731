"""A comment thread with one level of replies: read, write, reply, edit, delete, hide,
like. The state is a CommentsState (its subject comes from the page address)."""

from __future__ import annotations

import reflex as rx

from social_market import urls
from social_market.components.avatar import avatar
from social_market.components.fields import form_error
from social_market.components.report import report_dialog
from social_market.components.rich_text import rich_text
from social_market.i18n.ui import t, tn
from social_market.services.comments import CommentCard
from social_market.state.auth import AuthState


def _form(state, label, submit_label, default: rx.Var | str = "", cancel: bool = False):
    errors = state.field_errors
    return rx.form(
        rx.vstack(
            rx.text_area(
                name="body",
                default_value=default,
                placeholder=label,
                aria_label=label,
                rows="3",
                max_length=1000,
                width="100%",
                aria_invalid=rx.cond(errors.contains("body"), "true", "false"),
            ),
            rx.cond(
                errors.contains("body"),
                rx.text(errors["body"].to(str), color=rx.color("red", 11), size="1", role="alert"),
            ),
            rx.hstack(
                rx.button(submit_label, type="submit", size="2"),
                rx.cond(
                    cancel,
                    rx.button(
                        t("Cancel"), variant="soft", size="2", type="button", on_click=state.cancel
                    ),
                ),
                spacing="2",
            ),
            spacing="2",
            width="100%",
        ),
        on_submit=state.submit,
        class_name="sm-comment-form",
        width="100%",
    )


def _comment(state, c: rx.Var[CommentCard]) -> rx.Component:
    return rx.box(
        rx.hstack(
            avatar(c.author_avatar, c.author_initials, size="2"),
            rx.vstack(
                rx.hstack(
                    rx.link(c.author_name, href="/u/" + c.author_handle, weight="bold", size="2"),
                    rx.text(c.when, size="1", color=rx.color("gray", 11)),
                    rx.cond(c.edited, rx.text(t("(edited)"), size="1", color=rx.color("gray", 11))),
                    rx.cond(c.hidden, rx.badge(t("Hidden"), color_scheme="gray", size="1")),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                rx.cond(
                    state.editing == c.id,
                    _form(state, t("Edit your comment"), t("Save"), default=c.body, cancel=True),
                    rich_text(c.segments, size="2"),
                ),
                rx.hstack(
                    rx.button(
                        rx.icon("heart", size=14, fill=rx.cond(c.liked, "currentColor", "none")),
                        rx.text.span(c.like_count),
                        size="1",
                        variant="ghost",
                        color_scheme=rx.cond(c.liked, "tomato", "gray"),
                        on_click=state.toggle_like(c.id),
                        aria_pressed=rx.cond(c.liked, "true", "false"),
                        aria_label=tn("Like, {n} like", "Like, {n} likes", c.like_count),
                    ),
                    rx.cond(
                        AuthState.signed_in,
                        rx.button(
                            t("Reply"),
                            size="1",
                            variant="ghost",
                            on_click=state.start_reply(
                                rx.cond(c.parent_id == 0, c.id, c.parent_id)
                            ),
                        ),
                    ),
                    rx.cond(
                        c.mine,
                        rx.fragment(
                            rx.button(
                                t("Edit"),
                                size="1",
                                variant="ghost",
                                on_click=state.start_edit(c.id),
                            ),
                            rx.button(
                                t("Delete"),
                                size="1",
                                variant="ghost",
                                color_scheme="red",
                                on_click=state.delete(c.id),
                            ),
                        ),
                    ),
                    rx.cond(
                        AuthState.signed_in & ~c.mine,
                        report_dialog("comment", c.id),
                    ),
                    rx.cond(
                        c.can_hide & ~c.mine,
                        rx.button(
                            rx.cond(c.hidden, t("Show"), t("Hide")),
                            size="1",
                            variant="ghost",
                            on_click=state.set_hidden(c.id, ~c.hidden),
                        ),
                    ),
                    spacing="3",
                ),
                rx.cond(
                    (state.reply_to == c.id) & (c.parent_id == 0),
                    _form(state, t("Write a reply"), t("Reply"), cancel=True),
                ),
                spacing="1",
                align="start",
                width="100%",
            ),
            spacing="3",
            align="start",
            width="100%",
        ),
        padding_left=rx.cond(c.parent_id != 0, "2.5rem", "0"),
        width="100%",
        class_name="sm-comment",
        custom_attrs={"data-comment-id": c.id},
    )


def comment_thread(state) -> rx.Component:
    return rx.cond(
        state.allowed,
        rx.vstack(
            rx.heading(t("Comments"), size="4", as_="h2"),
            form_error(state.error),
            rx.foreach(state.comments, lambda c: _comment(state, c)),
            rx.cond(
                state.comments.length() == 0,
                rx.text(t("No comments yet."), color=rx.color("gray", 11), size="2"),
            ),
            rx.cond(
                AuthState.signed_in,
                rx.cond(
                    (state.reply_to == 0) & (state.editing == 0),
                    _form(state, t("Write a comment"), t("Comment")),
                ),
                rx.link(t("Sign in to comment"), href=urls.SIGN_IN),
            ),
            spacing="3",
            width="100%",
            id="comments",
        ),
    )
