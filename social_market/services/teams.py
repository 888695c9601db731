"""Teams: interest or local groups of people with a captain, moderators and members.

Roles: the captain (one per team) edits the team, promotes and demotes moderators,
removes members and hands the captaincy over; moderators (and the captain) let people
in who asked to join and keep the forum tidy (services/forums.py). A private team
shows its forum and member list to its members only; everyone else gets NotFound, as
if the inside did not exist. Every id arriving from the browser is checked against
the actor's own role in the team; nothing trusts an id for who is asking.

Counters (``member_count``, ``thread_count``) change by conditional UPDATEs in the
same transaction as the rows they count, so they stay exact under concurrency.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

from limits import parse
from pydantic import BaseModel
from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from social_market.i18n.catalog import N_
from social_market.models import Listing, Shop, User
from social_market.models.market import ACTIVE, ListingCard
from social_market.models.notification import N_TEAM
from social_market.models.teams import (
    BY_REQUEST,
    CAPTAIN,
    JOINED,
    MEMBER,
    MODERATOR,
    OPEN_JOIN,
    REQUESTED,
    T_INTEREST,
    T_LOCAL,
    Team,
    TeamMember,
)
from social_market.services import profiles, ratelimit
from social_market.services.accounts import require_user
from social_market.services.blocks import is_blocked_between
from social_market.services.errors import InvalidInput, NotAllowed, NotFound
from social_market.services.ids import as_id
from social_market.services.text import clean_text

TEAMS_PER_DAY = parse("3/day")
JOINS_PER_HOUR = parse("30/hour")
MAX_NAME = 60
MAX_ABOUT = 2000
PAGE = 24
MEMBERS_PAGE = 50
SHOP_GRID = 12
KINDS = (T_INTEREST, T_LOCAL)
POLICIES = (OPEN_JOIN, BY_REQUEST)


class TeamCard(BaseModel):
    """A team as the directory shows it: safe for anyone."""

    id: int
    slug: str
    url: str
    name: str
    about: str  # the first lines
    kind: str
    place: str  # "Leipzig, DE" for local teams
    join_policy: str
    private: bool
    member_count: int
    thread_count: int


class TeamPage(BaseModel):
    teams: list[TeamCard]
    next_cursor: str


class TeamView(BaseModel):
    """The team page's header for one viewer."""

    team: TeamCard
    about: str
    city: str
    country: str
    my_role: str  # captain / moderator / member / '' (not in)
    my_state: str  # joined / requested / ''
    can_see_inside: bool  # the forum and member list
    can_moderate: bool  # captain or moderator
    is_captain: bool
    pending_count: int  # requests waiting (moderators only; else 0)


class MemberCard(BaseModel):
    user_id: int
    handle: str
    name: str
    avatar: str
    initials: str
    role: str
    state: str


class MemberPage(BaseModel):
    members: list[MemberCard]
    next_cursor: str


def team_url(slug: str) -> str:
    return f"/team/{slug}"


def _not_found() -> NotFound:
    return NotFound("We couldn't find that team.")


# ---------------------------------------------------------------------- reading roles


def team_by_ref(session: Session, ref: object) -> Team:
    """A visible team by slug or id (NotFound for hidden or unknown ones)."""
    team = None
    if isinstance(ref, str) and not ref.strip().isdigit():
        slug = ref.strip().lower()
        if 1 <= len(slug) <= 40:
            team = session.exec(select(Team).where(Team.slug == slug)).first()
    else:
        tid = as_id(ref)
        team = session.get(Team, tid) if tid else None
    if team is None or team.hidden_at is not None:
        raise _not_found()
    return team


def membership(session: Session, team_id: int, user_id: int | None) -> TeamMember | None:
    if user_id is None:
        return None
    return session.get(TeamMember, (team_id, user_id))


