"""Each measured action's progress chart, kept drawn (issue #15): `action_charts`, one row per
measured action with its chart's geometry, the dates of its first and last values and whether
its measure is met (`measures.Drawing`), drawn again in the transaction of every change to what
it is drawn from (`services.charts_kept`). The plan page read every review's measured values and
drew twenty charts on every view, about a seventh of its CPU; it now reads them with its actions.

The charts of the plans already recorded are drawn by the newest migration that changes what a
chart is (0039 now), by the app's own rules, which write the table as the models have it at the
head. (A chart missing, or drawn by an older `measures.DRAWING`, is drawn afresh when shown, so a
database left without them still shows every chart.)

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-02 03:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "action_charts",
        sa.Column("action_id", sa.Integer(), sa.ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("plan_id", sa.Integer(), sa.ForeignKey("plans.id", ondelete="CASCADE"), nullable=False),
        sa.Column("drawing", sa.JSON(), nullable=False),
        sa.Column("drawn_by", sa.Integer(), nullable=False),
    )
    op.create_index("ix_action_charts_plan_id", "action_charts", ["plan_id"])


def downgrade():
    op.drop_index("ix_action_charts_plan_id", table_name="action_charts")
    op.drop_table("action_charts")
