"""Moderation: roles and suspension on accounts, hidden shops and listings, reports and
the moderators' audit log.

Columns are added with plain ADD COLUMN (no batch table copy): recreating ``listing``
on SQLite would drop the full-text triggers of migration 0004.

Revision ID: 0011
Revises: 0009
Create Date: 2026-11-26 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_ONLY = sa.text("status = 'open'")


def upgrade() -> None:
    op.add_column(
        "user_account",
        sa.Column(
            "role",
            sqlmodel.sql.sqltypes.AutoString(length=20),
            server_default="member",
            nullable=False,
        ),
    )
    op.add_column(
        "user_account",
        sa.Column("suspended_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    )
    op.add_column(
        "user_account",
        sa.Column(
            "suspension_reason",
            sqlmodel.sql.sqltypes.AutoString(length=500),
            server_default="",
            nullable=False,
        ),
    )
    op.add_column(
        "shop", sa.Column("hidden_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
    )
    op.add_column(
        "listing", sa.Column("hidden_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
    )
    op.add_column(
        "listing",
        sa.Column(
            "state_before_hidden", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True
        ),
    )

    op.create_table(
        "report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("target_kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.Column("handled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'dismissed', 'actioned')", name=op.f("ck_report_status")
        ),
        sa.ForeignKeyConstraint(
            ["handled_by_id"],
            ["user_account.id"],
            name=op.f("fk_report_handled_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["user_account.id"], name=op.f("fk_report_reporter_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report")),
    )
    op.create_index(
        "ix_report_status_target_kind_target_id_id",
        "report",
        ["status", "target_kind", "target_id", "id"],
        unique=False,
    )
    op.create_index(
        "uq_report_reporter_id_target_kind_target_id",
        "report",
        ["reporter_id", "target_kind", "target_id"],
        unique=True,
        sqlite_where=OPEN_ONLY,
        postgresql_where=OPEN_ONLY,
    )

    op.create_table(
        "moderation_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("moderator_id", sa.Integer(), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("target_kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["moderator_id"],
            ["user_account.id"],
            name=op.f("fk_moderation_action_moderator_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_action")),
    )
    op.create_index(
        "ix_moderation_action_created_at_id",
        "moderation_action",
        ["created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_moderation_action_target_kind_target_id_created_at",
        "moderation_action",
        ["target_kind", "target_id", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        "ix_moderation_action_target_kind_target_id_created_at", table_name="moderation_action"
    )
    op.drop_index("ix_moderation_action_created_at_id", table_name="moderation_action")
    op.drop_table("moderation_action")
    op.drop_index("uq_report_reporter_id_target_kind_target_id", table_name="report")
    op.drop_index("ix_report_status_target_kind_target_id_id", table_name="report")
    op.drop_table("report")
    # Hidden listings go back to their maker's state before the columns go.
    op.execute(
        "UPDATE listing SET state = state_before_hidden"
        " WHERE state = 'hidden' AND state_before_hidden IS NOT NULL"
    )
    for table, column in (
        ("listing", "state_before_hidden"),
        ("listing", "hidden_at"),
        ("shop", "hidden_at"),
        ("user_account", "suspension_reason"),
        ("user_account", "suspended_at"),
        ("user_account", "role"),
    ):
        op.drop_column(table, column)
