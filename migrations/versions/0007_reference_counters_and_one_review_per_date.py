"""Plan references from a per-year counter, stored as numbers; one weekly review per plan per
date (issue #16).

- `plan_reference_counters(year, last_number)`: the last number given out each year. A new plan
  takes its year's row (an upsert that locks it until commit), so plans created at the same
  moment get distinct references on PostgreSQL as on SQLite. Filled from the existing plans.
- `plans.reference_year` and `plans.reference_number`, unique together, so lists sort
  numerically (PIP-2026-10000 after PIP-2026-9999). Filled by reading each reference; a
  reference not of the form PIP-<year>-<number> (none is made by the app) keeps its text and
  takes the next number of its start date's year.
- `uq_reviews_plan_id_review_date`: a partial unique index over (plan_id, review_date) for
  reviews that are not corrections. Reviews recorded twice on one date before this migration
  (nothing stopped it) become corrections, each of the one before it, so every review is
  kept, the latest stands, and the earlier ones read as superseded — as a correction would.

On SQLite the plans table is not rebuilt (rebuilding drops it, and with foreign keys on the
drop would cascade into every review and control): the columns are added with a DEFAULT 0
that the app never relies on (it always gives both values), and the uniqueness is an index.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 10:00:00

"""

import re
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

REFERENCE = re.compile(r"^PIP-(\d+)-(\d+)$")
NOT_A_CORRECTION = sa.text("corrects_review_id IS NULL")

plans = sa.table(
    "plans",
    sa.column("id", sa.Integer),
    sa.column("reference", sa.String),
    sa.column("start_date", sa.Date),
    sa.column("reference_year", sa.Integer),
    sa.column("reference_number", sa.Integer),
)
reviews = sa.table(
    "reviews",
    sa.column("id", sa.Integer),
    sa.column("plan_id", sa.Integer),
    sa.column("review_date", sa.Date),
    sa.column("corrects_review_id", sa.Integer),
)


def upgrade():
    counters = op.create_table(
        "plan_reference_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.CheckConstraint("last_number >= 0", name=op.f("ck_plan_reference_counters_last_number_not_negative")),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_plan_reference_counters")),
    )
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reference_year", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("reference_number", sa.Integer(), nullable=False, server_default="0"))
    last = _fill_reference_numbers()
    changed = bool(last)
    if last:
        op.bulk_insert(counters, [{"year": year, "last_number": number} for year, number in sorted(last.items())])
    if op.get_context().dialect.name != "sqlite":  # SQLite cannot drop a default without a rebuild
        with op.batch_alter_table("plans", schema=None) as batch_op:
            batch_op.alter_column("reference_year", server_default=None)
            batch_op.alter_column("reference_number", server_default=None)
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.create_index("uq_plans_reference_year_number", ["reference_year", "reference_number"], unique=True)

    changed = _turn_repeated_reviews_into_corrections() or changed
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_index(
            "uq_reviews_plan_id_review_date",
            ["plan_id", "review_date"],
            unique=True,
            sqlite_where=NOT_A_CORRECTION,
            postgresql_where=NOT_A_CORRECTION,
        )
    if changed:  # rows changed: count it, as every change is (pip_app/page_cache.py)
        op.execute("UPDATE data_revision SET value = value + 1")


def _fill_reference_numbers() -> dict[int, int]:
    """Read each plan's reference into its year and number; return the last number of each year."""
    bind = op.get_bind()
    rows = bind.execute(sa.select(plans.c.id, plans.c.reference, plans.c.start_date).order_by(plans.c.id)).all()
    last: dict[int, int] = defaultdict(int)
    parts: dict[int, tuple[int, int]] = {}
    taken: set[tuple[int, int]] = set()
    odd = []
    for plan_id, reference, start_date in rows:
        match = REFERENCE.match(reference or "")
        if match:
            year, number = int(match.group(1)), int(match.group(2))
            if (year, number) not in taken:
                parts[plan_id] = (year, number)
                taken.add((year, number))
                last[year] = max(last[year], number)
                continue
        odd.append((plan_id, start_date.year))
    for plan_id, year in odd:  # after every well-formed one, so no number is taken twice
        last[year] += 1
        parts[plan_id] = (year, last[year])
    if parts:
        bind.execute(
            plans.update()
            .where(plans.c.id == sa.bindparam("plan_id"))
            .values(reference_year=sa.bindparam("year"), reference_number=sa.bindparam("number")),
            [{"plan_id": pid, "year": year, "number": number} for pid, (year, number) in parts.items()],
        )
    return dict(last)


def _turn_repeated_reviews_into_corrections() -> bool:
    """Each later review of a plan on a date already reviewed becomes a correction of the one before."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(reviews.c.id, reviews.c.plan_id, reviews.c.review_date)
        .where(reviews.c.corrects_review_id.is_(None))
        .order_by(reviews.c.plan_id, reviews.c.review_date, reviews.c.id)
    ).all()
    previous: dict[tuple, int] = {}
    corrections = []
    for review_id, plan_id, review_date in rows:
        key = (plan_id, review_date)
        if key in previous:
            corrections.append({"review_id": review_id, "corrects": previous[key]})
        previous[key] = review_id
    if corrections:
        bind.execute(
            reviews.update()
            .where(reviews.c.id == sa.bindparam("review_id"))
            .values(corrects_review_id=sa.bindparam("corrects")),
            corrections,
        )
    return bool(corrections)


def downgrade():
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index("uq_reviews_plan_id_review_date")
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_index("uq_plans_reference_year_number")
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch rebuild would cascade (see above).
    op.execute("ALTER TABLE plans DROP COLUMN reference_number")
    op.execute("ALTER TABLE plans DROP COLUMN reference_year")
    op.drop_table("plan_reference_counters")
