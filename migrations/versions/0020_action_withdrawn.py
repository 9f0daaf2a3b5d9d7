"""An action can be withdrawn from an issued plan while amending (issue 22, point 7): the action
status CHECK admits 'withdrawn'. The action is kept (its history, its place in the versions),
not deleted.

Revision ID: 0020
Revises: 0016
Create Date: 2026-11-29 18:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0016'
branch_labels = None
depends_on = None

BEFORE = "status IN ('open', 'completed', 'assured', 'not_met')"
AFTER = "status IN ('open', 'completed', 'assured', 'not_met', 'withdrawn')"


def upgrade():
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_actions_actionstatus'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_actions_actionstatus'), sa.text(AFTER))


def downgrade():
    # A withdrawn action reads as not met, with its reason, rather than being lost.
    op.execute("UPDATE actions SET status = 'not_met' WHERE status = 'withdrawn'")
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_actions_actionstatus'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_actions_actionstatus'), sa.text(BEFORE))