def role_of(session: Session, team_id: int, user_id: int | None) -> str:
    """The user's role if they are in the team (joined), else ''."""
    m = membership(session, team_id, user_id)
    return m.role if m is not None and m.state == JOINED else ""


def can_see_inside(session: Session, team: Team, viewer_id: int | None) -> bool:
    return not team.private or role_of(session, team.id or 0, viewer_id) != ""


def _lock_team(session: Session, team_id: object) -> Team:
    """The team row, locked on PostgreSQL for role changes (one at a time per team)."""
    tid = as_id(team_id)
    if tid is None:
        raise _not_found()
    query = select(Team).where(Team.id == tid).execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    team = session.exec(query).first()
    if team is None or team.hidden_at is not None:
        raise _not_found()
    return team


def _require_role(session: Session, team: Team, user_id: int, roles: tuple[str, ...]) -> str:
    role = role_of(session, team.id or 0, user_id)
    if role in roles:
        return role
    if team.private and not role:
        raise _not_found()
    if roles == (CAPTAIN,):
        raise NotAllowed("Only the team's captain can do this.")
    raise NotAllowed("Only the team's captain and moderators can do this.")


def require_moderator(session: Session, team: Team, user_id: int) -> str:
    return _require_role(session, team, user_id, (CAPTAIN, MODERATOR))


# ---------------------------------------------------------------------- creating


def _slug_base(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name.replace("ß", "ss"))
    ascii_name = folded.encode("ascii", "ignore").decode("ascii").lower()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:34].strip("-")
    return base if len(base) >= 3 else f"team-{base}".strip("-")


def _free_slug(session: Session, name: str) -> str:
    base = _slug_base(name)
    taken = set(
        session.exec(
            select(Team.slug).where(Team.slug.startswith(base, autoescape=True))  # type: ignore[attr-defined]
        )
    )
    if base not in taken:
        return base
    for n in range(2, 100):
        if f"{base}-{n}" not in taken:
            return f"{base}-{n}"
    return f"{base}-{secrets.token_hex(2)}"


def _fields(form: dict[str, object]) -> dict[str, object]:
    name = clean_text(form.get("name"), field="name", label=N_("Team name"), max_length=MAX_NAME)
    if len(name) < 3:
        raise InvalidInput("A team name needs at least 3 characters.", field="name")
    about = clean_text(
        form.get("about"), field="about", label=N_("About"), max_length=MAX_ABOUT, multiline=True
    )
    kind = form.get("kind") or T_INTEREST
    if kind not in KINDS:
        raise InvalidInput("Please choose what kind of team this is.", field="kind")
    policy = form.get("join_policy") or OPEN_JOIN
    if policy not in POLICIES:
        raise InvalidInput("Please choose how people join.", field="join_policy")
    private = form.get("private", False)
    if private in ("on", "true", "1"):
        private = True
    elif private in ("", "off", "false", "0", None):
        private = False
    if not isinstance(private, bool):
        raise InvalidInput("Please choose whether the team is private.", field="private")
    city = clean_text(form.get("city"), field="city", label=N_("City"), max_length=80)
    country = form.get("country") or ""
    if not isinstance(country, str):
        raise InvalidInput("Please choose a country.", field="country")
    country = country.strip().upper()
    if kind == T_LOCAL:
        from social_market.services.countries import country_names

        if not city:
            raise InvalidInput("A local team needs a city.", field="city")
        if country not in country_names("en"):
            raise InvalidInput("Please choose a country.", field="country")
    else:
        city, country = "", ""
    return {
        "name": name,
        "about": about,
        "kind": kind,
        "join_policy": policy,
        "private": private,
        "city": city,
        "country": country,
    }


