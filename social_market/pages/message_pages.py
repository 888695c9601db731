"""/messages (the inbox) and /messages/<id> (a conversation), plus the buttons other
pages use to start a conversation."""

from __future__ import annotations

import reflex as rx

from social_market.components.avatar import avatar
from social_market.components.fields import form_error
from social_market.components.layout import page
from social_market.components.listing_card import upload_src
from social_market.components.live import on_change
from social_market.components.paged_list import paged_list
from social_market.components.report import report_dialog
from social_market.components.rich_text import rich_text
from social_market.i18n.ui import t, tn
from social_market.services.messaging import ConversationRow, MemberView, MessageView, SearchHit
from social_market.state.auth import AuthState
from social_market.state.live import LiveState
from social_market.state.messages import ConversationState, InboxState, StartConversationState


def message_button(label, event, **props) -> rx.Component:
    """ "Message …" on profiles, listings and orders (signed-in visitors only)."""
    return rx.cond(
        AuthState.signed_in,
        rx.button(
            rx.icon("message_circle", size=16, aria_hidden="true"),
            label,
            variant="soft",
            on_click=event,
            **props,
        ),
    )


# --- the inbox ------------------------------------------------------------------------


def _row(row: rx.Var[ConversationRow]) -> rx.Component:
    return rx.el.li(
        rx.link(
            rx.hstack(
                rx.cond(
                    row.is_group,
                    rx.avatar(fallback=row.initials, size="3", radius="full", color_scheme="iris"),
                    avatar(row.avatar, row.initials, size="3"),
                ),
                rx.vstack(
                    rx.hstack(
                        rx.text(
                            row.title, weight=rx.cond(row.unread > 0, "bold", "medium"), size="3"
                        ),
                        rx.cond(
                            row.subject_title != "",
                            rx.badge(row.subject_title, variant="soft", color_scheme="gray"),
                        ),
                        spacing="2",
                        align="center",
                    ),
                    rx.text(
                        row.preview,
                        size="2",
                        color=rx.color("gray", 11),
                        style={
                            "overflow": "hidden",
                            "text-overflow": "ellipsis",
                            "white-space": "nowrap",
                            "width": "100%",
                        },
                    ),
                    spacing="0",
                    align="start",
                    min_width="0",
                    flex="1",  # takes the room left, and no more: long previews end in …
                ),
                rx.vstack(
                    rx.text(row.when, size="1", color=rx.color("gray", 11), white_space="nowrap"),
                    rx.cond(
                        row.unread > 0,
                        rx.badge(
                            row.unread,
                            variant="solid",
                            aria_label=tn("{n} unread", "{n} unread", row.unread),
                        ),
                    ),
                    align="end",
                    spacing="1",
                ),
                align="center",
                spacing="3",
                width="100%",
            ),
            href="/messages/" + row.id.to_string(),
            underline="none",
            color=rx.color("gray", 12),
            display="block",
            padding="0.75rem",
            border_radius="8px",
            _hover={"background_color": rx.color("gray", 3)},
        ),
        class_name="sm-conversation",
        list_style="none",
    )


def _hit(hit: rx.Var[SearchHit]) -> rx.Component:
    return rx.el.li(
        rx.link(
            rx.vstack(
                rx.text(hit.sender_name, " · ", hit.when, size="1", color=rx.color("gray", 11)),
                rx.text(hit.text, size="2"),
                spacing="0",
                align="start",
            ),
            href="/messages/" + hit.conversation_id.to_string(),
            underline="none",
            color=rx.color("gray", 12),
            display="block",
            padding="0.5rem 0.75rem",
        ),
        class_name="sm-search-hit",
        list_style="none",
    )


