"""Regulatory decisions (issue #20, point 4).

- `users.nation`, `users.professional_register`, `users.registration_number`: where the staff
  member works and the register they are on, set by the administrator. Added with plain
  ALTER TABLE … ADD COLUMN, on SQLite too: a batch rebuild of users (which nearly every table
  refers to) fails or cascades with foreign keys on. Each enum's CHECK is written inline, as a
  column constraint, so it goes with its column when the column is dropped.
- `regulatory_decisions`: a registered manager's recorded decision on each regulatory referral
  of a plan (DBS, professional regulator, workforce regulator, local-authority safeguarding):
  the answer, the rationale, who decided, when, and the referral's reference; one per question.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-29 19:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

NATIONS = ("england", "scotland", "wales", "northern_ireland")
REGISTERS = ("none", "nmc", "hcpc", "swe", "sssc", "scw")
QUESTIONS = ("dbs", "professional", "workforce", "safeguarding")
ANSWERS = ("referred", "not_referred", "not_applicable")


def _in(column, values):
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade():
    op.execute(
        f"ALTER TABLE users ADD COLUMN nation VARCHAR(32) CONSTRAINT ck_users_nation CHECK ({_in('nation', NATIONS)})"
    )
    op.execute(
        "ALTER TABLE users ADD COLUMN professional_register VARCHAR(32)"
        f" CONSTRAINT ck_users_professionalregister CHECK ({_in('professional_register', REGISTERS)})"
    )
    op.execute("ALTER TABLE users ADD COLUMN registration_number VARCHAR(40)")

    op.create_table(
        "regulatory_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column(
            "question",
            sa.Enum(*QUESTIONS, name="regulatoryquestion", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column(
            "answer",
            sa.Enum(*ANSWERS, name="regulatoryanswer", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.CheckConstraint("rationale <> ''", name=op.f("ck_regulatory_decisions_rationale_given")),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_regulatory_decisions_plan_id_plans"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_regulatory_decisions_decided_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regulatory_decisions")),
        sa.UniqueConstraint("plan_id", "question", name=op.f("uq_regulatory_decisions_plan_id")),
    )


def downgrade():
    op.drop_table("regulatory_decisions")
    for column, check in (
        ("registration_number", None),
        ("professional_register", "ck_users_professionalregister"),
        ("nation", "ck_users_nation"),
    ):
        if op.get_context().dialect.name == "sqlite":  # SQLite 3.35+; its own CHECK goes with it
            op.execute(f"ALTER TABLE users DROP COLUMN {column}")
        else:
            if check:
                op.execute(f"ALTER TABLE users DROP CONSTRAINT {check}")
            op.execute(f"ALTER TABLE users DROP COLUMN {column}")
