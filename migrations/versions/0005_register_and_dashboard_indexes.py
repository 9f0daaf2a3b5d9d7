"""Indexes for the register's counts and summary strip, its "oldest control", and the
dashboard's "review not acknowledged" test and "observations to record" (issue #9: measured at
10,000 plans).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 14:40:00

"""

from alembic import op


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("interim_controls", schema=None) as batch_op:
        batch_op.create_index(
            "ix_interim_controls_register",
            ["status", "kind", "plan_id", "review_by_date", "last_checked_on", "start_date"],
            unique=False,
        )
        batch_op.create_index("ix_interim_controls_status_start", ["status", "start_date"], unique=False)
    with op.batch_alter_table("acknowledgements", schema=None) as batch_op:
        batch_op.create_index("ix_acknowledgements_review_id", ["review_id"], unique=False)
    with op.batch_alter_table("observations", schema=None) as batch_op:
        batch_op.create_index("ix_observations_status_date", ["status", "scheduled_on"], unique=False)


def downgrade():
    with op.batch_alter_table("observations", schema=None) as batch_op:
        batch_op.drop_index("ix_observations_status_date")
    with op.batch_alter_table("acknowledgements", schema=None) as batch_op:
        batch_op.drop_index("ix_acknowledgements_review_id")
    with op.batch_alter_table("interim_controls", schema=None) as batch_op:
        batch_op.drop_index("ix_interim_controls_status_start")
        batch_op.drop_index("ix_interim_controls_register")
