"""Reviews (one per order line, photos, helpful marks, rating totals on listings and
shops), the trust setting, and stored recommendations with "not interested", taste
neighbours and the job's bookkeeping.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 01:14:46.143263
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "recommendation_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("incremental", sa.Boolean(), nullable=False),
        sa.Column("users", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendation_run")),
    )
    op.create_table(
        "recommendation_dirty",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("since", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_recommendation_dirty_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_recommendation_dirty")),
    )
    op.create_table(
        "taste_neighbour",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("neighbour_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("shared", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["neighbour_id"],
            ["user_account.id"],
            name=op.f("fk_taste_neighbour_neighbour_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_taste_neighbour_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("user_id", "neighbour_id", name=op.f("pk_taste_neighbour")),
    )
    with op.batch_alter_table("taste_neighbour", schema=None) as batch_op:
        batch_op.create_index(
            "ix_taste_neighbour_user_id_score", ["user_id", "score"], unique=False
        )

    op.create_table(
        "not_interested",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["listing_id"], ["listing.id"], name=op.f("fk_not_interested_listing_id_listing")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_not_interested_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("user_id", "listing_id", name=op.f("pk_not_interested")),
    )
    op.create_table(
        "recommendation",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("anchor_listing_id", sa.Integer(), nullable=True),
        sa.Column("support", sa.Integer(), nullable=False),
        sa.Column("friend_ids", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("computed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["listing_id"], ["listing.id"], name=op.f("fk_recommendation_listing_id_listing")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_recommendation_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("user_id", "listing_id", name=op.f("pk_recommendation")),
    )
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.create_index("ix_recommendation_user_id_rank", ["user_id", "rank"], unique=False)

    op.create_table(
        "review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("edited_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("reply_body", sa.Text(), server_default="", nullable=False),
        sa.Column("reply_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("helpful_count", sa.Integer(), nullable=False),
        sa.Column("hidden_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_review_rating_1_to_5")),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user_account.id"], name=op.f("fk_review_author_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"], ["listing.id"], name=op.f("fk_review_listing_id_listing")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["shop_order.id"], name=op.f("fk_review_order_id_shop_order")
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"], ["order_line.id"], name=op.f("fk_review_order_line_id_order_line")
        ),
        sa.ForeignKeyConstraint(["shop_id"], ["shop.id"], name=op.f("fk_review_shop_id_shop")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review")),
        sa.UniqueConstraint("order_line_id", name=op.f("uq_review_order_line_id")),
    )
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.create_index("ix_review_author_id_id", ["author_id", "id"], unique=False)
        batch_op.create_index(
            "ix_review_listing_id_author_id",
            ["listing_id", "author_id", "rating", "hidden_at"],
            unique=False,
        )
        batch_op.create_index("ix_review_listing_id_id", ["listing_id", "id"], unique=False)
        batch_op.create_index("ix_review_shop_id_id", ["shop_id", "id"], unique=False)
        batch_op.create_index(
            "ix_review_shop_id_author_id",
            ["shop_id", "author_id", "rating", "hidden_at"],
            unique=False,
        )

    op.create_table(
        "review_helpful",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"], ["review.id"], name=op.f("fk_review_helpful_review_id_review")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_review_helpful_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("review_id", "user_id", name=op.f("pk_review_helpful")),
    )
    op.create_table(
        "review_photo",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"], ["review.id"], name=op.f("fk_review_photo_review_id_review")
        ),
        sa.PrimaryKeyConstraint("review_id", "position", name=op.f("pk_review_photo")),
    )
    op.create_index("ix_shared_purchase_listing_id", "shared_purchase", ["listing_id"])
    # Plain ALTERs on listing: a batch copy of the table would break the search view.
    op.add_column(
        "listing", sa.Column("rating_count", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column(
        "listing", sa.Column("rating_sum", sa.Integer(), server_default="0", nullable=False)
    )

    with op.batch_alter_table("shop", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("rating_count", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("rating_sum", sa.Integer(), server_default="0", nullable=False)
        )

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("trust_weight", sa.Integer(), server_default="50", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("trust_weight")

    with op.batch_alter_table("shop", schema=None) as batch_op:
        batch_op.drop_column("rating_sum")
        batch_op.drop_column("rating_count")

    op.drop_index("ix_shared_purchase_listing_id", "shared_purchase")
    op.drop_column("listing", "rating_sum")
    op.drop_column("listing", "rating_count")

    op.drop_table("review_photo")
    op.drop_table("review_helpful")
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_index("ix_review_shop_id_author_id")
        batch_op.drop_index("ix_review_shop_id_id")
        batch_op.drop_index("ix_review_listing_id_id")
        batch_op.drop_index("ix_review_listing_id_author_id")
        batch_op.drop_index("ix_review_author_id_id")

    op.drop_table("review")
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.drop_index("ix_recommendation_user_id_rank")

    op.drop_table("recommendation")
    op.drop_table("not_interested")
    with op.batch_alter_table("taste_neighbour", schema=None) as batch_op:
        batch_op.drop_index("ix_taste_neighbour_user_id_score")

    op.drop_table("taste_neighbour")
    op.drop_table("recommendation_dirty")
    op.drop_table("recommendation_run")
