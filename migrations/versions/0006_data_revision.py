"""The data revision: one row counting committed changes, so rendered pages can be reused until
something changes (issue #9, pip_app/page_cache.py).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 17:20:00

"""

import sqlalchemy as sa
from alembic import op


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "data_revision",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_revision")),
    )
    op.bulk_insert(table, [{"id": 1, "value": 0}])


def downgrade():
    op.drop_table("data_revision")
