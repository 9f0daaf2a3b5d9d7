"""Attachments: evidence files kept in the database (issue #21).

One table, `attachments`: the file's bytes (bytea on PostgreSQL, BLOB on SQLite), its type read
from its content, SHA-256, size, the cleaned name it was uploaded under, what it is, who may see
it (the staff member, or registered managers and HR only), when the staff member was given a
copy, and who attached it when. It belongs to a plan, and to at most one of that plan's actions,
reviews or observations; `subject_key` names which ("plan", "action-12"), so one file is stored
once per object.

Revision ID: 0010
Revises: 0008
Create Date: 2026-11-29 15:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("observation_id", sa.Integer(), nullable=True),
        sa.Column("subject_key", sa.String(length=40), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "visibility",
            sa.Enum(
                "staff", "restricted", name="attachmentvisibility", native_enum=False, create_constraint=True, length=32
            ),
            nullable=False,
        ),
        sa.Column("copy_given_on", sa.Date(), nullable=True),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint(
            "(CASE WHEN action_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN review_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN observation_id IS NULL THEN 0 ELSE 1 END) <= 1",
            name=op.f("ck_attachments_one_subject"),
        ),
        sa.CheckConstraint("size > 0", name=op.f("ck_attachments_size_positive")),
        sa.CheckConstraint("length(sha256) = 64", name=op.f("ck_attachments_sha256_length")),
        sa.ForeignKeyConstraint(
            ["action_id"], ["actions.id"], name=op.f("fk_attachments_action_id_actions"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["observation_id"],
            ["observations.id"],
            name=op.f("fk_attachments_observation_id_observations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_attachments_plan_id_plans"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"], name=op.f("fk_attachments_review_id_reviews"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["users.id"], name=op.f("fk_attachments_uploaded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        sa.UniqueConstraint("plan_id", "subject_key", "sha256", name=op.f("uq_attachments_plan_id")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index("ix_attachments_plan_uploaded", ["plan_id", "uploaded_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_attachments_action_id"), ["action_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attachments_review_id"), ["review_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attachments_observation_id"), ["observation_id"], unique=False)


def downgrade():
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_observation_id"))
        batch_op.drop_index(batch_op.f("ix_attachments_review_id"))
        batch_op.drop_index(batch_op.f("ix_attachments_action_id"))
        batch_op.drop_index("ix_attachments_plan_uploaded")
    op.drop_table("attachments")
