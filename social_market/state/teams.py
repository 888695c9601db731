"""Teams pages' states: the directory and "Create a team", a team's page (join, leave,
members' shops, threads, a new thread), a thread (posts, reply, edit, moderation) and
the manage page (requests, roles, editing the team).

Thin: each handler checks who is asking, calls a service and sets vars. The team and
the thread come from the page's address (kept in backend ``_vars``), never from
handler arguments; ids that do arrive (a post, a person) are checked by the services
against the asker's own role in that team.
"""

from __future__ import annotations

from urllib.parse import unquote

import reflex as rx

from social_market.db import session_scope
from social_market.i18n.catalog import BABEL_LOCALE
from social_market.models.market import ListingCard
from social_market.services import (
    forums,
    social_reports,  # noqa: F401 - makes forum posts reportable
    teams,
)
from social_market.services.errors import DomainError
from social_market.services.forums import PostCard, ThreadCard
from social_market.services.ids import as_id
from social_market.services.teams import MemberCard, TeamCard, TeamView
from social_market.state.forms import FormState

_TEAM_FIELDS = ("name", "about", "kind", "city", "country", "join_policy", "private")


def _team_form(data: dict[str, object]) -> dict[str, object]:
    return {k: data.get(k) for k in _TEAM_FIELDS}


class TeamsBase(FormState):
    def _locale(self) -> str | None:
        return BABEL_LOCALE.get(self.lang)

    def _parts(self) -> list[str]:
        path = str(self.router.url.path or "").strip("/")
        return [unquote(p) for p in path.split("/")]

    def _slug(self) -> str:
        parts = self._parts()
        return parts[1] if len(parts) >= 2 and parts[0] == "team" else ""

    def _toast(self, exc: DomainError):
        return rx.toast.error(exc.translated(self.lang))


class TeamsDirectoryState(TeamsBase):
    """/teams: the directory (search, most members first), my teams, "Create a team"."""

    teams: list[TeamCard] = []
    mine: list[TeamCard] = []
    next_cursor: str = ""
    loaded: bool = False
    query: str = ""
    creating: bool = False

    def _fetch(self, cursor: str = "") -> None:
        with session_scope() as session:
            page = teams.directory(session=session, query=self.query, cursor=cursor)
        self.teams = [*self.teams, *page.teams] if cursor else page.teams
        self.next_cursor = page.next_cursor

    @rx.event
    def load(self):
        self._clear()
        me = self._user_id_or_none()
        self.query, self.creating = "", False
        self._fetch()
        with session_scope() as session:
            self.mine = teams.my_teams(session=session, actor_id=me)
        self.loaded = True

    @rx.event
    def search(self, form_data: dict):
        data = self._form(form_data)
        if data is None:
            return None
        q = data.get("q")
        self.query = q[:60] if isinstance(q, str) else ""
        try:
            self._fetch()
        except DomainError as exc:
            self.query = ""
            return self._toast(exc)
        return None

    @rx.event
    def more(self):
        if not self.next_cursor:
            return None
        try:
            self._fetch(self.next_cursor)
        except DomainError as exc:
            return self._toast(exc)
        return None

    @rx.event
    def set_creating(self, on: bool):
        if not isinstance(on, bool):
            return None
        if on and self._user_id_or_none() is None:
            return self._sign_in_redirect()
        self._clear()
        self.creating = on
        return None

    @rx.event
    def create(self, form_data: dict):
        begun = self._begin(form_data)
        if begun is None:
            return None
        me, data = begun
        try:
            with session_scope() as session:
                team = teams.create_team(session=session, actor_id=me, **_team_form(data))
                slug = team.slug
        except DomainError as exc:
            self._fail(exc)
            return None
        return rx.redirect(teams.team_url(slug))


