"""Open plans by their next review, with who sees them and their order, in one index: (status,
next review, service, manager, reference year, reference number) replaces (status, next review).

The dashboards count the open plans a person sees, list the first of them by next review, and
test the overdue ones for flags: each read the plans' (status, next review) index, then every
matching plan's row for its service and manager (and, to sort, its reference) — 2,300 rows for a
group of 20 services at 10,000 plans. With those columns in the index, SQLite reads the index
alone: the group senior's count went from 4.2 to 0.7 ms, the first plans from 5.3 to 1.2 ms.

Revision ID: 0028
Revises: 0027
Create Date: 2026-11-30 10:00:00

"""

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

COLUMNS = ["status", "next_review_date", "service_id", "manager_id", "reference_year", "reference_number"]


def upgrade():
    op.create_index("ix_plans_review_queue", "plans", COLUMNS)
    op.drop_index("ix_plans_status_next_review", table_name="plans")


def downgrade():
    op.create_index("ix_plans_status_next_review", "plans", ["status", "next_review_date"])
    op.drop_index("ix_plans_review_queue", table_name="plans")
