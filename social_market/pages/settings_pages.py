"""Account settings: profile and photo; password, sessions and account deletion."""

from __future__ import annotations

import reflex as rx

from social_market import urls
from social_market.components.avatar import avatar
from social_market.components.buttons import link_button
from social_market.components.fields import field, form_error, form_notice
from social_market.components.layout import page
from social_market.i18n.ui import t, tn
from social_market.state.settings import (
    BlockedPeopleState,
    DataExportState,
    ProfileSettingsState,
    SecurityState,
)


def new_password_fields(errors) -> list[rx.Component]:
    """A new password, typed twice (change it, or set a first one)."""
    return [
        field(
            t("New password"),
            "new_password",
            errors,
            type="password",
            autocomplete="new-password",
            hint=t("At least 8 characters."),
        ),
        field(
            t("New password again"),
            "new_password_again",
            errors,
            type="password",
            autocomplete="new-password",
        ),
    ]


def _tabs(active: str) -> rx.Component:
    def tab(label: str, href: str, key: str):
        return link_button(
            label,
            href,
            variant="solid" if key == active else "soft",
            size="2",
            aria_current="page" if key == active else None,
        )

    return rx.hstack(
        tab(t("Profile"), urls.SETTINGS, "profile"),
        tab(t("Password & security"), urls.SETTINGS_SECURITY, "security"),
        tab(t("Privacy"), urls.SETTINGS_PRIVACY, "privacy"),
        tab(t("Notifications"), urls.SETTINGS_NOTIFICATIONS, "notifications"),
        tab(t("Your data"), urls.SETTINGS_DATA, "data"),
        spacing="2",
        wrap="wrap",
    )


def profile_settings_page() -> rx.Component:
    s = ProfileSettingsState
    return page(
        rx.vstack(
            rx.heading(t("Settings"), size="7", as_="h1"),
            _tabs("profile"),
            rx.cond(
                s.welcome,
                rx.callout(
                    t(
                        "Welcome! Your email is confirmed. Add a photo and a few words about "
                        "yourself so people know who you are."
                    ),
                    icon="party_popper",
                    color_scheme="grass",
                ),
            ),
            rx.card(
                rx.flex(
                    avatar(s.avatar, s.me_initials, size="8"),
                    rx.vstack(
                        rx.heading(t("Profile photo"), size="4", as_="h2"),
                        rx.text(
                            t("JPEG, PNG, WebP or GIF, up to 5 MB."),
                            size="2",
                            color=rx.color("gray", 11),
                        ),
                        rx.upload.root(
                            rx.button(
                                rx.icon("upload", size=16),
                                t("Choose a photo"),
                                variant="soft",
                                type="button",
                            ),
                            id="avatar-upload",
                            custom_attrs={"data-file-label": t("Choose a photo")},
                            max_files=1,
                            multiple=False,
                            accept={
                                "image/png": [".png"],
                                "image/jpeg": [".jpg", ".jpeg"],
                                "image/webp": [".webp"],
                                "image/gif": [".gif"],
                            },
                            on_drop=s.upload_avatar(rx.upload_files(upload_id="avatar-upload")),
                            no_drag=False,
                            border="none",
                            padding="0",
                        ),
                        rx.cond(
                            s.avatar_error != "",
                            rx.text(s.avatar_error, color=rx.color("red", 11), role="alert"),
                        ),
                        rx.cond(
                            s.avatar != "",
                            rx.button(
                                t("Remove photo"),
                                variant="ghost",
                                color_scheme="red",
                                size="1",
                                on_click=s.remove_avatar,
                            ),
                        ),
                        spacing="2",
                        align="start",
                    ),
                    gap="1.25rem",
                    align="center",
                    direction={"initial": "column", "sm": "row"},
                ),
                width="100%",
            ),
            rx.card(
                rx.form(
                    rx.vstack(
                        rx.heading(t("About you"), size="4", as_="h2"),
                        form_error(s.error),
                        form_notice(s.notice),
                        field(
                            t("Display name"),
                            "display_name",
                            s.field_errors,
                            default_value=s.display_name,
                            key=s.display_name,
                        ),
                        field(
                            t("Bio"),
                            "bio",
                            s.field_errors,
                            multiline=True,
                            hint=t("Up to 500 characters."),
                            default_value=s.bio,
                            key=s.bio,
                        ),
                        field(
                            t("Location"),
                            "location",
                            s.field_errors,
                            default_value=s.location,
                            key=s.location,
                        ),
                        field(
                            t("Website"),
                            "website",
                            s.field_errors,
                            placeholder="https://",
                            default_value=s.website,
                            key=s.website,
                        ),
                        rx.hstack(
                            rx.button(t("Save profile"), type="submit", size="3"),
                            rx.link(
                                t("View my profile"),
                                href="/u/" + s.handle,
                                size="2",
                            ),
                            align="center",
                            spacing="4",
                        ),
                        spacing="3",
                        width="100%",
                    ),
                    on_submit=s.save,
                    width="100%",
                ),
                width="100%",
            ),
            spacing="5",
            width="100%",
        ),
        width="760px",
    )


