"""Buyer-facing marketplace pages: a shop, a listing, one's favourites."""

from __future__ import annotations

import reflex as rx

from social_market import urls
from social_market.components.avatar import avatar
from social_market.components.buttons import link_button
from social_market.components.comments import comment_thread
from social_market.components.group_orders import buy_together_box
from social_market.components.layout import page
from social_market.components.listing_card import listing_grid, listing_photo, upload_src
from social_market.components.lists import save_to_list_dialog, saved_count_text
from social_market.components.offers import new_offer_link, offer_section
from social_market.components.report import report_dialog
from social_market.components.reviews import reviews_section
from social_market.components.rewards import shop_vouchers_section
from social_market.components.share import share_menu
from social_market.i18n.ui import t, t_var, tn
from social_market.pages.message_pages import message_button
from social_market.pages.social_pages import shop_posts_section
from social_market.services.listings import PhotoPublic
from social_market.services.shops import ShippingRatePublic, ShopPublic
from social_market.state.market import FavouritesState, ListingPageState, ShopPageState
from social_market.state.messages import StartConversationState
from social_market.state.rewards import ShopVouchersState
from social_market.state.social import CommentsState


def not_found_block(message) -> rx.Component:
    return rx.vstack(
        rx.heading(message, size="6", as_="h1"),
        link_button(t("Back to the home page"), urls.HOME, variant="soft"),
        spacing="4",
        align="start",
    )


def heart_button(is_on: rx.Var[bool], count: rx.Var[int], on_click, **props) -> rx.Component:
    return rx.button(
        rx.icon("heart", size=16, fill=rx.cond(is_on, "currentColor", "none")),
        rx.text(count, as_="span"),
        variant=rx.cond(is_on, "solid", "soft"),
        aria_pressed=rx.cond(is_on, "true", "false"),
        aria_label=rx.cond(is_on, t("Remove from favourites"), t("Add to favourites")),
        on_click=on_click,
        **props,
    )


def _zone_label(rate: rx.Var[ShippingRatePublic], country_name: rx.Var[str]) -> rx.Var:
    return rx.match(
        rate.zone,
        ("domestic", t("Within {country}", country=country_name)),
        ("eu", t("Rest of the EU")),
        t("Rest of the world"),
    )


def rates_table(shop: rx.Var[ShopPublic]) -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                rx.table.column_header_cell(t("Destination")),
                rx.table.column_header_cell(t("First item")),
                rx.table.column_header_cell(t("Each additional item")),
            )
        ),
        rx.table.body(
            rx.foreach(
                shop.rates,
                lambda r: rx.table.row(
                    rx.table.cell(_zone_label(r, shop.country_name)),
                    rx.table.cell(r.first_item),
                    rx.table.cell(r.additional_item),
                ),
            )
        ),
        size="1",
        variant="surface",
    )


def maker_card(shop: rx.Var[ShopPublic]) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.cond(
                shop.logo_url != "",
                rx.image(
                    src=upload_src(shop.logo_url),
                    alt="",
                    width="56px",
                    height="56px",
                    border_radius="8px",
                ),
                avatar(shop.owner_avatar_url, shop.initials, size="5"),
            ),
            rx.vstack(
                rx.link(rx.text(shop.name, weight="bold"), href=shop.url),
                rx.text(
                    t("by {name}", name=shop.owner_name),
                    " · ",
                    rx.link(
                        "@", shop.owner_handle, href="/u/" + shop.owner_handle, underline="always"
                    ),
                    size="2",
                    color=rx.color("gray", 11),
                ),
                rx.cond(
                    shop.city != "",
                    rx.text(shop.city, ", ", shop.country_name, size="2"),
                    rx.text(shop.country_name, size="2"),
                ),
                spacing="1",
                align="start",
            ),
            spacing="3",
            align="center",
        ),
        width="100%",
    )


# ---------------------------------------------------------------------- shop page


