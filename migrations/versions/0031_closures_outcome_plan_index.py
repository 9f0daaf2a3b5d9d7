"""Closures by outcome, with their plan: (outcome, plan) replaces (outcome).

The registered manager's dashboard finds the plans that need regulatory decisions from three
lists, one of them the closures "not achieved" or "left" (758 at 10,000 plans). With only the
outcome in the index, each closure's plan was read from its row; now the index names it.
PostgreSQL read 758 closures' rows for it (1.6 ms of the statement's 4.8).

Revision ID: 0031
Revises: 0030
Create Date: 2026-11-30 12:40:00

"""

from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_closures_outcome_plan", "closures", ["outcome", "plan_id"])
    op.drop_index("ix_closures_outcome", table_name="closures")


def downgrade():
    op.create_index("ix_closures_outcome", "closures", ["outcome"])
    op.drop_index("ix_closures_outcome_plan", table_name="closures")
