"""A team's forum: threads with an opening post and replies, text only.

Who may do what:
- Read: anyone for a public team; only members for a private one (everyone else gets
  NotFound, whatever thread or post id they forge).
- Write (start threads, reply): the team's members. Nobody replies in a locked thread,
  and, as with comments, nobody replies in a thread whose author blocked them (or whom
  they blocked). Posts by people the viewer blocked are left out of what they read.
- Authors edit their own posts for ``EDIT_WINDOW`` and delete them at any time.
- The captain and moderators hide posts and pin or lock threads. Anyone who can read a
  post can report it to the site's moderators (``forum_post`` in social_reports.py).

Counters: ``Team.thread_count`` counts threads; ``ForumThread.reply_count`` counts
replies that are not deleted (hidden replies still count: hiding can be undone).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import NamedTuple

from limits import parse
from pydantic import BaseModel
from sqlalchemy import and_, func, literal, tuple_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from social_market.i18n.catalog import N_
from social_market.i18n.format import format_ago
from social_market.models import Block, ForumPost, ForumThread, Team, User, utcnow
from social_market.models.notification import N_TEAM
from social_market.models.teams import CAPTAIN, JOINED, MODERATOR, TeamMember
from social_market.services import profiles, ratelimit
from social_market.services.accounts import require_user
from social_market.services.blocks import is_blocked_between
from social_market.services.errors import InvalidInput, NotAllowed, NotFound
from social_market.services.ids import as_id
from social_market.services.rich_text import Segment, segments
from social_market.services.teams import team_url
from social_market.services.text import clean_text

POSTS_PER_MINUTE = parse("5/minute")
THREADS_PER_HOUR = parse("10/hour")
MIN_TITLE, MAX_TITLE = 3, 140
MAX_BODY = 5000
EDIT_WINDOW = timedelta(minutes=30)
THREADS_PAGE = 30
POSTS_PAGE = 30
_LISTING_LINK = re.compile(r"/listing/(\d{1,10})(?![\d])")


class ThreadCard(BaseModel):
    id: int
    url: str
    title: str
    author_handle: str
    author_name: str
    reply_count: int
    last_when: str
    pinned: bool
    locked: bool


class ThreadPage(BaseModel):
    threads: list[ThreadCard]
    next_cursor: str


class PostCard(BaseModel):
    id: int
    author_handle: str
    author_name: str
    author_avatar: str
    author_initials: str
    segments: list[Segment]
    body: str  # for editing (the author's own, within the window); else ''
    when: str
    edited: bool
    hidden: bool
    opening: bool
    mine: bool
    can_edit: bool


class ThreadView(BaseModel):
    thread: ThreadCard
    team_slug: str
    team_name: str
    posts: list[PostCard]
    next_cursor: str
    can_reply: bool
    can_moderate: bool
    why_not: str  # why the viewer can't reply (a msgid), '' when they can


MAX_LINKED_LISTINGS = 20  # listings of one post that reach makers' inboxes


def listing_ids_in(text: object) -> list[int]:
    """The listing ids linked in ``text`` (``/listing/<id>`` or ``/listing/<id>-slug``,
    relative or full URLs), distinct, in order of first appearance."""
    if not isinstance(text, str):
        return []
    seen: dict[int, None] = {}
    for match in _LISTING_LINK.finditer(text):
        lid = as_id(match.group(1))
        if lid is not None:
            seen.setdefault(lid, None)
    return list(seen)


def thread_url(slug: str, thread_id: int) -> str:
    return f"{team_url(slug)}/thread/{thread_id}"


def _gone() -> NotFound:
    return NotFound("We couldn't find that thread.")


# ---------------------------------------------------------------------- access


def _member_join(viewer_id: int | None):
    """ON clause: the viewer's joined membership of the team (none when signed out)."""
    return and_(
        TeamMember.team_id == Team.id,
        TeamMember.user_id == (viewer_id or 0),
        TeamMember.state == JOINED,
    )


def _live_author(column):
    return and_(
        User.id == column,
        User.deleted_at.is_(None),  # type: ignore[union-attr]
        User.suspended_at.is_(None),  # type: ignore[union-attr]
    )


