"""The formal route's letters and appeals, and the outcomes and controls that trigger regulatory
decisions (issue 20, points 2-4).

- `letters`: formal letters to the staff member, their content fixed when drafted, kept as sent,
  versioned per plan and kind, with the staff member's acknowledgement of receipt.
- `appeals`: an appeal against an outcome letter, its hearer, hearing and outcome.
- Three CHECKs widened to admit new values: closures.outcome 'left' (the staff member left
  during the procedure), interim_controls.kind 'removed_from_regulated_activity', and
  users.professional_register 'niscc' (Northern Ireland Social Care Council).

On SQLite the three tables are not rebuilt: closures, interim_controls and users are referred to
by other tables, and with foreign keys on a rebuild's DROP would cascade into them. Widening a
CHECK changes nothing stored, so each definition is edited in place, the way SQLite documents
for loosening a constraint (writable_schema, then a new schema_version), as 0020 does, and the
result is checked.

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-29 20:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

LETTER_KINDS = (
    "invitation",
    "improvement_note",
    "final_warning",
    "hearing_outcome",
    "appeal_invitation",
    "appeal_outcome",
)
APPEAL_OUTCOMES = ("upheld", "not_upheld", "varied")

OUTCOMES = ("achieved", "partly", "not_achieved", "withdrawn")
CONTROL_KINDS = (
    "escalation_sign_off",
    "notes_sign_off",
    "paired_working",
    "increased_observation",
    "restricted_duties",
    "managerial_presence",
    "other",
)
REGISTERS = ("none", "nmc", "hcpc", "swe", "sssc", "scw")

# (table, constraint name, column, values before, value added)
WIDENED = (
    ("closures", "ck_closures_closureoutcome", "outcome", OUTCOMES, "left"),
    ("interim_controls", "ck_interim_controls_controlkind", "kind", CONTROL_KINDS, "removed_from_regulated_activity"),
    ("users", "ck_users_professionalregister", "professional_register", REGISTERS, "niscc"),
)
# What a downgrade turns each added value into, so that no row breaks the narrower CHECK.
NARROWED_TO = {"left": "withdrawn", "removed_from_regulated_activity": "restricted_duties", "niscc": "none"}


def _in(column, values):
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _enum(values, name):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _sqlite_replace_check(table, old, new):
    """Replace one CHECK's text in SQLite's schema for `table`, in this transaction."""
    conn = op.get_bind()
    sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).scalar()
    if sql.count(old) != 1:
        raise RuntimeError(f"The {table} table's CHECK is not the expected one: {sql!r}")
    version = conn.exec_driver_sql("PRAGMA schema_version").scalar()
    conn.exec_driver_sql("PRAGMA writable_schema=ON")
    conn.execute(
        sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = :name"),
        {"sql": sql.replace(old, new), "name": table},
    )
    conn.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    conn.exec_driver_sql("PRAGMA writable_schema=OFF")
    problems = conn.exec_driver_sql("PRAGMA quick_check").scalar()
    if problems != "ok":
        raise RuntimeError(f"SQLite reports a problem after changing a CHECK on {table}: {problems}")


def _replace_check(table, name, old, new):
    if op.get_context().dialect.name == "sqlite":
        _sqlite_replace_check(table, old, new)
        return
    op.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    op.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" CHECK ({new})')


def upgrade():
    for table, name, column, before, added in WIDENED:
        _replace_check(table, name, _in(column, before), _in(column, (*before, added)))

    op.create_table(
        "letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("kind", _enum(LETTER_KINDS, "letterkind"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("plan_row_version", sa.Integer(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("appeal_by", sa.Date(), nullable=True),
        sa.Column("drafted_by_id", sa.Integer(), nullable=False),
        sa.Column("drafted_at", sa.DateTime(), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.Column("sent_on", sa.Date(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.CheckConstraint("received_at IS NULL OR sent_on IS NOT NULL", name=op.f("ck_letters_received_once_sent")),
        sa.CheckConstraint("(sent_on IS NULL) = (sent_by_id IS NULL)", name=op.f("ck_letters_sent_by_someone")),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_letters_plan_id_plans"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_letters_meeting_id_meetings"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["drafted_by_id"], ["users.id"], name=op.f("fk_letters_drafted_by_id_users")),
        sa.ForeignKeyConstraint(["sent_by_id"], ["users.id"], name=op.f("fk_letters_sent_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letters")),
        sa.UniqueConstraint("plan_id", "kind", "version", name=op.f("uq_letters_plan_id")),
    )
    op.create_index("ix_letters_kind_sent", "letters", ["kind", "sent_on"])

    op.create_table(
        "appeals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("letter_id", sa.Integer(), nullable=False),
        sa.Column("grounds", sa.Text(), nullable=False),
        sa.Column("lodged_on", sa.Date(), nullable=False),
        sa.Column("lodged_by_id", sa.Integer(), nullable=False),
        sa.Column("late_reason", sa.Text(), nullable=True),
        sa.Column("hearer_id", sa.Integer(), nullable=True),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("outcome", _enum(APPEAL_OUTCOMES, "appealoutcome"), nullable=True),
        sa.Column("outcome_reasons", sa.Text(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.CheckConstraint("grounds <> ''", name=op.f("ck_appeals_grounds_given")),
        sa.CheckConstraint(
            "outcome IS NULL OR (outcome_reasons IS NOT NULL AND outcome_reasons <> ''"
            " AND decided_on IS NOT NULL AND decided_by_id IS NOT NULL)",
            name=op.f("ck_appeals_outcome_complete"),
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_appeals_plan_id_plans"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["letter_id"], ["letters.id"], name=op.f("fk_appeals_letter_id_letters")),
        sa.ForeignKeyConstraint(["lodged_by_id"], ["users.id"], name=op.f("fk_appeals_lodged_by_id_users")),
        sa.ForeignKeyConstraint(["hearer_id"], ["users.id"], name=op.f("fk_appeals_hearer_id_users")),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_appeals_meeting_id_meetings"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_appeals_decided_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeals")),
    )
    op.create_index("ix_appeals_plan", "appeals", ["plan_id"])
    op.create_index(
        "uq_appeals_one_open",
        "appeals",
        ["plan_id"],
        unique=True,
        sqlite_where=sa.text("outcome IS NULL"),
        postgresql_where=sa.text("outcome IS NULL"),
    )


def downgrade():
    op.drop_index("uq_appeals_one_open", table_name="appeals")
    op.drop_index("ix_appeals_plan", table_name="appeals")
    op.drop_table("appeals")
    op.drop_index("ix_letters_kind_sent", table_name="letters")
    op.drop_table("letters")
    for table, name, column, before, added in WIDENED:
        op.execute(
            sa.text(f'UPDATE "{table}" SET {column} = :narrowed WHERE {column} = :added').bindparams(
                narrowed=NARROWED_TO[added], added=added
            )
        )
        _replace_check(table, name, _in(column, (*before, added)), _in(column, before))
