"""Disagreements answered and controls that continue (issue #18, points 4 and 5).

- `disagreement_responses`: the manager's answer to a staff member's "disagree" acknowledgement
  (one per acknowledgement): discussed on, with whom, the outcome, whether the plan changed, who
  recorded it and when, and when the staff member read it; `acknowledgements` gains an index on
  (response, acknowledged_at) for the dashboards' "disagreements to answer".
- `interim_controls.continued_until`, `continue_reason`, `continued_by_id`, `continued_on`: the
  responsible senior reviewed the control and decided it continues until a later day. Live
  governance, not the plan's issued content (the review-by date is left as issued). The
  register's index gains `continued_until`, so its counts still read the index alone.
- `notifications.kind` may be `disagreement_response` (the staff member is told their
  disagreement was answered).

Revision ID: 0018
Revises: 0020
Create Date: 2026-11-29 18:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0020"
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
    "escalation_decided",  # 0017
    "approval_requested",  # 0017
    "approval_decided",  # 0017
)
NEW_KINDS = ("disagreement_response",)
REGISTER_INDEX = ("status", "kind", "plan_id", "review_by_date", "last_checked_on", "start_date")


def _kinds_check(kinds):
    return "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"


def _add_continuation_columns():
    """Plain ALTER TABLE … ADD COLUMN, on SQLite too: a batch rebuild of interim_controls drops the
    table, and with foreign keys on that deletes every control check and review decision on it
    (ON DELETE CASCADE)."""
    for column in ("continued_until DATE", "continue_reason TEXT", "continued_on DATE"):
        op.execute(f"ALTER TABLE interim_controls ADD COLUMN {column}")
    op.execute(
        "ALTER TABLE interim_controls ADD COLUMN continued_by_id INTEGER"
        " CONSTRAINT fk_interim_controls_continued_by_id_users REFERENCES users (id)"
    )


def upgrade():
    op.create_table(
        "disagreement_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("acknowledgement_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("discussed_on", sa.Date(), nullable=False),
        sa.Column("discussed_with", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("plan_changed", sa.Boolean(), nullable=False),
        sa.Column("responded_by_id", sa.Integer(), nullable=False),
        sa.Column("responded_at", sa.DateTime(), nullable=False),
        sa.Column("staff_read_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "discussed_with <> '' AND outcome <> ''", name=op.f("ck_disagreement_responses_discussion_recorded")
        ),
        sa.ForeignKeyConstraint(
            ["acknowledgement_id"],
            ["acknowledgements.id"],
            name=op.f("fk_disagreement_responses_acknowledgement_id_acknowledgements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_disagreement_responses_plan_id_plans"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["responded_by_id"], ["users.id"], name=op.f("fk_disagreement_responses_responded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disagreement_responses")),
        sa.UniqueConstraint("acknowledgement_id", name=op.f("uq_disagreement_responses_acknowledgement_id")),
    )
    with op.batch_alter_table("disagreement_responses", schema=None) as batch_op:
        batch_op.create_index("ix_disagreement_responses_plan", ["plan_id"], unique=False)

    with op.batch_alter_table("acknowledgements", schema=None) as batch_op:
        batch_op.create_index("ix_acknowledgements_response_at", ["response", "acknowledged_at"], unique=False)

    _add_continuation_columns()
    # The register's counts still read only this index: it gains the new date.
    op.drop_index("ix_interim_controls_register", table_name="interim_controls")
    op.create_index("ix_interim_controls_register", "interim_controls", [*REGISTER_INDEX, "continued_until"])

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_notifications_notificationkind"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_notifications_notificationkind"), sa.text(_kinds_check(KINDS + NEW_KINDS))
        )


def downgrade():
    op.execute("DELETE FROM notifications WHERE kind IN ('disagreement_response')")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_notifications_notificationkind"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_notifications_notificationkind"), sa.text(_kinds_check(KINDS)))

    op.drop_index("ix_interim_controls_register", table_name="interim_controls")
    op.create_index("ix_interim_controls_register", "interim_controls", list(REGISTER_INDEX))
    if op.get_context().dialect.name != "sqlite":
        op.drop_constraint("fk_interim_controls_continued_by_id_users", "interim_controls", type_="foreignkey")
    for column in ("continued_on", "continued_by_id", "continue_reason", "continued_until"):
        # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch rebuild would cascade (above).
        op.execute(f"ALTER TABLE interim_controls DROP COLUMN {column}")

    with op.batch_alter_table("acknowledgements", schema=None) as batch_op:
        batch_op.drop_index("ix_acknowledgements_response_at")

    with op.batch_alter_table("disagreement_responses", schema=None) as batch_op:
        batch_op.drop_index("ix_disagreement_responses_plan")
    op.drop_table("disagreement_responses")