class Author(NamedTuple):
    """What pages show of a post's or thread's author (not the whole account row)."""

    id: int
    handle: str
    display_name: str
    avatar_key: str | None


_AUTHOR = (User.id, User.handle, User.display_name, User.avatar_key)


def _author(uid, handle, name, avatar) -> Author | None:
    return None if uid is None else Author(uid, handle, name, avatar)


def _check_team(team: Team | None, role: str | None) -> tuple[Team, str]:
    if team is None or team.hidden_at is not None or (team.private and not role):
        raise NotFound("We couldn't find that team.")
    return team, role or ""


def _inside(session: Session, viewer_id: int | None, ref: object) -> tuple[Team, str]:
    """The team and the viewer's role, if the viewer may read its forum (one query)."""
    stmt = select(Team, TeamMember.role).outerjoin(TeamMember, _member_join(viewer_id))
    if isinstance(ref, str) and not ref.strip().isdigit():
        slug = ref.strip().lower()
        if not 1 <= len(slug) <= 40:
            raise NotFound("We couldn't find that team.")
        stmt = stmt.where(Team.slug == slug)
    else:
        tid = as_id(ref)
        if tid is None:
            raise NotFound("We couldn't find that team.")
        stmt = stmt.where(Team.id == tid)
    row = session.exec(stmt).first()
    return _check_team(*(row if row is not None else (None, None)))


def _thread_full(
    session: Session, viewer_id: int | None, thread_id: object, team_ref: object = None
) -> tuple[ForumThread, Team, str, Author | None, bool]:
    """The thread, its team, the viewer's role, the thread's author (if still an active
    account) and whether a block stands between the viewer and that author, in one
    query; NotFound unless the viewer may read it."""
    tid = as_id(thread_id)
    if tid is None:
        raise _gone()
    me = viewer_id or 0
    mine, theirs = aliased(Block), aliased(Block)
    row = session.exec(
        select(ForumThread, Team, TeamMember.role, *_AUTHOR, mine.blocker_id, theirs.blocker_id)
        .join(Team, Team.id == ForumThread.team_id)  # type: ignore[arg-type]
        .outerjoin(TeamMember, _member_join(viewer_id))
        .outerjoin(User, _live_author(ForumThread.author_id))
        .outerjoin(mine, and_(mine.blocker_id == me, mine.blocked_id == ForumThread.author_id))
        .outerjoin(
            theirs, and_(theirs.blocker_id == ForumThread.author_id, theirs.blocked_id == me)
        )
        .where(ForumThread.id == tid)
    ).first()
    if row is None:
        raise _gone()
    thread, team, role, uid, handle, name, avatar, i_blocked, they_blocked = row
    author = _author(uid, handle, name, avatar)
    blocked = i_blocked is not None or they_blocked is not None
    team, role = _check_team(team, role)
    if team_ref is not None and (
        not isinstance(team_ref, str) or team_ref.strip().lower() != team.slug
    ):
        raise _gone()
    if thread.hidden_at is not None and role not in (CAPTAIN, MODERATOR):
        raise _gone()
    return thread, team, role, author, blocked


def _thread(
    session: Session, viewer_id: int | None, thread_id: object, team_ref: object = None
) -> tuple[ForumThread, Team, str]:
    thread, team, role, _author, _blocked = _thread_full(session, viewer_id, thread_id, team_ref)
    return thread, team, role


def _post(session: Session, viewer_id: int | None, post_id: object):
    pid = as_id(post_id)
    post = session.get(ForumPost, pid) if pid else None
    if post is None or post.deleted_at is not None:
        raise NotFound("That post is gone.")
    thread, team, role = _thread(session, viewer_id, post.thread_id)
    return post, thread, team, role


def _require_member(role: str) -> None:
    if not role:
        raise NotAllowed("Join the team to write in its forum.")


def _require_moderator(role: str) -> None:
    if role not in (CAPTAIN, MODERATOR):
        raise NotAllowed("Only the team's captain and moderators can do this.")


def _clean_body(body: object) -> str:
    text = clean_text(body, field="body", label=N_("Post"), max_length=MAX_BODY, multiline=True)
    if not text:
        raise InvalidInput("Please write something.", field="body")
    return text


