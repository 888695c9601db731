"""Moderation: people's reports about users and content, and the moderators' audit log.

A report names its target by kind and id (``user``, ``listing``, ``shop``, and whatever
other kinds register an adapter in ``services/reports.py``), so new reportable things
need no new table or column.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, text
from sqlmodel import Field, SQLModel

from social_market.models.base import utcnow

# Why something is reported (the fixed list people choose from).
SPAM, HARASSMENT, INAPPROPRIATE, COUNTERFEIT, OTHER = (
    "spam",
    "harassment",
    "inappropriate",
    "counterfeit",
    "other",
)
REPORT_REASONS = (SPAM, HARASSMENT, INAPPROPRIATE, COUNTERFEIT, OTHER)

# Report states: open until a moderator dismisses it or acts on its target.
OPEN, DISMISSED, ACTIONED = "open", "dismissed", "actioned"
REPORT_STATES = (OPEN, DISMISSED, ACTIONED)

# What moderators (or the admin command) did, for the audit log.
DISMISS, HIDE, UNHIDE, SUSPEND, UNSUSPEND = "dismiss", "hide", "unhide", "suspend", "unsuspend"
GRANT_MODERATOR, REVOKE_MODERATOR = "grant_moderator", "revoke_moderator"
MODERATION_ACTIONS = (DISMISS, HIDE, UNHIDE, SUSPEND, UNSUSPEND, GRANT_MODERATOR, REVOKE_MODERATOR)

_OPEN_ONLY = text("status = 'open'")


class Report(SQLModel, table=True):
    """One person's report about one target."""

    __tablename__ = "report"
    __table_args__ = (
        # One open report per reporter and target (a handled one may be followed by another).
        Index(
            "uq_report_reporter_id_target_kind_target_id",
            "reporter_id",
            "target_kind",
            "target_id",
            unique=True,
            sqlite_where=_OPEN_ONLY,
            postgresql_where=_OPEN_ONLY,
        ),
        # The queue: open reports grouped by target, oldest target first (by first id).
        Index(
            "ix_report_status_target_kind_target_id_id", "status", "target_kind", "target_id", "id"
        ),
        CheckConstraint("status IN ('open', 'dismissed', 'actioned')", name="status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    reporter_id: int = Field(foreign_key="user_account.id")
    target_kind: str = Field(max_length=20)
    target_id: int
    reason: str = Field(max_length=20)
    note: str = Field(default="", max_length=1000)
    status: str = Field(default=OPEN, max_length=10)
    created_at: datetime = Field(default_factory=utcnow)
    handled_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    handled_at: datetime | None = None


class ModerationAction(SQLModel, table=True):
    """The audit log: who did what to which target, why, and when."""

    __tablename__ = "moderation_action"
    __table_args__ = (
        Index("ix_moderation_action_created_at_id", "created_at", "id"),
        Index(
            "ix_moderation_action_target_kind_target_id_created_at",
            "target_kind",
            "target_id",
            "created_at",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    # None: done from the command line (python -m social_market.admin).
    moderator_id: int | None = Field(default=None, foreign_key="user_account.id")
    action: str = Field(max_length=20)
    target_kind: str = Field(max_length=20)
    target_id: int
    reason: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
