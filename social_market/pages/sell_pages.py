"""The maker's pages: open/edit the shop, and the listing editor."""

from __future__ import annotations

import reflex as rx

from social_market import urls
from social_market.components.buttons import link_button
from social_market.components.fields import (
    check_field,
    field,
    form_error,
    form_notice,
    select_field,
)
from social_market.components.group_orders import tier_editor
from social_market.components.layout import page
from social_market.components.listing_card import listing_photo, upload_src
from social_market.i18n.ui import t
from social_market.services.listings import PhotoPublic
from social_market.state.sell import ListingEditorState, ShopEditorState

IMAGE_TYPES = {
    "image/png": [".png"],
    "image/jpeg": [".jpg", ".jpeg"],
    "image/webp": [".webp"],
    "image/gif": [".gif"],
}


def upload_button(label, upload_id: str, on_drop, *, multiple: bool = False) -> rx.Component:
    return rx.upload.root(
        rx.button(rx.icon("upload", size=16), label, variant="soft", type="button"),
        id=upload_id,
        custom_attrs={"data-file-label": label},
        max_files=10 if multiple else 1,
        multiple=multiple,
        accept=IMAGE_TYPES,
        on_drop=on_drop,
        border="none",
        padding="0",
    )


def sell_nav(active: str) -> rx.Component:
    def tab(label, href: str, key: str):
        return link_button(
            label,
            href,
            variant="solid" if key == active else "soft",
            size="2",
            aria_current="page" if key == active else None,
        )

    return rx.hstack(
        tab(t("Dashboard"), urls.SELL, "dashboard"),
        tab(t("Orders"), urls.SELL_ORDERS, "orders"),
        tab(t("Wishes"), urls.SELL_WISHES, "wishes"),
        tab(t("What people say"), urls.SELL_LISTENING, "listening"),
        tab(t("New listing"), urls.SELL_LISTING_NEW, "new"),
        tab(t("Shop settings"), urls.SELL_SHOP, "shop"),
        tab(t("Vouchers"), urls.SELL_VOUCHERS, "vouchers"),
        spacing="2",
        wrap="wrap",
    )


def _rate_row(zone_label, zone: str) -> rx.Component:
    s = ShopEditorState
    return rx.grid(
        rx.text(zone_label, size="2", weight="medium", align_self="center"),
        field(
            t("First item (€)"),
            f"{zone}_first",
            s.field_errors,
            default_value=getattr(s.form, f"{zone}_first"),
            inputmode="decimal",
            key=getattr(s.form, f"{zone}_first"),
        ),
        field(
            t("Each additional item (€)"),
            f"{zone}_additional",
            s.field_errors,
            default_value=getattr(s.form, f"{zone}_additional"),
            inputmode="decimal",
            key=getattr(s.form, f"{zone}_additional"),
        ),
        columns={"initial": "1", "sm": "3"},
        gap="0.75rem",
        width="100%",
    )


