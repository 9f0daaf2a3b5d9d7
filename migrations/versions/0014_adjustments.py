"""Reasonable adjustments and occupational-health referrals (issue #19, item 3): restricted detail.

`adjustments`: requested on and by, the request, the decision (pending / agreed / not
reasonable, with the reason), implemented on (only once agreed, never before the request),
review date, Access to Work suggested. `health_referrals`: referred on, the questions asked,
report received on (not before the referral), recommendations.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 15:25:58.357270

"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "adjustments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column(
            "decision",
            sa.Enum(
                "pending",
                "agreed",
                "not_reasonable",
                name="adjustmentdecision",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("implemented_on", sa.Date(), nullable=True),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("access_to_work", sa.Boolean(), nullable=False),
        sa.Column("plan_extended_days", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "decision <> 'not_reasonable' OR (decision_reason IS NOT NULL AND decision_reason <> '')",
            name=op.f("ck_adjustments_refusal_has_reason"),
        ),
        sa.CheckConstraint(
            "implemented_on IS NULL OR decision = 'agreed'", name=op.f("ck_adjustments_implemented_once_agreed")
        ),
        sa.CheckConstraint(
            "implemented_on IS NULL OR implemented_on >= requested_on",
            name=op.f("ck_adjustments_implemented_after_request"),
        ),
        sa.CheckConstraint(
            "review_on IS NULL OR review_on >= requested_on", name=op.f("ck_adjustments_review_after_request")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_adjustments_plan_id_plans"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"], name=op.f("fk_adjustments_recorded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adjustments")),
    )
    with op.batch_alter_table("adjustments", schema=None) as batch_op:
        batch_op.create_index("ix_adjustments_plan_requested", ["plan_id", "requested_on"], unique=False)

    op.create_table(
        "health_referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("referred_on", sa.Date(), nullable=False),
        sa.Column("questions", sa.Text(), nullable=False),
        sa.Column("report_received_on", sa.Date(), nullable=True),
        sa.Column("recommendations", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "report_received_on IS NULL OR report_received_on >= referred_on",
            name=op.f("ck_health_referrals_report_after_referral"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_health_referrals_plan_id_plans"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_health_referrals_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_referrals")),
    )
    with op.batch_alter_table("health_referrals", schema=None) as batch_op:
        batch_op.create_index("ix_health_referrals_plan_referred", ["plan_id", "referred_on"], unique=False)


def downgrade():
    with op.batch_alter_table("health_referrals", schema=None) as batch_op:
        batch_op.drop_index("ix_health_referrals_plan_referred")

    op.drop_table("health_referrals")
    with op.batch_alter_table("adjustments", schema=None) as batch_op:
        batch_op.drop_index("ix_adjustments_plan_requested")

    op.drop_table("adjustments")