def _count_post(me: int) -> None:
    ratelimit.hit(
        POSTS_PER_MINUTE,
        "forum-post",
        str(me),
        message=N_("You are posting very fast. Please wait a minute."),
    )


def can_read_thread(session: Session, viewer_id: int | None, thread_id: int) -> bool:
    try:
        _thread(session, viewer_id, thread_id)
    except NotFound:
        return False
    return True


# ---------------------------------------------------------------------- writing


def start_thread(
    *, session: Session, actor_id: object, team_id: object, title: object, body: object
) -> ForumThread:
    """A member opens a thread with its first post."""
    me = require_user(session, actor_id)
    team, role = _inside(session, me.id, as_id(team_id))
    _require_member(role)
    clean_title = clean_text(title, field="title", label=N_("Title"), max_length=MAX_TITLE)
    if len(clean_title) < MIN_TITLE:
        raise InvalidInput("A title needs at least {n} characters.", field="title", n=MIN_TITLE)
    text = _clean_body(body)
    ratelimit.hit(
        THREADS_PER_HOUR,
        "forum-thread",
        str(me.id),
        message=N_("You have started many threads in the last hour. Please wait a little."),
    )
    _count_post(me.id)  # type: ignore[arg-type]
    now = utcnow()
    thread = ForumThread(
        team_id=team.id,  # type: ignore[arg-type]
        author_id=me.id,  # type: ignore[arg-type]
        title=clean_title,
        last_post_at=now,
        created_at=now,
    )
    session.add(thread)
    session.flush()
    post = ForumPost(thread_id=thread.id, author_id=me.id, body=text, created_at=now)  # type: ignore[arg-type]
    session.add(post)
    session.flush()
    thread.last_post_id = post.id  # type: ignore[assignment]
    session.add(thread)
    session.exec(
        update(Team).where(Team.id == team.id).values(thread_count=Team.thread_count + 1)  # type: ignore[call-overload]
    )
    session.flush()
    _mentions(session, me.id, post, thread, team)  # type: ignore[arg-type]
    _listen(session, me.id, post, thread, team)  # type: ignore[arg-type]
    return thread


def reply(*, session: Session, actor_id: object, thread_id: object, body: object) -> ForumPost:
    """A member answers in an open thread; the thread's author is told."""
    me = require_user(session, actor_id)
    thread, team, role = _thread(session, me.id, thread_id)
    _require_member(role)
    if thread.locked:
        raise NotAllowed("This thread is locked.")
    if thread.hidden_at is not None:
        raise _gone()
    if is_blocked_between(session, me.id, thread.author_id):
        raise NotAllowed("You can't reply in this thread.")
    text = _clean_body(body)
    _count_post(me.id)  # type: ignore[arg-type]
    now = utcnow()
    with session.begin_nested():
        post = ForumPost(thread_id=thread.id, author_id=me.id, body=text, created_at=now)  # type: ignore[arg-type]
        session.add(post)
        session.flush()
        # Locked in the meantime: the reply is not written.
        done = session.exec(
            update(ForumThread)
            .where(ForumThread.id == thread.id, ForumThread.locked.is_(False))  # type: ignore[attr-defined]
            .values(
                reply_count=ForumThread.reply_count + 1,
                last_post_id=func.greatest(ForumThread.last_post_id, post.id)
                if session.get_bind().dialect.name == "postgresql"
                else func.max(ForumThread.last_post_id, post.id),
                last_post_at=now,
            )
        ).rowcount  # type: ignore[attr-defined]
        if done != 1:
            raise NotAllowed("This thread is locked.")
    session.refresh(thread)
    _tell(session, me, post, thread, team)
    _listen(session, me.id, post, thread, team)  # type: ignore[arg-type]
    return post


