"""Notifications (issue #17): the outbox, and each person's digest preference.

- `notifications`: one email to one person about one thing on one occasion, unique on
  (recipient, kind, object, occasion) so nothing is ever sent twice; status, attempts, the last
  error and the times the sender needs to retry with backoff and to reclaim a run killed mid-send.
- `users.digest_only`: false (each notification as it happens, plus the daily digest) for
  everyone to begin with. Added with a plain ALTER TABLE ADD COLUMN: a batch "move and copy" of
  users would drop the table every other table references.

Revision ID: 0009
Revises: 0010
Create Date: 2026-11-29 15:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0010"
branch_labels = None
depends_on = None

KINDS = (
    "acknowledge_plan",
    "acknowledge_review",
    "acknowledge_closure",
    "ack_reminder",
    "ack_outstanding",
    "disagreement",
    "escalation",
    "review_due",
    "review_overdue",
    "past_end_date",
    "control_review_passed",
    "control_not_checked",
    "observation_tomorrow",
    "observation_update",
    "observation_cancelled",
    "observation_overdue",
    "digest",
)
STATUSES = ("pending", "sending", "sent", "failed", "skipped")


def upgrade():
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*KINDS, name="notificationkind", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("subject_type", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("occasion", sa.String(length=40), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(*STATUSES, name="notificationstatus", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_notifications_attempts_not_negative")),
        sa.CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name=op.f("ck_notifications_sent_has_time")),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_notifications_plan_id_plans"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["users.id"], name=op.f("fk_notifications_recipient_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint(
            "recipient_id", "kind", "subject_type", "subject_id", "occasion", name="uq_notifications_key"
        ),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index("ix_notifications_status_next_attempt", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index("ix_notifications_subject", ["subject_type", "subject_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notifications_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notifications_recipient_id"), ["recipient_id"], unique=False)

    op.add_column("users", sa.Column("digest_only", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    op.drop_column("users", "digest_only")  # plain DROP COLUMN (SQLite 3.35+, PostgreSQL), as in 0004
    op.drop_table("notifications")