def shop_page() -> rx.Component:
    s = ShopPageState
    shop = s.shop
    return page(
        rx.cond(
            s.found & (shop != None),  # noqa: E711 - Var comparison builds JS
            rx.vstack(
                rx.cond(
                    shop.banner_url != "",
                    rx.image(src=upload_src(shop.banner_url), alt="", class_name="sm-banner"),
                ),
                rx.flex(
                    rx.cond(
                        shop.logo_url != "",
                        rx.image(
                            src=upload_src(shop.logo_url),
                            alt=t("Logo of {name}", name=shop.name),
                            width="96px",
                            height="96px",
                            border_radius="12px",
                        ),
                    ),
                    rx.vstack(
                        rx.heading(shop.name, size="8", as_="h1", id="shop-name"),
                        rx.text(
                            t("by {name}", name=shop.owner_name),
                            " · ",
                            rx.link(
                                "@",
                                shop.owner_handle,
                                href="/u/" + shop.owner_handle,
                                underline="always",
                            ),
                            color=rx.color("gray", 11),
                        ),
                        rx.hstack(
                            rx.icon("map_pin", size=14, aria_hidden="true"),
                            rx.text(
                                rx.cond(shop.city != "", shop.city + ", ", ""),
                                shop.country_name,
                                size="2",
                            ),
                            rx.text("·", size="2", aria_hidden="true"),
                            rx.text(t("Open since {date}", date=shop.open_since), size="2"),
                            spacing="2",
                            align="center",
                            wrap="wrap",
                            color=rx.color("gray", 11),
                        ),
                        spacing="1",
                        align="start",
                    ),
                    rx.spacer(),
                    rx.hstack(
                        rx.cond(
                            s.is_owner,
                            link_button(t("Edit shop"), urls.SELL_SHOP, variant="soft"),
                            heart_button(
                                s.is_favourite,
                                shop.favourite_count,
                                s.toggle_favourite,
                                id="favourite-shop",
                            ),
                        ),
                        link_button(
                            t("Wishes"),
                            "/shop/" + shop.slug + "/wishes",
                            variant="soft",
                            id="shop-wishes-link",
                        ),
                        share_menu(s),
                        rx.cond(
                            s.signed_in & ~s.is_owner,
                            report_dialog("shop", shop.id, id="report-button"),
                        ),
                        spacing="2",
                    ),
                    gap="1rem",
                    align="center",
                    width="100%",
                    wrap="wrap",
                ),
                rx.cond(shop.about != "", rx.text(shop.about, class_name="sm-text-block")),
                offer_section(),
                rx.hstack(
                    rx.heading(t("Pieces for sale"), size="5", as_="h2"),
                    rx.spacer(),
                    rx.link(
                        rx.icon("rss", size=14, aria_hidden="true"),
                        t("Feed of new pieces"),
                        href=s.feed_url,
                        is_external=True,
                        size="2",
                        display="inline-flex",
                        align_items="center",
                        gap="4px",
                        id="shop-feed",
                    ),
                    width="100%",
                    align="baseline",
                ),
                rx.cond(
                    s.items.length() > 0,
                    listing_grid(s.items),
                    rx.text(t("Nothing for sale right now."), color=rx.color("gray", 11)),
                ),
                shop_vouchers_section(ShopVouchersState),
                shop_posts_section(s.is_owner),
                rx.box(reviews_section(show_listing=True), max_width="720px", width="100%"),
                rx.grid(
                    rx.vstack(
                        rx.heading(t("Shipping"), size="4", as_="h2"),
                        rates_table(shop),
                        rx.cond(
                            shop.accepts_pickup,
                            rx.text(t("Pickup in person is possible."), size="2"),
                        ),
                        rx.cond(
                            shop.shipping_policy != "",
                            rx.text(shop.shipping_policy, size="2", class_name="sm-text-block"),
                        ),
                        spacing="2",
                        align="start",
                    ),
                    rx.vstack(
                        rx.heading(t("Returns"), size="4", as_="h2"),
                        rx.text(
                            rx.cond(
                                shop.returns_policy != "",
                                shop.returns_policy,
                                t("Ask the maker about returns."),
                            ),
                            size="2",
                            class_name="sm-text-block",
                        ),
                        spacing="2",
                        align="start",
                    ),
                    columns={"initial": "1", "md": "2"},
                    gap="2rem",
                    width="100%",
                ),
                spacing="5",
                width="100%",
            ),
            not_found_block(t("We couldn't find that shop.")),
        )
    )


# ---------------------------------------------------------------------- listing page


