"""The "Report" button and dialog, for any reportable target (profiles, shops, listings,
and whatever registers a target kind in services/reports.py: posts, comments, …).

``report_dialog(kind, target_id)`` sends the form to ``ReportState.submit_report``; pass
another handler taking the same form (target_kind, target_id, reason, note) if needed.
"""

from __future__ import annotations

import reflex as rx

from social_market.i18n.ui import t
from social_market.services.reports import MAX_NOTE, REASON_LABELS
from social_market.state.moderation import ReportState


def _reason_option(value: str, label: str, key: rx.Var) -> rx.Component:
    return rx.el.label(
        rx.radio_group.item(value=value, id="report-reason-" + key + "-" + value),
        t(label),
        html_for="report-reason-" + key + "-" + value,
        display="flex",
        align_items="center",
        gap="0.5rem",
        cursor="pointer",
    )


def report_dialog(
    kind: rx.Var[str] | str,
    target_id: rx.Var[int] | int,
    on_submit=None,
    **trigger_props,
) -> rx.Component:
    """A ghost "Report" button opening a dialog with the reasons and an optional note."""
    s = ReportState
    kind_var = rx.Var.create(kind)
    id_var = rx.Var.create(target_id).to(str)
    key = kind_var.to(str) + ":" + id_var
    dom_key = kind_var.to(str) + "-" + id_var
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.button(
                rx.icon("flag", size=14, aria_hidden="true"),
                t("Report"),
                variant="ghost",
                color_scheme="gray",
                size="2",
                **trigger_props,
            )
        ),
        rx.dialog.content(
            rx.dialog.title(t("Report this to our moderators")),
            rx.dialog.description(
                t("What is wrong? Nobody but our moderators will know that you reported it."),
                size="2",
                color=rx.color("gray", 11),
            ),
            rx.form(
                rx.el.input(type="hidden", name="target_kind", value=kind_var),
                rx.el.input(type="hidden", name="target_id", value=id_var),
                rx.radio_group.root(
                    rx.vstack(
                        *[_reason_option(v, label, dom_key) for v, label in REASON_LABELS.items()],
                        spacing="2",
                    ),
                    name="reason",
                    required=True,
                    aria_label=t("Reason"),
                    margin_y="1rem",
                ),
                rx.el.label(
                    t("Anything our moderators should know? (optional)"),
                    html_for="report-note-" + dom_key,
                    class_name="sm-label",
                ),
                rx.text_area(
                    name="note",
                    id="report-note-" + dom_key,
                    max_length=MAX_NOTE,
                    rows="3",
                    width="100%",
                ),
                rx.cond(
                    s.report_error != "",
                    rx.callout(
                        s.report_error,
                        icon="circle_alert",
                        color_scheme="red",
                        role="alert",
                        margin_top="0.75rem",
                    ),
                ),
                rx.hstack(
                    rx.dialog.close(rx.button(t("Cancel"), variant="soft", type="button")),
                    rx.button(t("Send report"), type="submit", color_scheme="red"),
                    spacing="3",
                    justify="end",
                    margin_top="1rem",
                ),
                on_submit=on_submit or s.submit_report,
                reset_on_submit=False,
            ),
        ),
        open=s.report_open == key,
        on_open_change=lambda open_: s.set_report_open(key, open_),
    )
