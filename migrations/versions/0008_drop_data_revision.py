"""Pages are rendered on every request: the page cache and its data revision are gone (issue #15).
The single revision row was a write lock every writing transaction took until it committed.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 15:00:00

"""

import sqlalchemy as sa
from alembic import op


revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table("data_revision")


def downgrade():
    table = op.create_table(
        "data_revision",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_revision")),
    )
    op.bulk_insert(table, [{"id": 1, "value": 1}])
