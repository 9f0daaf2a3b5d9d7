"""The register's search on PostgreSQL from two indexes: the controls' details by trigram, and
who sees each control with what else a search tests (issue #15).

A search's count read every control in force a person sees (8,754 for the group at 10,000
plans) from the table, to test its detail with LIKE: the group's "lukasik" took 12 ms of the
server's time, and its p99 was the worst of every page. Now the controls whose folded detail
holds the text are found once from a trigram index (pg_trgm, a trusted extension: the
database's owner may create it), and the count tests each control against that short list
from an index holding everything else it reads: 3.5 ms.

SQLite keeps its own index for the same count (0034): it cannot index trigrams, and a SQLite
index entry may hold a long detail.

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-01 12:00:00

"""

from alembic import op

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None

SCOPE_COLUMNS = ["status", "plan_service_id", "plan_manager_id", "plan_status", "plan_id", "responsible_id", "id"]


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index("ix_interim_controls_search_scope", "interim_controls", SCOPE_COLUMNS)
    op.create_index(
        "ix_interim_controls_detail_trigrams",
        "interim_controls",
        ["search_detail"],
        postgresql_using="gin",
        postgresql_ops={"search_detail": "gin_trgm_ops"},
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_interim_controls_detail_trigrams", table_name="interim_controls")
    op.drop_index("ix_interim_controls_search_scope", table_name="interim_controls")