def shop_editor_page() -> rx.Component:
    s = ShopEditorState
    f = s.form
    return page(
        rx.vstack(
            rx.heading(
                rx.cond(s.has_shop, t("Shop settings"), t("Open your shop")), size="7", as_="h1"
            ),
            rx.cond(s.has_shop, sell_nav("shop")),
            rx.cond(
                s.has_shop,
                rx.card(
                    rx.vstack(
                        rx.heading(t("Logo and banner"), size="4", as_="h2"),
                        rx.cond(
                            s.banner_url != "",
                            rx.image(
                                src=upload_src(s.banner_url),
                                alt=t("Shop banner"),
                                class_name="sm-banner",
                            ),
                        ),
                        rx.hstack(
                            rx.cond(
                                s.logo_url != "",
                                rx.image(
                                    src=upload_src(s.logo_url),
                                    alt=t("Shop logo"),
                                    width="64px",
                                    height="64px",
                                    border_radius="8px",
                                ),
                            ),
                            upload_button(
                                t("Choose a logo"),
                                "logo-upload",
                                s.upload_logo(rx.upload_files(upload_id="logo-upload")),
                            ),
                            upload_button(
                                t("Choose a banner"),
                                "banner-upload",
                                s.upload_banner(rx.upload_files(upload_id="banner-upload")),
                            ),
                            spacing="3",
                            align="center",
                            wrap="wrap",
                        ),
                        rx.text(
                            t("JPEG, PNG, WebP or GIF, up to 5 MB. Banners are cropped to 4:1."),
                            size="1",
                            color=rx.color("gray", 11),
                        ),
                        rx.cond(
                            s.image_error != "",
                            rx.text(s.image_error, color=rx.color("red", 11), role="alert"),
                        ),
                        spacing="3",
                        align="start",
                    ),
                    width="100%",
                ),
            ),
            rx.form(
                rx.vstack(
                    form_error(s.error),
                    form_notice(s.notice),
                    rx.card(
                        rx.vstack(
                            rx.heading(t("About the shop"), size="4", as_="h2"),
                            field(
                                t("Shop name"),
                                "name",
                                s.field_errors,
                                default_value=f.name,
                                key=f.name,
                            ),
                            rx.cond(
                                s.has_shop,
                                rx.text(
                                    t("Your shop's address:"),
                                    " ",
                                    rx.link(s.shop_url, href=s.shop_url, underline="always"),
                                    size="2",
                                ),
                                field(
                                    t("Shop address"),
                                    "slug",
                                    s.field_errors,
                                    hint=t("3–40 letters a–z, digits and hyphens: /shop/your-name"),
                                    default_value=f.slug,
                                    key=f.slug,
                                ),
                            ),
                            field(
                                t("About"),
                                "about",
                                s.field_errors,
                                multiline=True,
                                hint=t("Who you are, how you make things."),
                                default_value=f.about,
                                key=f.about,
                            ),
                            rx.grid(
                                field(
                                    t("City"),
                                    "city",
                                    s.field_errors,
                                    default_value=f.city,
                                    key=f.city,
                                ),
                                select_field(
                                    t("Country"),
                                    "country",
                                    s.country_options,
                                    s.field_errors,
                                    default_value=f.country,
                                ),
                                columns={"initial": "1", "sm": "2"},
                                gap="0.75rem",
                                width="100%",
                            ),
                            spacing="3",
                            width="100%",
                        ),
                    ),
                    rx.card(
                        rx.vstack(
                            rx.heading(t("Shipping"), size="4", as_="h2"),
                            rx.text(
                                t("Leave a destination empty if you don't ship there."),
                                size="2",
                                color=rx.color("gray", 11),
                            ),
                            _rate_row(t("Within your country"), "domestic"),
                            _rate_row(t("Rest of the EU"), "eu"),
                            _rate_row(t("Rest of the world"), "world"),
                            field(
                                t("Shipping policy"),
                                "shipping_policy",
                                s.field_errors,
                                multiline=True,
                                default_value=f.shipping_policy,
                                key=f.shipping_policy,
                            ),
                            field(
                                t("Returns policy"),
                                "returns_policy",
                                s.field_errors,
                                multiline=True,
                                default_value=f.returns_policy,
                                key=f.returns_policy,
                            ),
                            spacing="3",
                            width="100%",
                        ),
                    ),
                    rx.card(
                        rx.vstack(
                            rx.heading(t("Getting paid"), size="4", as_="h2"),
                            check_field(
                                t("Bank transfer"),
                                "accepts_bank_transfer",
                                default_checked=f.accepts_bank_transfer,
                            ),
                            field(
                                t("Bank details"),
                                "payment_details",
                                s.field_errors,
                                multiline=True,
                                hint=t(
                                    "Account holder, IBAN and BIC. Shown only to buyers on "
                                    "their bank-transfer orders."
                                ),
                                default_value=f.payment_details,
                                key=f.payment_details,
                            ),
                            check_field(
                                t("Buyers can pay when they pick up"),
                                "accepts_pickup",
                                default_checked=f.accepts_pickup,
                            ),
                            spacing="3",
                            width="100%",
                        ),
                    ),
                    rx.button(
                        rx.cond(s.has_shop, t("Save shop"), t("Open shop")),
                        type="submit",
                        size="3",
                        id="save-shop",
                    ),
                    spacing="4",
                    width="100%",
                ),
                on_submit=s.save,
                width="100%",
            ),
            spacing="5",
            width="100%",
            max_width="760px",
        ),
    )


