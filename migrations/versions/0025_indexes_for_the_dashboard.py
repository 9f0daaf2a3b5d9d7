"""Three indexes the group senior's dashboard needs at 10,000 plans (bench/results): without
them SQLite answered its flag and regulatory statements by reading every disagreement, or every
control in force, once per plan (468 ms of CPU for the page).

- `ix_acknowledgements_plan_response`: one plan's disagreements;
- `ix_interim_controls_plan_status_start`: one plan's controls in force, earliest first;
- `ix_plans_stage`: the few plans at a formal stage.

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-29 23:40:00

"""

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_acknowledgements_plan_response", "acknowledgements", ["plan_id", "response"])
    op.create_index("ix_interim_controls_plan_status_start", "interim_controls", ["plan_id", "status", "start_date"])
    op.create_index("ix_plans_stage", "plans", ["stage"])


def downgrade():
    op.drop_index("ix_plans_stage", table_name="plans")
    op.drop_index("ix_interim_controls_plan_status_start", table_name="interim_controls")
    op.drop_index("ix_acknowledgements_plan_response", table_name="acknowledgements")
