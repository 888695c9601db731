"""A person's picture, or their initials when they have none."""

from __future__ import annotations

import reflex as rx


def avatar(
    path: rx.Var[str] | str, initials: rx.Var[str] | str, size: str = "3", alt: str = "", **props
):
    """``path`` is below the upload URL ('' for no picture).

    The picture is decorative by default (``alt=""``): the person's name stands beside it.
    """
    return rx.cond(
        path != "",
        rx.avatar(
            src=rx.get_upload_url(path),
            fallback=initials,
            size=size,
            radius="full",
            custom_attrs={"alt": alt},
            **props,
        ),
        rx.avatar(fallback=initials, size=size, radius="full", **props),
    )