def _photo_tile(photo: rx.Var[PhotoPublic], index: rx.Var[int]) -> rx.Component:
    s = ListingEditorState
    return rx.card(
        rx.vstack(
            listing_photo(photo.grid_url, photo.alt, aspect_ratio="1", object_fit="cover"),
            rx.cond(index == 0, rx.badge(t("Cover photo"), variant="soft")),
            rx.form(
                rx.hstack(
                    rx.input(
                        name="alt",
                        default_value=photo.alt,
                        aria_label=t("Photo description"),
                        size="1",
                        width="100%",
                        key=photo.alt,
                    ),
                    # The form's submit handler is hoisted out of the loop, so the photo's
                    # id travels in the form data.
                    rx.el.input(type="hidden", name="photo_id", value=photo.id.to(str)),
                    rx.button(t("Save"), size="1", variant="soft", type="submit"),
                    spacing="1",
                    width="100%",
                ),
                on_submit=s.save_alt,
                width="100%",
            ),
            rx.hstack(
                rx.icon_button(
                    rx.icon("arrow_left", size=14),
                    size="1",
                    variant="soft",
                    aria_label=t("Move earlier"),
                    on_click=s.move_photo(photo.id, -1),
                    type="button",
                ),
                rx.icon_button(
                    rx.icon("arrow_right", size=14),
                    size="1",
                    variant="soft",
                    aria_label=t("Move later"),
                    on_click=s.move_photo(photo.id, 1),
                    type="button",
                ),
                rx.spacer(),
                rx.icon_button(
                    rx.icon("trash_2", size=14),
                    size="1",
                    variant="soft",
                    color_scheme="red",
                    aria_label=t("Remove photo"),
                    on_click=s.remove_photo(photo.id),
                    type="button",
                ),
                width="100%",
            ),
            spacing="2",
            width="100%",
        ),
        class_name="sm-photo-tile",
    )


