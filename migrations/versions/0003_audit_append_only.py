"""audit_events is append-only: its plan_id is no longer a foreign key (the trail outlives
the records it describes), and on PostgreSQL a trigger refuses UPDATE and DELETE.

Only the retention purge may delete, and only inside a transaction that has run
SET LOCAL pip.audit_purge = 'on' (see pip_app/services/retention.py).

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_audit_events_plan_id_plans"), type_="foreignkey")
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite: the app has no update or delete path for audit events (tested)
    op.execute("""
        CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'DELETE' AND current_setting('pip.audit_purge', true) = 'on' THEN
                RETURN OLD;
            END IF;
            RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP;
        END
        $$ LANGUAGE plpgsql
    """)
    op.execute("""
        CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
    """)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_audit_events_plan_id_plans"), "plans", ["plan_id"], ["id"], ondelete="SET NULL"
        )
