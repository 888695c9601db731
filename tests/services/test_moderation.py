"""Reporting and moderation: who may report what, the queue, hiding content, suspending
accounts, the audit log, and that only moderators can do any of it."""

from __future__ import annotations

import pytest
from sqlmodel import select

from social_market.models import ModerationAction, Report
from social_market.models.user import MODERATOR
from social_market.services import (
    accounts,
    cart,
    follows,
    listings,
    moderation,
    oidc,
    profiles,
    reports,
    search,
    shops,
)
from social_market.services.errors import (
    InvalidInput,
    InvalidToken,
    NotAllowed,
    NotFound,
    RateLimited,
)
from social_market.services.search import SearchQuery
from tests.factories import PASSWORD, make_listing, make_shop, make_user
from tests.services.test_checkout import place
from tests.services.test_oidc_accounts import _flow, _ident
from tests.services.test_search import find


def moderator(db):
    return make_user(db, role=MODERATOR)


def report(db, who, kind, target_id, reason="spam", note=""):
    return reports.report(
        session=db, actor_id=who.id, target_kind=kind, target_id=target_id, reason=reason, note=note
    )


def state_of(db, listing) -> str:
    db.refresh(listing)
    return listing.state


# ---------------------------------------------------------------------- reporting


def test_a_member_reports_a_listing_and_it_waits_in_the_queue(db):
    mod, member = moderator(db), make_user(db, handle="reporterrita")
    item = make_listing(db, title="Fake Gucci scarf", description="Totally handmade")
    report(db, member, "listing", item.id, reason="counterfeit", note="Logo printed on")
    page = moderation.open_reports(session=db, actor_id=mod.id)
    [entry] = [i for i in page.items if i.kind == "listing" and i.target_id == item.id]
    assert entry.report_count == 1
    assert entry.preview.startswith("Fake Gucci scarf")
    assert entry.url == listings.listing_path(item)
    assert [r.reason for r in entry.reasons] == ["Counterfeit or not handmade"]
    assert [(n.reporter_handle, n.note) for n in entry.notes] == [
        ("reporterrita", "Logo printed on")
    ]
    assert entry.can_hide and not entry.hidden


def test_reports_need_a_visible_target_of_someone_else_and_a_reason_from_the_list(db):
    member = make_user(db)
    own_shop = make_shop(db, owner=member)
    mine = make_listing(db, shop=own_shop)
    draft = make_listing(db, state="draft")
    other = make_listing(db)
    for kind, target in (("listing", 999_999), ("listing", draft.id), ("nope", other.id)):
        with pytest.raises(NotFound):
            report(db, member, kind, target)
    for bad_id in (None, "x", -1, 2**40, ["1"], True):
        with pytest.raises(NotFound):
            report(db, member, "listing", bad_id)
    for kind, target in (("listing", mine.id), ("shop", own_shop.id), ("user", member.id)):
        with pytest.raises(InvalidInput, match="your own"):
            report(db, member, kind, target)
    for reason in ("", "rude", None, 3, ["spam"]):
        with pytest.raises(InvalidInput):
            report(db, member, "listing", other.id, reason=reason)
    with pytest.raises(InvalidInput):
        report(db, member, "listing", other.id, note="x" * 1001)
    with pytest.raises(NotAllowed):
        reports.report(
            session=db, actor_id=None, target_kind="listing", target_id=other.id, reason="spam"
        )
    assert db.exec(select(Report).where(Report.reporter_id == member.id)).all() == []


def test_a_second_open_report_about_the_same_target_is_refused_politely(db):
    mod, member, target = moderator(db), make_user(db), make_user(db)
    report(db, member, "user", target.id, reason="harassment")
    with pytest.raises(reports.AlreadyReported, match="already reported"):
        report(db, member, "user", target.id, reason="spam")
    # Once handled, the same person may report it again.
    moderation.dismiss(session=db, actor_id=mod.id, target_kind="user", target_id=target.id)
    report(db, member, "user", target.id, reason="spam")