def _thumb(photo: rx.Var[PhotoPublic], index: rx.Var[int]) -> rx.Component:
    s = ListingPageState
    return rx.el.button(
        rx.image(
            src=upload_src(photo.grid_url),
            alt=photo.alt,
            width="72px",
            height="72px",
            loading="lazy",
            border_radius="6px",
        ),
        on_click=s.show_photo(index),
        aria_current=rx.cond(s.photo_index == index, "true", "false"),
        aria_label=t("Show photo {n}", n=index + 1),
        type="button",
        class_name="sm-thumb-button",
    )


def gallery() -> rx.Component:
    s = ListingPageState
    photos = s.listing.photos
    current = photos[s.photo_index]
    return rx.vstack(
        rx.cond(
            photos.length() > 0,
            rx.link(
                rx.image(
                    src=upload_src(current.url),
                    alt=current.alt,
                    width="100%",
                    height="auto",
                    class_name="sm-photo",
                    id="listing-photo",
                ),
                href=upload_src(current.zoom_url),
                is_external=True,
                aria_label=t("Open the large photo"),
            ),
            listing_photo("", ""),
        ),
        rx.cond(
            photos.length() > 1,
            rx.hstack(rx.foreach(photos, _thumb), spacing="2", wrap="wrap"),
        ),
        spacing="3",
        width="100%",
    )


def _buy_box() -> rx.Component:
    s = ListingPageState
    item = s.listing
    return rx.vstack(
        rx.cond(
            item.category_path.length() > 0,
            rx.text(
                rx.foreach(
                    item.category_path,
                    lambda c, i: rx.text.span(
                        rx.cond(i > 0, " › ", ""),
                        rx.link(
                            t_var(c[1]),
                            href="/search?sort=newest&category=" + c[0],
                            underline="always",
                            color_scheme="gray",
                        ),
                    ),
                ),
                size="1",
                color=rx.color("gray", 11),
            ),
        ),
        rx.heading(item.title, size="7", as_="h1", id="listing-title"),
        rx.text(item.price, size="6", weight="bold", id="listing-price"),
        rx.cond(
            item.state == "sold_out",
            rx.badge(t("Sold out"), size="2", color_scheme="gray"),
            rx.cond(
                item.made_to_order,
                rx.text(
                    tn(
                        "Made to order: ready in about {n} day",
                        "Made to order: ready in about {n} days",
                        item.lead_time_days,
                    ),
                    size="2",
                ),
                rx.text(tn("{n} in stock", "{n} in stock", item.quantity), size="2"),
            ),
        ),
        rx.cond(
            (item.state == "draft") | (item.state == "paused"),
            rx.callout(
                t("Only you can see this preview. Publish the listing to sell it."),
                icon="eye",
                color_scheme="amber",
            ),
        ),
        rx.cond(
            item.state == "hidden",
            rx.callout(
                t(
                    "This listing has been hidden by moderators. Only you can see it, and "
                    "nobody can buy it."
                ),
                icon="eye_off",
                color_scheme="red",
                id="hidden-notice",
            ),
        ),
        rx.hstack(
            heart_button(
                item.is_favourite,
                item.favourite_count,
                s.toggle_favourite,
                id="favourite-listing",
                size="3",
            ),
            share_menu(s),
            rx.cond(
                (item.state == "active") | (item.state == "sold_out"),
                save_to_list_dialog(),
            ),
            rx.cond(
                item.is_owner,
                rx.hstack(
                    link_button(t("Edit listing"), "/sell/listings/" + item.id.to(str), size="3"),
                    rx.cond(item.state == "active", new_offer_link(item.id)),
                    spacing="2",
                    wrap="wrap",
                ),
                rx.cond(
                    item.state == "active",
                    rx.button(
                        rx.icon("shopping_bag", size=16, aria_hidden="true"),
                        t("Add to cart"),
                        size="3",
                        on_click=s.add_to_cart,
                        id="add-to-cart",
                    ),
                ),
            ),
            rx.cond(
                s.signed_in & ~item.is_owner,
                message_button(
                    t("Ask the maker about this item"),
                    StartConversationState.about_listing(item.id),
                    size="3",
                    id="ask-maker",
                ),
            ),
            rx.cond(
                s.signed_in & ~item.is_owner,
                report_dialog("listing", item.id, id="report-button"),
            ),
            spacing="3",
            wrap="wrap",
            align="center",
        ),
        saved_count_text(),
        rx.card(
            rx.vstack(
                rx.el.label(t("Shipping to"), html_for="ship-to", class_name="sm-label"),
                rx.el.select(
                    rx.foreach(s.country_options, lambda o: rx.el.option(o[1], value=o[0])),
                    id="ship-to",
                    value=item.shipping_to,
                    on_change=s.set_ship_to,
                    class_name="sm-select",
                ),
                rx.cond(
                    item.ships_to_destination,
                    rx.text(
                        t("Shipping: {cost}", cost=item.shipping), size="2", id="shipping-cost"
                    ),
                    rx.text(
                        t("This shop doesn't ship there."),
                        size="2",
                        color=rx.color("red", 11),
                        id="shipping-cost",
                    ),
                ),
                spacing="2",
                width="100%",
            ),
            width="100%",
        ),
        maker_card(item.shop),
        spacing="3",
        align="start",
        width="100%",
    )