def create_team(*, session: Session, actor_id: object, **form: object) -> Team:
    """A new team with the actor as its captain (and only member)."""
    me = require_user(session, actor_id)
    fields = _fields(form)
    ratelimit.hit(
        TEAMS_PER_DAY,
        "team-create",
        str(me.id),
        message=N_("You have started several teams today. Please wait until tomorrow."),
    )
    for _ in range(3):
        try:
            with session.begin_nested():
                team = Team(
                    slug=_free_slug(session, fields["name"]),  # type: ignore[arg-type]
                    captain_id=me.id,  # type: ignore[arg-type]
                    member_count=1,
                    **fields,  # type: ignore[arg-type]
                )
                session.add(team)
                session.flush()
                session.add(TeamMember(team_id=team.id, user_id=me.id, role=CAPTAIN))  # type: ignore[arg-type]
                session.flush()
            return team
        except IntegrityError:  # a concurrent team took the slug: pick again
            continue
    raise InvalidInput("Please try another name.", field="name")


def edit_team(*, session: Session, actor_id: object, team_id: object, **form: object) -> Team:
    """The captain changes name, about, kind, place, join policy, privacy (the address
    stays: links to it are out there)."""
    me = require_user(session, actor_id)
    team = _lock_team(session, team_id)
    _require_role(session, team, me.id, (CAPTAIN,))  # type: ignore[arg-type]
    for key, value in _fields(form).items():
        setattr(team, key, value)
    session.add(team)
    session.flush()
    return team


# ---------------------------------------------------------------------- reading


def _card(team: Team) -> TeamCard:
    about = team.about.split("\n", 1)[0]
    return TeamCard(
        id=team.id or 0,
        slug=team.slug,
        url=team_url(team.slug),
        name=team.name,
        about=about if len(about) <= 160 else about[:159].rstrip() + "…",
        kind=team.kind,
        place=", ".join(p for p in (team.city, team.country) if p),
        join_policy=team.join_policy,
        private=team.private,
        member_count=team.member_count,
        thread_count=team.thread_count,
    )


def _decode_pair(cursor: object) -> tuple[int, int] | None:
    if not isinstance(cursor, str) or not re.fullmatch(r"\d{1,10}:\d{1,10}", cursor):
        return None
    a, b = cursor.split(":")
    return int(a), int(b)


def directory(*, session: Session, query: object = "", cursor: object = "") -> TeamPage:
    """Teams with the most members first (ties: newest first), optionally those whose
    name contains ``query``; keyset pages."""
    q = clean_text(query, field="q", label=N_("Search"), max_length=60) if query else ""
    stmt = select(Team).where(Team.hidden_at.is_(None))  # type: ignore[union-attr]
    if q:
        stmt = stmt.where(func.lower(Team.name).contains(q.lower(), autoescape=True))
    after = _decode_pair(cursor)
    if after is not None:
        count, last_id = after
        stmt = stmt.where(
            (Team.member_count < count) | ((Team.member_count == count) & (Team.id < last_id))  # type: ignore[operator]
        )
    rows = list(
        session.exec(
            stmt.order_by(Team.member_count.desc(), Team.id.desc()).limit(PAGE + 1)  # type: ignore[attr-defined,union-attr]
        )
    )
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    nxt = f"{rows[-1].member_count}:{rows[-1].id}" if more and rows else ""
    return TeamPage(teams=[_card(t) for t in rows], next_cursor=nxt)


def my_teams(*, session: Session, actor_id: int | None) -> list[TeamCard]:
    if actor_id is None:
        return []
    rows = session.exec(
        select(Team)
        .join(TeamMember, TeamMember.team_id == Team.id)  # type: ignore[arg-type]
        .where(
            TeamMember.user_id == actor_id,
            TeamMember.state == JOINED,
            Team.hidden_at.is_(None),  # type: ignore[union-attr]
        )
        .order_by(Team.name)
        .limit(100)
    )
    return [_card(t) for t in rows]


