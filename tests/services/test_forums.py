"""A team's forum: who reads and writes, moderation by the team, reports, counters,
rate limits, text kept as text, and keyset pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from limits import parse
from sqlmodel import select

from social_market.models import ForumPost, ForumThread, Notification, Report, Team
from social_market.services import (
    blocks,
    forums,
    ratelimit,
    reports,
    social_reports,  # noqa: F401 - registers forum_post
    teams,
)
from social_market.services.errors import InvalidInput, NotAllowed, NotFound, RateLimited
from tests.factories import make_user


@pytest.fixture
def crew(db):
    """A team with a captain, a moderator and a member; an outsider."""
    captain, mod, member, outsider = (make_user(db) for _ in range(4))
    team = teams.create_team(session=db, actor_id=captain.id, name="Wood turners")
    for u in (mod, member):
        teams.join(session=db, actor_id=u.id, team_id=team.id)
    teams.set_role(
        session=db, actor_id=captain.id, team_id=team.id, user_id=mod.id, role="moderator"
    )
    return team, captain, mod, member, outsider


def _thread(db, team, author, title="Which wood for bowls?", body="Beech or maple?"):
    return forums.start_thread(
        session=db, actor_id=author.id, team_id=team.id, title=title, body=body
    )


def _reply(db, thread, author, body="Maple, always."):
    return forums.reply(session=db, actor_id=author.id, thread_id=thread.id, body=body)


def _fresh(db, model, key):
    db.expire_all()
    return db.get(model, key)


def _private(db, team):
    team.private, team.join_policy = True, "request"
    db.add(team)
    db.flush()


def test_a_thread_and_its_replies_keep_exact_counters(db, crew):
    team, captain, mod, member, _ = crew
    thread = _thread(db, team, member)
    first = _reply(db, thread, captain)
    _reply(db, thread, mod)
    t = _fresh(db, ForumThread, thread.id)
    assert t.reply_count == 2 and _fresh(db, Team, team.id).thread_count == 1
    assert t.last_post_id > first.id
    forums.delete_post(session=db, actor_id=captain.id, post_id=first.id)
    with pytest.raises(NotFound):  # deleting twice: already gone
        forums.delete_post(session=db, actor_id=captain.id, post_id=first.id)
    assert _fresh(db, ForumThread, thread.id).reply_count == 1
    view = forums.thread_view(session=db, viewer_id=None, thread_id=thread.id)
    assert [p.segments[0].text for p in view.posts] == ["Beech or maple?", "Maple, always."]
    assert view.posts[0].opening and not view.posts[1].opening


def test_the_thread_author_is_told_of_replies_and_mentioned_people_too(db, crew):
    team, captain, mod, member, _ = crew
    thread = _thread(db, team, member)
    _reply(db, thread, captain, body=f"Ask @{mod.handle} about it")
    kinds = {
        (n.user_id, n.kind, n.detail)
        for n in db.exec(select(Notification).where(Notification.actor_id == captain.id))
    }
    assert (member.id, "team", "reply") in kinds and (mod.id, "mention", "") in kinds


def test_html_in_titles_and_posts_stays_text(db, crew):
    team, _, _, member, _ = crew
    evil = '<script>alert(1)</script><img src=x onerror="x()">'
    thread = _thread(db, team, member, title=evil, body=evil)
    view = forums.thread_view(session=db, viewer_id=None, thread_id=thread.id)
    assert view.thread.title == evil
    assert "".join(s.text for s in view.posts[0].segments) == evil
    assert all(s.href == "" for s in view.posts[0].segments)


@pytest.mark.parametrize(
    ("title", "body", "field"),
    [
        ("", "body", "title"),
        ("ab", "body", "title"),
        ("x" * 141, "body", "title"),
        (None, "body", "title"),
        (["t"], "body", "title"),
        ("Fine title", "", "body"),
        ("Fine title", "   \n  ", "body"),
        ("Fine title", "x" * 5001, "body"),
        ("Fine title", {"a": 1}, "body"),
    ],
)
def test_bad_threads_are_refused_and_nothing_is_written(db, crew, title, body, field):
    team, _, _, member, _ = crew
    with pytest.raises(InvalidInput) as err:
        _thread(db, team, member, title=title, body=body)
    assert err.value.field == field
    assert db.exec(select(ForumThread).where(ForumThread.team_id == team.id)).first() is None
    assert _fresh(db, Team, team.id).thread_count == 0


def test_empty_or_too_long_replies_are_refused(db, crew):
    team, _, _, member, _ = crew
    thread = _thread(db, team, member)
    for body in ("", "  ", "x" * 5001, 42):
        with pytest.raises(InvalidInput):
            _reply(db, thread, member, body=body)
    assert _fresh(db, ForumThread, thread.id).reply_count == 0


def test_only_members_write_and_anyone_reads_a_public_forum(db, crew):
    team, _, _, member, outsider = crew
    with pytest.raises(NotAllowed):
        _thread(db, team, outsider)
    thread = _thread(db, team, member)
    with pytest.raises(NotAllowed):
        _reply(db, thread, outsider)
    with pytest.raises(NotAllowed):
        forums.reply(session=db, actor_id=None, thread_id=thread.id, body="hi")
    view = forums.thread_view(session=db, viewer_id=outsider.id, thread_id=thread.id)
    assert not view.can_reply and view.why_not == "Join the team to reply."
    page = forums.threads(session=db, viewer_id=None, team_ref=team.slug)
    assert [t.id for t in page.threads] == [thread.id]


def test_a_private_forum_is_not_found_for_non_members_even_with_forged_ids(db, crew):
    team, captain, _, member, outsider = crew
    thread = _thread(db, team, member)
    post = _reply(db, thread, captain)
    _private(db, team)
    asker = make_user(db)
    _team_request = teams.join(session=db, actor_id=asker.id, team_id=team.id)
    for viewer in (None, outsider.id, asker.id):  # a pending request is not membership
        with pytest.raises(NotFound):
            forums.threads(session=db, viewer_id=viewer, team_ref=team.slug)
        with pytest.raises(NotFound):
            forums.thread_view(session=db, viewer_id=viewer, thread_id=thread.id)
        with pytest.raises(NotFound):
            forums.thread_view(
                session=db, viewer_id=viewer, thread_id=str(thread.id), team_ref=team.slug
            )
    for actor in (outsider, asker):
        with pytest.raises(NotFound):
            _reply(db, thread, actor)
        with pytest.raises(NotFound):
            forums.edit_post(session=db, actor_id=actor.id, post_id=post.id, body="x")
        with pytest.raises(NotFound):
            forums.set_post_hidden(session=db, actor_id=actor.id, post_id=post.id, hidden=True)
        with pytest.raises(NotFound):
            forums.set_thread_flags(session=db, actor_id=actor.id, thread_id=thread.id, locked=True)
        with pytest.raises(NotFound):
            reports.report(
                session=db,
                actor_id=actor.id,
                target_kind="forum_post",
                target_id=post.id,
                reason="spam",
            )
    assert len(forums.threads(session=db, viewer_id=member.id, team_ref=team.slug).threads) == 1


def test_a_thread_asked_for_under_another_teams_address_is_not_found(db, crew):
    team, _, _, member, _ = crew
    other = teams.create_team(session=db, actor_id=make_user(db).id, name="Other team")
    thread = _thread(db, team, member)
    with pytest.raises(NotFound):
        forums.thread_view(session=db, viewer_id=None, thread_id=thread.id, team_ref=other.slug)


def test_only_the_captain_and_moderators_hide_pin_and_lock(db, crew):
    team, captain, mod, member, outsider = crew
    thread = _thread(db, team, captain)
    post = _reply(db, thread, captain)
    for actor in (member, outsider):
        with pytest.raises(NotAllowed):
            forums.set_post_hidden(session=db, actor_id=actor.id, post_id=post.id, hidden=True)
        with pytest.raises(NotAllowed):
            forums.set_thread_flags(
                session=db, actor_id=actor.id, thread_id=thread.id, pinned=True, locked=True
            )
    t = _fresh(db, ForumThread, thread.id)
    assert not t.pinned and not t.locked and _fresh(db, ForumPost, post.id).hidden_at is None
    forums.set_post_hidden(session=db, actor_id=mod.id, post_id=post.id, hidden=True)
    forums.set_thread_flags(session=db, actor_id=mod.id, thread_id=thread.id, pinned=True)
    forums.set_thread_flags(session=db, actor_id=captain.id, thread_id=thread.id, locked=True)
    t = _fresh(db, ForumThread, thread.id)
    assert t.pinned and t.locked
    with pytest.raises(InvalidInput):
        forums.set_thread_flags(session=db, actor_id=mod.id, thread_id=thread.id, locked="yes")


def test_a_hidden_post_reaches_only_its_author_and_the_teams_moderators(db, crew):
    team, captain, mod, member, outsider = crew
    thread = _thread(db, team, captain)
    post = _reply(db, thread, member, body="spammy")
    forums.set_post_hidden(session=db, actor_id=mod.id, post_id=post.id, hidden=True)

    def bodies(viewer):
        view = forums.thread_view(session=db, viewer_id=viewer, thread_id=thread.id)
        return [p.id for p in view.posts]

    assert post.id not in bodies(None) and post.id not in bodies(outsider.id)
    assert post.id in bodies(member.id) and post.id in bodies(captain.id)
    assert _fresh(db, ForumThread, thread.id).reply_count == 1  # hiding can be undone


def test_a_locked_thread_takes_no_replies(db, crew):
    team, captain, _, member, _ = crew
    thread = _thread(db, team, member)
    forums.set_thread_flags(session=db, actor_id=captain.id, thread_id=thread.id, locked=True)
    with pytest.raises(NotAllowed):
        _reply(db, thread, captain)
    assert _fresh(db, ForumThread, thread.id).reply_count == 0
    assert db.exec(select(ForumPost).where(ForumPost.thread_id == thread.id)).all().__len__() == 1
    view = forums.thread_view(session=db, viewer_id=member.id, thread_id=thread.id)
    assert not view.can_reply and view.why_not == "This thread is locked."


def test_blocks_work_like_comments(db, crew):
    team, captain, _, member, _ = crew
    thread = _thread(db, team, member)
    _reply(db, thread, captain, body="from the captain")
    blocks.block(session=db, actor_id=member.id, handle=captain.handle)
    # The thread's author blocked the captain: the captain can't reply there …
    with pytest.raises(NotAllowed):
        _reply(db, thread, captain)
    # … and the author no longer sees the captain's posts.
    view = forums.thread_view(session=db, viewer_id=member.id, thread_id=thread.id)
    assert [p.segments[0].text for p in view.posts] == ["Beech or maple?"]
    view = forums.thread_view(session=db, viewer_id=captain.id, thread_id=thread.id)
    assert not view.can_reply


def test_authors_edit_within_the_window_and_nobody_edits_or_deletes_others_posts(db, crew):
    team, captain, mod, member, _ = crew
    thread = _thread(db, team, member)
    post = _reply(db, thread, member)
    for actor in (captain, mod):
        with pytest.raises(NotAllowed):
            forums.edit_post(session=db, actor_id=actor.id, post_id=post.id, body="mine now")
        with pytest.raises(NotAllowed):
            forums.delete_post(session=db, actor_id=actor.id, post_id=post.id)
    forums.edit_post(session=db, actor_id=member.id, post_id=post.id, body="Maple or cherry.")
    assert _fresh(db, ForumPost, post.id).edited_at is not None
    row = _fresh(db, ForumPost, post.id)
    row.created_at = row.created_at - forums.EDIT_WINDOW - timedelta(seconds=1)
    db.add(row)
    db.flush()
    with pytest.raises(NotAllowed):
        forums.edit_post(session=db, actor_id=member.id, post_id=post.id, body="late")
    assert _fresh(db, ForumPost, post.id).body == "Maple or cherry."


def test_posting_and_starting_threads_are_rate_limited(db, crew, monkeypatch):
    team, _, _, member, _ = crew
    thread = _thread(db, team, member)
    for _ in range(4):
        _reply(db, thread, member)
    with pytest.raises(RateLimited):
        _reply(db, thread, member)
    assert _fresh(db, ForumThread, thread.id).reply_count == 4
    ratelimit.reset_all()
    monkeypatch.setattr(forums, "THREADS_PER_HOUR", parse("2/hour"))
    monkeypatch.setattr(forums, "POSTS_PER_MINUTE", parse("100/minute"))
    _thread(db, team, member, title="Second")
    _thread(db, team, member, title="Third")
    with pytest.raises(RateLimited):
        _thread(db, team, member, title="Fourth")
    assert _fresh(db, Team, team.id).thread_count == 3
    ratelimit.reset_all()


def test_thread_list_puts_pinned_first_then_latest_activity_in_keyset_pages(db, crew, monkeypatch):
    team, captain, _, member, _ = crew
    monkeypatch.setattr(forums, "POSTS_PER_MINUTE", parse("1000/minute"))
    monkeypatch.setattr(forums, "THREADS_PER_HOUR", parse("1000/hour"))
    monkeypatch.setattr(forums, "THREADS_PAGE", 2)
    made = [_thread(db, team, member, title=f"Thread {n}") for n in range(5)]
    _reply(db, made[1], captain)  # thread 1 is now the latest
    forums.set_thread_flags(session=db, actor_id=captain.id, thread_id=made[3].id, pinned=True)
    seen, cursor = [], ""
    while True:
        page = forums.threads(session=db, viewer_id=None, team_ref=team.slug, cursor=cursor)
        seen += [t.title for t in page.threads]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == ["Thread 3", "Thread 1", "Thread 4", "Thread 2", "Thread 0"]
    bad = forums.threads(session=db, viewer_id=None, team_ref=team.slug, cursor="zz")
    assert bad.threads[0].title == "Thread 3"
    ratelimit.reset_all()


def test_thread_pages_go_oldest_first_by_keyset(db, crew, monkeypatch):
    team, _, _, member, _ = crew
    monkeypatch.setattr(forums, "POSTS_PER_MINUTE", parse("1000/minute"))
    monkeypatch.setattr(forums, "POSTS_PAGE", 3)
    thread = _thread(db, team, member, body="post 0")
    for n in range(1, 8):
        _reply(db, thread, member, body=f"post {n}")
    seen, cursor = [], ""
    while True:
        view = forums.thread_view(session=db, viewer_id=None, thread_id=thread.id, cursor=cursor)
        seen += [p.segments[0].text for p in view.posts]
        if not view.next_cursor:
            break
        cursor = view.next_cursor
    assert seen == [f"post {n}" for n in range(8)]
    ratelimit.reset_all()


def test_a_forum_post_can_be_reported_and_hidden_by_site_moderators(db, crew):
    team, captain, _, member, outsider = crew
    thread = _thread(db, team, member)
    post = _reply(db, thread, captain, body="rude words")
    reports.report(
        session=db,
        actor_id=outsider.id,
        target_kind="forum_post",
        target_id=post.id,
        reason="harassment",
    )
    assert db.exec(select(Report).where(Report.target_kind == "forum_post")).first() is not None
    with pytest.raises(InvalidInput):  # not one's own
        reports.report(
            session=db,
            actor_id=captain.id,
            target_kind="forum_post",
            target_id=post.id,
            reason="spam",
        )
    adapter = reports.target_adapter("forum_post")
    adapter.hide(db, post.id)
    view = forums.thread_view(session=db, viewer_id=outsider.id, thread_id=thread.id)
    assert post.id not in [p.id for p in view.posts]
    info = adapter.load(db, [post.id])[post.id]
    assert info.hidden and info.url.endswith(f"/thread/{thread.id}#post-{post.id}")


def test_listing_links_are_found_in_a_post(db):
    text = (
        "See /listing/12-blue-scarf and https://market.example/listing/7 and "
        "/listing/12 again, not /listings/3 or /listing/x or /listing/99999999999"
    )
    assert forums.listing_ids_in(text) == [12, 7]
    assert forums.listing_ids_in(None) == []


def test_forged_ids_and_types_are_refused(db, crew):
    team, captain, _, member, _ = crew
    thread = _thread(db, team, member)
    for bad in (None, "", -1, 2**40, "abc", [1], True):
        with pytest.raises((NotFound, NotAllowed)):
            forums.reply(session=db, actor_id=member.id, thread_id=bad, body="x")
        with pytest.raises((NotFound, NotAllowed, InvalidInput)):
            forums.set_post_hidden(session=db, actor_id=captain.id, post_id=bad, hidden=True)
        with pytest.raises((NotFound, NotAllowed)):
            forums.start_thread(
                session=db, actor_id=member.id, team_id=bad, title="Hello", body="x"
            )
    with pytest.raises(InvalidInput):
        forums.set_post_hidden(
            session=db, actor_id=captain.id, post_id=thread.last_post_id, hidden="1"
        )


def test_a_deleted_account_loses_its_posts_text_and_its_captaincy_passes_on(db, crew):
    from social_market.services import accounts
    from tests.factories import PASSWORD

    team, captain, mod, member, _ = crew
    thread = _thread(db, team, member)
    post = _reply(db, thread, captain, body="captain's words")
    accounts.delete_account(session=db, user_id=captain.id, password=PASSWORD)
    gone = _fresh(db, ForumPost, post.id)
    assert gone.body == "" and gone.deleted_at is not None
    assert _fresh(db, ForumThread, thread.id).reply_count == 0
    t = _fresh(db, Team, team.id)
    assert t.captain_id == mod.id and t.member_count == 2
    assert teams.role_of(db, team.id, mod.id) == "captain"
