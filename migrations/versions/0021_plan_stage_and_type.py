"""A plan's capability stage and type (issue 20, point 1): `plans.stage` (informal, formal stage 1,
formal stage 2, capability hearing) and `plans.plan_type` (performance or probation), and a new
kind of approval, `stage` ("Move to a formal stage").

On SQLite neither table is rebuilt: a batch rebuild drops the table, and with foreign keys on the
drop of `plans` would cascade into everything on a plan, the drop of `approvals` into every
approval comment. The columns are added with plain ALTER TABLE … ADD COLUMN (each with its own
CHECK, as 0017 added services.approver_role), and the approvals kind CHECK is widened in place
in SQLite's schema, as 0020 widened the actions status CHECK, and the result is checked.

Revision ID: 0021
Revises: 0018
Create Date: 2026-11-29 19:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0018"
branch_labels = None
depends_on = None

STAGES = ("informal", "stage_1", "stage_2", "hearing")
TYPES = ("performance", "probation")
KINDS_BEFORE = "kind IN ('issue', 'closure')"
KINDS_AFTER = "kind IN ('issue', 'closure', 'stage')"


def _listed(values):
    return ", ".join(f"'{v}'" for v in values)


def _sqlite_check(table, old, new):
    """Replace one CHECK's text in SQLite's schema of `table`, in this transaction."""
    conn = op.get_bind()
    sql = conn.exec_driver_sql(f"SELECT sql FROM sqlite_master WHERE type = 'table' AND name = '{table}'").scalar()
    if sql.count(old) != 1:
        raise RuntimeError(f"The {table} table's CHECK is not the expected one: {sql!r}")
    version = conn.exec_driver_sql("PRAGMA schema_version").scalar()
    conn.exec_driver_sql("PRAGMA writable_schema=ON")
    conn.execute(
        sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = :name"),
        {"sql": sql.replace(old, new), "name": table},
    )
    conn.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    conn.exec_driver_sql("PRAGMA writable_schema=OFF")
    problems = conn.exec_driver_sql("PRAGMA quick_check").scalar()
    if problems != "ok":
        raise RuntimeError(f"SQLite reports a problem after changing the CHECK: {problems}")


def _approval_kinds(old, new):
    if op.get_context().dialect.name == "sqlite":
        _sqlite_check("approvals", old, new)
        return
    op.execute("ALTER TABLE approvals DROP CONSTRAINT ck_approvals_approvalkind")
    op.execute(f"ALTER TABLE approvals ADD CONSTRAINT ck_approvals_approvalkind CHECK ({new})")


def upgrade():
    op.execute(
        "ALTER TABLE plans ADD COLUMN plan_type VARCHAR(32) DEFAULT 'performance' NOT NULL"
        f" CONSTRAINT ck_plans_plantype CHECK (plan_type IN ({_listed(TYPES)}))"
    )
    op.execute(
        "ALTER TABLE plans ADD COLUMN stage VARCHAR(32) DEFAULT 'informal' NOT NULL"
        f" CONSTRAINT ck_plans_planstage CHECK (stage IN ({_listed(STAGES)}))"
    )
    _approval_kinds(KINDS_BEFORE, KINDS_AFTER)


def downgrade():
    # A request to move to a formal stage has no kind to go back to: it goes, with its comments.
    op.execute("DELETE FROM approval_comments WHERE approval_id IN (SELECT id FROM approvals WHERE kind = 'stage')")
    op.execute("DELETE FROM approvals WHERE kind = 'stage'")
    _approval_kinds(KINDS_AFTER, KINDS_BEFORE)
    for column, check in (("stage", "ck_plans_planstage"), ("plan_type", "ck_plans_plantype")):
        if op.get_context().dialect.name != "sqlite":  # SQLite 3.35+ drops the column's own CHECK with it
            op.execute(f"ALTER TABLE plans DROP CONSTRAINT {check}")
        op.execute(f"ALTER TABLE plans DROP COLUMN {column}")