def test_reports_are_limited_to_ten_an_hour_per_person_with_a_clear_message(db):
    member = make_user(db)
    targets = [make_user(db) for _ in range(11)]
    for t in targets[:10]:
        report(db, member, "user", t.id)
    with pytest.raises(RateLimited, match="a lot of reports"):
        report(db, member, "user", targets[10].id)
    # Someone else is not affected.
    report(db, make_user(db), "user", targets[10].id)


# ---------------------------------------------------------------------- only moderators


def test_every_moderation_function_refuses_people_who_are_not_moderators(db):
    member, target = make_user(db), make_user(db)
    item = make_listing(db)
    suspended_mod = moderator(db)
    suspended_mod.suspended_at = suspended_mod.created_at
    db.add(suspended_mod)
    db.flush()
    calls = [
        lambda a: moderation.dismiss(session=db, actor_id=a, target_kind="user", target_id=1),
        lambda a: moderation.hide_target(
            session=db, actor_id=a, target_kind="listing", target_id=item.id
        ),
        lambda a: moderation.unhide_target(
            session=db, actor_id=a, target_kind="listing", target_id=item.id
        ),
        lambda a: moderation.suspend_user(session=db, actor_id=a, user_id=target.id, reason="spam"),
        lambda a: moderation.unsuspend_user(session=db, actor_id=a, user_id=target.id),
        lambda a: moderation.open_reports(session=db, actor_id=a),
        lambda a: moderation.recent_actions(session=db, actor_id=a),
        lambda a: moderation.suspended_accounts(session=db, actor_id=a),
    ]
    for actor in (member.id, None, suspended_mod.id, "1", 0):
        for call in calls:
            with pytest.raises(NotAllowed):
                call(actor)
    assert state_of(db, item) == "active"
    db.refresh(target)
    assert target.suspended_at is None
    assert db.exec(select(ModerationAction)).all() == []


# ---------------------------------------------------------------------- hiding


def test_a_hidden_listing_leaves_search_pages_grids_carts_and_checkout_until_unhidden(db):
    mod, buyer, reporter = moderator(db), make_user(db), make_user(db)
    shop = make_shop(db)
    item = make_listing(db, shop=shop, title="Quokka teapot", quantity=3)
    neighbour = make_listing(db, shop=shop, title="Quokka mug")
    cart.add_to_cart(session=db, user_id=buyer.id, listing_id=item.id, quantity=1)
    report(db, reporter, "listing", item.id)
    assert item.id in find(db, words="quokka")

    moderation.hide_target(
        session=db, actor_id=mod.id, target_kind="listing", target_id=item.id, reason="fake"
    )

    assert state_of(db, item) == "hidden"
    assert find(db, words="quokka") == [neighbour.id]
    assert item.id not in find(db, sort="newest")
    assert item.id not in find(db, sort="price_asc")
    with pytest.raises(NotFound):
        listings.get_listing(session=db, listing_ref=str(item.id), viewer_id=buyer.id)
    own_view = listings.get_listing(session=db, listing_ref=str(item.id), viewer_id=shop.owner_id)
    assert own_view.state == "hidden" and own_view.is_owner
    grids = [
        listings.featured(session=db, limit=100),
        listings.newest(session=db, limit=100),
        listings.shop_listings(session=db, shop_id=shop.id),
    ]
    assert all(item.id not in [c.id for c in grid] for grid in grids)
    with pytest.raises(InvalidInput, match="no longer available"):
        cart.add_to_cart(session=db, user_id=reporter.id, listing_id=item.id, quantity=1)
    with pytest.raises(InvalidInput, match="no longer available"):
        place(db, buyer)
    with pytest.raises(NotAllowed, match="moderators"):
        listings.publish(session=db, owner_id=shop.owner_id, listing_id=item.id)
    # The report is handled, and the log says who did what and why.
    assert db.exec(select(Report.status).where(Report.target_id == item.id)).all() == ["actioned"]
    log = db.exec(select(ModerationAction)).all()
    assert [(a.moderator_id, a.action, a.target_kind, a.target_id, a.reason) for a in log] == [
        (mod.id, "hide", "listing", item.id, "fake")
    ]

    moderation.unhide_target(session=db, actor_id=mod.id, target_kind="listing", target_id=item.id)

    assert state_of(db, item) == "active"
    assert sorted(find(db, words="quokka")) == sorted([item.id, neighbour.id])
    assert listings.get_listing(session=db, listing_ref=str(item.id), viewer_id=buyer.id)
    assert place(db, buyer).orders


