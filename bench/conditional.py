"""What a conditional GET saves (issue 15, point 4): the plan page and the closure PDF of the
seeded bench plans, asked for in full (200) and again with the ETag of the first answer (304),
in process, at 10,000 plans: SQL statements, CPU and wall time per request (median).

    .venv/bin/python bench/conditional.py [--plans 10000] [--repeat 20] [--out bench/results/<file>.md]

It builds a throw-away SQLite database with `seed-scale`, signs in as the bench plan's registered
manager, and prints a Markdown table (also written to --out). Browsers never send If-None-Match
here (pages are no-store): the saving is for clients that keep their own copy.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.inprocess import Counter, sign_in
from pip_app import create_app
from pip_app.extensions import db

PASSWORD = "bench-password-2026"


def seed(url: str, plans: int) -> dict[str, int]:
    env = dict(os.environ, DATABASE_URL=url)
    flask = [sys.executable, "-m", "flask", "--app", "pip_app"]
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True, capture_output=True)
    out = subprocess.run(
        [*flask, "seed-scale", "--plans", str(plans), "--force", "--password", PASSWORD],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    ids = {}
    for name, key in (("bench", "bench plan"), ("closed", "typical closed plan")):
        marker = out.index(f"{key} ")
        ids[name] = int(out[marker:].split("id=", 1)[1].split(";")[0].split()[0])
    return ids


def measure(client, engine, path: str, headers: dict, repeat: int) -> dict:
    response = client.get(path, headers=headers)
    with Counter(engine) as counter:
        client.get(path, headers=headers)
    cpu, wall = [], []
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        client.get(path, headers=headers)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return {
        "status": response.status_code,
        "etag": response.headers.get("ETag"),
        "statements": len(counter.statements),
        "bytes": len(response.data),
        "cpu_ms": round(statistics.median(cpu) * 1000, 1),
        "wall_ms": round(statistics.median(wall) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        ids = seed(url, args.plans)
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TWO_FACTOR_REQUIRED_ROLES": ()})
        with app.app_context():
            engine = db.engine
            from pip_app.models import Plan, Role, User

            plan = db.session.get(Plan, ids["bench"])
            senior = db.session.scalar(
                db.select(User).where(User.role == Role.SENIOR, User.services.any(id=plan.service_id)).limit(1)
            )
            email = senior.email
        client = app.test_client()
        sign_in(client, email, PASSWORD)
        rows = []
        for name, path in (
            ("plan page (20 actions, 12 reviews)", f"/plans/{ids['bench']}"),
            ("closure PDF (typical closed plan)", f"/plans/{ids['closed']}/closure.pdf"),
        ):
            full = measure(client, engine, path, {}, args.repeat)
            kept = measure(client, engine, path, {"If-None-Match": full["etag"]}, args.repeat)
            rows.append((name, path, full, kept))
    lines = [
        f"# Conditional GET, {args.plans:,} plans (SQLite), in process — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"- Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        f"- Signed in as {email}; median of {args.repeat} requests each; CPU is this process's (SQLite runs in it).",
        "",
        "| request | path | status | SQL | bytes | CPU ms | wall ms |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name, path, full, kept in rows:
        for label, r in (("full", full), ("with its ETag", kept)):
            lines.append(
                f"| {name}, {label} | `{path}` | {r['status']} | {r['statements']} | {r['bytes']:,} | "
                f"{r['cpu_ms']} | {r['wall_ms']} |"
            )
    for name, _, full, kept in rows:
        lines.append("")
        lines.append(f"{name}: a kept copy costs {kept['cpu_ms'] / full['cpu_ms']:.0%} of the CPU of a full answer.")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
