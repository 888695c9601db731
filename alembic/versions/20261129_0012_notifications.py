"""Notifications: the notification table, kinds turned off per person, and the daily
email digest choice.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNREAD = sa.text("read_at IS NULL")
TO_EMAIL = sa.text("read_at IS NULL AND emailed_at IS NULL")
ONCE = sa.text("subject_key <> ''")


def upgrade() -> None:
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("link", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("snippet", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("subject_key", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("read_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("emailed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user_account.id"], name=op.f("fk_notification_actor_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_notification_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    op.create_index("ix_notification_user_id_id", "notification", ["user_id", "id"])
    op.create_index(
        "ix_notification_unread",
        "notification",
        ["user_id", "id"],
        sqlite_where=UNREAD,
        postgresql_where=UNREAD,
    )
    op.create_index(
        "uq_notification_user_id_subject_key_actor_id",
        "notification",
        ["user_id", "subject_key", "actor_id"],
        unique=True,
        sqlite_where=ONCE,
        postgresql_where=ONCE,
    )
    op.create_index(
        "ix_notification_to_email",
        "notification",
        ["id"],
        sqlite_where=TO_EMAIL,
        postgresql_where=TO_EMAIL,
    )
    op.create_index("ix_notification_actor_id", "notification", ["actor_id"])

    op.create_table(
        "notification_off",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_notification_off_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", name=op.f("pk_notification_off")),
    )
    op.add_column(
        "user_account",
        sa.Column("notify_digest", sa.Boolean(), server_default="0", nullable=False),
    )


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("notify_digest")
    op.drop_table("notification_off")
    op.drop_index("ix_notification_actor_id", table_name="notification")
    op.drop_index("ix_notification_to_email", table_name="notification")
    op.drop_index("uq_notification_user_id_subject_key_actor_id", table_name="notification")
    op.drop_index("ix_notification_unread", table_name="notification")
    op.drop_index("ix_notification_user_id_id", table_name="notification")
    op.drop_table("notification")
