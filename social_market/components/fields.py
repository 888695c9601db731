"""Labelled form fields that show their own error message."""

from __future__ import annotations

import reflex as rx


def field(
    label: str,
    name: str,
    errors: rx.Var,
    *,
    type: str = "text",
    placeholder: str = "",
    hint: str = "",
    multiline: bool = False,
    default_value: rx.Var | str | None = None,
    **input_props,
) -> rx.Component:
    error = errors[name].to(str)
    control_id = f"field-{name}"
    common = {
        "id": control_id,
        "name": name,
        "placeholder": placeholder,
        "aria_invalid": rx.cond(errors.contains(name), "true", "false"),
        "aria_describedby": f"{control_id}-msg",
        "width": "100%",
        **input_props,
    }
    if default_value is not None:
        common["default_value"] = default_value
    control = (
        rx.text_area(**{"rows": "4", **common})
        if multiline
        else rx.input(type=type, size="3", **common)
    )
    return rx.vstack(
        rx.el.label(label, html_for=control_id, class_name="sm-label"),
        control,
        rx.text(
            rx.cond(errors.contains(name), error, hint),
            id=f"{control_id}-msg",
            size="1",
            color=rx.cond(errors.contains(name), rx.color("red", 11), rx.color("gray", 11)),
            role=rx.cond(errors.contains(name), "alert", ""),
        ),
        spacing="1",
        width="100%",
        align="start",
    )


def field_error(errors: rx.Var, name: str) -> rx.Component:
    """The message for ``name`` in a state's ``field_errors``, when there is one (for
    controls that ``field`` doesn't draw: star pickers, uploads, inline forms)."""
    return rx.cond(
        errors.contains(name),
        rx.text(errors[name].to(str), color=rx.color("red", 11), size="1", role="alert"),
    )


def form_error(message: rx.Var[str]) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="triangle_alert", color_scheme="red", role="alert", width="100%"),
    )


def form_notice(message: rx.Var[str]) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="info", color_scheme="grass", role="status", width="100%"),
    )


def select_field(
    label: str,
    name: str,
    options: rx.Var[list[list[str]]],
    errors: rx.Var,
    *,
    default_value: rx.Var | str = "",
    placeholder: str | rx.Var = "",
    translate: bool = False,
    **props,
) -> rx.Component:
    """A native <select> (keyboard- and screen-reader-friendly) over [value, label] pairs.

    ``translate`` runs each label through the catalogue (for msgid labels such as
    category names).
    """
    from social_market.i18n.ui import t_var

    control_id = f"field-{name}"
    options = rx.Var.create(options)
    return rx.vstack(
        rx.el.label(label, html_for=control_id, class_name="sm-label"),
        rx.el.select(
            rx.cond(placeholder != "", rx.el.option(placeholder, value="")),
            rx.foreach(
                options,
                lambda o: rx.el.option(t_var(o[1]) if translate else o[1], value=o[0]),
            ),
            id=control_id,
            name=name,
            default_value=default_value,
            # A native select applies its default only when mounted: remount it once the
            # options (or the value) arrive from the server.
            key=rx.Var.create(default_value).to(str) + "-" + options.length().to(str),
            aria_invalid=rx.cond(errors.contains(name), "true", "false"),
            aria_describedby=f"{control_id}-msg",
            class_name="sm-select",
            **props,
        ),
        rx.text(
            rx.cond(errors.contains(name), errors[name].to(str), ""),
            id=f"{control_id}-msg",
            size="1",
            color=rx.color("red", 11),
            role=rx.cond(errors.contains(name), "alert", ""),
        ),
        spacing="1",
        width="100%",
        align="start",
    )


def check_field(label: str, name: str, *, default_checked: rx.Var | bool = False) -> rx.Component:
    return rx.text(
        rx.flex(
            rx.checkbox(
                name=name, default_checked=default_checked, id=f"field-{name}", aria_label=label
            ),
            label,
            gap="2",
            align="center",
        ),
        as_="label",
        size="2",
    )


def street_address_fields(errors: rx.Var) -> list[rx.Component]:
    """Street, second line, postcode and city of a shipping address (checkout, a
    reserved purchase, a group-order share, a flash offer): the same labels, names and
    autocomplete hints everywhere. Name and country stay with each form."""
    from social_market.i18n.ui import t

    return [
        field(t("Street and number"), "line1", errors, autocomplete="address-line1"),
        field(t("Address line 2 (optional)"), "line2", errors, autocomplete="address-line2"),
        rx.grid(
            field(t("Postcode"), "postcode", errors, autocomplete="postal-code"),
            field(t("City"), "city", errors, autocomplete="address-level2"),
            columns="2",
            gap="0.75rem",
            width="100%",
        ),
    ]
