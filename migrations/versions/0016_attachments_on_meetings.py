"""Evidence files on a meeting too (issue #21: minutes, a signed note of a supervision), now that
meetings are recorded (issue #19): attachments.meeting_id, and the one-subject rule counts it.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 16:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

ONE_OF_THREE = (
    "(CASE WHEN action_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN review_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN observation_id IS NULL THEN 0 ELSE 1 END) <= 1"
)
ONE_OF_FOUR = (
    "(CASE WHEN action_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN review_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN observation_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN meeting_id IS NULL THEN 0 ELSE 1 END) <= 1"
)


def upgrade():
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("meeting_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_attachments_meeting_id_meetings"), "meetings", ["meeting_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_index(batch_op.f("ix_attachments_meeting_id"), ["meeting_id"], unique=False)
        batch_op.drop_constraint(batch_op.f("ck_attachments_one_subject"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_attachments_one_subject"), sa.text(ONE_OF_FOUR))


def downgrade():
    op.execute("DELETE FROM attachments WHERE meeting_id IS NOT NULL")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_attachments_one_subject"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_attachments_one_subject"), sa.text(ONE_OF_THREE))
        batch_op.drop_index(batch_op.f("ix_attachments_meeting_id"))
        batch_op.drop_constraint(batch_op.f("fk_attachments_meeting_id_meetings"), type_="foreignkey")
        batch_op.drop_column("meeting_id")
