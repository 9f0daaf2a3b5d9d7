"""Each interim control carries a copy of its plan's status, service and manager, kept by the
database, so the register's summary counts the controls a person sees from one index.

The register's summary strip counts every control in force a person sees, by type, with its
flags: at 10,000 plans the group's 8,754 were each looked up in their plan for its service,
manager and status (whether it is a draft, or closed). The copies let the count read the
controls' index alone. They are kept by triggers, so no operation can change a plan's status,
service or manager (a transition, a reassignment, a bulk update, the seed) without its controls
following: on insert a control takes its plan's values; when a plan's values change, its
controls take the new ones. A test holds the copies equal to the plans' after every kind of
change, on both databases.

The register index gains the copies (it replaces ix_interim_controls_register, whose leading
columns it keeps for the lists that read status and type).

Revision ID: 0032
Revises: 0031
Create Date: 2026-11-30 13:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

REGISTER = ["status", "kind", "plan_id", "review_by_date", "last_checked_on", "start_date", "continued_until"]
COPIES = ["plan_status", "plan_service_id", "plan_manager_id"]

# SQLite: a trigger has one event, and cannot set NEW's values; so the control's row is updated
# after it is written (inserted, or moved to another plan), from its plan.
COPY_FROM_PLAN = """
    BEGIN
        UPDATE interim_controls
        SET (plan_status, plan_service_id, plan_manager_id) =
            (SELECT status, service_id, manager_id FROM plans WHERE plans.id = NEW.plan_id)
        WHERE id = NEW.id;
    END
"""
SQLITE_TRIGGERS = [
    "CREATE TRIGGER interim_controls_copy_plan AFTER INSERT ON interim_controls" + COPY_FROM_PLAN,
    "CREATE TRIGGER interim_controls_copy_moved_plan AFTER UPDATE OF plan_id ON interim_controls" + COPY_FROM_PLAN,
    """
    CREATE TRIGGER plans_copy_to_controls AFTER UPDATE OF status, service_id, manager_id ON plans
    BEGIN
        UPDATE interim_controls
        SET plan_status = NEW.status, plan_service_id = NEW.service_id, plan_manager_id = NEW.manager_id
        WHERE plan_id = NEW.id;
    END
    """,
]

POSTGRESQL_TRIGGERS = [
    """
    CREATE FUNCTION interim_controls_copy_plan() RETURNS trigger AS $$
    BEGIN
        SELECT status, service_id, manager_id INTO NEW.plan_status, NEW.plan_service_id, NEW.plan_manager_id
        FROM plans WHERE plans.id = NEW.plan_id;
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER interim_controls_copy_plan BEFORE INSERT OR UPDATE OF plan_id ON interim_controls
    FOR EACH ROW EXECUTE FUNCTION interim_controls_copy_plan()
    """,
    """
    CREATE FUNCTION plans_copy_to_controls() RETURNS trigger AS $$
    BEGIN
        UPDATE interim_controls
        SET plan_status = NEW.status, plan_service_id = NEW.service_id, plan_manager_id = NEW.manager_id
        WHERE plan_id = NEW.id;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER plans_copy_to_controls AFTER UPDATE OF status, service_id, manager_id ON plans
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.service_id IS DISTINCT FROM NEW.service_id
          OR OLD.manager_id IS DISTINCT FROM NEW.manager_id)
    EXECUTE FUNCTION plans_copy_to_controls()
    """,
]


def upgrade():
    op.add_column("interim_controls", sa.Column("plan_status", sa.String(32), nullable=True))
    op.add_column("interim_controls", sa.Column("plan_service_id", sa.Integer(), nullable=True))
    op.add_column("interim_controls", sa.Column("plan_manager_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE interim_controls SET (plan_status, plan_service_id, plan_manager_id) = "
        "(SELECT status, service_id, manager_id FROM plans WHERE plans.id = interim_controls.plan_id)"
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRESQL_TRIGGERS if postgresql else SQLITE_TRIGGERS:
        op.execute(statement)
    op.drop_index("ix_interim_controls_register", table_name="interim_controls")
    op.create_index("ix_interim_controls_register", "interim_controls", REGISTER + COPIES)


def downgrade():
    op.drop_index("ix_interim_controls_register", table_name="interim_controls")
    op.create_index("ix_interim_controls_register", "interim_controls", REGISTER)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS plans_copy_to_controls ON plans")
        op.execute("DROP FUNCTION IF EXISTS plans_copy_to_controls()")
        op.execute("DROP TRIGGER IF EXISTS interim_controls_copy_plan ON interim_controls")
        op.execute("DROP FUNCTION IF EXISTS interim_controls_copy_plan()")
    else:
        for name in ("plans_copy_to_controls", "interim_controls_copy_moved_plan", "interim_controls_copy_plan"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    # ALTER TABLE … DROP COLUMN on both (SQLite since 3.35): batch mode would copy the table and
    # lose the expression index of migration 0026, which SQLite's reflection cannot read back.
    for column in reversed(COPIES):
        op.execute(f"ALTER TABLE interim_controls DROP COLUMN {column}")
