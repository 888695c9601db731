"""Teams: interest or local groups of people (like Etsy Teams), with a captain,
moderators, members (open joining or by request) and a forum of threads and replies."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Index, Text
from sqlmodel import Field, SQLModel

from social_market.models.base import utcnow

T_INTEREST, T_LOCAL = "interest", "local"
OPEN_JOIN, BY_REQUEST = "open", "request"
CAPTAIN, MODERATOR, MEMBER = "captain", "moderator", "member"
# A membership is asked for (by-request teams) until a captain or moderator lets them in.
JOINED, REQUESTED = "joined", "requested"


class Team(SQLModel, table=True):
    __tablename__ = "team"
    __table_args__ = (
        Index("ix_team_member_count_id", "member_count", "id"),
        CheckConstraint("member_count >= 0", name="member_count_not_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # Lower-case, unique: the /team/<slug> address.
    slug: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=60)
    about: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    kind: str = Field(default=T_INTEREST, max_length=10)
    city: str = Field(default="", max_length=80)
    country: str = Field(default="", max_length=2)
    join_policy: str = Field(default=OPEN_JOIN, max_length=10)
    # Private: only members see the forum and the member list.
    private: bool = False
    captain_id: int = Field(foreign_key="user_account.id")
    member_count: int = 0
    thread_count: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    hidden_at: datetime | None = None


class TeamMember(SQLModel, table=True):
    __tablename__ = "team_member"
    __table_args__ = (
        Index("ix_team_member_user_id", "user_id"),
        Index("ix_team_member_team_id_state_joined_at", "team_id", "state", "joined_at"),
    )

    team_id: int = Field(foreign_key="team.id", primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    role: str = Field(default=MEMBER, max_length=10)
    state: str = Field(default=JOINED, max_length=10)
    joined_at: datetime = Field(default_factory=utcnow)


class ForumThread(SQLModel, table=True):
    __tablename__ = "forum_thread"
    __table_args__ = (
        # A team's threads: pinned first, then by latest reply (post ids grow with time).
        Index("ix_forum_thread_team_id_pinned_last_post_id", "team_id", "pinned", "last_post_id"),
        CheckConstraint("reply_count >= 0", name="reply_count_not_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    author_id: int = Field(foreign_key="user_account.id")
    title: str = Field(max_length=140)
    reply_count: int = 0
    last_post_id: int = 0
    last_post_at: datetime = Field(default_factory=utcnow)
    pinned: bool = False
    locked: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    hidden_at: datetime | None = None


class ForumPost(SQLModel, table=True):
    """The opening post and the replies of a thread, oldest first."""

    __tablename__ = "forum_post"
    __table_args__ = (
        Index("ix_forum_post_thread_id_id", "thread_id", "id"),
        Index("ix_forum_post_author_id_id", "author_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="forum_thread.id")
    author_id: int = Field(foreign_key="user_account.id")
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    edited_at: datetime | None = None
    deleted_at: datetime | None = None
    # Hidden by the team's captain/moderators or site moderators after a report.
    hidden_at: datetime | None = None
