"""Curated lists: making and editing lists, notes per item, the 200-item cap, exact
"saved to N lists" counts, privacy against forged ids, follows, feeds and attribution."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import select

from social_market.models import Activity, CartItem, Listing
from social_market.models.lists import MAX_ITEMS, CuratedList, CuratedListItem, ListFollow
from social_market.models.social import A_LIST
from social_market.services import blocks, cart, feed, follows, listings, lists
from social_market.services.errors import InvalidInput, NotAllowed, NotFound
from tests.factories import buy, make_listing, make_shop, make_user, open_shop_for, publish_listing
from tests.services.test_checkout_concurrency import pg_engine  # noqa: F401 - fixture


def _list(db, owner, title="Blue things", public=True, **kw):
    return lists.create_list(session=db, actor_id=owner.id, title=title, public=public, **kw)


def _add(db, owner, lst, listing, note=""):
    return lists.add_item(
        session=db, actor_id=owner.id, list_id=lst.id, listing_id=listing.id, note=note
    )


def _items(db, lst) -> int:
    return db.exec(
        select(func.count()).select_from(CuratedListItem).where(CuratedListItem.list_id == lst.id)
    ).one()


def _count_is_exact(db, listing) -> None:
    db.expire_all()
    rows = db.exec(
        select(func.count())
        .select_from(CuratedListItem)
        .where(CuratedListItem.listing_id == listing.id)
    ).one()
    assert db.get(Listing, listing.id).list_count == rows
    assert lists.saved_count(session=db, listing_id=listing.id) == rows


def _many_listings(db, n: int) -> list[Listing]:
    shop = make_shop(db)
    made = [
        Listing(
            shop_id=shop.id,
            title=f"Piece {i}",
            slug=f"piece-{i}",
            price_cents=1000,
            quantity=3,
            category_id=101,
            state="active",
            shop_name=shop.name,
        )
        for i in range(n)
    ]
    db.add_all(made)
    db.flush()
    return made


# ----------------------------------------------------------------- making lists


def test_a_person_makes_a_public_list_with_a_title_and_description(db):
    me = make_user(db)
    lst = _list(db, me, title="  Winter   mugs ", description="Warm\n\n\n\nhands")
    assert (lst.title, lst.description, lst.public) == ("Winter mugs", "Warm\n\nhands", True)
    page = lists.get_list_page(session=db, viewer_id=me.id, list_id=lst.id)
    assert page.is_owner and page.summary.owner_handle == me.handle and page.items == []


@pytest.mark.parametrize(
    "title", ["", "   ", "x" * 81, None, 42, ["a"], {"t": 1}], ids=lambda v: repr(v)[:12]
)
def test_a_list_title_must_be_1_to_80_characters_of_text(db, title):
    me = make_user(db)
    with pytest.raises(InvalidInput):
        _list(db, me, title=title)
    assert db.exec(select(CuratedList).where(CuratedList.owner_id == me.id)).first() is None


def test_an_80_character_title_is_accepted(db):
    assert len(_list(db, make_user(db), title="y" * 80).title) == 80


@pytest.mark.parametrize("public", ["yes", 1, None, "true"])
def test_public_must_be_a_real_yes_or_no(db, public):
    with pytest.raises(InvalidInput):
        _list(db, make_user(db), public=public)


def test_nobody_signed_in_cannot_make_a_list(db):
    for actor in (None, 0, -1, "1; drop", 2**40):
        with pytest.raises(NotAllowed):
            lists.create_list(session=db, actor_id=actor, title="x")


def test_one_person_can_have_at_most_100_lists(db, monkeypatch):
    monkeypatch.setattr(lists, "LISTS_PER_HOUR", lists.parse("1000/hour"))
    me = make_user(db)
    for i in range(lists.MAX_LISTS_PER_USER):
        _list(db, me, title=f"List {i}")
    with pytest.raises(InvalidInput, match="100 lists"):
        _list(db, me, title="One too many")
    count = db.exec(
        select(func.count()).select_from(CuratedList).where(CuratedList.owner_id == me.id)
    ).one()
    assert count == 100


def test_making_lists_is_rate_limited(db):
    from social_market.services.errors import RateLimited

    me = make_user(db)
    for i in range(20):
        _list(db, me, title=f"L{i}")
    with pytest.raises(RateLimited):
        _list(db, me, title="L21")


def test_the_owner_edits_title_description_and_audience(db):
    me = make_user(db)
    lst = _list(db, me)
    lists.edit_list(
        session=db, actor_id=me.id, list_id=lst.id, title="Green", description="d", public=False
    )
    db.refresh(lst)
    assert (lst.title, lst.description, lst.public) == ("Green", "d", False)


def test_editing_or_deleting_someone_elses_list_is_not_found_and_changes_nothing(db):
    owner, other = make_user(db), make_user(db)
    lst = _list(db, owner, title="Mine")
    item = make_listing(db)
    _add(db, owner, lst, item, "keep")
    attempts = [
        lambda lid: lists.edit_list(session=db, actor_id=other.id, list_id=lid, title="Hacked"),
        lambda lid: lists.delete_list(session=db, actor_id=other.id, list_id=lid),
        lambda lid: lists.add_item(
            session=db, actor_id=other.id, list_id=lid, listing_id=make_listing(db).id
        ),
        lambda lid: lists.remove_item(
            session=db, actor_id=other.id, list_id=lid, listing_id=item.id
        ),
        lambda lid: lists.set_note(
            session=db, actor_id=other.id, list_id=lid, listing_id=item.id, note="x"
        ),
        lambda lid: lists.move_item(
            session=db, actor_id=other.id, list_id=lid, listing_id=item.id, offset=1
        ),
        lambda lid: lists.reorder(
            session=db, actor_id=other.id, list_id=lid, listing_ids=[item.id]
        ),
    ]
    for attempt in attempts:
        for forged in (lst.id, str(lst.id), lst.id + 999, "abc", None, -5, 2**40, [lst.id]):
            with pytest.raises(NotFound):
                attempt(forged)
    db.expire_all()
    assert db.get(CuratedList, lst.id).title == "Mine"
    assert _items(db, lst) == 1
    assert db.get(CuratedListItem, (lst.id, item.id)).note == "keep"


# ----------------------------------------------------------------- items


def test_adding_a_listing_with_a_note_and_again_updates_the_note_without_a_duplicate(db):
    me = make_user(db)
    lst = _list(db, me)
    piece = make_listing(db)
    assert _add(db, me, lst, piece, "Lovely glaze") is True
    assert _add(db, me, lst, piece, "Even better glaze") is False
    assert _items(db, lst) == 1
    db.refresh(lst)
    assert lst.item_count == 1
    page = lists.get_list_page(session=db, viewer_id=me.id, list_id=lst.id)
    assert [(i.listing.id, i.note) for i in page.items] == [(piece.id, "Even better glaze")]
    _count_is_exact(db, piece)


def test_a_note_is_at_most_500_characters_and_nothing_is_written_when_longer(db):
    me = make_user(db)
    lst = _list(db, me)
    piece = make_listing(db)
    with pytest.raises(InvalidInput, match="500"):
        _add(db, me, lst, piece, "n" * 501)
    assert _items(db, lst) == 0
    _count_is_exact(db, piece)
    assert _add(db, me, lst, piece, "n" * 500)


@pytest.mark.parametrize("state", ["draft", "paused", "deleted", "hidden"])
def test_only_listings_for_sale_can_be_added(db, state):
    me = make_user(db)
    lst = _list(db, me)
    piece = make_listing(db, state=state)
    with pytest.raises(NotFound):
        _add(db, me, lst, piece)
    assert _items(db, lst) == 0


def test_forged_listing_ids_are_not_found(db):
    me = make_user(db)
    lst = _list(db, me)
    for forged in (None, "x", -1, 0, 2**40, 99_999_999, [1], {"id": 1}):
        with pytest.raises(NotFound):
            lists.add_item(session=db, actor_id=me.id, list_id=lst.id, listing_id=forged)
    assert _items(db, lst) == 0


def test_a_list_holds_200_items_and_the_201st_is_refused_with_a_clear_message(db):
    me = make_user(db)
    lst = _list(db, me)
    pieces = _many_listings(db, MAX_ITEMS + 1)
    for piece in pieces[:MAX_ITEMS]:
        assert _add(db, me, lst, piece)
    with pytest.raises(InvalidInput, match="at most 200 items"):
        _add(db, me, lst, pieces[-1])
    db.refresh(lst)
    assert lst.item_count == _items(db, lst) == MAX_ITEMS
    _count_is_exact(db, pieces[-1])
    # Updating a note on a full list still works; removing one makes room.
    assert _add(db, me, lst, pieces[0], "still fine") is False
    assert lists.remove_item(session=db, actor_id=me.id, list_id=lst.id, listing_id=pieces[0].id)
    assert _add(db, me, lst, pieces[-1])


def test_a_bulk_add_of_1000_items_is_refused_as_a_whole(db):
    me = make_user(db)
    lst = _list(db, me)
    pieces = _many_listings(db, 1000)
    with pytest.raises(InvalidInput, match="at most 200 items"):
        lists.add_items(
            session=db,
            actor_id=me.id,
            list_id=lst.id,
            items=[{"listing_id": p.id, "note": "x"} for p in pieces],
        )
    db.refresh(lst)
    assert lst.item_count == _items(db, lst) == 0
    assert db.exec(select(func.sum(Listing.list_count))).one() in (0, None)


def test_a_bulk_add_that_would_pass_the_cap_writes_nothing(db):
    me = make_user(db)
    lst = _list(db, me)
    pieces = _many_listings(db, 250)
    assert (
        lists.add_items(
            session=db,
            actor_id=me.id,
            list_id=lst.id,
            items=[{"listing_id": p.id} for p in pieces[:150]],
        )
        == 150
    )
    with pytest.raises(InvalidInput, match="at most 200 items"):
        lists.add_items(
            session=db,
            actor_id=me.id,
            list_id=lst.id,
            items=[{"listing_id": p.id, "note": "new"} for p in pieces[100:160]]
            + [{"listing_id": p.id} for p in pieces[160:]],
        )
    db.expire_all()
    assert db.get(CuratedList, lst.id).item_count == _items(db, lst) == 150
    assert db.get(CuratedListItem, (lst.id, pieces[100].id)).note == ""
    for p in (pieces[0], pieces[149], pieces[150], pieces[249]):
        _count_is_exact(db, p)


def test_a_bulk_add_with_one_bad_entry_writes_nothing(db):
    me = make_user(db)
    lst = _list(db, me)
    good = make_listing(db)
    draft = make_listing(db, state="draft")
    for items in (
        [{"listing_id": good.id}, {"listing_id": draft.id}],
        [{"listing_id": good.id}, {"listing_id": good.id + 10**6}],
        [{"listing_id": good.id, "note": "n" * 501}],
        [{"listing_id": good.id}, "garbage"],
        "not a list",
        [],
    ):
        with pytest.raises((InvalidInput, NotFound)):
            lists.add_items(session=db, actor_id=me.id, list_id=lst.id, items=items)
    assert _items(db, lst) == 0
    _count_is_exact(db, good)


def test_saved_to_n_lists_stays_exact_through_adds_removes_and_deleting_a_list(db):
    piece, other_piece = make_listing(db), make_listing(db)
    people = [make_user(db) for _ in range(3)]
    made = []
    for person in people:
        lst = _list(db, person, public=person is not people[2])
        _add(db, person, lst, piece)
        _add(db, person, lst, other_piece)
        made.append((person, lst))
    _count_is_exact(db, piece)
    assert db.get(Listing, piece.id).list_count == 3
    lists.remove_item(session=db, actor_id=people[0].id, list_id=made[0][1].id, listing_id=piece.id)
    assert not lists.remove_item(
        session=db, actor_id=people[0].id, list_id=made[0][1].id, listing_id=piece.id
    )
    _count_is_exact(db, piece)
    lists.delete_list(session=db, actor_id=people[1].id, list_id=made[1][1].id)
    _count_is_exact(db, piece)
    _count_is_exact(db, other_piece)
    assert db.get(Listing, piece.id).list_count == 1
    assert db.get(Listing, other_piece.id).list_count == 2
    assert db.get(CuratedList, made[1][1].id) is None


def test_the_owner_reorders_items_and_moves_one_up_or_down(db):
    me = make_user(db)
    lst = _list(db, me)
    a, b, c = make_listing(db), make_listing(db), make_listing(db)
    for piece in (a, b, c):
        _add(db, me, lst, piece)

    def order():
        page = lists.get_list_page(session=db, viewer_id=me.id, list_id=lst.id)
        return [i.listing.id for i in page.items]

    assert order() == [a.id, b.id, c.id]
    lists.reorder(session=db, actor_id=me.id, list_id=lst.id, listing_ids=[c.id, a.id, b.id])
    assert order() == [c.id, a.id, b.id]
    lists.move_item(session=db, actor_id=me.id, list_id=lst.id, listing_id=b.id, offset=-1)
    assert order() == [c.id, b.id, a.id]
    lists.move_item(session=db, actor_id=me.id, list_id=lst.id, listing_id=c.id, offset=-1)
    assert order() == [c.id, b.id, a.id]  # already first
    for bad in ([a.id, b.id], [a.id, b.id, c.id, c.id], [a.id, b.id, 999], "x", None):
        with pytest.raises(InvalidInput):
            lists.reorder(session=db, actor_id=me.id, list_id=lst.id, listing_ids=bad)
    for offset in (2, 0, True, "1", None):
        with pytest.raises(InvalidInput):
            lists.move_item(
                session=db, actor_id=me.id, list_id=lst.id, listing_id=a.id, offset=offset
            )
    assert order() == [c.id, b.id, a.id]


def test_listings_later_hidden_or_deleted_just_drop_out_of_the_list(db):
    maker, me, viewer = make_user(db), make_user(db), make_user(db)
    open_shop_for(db, maker)
    kept = publish_listing(db, maker, title="Kept mug")
    gone = publish_listing(db, maker, title="Gone mug")
    lst = _list(db, me)
    _add(db, me, lst, kept, "keep")
    _add(db, me, lst, gone, "gone")
    listings.delete_listing(session=db, owner_id=maker.id, listing_id=gone.id)
    page = lists.get_list_page(session=db, viewer_id=viewer.id, list_id=lst.id)
    assert [i.listing.title for i in page.items] == ["Kept mug"]
    mine = lists.get_list_page(session=db, viewer_id=me.id, list_id=lst.id)
    assert mine.unavailable_count == 1 and page.unavailable_count == 0


# ----------------------------------------------------------------- privacy


def test_a_private_list_is_not_found_for_anyone_but_its_owner(db):
    owner, other = make_user(db), make_user(db)
    secret = _list(db, owner, title="Gift ideas for Sam", public=False)
    _add(db, owner, secret, make_listing(db), "for Sam's birthday")
    for viewer in (other.id, None):
        with pytest.raises(NotFound):
            lists.get_list_page(session=db, viewer_id=viewer, list_id=secret.id)
        with pytest.raises(NotFound):
            lists.get_list_page(session=db, viewer_id=viewer, list_id=str(secret.id))
    assert lists.lists_of(session=db, viewer_id=other.id, handle=owner.handle) == []
    own = lists.lists_of(session=db, viewer_id=owner.id, handle=owner.handle)
    assert [s.title for s in own] == ["Gift ideas for Sam"]
    with pytest.raises(NotFound):
        lists.follow_list(session=db, actor_id=other.id, list_id=secret.id)


def test_making_a_list_private_drops_it_from_others_view_and_ends_its_follows(db):
    owner, fan = make_user(db), make_user(db)
    lst = _list(db, owner)
    assert lists.follow_list(session=db, actor_id=fan.id, list_id=lst.id)
    lists.edit_list(session=db, actor_id=owner.id, list_id=lst.id, title="t", public=False)
    with pytest.raises(NotFound):
        lists.get_list_page(session=db, viewer_id=fan.id, list_id=lst.id)
    assert lists.followed_lists(session=db, actor_id=fan.id) == []
    assert db.get(ListFollow, (lst.id, fan.id)) is None
    db.refresh(lst)
    assert lst.follower_count == 0


def test_blocked_people_and_hidden_lists_are_not_found(db):
    owner, blocked, viewer = make_user(db), make_user(db), make_user(db)
    lst = _list(db, owner)
    blocks.block(session=db, actor_id=owner.id, handle=blocked.handle)
    with pytest.raises(NotFound):
        lists.get_list_page(session=db, viewer_id=blocked.id, list_id=lst.id)
    with pytest.raises(NotFound):
        lists.follow_list(session=db, actor_id=blocked.id, list_id=lst.id)
    lst.hidden_at = lists.utcnow()
    db.add(lst)
    db.flush()
    with pytest.raises(NotFound):
        lists.get_list_page(session=db, viewer_id=viewer.id, list_id=lst.id)


# ----------------------------------------------------------------- following


def test_following_a_public_list_counts_once_and_unfollowing_counts_down(db):
    owner, fan = make_user(db), make_user(db)
    lst = _list(db, owner)
    assert lists.follow_list(session=db, actor_id=fan.id, list_id=lst.id, on=True)
    assert lists.follow_list(session=db, actor_id=fan.id, list_id=lst.id, on=True)
    db.refresh(lst)
    assert lst.follower_count == 1
    page = lists.get_list_page(session=db, viewer_id=fan.id, list_id=lst.id)
    assert page.following and page.can_follow
    assert [s.id for s in lists.followed_lists(session=db, actor_id=fan.id)] == [lst.id]
    assert not lists.follow_list(session=db, actor_id=fan.id, list_id=lst.id, on=False)
    assert not lists.follow_list(session=db, actor_id=fan.id, list_id=lst.id, on="yes")
    db.refresh(lst)
    assert lst.follower_count == 0


def test_nobody_follows_their_own_list(db):
    owner = make_user(db)
    lst = _list(db, owner)
    with pytest.raises(InvalidInput):
        lists.follow_list(session=db, actor_id=owner.id, list_id=lst.id)
    assert not lists.get_list_page(session=db, viewer_id=owner.id, list_id=lst.id).can_follow


# ----------------------------------------------------------------- feeds


def _list_cards(db, viewer):
    return [
        (c.kind, c.list_title, [x.title for x in c.listings])
        for c in feed.feed_page(session=db, viewer_id=viewer.id).cards
        if c.kind == A_LIST
    ]


def test_the_owners_followers_see_a_new_public_list_and_its_items_in_their_feed(db):
    maker, curator, friend = make_user(db), make_user(db), make_user(db)
    open_shop_for(db, maker)
    mug = publish_listing(db, maker, title="Speckled mug")
    follows.follow(session=db, actor_id=friend.id, handle=curator.handle)
    lst = _list(db, curator, title="Morning coffee")
    _add(db, curator, lst, mug, "Holds a big latte")
    cards = _list_cards(db, friend)
    assert cards == [
        ("list", "Morning coffee", ["Speckled mug"]),
        ("list", "Morning coffee", []),
    ]
    card = feed.feed_page(session=db, viewer_id=friend.id).cards[0]
    assert card.actor_handle == curator.handle and card.list_url == f"/lists/{lst.id}"
    assert "".join(x.text for x in card.segments) == "Holds a big latte"


def test_people_who_follow_a_list_see_its_new_items_in_their_feed(db):
    maker, curator, fan = make_user(db), make_user(db), make_user(db)
    open_shop_for(db, maker)
    lst = _list(db, curator, title="Blue glazes")
    lists.follow_list(session=db, actor_id=fan.id, list_id=lst.id)
    _add(db, curator, lst, publish_listing(db, maker, title="Cobalt bowl"))
    assert _list_cards(db, fan)[0] == ("list", "Blue glazes", ["Cobalt bowl"])
    assert feed.has_newer(session=db, viewer_id=fan.id, tab="all", after_id=0)
    # Only the list: nothing else the curator does reaches a list follower.
    assert all(c.kind == A_LIST for c in feed.feed_page(session=db, viewer_id=fan.id).cards)
    # The makers tab shows makers' posts only.
    assert feed.feed_page(session=db, viewer_id=fan.id, tab="makers").cards == []


def test_private_list_items_never_appear_in_feeds(db):
    maker, curator, friend = make_user(db), make_user(db), make_user(db)
    open_shop_for(db, maker)
    follows.follow(session=db, actor_id=friend.id, handle=curator.handle)
    secret = _list(db, curator, title="Secret", public=False)
    _add(db, curator, secret, publish_listing(db, maker))
    assert _list_cards(db, friend) == []
    assert db.exec(select(Activity).where(Activity.list_id == secret.id)).first() is None
    # A public list made private disappears from feeds, old items too.
    shown = _list(db, curator, title="Was public")
    lists.follow_list(session=db, actor_id=make_user(db).id, list_id=shown.id)
    _add(db, curator, shown, publish_listing(db, maker))
    assert _list_cards(db, friend)
    lists.edit_list(session=db, actor_id=curator.id, list_id=shown.id, title="x", public=False)
    assert _list_cards(db, friend) == []
    _add(db, curator, shown, publish_listing(db, maker))
    assert _list_cards(db, friend) == []


def test_removed_items_and_deleted_lists_leave_the_feed(db):
    maker, curator, friend = make_user(db), make_user(db), make_user(db)
    open_shop_for(db, maker)
    follows.follow(session=db, actor_id=friend.id, handle=curator.handle)
    lst = _list(db, curator, title="Soon gone")
    mug = publish_listing(db, maker, title="Mug")
    _add(db, curator, lst, mug)
    lists.remove_item(session=db, actor_id=curator.id, list_id=lst.id, listing_id=mug.id)
    assert _list_cards(db, friend) == [("list", "Soon gone", [])]
    lists.delete_list(session=db, actor_id=curator.id, list_id=lst.id)
    assert _list_cards(db, friend) == []
    assert db.exec(select(Activity).where(Activity.list_id == lst.id)).first() is None


def test_a_listing_taken_off_sale_hides_its_list_card(db):
    maker, curator, friend = make_user(db), make_user(db), make_user(db)
    open_shop_for(db, maker)
    follows.follow(session=db, actor_id=friend.id, handle=curator.handle)
    lst = _list(db, curator, title="L")
    mug = publish_listing(db, maker, title="Mug")
    _add(db, curator, lst, mug)
    listings.pause(session=db, owner_id=maker.id, listing_id=mug.id)
    assert _list_cards(db, friend) == [("list", "L", [])]


def test_a_list_appears_on_its_owners_profile_activity(db):
    curator, viewer = make_user(db), make_user(db)
    _list(db, curator, title="Profile list")
    _list(db, curator, title="Hidden from profile", public=False)
    page = feed.profile_activity(session=db, viewer_id=viewer.id, user=curator)
    assert [c.list_title for c in page.cards] == ["Profile list"]


# ----------------------------------------------------------------- reading


def test_the_save_dialog_shows_my_lists_and_which_hold_the_listing(db):
    me = make_user(db)
    a, b = _list(db, me, title="A"), _list(db, me, title="B", public=False)
    piece = make_listing(db)
    _add(db, me, a, piece)
    mine = lists.my_lists(session=db, actor_id=me.id, listing_id=piece.id)
    assert {(s.title, s.has_listing) for s in mine} == {("A", True), ("B", False)}
    assert b.id in {s.id for s in mine}


def test_a_persons_lists_page_for_unknown_people_is_not_found(db):
    for handle in ("nobody-here", "", None, 5, "x" * 200):
        with pytest.raises(NotFound):
            lists.lists_of(session=db, viewer_id=None, handle=handle)


# ----------------------------------------------------------------- attribution


def _address():
    return {"name": "B", "line1": "Weg 1", "postcode": "10115", "city": "Berlin", "country": "DE"}


def test_buying_a_piece_found_through_a_public_list_credits_the_list_in_the_order_line(db):
    from social_market.models import Order, OrderLine
    from social_market.services import checkout

    maker, curator, buyer = make_user(db), make_user(db), make_user(db)
    open_shop_for(db, maker)
    mug = publish_listing(db, maker, title="Mug")
    lst = _list(db, curator)
    _add(db, curator, lst, mug)
    cart.add_to_cart(session=db, user_id=buyer.id, listing_id=mug.id, via=f"list:{lst.id}")
    item = db.get(CartItem, (buyer.id, mug.id))
    assert (item.via_kind, item.via_id) == ("list", lst.id)
    result = checkout.place_order(
        session=db, buyer_id=buyer.id, address=_address(), payment_method="bank_transfer"
    )
    line = db.exec(
        select(OrderLine)
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.reference == result.orders[0].reference)
    ).one()
    assert (line.via_kind, line.via_id) == ("list", lst.id)


def test_a_forged_or_private_via_is_ignored_and_the_piece_still_goes_in_the_cart(db):
    maker, curator, buyer = make_user(db), make_user(db), make_user(db)
    open_shop_for(db, maker)
    mug = publish_listing(db, maker, title="Mug", quantity="20")
    other = publish_listing(db, maker, title="Other")
    secret = _list(db, curator, public=False)
    _add(db, curator, secret, mug)
    not_holding = _list(db, curator, title="Without the mug")
    _add(db, curator, not_holding, other)
    for via in (
        f"list:{secret.id}",
        f"list:{not_holding.id}",
        "list:999999",
        "list:-1",
        "list:abc",
        "shop:1",
        "list:" + "9" * 40,
        12,
        ["list", 1],
    ):
        cart.add_to_cart(session=db, user_id=buyer.id, listing_id=mug.id, via=via)
        item = db.get(CartItem, (buyer.id, mug.id))
        assert (item.via_kind, item.via_id) == ("", None)
    db.refresh(item)
    assert item.quantity == 9


def test_buy_without_via_leaves_the_order_line_unattributed(db):
    maker, buyer = make_user(db), make_user(db)
    open_shop_for(db, maker)
    line = buy(db, buyer, publish_listing(db, maker))
    assert (line.via_kind, line.via_id) == ("", None)


# ----------------------------------------------------------------- demo


def test_demo_lists_give_the_first_account_list_cards_in_the_feed_and_keep_one_private(db):
    from social_market.demo.generator import generate
    from social_market.demo.lists import generate_lists
    from social_market.demo.market import generate_market
    from social_market.demo.social import generate_social

    people = generate(db, users=14, seed=5, with_avatars=False, maker_share=0.4)
    buyers = [u for u in people.user_ids if u not in people.maker_ids]
    market = generate_market(
        db,
        maker_ids=people.maker_ids,
        buyer_ids=buyers,
        seed=5,
        listings_per_shop=2,
        photos_per_listing=1,
    )
    generate_social(
        db, user_ids=people.user_ids, maker_ids=people.maker_ids, shop_ids=market.shop_ids, seed=5
    )
    made = generate_lists(db, user_ids=people.user_ids, shop_ids=market.shop_ids, seed=5)
    assert made >= 4
    rows = db.exec(select(CuratedList)).all()
    assert sum(not r.public for r in rows) == 1
    assert any(r.follower_count > 0 for r in rows if r.public)
    anna = people.user_ids[0]
    assert any(c.kind == A_LIST for c in feed.feed_page(session=db, viewer_id=anna).cards)
    for r in rows:
        assert r.item_count == _items(db, r)


# ----------------------------------------------------------------- concurrency


def test_twenty_adds_at_once_to_a_nearly_full_list_stop_exactly_at_the_cap(pg_engine):  # noqa: F811
    import threading

    from sqlmodel import Session

    from social_market.services.errors import DomainError

    with Session(pg_engine, expire_on_commit=False) as session:
        owner = make_user(session)
        lst = lists.create_list(session=session, actor_id=owner.id, title="Nearly full")
        pieces = _many_listings(session, MAX_ITEMS + 15)
        lists.add_items(
            session=session,
            actor_id=owner.id,
            list_id=lst.id,
            items=[{"listing_id": p.id} for p in pieces[: MAX_ITEMS - 5]],
        )
        session.commit()
        racers = [p.id for p in pieces[MAX_ITEMS - 5 :]]
        owner_id, list_id = owner.id, lst.id
    barrier = threading.Barrier(len(racers))
    outcomes: list[str] = []
    guard = threading.Lock()

    def add(listing_id: int) -> None:
        with Session(pg_engine) as session:
            barrier.wait()
            try:
                lists.add_item(
                    session=session, actor_id=owner_id, list_id=list_id, listing_id=listing_id
                )
                session.commit()
                result = "added"
            except DomainError:
                session.rollback()
                result = "refused"
        with guard:
            outcomes.append(result)

    threads = [threading.Thread(target=add, args=(lid,)) for lid in racers]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(outcomes) == ["added"] * 5 + ["refused"] * 15
    with Session(pg_engine) as session:
        assert (
            session.get(CuratedList, list_id).item_count
            == MAX_ITEMS
            == _items(session, session.get(CuratedList, list_id))
        )
        total = session.exec(select(func.sum(Listing.list_count))).one()
        assert total == MAX_ITEMS


def test_a_feed_page_of_list_activity_costs_the_same_queries_for_1_or_6_items(db, engine):
    from sqlalchemy import event

    def count_for(n: int) -> int:
        me, curator = make_user(db), make_user(db)
        follows.follow(session=db, actor_id=me.id, handle=curator.handle)
        for k in range(2):
            lst = _list(db, curator, title=f"L{k}")
            lists.follow_list(session=db, actor_id=me.id, list_id=lst.id)
            for piece in _many_listings(db, n):
                _add(db, curator, lst, piece, "note")
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            page = feed.feed_page(session=db, viewer_id=me.id)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        assert len([c for c in page.cards if c.kind == A_LIST]) == 2 * n + 2
        return len(statements)

    assert count_for(1) == count_for(6)


def test_the_owner_is_told_once_when_someone_follows_their_list(db):
    from social_market.models import Notification

    owner, fan = make_user(db), make_user(db)
    lst = _list(db, owner, title="Teapots")
    for on in (True, False, True):
        lists.follow_list(session=db, actor_id=fan.id, list_id=lst.id, on=on)
    notes = db.exec(select(Notification).where(Notification.user_id == owner.id)).all()
    assert [(n.kind, n.detail, n.snippet, n.link) for n in notes] == [
        ("list", "follow", "Teapots", f"/lists/{lst.id}")
    ]
