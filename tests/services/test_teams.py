"""Teams: creating, the directory, joining (open and by request), leaving, and the
captain's and moderators' powers, each tried with forged ids by people without them."""

from __future__ import annotations

import pytest
from sqlmodel import select

from social_market.models import Notification, Team, TeamMember
from social_market.services import blocks, ratelimit, teams
from social_market.services.errors import InvalidInput, NotAllowed, NotFound, RateLimited
from tests.factories import make_listing, make_shop, make_user


def _team(db, captain, **form):
    return teams.create_team(
        session=db, actor_id=captain.id, **{"name": "Knitters of Leipzig", **form}
    )


def _policy(db, team, policy):
    team.join_policy = policy
    db.add(team)
    db.flush()


def _count(db, team):
    db.expire_all()
    return db.get(Team, team.id).member_count


def test_the_creator_is_captain_and_only_member_and_the_slug_comes_from_the_name(db):
    captain = make_user(db)
    team = _team(db, captain, about="We knit.\nEvery Tuesday.")
    assert team.slug == "knitters-of-leipzig"
    assert team.captain_id == captain.id and team.member_count == 1
    assert teams.role_of(db, team.id, captain.id) == "captain"
    view = teams.team_view(session=db, viewer_id=None, ref="knitters-of-leipzig")
    assert view.team.name == "Knitters of Leipzig" and view.my_role == ""
    assert view.team.about == "We knit."  # the directory shows the first line


def test_a_second_team_with_the_same_name_gets_its_own_address(db):
    a, b = make_user(db), make_user(db)
    first = _team(db, a, name="Töpfer & Glas")
    second = _team(db, b, name="Töpfer & Glas")
    assert first.slug == "topfer-glas" and second.slug == "topfer-glas-2"


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "ab"}, "name"),
        ({"name": "x" * 61}, "name"),
        ({"name": ["list"]}, "name"),
        ({"kind": "secret"}, "kind"),
        ({"join_policy": "bribe"}, "join_policy"),
        ({"kind": "local", "city": "", "country": "DE"}, "city"),
        ({"kind": "local", "city": "Leipzig", "country": "XX"}, "country"),
        ({"private": "maybe"}, "private"),
        ({"about": "a" * 2001}, "about"),
    ],
)
def test_bad_team_forms_are_refused_and_nothing_is_written(db, form, field):
    captain = make_user(db)
    with pytest.raises(InvalidInput) as err:
        _team(db, captain, **form)
    assert err.value.field == field
    assert db.exec(select(Team).where(Team.captain_id == captain.id)).first() is None


def test_a_local_team_keeps_its_place_and_an_interest_team_has_none(db):
    a = make_user(db)
    local = _team(db, a, kind="local", city="Leipzig", country="de")
    assert (local.city, local.country) == ("Leipzig", "DE")
    b = make_user(db)
    interest = _team(db, b, name="Weavers", city="Ignored", country="DE")
    assert (interest.city, interest.country) == ("", "")


def test_creating_teams_is_rate_limited(db):
    captain = make_user(db)
    for n in range(3):
        _team(db, captain, name=f"Team number {n}")
    with pytest.raises(RateLimited):
        _team(db, captain, name="One too many")


def test_the_directory_lists_most_members_first_in_keyset_pages_and_searches_names(db, monkeypatch):
    monkeypatch.setattr(teams, "PAGE", 2)
    made = []
    for n in range(5):
        captain = make_user(db)
        team = _team(db, captain, name=f"Zq Group {n}")
        for _ in range(n):
            teams.join(session=db, actor_id=make_user(db).id, team_id=team.id)
        made.append(team)
    seen, cursor = [], ""
    while True:
        page = teams.directory(session=db, query="zq group", cursor=cursor)
        seen += [c.name for c in page.teams]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == [f"Zq Group {n}" for n in (4, 3, 2, 1, 0)]
    assert [c.name for c in teams.directory(session=db, query="group 3").teams] == ["Zq Group 3"]
    # A forged cursor or a LIKE wildcard doesn't break anything.
    assert teams.directory(session=db, query="zq%", cursor="x:y").teams == []