def _new_group_dialog() -> rx.Component:
    s = StartConversationState
    return rx.dialog.root(
        rx.dialog.trigger(rx.button(t("New group"), variant="soft", id="new-group")),
        rx.dialog.content(
            rx.dialog.title(t("New group conversation")),
            rx.form(
                rx.vstack(
                    rx.el.label(t("Name"), html_for="group-title"),
                    rx.input(name="title", id="group-title", max_length=80, width="100%"),
                    rx.el.label(t("Who (handles, separated by spaces)"), html_for="group-members"),
                    rx.input(
                        name="members",
                        id="group-members",
                        placeholder="@anna @ben",
                        width="100%",
                    ),
                    rx.text(t("Up to 20 people in a group."), size="1", color=rx.color("gray", 11)),
                    form_error(s.error),
                    rx.cond(
                        s.field_errors.length() > 0,
                        rx.foreach(
                            s.field_errors.values(),
                            lambda e: rx.text(e, color=rx.color("red", 11), size="2", role="alert"),
                        ),
                    ),
                    rx.hstack(
                        rx.dialog.close(rx.button(t("Cancel"), variant="soft", type="button")),
                        rx.button(t("Start the group"), type="submit", id="group-submit"),
                        spacing="2",
                        justify="end",
                        width="100%",
                    ),
                    spacing="2",
                    width="100%",
                ),
                on_submit=s.create_group,
            ),
        ),
    )


def inbox_page() -> rx.Component:
    s = InboxState
    return page(
        rx.vstack(
            rx.hstack(
                rx.heading(t("Messages"), size="7", as_="h1"),
                rx.spacer(),
                _new_group_dialog(),
                width="100%",
                align="center",
            ),
            on_change(LiveState.message_pings, s.refresh),
            rx.form(
                rx.hstack(
                    rx.input(
                        name="q",
                        placeholder=t("Search my messages"),
                        aria_label=t("Search my messages"),
                        max_length=100,
                        width="100%",
                    ),
                    rx.button(t("Search"), type="submit"),
                    width="100%",
                ),
                on_submit=s.search,
                role="search",
                width="100%",
            ),
            rx.cond(
                s.searched != "",
                rx.card(
                    rx.hstack(
                        rx.text(t("Messages with “{q}”", q=s.searched), weight="bold", size="2"),
                        rx.spacer(),
                        rx.button(t("Close"), size="1", variant="ghost", on_click=s.clear_search),
                        width="100%",
                    ),
                    rx.cond(
                        s.hits.length() > 0,
                        rx.el.ul(rx.foreach(s.hits, _hit), style={"padding": "0", "margin": "0"}),
                        rx.text(t("Nothing found."), size="2", color=rx.color("gray", 11)),
                    ),
                    width="100%",
                    id="message-search-results",
                ),
            ),
            rx.hstack(
                rx.button(
                    t("Inbox"),
                    variant=rx.cond(s.archived, "soft", "solid"),
                    on_click=s.show_archived(False),
                    aria_pressed=rx.cond(s.archived, "false", "true"),
                    size="2",
                ),
                rx.button(
                    t("Archived"),
                    variant=rx.cond(s.archived, "solid", "soft"),
                    on_click=s.show_archived(True),
                    aria_pressed=rx.cond(s.archived, "true", "false"),
                    size="2",
                ),
                spacing="2",
                role="group",
                aria_label=t("Show"),
            ),
            paged_list(
                s,
                s.rows,
                _row,
                list_id="conversations",
                empty=t(
                    "No conversations yet. Ask a maker about a piece from its "
                    "listing page, or message someone from their profile."
                ),
            ),
            spacing="4",
            width="100%",
        ),
        width="760px",
    )


# --- a conversation ---------------------------------------------------------------------


_SCROLL_TO_END = rx.call_script(
    "setTimeout(() => { const el = document.getElementById('message-list');"
    " if (el) el.scrollTop = el.scrollHeight; }, 50)"
)


