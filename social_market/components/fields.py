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
        rx.text_area(rows="4", **common) if multiline else rx.input(type=type, size="3", **common)
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
