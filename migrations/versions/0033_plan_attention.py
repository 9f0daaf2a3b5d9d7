"""What needs attention on each plan, kept current by every change (issue #15): `plan_attention`,
one row per plan with a flag now or on a later day, holding the flags' facts (`flags.FlagFact`)
and the first day any of them flags. The dashboards find the plans needing attention today by
that day, instead of reading each candidate plan's controls, observations, reviews and
acknowledgements to decide its flags (eleven statements and about 800 rows a dashboard at 10,000
plans). Existing plans are filled in here with the app's own rules (`services.attention`).

The fill reads the tables through the app's models as they are at the head. If a later migration
adds a column that the flags read, a database upgraded from before 0033 would meet that column
here before it exists: that migration must then refresh plan_attention itself
(`services.attention.refresh_every_plan`), and this fill be dropped.

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
    from pip_app.services.attention import refresh_every_plan

    refresh_every_plan(op.get_bind())


def downgrade():
    op.drop_table("plan_attention")
