"""The register's search counted from one index on SQLite: the controls in force with what a
search tests and who sees them (issue #15).

A search's count reads every control in force a person sees (8,754 for the group at 10,000
plans) to test its detail, its responsible person and its plan. From the table each was a
lookup of a row that also holds the detail as written, the lift's and the continuation's
reasons: 12.1 ms for the group's "wojcik"; from this index, which holds only what the count
reads (the folded detail included), 4.3 ms.

SQLite only. A PostgreSQL B-tree entry holds at most about 2,700 bytes, and a detail may be
longer (the form allows 4,000 characters, and folding can lengthen them), so there the index
could refuse a control's insert; the count reads the table (9.7 ms for the same search).

Revision ID: 0034
Revises: 0033
Create Date: 2026-11-30 23:00:00

"""

from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None

COLUMNS = ["status", "plan_service_id", "plan_manager_id", "plan_status", "plan_id", "responsible_id", "search_detail"]


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.create_index("ix_interim_controls_search", "interim_controls", COLUMNS)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index("ix_interim_controls_search", table_name="interim_controls")