def test_a_listing_hidden_while_sold_out_comes_back_as_its_stock_now_says(db):
    mod = moderator(db)
    item = make_listing(db, state="sold_out", quantity=0)
    moderation.hide_target(session=db, actor_id=mod.id, target_kind="listing", target_id=item.id)
    item.quantity = 4  # the maker restocked meanwhile
    db.add(item)
    moderation.unhide_target(session=db, actor_id=mod.id, target_kind="listing", target_id=item.id)
    assert state_of(db, item) == "active"


def test_hiding_a_shop_hides_its_page_and_every_listing_in_it(db):
    mod = moderator(db)
    shop = make_shop(db, slug="hidden-shop")
    items = [make_listing(db, shop=shop, title=f"Zebra quilt {i}") for i in range(2)]
    paused = make_listing(db, shop=shop, state="paused")
    moderation.hide_target(session=db, actor_id=mod.id, target_kind="shop", target_id=shop.id)
    with pytest.raises(NotFound):
        shops.get_shop(session=db, slug="hidden-shop")
    assert find(db, words="zebra") == []
    assert {state_of(db, i) for i in [*items, paused]} == {"hidden"}
    moderation.unhide_target(session=db, actor_id=mod.id, target_kind="shop", target_id=shop.id)
    assert shops.get_shop(session=db, slug="hidden-shop")
    assert sorted(find(db, words="zebra")) == sorted(i.id for i in items)
    assert state_of(db, paused) == "paused"


def test_accounts_are_suspended_not_hidden(db):
    mod, person = moderator(db), make_user(db)
    for action in (moderation.hide_target, moderation.unhide_target):
        with pytest.raises(InvalidInput, match="suspend"):
            action(session=db, actor_id=mod.id, target_kind="user", target_id=person.id)


# ---------------------------------------------------------------------- suspension