def _blocked_people() -> rx.Component:
    b = BlockedPeopleState
    return rx.cond(
        b.people.length() > 0,
        rx.card(
            rx.vstack(
                rx.heading(t("Blocked people"), size="4", as_="h2"),
                rx.foreach(
                    b.people,
                    lambda p: rx.hstack(
                        avatar(p.avatar_url, p.initials, size="2"),
                        rx.link(p.display_name, href="/u/" + p.handle),
                        rx.spacer(),
                        rx.button(
                            t("Unblock"),
                            size="1",
                            variant="soft",
                            on_click=b.unblock(p.handle),
                            aria_label=t("Unblock {name}", name=p.display_name),
                        ),
                        width="100%",
                        align="center",
                    ),
                ),
                spacing="3",
                width="100%",
            ),
            id="blocked-people",
        ),
    )


def security_settings_page() -> rx.Component:
    s = SecurityState
    return page(
        rx.vstack(
            rx.heading(t("Settings"), size="7", as_="h1"),
            _tabs("security"),
            _sign_in_methods(),
            _blocked_people(),
            rx.cond(
                s.has_password,
                rx.fragment(
                    rx.card(
                        rx.form(
                            rx.vstack(
                                rx.heading(t("Change password"), size="4", as_="h2"),
                                form_error(s.error),
                                form_notice(s.notice),
                                field(
                                    t("Current password"),
                                    "current_password",
                                    s.field_errors,
                                    type="password",
                                    autocomplete="current-password",
                                ),
                                *new_password_fields(s.field_errors),
                                rx.button(t("Change password"), type="submit"),
                                spacing="3",
                                width="100%",
                            ),
                            on_submit=s.change_password,
                            reset_on_submit=False,
                            width="100%",
                        ),
                        width="100%",
                    )
                ),
                _set_password(),
            ),
            rx.card(
                rx.vstack(
                    rx.heading(t("Where you're signed in"), size="4", as_="h2"),
                    rx.text(
                        tn(
                            "You are signed in on {n} device.",
                            "You are signed in on {n} devices.",
                            s.session_count,
                        ),
                        id="session-count",
                    ),
                    rx.button(
                        t("Sign out of all devices"),
                        variant="soft",
                        color_scheme="orange",
                        on_click=s.sign_out_everywhere,
                    ),
                    spacing="3",
                    align="start",
                ),
                width="100%",
            ),
            rx.card(
                rx.form(
                    rx.vstack(
                        rx.heading(
                            t("Delete account"), size="4", as_="h2", color=rx.color("red", 11)
                        ),
                        rx.text(
                            t(
                                "This erases your email, password, profile and photo. Things others "
                                "keep (orders, conversations) will show 'Deleted user'. "
                                "This cannot be undone."
                            ),
                            size="2",
                        ),
                        rx.cond(
                            s.delete_error != "",
                            rx.callout(s.delete_error, color_scheme="red", role="alert"),
                        ),
                        rx.cond(
                            s.has_password,
                            rx.fragment(
                                rx.el.label(
                                    t("Your password"),
                                    html_for="delete-password",
                                    class_name="sm-label",
                                ),
                                rx.input(
                                    id="delete-password",
                                    name="password",
                                    type="password",
                                    width="100%",
                                ),
                            ),
                            _recent_hint(),
                        ),
                        rx.el.label(
                            t("Type DELETE to confirm"),
                            html_for="delete-confirm",
                            class_name="sm-label",
                        ),
                        rx.input(id="delete-confirm", name="confirm", width="100%"),
                        rx.button(t("Delete my account"), type="submit", color_scheme="red"),
                        spacing="2",
                        width="100%",
                        align="start",
                    ),
                    on_submit=s.delete_account,
                    width="100%",
                ),
                width="100%",
            ),
            spacing="5",
            width="100%",
        ),
        width="760px",
    )


