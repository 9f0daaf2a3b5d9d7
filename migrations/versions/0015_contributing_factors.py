"""Contributing factors (issue #19, item 3 of the issue): answered before a plan is issued.

`contributing_factors`, one per plan: the staff member's account, workload and rota, induction
and Care Certificate, language or literacy, a health need (restricted), caring responsibilities,
systems and process problems, or why none were identified.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 15:34:11.554557

"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "contributing_factors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("staff_account", sa.Text(), nullable=False),
        sa.Column("workload_rota", sa.Text(), nullable=False),
        sa.Column("induction", sa.Text(), nullable=False),
        sa.Column("language_literacy", sa.Text(), nullable=False),
        sa.Column("health_need", sa.Text(), nullable=False),
        sa.Column("caring", sa.Text(), nullable=False),
        sa.Column("systems", sa.Text(), nullable=False),
        sa.Column("none_identified_reason", sa.Text(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_contributing_factors_plan_id_plans"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_contributing_factors_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contributing_factors")),
        sa.UniqueConstraint("plan_id", name=op.f("uq_contributing_factors_plan_id")),
    )


def downgrade():
    op.drop_table("contributing_factors")