def _message(m: rx.Var[MessageView]) -> rx.Component:
    bubble = rx.box(
        rx.cond(
            m.photo != "",
            rx.link(
                rx.image(
                    src=upload_src(m.photo),
                    alt=t("Image sent by {name}", name=m.sender_name),
                    max_width="280px",
                    border_radius="8px",
                ),
                href=upload_src(m.photo_full),
                is_external=True,
            ),
        ),
        rich_text(m.segments),
        padding="0.5rem 0.75rem",
        border_radius="12px",
        background_color=rx.cond(m.mine, rx.color("tomato", 4), rx.color("gray", 3)),
        max_width="75%",
        style={"white-space": "pre-wrap", "overflow-wrap": "anywhere"},
    )
    return rx.el.li(
        rx.vstack(
            rx.cond(
                m.mine,
                rx.fragment(),
                rx.text(m.sender_name, size="1", color=rx.color("gray", 11)),
            ),
            bubble,
            rx.hstack(
                rx.text(
                    m.when,
                    rx.cond(
                        m.mine,
                        rx.cond(
                            m.id <= ConversationState.read_up_to,
                            t(" · Read"),
                            t(" · Sent"),
                        ),
                        "",
                    ),
                    size="1",
                    color=rx.color("gray", 11),
                    class_name="sm-message-status",
                ),
                rx.cond(m.mine, rx.fragment(), report_dialog("message", m.id)),
                spacing="2",
                align="center",
            ),
            spacing="1",
            align=rx.cond(m.mine, "end", "start"),
            width="100%",
        ),
        class_name=rx.cond(m.mine, "sm-message sm-mine", "sm-message"),
        list_style="none",
        id="message-" + m.id.to_string(),
    )


def _member(member: rx.Var[MemberView]) -> rx.Component:
    s = ConversationState
    return rx.hstack(
        avatar(member.avatar, member.initials, size="1"),
        rx.link(member.name, href="/u/" + member.handle, size="2"),
        rx.cond(
            s.conversation.is_creator & (member.id != s.conversation.members[0].id),
            rx.button(
                t("Remove"),
                size="1",
                variant="ghost",
                color_scheme="red",
                on_click=s.remove_member(member.id),
                aria_label=t("Remove {name}", name=member.name),
            ),
        ),
        spacing="2",
        align="center",
    )


def _group_panel() -> rx.Component:
    s = ConversationState
    return rx.card(
        rx.vstack(
            rx.text(t("People in this group"), weight="bold", size="2"),
            rx.foreach(s.conversation.members, _member),
            rx.cond(
                s.conversation.is_creator,
                rx.form(
                    rx.hstack(
                        rx.input(
                            name="handle",
                            placeholder="@handle",
                            aria_label=t("Add someone by handle"),
                            size="1",
                        ),
                        rx.button(t("Add"), size="1", type="submit"),
                        spacing="2",
                    ),
                    on_submit=s.add_member,
                    reset_on_submit=True,
                ),
            ),
            rx.cond(
                s.member_error != "",
                rx.text(s.member_error, color=rx.color("red", 11), size="2", role="alert"),
            ),
            rx.button(
                t("Leave the group"),
                size="1",
                variant="soft",
                color_scheme="gray",
                on_click=s.leave,
            ),
            spacing="2",
            align="start",
        ),
        width="100%",
    )