def data_settings_page() -> rx.Component:
    s = DataExportState
    e = s.export
    busy = (e != None) & ((e.status == "pending") | (e.status == "running"))  # noqa: E711
    return page(
        rx.vstack(
            rx.heading(t("Settings"), size="7", as_="h1"),
            _tabs("data"),
            rx.card(
                rx.vstack(
                    rx.heading(t("Download your data"), size="4", as_="h2"),
                    rx.text(
                        t(
                            "A ZIP file with your profile, shop, listings, orders and favourites "
                            "as JSON, and your photos. Only you can download it, for 7 days."
                        ),
                        size="2",
                    ),
                    rx.cond(
                        s.error != "",
                        rx.callout(
                            s.error, icon="triangle_alert", color_scheme="red", role="alert"
                        ),
                    ),
                    rx.box(
                        rx.cond(
                            busy,
                            rx.vstack(
                                rx.text(t("Preparing your data… {n}%", n=e.progress), size="2"),
                                rx.progress(value=e.progress, max=100, width="100%"),
                                spacing="2",
                                width="100%",
                            ),
                            rx.cond(
                                (e != None) & (e.status == "ready"),  # noqa: E711
                                rx.vstack(
                                    rx.link(
                                        rx.icon("download", size=16, aria_hidden="true"),
                                        t("Download your data ({size})", size=e.size),
                                        href=s.download_url,
                                        id="download-export",
                                        display="inline-flex",
                                        align_items="center",
                                        gap="6px",
                                        weight="bold",
                                    ),
                                    rx.text(
                                        t("Available until {date}.", date=e.expires),
                                        size="1",
                                        color=rx.color("gray", 11),
                                    ),
                                    spacing="1",
                                ),
                                rx.cond(
                                    (e != None) & (e.status == "failed"),  # noqa: E711
                                    rx.text(
                                        t(
                                            "Something went wrong while preparing it. Please try again."
                                        ),
                                        color=rx.color("red", 11),
                                    ),
                                ),
                            ),
                        ),
                        role="status",
                        aria_live="polite",
                        width="100%",
                    ),
                    rx.button(
                        rx.cond(
                            (e != None) & (e.status == "ready"),  # noqa: E711
                            t("Prepare a new copy"),
                            t("Prepare my data"),
                        ),
                        on_click=s.start,
                        disabled=busy,
                        id="prepare-export",
                    ),
                    spacing="3",
                    align="start",
                    width="100%",
                ),
                width="100%",
            ),
            spacing="5",
            width="100%",
            max_width="760px",
        )
    )


