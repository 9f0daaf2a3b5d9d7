"""The fair process at closure (issue #19, the points left): whether the staff member had a
reasonable time to improve after agreed adjustments were in place (closures: the date they were
in place, the days of the plan after it, the answer and why), and a registered manager's choice to
print the adjustments' detail in the closure summary (`adjustment_disclosures`, one per plan).

Revision ID: 0019
Revises: 0017
Create Date: 2026-11-29 18:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0017"
branch_labels = None
depends_on = None

ANSWERED = (
    "(adjustments_in_place_on IS NULL) = (reasonable_time_after_adjustments IS NULL)"
    " AND (reasonable_time_after_adjustments IS NULL"
    " OR (reasonable_time_explanation IS NOT NULL AND reasonable_time_explanation <> ''))"
)


def upgrade():
    with op.batch_alter_table("closures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("adjustments_in_place_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("days_after_adjustments", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reasonable_time_after_adjustments", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("reasonable_time_explanation", sa.Text(), nullable=True))
        batch_op.create_check_constraint(batch_op.f("ck_closures_time_after_adjustments_answered"), sa.text(ANSWERED))

    op.create_table(
        "adjustment_disclosures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("include_detail", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("chosen_by_id", sa.Integer(), nullable=False),
        sa.Column("chosen_at", sa.DateTime(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.CheckConstraint("reason <> ''", name=op.f("ck_adjustment_disclosures_reason_given")),
        sa.ForeignKeyConstraint(
            ["chosen_by_id"], ["users.id"], name=op.f("fk_adjustment_disclosures_chosen_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_adjustment_disclosures_plan_id_plans"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adjustment_disclosures")),
        sa.UniqueConstraint("plan_id", name=op.f("uq_adjustment_disclosures_plan_id")),
    )


def downgrade():
    op.drop_table("adjustment_disclosures")
    with op.batch_alter_table("closures", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_closures_time_after_adjustments_answered"), type_="check")
        batch_op.drop_column("reasonable_time_explanation")
        batch_op.drop_column("reasonable_time_after_adjustments")
        batch_op.drop_column("days_after_adjustments")
        batch_op.drop_column("adjustments_in_place_on")