def test_joining_an_open_team_counts_once_even_if_asked_twice(db):
    team = _team(db, make_user(db))
    joiner = make_user(db)
    assert teams.join(session=db, actor_id=joiner.id, team_id=team.id) == "joined"
    assert teams.join(session=db, actor_id=joiner.id, team_id=str(team.id)) == "joined"
    assert _count(db, team) == 2


def test_asking_to_join_tells_the_captain_and_moderators_and_approval_lets_them_in(db):
    captain, mod, asker = make_user(db), make_user(db), make_user(db)
    team = _team(db, captain)
    teams.join(session=db, actor_id=mod.id, team_id=team.id)
    _policy(db, team, "request")
    teams.set_role(
        session=db, actor_id=captain.id, team_id=team.id, user_id=mod.id, role="moderator"
    )
    assert teams.join(session=db, actor_id=asker.id, team_id=team.id) == "requested"
    assert _count(db, team) == 2
    told = set(
        db.exec(
            select(Notification.user_id).where(
                Notification.kind == "team", Notification.detail == "request"
            )
        )
    )
    assert told == {captain.id, mod.id}
    pending = teams.join_requests(session=db, actor_id=mod.id, team_id=team.id)
    assert [p.user_id for p in pending] == [asker.id]
    teams.decide_request(
        session=db, actor_id=mod.id, team_id=team.id, user_id=asker.id, approve=True
    )
    assert teams.role_of(db, team.id, asker.id) == "member"
    assert _count(db, team) == 3
    # Answered once: a second answer is refused and counts nothing.
    with pytest.raises(NotFound):
        teams.decide_request(
            session=db, actor_id=captain.id, team_id=team.id, user_id=asker.id, approve=True
        )
    assert _count(db, team) == 3


def test_a_declined_request_leaves_no_membership_and_can_be_asked_again(db):
    captain, asker = make_user(db), make_user(db)
    team = _team(db, captain, join_policy="request")
    teams.join(session=db, actor_id=asker.id, team_id=team.id)
    teams.decide_request(
        session=db, actor_id=captain.id, team_id=team.id, user_id=asker.id, approve=False
    )
    assert db.get(TeamMember, (team.id, asker.id)) is None
    assert teams.join(session=db, actor_id=asker.id, team_id=team.id) == "requested"
    assert _count(db, team) == 1


def test_a_member_or_an_outsider_cannot_answer_requests_with_forged_ids(db):
    captain, member, outsider, asker = (make_user(db) for _ in range(4))
    team = _team(db, captain)
    teams.join(session=db, actor_id=member.id, team_id=team.id)
    _policy(db, team, "request")
    teams.join(session=db, actor_id=asker.id, team_id=team.id)
    for actor in (member, outsider, asker):
        with pytest.raises(NotAllowed):
            teams.decide_request(
                session=db, actor_id=actor.id, team_id=team.id, user_id=asker.id, approve=True
            )
        with pytest.raises(NotAllowed):
            teams.join_requests(session=db, actor_id=actor.id, team_id=team.id)
    assert teams.role_of(db, team.id, asker.id) == ""
    assert _count(db, team) == 2