def _recent_hint() -> rx.Component:
    """For accounts without a password: re-authenticate through a linked provider."""
    s = SecurityState
    return rx.cond(
        s.recent,
        rx.text(t("You signed in a moment ago, so no password is needed."), size="2"),
        rx.vstack(
            rx.text(t("For your security, sign in again with a linked provider first."), size="2"),
            rx.hstack(
                rx.foreach(
                    s.methods,
                    lambda m: rx.button(
                        t("Sign in again with {provider}", provider=m["label"]),
                        type="button",
                        variant="soft",
                        size="2",
                        on_click=s.reauthenticate(m["name"]),
                    ),
                ),
                wrap="wrap",
                spacing="2",
            ),
            spacing="2",
            align="start",
        ),
    )


def _sign_in_methods() -> rx.Component:
    s = SecurityState
    return rx.card(
        rx.vstack(
            rx.heading(t("Ways to sign in"), size="4", as_="h2"),
            form_error(s.methods_error),
            form_notice(s.methods_notice),
            rx.el.ul(
                rx.el.li(
                    rx.text(
                        t("Password"),
                        ": ",
                        rx.cond(s.has_password, t("set"), t("not set")),
                    ),
                ),
                rx.foreach(
                    s.methods,
                    lambda m: rx.el.li(
                        rx.hstack(
                            rx.text(
                                rx.text.strong(m["label"]),
                                rx.cond(m["email"] != "", " · " + m["email"], ""),
                                " · ",
                                t("linked {date}", date=m["since"]),
                            ),
                            rx.spacer(),
                            rx.cond(
                                s.can_unlink,
                                rx.button(
                                    t("Unlink {provider}", provider=m["label"]),
                                    type="button",
                                    variant="ghost",
                                    color_scheme="red",
                                    size="1",
                                    on_click=s.unlink_provider(m["id"]),
                                ),
                            ),
                            width="100%",
                            align="center",
                            wrap="wrap",
                        ),
                        custom_attrs={"data-method": m["name"]},
                    ),
                ),
                id="sign-in-methods",
                style={"width": "100%", "paddingLeft": "1.2rem", "margin": "0"},
            ),
            rx.cond(
                ~s.can_unlink & (s.methods.length() > 0),
                rx.text(
                    t("To unlink your only provider, set a password or link another first."),
                    size="2",
                    color=rx.color("gray", 11),
                ),
            ),
            rx.cond(
                s.linkable.length() > 0,
                rx.form(
                    rx.vstack(
                        rx.heading(t("Link another account"), size="3", as_="h3"),
                        rx.el.label(t("Provider"), html_for="link-provider", class_name="sm-label"),
                        rx.el.select(
                            rx.foreach(
                                s.linkable,
                                lambda p: rx.el.option(p["label"], value=p["name"]),
                            ),
                            id="link-provider",
                            name="provider",
                            class_name="sm-select",
                        ),
                        rx.cond(
                            s.has_password,
                            rx.fragment(
                                rx.el.label(
                                    t("Your password, to confirm it's you"),
                                    html_for="link-password",
                                    class_name="sm-label",
                                ),
                                rx.input(
                                    id="link-password",
                                    name="password",
                                    type="password",
                                    autocomplete="current-password",
                                    width="100%",
                                ),
                            ),
                            _recent_hint(),
                        ),
                        rx.button(t("Link account"), type="submit"),
                        spacing="2",
                        width="100%",
                        align="start",
                    ),
                    on_submit=s.link_provider,
                    width="100%",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _set_password() -> rx.Component:
    s = SecurityState
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(t("Set a password"), size="4", as_="h2"),
                rx.text(
                    t(
                        "You sign in through a provider. Add a password to sign in with your email too."
                    ),
                    size="2",
                ),
                form_error(s.error),
                form_notice(s.notice),
                *new_password_fields(s.field_errors),
                rx.button(t("Set password"), type="submit"),
                spacing="3",
                width="100%",
            ),
            on_submit=s.set_password,
            width="100%",
        ),
        width="100%",
    )