def test_a_suspended_person_cannot_sign_in_loses_sessions_and_disappears(db):
    mod, fan, friend = moderator(db), make_user(db), make_user(db)
    maker = make_user(db, handle="suspectsam", display_name="Suspect Sam")
    shop = make_shop(db, owner=maker, slug="sams-shop")
    item = make_listing(db, shop=shop, title="Narwhal brooch")
    own_pick = make_listing(db, shop=shop, title="Narwhal pin")
    moderation.hide_target(
        session=db, actor_id=mod.id, target_kind="listing", target_id=own_pick.id
    )
    token = accounts.create_session(session=db, user=maker)
    ticket = accounts.issue_login_ticket(session=db, user=maker)
    follows.follow(session=db, actor_id=fan.id, handle=friend.handle)
    follows.follow(session=db, actor_id=friend.id, handle=maker.handle)
    report(db, fan, "user", maker.id, reason="spam")

    moderation.suspend_user(
        session=db, actor_id=mod.id, user_id=maker.id, reason="Selling counterfeits"
    )

    with pytest.raises(NotAllowed, match="suspended"):
        accounts.authenticate(session=db, email=maker.email, password=PASSWORD)
    assert accounts.user_for_session(session=db, token=token) is None
    assert accounts.active_session_count(session=db, user_id=maker.id) == 0
    with pytest.raises(InvalidToken):
        accounts.redeem_login_ticket(session=db, ticket=ticket)
    with pytest.raises(oidc.OidcError) as err:
        _linked_then_complete(db, maker)
    assert err.value.kind == oidc.SUSPENDED
    assert profiles.get_profile(session=db, handle="suspectsam") is None
    assert maker.id not in [p.id for p in profiles.search_people(session=db, query="suspect")]
    assert maker.id not in [p.id for p in profiles.newest_profiles(session=db, limit=500)]
    assert maker.id not in [
        p.id for p, _ in follows.people_you_may_know(session=db, actor_id=fan.id)
    ]
    assert maker.id not in [
        p.id for p in follows.following(session=db, handle=friend.handle).people
    ]
    with pytest.raises(NotFound):
        follows.follow(session=db, actor_id=fan.id, handle="suspectsam")
    with pytest.raises(NotFound):
        shops.get_shop(session=db, slug="sams-shop")
    assert find(db, words="narwhal") == []
    with pytest.raises(NotFound):
        listings.get_listing(session=db, listing_ref=str(item.id), viewer_id=fan.id)
    with pytest.raises(InvalidInput):
        cart.add_to_cart(session=db, user_id=fan.id, listing_id=item.id, quantity=1)
    assert db.exec(select(Report.status).where(Report.target_id == maker.id)).all() == ["actioned"]
    [suspended] = moderation.suspended_accounts(session=db, actor_id=mod.id)
    assert (suspended.handle, suspended.reason) == ("suspectsam", "Selling counterfeits")

    moderation.unsuspend_user(session=db, actor_id=mod.id, user_id=maker.id)

    assert accounts.authenticate(session=db, email=maker.email, password=PASSWORD).id == maker.id
    assert profiles.get_profile(session=db, handle="suspectsam") is not None
    assert shops.get_shop(session=db, slug="sams-shop")
    # Everything comes back except what moderators hid on its own.
    assert find(db, words="narwhal") == [item.id]
    assert state_of(db, own_pick) == "hidden"
    actions = [a.action for a in moderation.recent_actions(session=db, actor_id=mod.id)]
    assert actions == ["Lifted the suspension of", "Suspended", "Hid"]


def _linked_then_complete(db, user):
    from social_market.models import ExternalIdentity

    ident = _ident(subject=f"suspended-{user.id}")
    db.add(
        ExternalIdentity(
            user_id=user.id, provider=ident.provider, issuer=ident.issuer, subject=ident.subject
        )
    )
    db.flush()
    return oidc.complete(session=db, flow=_flow(), identity=ident)


def test_suspending_needs_a_reason_and_never_your_own_account(db):
    mod, person = moderator(db), make_user(db)
    for reason in ("", "   ", None, 42):
        with pytest.raises(InvalidInput):
            moderation.suspend_user(session=db, actor_id=mod.id, user_id=person.id, reason=reason)
    with pytest.raises(InvalidInput, match="your own"):
        moderation.suspend_user(session=db, actor_id=mod.id, user_id=mod.id, reason="oops")
    with pytest.raises(NotFound):
        moderation.suspend_user(session=db, actor_id=mod.id, user_id=999_999, reason="x")
    db.refresh(person)
    assert person.suspended_at is None


# ---------------------------------------------------------------------- the queue