def test_only_the_captain_promotes_demotes_and_removes(db):
    captain, mod, member, outsider = (make_user(db) for _ in range(4))
    team = _team(db, captain)
    for u in (mod, member):
        teams.join(session=db, actor_id=u.id, team_id=team.id)
    teams.set_role(
        session=db, actor_id=captain.id, team_id=team.id, user_id=mod.id, role="moderator"
    )
    for actor in (mod, member, outsider):
        with pytest.raises(NotAllowed):
            teams.set_role(
                session=db, actor_id=actor.id, team_id=team.id, user_id=member.id, role="moderator"
            )
        with pytest.raises(NotAllowed):
            teams.remove_member(session=db, actor_id=actor.id, team_id=team.id, user_id=member.id)
        with pytest.raises(NotAllowed):
            teams.hand_over(session=db, actor_id=actor.id, team_id=team.id, user_id=actor.id)
        with pytest.raises(NotAllowed):
            teams.edit_team(session=db, actor_id=actor.id, team_id=team.id, name="Hijacked")
    # A moderator can't make themselves captain by naming the role either.
    with pytest.raises(InvalidInput):
        teams.set_role(
            session=db, actor_id=captain.id, team_id=team.id, user_id=mod.id, role="captain"
        )
    assert teams.role_of(db, team.id, member.id) == "member"
    assert teams.role_of(db, team.id, mod.id) == "moderator"
    db.expire_all()
    assert db.get(Team, team.id).name == "Knitters of Leipzig"
    teams.set_role(session=db, actor_id=captain.id, team_id=team.id, user_id=mod.id, role="member")
    assert teams.role_of(db, team.id, mod.id) == "member"
    teams.remove_member(session=db, actor_id=captain.id, team_id=team.id, user_id=member.id)
    assert teams.role_of(db, team.id, member.id) == "" and _count(db, team) == 2


def test_the_captain_cannot_leave_without_handing_over_and_then_stays_as_moderator(db):
    captain, heir = make_user(db), make_user(db)
    team = _team(db, captain)
    teams.join(session=db, actor_id=heir.id, team_id=team.id)
    with pytest.raises(NotAllowed):
        teams.leave(session=db, actor_id=captain.id, team_id=team.id)
    with pytest.raises(NotAllowed):
        teams.remove_member(session=db, actor_id=captain.id, team_id=team.id, user_id=captain.id)
    teams.hand_over(session=db, actor_id=captain.id, team_id=team.id, user_id=heir.id)
    db.expire_all()
    assert db.get(Team, team.id).captain_id == heir.id
    assert teams.role_of(db, team.id, captain.id) == "moderator"
    teams.leave(session=db, actor_id=captain.id, team_id=team.id)
    assert _count(db, team) == 1
    # Leaving twice changes nothing.
    teams.leave(session=db, actor_id=captain.id, team_id=team.id)
    assert _count(db, team) == 1


def test_handing_over_to_someone_outside_the_team_is_refused(db):
    captain, asker, stranger = make_user(db), make_user(db), make_user(db)
    team = _team(db, captain, join_policy="request")
    teams.join(session=db, actor_id=asker.id, team_id=team.id)
    for target in (asker.id, stranger.id, captain.id, "999999", None, -1):
        with pytest.raises(NotFound):
            teams.hand_over(session=db, actor_id=captain.id, team_id=team.id, user_id=target)
    db.expire_all()
    assert db.get(Team, team.id).captain_id == captain.id


def test_withdrawing_a_request_does_not_change_the_member_count(db):
    captain, asker = make_user(db), make_user(db)
    team = _team(db, captain, join_policy="request")
    teams.join(session=db, actor_id=asker.id, team_id=team.id)
    teams.leave(session=db, actor_id=asker.id, team_id=team.id)
    assert db.get(TeamMember, (team.id, asker.id)) is None and _count(db, team) == 1


def test_someone_the_captain_blocked_cannot_join(db):
    captain, pest = make_user(db), make_user(db)
    team = _team(db, captain)
    blocks.block(session=db, actor_id=captain.id, handle=pest.handle)
    with pytest.raises(NotAllowed):
        teams.join(session=db, actor_id=pest.id, team_id=team.id)
    assert _count(db, team) == 1