def _listen(session: Session, me: int, post: ForumPost, thread: ForumThread, team: Team) -> None:
    """Makers hear of a thread that links their listings (in their listening inbox);
    a maker writing in the thread has answered it. Private teams' threads stay inside
    the team (the maker may not be able to read them)."""
    from social_market.models import Listing, Shop
    from social_market.models.listening import L_THREAD
    from social_market.services import listening

    mine = listening.shop_of(session, me)
    if mine is not None:
        listening.mark_answered(session, mine, "thread", thread.id)  # type: ignore[arg-type]
    ids = listing_ids_in(post.body)
    if team.private or not ids:
        return
    shops = session.exec(
        select(Shop.id, Shop.owner_id)
        .join(Listing, Listing.shop_id == Shop.id)
        .where(Listing.id.in_(ids[:MAX_LINKED_LISTINGS]))  # type: ignore[attr-defined]
        .distinct()
    ).all()
    for shop_id, owner_id in shops:
        listening.record(
            session,
            shop_id=shop_id,
            kind=L_THREAD,
            subject_kind="thread",
            subject_id=thread.id,  # type: ignore[arg-type]
            author_id=me,
            snippet=f"{thread.title}: {post.body}",
            link=f"{thread_url(team.slug, thread.id or 0)}#post-{post.id}",
            owner_id=owner_id,
        )


def _tell(session: Session, me: User, post: ForumPost, thread: ForumThread, team: Team) -> None:
    from social_market.services import notifications

    link = f"{thread_url(team.slug, thread.id or 0)}#post-{post.id}"
    told = {me.id}
    if thread.author_id not in told:
        notifications.notify(
            session,
            user_id=thread.author_id,
            kind=N_TEAM,
            detail="reply",
            actor_id=me.id,
            link=link,
            snippet=f"{thread.title}: {post.body}",
        )
        told.add(thread.author_id)
    _mentions(session, me.id, post, thread, team, told)  # type: ignore[arg-type]


def _mentions(
    session: Session,
    me: int,
    post: ForumPost,
    thread: ForumThread,
    team: Team,
    told: set[int] | None = None,
) -> None:
    from social_market.services import notifications

    notifications.notify_mentions(
        session,
        actor_id=me,
        body=post.body,
        link=f"{thread_url(team.slug, thread.id or 0)}#post-{post.id}",
        can_see=lambda uid: can_read_thread(session, uid, thread.id or 0),
        skip=told or {me},
    )


def edit_post(*, session: Session, actor_id: object, post_id: object, body: object) -> ForumPost:
    """The author changes their post within ``EDIT_WINDOW`` of writing it."""
    me = require_user(session, actor_id)
    post, thread, _team, _role = _post(session, me.id, post_id)
    if post.author_id != me.id:
        raise NotAllowed("This is not your post.")
    if post.created_at + EDIT_WINDOW < utcnow():
        raise NotAllowed(
            "Posts can be changed for {minutes} minutes after writing them.", minutes=30
        )
    if thread.locked:
        raise NotAllowed("This thread is locked.")
    post.body, post.edited_at = _clean_body(body), utcnow()
    session.add(post)
    session.flush()
    return post


def _opening_post_id(session: Session, thread_id: int) -> int:
    return (
        session.exec(
            select(ForumPost.id)
            .where(ForumPost.thread_id == thread_id)
            .order_by(ForumPost.id)  # type: ignore[arg-type]
            .limit(1)
        ).first()
        or 0
    )


def delete_post(*, session: Session, actor_id: object, post_id: object) -> None:
    """The author deletes their post (its text is erased at once)."""
    me = require_user(session, actor_id)
    post, thread, _team, _role = _post(session, me.id, post_id)
    if post.author_id != me.id:
        raise NotAllowed("This is not your post.")
    _soft_delete(session, post, thread)


def _soft_delete(session: Session, post: ForumPost, thread: ForumThread) -> None:
    gone = session.exec(
        update(ForumPost)
        .where(ForumPost.id == post.id, ForumPost.deleted_at.is_(None))  # type: ignore[union-attr]
        .values(deleted_at=utcnow(), body="")
    ).rowcount  # type: ignore[attr-defined]
    if gone == 1 and post.id != _opening_post_id(session, thread.id or 0):
        session.exec(
            update(ForumThread)
            .where(ForumThread.id == thread.id, ForumThread.reply_count > 0)
            .values(reply_count=ForumThread.reply_count - 1)
        )
    session.expire_all()


