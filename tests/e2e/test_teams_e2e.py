"""Teams in Chromium: a captain creates a team, someone joins and starts a thread, the
captain replies; a private team's forum stays hidden from a non-member; forged events
(a member or a moderator calling the captain's handlers, wrong arguments) change
nothing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from social_market.db import session_scope
from social_market.models import ForumPost, ForumThread, Team, TeamMember
from social_market.services import forums, teams
from social_market.state.teams import (
    TeamManageState,
    TeamPageState,
    TeamsDirectoryState,
    ThreadState,
)
from tests.e2e.conftest import EventInjector, goto, shot, sign_in
from tests.e2e.test_handler_security_e2e import WRONG
from tests.factories import PASSWORD, make_listing, make_shop, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _snapshot():
    with session_scope() as session:

        def rows(model, *cols):
            return sorted(
                tuple(getattr(r, c) for c in cols) for r in session.exec(select(model)).all()
            )

        return (
            rows(
                Team, "id", "name", "about", "captain_id", "member_count", "thread_count", "private"
            ),
            rows(TeamMember, "team_id", "user_id", "role", "state"),
            rows(ForumThread, "id", "title", "reply_count", "pinned", "locked", "last_post_id"),
            rows(ForumPost, "id", "body", "hidden_at", "deleted_at"),
        )


def test_a_team_is_created_joined_and_talked_in(new_context):
    with session_scope() as session:
        captain = make_user(session, display_name="Clara Captain")
        joiner = make_user(session, display_name="Jonas Joiner")
        make_listing(session, shop=make_shop(session, owner=joiner), title="Turned ash bowl")
        captain_email, joiner_email = captain.email, joiner.email

    a = new_context().new_page()
    sign_in(a, captain_email, PASSWORD, next_path="/teams")
    expect(a.locator("#teams-link")).to_be_visible()
    a.locator("#create-team").click()
    a.locator("#field-name").fill("Wood Turners of Leipzig")
    a.locator("#field-about").fill("Bowls, spoons and <b>lathes</b>.")
    a.locator("#team-save").click()
    a.wait_for_url(re.compile(r"/team/wood-turners-of-leipzig$"))
    expect(a.get_by_role("heading", name="Wood Turners of Leipzig")).to_be_visible()
    expect(a.get_by_text("Bowls, spoons and <b>lathes</b>.")).to_be_visible()  # text, not HTML
    shot(a, "teams-created")

    b = new_context().new_page()
    sign_in(b, joiner_email, PASSWORD, next_path="/team/wood-turners-of-leipzig")
    b.locator("#team-join").click()
    expect(b.locator("#team-leave")).to_be_visible()
    expect(b.locator("#team-members")).to_contain_text("Jonas Joiner")
    expect(b.locator("#team-shops")).to_contain_text("Turned ash bowl")
    b.locator("#field-title").fill("Which wood for salad bowls?")
    b.locator("#field-body").fill("Beech or maple? <script>alert(1)</script>")
    b.locator("#thread-start").click()
    b.wait_for_url(re.compile(r"/team/wood-turners-of-leipzig/thread/\d+$"))
    expect(b.locator("#post-list")).to_contain_text("<script>alert(1)</script>")
    thread_path = b.url.split("127.0.0.1", 1)[1].split("/", 1)[1]

    goto(a, "/" + thread_path)
    a.locator("#forum-body").fill("Maple, always.")
    a.locator("#forum-send").click()
    expect(a.locator("#post-list .sm-forum-post")).to_have_count(2)
    expect(a.locator("#thread-pin")).to_be_visible()  # the captain moderates
    a.locator("#thread-pin").click()
    expect(a.get_by_text("Pinned").first).to_be_visible()
    shot(a, "teams-thread-captain")

    goto(b, "/" + thread_path)
    expect(b.locator("#post-list")).to_contain_text("Maple, always.")
    expect(b.locator("#thread-pin")).to_have_count(0)  # a member doesn't
    goto(b, "/team/wood-turners-of-leipzig")
    expect(b.locator("#thread-list")).to_contain_text("Which wood for salad bowls?")
    expect(b.locator("#thread-list")).to_contain_text("1 reply")
    shot(b, "teams-team-page-member")

    phone = new_context(width=390, height=844).new_page()
    goto(phone, "/" + thread_path)
    expect(phone.locator("#post-list")).to_contain_text("Maple, always.")
    shot(phone, "teams-thread-phone")
    goto(phone, "/teams")
    expect(phone.locator("#team-directory")).to_contain_text("Wood Turners of Leipzig")
    shot(phone, "teams-directory-phone")


@pytest.fixture(scope="module")
def private_team(app_url):
    with session_scope() as session:
        captain, mod, member, stranger = (make_user(session) for _ in range(4))
        team = teams.create_team(
            session=session,
            actor_id=captain.id,
            name="Secret Quilters",
            private=True,
            join_policy="request",
        )
        team.join_policy = "open"
        session.add(team)
        session.flush()
        for u in (mod, member):
            teams.join(session=session, actor_id=u.id, team_id=team.id)
        team.join_policy = "request"
        session.add(team)
        teams.set_role(
            session=session, actor_id=captain.id, team_id=team.id, user_id=mod.id, role="moderator"
        )
        thread = forums.start_thread(
            session=session,
            actor_id=member.id,
            team_id=team.id,
            title="PRIVATEFORUM thread",
            body="PRIVATEBODY words",
        )
        post = forums.reply(
            session=session, actor_id=captain.id, thread_id=thread.id, body="captain says hi"
        )
        return {
            "slug": team.slug,
            "team": team.id,
            "thread": thread.id,
            "post": post.id,
            "captain": captain.id,
            "mod": mod.id,
            "member": member.id,
            "stranger_email": stranger.email,
            "member_email": member.email,
            "mod_email": mod.email,
        }


def test_a_private_forum_is_hidden_from_a_non_member_even_with_forged_events(
    new_context, private_team
):
    w = private_team
    page = new_context().new_page()
    injector = EventInjector(page)
    sign_in(page, w["stranger_email"], PASSWORD, next_path=f"/team/{w['slug']}")
    expect(page.locator("#team-private")).to_be_visible()
    expect(page.locator("#team-join")).to_have_text("Ask to join")
    shot(page, "teams-private-outsider")
    goto(page, f"/team/{w['slug']}/thread/{w['thread']}")
    expect(page.get_by_text("Page not found")).to_be_visible()
    before = _snapshot()
    injector.send(ThreadState, "send", {"form_data": {"body": "sneaky reply"}})
    injector.send(ThreadState, "set_hidden", {"post_id": w["post"], "hidden": True})
    injector.send(ThreadState, "set_locked", {"on": True})
    injector.send(ThreadState, "more", {})
    goto(page, f"/team/{w['slug']}/manage")
    expect(page.get_by_text("Page not found")).to_be_visible()
    injector.send(TeamManageState, "decide", {"user_id": w["member"], "approve": False})
    injector.send(TeamManageState, "remove", {"user_id": w["member"]})
    page.wait_for_timeout(1500)
    assert _snapshot() == before
    sent = "".join(injector.received)
    assert "PRIVATEFORUM" not in sent and "PRIVATEBODY" not in sent
    expect(page.locator("body")).not_to_contain_text("PRIVATE")


def test_a_member_and_a_moderator_calling_the_captains_handlers_change_nothing(
    new_context, private_team
):
    w = private_team
    member = new_context().new_page()
    injector = EventInjector(member)
    sign_in(
        member, w["member_email"], PASSWORD, next_path=f"/team/{w['slug']}/thread/{w['thread']}"
    )
    expect(member.locator("#post-list")).to_contain_text("PRIVATEBODY words")
    before = _snapshot()
    injector.send(ThreadState, "set_pinned", {"on": True})
    injector.send(ThreadState, "set_locked", {"on": True})
    injector.send(ThreadState, "set_hidden", {"post_id": w["post"], "hidden": True})
    injector.send(ThreadState, "delete", {"post_id": w["post"]})
    injector.send(ThreadState, "start_edit", {"post_id": w["post"]})
    goto(member, f"/team/{w['slug']}/manage")
    for handler, payload in (
        ("set_role", {"user_id": w["member"], "role": "moderator"}),
        ("hand_over", {"user_id": w["member"]}),
        ("remove", {"user_id": w["captain"]}),
        ("save", {"form_data": {"name": "HIJACKED"}}),
    ):
        injector.send(TeamManageState, handler, payload)
    member.wait_for_timeout(1500)
    assert _snapshot() == before

    mod = new_context().new_page()
    injector = EventInjector(mod)
    sign_in(mod, w["mod_email"], PASSWORD, next_path=f"/team/{w['slug']}/manage")
    expect(mod.locator("#team-members")).to_be_visible()
    expect(mod.locator(".sm-make-moderator")).to_have_count(0)  # not the captain's buttons
    shot(mod, "teams-manage-moderator")
    for handler, payload in (
        ("set_role", {"user_id": w["member"], "role": "moderator"}),
        ("set_role", {"user_id": w["mod"], "role": "captain"}),
        ("hand_over", {"user_id": w["mod"]}),
        ("remove", {"user_id": w["member"]}),
        ("remove", {"user_id": w["captain"]}),
        ("save", {"form_data": {"name": "HIJACKED", "private": False}}),
    ):
        injector.send(TeamManageState, handler, payload)
    mod.wait_for_timeout(1500)
    assert _snapshot() == before


def test_team_handlers_signed_out_with_wrong_arguments_change_nothing(page, private_team):
    injector = EventInjector(page)
    goto(page, f"/team/{private_team['slug']}")
    before = _snapshot()
    one_arg = [
        (TeamsDirectoryState, "search", "form_data"),
        (TeamsDirectoryState, "set_creating", "on"),
        (TeamsDirectoryState, "create", "form_data"),
        (TeamsDirectoryState, "more", None),
        (TeamPageState, "join", None),
        (TeamPageState, "leave", None),
        (TeamPageState, "more", None),
        (TeamPageState, "start_thread", "form_data"),
        (ThreadState, "send", "form_data"),
        (ThreadState, "start_edit", "post_id"),
        (ThreadState, "delete", "post_id"),
        (ThreadState, "set_pinned", "on"),
        (ThreadState, "set_locked", "on"),
        (TeamManageState, "remove", "user_id"),
        (TeamManageState, "hand_over", "user_id"),
        (TeamManageState, "save", "form_data"),
    ]
    for state, handler, arg in one_arg:
        for value in WRONG if arg else [None]:
            injector.send(state, handler, {arg: value} if arg else {})
    for value in WRONG:
        injector.send(ThreadState, "set_hidden", {"post_id": value, "hidden": value})
        injector.send(TeamManageState, "decide", {"user_id": value, "approve": value})
        injector.send(TeamManageState, "set_role", {"user_id": value, "role": value})
    page.wait_for_timeout(1500)
    assert _snapshot() == before
    goto(page, "/teams")
    expect(page.locator("#main")).to_be_visible()