def test_the_queue_groups_reports_by_target_oldest_first_a_page_at_a_time(db):
    mod = moderator(db)
    reporters = [make_user(db) for _ in range(3)]
    first, second, third = (make_user(db) for _ in range(3))
    report(db, reporters[0], "user", first.id, reason="spam")
    report(db, reporters[0], "user", second.id)
    report(db, reporters[1], "user", first.id, reason="harassment", note="Rude to me")
    report(db, reporters[2], "user", first.id, reason="spam")
    report(db, reporters[1], "user", third.id)
    mine = lambda page: [i for i in page.items if i.target_id in {first.id, second.id, third.id}]  # noqa: E731
    everything = moderation.open_reports(session=db, actor_id=mod.id, limit=100)
    items = mine(everything)
    assert [i.target_id for i in items] == [first.id, second.id, third.id]
    assert items[0].report_count == 3
    assert [(r.reason, r.count) for r in items[0].reasons] == [
        ("Spam", 2),
        ("Harassment or hate", 1),
    ]
    assert [n.note for n in items[0].notes] == ["Rude to me"]
    seen, cursor = [], None
    for _ in range(50):
        page = moderation.open_reports(session=db, actor_id=mod.id, cursor=cursor, limit=1)
        seen += [(i.kind, i.target_id) for i in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [(i.kind, i.target_id) for i in everything.items]
    with pytest.raises(InvalidInput):
        moderation.open_reports(session=db, actor_id=mod.id, cursor="garbage")
    assert (
        moderation.dismiss(
            session=db, actor_id=mod.id, target_kind="user", target_id=first.id, reason="fine"
        )
        == 3
    )
    assert first.id not in [
        i.target_id for i in moderation.open_reports(session=db, actor_id=mod.id, limit=100).items
    ]


def test_a_new_kind_becomes_reportable_by_registering_an_adapter(db):
    mod, member, author = moderator(db), make_user(db), make_user(db)
    hidden: set[int] = set()

    class NoteTarget(reports.TargetAdapter):
        label = "Note"

        def load(self, session, ids):
            return {
                i: reports.TargetInfo(
                    owner_id=author.id,
                    preview=f"note {i}",
                    url=f"/notes/{i}",
                    hidden=i in hidden,
                    visible=i not in hidden,
                )
                for i in ids
                if i < 100
            }

        def hide(self, session, target_id):
            hidden.add(target_id)

        def unhide(self, session, target_id):
            hidden.discard(target_id)

    reports.register_target("note", NoteTarget())
    try:
        report(db, member, "note", 7, reason="inappropriate")
        with pytest.raises(NotFound):
            report(db, member, "note", 700)
        with pytest.raises(InvalidInput, match="your own"):
            report(db, author, "note", 8)
        [item] = [
            i
            for i in moderation.open_reports(session=db, actor_id=mod.id).items
            if i.kind == "note"
        ]
        assert (item.preview, item.url, item.owner_id) == ("note 7", "/notes/7", author.id)
        moderation.hide_target(session=db, actor_id=mod.id, target_kind="note", target_id=7)
        assert hidden == {7}
        with pytest.raises(NotFound):
            report(db, make_user(db), "note", 7)
    finally:
        reports._REGISTRY.pop("note", None)


def test_the_admin_command_grants_and_revokes_the_role_and_logs_it(db):
    person = make_user(db, handle="newmod")
    moderation.set_moderator(session=db, handle="@NewMod", on=True)
    assert moderation.is_moderator(db, person.id)
    assert moderation.open_reports(session=db, actor_id=person.id).items is not None
    moderation.set_moderator(session=db, handle="newmod", on=False)
    assert not moderation.is_moderator(db, person.id)
    with pytest.raises(NotAllowed):
        moderation.open_reports(session=db, actor_id=person.id)
    log = db.exec(select(ModerationAction).where(ModerationAction.target_id == person.id)).all()
    assert [(a.moderator_id, a.action) for a in log] == [
        (None, "grant_moderator"),
        (None, "revoke_moderator"),
    ]
    with pytest.raises(NotFound):
        moderation.set_moderator(session=db, handle="nobody-at-all", on=True)


def test_search_without_words_also_leaves_hidden_listings_out(db):
    mod = moderator(db)
    item = make_listing(db, category_id=101, price_cents=777)
    assert item.id in find(db, category_id=101, sort="newest")
    moderation.hide_target(session=db, actor_id=mod.id, target_kind="listing", target_id=item.id)
    assert item.id not in find(db, category_id=101, sort="newest")
    assert (
        search.search_listings(
            session=db, query=SearchQuery(min_price_cents=777, max_price_cents=777)
        ).items
        == []
    )


def test_the_demo_data_has_a_moderator_to_sign_in_with(db):
    from social_market.demo.generator import add_moderator

    mona = add_moderator(db)
    if mona is None:  # another test on this database made it already
        return
    assert moderation.is_moderator(db, mona.id)
    assert accounts.authenticate(session=db, email="mona@example.com", password="handmade-demo")
    assert add_moderator(db) is None
