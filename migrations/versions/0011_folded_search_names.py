"""People found whatever the case and accents: `users.search_name`, the name folded for search
(issue #15: "Lukasik" finds "Łukasik", "Wojcik" finds "Wójcik", "SMITH" finds "Smith").

The column holds `pip_app.folding.search_key(name)`; the app sets it whenever it sets a name
(`User._fold_name`), and it is filled here for the people already there, with the app's own
function (so the two agree; a later change to the folding needs a migration that refolds). Searches compare it
with the folded search text by LIKE, alike on SQLite and PostgreSQL; the index keeps that a scan
of a narrow index rather than of the users table.

On SQLite the users table is not rebuilt (a rebuild drops it, and with foreign keys on that
would cascade into every plan): the column is added with a DEFAULT '' the app never relies on.

Revision ID: 0011
Revises: 0009
Create Date: 2026-11-29 16:00:00

"""

import sqlalchemy as sa
from alembic import op

from pip_app.folding import SEARCH_KEY_LENGTH, search_key

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None

users = sa.table(
    "users",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("search_name", sa.String),
)


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("search_name", sa.String(length=SEARCH_KEY_LENGTH), nullable=False, server_default="")
        )
    bind = op.get_bind()
    rows = bind.execute(sa.select(users.c.id, users.c.name)).all()
    if rows:
        bind.execute(
            users.update().where(users.c.id == sa.bindparam("user_id")).values(search_name=sa.bindparam("folded")),
            [{"user_id": user_id, "folded": search_key(name or "")} for user_id, name in rows],
        )
    if op.get_context().dialect.name != "sqlite":  # SQLite cannot drop a default without a rebuild
        with op.batch_alter_table("users", schema=None) as batch_op:
            batch_op.alter_column("search_name", server_default=None)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_search_name"), ["search_name"], unique=False)


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_search_name"))
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch rebuild would cascade (see above).
    op.execute("ALTER TABLE users DROP COLUMN search_name")
