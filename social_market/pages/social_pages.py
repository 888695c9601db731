"""Social pages and sections: the feed, a post's and a shared purchase's pages, the
post composer and posts on shop pages, activity on profiles, privacy settings, and
the share-a-purchase dialog."""

from __future__ import annotations

import reflex as rx

from social_market.components.avatar import avatar
from social_market.components.comments import comment_thread
from social_market.components.feed_card import card_list
from social_market.components.fields import field, form_error, form_notice
from social_market.components.layout import page
from social_market.components.listing_card import upload_src
from social_market.components.live import on_change
from social_market.components.recommendations import (
    recommendations_section,
    taste_neighbours_section,
)
from social_market.i18n.ui import t
from social_market.state.live import LiveState
from social_market.state.social import (
    CommentsState,
    FeedState,
    ItemPageState,
    PostComposerState,
    PrivacySettingsState,
    ProfileActivityState,
    ShareDialogState,
    ShopPostsState,
)


def _empty(message: rx.Var | str) -> rx.Component:
    return rx.card(
        rx.text(message, color=rx.color("gray", 11)),
        width="100%",
    )


def feed_page() -> rx.Component:
    s = FeedState

    def tab_button(key: str, label):
        return rx.button(
            label,
            variant=rx.cond(s.tab == key, "solid", "soft"),
            size="2",
            on_click=s.set_tab(key),
            aria_pressed=rx.cond(s.tab == key, "true", "false"),
        )

    return page(
        rx.flex(
            rx.vstack(
                rx.heading(t("Your feed"), size="7", as_="h1"),
                rx.hstack(
                    tab_button("all", t("Everything")),
                    tab_button("makers", t("Makers")),
                    tab_button("people", t("People")),
                    spacing="2",
                    role="group",
                    aria_label=t("Show"),
                ),
                # Remounts whenever someone I follow does something: is it new for this page?
                on_change(LiveState.feed_pings, s.check_new),
                rx.cond(
                    s.has_new,
                    rx.button(
                        rx.icon("arrow_up", size=16, aria_hidden="true"),
                        t("New activity — show it"),
                        on_click=s.show_new,
                        color_scheme="grass",
                        id="new-activity",
                        role="status",
                    ),
                ),
                card_list(
                    s,
                    _empty(
                        t(
                            "Nothing here yet. Follow makers and people to see their news, "
                            "new pieces and what they loved."
                        )
                    ),
                ),
                spacing="4",
                width="100%",
                max_width="720px",
                flex="1 1 480px",
                min_width="0",
            ),
            rx.el.aside(
                rx.vstack(
                    recommendations_section(columns="2"),
                    taste_neighbours_section(),
                    spacing="5",
                    width="100%",
                ),
                aria_label=t("Suggestions"),
                style={"flex": "1 1 280px", "max-width": "400px", "min-width": "0"},
            ),
            direction="row",
            wrap="wrap",
            gap="2rem",
            width="100%",
            align="start",
        ),
    )


def item_page() -> rx.Component:
    """/post/<id> and /shared/<id>."""
    s = ItemPageState
    return page(
        rx.cond(
            s.found,
            rx.vstack(
                card_list(s, rx.fragment()),
                comment_thread(CommentsState),
                spacing="5",
                width="100%",
            ),
            rx.vstack(
                rx.heading(t("Not found"), size="7", as_="h1"),
                rx.text(t("This isn't here, or it isn't shared with you.")),
                spacing="3",
            ),
        ),
        width="720px",
    )


