"""Support (issue #19, item 2): what is given to help the staff member meet the plan.

`support`: kind (coaching, shadowing, training, a buddy, a rota change, equipment, other), what
it is, who provides it, from when, when it was delivered (never before it started), a note.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 15:23:01.402166

"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "support",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "coaching",
                "shadowing",
                "training",
                "buddy",
                "rota",
                "equipment",
                "other",
                name="supportkind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("provided_by", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("delivered_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "delivered_on IS NULL OR delivered_on >= starts_on", name=op.f("ck_support_delivered_after_start")
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_support_plan_id_plans"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"], name=op.f("fk_support_recorded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support")),
    )
    with op.batch_alter_table("support", schema=None) as batch_op:
        batch_op.create_index("ix_support_plan_starts", ["plan_id", "starts_on"], unique=False)


def downgrade():
    with op.batch_alter_table("support", schema=None) as batch_op:
        batch_op.drop_index("ix_support_plan_starts")

    op.drop_table("support")