def conversation_page() -> rx.Component:
    s = ConversationState
    c = s.conversation
    return page(
        rx.cond(
            s.found,
            rx.cond(
                c,
                rx.vstack(
                    rx.hstack(
                        rx.link(t("← Messages"), href="/messages", size="2"),
                        rx.spacer(),
                        rx.button(
                            rx.cond(c.archived, t("Move to inbox"), t("Archive")),
                            size="1",
                            variant="soft",
                            color_scheme="gray",
                            on_click=s.set_archived(~c.archived),
                        ),
                        report_dialog("conversation", c.id, id="report-conversation"),
                        width="100%",
                    ),
                    rx.heading(c.title, size="6", as_="h1"),
                    rx.cond(
                        c.subject,
                        rx.link(
                            rx.card(
                                rx.hstack(
                                    rx.cond(
                                        c.subject.photo_url != "",
                                        rx.image(
                                            src=upload_src(c.subject.photo_url),
                                            alt="",
                                            width="56px",
                                            height="56px",
                                            style={"object-fit": "cover", "border-radius": "6px"},
                                        ),
                                        rx.icon("package", size=28, aria_hidden="true"),
                                    ),
                                    rx.vstack(
                                        rx.text(
                                            rx.cond(
                                                c.subject.kind == "order",
                                                t("About the order"),
                                                t("About this piece"),
                                            ),
                                            size="1",
                                            color=rx.color("gray", 11),
                                        ),
                                        rx.text(c.subject.title, weight="medium"),
                                        rx.text(c.subject.detail, size="1"),
                                        spacing="0",
                                    ),
                                    spacing="3",
                                    align="center",
                                ),
                                id="conversation-subject",
                            ),
                            href=c.subject.url,
                            underline="none",
                            color=rx.color("gray", 12),
                        ),
                    ),
                    rx.cond(c.is_group, _group_panel()),
                    # New messages come by push (state/live.py): scroll to them.
                    on_change(s.newest, _SCROLL_TO_END),
                    rx.box(
                        rx.cond(
                            s.older != 0,
                            rx.center(
                                rx.button(
                                    t("Load older messages"),
                                    size="1",
                                    variant="soft",
                                    on_click=s.load_older,
                                    id="load-older",
                                ),
                                padding="0.5rem",
                            ),
                        ),
                        rx.el.ul(
                            rx.foreach(s.messages, _message),
                            rx.foreach(
                                s.pending,
                                lambda text: rx.el.li(
                                    rx.vstack(
                                        rx.box(
                                            rx.text(text),
                                            padding="0.5rem 0.75rem",
                                            border_radius="12px",
                                            background_color=rx.color("tomato", 3),
                                            opacity="0.7",
                                        ),
                                        rx.text(
                                            t("Sending…"), size="1", color=rx.color("gray", 11)
                                        ),
                                        align="end",
                                        spacing="1",
                                        width="100%",
                                    ),
                                    list_style="none",
                                    class_name="sm-message sm-pending",
                                ),
                            ),
                            style={
                                "padding": "0",
                                "margin": "0",
                                "display": "flex",
                                "flex-direction": "column",
                                "gap": "0.75rem",
                            },
                            aria_live="polite",
                        ),
                        id="message-list",
                        max_height="55vh",
                        overflow_y="auto",
                        width="100%",
                        padding="0.5rem",
                        border=f"1px solid {rx.color('gray', 5)}",
                        border_radius="8px",
                    ),
                    rx.cond(
                        c.can_send,
                        rx.form(
                            rx.hstack(
                                rx.input(
                                    name="body",
                                    id="message-body",
                                    placeholder=t("Write a message, Enter sends"),
                                    aria_label=t("Message"),
                                    max_length=4000,
                                    auto_complete="off",
                                    width="100%",
                                ),
                                rx.upload.root(
                                    rx.button(
                                        rx.icon("image_plus", size=16, aria_hidden="true"),
                                        type="button",
                                        variant="soft",
                                        loading=s.uploading,
                                        aria_label=t("Attach an image"),
                                    ),
                                    id="message-photo",
                                    custom_attrs={"data-file-label": t("Attach an image")},
                                    multiple=False,
                                    accept={"image/*": [".jpg", ".jpeg", ".png", ".webp", ".gif"]},
                                    max_files=1,
                                    on_drop=s.attach(rx.upload_files(upload_id="message-photo")),
                                ),
                                rx.button(t("Send"), type="submit", id="message-send"),
                                width="100%",
                            ),
                            on_submit=s.send,
                            reset_on_submit=True,
                            width="100%",
                        ),
                        rx.callout(
                            rx.cond(
                                c.closed,
                                t("Our moderators closed this conversation."),
                                t("You can't send messages in this conversation."),
                            ),
                            icon="info",
                            color_scheme="gray",
                            id="conversation-closed",
                        ),
                    ),
                    rx.cond(
                        s.photo_preview != "",
                        rx.hstack(
                            rx.image(
                                src=upload_src(s.photo_preview),
                                alt=t("Image to send"),
                                width="72px",
                                id="message-photo-preview",
                            ),
                            rx.button(
                                t("Remove image"),
                                size="1",
                                variant="ghost",
                                color_scheme="gray",
                                on_click=s.remove_photo,
                            ),
                            align="center",
                            spacing="2",
                        ),
                    ),
                    form_error(s.error),
                    rx.cond(
                        s.field_errors.length() > 0,
                        rx.foreach(
                            s.field_errors.values(),
                            lambda e: rx.text(e, color=rx.color("red", 11), size="2", role="alert"),
                        ),
                    ),
                    spacing="3",
                    width="100%",
                ),
            ),
            rx.card(
                rx.heading(t("We couldn't find that conversation."), size="5", as_="h1"),
                rx.link(t("Back to your messages"), href="/messages"),
            ),
        ),
        width="760px",
    )