def _composer() -> rx.Component:
    s = PostComposerState
    errors = s.field_errors
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(t("Post to your followers"), size="4", as_="h2"),
                rx.hstack(
                    rx.el.label(t("Kind of post"), html_for="post-kind", class_name="sm-label"),
                    rx.select.root(
                        rx.select.trigger(id="post-kind"),
                        rx.select.content(
                            rx.select.item(t("News"), value="news"),
                            rx.select.item(t("Special offer"), value="offer"),
                            rx.select.item(t("Question to followers"), value="question"),
                        ),
                        value=s.kind,
                        on_change=s.set_kind,
                    ),
                    spacing="3",
                    align="center",
                ),
                field(t("Text"), "body", errors, multiline=True, max_length=2000),
                rx.cond(
                    s.kind == "offer",
                    rx.grid(
                        field(t("Offer price"), "offer_price", errors, placeholder="19.50"),
                        field(t("or discount in %"), "offer_percent", errors, placeholder="15"),
                        field(t("Valid until"), "offer_until", errors, type="date"),
                        rx.el.label(
                            rx.checkbox(name="followers_only"),
                            t("Only for my followers"),
                            style={"display": "flex", "gap": "8px", "align-items": "center"},
                        ),
                        columns={"initial": "1", "sm": "2"},
                        gap="3",
                        width="100%",
                    ),
                ),
                rx.cond(
                    s.my_listings.length() > 0,
                    rx.vstack(
                        rx.el.label(
                            t("About one of your pieces (optional)"),
                            html_for="post-listing",
                            class_name="sm-label",
                        ),
                        rx.el.select(
                            rx.el.option("—", value=""),
                            rx.foreach(
                                s.my_listings,
                                lambda item: rx.el.option(item.title, value=item.id.to(str)),
                            ),
                            name="listing",
                            id="post-listing",
                            class_name="sm-native-select",
                        ),
                        rx.cond(
                            errors.contains("listings"),
                            rx.text(
                                errors["listings"].to(str), color=rx.color("red", 11), size="1"
                            ),
                        ),
                        spacing="1",
                        width="100%",
                        align="start",
                    ),
                ),
                rx.hstack(
                    rx.foreach(
                        s.photo_previews,
                        lambda url, i: rx.box(
                            rx.image(src=upload_src(url), alt="", width="72px", height="72px"),
                            rx.icon_button(
                                rx.icon("x", size=12),
                                size="1",
                                variant="soft",
                                type="button",
                                on_click=s.remove_photo(i),
                                aria_label=t("Remove photo"),
                            ),
                            position="relative",
                        ),
                    ),
                    rx.upload.root(
                        rx.button(
                            rx.icon("image_plus", size=16, aria_hidden="true"),
                            t("Add photos"),
                            type="button",
                            variant="soft",
                            loading=s.uploading,
                        ),
                        id="post-photos",
                        custom_attrs={"data-file-label": t("Add photos")},
                        accept={"image/*": [".jpg", ".jpeg", ".png", ".webp", ".gif"]},
                        max_files=4,
                        multiple=True,
                        on_drop=s.upload_photos(rx.upload_files(upload_id="post-photos")),
                    ),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                rx.cond(
                    errors.contains("photos"),
                    rx.text(
                        errors["photos"].to(str), color=rx.color("red", 11), size="1", role="alert"
                    ),
                ),
                form_error(s.error),
                rx.hstack(
                    rx.button(t("Post"), type="submit", id="post-submit"),
                    rx.spacer(),
                    rx.el.label(
                        rx.switch(
                            checked=s.announce_new_pieces,
                            on_change=s.set_announce,
                        ),
                        t("Announce new pieces automatically"),
                        style={"display": "flex", "gap": "8px", "align-items": "center"},
                    ),
                    width="100%",
                    align="center",
                    wrap="wrap",
                ),
                spacing="3",
                width="100%",
            ),
            on_submit=s.submit,
            id="post-composer",
        ),
        width="100%",
    )


def shop_posts_section(is_owner: rx.Var[bool]) -> rx.Component:
    """The shop page's posts, with the composer for its owner."""
    return rx.vstack(
        rx.heading(t("News from the maker"), size="5", as_="h2"),
        rx.cond(is_owner, _composer()),
        card_list(ShopPostsState, _empty(t("No posts yet."))),
        spacing="3",
        width="100%",
        max_width="720px",
        id="shop-posts",
    )


def profile_activity_section() -> rx.Component:
    return rx.vstack(
        rx.heading(t("Activity"), size="5", as_="h2"),
        card_list(ProfileActivityState, _empty(t("Nothing to show here."))),
        spacing="3",
        width="100%",
        max_width="720px",
        id="profile-activity",
    )


def _choice(label, field_name: str, value, options: list[tuple[str, rx.Var | str]]):
    s = PrivacySettingsState
    return rx.vstack(
        rx.text(label, weight="medium", id=f"label-{field_name}"),
        rx.radio_group.root(
            rx.flex(
                *[
                    rx.el.label(
                        rx.radio_group.item(value=key),
                        text,
                        style={"display": "flex", "gap": "6px", "align-items": "center"},
                    )
                    for key, text in options
                ],
                gap="4",
                wrap="wrap",
            ),
            value=value,
            on_change=lambda v: s.set_choice(field_name, v),
            name=field_name,
            aria_labelledby=f"label-{field_name}",
        ),
        spacing="2",
        align="start",
    )


