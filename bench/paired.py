"""Paired CPU ratio of one page between two checkouts, in process, on one seeded database.

    DATABASE_URL=sqlite:////tmp/scale.sqlite3 .venv/bin/python bench/paired.py /tmp/base . \\
        '/,senior.group@scale.test' '/register,senior01@scale.test' --pairs 40

Two worker processes, one per checkout, serve the same signed-in request in turn (the order
alternates), and each reports the CPU time of its request; the figure is the median of the
per-pair ratios new/base. On PostgreSQL (on this machine) the CPU time of the database server's
processes serving the worker is added to it, read from /proc/<pid>/schedstat in nanoseconds, so
that a change to what the server does (planning, a cheaper statement) shows as well; each
worker's line says how much of its median was the server's. A single in-process reading moves with the machine's moment by as much
as most changes, a paired ratio much less. Two identical checkouts read 0.96–0.97 on a 2-core
machine (the second process is favoured): read a change both ways round (swap the checkouts)
before believing a few per cent. Both workers share one session cookie (one sign-in: signing in
again would end the other's session) and the settings the server runs with
(`pip_app.serving.settle_garbage_collector`). Seed the database first (docs/PERFORMANCE.md).

`--base-database URL`: the base reads a database of its own, for a change that writes what it
keeps differently (a copy of the seeded one, its kept rows written by the base's code: e.g.
`cp` the SQLite file, or `createdb -T`, then the base's `flask refresh-attention` on it).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time

PASSWORD = "scale-bench-2026"  # the scale seed's password for every account
SECRET = "paired-bench-secret-key-0123456789abcdef"  # both workers sign the same cookie


def server_seconds(pids: set[int]) -> float:
    """CPU time the database server's processes `pids` have run, from the kernel's scheduler."""
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/schedstat") as stat:
            total += int(stat.read().split()[0])
    return total / 1e9


def worker() -> None:
    """Serve commands on stdin, one per line: LOGIN email, COOKIE email value, or path email."""
    sys.path.insert(0, os.getcwd())  # this checkout's pip_app, not the installed one
    from sqlalchemy import event

    from pip_app import create_app
    from pip_app.extensions import db
    from pip_app.serving import settle_garbage_collector

    app = create_app({"RATELIMIT_ENABLED": False, "SECRET_KEY": SECRET})
    settle_garbage_collector()
    backends: set[int] = set()  # the PostgreSQL server's processes for this worker's connections
    with app.app_context():
        if db.engine.dialect.name == "postgresql":

            @event.listens_for(db.engine, "connect")
            def note_backend(connection, _record) -> None:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    backends.add(cursor.fetchone()[0])

    clients = {}
    print("ready", flush=True)
    for line in sys.stdin:
        command, *rest = line.split()
        if command == "LOGIN":
            client = clients[rest[0]] = app.test_client()
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").text).group(1)
            answer = client.post("/login", data={"email": rest[0], "password": PASSWORD, "csrf_token": token})
            cookie = client.get_cookie("session")
            print(cookie.value if answer.status_code == 303 and cookie else "refused", flush=True)
        elif command == "COOKIE":
            client = clients[rest[0]] = app.test_client()
            client.set_cookie("session", rest[1])
            print("ok", flush=True)
        else:
            started, server_started = time.process_time(), server_seconds(backends)
            response = clients[rest[0]].get(command)
            server = server_seconds(backends) - server_started
            print(f"{time.process_time() - started + server} {server} {response.status_code}", flush=True)


class Worker:
    def __init__(self, tree: str, database: str | None = None):
        environment = {**os.environ, "DATABASE_URL": database} if database else None
        self.process = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--worker"],
            cwd=tree,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        if self.process.stdout.readline().strip() != "ready":
            raise SystemExit(f"the worker in {tree} did not start")

    def ask(self, line: str) -> str:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().strip()

    def get(self, path: str, email: str) -> tuple[float, float]:
        """The request's CPU seconds, the server's included, and the server's alone."""
        seconds, server, status = self.ask(f"{path} {email}").split()
        if status != "200":
            raise SystemExit(f"{path} as {email} answered {status}")
        return float(seconds), float(server)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Paired CPU ratio new/base of pages, in process.")
    parser.add_argument("base", help="the checkout to compare against")
    parser.add_argument("new", help="the checkout with the change")
    parser.add_argument("pages", nargs="+", help="path,email (the scale seed's accounts)")
    parser.add_argument("--pairs", type=int, default=30)
    parser.add_argument("--base-database", help="the base's own database (default: DATABASE_URL, as the new's)")
    args = parser.parse_args(argv)
    base, new = Worker(args.base, args.base_database), Worker(args.new)
    pages = [page.split(",", 1) for page in args.pages]
    for email in sorted({email for _, email in pages}):
        cookie = base.ask(f"LOGIN {email}")
        if args.base_database:  # a database of each: each signs in to its own
            cookie = cookie if cookie == "refused" else new.ask(f"LOGIN {email}")
        else:
            new.ask(f"COOKIE {email} {cookie}")
        if cookie == "refused":
            raise SystemExit(f"sign-in as {email} was refused")
    for path, email in pages:
        for _ in range(3):  # warm both: compiled statements, templates
            base.get(path, email), new.get(path, email)
        ratios, base_times, new_times, base_server, new_server = [], [], [], [], []
        for pair in range(args.pairs):
            first, second = (base, new) if pair % 2 else (new, base)
            times = {first: first.get(path, email), second: second.get(path, email)}
            base_times.append(times[base][0])
            new_times.append(times[new][0])
            base_server.append(times[base][1])
            new_server.append(times[new][1])
            ratios.append(times[new][0] / times[base][0])
        print(
            f"{path:28} {email:26} base {statistics.median(base_times) * 1000:6.1f} ms"
            f" (server {statistics.median(base_server) * 1000:4.1f})"
            f"  new {statistics.median(new_times) * 1000:6.1f} ms (server {statistics.median(new_server) * 1000:4.1f})"
            f"  ratio {statistics.median(ratios):.3f}"
        )
    for worker_ in (base, new):
        worker_.process.kill()


if __name__ == "__main__":
    if sys.argv[1:] == ["--worker"]:
        worker()
    else:
        main()
