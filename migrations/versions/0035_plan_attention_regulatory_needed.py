"""Which plans still need regulatory decisions recorded, kept beside their flags' facts (issue
#15): `plan_attention.regulatory_needed`, with an index on it and the plan's id. The registered
managers' dashboards list these plans from that index; before, one statement tested the checklist's
triggers and each referral's decision on every candidate plan (the SQL twin of the rules): 2.6 ms
a dashboard on PostgreSQL at 10,000 plans, most of it planning a statement with ten subqueries.

The column is filled, with every other fact, by the app's own rules: plan_attention is refreshed
here (`services.attention.refresh_every_plan`), which is why 0033 no longer fills it. The refresh
writes the table as the models have it at the head. A later migration that adds a column the
flags read, or one to plan_attention, must likewise refresh it itself, and this refresh be dropped.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-01 09:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("plan_attention", schema=None) as batch_op:
        batch_op.add_column(sa.Column("regulatory_needed", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index("ix_plan_attention_regulatory_needed", ["regulatory_needed", "plan_id"])
    from pip_app.services.attention import refresh_every_plan

    refresh_every_plan(op.get_bind())


def downgrade():
    with op.batch_alter_table("plan_attention", schema=None) as batch_op:
        batch_op.drop_index("ix_plan_attention_regulatory_needed")
        batch_op.drop_column("regulatory_needed")
