"""What needs attention on each plan, kept current by every change (issue #15): `plan_attention`,
one row per plan with a flag now or on a later day, holding the flags' facts (`flags.FlagFact`)
and the first day any of them flags. The dashboards find the plans needing attention today by
that day, instead of reading each candidate plan's controls, observations, reviews and
acknowledgements to decide its flags (eleven statements and about 800 rows a dashboard at 10,000
plans). Existing plans are filled in with the app's own rules (`services.attention`) by 0035,
which added a column to this table: the fill writes the table as the models have it at the head,
so it was moved there from here.

Revision ID: 0033
Revises: 0032
Create Date: 2026-11-30 19:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "plan_attention",
        sa.Column("plan_id", sa.Integer(), sa.ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("attention_from", sa.Date(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
    )


def downgrade():
    op.drop_table("plan_attention")