def test_joining_is_rate_limited(db, monkeypatch):
    from limits import parse

    monkeypatch.setattr(teams, "JOINS_PER_HOUR", parse("2/hour"))
    joiner = make_user(db)
    for n in range(2):
        team = _team(db, make_user(db), name=f"Open {n}")
        teams.join(session=db, actor_id=joiner.id, team_id=team.id)
    team = _team(db, make_user(db), name="Open 3")
    with pytest.raises(RateLimited):
        teams.join(session=db, actor_id=joiner.id, team_id=team.id)
    assert _count(db, team) == 1
    ratelimit.reset_all()


def test_a_private_teams_members_and_shops_are_for_members_only(db):
    captain, member, outsider = make_user(db), make_user(db), make_user(db)
    team = _team(db, captain, private=True)
    teams.join(session=db, actor_id=member.id, team_id=team.id)
    shop = make_shop(db, owner=member)
    make_listing(db, shop=shop, title="Blue scarf")
    for viewer in (None, outsider.id):
        with pytest.raises(NotFound):
            teams.members(session=db, viewer_id=viewer, ref=team.slug)
        with pytest.raises(NotFound):
            teams.member_listings(session=db, viewer_id=viewer, ref=team.slug)
        view = teams.team_view(session=db, viewer_id=viewer, ref=team.slug)
        assert not view.can_see_inside and view.pending_count == 0
    names = [
        m.handle for m in teams.members(session=db, viewer_id=member.id, ref=team.slug).members
    ]
    assert names == [captain.handle, member.handle]
    cards = teams.member_listings(session=db, viewer_id=member.id, ref=team.slug)
    assert [c.title for c in cards] == ["Blue scarf"]


def test_the_member_shop_grid_is_one_query_whatever_the_number_of_members(db):
    from sqlalchemy import event

    captain = make_user(db)
    team = _team(db, captain)
    for n in range(6):
        maker = make_user(db)
        teams.join(session=db, actor_id=maker.id, team_id=team.id)
        make_listing(db, shop=make_shop(db, owner=maker), title=f"Piece {n}")
    outsider_shop = make_shop(db)
    make_listing(db, shop=outsider_shop, title="Not a member's")
    db.expire_all()
    team_row = teams.team_by_ref(db, team.slug)
    statements = []
    listener = lambda *a: statements.append(a[2])  # noqa: E731
    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", listener)
    try:
        cards = teams.member_listings(session=db, viewer_id=None, ref=team_row.id)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert sorted(c.title for c in cards) == [f"Piece {n}" for n in range(6)]
    assert len([s for s in statements if "listing" in s.lower()]) == 1


def test_forged_and_unknown_team_ids_are_not_found(db):
    actor = make_user(db)
    for ref in (None, "", -3, 2**40, "1; drop table team", ["x"], {"a": 1}, True):
        with pytest.raises((NotFound, NotAllowed)):
            teams.join(session=db, actor_id=actor.id, team_id=ref)
    with pytest.raises(NotAllowed):
        teams.join(session=db, actor_id=None, team_id=1)


def test_demo_teams_have_members_threads_a_private_team_and_a_pending_request(db):
    from social_market.demo.generator import generate
    from social_market.demo.teams import generate_teams
    from social_market.models import ForumThread

    people = generate(db, users=12, seed=5, with_avatars=False)
    assert generate_teams(db, user_ids=people.user_ids, seed=5) == 4
    anna, ben = people.user_ids[:2]
    rows = db.exec(select(Team)).all()
    assert any(t.private for t in rows) and all(t.member_count >= 2 for t in rows)
    assert all(t.thread_count >= 1 for t in rows)
    dyers = next(t for t in rows if t.join_policy == "request" and not t.private)
    assert dyers.captain_id == anna
    assert [p.user_id for p in teams.join_requests(session=db, actor_id=anna, team_id=dyers.id)]
    assert db.get(TeamMember, (dyers.id, ben)).state == "requested"
    threads = db.exec(select(ForumThread)).all()
    assert sum(t.reply_count for t in threads) >= 10 and any(t.pinned for t in threads)
    # The limits are back to what people get.
    assert str(teams.TEAMS_PER_DAY) == str(teams.parse("3/day"))