class TeamPageState(TeamsBase):
    """/team/<slug>: about, join/leave, members' shops, threads, a new thread."""

    found: bool = False
    loaded: bool = False
    view: TeamView | None = None
    listings: list[ListingCard] = []
    members: list[MemberCard] = []
    threads: list[ThreadCard] = []
    next_cursor: str = ""
    _team_id: int | None = None

    def _refresh(self, me: int | None) -> None:
        slug = self._slug()
        try:
            with session_scope() as session:
                view = teams.team_view(session=session, viewer_id=me, ref=slug)
                self._team_id = view.team.id
                self.view, self.found = view, True
                if view.can_see_inside:
                    self.listings = teams.member_listings(
                        session=session, viewer_id=me, ref=view.team.id, locale=self._locale()
                    )
                    self.members = teams.members(
                        session=session, viewer_id=me, ref=view.team.id
                    ).members
                    page = forums.threads(
                        session=session, viewer_id=me, team_ref=view.team.id, locale=self._locale()
                    )
                    self.threads, self.next_cursor = page.threads, page.next_cursor
                else:
                    self.listings, self.members, self.threads, self.next_cursor = [], [], [], ""
        except DomainError:
            self.found, self.view, self._team_id = False, None, None
            self.listings, self.members, self.threads, self.next_cursor = [], [], [], ""

    @rx.event
    def load(self):
        self._clear()
        self._refresh(self._user_id_or_none())
        self.loaded = True

    @rx.event
    def more(self):
        if not self.next_cursor or self._team_id is None:
            return None
        try:
            with session_scope() as session:
                page = forums.threads(
                    session=session,
                    viewer_id=self._user_id_or_none(),
                    team_ref=self._team_id,
                    cursor=self.next_cursor,
                    locale=self._locale(),
                )
        except DomainError as exc:
            return self._toast(exc)
        self.threads = [*self.threads, *page.threads]
        self.next_cursor = page.next_cursor
        return None

    def _act(self, fn, **kwargs):
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        if self._team_id is None:
            return None
        try:
            with session_scope() as session:
                fn(session=session, actor_id=me, team_id=self._team_id, **kwargs)
        except DomainError as exc:
            self._refresh(me)
            return self._toast(exc)
        self._refresh(me)
        return None

    @rx.event
    def join(self):
        return self._act(teams.join)

    @rx.event
    def leave(self):
        return self._act(teams.leave)

    @rx.event
    def start_thread(self, form_data: dict):
        begun = self._begin(form_data)
        if begun is None or self._team_id is None:
            return None
        me, data = begun
        try:
            with session_scope() as session:
                thread = forums.start_thread(
                    session=session,
                    actor_id=me,
                    team_id=self._team_id,
                    title=data.get("title"),
                    body=data.get("body"),
                )
                url = forums.thread_url(self._slug(), thread.id or 0)
        except DomainError as exc:
            self._fail(exc)
            return None
        return rx.redirect(url)


class ThreadState(TeamsBase):
    """/team/<slug>/thread/<id>: the posts, a reply box, the author's edit and delete,
    and the captain's and moderators' hide, pin and lock."""

    found: bool = False
    loaded: bool = False
    thread: ThreadCard | None = None
    team_slug: str = ""
    team_name: str = ""
    posts: list[PostCard] = []
    next_cursor: str = ""
    can_reply: bool = False
    can_moderate: bool = False
    why_not: str = ""
    editing: int = 0
    _thread_id: int | None = None

    def _where(self) -> tuple[str, int | None]:
        parts = self._parts()
        if len(parts) == 4 and parts[0] == "team" and parts[2] == "thread":
            return parts[1], as_id(parts[3])
        return "", None

    def _refresh(self, me: int | None, *, upto: int = 0) -> None:
        """Reload the thread (and as many pages as were shown, up to ``upto`` posts)."""
        slug, tid = self._where()
        try:
            with session_scope() as session:
                view = forums.thread_view(
                    session=session,
                    viewer_id=me,
                    thread_id=tid,
                    team_ref=slug,
                    locale=self._locale(),
                )
                posts = list(view.posts)
                cursor = view.next_cursor
                while cursor and len(posts) < upto:
                    more = forums.thread_view(
                        session=session,
                        viewer_id=me,
                        thread_id=tid,
                        team_ref=slug,
                        cursor=cursor,
                        locale=self._locale(),
                    )
                    posts += more.posts
                    cursor = more.next_cursor
        except DomainError:
            self.found, self.thread, self.posts, self._thread_id = False, None, [], None
            self.can_reply = self.can_moderate = False
            self.next_cursor = ""
            return
        self._thread_id = view.thread.id
        self.found, self.thread, self.posts, self.next_cursor = True, view.thread, posts, cursor
        self.team_slug, self.team_name = view.team_slug, view.team_name
        self.can_reply, self.can_moderate = view.can_reply, view.can_moderate
        self.why_not = self._t(view.why_not) if view.why_not else ""

    @rx.event
    def load(self):
        self._clear()
        self.editing = 0
        self._refresh(self._user_id_or_none())
        self.loaded = True

    @rx.event
    def more(self):
        if not self.next_cursor or self._thread_id is None:
            return None
        try:
            with session_scope() as session:
                view = forums.thread_view(
                    session=session,
                    viewer_id=self._user_id_or_none(),
                    thread_id=self._thread_id,
                    cursor=self.next_cursor,
                    locale=self._locale(),
                )
        except DomainError as exc:
            return self._toast(exc)
        self.posts = [*self.posts, *view.posts]
        self.next_cursor = view.next_cursor
        return None

    @rx.event
    def send(self, form_data: dict):
        """The reply box, or the edit box of the post being edited."""
        begun = self._begin(form_data)
        if begun is None or self._thread_id is None:
            return None
        me, data = begun
        try:
            with session_scope() as session:
                if self.editing:
                    forums.edit_post(
                        session=session, actor_id=me, post_id=self.editing, body=data.get("body")
                    )
                else:
                    forums.reply(
                        session=session,
                        actor_id=me,
                        thread_id=self._thread_id,
                        body=data.get("body"),
                    )
        except DomainError as exc:
            self._fail(exc)
            return None
        self.editing = 0
        self._refresh(me, upto=len(self.posts) + 1)
        return rx.call_script("document.querySelectorAll('.sm-forum-form').forEach(f => f.reset())")

    @rx.event
    def start_edit(self, post_id: int):
        self._clear()
        if isinstance(post_id, int) and any(p.id == post_id and p.can_edit for p in self.posts):
            self.editing = post_id

    @rx.event
    def cancel_edit(self):
        self._clear()
        self.editing = 0

    def _act(self, fn, **kwargs):
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        if self._thread_id is None:
            return None
        try:
            with session_scope() as session:
                fn(session=session, actor_id=me, **kwargs)
        except DomainError as exc:
            return self._toast(exc)
        finally:
            self._refresh(me, upto=len(self.posts))
        return None

    @rx.event
    def delete(self, post_id: int):
        return self._act(forums.delete_post, post_id=post_id)

    @rx.event
    def set_hidden(self, post_id: int, hidden: bool):
        return self._act(forums.set_post_hidden, post_id=post_id, hidden=hidden)

    @rx.event
    def set_pinned(self, on: bool):
        return self._act(forums.set_thread_flags, thread_id=self._thread_id, pinned=on)

    @rx.event
    def set_locked(self, on: bool):
        return self._act(forums.set_thread_flags, thread_id=self._thread_id, locked=on)