def team_view(*, session: Session, viewer_id: int | None, ref: object) -> TeamView:
    team = team_by_ref(session, ref)
    m = membership(session, team.id or 0, viewer_id)
    role = m.role if m is not None and m.state == JOINED else ""
    moderates = role in (CAPTAIN, MODERATOR)
    pending = 0
    if moderates:
        pending = session.exec(
            select(func.count())
            .select_from(TeamMember)
            .where(TeamMember.team_id == team.id, TeamMember.state == REQUESTED)
        ).one()
    return TeamView(
        team=_card(team),
        about=team.about,
        city=team.city,
        country=team.country,
        my_role=role,
        my_state=m.state if m is not None else "",
        can_see_inside=not team.private or role != "",
        can_moderate=moderates,
        is_captain=role == CAPTAIN,
        pending_count=pending,
    )


def member_listings(
    *, session: Session, viewer_id: int | None, ref: object, locale: str | None = None
) -> list[ListingCard]:
    """The newest listings of the members' open shops, in one query (a private team's
    only for its members)."""
    from social_market.services.listings import to_card

    team = team_by_ref(session, ref)
    if not can_see_inside(session, team, viewer_id):
        raise _not_found()
    rows = session.exec(
        select(Listing)
        .join(Shop, Shop.id == Listing.shop_id)  # type: ignore[arg-type]
        .join(TeamMember, TeamMember.user_id == Shop.owner_id)  # type: ignore[arg-type]
        .where(
            TeamMember.team_id == team.id,
            TeamMember.state == JOINED,
            Shop.closed_at.is_(None),  # type: ignore[union-attr]
            Shop.hidden_at.is_(None),  # type: ignore[union-attr]
            Listing.state == ACTIVE,
            Listing.hidden_at.is_(None),  # type: ignore[union-attr]
        )
        .order_by(Listing.id.desc())  # type: ignore[union-attr]
        .limit(SHOP_GRID)
    )
    return [to_card(listing, locale) for listing in rows]


def _member_cards(rows) -> list[MemberCard]:
    out = []
    for m, u in rows:
        name = u.display_name or u.handle
        out.append(
            MemberCard(
                user_id=u.id,
                handle=u.handle,
                name=name,
                avatar=profiles.avatar_url(u.avatar_key),
                initials=profiles.initials(name),
                role=m.role,
                state=m.state,
            )
        )
    return out


def _members_query(team_id: int, state: str):
    return (
        select(TeamMember, User)
        .join(User, User.id == TeamMember.user_id)  # type: ignore[arg-type]
        .where(
            TeamMember.team_id == team_id,
            TeamMember.state == state,
            User.deleted_at.is_(None),  # type: ignore[union-attr]
        )
    )


def members(
    *, session: Session, viewer_id: int | None, ref: object, cursor: object = ""
) -> MemberPage:
    """Members, longest in the team first (a private team's for its members only)."""
    team = team_by_ref(session, ref)
    if not can_see_inside(session, team, viewer_id):
        raise _not_found()
    stmt = _members_query(team.id or 0, JOINED)
    offset = as_id(cursor) or 0
    rows = list(
        session.exec(
            stmt.order_by(TeamMember.joined_at, TeamMember.user_id)
            .offset(min(offset, 10_000))
            .limit(MEMBERS_PAGE + 1)
        )
    )
    more = len(rows) > MEMBERS_PAGE
    return MemberPage(
        members=_member_cards(rows[:MEMBERS_PAGE]),
        next_cursor=str(offset + MEMBERS_PAGE) if more else "",
    )


def join_requests(*, session: Session, actor_id: object, team_id: object) -> list[MemberCard]:
    """People asking to join, oldest first (captain and moderators only)."""
    me = require_user(session, actor_id)
    team = team_by_ref(session, as_id(team_id))
    require_moderator(session, team, me.id)  # type: ignore[arg-type]
    rows = session.exec(
        _members_query(team.id or 0, REQUESTED)
        .order_by(TeamMember.joined_at, TeamMember.user_id)
        .limit(200)
    )
    return _member_cards(rows)


# ---------------------------------------------------------------------- joining


