"""Sign up, sign in, confirm email, forgotten password."""

from __future__ import annotations

import reflex as rx

from social_market import urls
from social_market.components.fields import field, form_error, form_notice
from social_market.components.layout import page
from social_market.state.account import (
    ConfirmState,
    ResetRequestState,
    ResetState,
    SignInState,
    SignUpState,
)


def _card(title: str, *children) -> rx.Component:
    return page(
        rx.center(
            rx.card(
                rx.vstack(rx.heading(title, size="7", as_="h1"), *children, spacing="4"),
                width="100%",
                max_width="440px",
                size="3",
            ),
            width="100%",
        ),
        width="720px",
    )


def signup_page() -> rx.Component:
    s = SignUpState
    return _card(
        "Join Social Market",
        rx.cond(
            s.done,
            rx.vstack(
                form_notice(s.notice),
                rx.button("Use another address", variant="soft", on_click=s.restart),
                spacing="3",
                width="100%",
            ),
            rx.form(
                rx.vstack(
                    rx.text(
                        "Follow makers you love, share what you buy, and help decide what "
                        "gets made next.",
                        color=rx.color("gray", 11),
                    ),
                    form_error(s.error),
                    field("Email", "email", s.field_errors, type="email", autocomplete="email"),
                    field(
                        "Handle",
                        "handle",
                        s.field_errors,
                        hint="Your address on Social Market: /u/your-handle",
                        autocomplete="username",
                    ),
                    field("Display name", "display_name", s.field_errors, autocomplete="name"),
                    field(
                        "Password",
                        "password",
                        s.field_errors,
                        type="password",
                        hint="At least 8 characters.",
                        autocomplete="new-password",
                    ),
                    rx.button("Create account", type="submit", size="3", width="100%"),
                    rx.text(
                        "Already a member? ",
                        rx.link("Sign in", href=urls.SIGN_IN),
                        size="2",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=s.submit,
                width="100%",
            ),
        ),
    )


def signin_page() -> rx.Component:
    s = SignInState
    return _card(
        "Sign in",
        rx.form(
            rx.vstack(
                form_error(s.error),
                field("Email", "email", s.field_errors, type="email", autocomplete="email"),
                field(
                    "Password",
                    "password",
                    s.field_errors,
                    type="password",
                    autocomplete="current-password",
                ),
                rx.button("Sign in", type="submit", size="3", width="100%"),
                rx.hstack(
                    rx.link("Forgot your password?", href=urls.RESET, size="2"),
                    rx.spacer(),
                    rx.link("Create an account", href=urls.SIGN_UP, size="2"),
                    width="100%",
                    wrap="wrap",
                ),
                spacing="3",
                width="100%",
            ),
            on_submit=s.submit,
            width="100%",
        ),
    )


def confirm_page() -> rx.Component:
    s = ConfirmState
    return _card(
        "Confirming your email",
        rx.cond(
            s.error != "",
            rx.vstack(
                form_error(s.error),
                rx.link("Back to sign in", href=urls.SIGN_IN),
                spacing="3",
                width="100%",
            ),
            rx.hstack(rx.spinner(), rx.text("One moment…"), spacing="2"),
        ),
    )


def reset_request_page() -> rx.Component:
    s = ResetRequestState
    return _card(
        "Forgot your password?",
        rx.cond(
            s.sent,
            form_notice(s.notice),
            rx.form(
                rx.vstack(
                    rx.text(
                        "Enter your email and we'll send you a link to choose a new password.",
                        color=rx.color("gray", 11),
                    ),
                    form_error(s.error),
                    field("Email", "email", s.field_errors, type="email", autocomplete="email"),
                    rx.button("Send reset link", type="submit", size="3", width="100%"),
                    spacing="3",
                    width="100%",
                ),
                on_submit=s.submit,
                width="100%",
            ),
        ),
    )


def reset_page() -> rx.Component:
    s = ResetState
    return _card(
        "Choose a new password",
        rx.form(
            rx.vstack(
                form_error(s.error),
                field(
                    "New password",
                    "password",
                    s.field_errors,
                    type="password",
                    hint="At least 8 characters.",
                    autocomplete="new-password",
                ),
                field(
                    "New password again",
                    "password_again",
                    s.field_errors,
                    type="password",
                    autocomplete="new-password",
                ),
                rx.button("Save new password", type="submit", size="3", width="100%"),
                rx.cond(
                    s.error != "",
                    rx.link("Ask for a new link", href=urls.RESET, size="2"),
                ),
                spacing="3",
                width="100%",
            ),
            on_submit=s.submit,
            width="100%",
        ),
    )