def set_post_hidden(*, session: Session, actor_id: object, post_id: object, hidden: object) -> bool:
    """The team's captain or a moderator hides a post (or shows it again): then only
    its author and the team's moderators see it."""
    me = require_user(session, actor_id)
    if not isinstance(hidden, bool):
        raise InvalidInput("Please choose whether to hide it.")
    post, _thread_row, _team, role = _post(session, me.id, post_id)
    _require_moderator(role)
    post.hidden_at = (post.hidden_at or utcnow()) if hidden else None
    session.add(post)
    session.flush()
    return hidden


def set_thread_flags(
    *,
    session: Session,
    actor_id: object,
    thread_id: object,
    pinned: object = None,
    locked: object = None,
) -> ForumThread:
    """The team's captain or a moderator pins/unpins or locks/unlocks a thread."""
    me = require_user(session, actor_id)
    for value in (pinned, locked):
        if value is not None and not isinstance(value, bool):
            raise InvalidInput("Please choose on or off.")
    thread, _team, role = _thread(session, me.id, thread_id)
    _require_moderator(role)
    if pinned is not None:
        thread.pinned = pinned  # type: ignore[assignment]
    if locked is not None:
        thread.locked = locked  # type: ignore[assignment]
    session.add(thread)
    session.flush()
    return thread


def erase_for_deleted_account(*, session: Session, user_id: int) -> None:
    """A deleted account's posts lose their text (threads keep their shape)."""
    for post in list(
        session.exec(
            select(ForumPost).where(
                ForumPost.author_id == user_id,
                ForumPost.deleted_at.is_(None),  # type: ignore[union-attr]
            )
        )
    ):
        thread = session.get(ForumThread, post.thread_id)
        if thread is not None:
            _soft_delete(session, post, thread)


def set_hidden_by_site(session: Session, post_id: int, hidden: bool) -> None:
    """Site moderators (reports) hide or show a post."""
    post = session.get(ForumPost, post_id)
    if post is None or post.deleted_at is not None:
        raise NotFound("We couldn't find that.")
    post.hidden_at = (post.hidden_at or utcnow()) if hidden else None
    session.add(post)


# ---------------------------------------------------------------------- reading


def _thread_card(
    t: ForumThread, slug: str, authors: dict[int, Author], now, locale: str | None
) -> ThreadCard:
    author = authors.get(t.author_id)
    return ThreadCard(
        id=t.id or 0,
        url=thread_url(slug, t.id or 0),
        title=t.title,
        author_handle=author.handle if author else "",
        author_name=(author.display_name or author.handle) if author else "",
        reply_count=t.reply_count,
        last_when=format_ago(t.last_post_at, now, locale),
        pinned=t.pinned,
        locked=t.locked,
    )


def _decode_thread_cursor(cursor: object) -> tuple[bool, int] | None:
    if not isinstance(cursor, str) or not re.fullmatch(r"[pn]:\d{1,10}", cursor):
        return None
    return cursor[0] == "p", int(cursor[2:])


def threads(
    *,
    session: Session,
    viewer_id: int | None,
    team_ref: object,
    cursor: object = "",
    locale: str | None = None,
) -> ThreadPage:
    """A team's threads: pinned first, then by latest post; keyset pages on
    ``(pinned, last_post_id)``, read backwards along the index ``(team_id, pinned,
    last_post_id)`` with the authors joined. Two statements: the team with the viewer's
    role, and the page."""
    team, role = _inside(session, viewer_id, team_ref)
    after = _decode_thread_cursor(cursor)
    stmt = (
        select(ForumThread, *_AUTHOR)
        .outerjoin(User, _live_author(ForumThread.author_id))
        .where(ForumThread.team_id == team.id)
    )
    if after is not None:
        stmt = stmt.where(
            tuple_(ForumThread.pinned, ForumThread.last_post_id)
            < tuple_(literal(after[0]), literal(after[1]))
        )
    if role not in (CAPTAIN, MODERATOR):
        stmt = stmt.where(ForumThread.hidden_at.is_(None))  # type: ignore[union-attr]
    rows: list[ForumThread] = []
    authors: dict[int, Author] = {}
    for thread, *who in session.exec(
        stmt.order_by(
            ForumThread.pinned.desc(),  # type: ignore[attr-defined]
            ForumThread.last_post_id.desc(),  # type: ignore[attr-defined]
        ).limit(THREADS_PAGE + 1)
    ):
        rows.append(thread)
        if (author := _author(*who)) is not None:
            authors[author.id] = author
    more = len(rows) > THREADS_PAGE
    rows = rows[:THREADS_PAGE]
    nxt = ""
    if more and rows:
        nxt = f"{'p' if rows[-1].pinned else 'n'}:{rows[-1].last_post_id}"
    now = utcnow()
    return ThreadPage(
        threads=[_thread_card(t, team.slug, authors, now, locale) for t in rows],
        next_cursor=nxt,
    )


