"""Each SQL statement of one page and its median time, in process, on a seeded database.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/scale10 .venv/bin/python \\
        bench/statements.py / --email senior.group@scale.test
    DATABASE_URL=... .venv/bin/python bench/statements.py /register --compare 'plan_cache_mode=force_generic_plan'

Signs in like `bench/profile.py`, requests the page a few times (so that psycopg has prepared
its statements, as a long-running worker's are), then times each statement of `--requests`
more: from the cursor's execute to its end. On PostgreSQL that is the server's planning and
execution and the round trip; on SQLite a statement runs as its rows are fetched, so read the
page's CPU there (`bench/paired.py`, `bench/profile.py`) rather than these times.

`--plans` (PostgreSQL): replay the page's statements in order, with the values it bound, on a
connection of their own opened as the app opens them, each prepared and run 100 times, and print
the server's CPU per execution (its process's, from /proc/<pid>/schedstat) and whether PostgreSQL
kept one generic plan for it or planned it again on every execution (`pg_prepared_statements`).
Session 28 found the register's filter choices planned on every request this way: a bound
"draft" made its generic plan look dearer (`database.constant`).

`--compare SETTINGS` (PostgreSQL): replay the page's statements, with the values it bound, on two
connections of their own, one as the app opens them and one with these settings as well
(`-c name=value ...`), in turn, and print both medians beside each statement: how a planner
setting would change each statement before it is tried on the app (session 16 and 17 found
that forcing generic plans halves some statements and doubles others).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from typing import Any

import checkout  # first: this checkout's pip_app, not the venv's
from inprocess import SKIP, sign_in  # bench/: run as a script, its folder is on the path
from sqlalchemy import event

from pip_app import create_app
from pip_app.extensions import db
from pip_app.serving import settle_garbage_collector
from pip_app.tools.seed import DEFAULT_PASSWORD, GROUP_SENIOR_EMAIL

WARM_UP = 8  # more than psycopg's prepare threshold (5): the statements are prepared by then


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Time each SQL statement of one page of the seeded app.")
    parser.add_argument("path", help="the page, e.g. / or /plans/1 or '/register?flagged=1'")
    parser.add_argument("--email", default=GROUP_SENIOR_EMAIL)
    parser.add_argument("--password", default=DEFAULT_PASSWORD)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--compare", metavar="SETTINGS", help="PostgreSQL settings to compare, e.g. 'jit=on'")
    parser.add_argument("--plans", action="store_true", help="PostgreSQL: each statement's server CPU and plan kind")
    args = parser.parse_args(argv)
    print(f"measuring the code in {checkout.ROOT}", file=sys.stderr)

    app = create_app({"RATELIMIT_ENABLED": False})
    settle_garbage_collector()
    client = app.test_client()
    sign_in(client, args.email, args.password)
    for _ in range(WARM_UP):
        if (status := client.get(args.path).status_code) != 200:
            sys.exit(f"{args.path} answered {status}")
    with app.app_context():
        engine = db.engine

    started: list[float] = []
    seen: list[tuple[str, object, float]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        started.append(time.perf_counter())

    def after(conn, cursor, statement, parameters, context, executemany):
        seconds = time.perf_counter() - started.pop()
        if not statement.lstrip().upper().startswith(SKIP):
            seen.append((statement, parameters, seconds))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    times: dict[int, list[float]] = defaultdict(list)
    texts: dict[int, tuple[str, object]] = {}
    walls = []
    for _ in range(args.requests):
        seen.clear()
        wall = time.perf_counter()
        client.get(args.path)
        walls.append(time.perf_counter() - wall)
        for index, (statement, parameters, seconds) in enumerate(seen):
            times[index].append(seconds)
            texts.setdefault(index, (statement, parameters))
    event.remove(engine, "before_cursor_execute", before)
    event.remove(engine, "after_cursor_execute", after)

    compared = _replay(engine.url, texts, args.compare, args.requests) if args.compare else {}
    total = 0.0
    for index in sorted(times):
        median = statistics.median(times[index]) * 1000
        total += median
        beside = f"  {compared[index][0]:6.2f} {compared[index][1]:6.2f}" if index in compared else ""
        print(f"{index:2} {median:7.2f} ms{beside}  {' '.join(texts[index][0].split())[:100]}")
    print(
        f"{len(times)} statements, {total:.2f} ms in all (medians); the request's wall time {statistics.median(walls) * 1000:.1f} ms"
    )
    if compared:
        plain, changed = (sum(pair[i] for pair in compared.values()) for i in (0, 1))
        print(f"replayed: as the app connects {plain:.2f} ms, with {args.compare!r} {changed:.2f} ms")
    if args.plans:
        _plans(engine.url, [texts[index] for index in sorted(texts)])


def _plans(url, statements: list[tuple[str, Any]], runs: int = 100) -> None:
    """Each statement's server CPU per execution and whether its generic plan was kept (see --plans)."""
    import psycopg

    from pip_app.config import POSTGRESQL_SETTINGS

    if url.get_backend_name() != "postgresql":
        sys.exit("--plans is for PostgreSQL")
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = psycopg.connect(dsn, options=POSTGRESQL_SETTINGS, autocommit=True)
    schedstat = f"/proc/{connection.info.backend_pid}/schedstat"

    def server_ms() -> float:
        with open(schedstat) as stat:
            return int(stat.read().split()[0]) / 1e6

    print("replayed (server CPU per execution, plan):")
    total = 0.0
    for statement, parameters in statements:
        if statement.upper().startswith("SET LOCAL "):  # the rest of the page's transaction: here, the connection's
            connection.execute("SET " + statement[len("SET LOCAL ") :])
            print(f"   {statement}")
            continue
        for _ in range(WARM_UP + 4):  # past psycopg's threshold and PostgreSQL's five custom plans
            connection.execute(statement, parameters, prepare=True).fetchall()
        begun = server_ms()
        for _ in range(runs):
            connection.execute(statement, parameters, prepare=True).fetchall()
        each = (server_ms() - begun) / runs
        total += each
        kept = connection.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements ORDER BY prepare_time DESC LIMIT 1"
        ).fetchone()
        assert kept is not None  # the statement just prepared
        generic, custom = kept
        kind = "generic" if generic > custom else "planned every time"
        print(f"   {each:6.3f} ms  {kind:18}  {' '.join(statement.split())[:90]}")
    print(f"   {total:.2f} ms of the server's CPU in all")