def _bump_members(session: Session, team_id: int, by: int) -> None:
    stmt = update(Team).where(Team.id == team_id)
    if by < 0:
        stmt = stmt.where(Team.member_count >= -by)
    session.exec(stmt.values(member_count=Team.member_count + by))  # type: ignore[call-overload]


def _tell_moderators(session: Session, team: Team, actor_id: int) -> None:
    from social_market.services import notifications

    mods = session.exec(
        select(TeamMember.user_id).where(
            TeamMember.team_id == team.id,
            TeamMember.state == JOINED,
            TeamMember.role.in_((CAPTAIN, MODERATOR)),  # type: ignore[attr-defined]
        )
    ).all()
    for uid in mods:
        notifications.notify(
            session,
            user_id=uid,
            kind=N_TEAM,
            detail="request",
            actor_id=actor_id,
            link=f"{team_url(team.slug)}/manage",
            snippet=team.name,
            subject_key=f"team-request:{team.id}",
        )


def join(*, session: Session, actor_id: object, team_id: object) -> str:
    """Join an open team at once, or ask to join a by-request team (its captain and
    moderators are told). Returns the membership state; joining twice changes nothing."""
    me = require_user(session, actor_id)
    team = team_by_ref(session, as_id(team_id))
    existing = membership(session, team.id or 0, me.id)
    if existing is not None:
        return existing.state
    if is_blocked_between(session, me.id, team.captain_id):
        raise NotAllowed("You can't join this team.")
    ratelimit.hit(
        JOINS_PER_HOUR,
        "team-join",
        str(me.id),
        message=N_("You have joined many teams in the last hour. Please wait a little."),
    )
    state = JOINED if team.join_policy == OPEN_JOIN else REQUESTED
    try:
        with session.begin_nested():
            session.add(TeamMember(team_id=team.id, user_id=me.id, role=MEMBER, state=state))  # type: ignore[arg-type]
            session.flush()
    except IntegrityError:  # the same person, twice at once: the first one counts
        return state
    if state == JOINED:
        _bump_members(session, team.id or 0, 1)
    else:
        _tell_moderators(session, team, me.id)  # type: ignore[arg-type]
    return state


def _target(session: Session, team: Team, user_id: object) -> TeamMember:
    uid = as_id(user_id)
    m = membership(session, team.id or 0, uid) if uid else None
    if m is None:
        raise NotFound("That person is not in this team.")
    return m


def decide_request(
    *, session: Session, actor_id: object, team_id: object, user_id: object, approve: object
) -> bool:
    """A captain or moderator lets someone in (or turns the request down)."""
    me = require_user(session, actor_id)
    if not isinstance(approve, bool):
        raise InvalidInput("Please choose whether to let them in.")
    team = _lock_team(session, team_id)
    require_moderator(session, team, me.id)  # type: ignore[arg-type]
    target = _target(session, team, user_id)
    if target.state != REQUESTED:
        raise NotFound("That request was already answered.")
    if approve:
        done = session.exec(
            update(TeamMember)
            .where(
                TeamMember.team_id == team.id,
                TeamMember.user_id == target.user_id,
                TeamMember.state == REQUESTED,
            )
            .values(state=JOINED)
        ).rowcount  # type: ignore[attr-defined]
        if done != 1:
            raise NotFound("That request was already answered.")
        _bump_members(session, team.id or 0, 1)
        from social_market.services import notifications

        notifications.notify(
            session,
            user_id=target.user_id,
            kind=N_TEAM,
            detail="approved",
            actor_id=me.id,
            link=team_url(team.slug),
            snippet=team.name,
        )
    else:
        session.exec(
            delete(TeamMember).where(
                TeamMember.team_id == team.id,
                TeamMember.user_id == target.user_id,
                TeamMember.state == REQUESTED,
            )
        )
    session.expire_all()
    return approve


