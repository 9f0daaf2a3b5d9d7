"""Emails of the formal route get kinds of their own (issue 20): `letter_sent` (the staff member
is asked to confirm receipt of a formal letter), `appeal_to_hear` (the appeal's hearer is
chosen), `appeal_decided` (the staff member is told the outcome). Each kind has its own
audience, so the outbox checks the right person: the hearer is whoever was chosen, not the
plan's approver.

`notifications` is referred to by no other table, so its CHECK is changed through a batch
rebuild, as 0017 and 0018 did.

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-29 21:15:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
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
    "disagreement_response",  # 0018
)
NEW_KINDS = ("letter_sent", "appeal_to_hear", "appeal_decided")


def _kinds_check(kinds):
    return "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"


def _check(kinds):
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_notifications_notificationkind"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_notifications_notificationkind"), sa.text(_kinds_check(kinds)))


def upgrade():
    _check(KINDS + NEW_KINDS)


def downgrade():
    op.execute("DELETE FROM notifications WHERE kind IN ('letter_sent', 'appeal_to_hear', 'appeal_decided')")
    _check(KINDS)