def privacy_settings_page() -> rx.Component:
    from social_market.pages.settings_pages import _tabs

    s = PrivacySettingsState
    audience = [("everyone", t("Everyone")), ("followers", t("My followers")), ("me", t("Only me"))]
    return page(
        rx.vstack(
            rx.heading(t("Settings"), size="7", as_="h1"),
            _tabs("privacy"),
            rx.card(
                rx.form(
                    rx.vstack(
                        rx.heading(t("Who can see what"), size="4", as_="h2"),
                        _choice(
                            t("Whom I follow and who follows me"), "follows", s.follows, audience
                        ),
                        _choice(t("What I favourite"), "favourites", s.favourites, audience),
                        _choice(
                            t("My activity (favourites and follows in feeds)"),
                            "activity",
                            s.activity,
                            audience,
                        ),
                        _choice(
                            t("When I share a purchase, it goes first to"),
                            "share_default",
                            s.share_default,
                            [
                                ("nobody", t("Nobody")),
                                ("followers", t("My followers")),
                                ("everyone", t("Everyone")),
                            ],
                        ),
                        _choice(
                            t("Who can message me"),
                            "messages_from",
                            s.messages_from,
                            [
                                ("everyone", t("Everyone")),
                                ("following", t("People I follow")),
                                ("orders", t("Only shops and buyers I have orders with")),
                            ],
                        ),
                        _choice(
                            t("In “Best rated for me”, ratings from people I follow count"),
                            "trust",
                            s.trust,
                            [
                                ("0", t("the same as everyone's")),
                                ("25", t("a little more")),
                                ("50", t("as much as everyone's together")),
                                ("75", t("much more")),
                                ("100", t("alone")),
                            ],
                        ),
                        rx.el.label(
                            rx.switch(checked=s.discoverable, on_change=s.set_discoverable),
                            t("Let people find me in people search"),
                            style={"display": "flex", "gap": "8px", "align-items": "center"},
                        ),
                        form_error(s.error),
                        form_notice(s.notice),
                        rx.button(t("Save privacy settings"), type="submit"),
                        spacing="4",
                        align="start",
                        width="100%",
                    ),
                    on_submit=s.save,
                ),
                width="100%",
            ),
            rx.card(
                rx.vstack(
                    rx.heading(t("Muted people"), size="4", as_="h2"),
                    rx.text(
                        t("Muted people don't appear in your feed. They aren't told."),
                        size="2",
                        color=rx.color("gray", 11),
                    ),
                    rx.foreach(
                        s.muted,
                        lambda p: rx.hstack(
                            avatar(p.avatar_url, p.initials, size="2"),
                            rx.link(p.display_name, href="/u/" + p.handle),
                            rx.spacer(),
                            rx.button(
                                t("Unmute"),
                                size="1",
                                variant="soft",
                                on_click=s.unmute(p.id),
                                aria_label=t("Unmute {name}", name=p.display_name),
                            ),
                            width="100%",
                            align="center",
                        ),
                    ),
                    rx.cond(
                        s.muted.length() == 0,
                        rx.text(t("You haven't muted anyone."), size="2"),
                    ),
                    spacing="3",
                    width="100%",
                ),
                width="100%",
                id="muted-people",
            ),
            spacing="4",
            width="100%",
        ),
        width="720px",
    )


def share_dialog() -> rx.Component:
    """Share one bought item (opened from the buyer's order page)."""
    s = ShareDialogState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("Share what you bought")),
            rx.dialog.description(
                t("Shared purchases never show the price, your address or the order number."),
                size="2",
            ),
            rx.form(
                rx.vstack(
                    rx.text(s.title, weight="bold"),
                    rx.radio_group.root(
                        rx.flex(
                            *[
                                rx.el.label(
                                    rx.radio_group.item(value=key),
                                    text,
                                    style={
                                        "display": "flex",
                                        "gap": "6px",
                                        "align-items": "center",
                                    },
                                )
                                for key, text in (
                                    ("nobody", t("Nobody")),
                                    ("followers", t("My followers")),
                                    ("everyone", t("Everyone")),
                                )
                            ],
                            gap="4",
                            wrap="wrap",
                        ),
                        value=s.audience,
                        on_change=s.set_audience,
                        name="audience",
                        aria_label=t("Who can see it"),
                    ),
                    field(
                        t("What do you say about it?"),
                        "comment",
                        s.field_errors,
                        multiline=True,
                        default_value=s.comment,
                        max_length=1000,
                    ),
                    rx.hstack(
                        rx.cond(
                            s.photo_preview != "",
                            rx.image(src=upload_src(s.photo_preview), alt="", width="72px"),
                        ),
                        rx.upload.root(
                            rx.button(
                                rx.icon("camera", size=16, aria_hidden="true"),
                                t("Add your photo"),
                                type="button",
                                variant="soft",
                                loading=s.uploading,
                            ),
                            id="share-photo",
                            custom_attrs={"data-file-label": t("Add your photo")},
                            multiple=False,
                            accept={"image/*": [".jpg", ".jpeg", ".png", ".webp", ".gif"]},
                            max_files=1,
                            on_drop=s.upload_photo(rx.upload_files(upload_id="share-photo")),
                        ),
                        spacing="3",
                        align="center",
                    ),
                    rx.cond(
                        s.field_errors.contains("photo"),
                        rx.text(
                            s.field_errors["photo"].to(str), color=rx.color("red", 11), size="1"
                        ),
                    ),
                    form_error(s.error),
                    rx.hstack(
                        rx.dialog.close(rx.button(t("Cancel"), variant="soft", type="button")),
                        rx.button(t("Save"), type="submit", id="share-save"),
                        spacing="3",
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=s.save,
            ),
        ),
        open=s.open,
        on_open_change=lambda _: s.close(),
    )
