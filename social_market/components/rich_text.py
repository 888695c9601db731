"""User text with @mentions and web links, rendered as text and safe links only."""

from __future__ import annotations

import reflex as rx

from social_market.services.rich_text import Segment


def _segment(seg: rx.Var[Segment]) -> rx.Component:
    return rx.cond(
        seg.href == "",
        rx.text.span(seg.text),
        rx.cond(
            seg.external,
            rx.link(seg.text, href=seg.href, is_external=True, rel="nofollow ugc noopener"),
            rx.link(seg.text, href=seg.href),
        ),
    )


def rich_text(segments: rx.Var[list[Segment]], **props) -> rx.Component:
    """Paragraph text (line breaks kept) from the server's segments."""
    return rx.text(
        rx.foreach(segments, _segment),
        white_space="pre-wrap",
        overflow_wrap="anywhere",
        **props,
    )