def thread_view(
    *,
    session: Session,
    viewer_id: int | None,
    thread_id: object,
    team_ref: object = None,
    cursor: object = "",
    locale: str | None = None,
) -> ThreadView:
    """A thread's posts, oldest first, in keyset pages by ``(thread_id, id)``.

    Deleted posts are left out; hidden ones reach only their author and the team's
    moderators; posts by people the viewer blocked (or by deleted or suspended accounts)
    are left out. Two statements for a page: the thread with its team, the viewer's
    role, its author and any block between the two; the posts with their authors and
    whether the viewer blocked each.
    """
    thread, team, role, starter, blocked_between = _thread_full(
        session, viewer_id, thread_id, team_ref
    )
    moderates = role in (CAPTAIN, MODERATOR)
    after = as_id(cursor) if cursor not in (None, "") else None
    stmt = (
        select(ForumPost, *_AUTHOR, Block.blocked_id)
        .outerjoin(User, _live_author(ForumPost.author_id))
        .outerjoin(
            Block,
            and_(Block.blocker_id == (viewer_id or 0), Block.blocked_id == ForumPost.author_id),
        )
        .where(ForumPost.thread_id == thread.id)
    )
    if after is not None:
        stmt = stmt.where(ForumPost.id > after)  # type: ignore[operator]
    fetched = list(session.exec(stmt.order_by(ForumPost.id).limit(POSTS_PAGE + 1)))  # type: ignore[arg-type]
    more = len(fetched) > POSTS_PAGE
    fetched = fetched[:POSTS_PAGE]
    rows = [row[0] for row in fetched]
    authors = {a.id: a for row in fetched if (a := _author(*row[1:5])) is not None}
    if starter is not None:
        authors[starter.id] = starter
    blocked = {row[5] for row in fetched if row[5] is not None}
    now = utcnow()
    first_id = rows[0].id if rows and after is None else None

    def visible(p: ForumPost) -> bool:
        if p.deleted_at is not None or p.author_id not in authors or p.author_id in blocked:
            return False
        return p.hidden_at is None or moderates or p.author_id == viewer_id

    posts = []
    for p in rows:
        if not visible(p):
            continue
        author = authors[p.author_id]
        name = author.display_name or author.handle
        editable = (
            p.author_id == viewer_id and p.created_at + EDIT_WINDOW >= now and not thread.locked
        )
        posts.append(
            PostCard(
                id=p.id or 0,
                author_handle=author.handle,
                author_name=name,
                author_avatar=profiles.avatar_url(author.avatar_key),
                author_initials=profiles.initials(name),
                segments=segments(p.body),
                body=p.body if editable else "",
                when=format_ago(p.created_at, now, locale),
                edited=p.edited_at is not None,
                hidden=p.hidden_at is not None,
                opening=p.id == first_id,
                mine=p.author_id == viewer_id,
                can_edit=editable,
            )
        )
    why = ""
    if viewer_id is None:
        why = N_("Sign in and join the team to reply.")
    elif not role:
        why = N_("Join the team to reply.")
    elif thread.locked:
        why = N_("This thread is locked.")
    elif viewer_id != thread.author_id and blocked_between:
        why = N_("You can't reply in this thread.")
    return ThreadView(
        thread=_thread_card(thread, team.slug, authors, now, locale),
        team_slug=team.slug,
        team_name=team.name,
        posts=posts,
        next_cursor=str(rows[-1].id) if more and rows else "",
        can_reply=why == "",
        can_moderate=moderates,
        why_not=why,
    )
