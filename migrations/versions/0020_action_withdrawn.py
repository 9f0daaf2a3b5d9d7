"""An action can be withdrawn from an issued plan while amending (issue 22, point 7): the action
status CHECK admits 'withdrawn'. The action is kept (its history, its place in the versions),
not deleted.

On SQLite the actions table is not rebuilt: rebuilding drops it, and with foreign keys on the
drop would cascade into every review entry, observation focus and attachment of an action.
Widening a CHECK changes nothing stored, so the table's definition is edited in place, the way
SQLite documents for removing or loosening a constraint ("Making Other Kinds Of Table Schema
Changes": writable_schema, then a new schema_version), and the result is checked.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-29 18:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

BEFORE = "status IN ('open', 'completed', 'assured', 'not_met')"
AFTER = "status IN ('open', 'completed', 'assured', 'not_met', 'withdrawn')"


def _sqlite_check(old, new):
    """Replace the actions table's status CHECK text in SQLite's schema, in this transaction."""
    conn = op.get_bind()
    sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'actions'").scalar()
    if sql.count(old) != 1:
        raise RuntimeError(f"The actions table's status CHECK is not the expected one: {sql!r}")
    version = conn.exec_driver_sql("PRAGMA schema_version").scalar()
    conn.exec_driver_sql("PRAGMA writable_schema=ON")
    conn.execute(
        sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = 'actions'"),
        {"sql": sql.replace(old, new)},
    )
    conn.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    conn.exec_driver_sql("PRAGMA writable_schema=OFF")
    problems = conn.exec_driver_sql("PRAGMA quick_check").scalar()
    if problems != "ok":
        raise RuntimeError(f"SQLite reports a problem after widening the CHECK: {problems}")


def _check(old, new):
    if op.get_context().dialect.name == "sqlite":
        _sqlite_check(old, new)
        return
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_actions_actionstatus"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_actions_actionstatus"), sa.text(new))


def upgrade():
    _check(BEFORE, AFTER)


def downgrade():
    # A withdrawn action reads as not met, with its reason, rather than being lost.
    op.execute("UPDATE actions SET status = 'not_met' WHERE status = 'withdrawn'")
    _check(AFTER, BEFORE)
