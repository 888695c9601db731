"""/sell/listening: "What people say" — the maker's listening inbox."""

from __future__ import annotations

import reflex as rx

from social_market.components.fields import form_error
from social_market.components.layout import page
from social_market.components.listening import kind_chips, listening_item, state_switch
from social_market.components.paged_list import paged_list
from social_market.i18n.ui import t
from social_market.models.listening import LISTENING_KINDS
from social_market.pages.sell_pages import sell_nav
from social_market.state.listening import ListeningState


def listening_page() -> rx.Component:
    s = ListeningState
    return page(
        rx.vstack(
            rx.heading(t("What people say"), size="7", as_="h1"),
            sell_nav("listening"),
            rx.text(
                t(
                    "Messages, comments, mentions, reviews, wishes and team threads about your shop. "
                    "Unanswered ones come first."
                ),
                color=rx.color("gray", 11),
                size="2",
            ),
            kind_chips(s, LISTENING_KINDS),
            state_switch(s),
            rx.cond(s.error != "", form_error(s.error)),
            paged_list(
                s,
                s.items,
                lambda item: listening_item(
                    item, lambda it: ListeningState.set_answered(it.id, ~it.answered)
                ),
                list_id="listening-items",
                empty=rx.cond(
                    s.show == "answered",
                    t("Nothing marked as replied yet."),
                    t("All caught up: nothing waits for an answer."),
                ),
            ),
            spacing="4",
            width="100%",
        ),
        width="900px",
    )
