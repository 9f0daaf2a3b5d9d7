"""A control's detail folded for the register's search (`interim_controls.search_detail`, as
`users.search_name` is for names): searched with a plain LIKE on both databases. The register
matched every control's detail with ILIKE, which on SQLite called the app's Unicode lower() in
Python for each control in force, twice a search (the count and the page). Existing rows are
folded here with the app's own function.

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-30 10:10:00

"""

import sqlalchemy as sa
from alembic import op

from pip_app.folding import fold

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade():
    op.add_column("interim_controls", sa.Column("search_detail", sa.Text(), nullable=False, server_default=""))
    controls = sa.table(
        "interim_controls",
        sa.column("id", sa.Integer),
        sa.column("detail", sa.Text),
        sa.column("search_detail", sa.Text),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(controls.c.id, controls.c.detail).where(controls.c.detail != "")).all()
    for start in range(0, len(rows), BATCH):
        connection.execute(
            controls.update()
            .where(controls.c.id == sa.bindparam("control_id"))
            .values(search_detail=sa.bindparam("folded")),
            [{"control_id": id_, "folded": fold(detail or "")} for id_, detail in rows[start : start + BATCH]],
        )


def downgrade():
    # A plain DROP COLUMN (SQLite has it since 3.35): a batch copy of the table would lose 0026's
    # index on an expression, which SQLAlchemy cannot read back from SQLite to recreate.
    op.drop_column("interim_controls", "search_detail")