def listing_page() -> rx.Component:
    s = ListingPageState
    item = s.listing
    return page(
        rx.cond(
            s.found & (item != None),  # noqa: E711 - Var comparison builds JS
            rx.vstack(
                rx.grid(
                    gallery(),
                    _buy_box(),
                    columns={"initial": "1", "md": "2"},
                    gap="2rem",
                    width="100%",
                ),
                offer_section(show_listing=False),
                rx.grid(
                    rx.vstack(
                        rx.heading(t("About this piece"), size="5", as_="h2"),
                        rx.text(item.description, class_name="sm-text-block", lang=item.language),
                        rx.cond(
                            item.materials.length() > 0,
                            rx.text(
                                rx.text.strong(t("Materials:")),
                                " ",
                                item.materials.join(", "),
                                size="2",
                            ),
                        ),
                        rx.cond(
                            item.tags.length() > 0,
                            rx.hstack(
                                rx.foreach(
                                    item.tags,
                                    lambda tag: rx.link(
                                        rx.badge(tag, variant="soft"), href="/search?q=" + tag
                                    ),
                                ),
                                spacing="2",
                                wrap="wrap",
                            ),
                        ),
                        spacing="3",
                        align="start",
                    ),
                    rx.vstack(
                        rx.heading(t("Shipping and returns"), size="5", as_="h2"),
                        rates_table(item.shop),
                        rx.cond(
                            item.shop.returns_policy != "",
                            rx.text(item.shop.returns_policy, size="2", class_name="sm-text-block"),
                        ),
                        spacing="3",
                        align="start",
                    ),
                    columns={"initial": "1", "md": "2"},
                    gap="2rem",
                    width="100%",
                ),
                rx.cond(
                    item.more_from_shop.length() > 0,
                    rx.vstack(
                        rx.heading(t("More from {shop}", shop=item.shop.name), size="5", as_="h2"),
                        listing_grid(item.more_from_shop),
                        spacing="3",
                        width="100%",
                    ),
                ),
                rx.box(buy_together_box(), max_width="720px", width="100%"),
                rx.box(reviews_section(), max_width="720px", width="100%"),
                rx.box(comment_thread(CommentsState), max_width="720px", width="100%"),
                spacing="6",
                width="100%",
            ),
            not_found_block(t("We couldn't find that listing.")),
        )
    )


# ---------------------------------------------------------------------- favourites


def favourites_page() -> rx.Component:
    s = FavouritesState
    return page(
        rx.vstack(
            rx.heading(t("Your favourites"), size="7", as_="h1"),
            rx.cond(
                s.items.length() > 0,
                listing_grid(s.items),
                rx.text(
                    t("Tap the heart on a piece you love to keep it here."),
                    color=rx.color("gray", 11),
                ),
            ),
            rx.cond(
                s.shops.length() > 0,
                rx.vstack(
                    rx.heading(t("Favourite shops"), size="5", as_="h2"),
                    rx.hstack(
                        rx.foreach(
                            s.shops,
                            lambda shop: rx.link(rx.badge(shop.name, size="3"), href=shop.url),
                        ),
                        spacing="2",
                        wrap="wrap",
                    ),
                    spacing="3",
                ),
            ),
            spacing="5",
            width="100%",
        )
    )
