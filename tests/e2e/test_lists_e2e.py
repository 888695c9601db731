"""Curated lists in the browser: saving pieces with notes to a new public list, a
follower seeing it in their feed and buying through it, private lists staying private,
and forged events on someone else's list changing nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func
from sqlmodel import select

from social_market.db import session_scope
from social_market.models import CartItem
from social_market.models.lists import CuratedList, CuratedListItem, ListFollow
from social_market.services import lists
from social_market.state.lists import (
    ListPageState,
    MyListsState,
    PersonListsState,
    SaveToListState,
)
from tests.e2e.conftest import EventInjector, goto, shot, sign_in
from tests.e2e.test_handler_security_e2e import WRONG
from tests.factories import PASSWORD, make_user, open_shop_for, publish_listing

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_a_curator_saves_two_pieces_to_a_new_list_and_a_follower_sees_it_in_the_feed(
    new_context,
):
    with session_scope() as session:
        maker = make_user(session, handle="listpotter", display_name="Potter Pia")
        curator = make_user(session, handle="curacarla", display_name="Cura Carla")
        fan = make_user(session, handle="fanfelix", display_name="Fan Felix")
        open_shop_for(session, maker)
        mug = publish_listing(session, maker, title="Speckled mug")
        bowl = publish_listing(session, maker, title="Cobalt bowl")
        ids = (mug.id, bowl.id)
        emails = (curator.email, fan.email)

    page = new_context().new_page()
    sign_in(page, emails[0], PASSWORD, next_path=f"/listing/{ids[0]}")
    page.locator("#save-to-list").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("List", exact=True)).to_have_value("new")
    dialog.get_by_label("Name of the new list").fill("Morning coffee")
    dialog.get_by_label("Note (optional)").fill("Holds a big latte.")
    shot(page, "lists-save-dialog")
    dialog.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.locator("#saved-count")).to_contain_text("Saved to 1 list")

    goto(page, f"/listing/{ids[1]}")
    page.locator("#save-to-list").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.locator("#save-list-choice option:checked")).to_have_text("Morning coffee")
    dialog.get_by_label("Note (optional)").fill("That blue!")
    dialog.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#saved-count")).to_contain_text("Saved to 1 list")

    with session_scope() as session:
        made = session.exec(select(CuratedList).where(CuratedList.title == "Morning coffee")).one()
        list_id = made.id
        assert made.public and made.item_count == 2

    goto(page, "/lists")
    expect(page.locator("#my-lists")).to_contain_text("Morning coffee")
    page.locator("#my-lists").get_by_text("Morning coffee").click()
    expect(page.locator("#list-title")).to_have_text("Morning coffee")
    items = page.locator("#list-items")
    expect(items).to_contain_text("Holds a big latte.")
    expect(items).to_contain_text("That blue!")
    # The owner moves the bowl up and edits a note.
    page.get_by_role("button", name="Move Cobalt bowl up").click()
    expect(items.locator(".sm-list-item").first).to_have_text("Cobalt bowl")
    items.locator(".sm-list-row", has_text="Speckled mug").locator(".sm-edit-note").click()
    page.locator("#field-note").fill("Holds a really big latte.")
    page.locator("#save-note").click()
    expect(items).to_contain_text("Holds a really big latte.")
    shot(page, "lists-owner-page")

    # Someone else follows the list and sees its items in the feed.
    other = new_context().new_page()
    sign_in(other, emails[1], PASSWORD, next_path=f"/lists/{list_id}")
    expect(other.locator("#list-owner")).to_have_text("Cura Carla")
    expect(other.locator(".sm-edit-note")).to_have_count(0)
    other.locator("#follow-list").click()
    expect(other.locator("#follow-list")).to_have_attribute("aria-pressed", "true")
    expect(other.locator("#main")).to_contain_text("1 follower")
    shot(other, "lists-follower-view")
    goto(other, "/feed")
    card = other.locator(".sm-feed-card", has_text="Cobalt bowl")
    expect(card).to_contain_text("Cura Carla added Cobalt bowl to their list Morning coffee")
    shot(other, "lists-feed")
    # Opened from the list and bought: the cart line is credited to the list.
    goto(other, f"/lists/{list_id}")
    other.locator(".sm-list-item", has_text="Speckled mug").click()
    expect(other.locator("#listing-title")).to_have_text("Speckled mug")
    other.locator("#add-to-cart").click()
    expect(other.get_by_text("Added to your cart")).to_be_visible()
    with session_scope() as session:
        fan_id = session.exec(select(ListFollow.user_id).where(ListFollow.list_id == list_id)).one()
        line = session.get(CartItem, (fan_id, ids[0]))
        assert (line.via_kind, line.via_id) == ("list", list_id)

    # At phone width the list page still fits.
    phone = new_context(width=390, height=844).new_page()
    sign_in(phone, emails[0], PASSWORD, next_path=f"/lists/{list_id}")
    expect(phone.locator("#list-title")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(phone, "lists-phone")


def test_a_private_list_is_not_found_for_others_even_by_its_address(new_context):
    with session_scope() as session:
        maker = make_user(session, handle="makermo")
        owner = make_user(session, handle="secretsam", display_name="Secret Sam")
        nosy = make_user(session, handle="nosynina")
        open_shop_for(session, maker)
        piece = publish_listing(session, maker, title="Gift candle")
        secret = lists.create_list(
            session=session, actor_id=owner.id, title="Gifts for Mum", public=False
        )
        lists.add_item(
            session=session, actor_id=owner.id, list_id=secret.id, listing_id=piece.id, note="!"
        )
        list_id, emails = secret.id, (owner.email, nosy.email)

    page = new_context().new_page()
    goto(page, f"/lists/{list_id}")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.locator("#main")).not_to_contain_text("Gifts for Mum")
    sign_in(page, emails[1], PASSWORD, next_path=f"/lists/{list_id}")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    shot(page, "lists-private-not-found")
    goto(page, "/u/secretsam/lists")
    expect(page.locator("#main")).to_contain_text("No public lists yet.")
    expect(page.locator("#main")).not_to_contain_text("Gifts for Mum")

    mine = new_context().new_page()
    sign_in(mine, emails[0], PASSWORD, next_path="/u/secretsam")
    mine.locator("#lists-link").click()
    expect(mine.locator("#person-lists")).to_contain_text("Gifts for Mum")
    expect(mine.locator("#person-lists")).to_contain_text("Private")
    shot(mine, "lists-person-own")


def _snapshot(list_id: int):
    with session_scope() as session:
        lst = session.get(CuratedList, list_id)
        items = session.exec(
            select(CuratedListItem.listing_id, CuratedListItem.note, CuratedListItem.position)
            .where(CuratedListItem.list_id == list_id)
            .order_by(CuratedListItem.listing_id)
        ).all()
        all_items = session.exec(select(func.count()).select_from(CuratedListItem)).one()
        all_lists = session.exec(select(func.count()).select_from(CuratedList)).one()
        return (lst.title, lst.description, lst.public, lst.item_count, items, all_items, all_lists)


def test_forged_events_on_someone_elses_list_change_nothing(new_context):
    with session_scope() as session:
        maker = make_user(session, handle="makermax")
        owner = make_user(session, handle="ownerolga")
        stranger = make_user(session, handle="strangerstu")
        open_shop_for(session, maker)
        a = publish_listing(session, maker, title="Piece A")
        b = publish_listing(session, maker, title="Piece B")
        lst = lists.create_list(session=session, actor_id=owner.id, title="Olga's picks")
        for piece in (a, b):
            lists.add_item(
                session=session, actor_id=owner.id, list_id=lst.id, listing_id=piece.id, note="ok"
            )
        list_id, ids, email = lst.id, (a.id, b.id), stranger.email

    page = new_context().new_page()
    injector = EventInjector(page)
    sign_in(page, email, PASSWORD, next_path=f"/lists/{list_id}")
    expect(page.locator("#list-title")).to_have_text("Olga's picks")
    expect(page.locator("#edit-list")).to_have_count(0)
    before = _snapshot(list_id)
    form = {"title": "Hacked", "description": "pwned", "private": "on", "note": "pwned"}
    injector.send(ListPageState, "save_details", {"form_data": form})
    injector.send(ListPageState, "delete_list", {})
    injector.send(ListPageState, "start_editing", {})
    for lid in (*ids, *WRONG):
        injector.send(ListPageState, "edit_note", {"listing_id": lid})
        injector.send(ListPageState, "save_note", {"form_data": form})
        injector.send(ListPageState, "remove", {"listing_id": lid})
        injector.send(ListPageState, "move", {"listing_id": lid, "offset": 1})
        injector.send(ListPageState, "move", {"listing_id": lid, "offset": lid})
    for value in WRONG:
        injector.send(ListPageState, "save_details", {"form_data": value})
        injector.send(ListPageState, "save_note", {"form_data": value})
        injector.send(SaveToListState, "save", {"form_data": value})
        injector.send(SaveToListState, "set_choice", {"value": value})
        injector.send(SaveToListState, "set_dialog_open", {"value": value})
        injector.send(MyListsState, "create", {"form_data": value})
    # The save dialog's choice can't be pointed at someone else's list.
    goto(page, f"/listing/{ids[0]}")
    injector.send(SaveToListState, "set_choice", {"value": str(list_id)})
    injector.send(SaveToListState, "save", {"form_data": {"note": "pwned", "title": ""}})
    page.wait_for_timeout(1500)
    assert _snapshot(list_id) == before
    goto(page, f"/lists/{list_id}")
    expect(page.locator("#list-title")).to_have_text("Olga's picks")
    expect(page.locator("#list-items")).not_to_contain_text("pwned")


SIGNED_OUT_HANDLERS = [
    (SaveToListState, "load", None),
    (SaveToListState, "open_dialog", None),
    (SaveToListState, "set_dialog_open", "value"),
    (SaveToListState, "set_choice", "value"),
    (SaveToListState, "save", "form_data"),
    (ListPageState, "load", None),
    (ListPageState, "toggle_follow", None),
    (ListPageState, "start_editing", None),
    (ListPageState, "cancel_editing", None),
    (ListPageState, "save_details", "form_data"),
    (ListPageState, "delete_list", None),
    (ListPageState, "edit_note", "listing_id"),
    (ListPageState, "cancel_note", None),
    (ListPageState, "save_note", "form_data"),
    (ListPageState, "remove", "listing_id"),
    (MyListsState, "load", None),
    (MyListsState, "create", "form_data"),
    (PersonListsState, "load", None),
]


def test_every_list_handler_called_signed_out_with_wrong_arguments_changes_nothing(page):
    with session_scope() as session:
        owner = make_user(session, handle="signedoutlists")
        lst = lists.create_list(session=session, actor_id=owner.id, title="Kept as it is")
        list_id = lst.id

    injector = EventInjector(page)
    goto(page, f"/lists/{list_id}")
    expect(page.locator("#list-title")).to_have_text("Kept as it is")
    before = _snapshot(list_id)
    for state, handler, arg in SIGNED_OUT_HANDLERS:
        for value in WRONG if arg else [None]:
            injector.send(state, handler, {arg: value} if arg else {})
        injector.send(state, handler, {"unexpected": 1})
    for value in (list_id, *WRONG):  # two arguments: every pairing of wrong types
        injector.send(ListPageState, "move", {"listing_id": value, "offset": value})
    injector.send(
        MyListsState, "create", {"form_data": {"title": "Made signed out", "description": ""}}
    )
    page.wait_for_timeout(1500)
    assert _snapshot(list_id) == before
    with session_scope() as session:
        assert not session.exec(
            select(CuratedList).where(CuratedList.title == "Made signed out")
        ).all()
    goto(page, f"/lists/{list_id}")  # still serving
    expect(page.locator("#list-title")).to_have_text("Kept as it is")
