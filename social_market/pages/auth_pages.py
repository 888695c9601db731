"""Sign up, sign in, confirm email, forgotten password."""

from __future__ import annotations

import reflex as rx

from social_market import urls
from social_market.components.fields import field, form_error, form_notice
from social_market.components.layout import page
from social_market.i18n.ui import t
from social_market.state.account import (
    ConfirmState,
    ResetRequestState,
    ResetState,
    SignInState,
    SignUpState,
)
from social_market.state.oidc import ProviderButtonsState, ProviderSignUpState


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


def provider_buttons() -> rx.Component:
    """'Continue with <Provider>' for each configured provider (nothing when none is)."""
    s = ProviderButtonsState
    return rx.fragment(
        form_error(s.oidc_error),
        rx.cond(
            s.providers.length() > 0,
            rx.vstack(
                rx.foreach(
                    s.providers,
                    lambda p: rx.button(
                        rx.icon("log_in", size=16),
                        t("Continue with {provider}", provider=p["label"]),
                        type="button",
                        variant="outline",
                        size="3",
                        width="100%",
                        custom_attrs={"data-provider": p["name"]},
                        on_click=s.start(p["name"]),
                    ),
                ),
                rx.text(t("or with your email"), size="2", color=rx.color("gray", 11)),
                spacing="2",
                width="100%",
                align="center",
                id="provider-buttons",
            ),
        ),
    )


def signup_page() -> rx.Component:
    s = SignUpState
    return _card(
        t("Join Social Market"),
        rx.cond(
            s.done,
            rx.vstack(
                form_notice(s.notice),
                rx.button(t("Use another address"), variant="soft", on_click=s.restart),
                spacing="3",
                width="100%",
            ),
            rx.form(
                rx.vstack(
                    rx.text(
                        t(
                            "Follow makers you love, share what you buy, and help decide what "
                            "gets made next."
                        ),
                        color=rx.color("gray", 11),
                    ),
                    provider_buttons(),
                    form_error(s.error),
                    field(t("Email"), "email", s.field_errors, type="email", autocomplete="email"),
                    field(
                        t("Handle"),
                        "handle",
                        s.field_errors,
                        hint=t("Your address on Social Market: /u/your-handle"),
                        autocomplete="username",
                    ),
                    field(t("Display name"), "display_name", s.field_errors, autocomplete="name"),
                    field(
                        t("Password"),
                        "password",
                        s.field_errors,
                        type="password",
                        hint=t("At least 8 characters."),
                        autocomplete="new-password",
                    ),
                    rx.button(t("Create account"), type="submit", size="3", width="100%"),
                    rx.text(
                        t("Already a member?"),
                        " ",
                        rx.link(t("Sign in"), href=urls.SIGN_IN, underline="always"),
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
        t("Sign in"),
        rx.form(
            rx.vstack(
                provider_buttons(),
                form_error(s.error),
                field(t("Email"), "email", s.field_errors, type="email", autocomplete="email"),
                field(
                    t("Password"),
                    "password",
                    s.field_errors,
                    type="password",
                    autocomplete="current-password",
                ),
                rx.button(t("Sign in"), type="submit", size="3", width="100%"),
                rx.hstack(
                    rx.link(t("Forgot your password?"), href=urls.RESET, size="2"),
                    rx.spacer(),
                    rx.link(t("Create an account"), href=urls.SIGN_UP, size="2"),
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
        t("Confirming your email"),
        rx.cond(
            s.error != "",
            rx.vstack(
                form_error(s.error),
                rx.link(t("Back to sign in"), href=urls.SIGN_IN),
                spacing="3",
                width="100%",
            ),
            rx.hstack(rx.spinner(), rx.text(t("One moment…")), spacing="2"),
        ),
    )


def reset_request_page() -> rx.Component:
    s = ResetRequestState
    return _card(
        t("Forgot your password?"),
        rx.cond(
            s.sent,
            form_notice(s.notice),
            rx.form(
                rx.vstack(
                    rx.text(
                        t("Enter your email and we'll send you a link to choose a new password."),
                        color=rx.color("gray", 11),
                    ),
                    form_error(s.error),
                    field(t("Email"), "email", s.field_errors, type="email", autocomplete="email"),
                    rx.button(t("Send reset link"), type="submit", size="3", width="100%"),
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
        t("Choose a new password"),
        rx.form(
            rx.vstack(
                form_error(s.error),
                field(
                    t("New password"),
                    "password",
                    s.field_errors,
                    type="password",
                    hint=t("At least 8 characters."),
                    autocomplete="new-password",
                ),
                field(
                    t("New password again"),
                    "password_again",
                    s.field_errors,
                    type="password",
                    autocomplete="new-password",
                ),
                rx.button(t("Save new password"), type="submit", size="3", width="100%"),
                rx.cond(
                    s.error != "",
                    rx.link(t("Ask for a new link"), href=urls.RESET, size="2"),
                ),
                spacing="3",
                width="100%",
            ),
            on_submit=s.submit,
            width="100%",
        ),
    )


def provider_signup_page() -> rx.Component:
    """After a first sign-in with a provider: choose a handle, take over the name."""
    s = ProviderSignUpState
    return _card(
        t("Join Social Market"),
        rx.cond(
            s.pending,
            rx.form(
                rx.vstack(
                    rx.text(
                        t(
                            "You signed in with {provider}. Choose your handle to finish "
                            "creating your account.",
                            provider=s.provider_label,
                        ),
                        color=rx.color("gray", 11),
                    ),
                    rx.cond(
                        s.email != "",
                        rx.text(t("Email: {email}", email=s.email), size="2"),
                    ),
                    form_error(s.error),
                    field(
                        t("Handle"),
                        "handle",
                        s.field_errors,
                        hint=t("Your address on Social Market: /u/your-handle"),
                        autocomplete="username",
                        default_value=s.proposed_handle,
                        key=s.proposed_handle,
                    ),
                    rx.cond(
                        (s.profile_name != "") | s.has_picture,
                        rx.el.label(
                            rx.checkbox(name="use_profile", default_checked=True),
                            t("Use my name and picture from {provider}", provider=s.provider_label),
                            display="flex",
                            gap="0.5rem",
                            align_items="center",
                        ),
                    ),
                    rx.button(t("Create account"), type="submit", size="3", width="100%"),
                    spacing="3",
                    width="100%",
                ),
                on_submit=s.submit,
                reset_on_submit=False,
                width="100%",
            ),
            rx.vstack(
                form_error(s.error),
                rx.text(t("This sign-up has expired. Please continue with your provider again.")),
                rx.link(t("Back to sign in"), href=urls.SIGN_IN),
                spacing="3",
                width="100%",
            ),
        ),
    )