class TeamManageState(TeamsBase):
    """/team/<slug>/manage: requests (captain and moderators), members' roles and the
    team's details (captain). Everyone else sees a not-found page."""

    allowed: bool = False
    loaded: bool = False
    view: TeamView | None = None
    requests: list[MemberCard] = []
    members: list[MemberCard] = []
    _team_id: int | None = None

    def _refresh(self, me: int | None) -> None:
        try:
            with session_scope() as session:
                view = teams.team_view(session=session, viewer_id=me, ref=self._slug())
                if not view.can_moderate or me is None:
                    raise DomainError("not allowed")
                self.requests = teams.join_requests(
                    session=session, actor_id=me, team_id=view.team.id
                )
                self.members = teams.members(
                    session=session, viewer_id=me, ref=view.team.id
                ).members
        except DomainError:
            self.allowed, self.view, self._team_id = False, None, None
            self.requests, self.members = [], []
            return
        self.allowed, self.view, self._team_id = True, view, view.team.id

    @rx.event
    def load(self):
        self._clear()
        self._refresh(self._user_id_or_none())
        self.loaded = True

    def _act(self, fn, **kwargs):
        me = self._user_id_or_none()
        if me is None:
            return self._sign_in_redirect()
        if self._team_id is None:
            return None
        try:
            with session_scope() as session:
                fn(session=session, actor_id=me, team_id=self._team_id, **kwargs)
        except DomainError as exc:
            return self._toast(exc)
        finally:
            self._refresh(me)
        return None

    @rx.event
    def decide(self, user_id: int, approve: bool):
        return self._act(teams.decide_request, user_id=user_id, approve=approve)

    @rx.event
    def set_role(self, user_id: int, role: str):
        return self._act(teams.set_role, user_id=user_id, role=role)

    @rx.event
    def remove(self, user_id: int):
        return self._act(teams.remove_member, user_id=user_id)

    @rx.event
    def hand_over(self, user_id: int):
        return self._act(teams.hand_over, user_id=user_id)

    @rx.event
    def save(self, form_data: dict):
        begun = self._begin(form_data)
        if begun is None or self._team_id is None:
            return None
        me, data = begun
        try:
            with session_scope() as session:
                teams.edit_team(
                    session=session, actor_id=me, team_id=self._team_id, **_team_form(data)
                )
        except DomainError as exc:
            self._fail(exc)
            return None
        self._refresh(me)
        self.notice = self._t("Saved.")
        return None
