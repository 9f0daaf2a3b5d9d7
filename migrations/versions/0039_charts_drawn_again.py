"""Every kept chart drawn again (`measures.DRAWING` 2): a chart's points are kept as its polyline
alone, without each value's coordinates as numbers, which were two thirds of the JSON the plan page
decodes (issue #15).

The charts are drawn by the app's own rules (`services.charts_kept.redraw_every_plan`), which write
the table as the models have it at the head: a later migration that changes `action_charts`, or
what a chart is drawn from, must draw them again itself, and this fill be dropped (0038 dropped
its own the same way).

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-02 07:00:00

"""

from alembic import op

revision = "0039"
down_revision = "0038"
branch_labels = None
depends_on = None


def upgrade():
    from pip_app.services.charts_kept import redraw_every_plan

    redraw_every_plan(op.get_bind())


def downgrade():
    pass  # a chart drawn by another DRAWING is drawn afresh when shown (and kept at its next change)
