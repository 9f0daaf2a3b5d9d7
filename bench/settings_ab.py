"""Two settings of this checkout compared in one process: CPU per request of each, the
PostgreSQL server's included, on one seeded database (see bench/README.md).

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/scale10 .venv/bin/python \\
        bench/settings_ab.py --b-options "-c plan_cache_mode=force_generic_plan" \\
        '/,senior01@scale.test' '/register,senior01@scale.test' --requests 150

Two instances of the app, A (as configured) and B, each with its own connections, answer the same
signed-in request in turn, the order alternating. B has `--b-config` (app settings, as JSON),
`--b-options` (PostgreSQL settings added to the app's own) and `--b-templates` (a folder laid out
as pip_app/templates, whose templates B renders instead of the app's: a template's variant
measured before it is written). Each figure is the median of one setting's requests, and B/A the
median of the per-request ratios. In one process the two share the machine's moment, its caches
and its garbage collector, so identical settings read 0.99-1.01, where two processes
(`bench/paired.py`) read 0.83-1.17 on a noisy day (session 20), and blocks of requests taken in
turn 0.93-1.06 between their quartiles (session 21). It compares settings and templates: to
compare Python code, use `bench/paired.py` with two checkouts. One sign-in serves all the pages:
signing in again would end the other instance's session.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time

import checkout  # first: this checkout's pip_app, not the venv's
from jinja2 import ChoiceLoader, FileSystemLoader
from paired import PASSWORD, server_seconds
from sqlalchemy import create_engine, event

from pip_app import create_app
from pip_app.extensions import db
from pip_app.serving import settle_garbage_collector

SECRET = "settings-ab-secret-key-0123456789abcdef"  # both instances sign the same cookie


class Instance:
    """One app with its settings, a client, and its PostgreSQL server processes."""

    def __init__(self, config: dict, options: str, templates: str | None = None) -> None:
        self.app = create_app({"RATELIMIT_ENABLED": False, "SECRET_KEY": SECRET, **config})
        if templates:  # before any template is loaded: B's own come first
            self.app.jinja_env.loader = ChoiceLoader([FileSystemLoader(templates), self.app.jinja_env.loader])
        if options:  # the engine is made again with them (PostgreSQL's connection settings)
            engine_options = dict(self.app.config["SQLALCHEMY_ENGINE_OPTIONS"])
            connect_args = dict(engine_options.get("connect_args", {}))
            connect_args["options"] = f"{connect_args.get('options', '')} {options}".strip()
            engine_options["connect_args"] = connect_args
            with self.app.app_context():
                engines = self.app.extensions["sqlalchemy"]._app_engines[self.app]
                if engines[None].dialect.name != "postgresql":
                    raise SystemExit("--b-options are PostgreSQL's connection settings")
                url = engines[None].url
                engines[None].dispose()
                engines[None] = create_engine(url, **engine_options)
        self.backends: set[int] = set()
        with self.app.app_context():
            if db.engine.dialect.name == "postgresql":
                event.listen(db.engine, "connect", self._note_backend)
        self.client = self.app.test_client()

    def _note_backend(self, connection, _record) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.backends.add(cursor.fetchone()[0])

    def get(self, path: str) -> tuple[float, float]:
        """The request's CPU seconds, the server's included, and the server's alone."""
        started, server_started = time.process_time(), server_seconds(self.backends)
        response = self.client.get(path)
        server = server_seconds(self.backends) - server_started
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
        return time.process_time() - started + server, server


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="CPU per request of two settings of this checkout, in one process.")
    parser.add_argument("pages", nargs="+", help="path,email (the scale seed's accounts; one email for all)")
    parser.add_argument("--b-config", default="{}", help="app settings of B, as JSON")
    parser.add_argument("--b-options", default="", help="PostgreSQL settings of B, e.g. '-c plan_cache_mode=auto'")
    parser.add_argument("--b-templates", help="a folder of templates B renders instead of the app's")
    parser.add_argument("--requests", type=int, default=150, help="requests of each setting per page")
    args = parser.parse_args(argv)
    print(f"measuring the code in {checkout.ROOT}", file=sys.stderr)
    pages = [page.split(",", 1) for page in args.pages]
    if len({email for _, email in pages}) != 1:
        raise SystemExit("one email for every page: signing in again would end the other's session")
    a, b = Instance({}, ""), Instance(json.loads(args.b_config), args.b_options, args.b_templates)
    settle_garbage_collector()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', a.client.get("/login").text).group(1)
    signed_in = a.client.post("/login", data={"email": pages[0][1], "password": PASSWORD, "csrf_token": token})
    cookie = a.client.get_cookie("session")
    if signed_in.status_code != 303 or cookie is None:
        raise SystemExit(f"sign-in as {pages[0][1]} was refused")
    b.client.set_cookie("session", cookie.value)
    for path, email in pages:
        for _ in range(5):  # warm both: compiled and prepared statements, templates
            a.get(path), b.get(path)
        times: dict[Instance, list[tuple[float, float]]] = {a: [], b: []}
        for n in range(args.requests):
            for instance in (a, b) if n % 2 else (b, a):
                times[instance].append(instance.get(path))
        ratios = [tb / ta for (ta, _), (tb, _) in zip(times[a], times[b], strict=True)]
        (a_all, a_server), (b_all, b_server) = (_medians_ms(times[a]), _medians_ms(times[b]))
        print(
            f"{path:28} {email:26} A {a_all:6.2f} ms (server {a_server:5.2f})"
            f"  B {b_all:6.2f} ms (server {b_server:5.2f})  B/A {statistics.median(ratios):.3f}"
        )


def _medians_ms(times: list[tuple[float, float]]) -> tuple[float, float]:
    """The median CPU milliseconds of the requests, and of the server's part of them."""
    return statistics.median(t for t, _ in times) * 1000, statistics.median(s for _, s in times) * 1000


if __name__ == "__main__":
    main()