def listing_editor_page() -> rx.Component:
    s = ListingEditorState
    f = s.form
    is_new = f.id == 0
    return page(
        rx.vstack(
            rx.heading(rx.cond(is_new, t("New listing"), t("Edit listing")), size="7", as_="h1"),
            rx.cond(is_new, sell_nav("new"), sell_nav("")),
            rx.cond(
                s.not_found,
                rx.callout(
                    t("We couldn't find that listing."), icon="circle_alert", color_scheme="red"
                ),
                rx.vstack(
                    rx.cond(
                        ~is_new,
                        rx.hstack(
                            rx.badge(
                                rx.match(
                                    f.state,
                                    ("draft", t("Draft")),
                                    ("active", t("Active")),
                                    ("sold_out", t("Sold out")),
                                    ("paused", t("Paused")),
                                    ("hidden", t("Hidden by moderators")),
                                    f.state,
                                ),
                                size="2",
                                id="listing-state",
                            ),
                            link_button(t("Preview"), f.url, variant="soft", size="2"),
                            rx.cond(
                                (f.state == "draft") | (f.state == "paused"),
                                rx.button(
                                    t("Publish"), on_click=s.publish, size="2", id="publish-listing"
                                ),
                            ),
                            rx.cond(
                                (f.state == "active") | (f.state == "sold_out"),
                                rx.button(t("Pause"), on_click=s.pause, size="2", variant="soft"),
                            ),
                            rx.alert_dialog.root(
                                rx.alert_dialog.trigger(
                                    rx.button(
                                        t("Delete"), size="2", variant="soft", color_scheme="red"
                                    )
                                ),
                                rx.alert_dialog.content(
                                    rx.alert_dialog.title(t("Delete this listing?")),
                                    rx.alert_dialog.description(
                                        t("It disappears from your shop. Orders keep their copy.")
                                    ),
                                    rx.hstack(
                                        rx.alert_dialog.cancel(
                                            rx.button(t("Cancel"), variant="soft")
                                        ),
                                        rx.alert_dialog.action(
                                            rx.button(
                                                t("Delete"), color_scheme="red", on_click=s.delete
                                            )
                                        ),
                                        spacing="3",
                                        justify="end",
                                        margin_top="1rem",
                                    ),
                                ),
                            ),
                            spacing="2",
                            align="center",
                            wrap="wrap",
                        ),
                    ),
                    form_error(s.error),
                    form_notice(s.notice),
                    rx.cond(
                        ~is_new,
                        rx.card(
                            rx.vstack(
                                rx.heading(t("Photos"), size="4", as_="h2"),
                                rx.text(
                                    t(
                                        "Up to 10 photos. The first one is the cover. Describe each "
                                        "photo for people who can't see it."
                                    ),
                                    size="2",
                                    color=rx.color("gray", 11),
                                ),
                                rx.grid(
                                    rx.foreach(s.photos, _photo_tile),
                                    columns={"initial": "2", "sm": "3", "md": "4"},
                                    gap="0.75rem",
                                    width="100%",
                                ),
                                upload_button(
                                    t("Add photos"),
                                    "photo-upload",
                                    s.upload_photos(rx.upload_files(upload_id="photo-upload")),
                                    multiple=True,
                                ),
                                rx.cond(
                                    s.uploading, rx.text(t("Uploading…"), role="status", size="2")
                                ),
                                rx.cond(
                                    s.photo_error != "",
                                    rx.text(s.photo_error, color=rx.color("red", 11), role="alert"),
                                ),
                                spacing="3",
                                width="100%",
                                align="start",
                            ),
                            width="100%",
                        ),
                    ),
                    rx.form(
                        rx.card(
                            rx.vstack(
                                field(
                                    t("Title"),
                                    "title",
                                    s.field_errors,
                                    default_value=f.title,
                                    key=f.title,
                                ),
                                field(
                                    t("Description"),
                                    "description",
                                    s.field_errors,
                                    multiline=True,
                                    default_value=f.description,
                                    key=f.description,
                                    rows="8",
                                ),
                                rx.grid(
                                    field(
                                        t("Price (€)"),
                                        "price",
                                        s.field_errors,
                                        inputmode="decimal",
                                        placeholder="24.50",
                                        default_value=f.price,
                                        key=f.price,
                                    ),
                                    field(
                                        t("Quantity in stock"),
                                        "quantity",
                                        s.field_errors,
                                        inputmode="numeric",
                                        default_value=f.quantity,
                                        key=f.quantity,
                                    ),
                                    columns={"initial": "1", "sm": "2"},
                                    gap="0.75rem",
                                    width="100%",
                                ),
                                check_field(
                                    t("Made to order"),
                                    "made_to_order",
                                    default_checked=f.made_to_order,
                                ),
                                field(
                                    t("Days to make"),
                                    "lead_time_days",
                                    s.field_errors,
                                    inputmode="numeric",
                                    hint=t("Only for made-to-order pieces."),
                                    default_value=f.lead_time_days,
                                    key=f.lead_time_days,
                                ),
                                select_field(
                                    t("Category"),
                                    "category_id",
                                    s.category_options,
                                    s.field_errors,
                                    default_value=f.category_id,
                                    placeholder=t("Choose a category"),
                                    translate=True,
                                ),
                                field(
                                    t("Materials"),
                                    "materials",
                                    s.field_errors,
                                    hint=t("Separated by commas, e.g. merino wool, wood"),
                                    default_value=f.materials,
                                    key=f.materials,
                                ),
                                field(
                                    t("Tags"),
                                    "tags",
                                    s.field_errors,
                                    hint=t("Up to 13, separated by commas"),
                                    default_value=f.tags,
                                    key=f.tags,
                                ),
                                select_field(
                                    t("Language of this listing"),
                                    "language",
                                    [["en", "English"], ["de", "Deutsch"]],
                                    s.field_errors,
                                    default_value=f.language,
                                ),
                                rx.button(
                                    rx.cond(is_new, t("Save draft"), t("Save changes")),
                                    type="submit",
                                    size="3",
                                    id="save-listing",
                                ),
                                spacing="3",
                                width="100%",
                            ),
                        ),
                        on_submit=s.save,
                        width="100%",
                    ),
                    rx.cond(~is_new, tier_editor()),
                    spacing="4",
                    width="100%",
                ),
            ),
            spacing="5",
            width="100%",
            max_width="860px",
        )
    )