def _remove(session: Session, team: Team, m: TeamMember) -> None:
    gone = session.exec(
        delete(TeamMember).where(
            TeamMember.team_id == team.id,
            TeamMember.user_id == m.user_id,
            TeamMember.state == m.state,
        )
    ).rowcount  # type: ignore[attr-defined]
    if gone == 1 and m.state == JOINED:
        _bump_members(session, team.id or 0, -1)
    session.expire_all()


def leave(*, session: Session, actor_id: object, team_id: object) -> None:
    """Leave a team (or withdraw a request). The captain hands the team over first."""
    me = require_user(session, actor_id)
    team = _lock_team(session, team_id)
    m = membership(session, team.id or 0, me.id)
    if m is None:
        return
    if m.role == CAPTAIN:
        raise NotAllowed("Hand the team over to another member before you leave.")
    _remove(session, team, m)


def remove_member(*, session: Session, actor_id: object, team_id: object, user_id: object) -> None:
    """The captain removes a member (or a pending request)."""
    me = require_user(session, actor_id)
    team = _lock_team(session, team_id)
    _require_role(session, team, me.id, (CAPTAIN,))  # type: ignore[arg-type]
    target = _target(session, team, user_id)
    if target.role == CAPTAIN:
        raise NotAllowed("The captain can't be removed.")
    _remove(session, team, target)


def set_role(
    *, session: Session, actor_id: object, team_id: object, user_id: object, role: object
) -> str:
    """The captain makes a member a moderator, or a moderator a member again."""
    me = require_user(session, actor_id)
    if role not in (MODERATOR, MEMBER):
        raise InvalidInput("Please choose a role.")
    team = _lock_team(session, team_id)
    _require_role(session, team, me.id, (CAPTAIN,))  # type: ignore[arg-type]
    target = _target(session, team, user_id)
    if target.state != JOINED:
        raise NotFound("That person is not in this team.")
    if target.role == CAPTAIN:
        raise NotAllowed("Hand the captaincy over instead.")
    target.role = role  # type: ignore[assignment]
    session.add(target)
    session.flush()
    return role  # type: ignore[return-value]


def hand_over(*, session: Session, actor_id: object, team_id: object, user_id: object) -> None:
    """The captain makes another member captain (and stays on as a moderator)."""
    me = require_user(session, actor_id)
    team = _lock_team(session, team_id)
    _require_role(session, team, me.id, (CAPTAIN,))  # type: ignore[arg-type]
    target = _target(session, team, user_id)
    if target.state != JOINED or target.user_id == me.id:
        raise NotFound("That person is not in this team.")
    newcomer = session.get(User, target.user_id)
    if newcomer is None or newcomer.deleted_at is not None or newcomer.suspended_at is not None:
        raise NotFound("That person is not in this team.")
    mine = membership(session, team.id or 0, me.id)
    mine.role = MODERATOR  # type: ignore[union-attr]
    target.role = CAPTAIN
    team.captain_id = target.user_id
    session.add_all([mine, target, team])
    session.flush()


def erase_for_deleted_account(*, session: Session, user_id: int) -> None:
    """A deleted account leaves its teams; a team it captained passes to its longest-
    standing moderator or member (or stays captained by nobody new if it was alone)."""
    for m in list(session.exec(select(TeamMember).where(TeamMember.user_id == user_id))):
        team = session.get(Team, m.team_id)
        if team is None:
            continue
        if m.role == CAPTAIN:
            heir = session.exec(
                select(TeamMember)
                .where(
                    TeamMember.team_id == team.id,
                    TeamMember.state == JOINED,
                    TeamMember.user_id != user_id,
                )
                .order_by(
                    (TeamMember.role == MODERATOR).desc(),  # type: ignore[attr-defined]
                    TeamMember.joined_at,
                )
            ).first()
            if heir is None:
                continue  # the team keeps its (deleted) captain and one member
            heir.role, team.captain_id = CAPTAIN, heir.user_id
            session.add_all([heir, team])
        _remove(session, team, m)
