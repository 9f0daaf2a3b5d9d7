"""Each issued version keeps a digest of its snapshot (issue #15): `plan_versions.snapshot_digest`.

For whoever may edit, the plan page says "Unissued changes since version N" when the live plan
differs from its last issued version: it read that version's snapshot (a statement) and compared
it with the live plan's, field by field, 0.4 ms on SQLite and 0.75 ms on PostgreSQL. Now the
live snapshot's digest is compared with the version's, read with the versions the page reads
anyway, and the snapshot is read and compared only when they differ.

The digest is filled here for every version already issued, by the app's own function
(`lifecycle.snapshot_digest`); new versions get theirs as they are inserted (the column's default).

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-01 21:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade():
    with op.batch_alter_table("plan_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("snapshot_digest", sa.String(length=64), nullable=True))
    from pip_app.lifecycle import snapshot_digest

    versions = sa.table(
        "plan_versions", sa.column("id", sa.Integer), sa.column("snapshot", sa.JSON), sa.column("snapshot_digest")
    )
    bind = op.get_bind()
    after = 0
    while True:
        rows = bind.execute(
            sa.select(versions.c.id, versions.c.snapshot)
            .where(versions.c.id > after)
            .order_by(versions.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        bind.execute(
            versions.update().where(versions.c.id == sa.bindparam("version_id")),
            [{"version_id": id_, "snapshot_digest": snapshot_digest(snap)} for id_, snap in rows],
        )
        after = rows[-1][0]


def downgrade():
    with op.batch_alter_table("plan_versions", schema=None) as batch_op:
        batch_op.drop_column("snapshot_digest")
