"""In-process measurements for bench/run.py: SQL statements, Python function calls, CPU time and
HTML size per request for each signed-in page, and the closure PDF's build time — numbers that do
not depend on the load generator and that other processes on the machine disturb least (CPU time,
not wall time; the statements and calls not at all).

    DATABASE_URL=... python bench/inprocess.py '<json spec>'   → one JSON object on stdout

The spec: {"password": ..., "endpoints": {name: [path, email]}, "repeat": n,
"pdf_email": ..., "pdf_plans": {name: plan_id}, "pdf_builds": n}. Each endpoint is optional: one
that answers anything but 200 is reported with its status and skipped. Every page is rendered on
every request (there is no page cache), so what is measured here is what each request costs.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import time

from sqlalchemy import event

from pip_app import create_app
from pip_app.extensions import db
from pip_app.serving import settle_garbage_collector

SKIP = ("BEGIN", "PRAGMA", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


class Counter:
    """SQL statements sent while active (transaction control and pragmas left out)."""

    def __init__(self, engine):
        self.engine, self.statements = engine, []

    def _count(self, conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(SKIP):
            self.statements.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)


def sign_in(client, email: str, password: str) -> None:
    page = client.get("/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    if response.status_code != 303:
        raise SystemExit(f"sign-in as {email} failed: {response.status_code}")


def python_calls(client, path: str) -> int:
    """The function calls one request makes, Python's and C's (as a profiler sees them): the same
    on every run of the same code on the same data, where its CPU time moves with the machine by a
    third within an hour. Not a time: a call to `str.join` counts as one, as a call to render a
    template does. Read it beside the CPU to tell a change from the machine's mood."""
    count = 0

    def note(_frame, event: str, _arg) -> None:
        nonlocal count
        if event == "call" or event == "c_call":
            count += 1

    sys.setprofile(note)
    try:
        client.get(path)
    finally:
        sys.setprofile(None)
    return count


def measure_endpoints(app, spec: dict) -> dict:
    results = {}
    clients = {}
    with app.app_context():
        engine = db.engine
    for name, (path, email) in spec["endpoints"].items():
        if email not in clients:
            clients[email] = app.test_client()
            sign_in(clients[email], email, spec["password"])
        client = clients[email]
        started = time.perf_counter()
        response = client.get(path)
        if response.status_code != 200:
            results[name] = {"status": response.status_code}
            continue
        slow = time.perf_counter() - started > 1.0  # a page of seconds: measure it once, not five times
        with Counter(engine) as counter:
            client.get(path)
        calls = python_calls(client, path)
        cpu, wall = [], []
        for _ in range(1 if slow else spec.get("repeat", 5)):
            c0, w0 = time.process_time(), time.perf_counter()
            client.get(path)
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
        results[name] = {
            "status": 200,
            "statements": len(counter.statements),
            "calls": calls,
            "bytes": len(response.data),
            "repeats": len(cpu),
            "cpu_ms": round(statistics.median(cpu) * 1000, 1),
            "wall_ms": round(statistics.median(wall) * 1000, 1),
        }
    return results


def measure_pdf_builds(app, spec: dict) -> dict:
    """Median time to build the closure PDF: the plan read as its route reads it (`read_plan` and
    `read_collections` with SUMMARY_READS), the summary data, then the bytes."""
    from pip_app.models import User
    from pip_app.pdf import render_plan_pdf
    from pip_app.plan_reads import read_collections, read_plan
    from pip_app.services.summaries import SUMMARY_READS, plan_summary

    results = {}
    with app.test_request_context("/"):
        user = db.session.scalar(db.select(User).where(User.email == spec["pdf_email"]))
        for name, plan_id in spec.get("pdf_plans", {}).items():
            cpu, wall, size = [], [], 0
            for _ in range(spec.get("pdf_builds", 20)):
                db.session.expunge_all()
                c0, w0 = time.process_time(), time.perf_counter()
                plan = read_plan(plan_id, SUMMARY_READS)
                read_collections(plan, SUMMARY_READS)
                body = render_plan_pdf(plan_summary(plan, generated_by=user, with_closure=True))
                cpu.append(time.process_time() - c0)
                wall.append(time.perf_counter() - w0)
                size = len(body)
            results[name] = {
                "status": 200,
                "builds": len(wall),
                "bytes": size,
                "median_ms": round(statistics.median(wall) * 1000, 1),
                "cpu_median_ms": round(statistics.median(cpu) * 1000, 1),
                "reviews": len(plan.reviews),
                "actions": len(plan.actions),
            }
        db.session.rollback()
    return results


def main(spec: dict) -> dict:
    app = create_app({"RATELIMIT_ENABLED": False})
    settle_garbage_collector()  # as the server does (pip_app.serving)
    return {"endpoints": measure_endpoints(app, spec), "pdf": measure_pdf_builds(app, spec)}


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1]))))