def _replay(url, texts: dict[int, tuple[str, object]], settings: str, rounds: int) -> dict[int, tuple[float, float]]:
    """Each SELECT's median time on two connections of its own, alternating, after a warm-up."""
    import psycopg

    if url.get_backend_name() != "postgresql":
        sys.exit("--compare is for PostgreSQL")
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    options = " ".join(f"-c {setting}" for setting in settings.split())
    plain, changed = psycopg.connect(dsn, options="-c jit=off"), psycopg.connect(dsn, options=f"-c jit=off {options}")
    selects = {i: text for i, text in texts.items() if text[0].lstrip().upper().startswith(("SELECT", "WITH"))}
    medians: dict[int, tuple[list[float], list[float]]] = {i: ([], []) for i in selects}
    for round_ in range(rounds + WARM_UP):
        for which, connection in ((0, plain), (1, changed)) if round_ % 2 else ((1, changed), (0, plain)):
            for index, (statement, parameters) in selects.items():
                begun = time.perf_counter()
                connection.execute(statement, parameters).fetchall()
                if round_ >= WARM_UP:
                    medians[index][which].append(time.perf_counter() - begun)
    return {i: (statistics.median(a) * 1000, statistics.median(b) * 1000) for i, (a, b) in medians.items()}


if __name__ == "__main__":
    main()
