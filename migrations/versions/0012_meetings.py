"""Meetings (issue #19, item 1): supervision, review and formal meetings on a plan.

`meetings`: type, date, time and place, named attendees who are not users, the note-taker, the
staff member's companion (kind and name, both or neither), the written notice and the evidence
copies given beforehand, the minutes (discussion, the staff member's account, decisions), the
weekly review it was (one meeting per review), when the minutes were shared and the staff
member's answer (agree, or disagree with a comment). `meeting_attendees`: the users who attended.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 15:16:11.257687

"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "supervision",
                "review",
                "formal",
                "appeal",
                name="meetingkind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("starts_at", sa.Time(), nullable=True),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("other_attendees", sa.Text(), nullable=False),
        sa.Column("note_taker", sa.String(length=200), nullable=False),
        sa.Column(
            "companion_kind",
            sa.Enum(
                "none",
                "colleague",
                "union_rep",
                "union_official",
                name="companionkind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("companion_name", sa.String(length=200), nullable=True),
        sa.Column("notice_given_on", sa.Date(), nullable=True),
        sa.Column("evidence_copies", sa.Text(), nullable=False),
        sa.Column("discussion", sa.Text(), nullable=False),
        sa.Column("staff_account", sa.Text(), nullable=False),
        sa.Column("decisions", sa.Text(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("minutes_shared_on", sa.Date(), nullable=True),
        sa.Column(
            "minutes_response",
            sa.Enum("agree", "disagree", name="ackresponse", native_enum=False, create_constraint=True, length=32),
            nullable=True,
        ),
        sa.Column("minutes_comment", sa.Text(), nullable=True),
        sa.Column("minutes_acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(companion_kind = 'none') = (companion_name IS NULL OR companion_name = '')",
            name=op.f("ck_meetings_companion_named"),
        ),
        sa.CheckConstraint(
            "minutes_response IS NULL OR minutes_response <> 'disagree' OR (minutes_comment IS NOT NULL AND minutes_comment <> '')",
            name=op.f("ck_meetings_disagree_has_comment"),
        ),
        sa.CheckConstraint(
            "minutes_response IS NULL OR minutes_shared_on IS NOT NULL",
            name=op.f("ck_meetings_acknowledged_once_shared"),
        ),
        sa.CheckConstraint(
            "minutes_shared_on IS NULL OR minutes_shared_on >= held_on", name=op.f("ck_meetings_shared_after_held")
        ),
        sa.CheckConstraint(
            "notice_given_on IS NULL OR notice_given_on <= held_on", name=op.f("ck_meetings_notice_before_held")
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_meetings_plan_id_plans"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"], name=op.f("fk_meetings_recorded_by_id_users")),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"], name=op.f("fk_meetings_review_id_reviews"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        sa.UniqueConstraint("review_id", name=op.f("uq_meetings_review_id")),
    )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.create_index("ix_meetings_plan_held", ["plan_id", "held_on"], unique=False)

    op.create_table(
        "meeting_attendees",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_attendees_meeting_id_meetings"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_meeting_attendees_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("meeting_id", "user_id", name=op.f("pk_meeting_attendees")),
    )


def downgrade():
    op.drop_table("meeting_attendees")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_index("ix_meetings_plan_held")

    op.drop_table("meetings")
