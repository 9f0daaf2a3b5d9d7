"""The plans list's search of risk statements on PostgreSQL by trigram (issue #15).

A search's count tested every plan a person sees with ILIKE on its risk statement: for the group
senior at 10,000 plans, "wojcik" took 16.6 ms of the server's CPU, and the search's p99 under eight
connections was 205 ms, the slowest page left. Now the plans whose risk statement holds the text
are found once from a trigram index (pg_trgm, created by 0036), and each plan is looked up in that
list (`plans.queries._risk_statement_contains`): 1.6 ms. SQLite has no trigram index; its search
reads the statements as before.

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-02 16:00:00

"""

from alembic import op

revision = "0040"
down_revision = "0039"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index(
        "ix_plans_risk_statement_trigrams",
        "plans",
        ["risk_statement"],
        postgresql_using="gin",
        postgresql_ops={"risk_statement": "gin_trgm_ops"},
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_plans_risk_statement_trigrams", table_name="plans")
