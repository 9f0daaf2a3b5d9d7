"""The register's default order as an index: controls by status, then the day their review is due
(`InterimControl.review_due_on()`: the later of the review-by date and the date a control was
continued until), then id. The register's first page takes its 25 controls in that order from
the index and stops, where it read and sorted every control in force (8,000 at 10,000 plans: 12 ms
on SQLite, against 0.1 ms). SQLite and PostgreSQL both match an index on an expression to the
same expression in ORDER BY.

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-30 09:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

REVIEW_DUE_ON = "(CASE WHEN (continued_until > review_by_date) THEN continued_until ELSE review_by_date END)"


def upgrade():
    op.create_index(
        "ix_interim_controls_status_review_due", "interim_controls", ["status", sa.text(REVIEW_DUE_ON), "id"]
    )


def downgrade():
    op.drop_index("ix_interim_controls_status_review_due", table_name="interim_controls")
