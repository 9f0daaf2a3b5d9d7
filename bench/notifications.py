"""What is due at scale: seed 10,000 plans, then time `send-notifications`' search for what is due
(reminders and digests) and count its SQL statements; then the first run's writes to the outbox
and a second run (everything already there). No mail server: nothing is sent.

    .venv/bin/python bench/notifications.py [--plans 10000] [--db sqlite|postgres]

Writes bench/results/<date>-notifications-<db>.md (and prints it).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, event, func, select

ROOT = Path(__file__).resolve().parent.parent
SKIP = ("BEGIN", "PRAGMA", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def flask(url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench"}
    subprocess.run(
        [str(ROOT / ".venv/bin/flask"), "--app", "pip_app", *args],
        check=True,
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--plans", type=int, default=10_000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--seeded", metavar="URL", help="an already seeded database (its outbox is emptied first)")
    options = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="pip-bench-notify-")
    started = time.perf_counter()
    if options.seeded:
        url = options.seeded
    elif options.db == "sqlite":
        url = f"sqlite:///{folder}/bench.sqlite3"
    else:
        import psycopg

        name = f"pip_bench_notify_{os.getpid()}"
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    if not options.seeded:
        flask(url, "db", "upgrade")
        flask(url, "seed-scale", "--plans", str(options.plans))
    seed_seconds = time.perf_counter() - started
    os.environ["DATABASE_URL"] = url
    from pip_app import create_app
    from pip_app.clock import now_utc, today
    from pip_app.extensions import db
    from pip_app.models import Notification, Plan
    from pip_app.services import outbox, reminders

    app = create_app({"SECRET_KEY": "bench"})
    with app.app_context():
        statements: list[str] = []

        def count(conn, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(SKIP):
                statements.append(statement)

        if options.seeded:
            db.session.execute(delete(Notification))
            db.session.commit()
        event.listen(db.engine, "before_cursor_execute", count)
        plans = db.session.scalar(select(func.count(Plan.id)))
        timings, found = [], []
        for _ in range(5):
            statements.clear()
            begin = time.perf_counter()
            found = reminders.find_due(today(), with_digests=True)
            timings.append((time.perf_counter() - begin) * 1000)
            db.session.rollback()
        find_statements = len(statements)
        begin = time.perf_counter()
        added = outbox.enqueue(found, now=now_utc())
        db.session.commit()
        first_write_ms = (time.perf_counter() - begin) * 1000
        statements.clear()
        begin = time.perf_counter()
        again = outbox.enqueue(reminders.find_due(today(), with_digests=True), now=now_utc())
        db.session.commit()
        second_ms = (time.perf_counter() - begin) * 1000
        second_statements = len(statements)
        rows = db.session.scalar(select(func.count(Notification.id)))
        kinds = dict(db.session.execute(select(Notification.kind, func.count()).group_by(Notification.kind)).all())
        event.remove(db.engine, "before_cursor_execute", count)
        dialect = db.engine.dialect.name
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    lines = [
        f"# Bench: what is due, {dialect}, {plans:,} plans — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"- Commit {commit}; {os.cpu_count()} cores (shared with other work), Python {sys.version.split()[0]}.",
        f"- Seeded with `flask --app pip_app seed-scale --plans {options.plans}`"
        + (" (an earlier seed, reused)." if options.seeded else f" ({seed_seconds:.0f} s with the migration)."),
        f"- Load average (1 min) at the end: {os.getloadavg()[0]:.2f} (other work shares the machine).",
        "- `reminders.find_due(today, with_digests=True)`: reminders and every person's digest, in process, wall time.",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| find what is due: median of 5 (ms) | {statistics.median(timings):.0f} |",
        f"| find what is due: min / max (ms) | {min(timings):.0f} / {max(timings):.0f} |",
        f"| SQL statements to find it | {find_statements} |",
        f"| due (reminders + digests) | {len(found):,} |",
        f"| first run: rows added to the outbox, and the time to add them (ms) | {added:,} in {first_write_ms:.0f} |",
        f"| second run: find + add again (ms), statements, rows added | {second_ms:.0f}, {second_statements}, {again} |",
        f"| outbox rows | {rows:,} |",
        "",
        "Outbox rows by kind: "
        + ", ".join(f"{k.value} {v:,}" for k, v in sorted(kinds.items(), key=lambda kv: kv[0].value))
        + ".",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    out = ROOT / "bench" / "results" / f"{datetime.now(UTC):%Y-%m-%d}-notifications-{dialect}.md"
    out.write_text(report)
    if options.db == "postgres" and not options.seeded:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
