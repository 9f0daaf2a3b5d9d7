"""Decisions that need a second person (issue #18): approvals before issue and before a hard
closure, with a comment thread; escalations open until a registered manager decides; each
service's approver role; three more kinds of email.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 17:39:54.214432

"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("issue", "closure", name="approvalkind", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "approved",
                "returned",
                "superseded",
                name="approvalstatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("proposal", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status <> 'returned' OR (comment IS NOT NULL AND comment <> '')",
            name=op.f("ck_approvals_return_has_comment"),
        ),
        sa.CheckConstraint("status = 'pending' OR decided_at IS NOT NULL", name=op.f("ck_approvals_decision_dated")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_approvals_decided_by_id_users")),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_approvals_plan_id_plans"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"], name=op.f("fk_approvals_requested_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approvals")),
    )
    with op.batch_alter_table("approvals", schema=None) as batch_op:
        batch_op.create_index("ix_approvals_plan_kind", ["plan_id", "kind"], unique=False)
        batch_op.create_index("ix_approvals_status", ["status"], unique=False)
        batch_op.create_index(
            "uq_approvals_one_pending",
            ["plan_id", "kind"],
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )

    op.create_table(
        "approval_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("approval_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["approval_id"],
            ["approvals.id"],
            name=op.f("fk_approval_comments_approval_id_approvals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_approval_comments_author_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_comments")),
    )
    with op.batch_alter_table("approval_comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_approval_comments_approval_id"), ["approval_id"], unique=False)

    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("raised_by_id", sa.Integer(), nullable=False),
        sa.Column("raised_at", sa.DateTime(), nullable=False),
        sa.Column(
            "decision",
            sa.Enum(
                "redesign",
                "extend",
                "control",
                "formal",
                "no_further_action",
                name="escalationdecision",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("rationale", sa.Text(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("new_end_date", sa.Date(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "decision IS NULL OR (rationale IS NOT NULL AND rationale <> '' AND decided_on IS NOT NULL AND decided_by_id IS NOT NULL AND decided_at IS NOT NULL)",
            name=op.f("ck_escalations_decision_complete"),
        ),
        sa.CheckConstraint(
            "decision IS NULL OR decision <> 'extend' OR new_end_date IS NOT NULL",
            name=op.f("ck_escalations_extend_has_date"),
        ),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_escalations_decided_by_id_users")),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_escalations_plan_id_plans"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["raised_by_id"], ["users.id"], name=op.f("fk_escalations_raised_by_id_users")),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"], name=op.f("fk_escalations_review_id_reviews"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
        sa.UniqueConstraint("review_id", name=op.f("uq_escalations_review_id")),
    )
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.create_index("ix_escalations_open", ["decided_at"], unique=False)
        batch_op.create_index("ix_escalations_plan", ["plan_id"], unique=False)

    # A plain ALTER TABLE on SQLite too: a batch rebuild of services (which plans and users refer
    # to) fails with foreign keys on.
    op.execute(
        "ALTER TABLE services ADD COLUMN approver_role VARCHAR(32) DEFAULT 'senior' NOT NULL"
        " CONSTRAINT ck_services_approverrole CHECK (approver_role IN ('senior', 'hr'))"
    )

    _notification_kinds(KINDS + NEW_KINDS)


def downgrade():
    op.execute("DELETE FROM notifications WHERE kind IN (" + ", ".join(f"'{kind}'" for kind in NEW_KINDS) + ")")
    _notification_kinds(KINDS)
    if op.get_context().dialect.name == "sqlite":  # SQLite 3.35+; its own CHECK goes with it
        op.execute("ALTER TABLE services DROP COLUMN approver_role")
    else:
        op.execute("ALTER TABLE services DROP CONSTRAINT ck_services_approverrole")
        op.execute("ALTER TABLE services DROP COLUMN approver_role")

    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_index("ix_escalations_plan")
        batch_op.drop_index("ix_escalations_open")

    op.drop_table("escalations")
    with op.batch_alter_table("approval_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_approval_comments_approval_id"))

    op.drop_table("approval_comments")
    with op.batch_alter_table("approvals", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_approvals_one_pending",
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )
        batch_op.drop_index("ix_approvals_status")
        batch_op.drop_index("ix_approvals_plan_kind")

    op.drop_table("approvals")


# The kinds of email the notifications table allows (0009), and the ones this adds.
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
NEW_KINDS = ("escalation_decided", "approval_requested", "approval_decided")


def _notification_kinds(kinds):
    """Rebuild the CHECK constraint of notifications.kind to allow exactly `kinds`."""
    allowed = ", ".join(f"'{kind}'" for kind in kinds)
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_notifications_notificationkind"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_notifications_notificationkind"), sa.text(f"kind IN ({allowed})")
        )
