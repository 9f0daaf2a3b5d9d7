"""One command that measures the app at scale, on one machine, in one run (see bench/README.md).

    .venv/bin/python bench/run.py                 # SQLite, then PostgreSQL
    .venv/bin/python bench/run.py --db sqlite --duration 5

For each database: create a fresh one, migrate, seed it with `flask --app pip_app seed-scale`
(100 plans, then 10,000 in another database), serve each under gunicorn (2 sync workers, as
README.md runs production), sign in once, load every endpoint with wrk (2 threads, 8
connections, loopback only), time the closure PDF, read each worker's peak memory, count SQL
statements per request in-process, then drop the databases and write
bench/results/<date>-<db>.md. Endpoints that do not exist yet are reported as "not available".
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VENV_BIN = Path(sys.executable).parent
PG_ADMIN_URL = os.environ.get("PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SEED_PASSWORD = "scale-bench-2026"
GROUP_SENIOR = "senior.group@scale.test"

# Targets from issue #9 (2 cores, SQLite, 10,000 plans).
TARGET_PLAN_RATIO = 0.15
TARGET_REGISTER_RATIO = 0.12
TARGET_P99_MS = 100
TARGET_PDF_MS = 250
TARGET_REGISTER_GROWTH = 1.5


def log(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def loadavg() -> float:
    return os.getloadavg()[0]


# --- Databases ------------------------------------------------------------------------------------


@contextlib.contextmanager
def fresh_database(kind: str, label: str):
    """A new, empty database URL for the run; removed afterwards."""
    if kind == "sqlite":
        folder = tempfile.mkdtemp(prefix=f"pip-bench-{label}-")
        try:
            yield f"sqlite:///{folder}/bench.sqlite3"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    import psycopg

    name = f"pip_bench_{label}_{secrets.token_hex(3)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def app_env(tree: Path, url: str, secret: str) -> dict:
    env = dict(
        os.environ,
        DATABASE_URL=url,
        SECRET_KEY=secret,
        PIP_ENV="production",
        # Two workers: throttling counts must be shared (production refuses memory:// then).
        PIP_RATELIMIT_STORAGE_URI=os.environ.get("PIP_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379"),
        PYTHONPATH=os.pathsep.join([str(tree), str(BENCH)]),
    )
    env.pop("PIP_FROZEN_TODAY", None)
    return env


def flask(tree: Path, env: dict, *args: str) -> str:
    result = subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "pip_app", *args], cwd=tree, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def seed(tree: Path, env: dict, plans: int) -> dict:
    """Migrate and seed; returns the seed's own timing, the command's wall time and the known ids."""
    flask(tree, env, "db", "upgrade")
    started = time.perf_counter()
    out = flask(tree, env, "seed-scale", "--plans", str(plans), "--password", SEED_PASSWORD)
    wall = time.perf_counter() - started
    ids = re.search(r"bench plan .*? id=(\d+); typical closed plan id=(\d+); 100-review closed plan id=(\d+)", out)
    counts = {m.group(1): int(m.group(2).replace(",", "")) for m in re.finditer(r"^\s+(\w+)\s+([\d,]+)$", out, re.M)}
    return {
        "plans": plans,
        "seconds": float(re.search(r"Seeded in ([\d.]+) s", out).group(1)),
        "wall": wall,
        "bench_plan": int(ids.group(1)),
        "typical_plan": int(ids.group(2)),
        "big_plan": int(ids.group(3)),
        "service": int(re.search(r"Their service id=(\d+)", out).group(1)),
        "group_active": int(re.search(r"sees ([\d,]+) active plans", out).group(1).replace(",", "")),
        "counts": counts,
        "vacuum": float(m.group(1)) if (m := re.search(r"VACUUM ANALYZE in ([\d.]+) s", out)) else 0.0,
    }


# --- gunicorn -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving bench/app.py (pip_app + /bench/hello) on loopback."""

    def __init__(self, tree: Path, env: dict, workers: int, log_path: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "120",
                "--chdir",
                str(tree),
                "app:app",
            ],
            cwd=tree,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited early; see {log_path}")
            with contextlib.suppress(OSError, urllib.error.URLError):
                healthy = urllib.request.urlopen(self.base + "/healthz", timeout=2).status == 200
                if healthy and len(self.workers()) >= workers:
                    return
            time.sleep(0.3)
        self.stop()
        raise SystemExit(f"gunicorn did not answer /healthz within 60 s; see {log_path}")

    def workers(self) -> list[int]:
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        with contextlib.suppress(OSError):
            return [int(p) for p in path.read_text().split()]
        return []

    def memory(self) -> list[dict]:
        """Each worker's peak resident memory (VmHWM) and now (VmRSS, split into private RssAnon
        and RssFile, which counts pages of a memory-mapped SQLite file shared with the OS cache), MiB."""
        rows = []
        for pid in self.workers():
            with contextlib.suppress(OSError):
                status = Path(f"/proc/{pid}/status").read_text()
                kib = {
                    k: int(v.split()[0])
                    for k, v in re.findall(r"^(VmHWM|VmRSS|RssAnon|RssFile|RssShmem):\s+(.*)$", status, re.M)
                }
                rows.append(
                    {
                        "pid": pid,
                        **{
                            key: round(kib.get(name, 0) / 1024, 1)
                            for key, name in (
                                ("peak_mib", "VmHWM"),
                                ("rss_mib", "VmRSS"),
                                ("anon_mib", "RssAnon"),
                                ("file_mib", "RssFile"),
                            )
                        },
                    }
                )
        return rows

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # gunicorn's graceful stop, master and its workers
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


# --- HTTP without a browser -----------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, cookie: str | None = None, data: dict | None = None) -> tuple[int, dict, bytes]:
    """One request, redirects not followed: (status, headers, body)."""
    request = urllib.request.Request(url, data=urllib.parse.urlencode(data).encode() if data else None)
    if cookie:
        request.add_header("Cookie", cookie)
    try:
        with OPENER.open(request, timeout=120) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def cookies_from(headers) -> dict:
    jar = {}
    for value in headers.get_all("Set-Cookie") or []:
        name, _, rest = value.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]
    return jar


def sign_in(base: str, email: str, password: str) -> str:
    """Sign in once (the login form with its CSRF token) and return the Cookie header to reuse."""
    status, headers, body = fetch(base + "/login")
    jar = cookies_from(headers)
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body).group(1).decode()
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
    status, headers, body = fetch(base + "/login", cookie, {"email": email, "password": password, "csrf_token": token})
    if status != 303:
        raise SystemExit(f"sign-in as {email} answered {status}, not 303")
    jar.update(cookies_from(headers))
    return "; ".join(f"{k}={v}" for k, v in jar.items())


# --- Load -----------------------------------------------------------------------------------------


def probe(base: str, path: str, cookie: str | None) -> tuple[str, float]:
    """Whether the endpoint is there: "ok", "not available" (404) or the error; and its time."""
    started = time.perf_counter()
    status, headers, _ = fetch(base + path, cookie)
    elapsed = time.perf_counter() - started
    if status == 200:
        return "ok", elapsed
    if status == 404:
        return "not available", elapsed
    if status in (302, 303) and "/login" in (headers.get("Location") or ""):
        return "signed out (login redirect)", elapsed
    return f"HTTP {status}", elapsed


def wrk(base: str, path: str, cookie: str | None, *, duration: int, connections: int, threads: int) -> dict:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "60s",
        "-s",
        str(BENCH / "report.lua"),
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command + [base + path], capture_output=True, text=True, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["errors"] = sum(result[k] for k in result if k.startswith("errors_"))
    return result


def load_endpoints(server: Server, endpoints: dict, cookie: str, args) -> dict:
    results = {}
    for name, (path, signed_in) in endpoints.items():
        state, first = probe(server.base, path, cookie if signed_in else None)
        if state != "ok":
            log(f"  {name}: {state}")
            results[name] = {"path": path, "state": state}
            continue
        # Warm up both workers (templates compiled, caches filled) before measuring.
        if first > 2:  # a page of seconds: one more request each is warm-up enough
            for _ in range(2):
                probe(server.base, path, cookie if signed_in else None)
        else:
            wrk(
                server.base,
                path,
                cookie if signed_in else None,
                duration=max(2, min(5, int(first * 4) + 1)),
                connections=args.connections,
                threads=args.threads,
            )
        # Hello-world again just before: the machine may be busier or quieter than at the start,
        # so each page's ratio is taken against the baseline next to it.
        baseline = None
        if name != "hello" and "hello" in endpoints:
            baseline = wrk(
                server.base,
                endpoints["hello"][0],
                None,
                duration=args.baseline_duration,
                connections=args.connections,
                threads=args.threads,
            )["rps"]
        load = loadavg()
        result = wrk(
            server.base,
            path,
            cookie if signed_in else None,
            duration=args.duration,
            connections=args.connections,
            threads=args.threads,
        )
        result.update(path=path, state="ok", load=load, single_ms=round(first * 1000, 1), hello_before=baseline)
        if not result["requests"]:  # slower than the whole run at this concurrency
            result["state"] = f"no response completed in {args.duration} s (one request alone: {first:.1f} s)"
        results[name] = result
        log(
            f"  {name}: {result['rps']:.1f} req/s, p50 {result['p50_us'] / 1000:.1f} ms, "
            f"p99 {result['p99_us'] / 1000:.1f} ms, {result['errors']} errors (load {load:.2f})"
        )
        drain(server, args.workers)
    return results


def drain(server: Server, workers: int) -> None:
    """Wait until requests wrk left queued are served, so they do not slow the next endpoint: one
    /healthz per worker at once, queued behind them, comes back when they are done."""
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda _: fetch(server.base + "/healthz"), range(workers)))


def pdf_downloads(server: Server, cookie: str, plans: dict, builds: int) -> dict:
    """Median wall time of `builds` sequential downloads of each plan's closure PDF."""
    results = {}
    for name, plan_id in plans.items():
        path = f"/plans/{plan_id}/closure.pdf"
        state, _ = probe(server.base, path, cookie)
        if state != "ok":
            results[name] = {"path": path, "state": state}
            continue
        times, size = [], 0
        for _ in range(builds):
            started = time.perf_counter()
            _status, _, body = fetch(server.base + path, cookie)
            times.append(time.perf_counter() - started)
            size = len(body)
        results[name] = {
            "path": path,
            "state": "ok",
            "median_ms": round(statistics.median(times) * 1000, 1),
            "min_ms": round(min(times) * 1000, 1),
            "bytes": size,
        }
        log(f"  PDF {name}: median {results[name]['median_ms']} ms over {builds}")
    return results


def in_process(tree: Path, env: dict, spec: dict) -> dict:
    env = dict(env)
    env.pop("PIP_ENV", None)  # the test client speaks plain http: no Secure cookie
    result = subprocess.run(
        [str(VENV_BIN / "python"), str(BENCH / "inprocess.py"), json.dumps(spec)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        log(f"  in-process measurements failed: {result.stderr[-2000:]}")
        return {"endpoints": {}, "pdf": {}}
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- One database ---------------------------------------------------------------------------------


def endpoints_for(seeded: dict, small: bool) -> dict:
    """name → (path, signed in). The small run measures what the growth targets compare."""
    every = {
        "hello": ("/bench/hello", False),
        "healthz": ("/healthz", False),
        "plan page": (f"/plans/{seeded['bench_plan']}", True),
        "register": ("/register", True),
        "register filtered": (f"/register?service={seeded['service']}&flagged=1", True),
        "register search": ("/register?q=Taylor", True),
        "plans list": ("/plans/", True),
        "dashboard": ("/", True),
    }
    if small:
        return {
            k: v for k, v in every.items() if k in ("hello", "plan page", "register", "register filtered", "dashboard")
        }
    return every


def measure(kind: str, tree: Path, label: str, plans: int, args, small: bool) -> dict:
    secret = secrets.token_hex(32)
    with fresh_database(kind, label) as url:
        env = app_env(tree, url, secret)
        log(f"{kind}: seeding {plans:,} plans")
        seeded = seed(tree, env, plans)
        log(f"  seeded in {seeded['seconds']:.1f} s (command {seeded['wall']:.1f} s)")
        server = Server(tree, env, args.workers, Path(tempfile.gettempdir()) / f"pip-bench-gunicorn-{label}.log")
        try:
            cookie = sign_in(server.base, GROUP_SENIOR, SEED_PASSWORD)
            endpoints = endpoints_for(seeded, small)
            loaded = load_endpoints(server, endpoints, cookie, args)
            pdf = (
                {}
                if small
                else pdf_downloads(
                    server,
                    cookie,
                    {"typical plan": seeded["typical_plan"], "100-review plan": seeded["big_plan"]},
                    args.pdf_builds,
                )
            )
            memory = server.memory()
        finally:
            server.stop()
        rendered = {} if small else load_rendered(tree, env, endpoints, args, label)
        spec = {
            "email": GROUP_SENIOR,
            "password": SEED_PASSWORD,
            "repeat": 5,
            "pdf_builds": args.pdf_builds,
            "endpoints": {name: path for name, (path, signed_in) in endpoints.items() if signed_in},
            "pdf_plans": {}
            if small
            else {"typical plan": seeded["typical_plan"], "100-review plan": seeded["big_plan"]},
        }
        log(f"  in-process: SQL statements, CPU per request{'' if small else ', PDF builds'}")
        inproc = in_process(tree, env, spec)
    return {"seed": seeded, "load": loaded, "rendered": rendered, "pdf": pdf, "memory": memory, "inprocess": inproc}


# The pages the page cache keeps, loaded again with it off: what each costs when every request
# follows a change (the worst case; pip_app/page_cache.py).
RENDERED = ("hello", "plan page", "register", "register filtered", "register search")


def load_rendered(tree: Path, env: dict, endpoints: dict, args, label: str) -> dict:
    log("  again with the page cache off (every page rendered)")
    server = Server(
        tree,
        {**env, "PIP_PAGE_CACHE_BYTES": "0"},
        args.workers,
        Path(tempfile.gettempdir()) / f"pip-bench-gunicorn-{label}-rendered.log",
    )
    try:
        cookie = sign_in(server.base, GROUP_SENIOR, SEED_PASSWORD)
        return load_endpoints(server, {k: v for k, v in endpoints.items() if k in RENDERED}, cookie, args)
    finally:
        server.stop()


# --- Report ---------------------------------------------------------------------------------------


def machine(kind: str, tree: Path) -> dict:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        cpu = re.search(r"^model name\s*:\s*(.*)$", Path("/proc/cpuinfo").read_text(), re.M).group(1)
    mem = 0
    with contextlib.suppress(OSError):
        mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) // 1024 // 1024
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=tree, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=tree, capture_output=True, text=True)
    if kind == "sqlite":
        database = f"SQLite {sqlite3.sqlite_version} (WAL)"
    else:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL) as conn:
            database = "PostgreSQL " + conn.execute("SHOW server_version").fetchone()[0].split()[0]
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split(" [")[0]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": mem,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "database": database,
        "wrk": wrk_version or "wrk",
        "commit": (commit.stdout.strip() or "no git") + (" + uncommitted changes" if dirty.stdout.strip() else ""),
        "tree": str(tree),
    }


def page_ratio(r: dict, hello_rps: float | None) -> float | None:
    """Throughput as a share of hello-world's, measured just before the page when there is one."""
    base = r.get("hello_before") or hello_rps
    return r["rps"] / base if base and r.get("state") == "ok" else None


def ratio_text(r: dict, hello_rps: float | None) -> str:
    value = page_ratio(r, hello_rps)
    return "" if value is None else f"{value:.1%}"


def hello_before(r: dict) -> str:
    return f"{r['hello_before']:.0f}" if r.get("hello_before") else ""


def cpu_and_wall(inprocess: dict) -> str:
    return f"{inprocess['cpu_ms']}, {inprocess['wall_ms']}" if "cpu_ms" in inprocess else ""


def ms(us: float) -> str:
    return f"{us / 1000:.1f}"


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "**not met**")


def render(kind: str, info: dict, small: dict, large: dict, args, started: datetime, loads: tuple) -> str:
    hello = large["load"].get("hello", {})
    hello_rps = hello.get("rps") if hello.get("state") == "ok" else None
    inproc = large["inprocess"].get("endpoints", {})
    inproc_small = small["inprocess"].get("endpoints", {})
    lines = [
        f"# Bench: {kind}, {large['seed']['plans']:,} plans — {started:%Y-%m-%d %H:%M} UTC",
        "",
        f"- Machine: {info['cpu']}, {info['cores']} cores, {info['memory_gib']} GiB RAM, {info['os']}",
        f"- Software: Python {info['python']}, {info['database']}, gunicorn {args.workers} sync workers, "
        f"{info['wrk']} ({args.threads} threads, {args.connections} connections, {args.duration} s per endpoint, "
        "loopback)",
        f"- Commit: {info['commit']} (tree {info['tree']})",
        f"- Load average (1 min) at start / end: {loads[0]:.2f} / {loads[1]:.2f}; each row shows it when its "
        "measurement began (the bench itself adds about 2). Other work on the machine lowers every number; "
        "each page's ratio is to hello-world measured just before it, which suffers least. In-process "
        "CPU ms leave out the database server's own work on PostgreSQL: read the wall ms there.",
        f"- Signed in once as {GROUP_SENIOR}, a senior over all {large['seed']['counts'].get('services', '?')} "
        f"services ({large['seed']['group_active']:,} active plans); hello-world and /healthz without a cookie.",
        "",
        "## Seed",
        "",
        "| plans | seed (s) | VACUUM ANALYZE (s) | command wall (s) | controls | actions | reviews | review entries | "
        "all rows |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in (small["seed"], large["seed"]):
        c = s["counts"]
        lines.append(
            f"| {s['plans']:,} | {s['seconds']:.1f} | {s.get('vacuum') or '—'} | {s['wall']:.1f} | "
            f"{c.get('interim_controls', 0):,} | "
            f"{c.get('actions', 0):,} | {c.get('reviews', 0):,} | {c.get('review_entries', 0):,} | "
            f"{sum(c.values()):,} |"
        )
    lines += [
        "",
        f"## Throughput and latency at {large['seed']['plans']:,} plans",
        "",
        "| endpoint | path | req/s | × hello | hello just before (req/s) | p50 ms | p95 ms | p99 ms | requests | "
        "errors | SQL / request | in-process ms / request: CPU, wall | load |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in large["load"].items():
        if r.get("state") != "ok":
            lines.append(f"| {name} | `{r['path']}` | {r['state']} | | | | | | | | | | |")
            continue
        ip = inproc.get(name, {})
        lines.append(
            f"| {name} | `{r['path']}` | {r['rps']:.1f} | {ratio_text(r, hello_rps)} | {hello_before(r)} | "
            f"{ms(r['p50_us'])} | {ms(r['p95_us'])} | {ms(r['p99_us'])} | {r['requests']:,} | {r['errors']} | "
            f"{ip.get('statements', '')} | {cpu_and_wall(ip)} | {r['load']:.2f} |"
        )
    rendered = large.get("rendered") or {}
    if rendered:
        rendered_hello = rendered.get("hello", {})
        rendered_hello_rps = rendered_hello.get("rps") if rendered_hello.get("state") == "ok" else None
        inproc_rendered = large["inprocess"].get("rendered", {})
        lines += [
            "",
            "## The same pages rendered on every request (page cache off)",
            "",
            "Above, the plan page and the register are served as kept after their first request "
            "(pip_app/page_cache.py), as they are until anything changes. Here another gunicorn with "
            "`PIP_PAGE_CACHE_BYTES=0` renders them on every request: the cost of each first view after a change.",
            "",
            "| endpoint | req/s | × hello | hello just before (req/s) | p50 ms | p99 ms | errors | SQL / request | "
            "in-process ms / request: CPU, wall |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, r in rendered.items():
            if r.get("state") != "ok":
                lines.append(f"| {name} | {r['state']} | | | | | | | |")
                continue
            ip = inproc_rendered.get(name, {})
            lines.append(
                f"| {name} | {r['rps']:.1f} | {ratio_text(r, rendered_hello_rps)} | {hello_before(r)} | "
                f"{ms(r['p50_us'])} | {ms(r['p99_us'])} | {r['errors']} | {ip.get('statements', '')} | "
                f"{cpu_and_wall(ip)} |"
            )
    lines += [
        "",
        f"## The same pages at {small['seed']['plans']:,} plans (growth)",
        "",
        "| endpoint | req/s at small | req/s at large | time per request, large ÷ small | "
        "SQL / request small → large | in-process CPU ms small → large | in-process wall ms small → large |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in small["load"].items():
        big = large["load"].get(name, {})
        if r.get("state") != "ok" or big.get("state") != "ok":
            lines.append(f"| {name} | {r.get('state')} | {big.get('state', '')} | | | | |")
            continue
        a, b = inproc_small.get(name, {}), inproc.get(name, {})
        lines.append(
            f"| {name} | {r['rps']:.1f} | {big['rps']:.1f} | {r['rps'] / big['rps']:.2f}× | "
            f"{a.get('statements', '')} → {b.get('statements', '')} | {a.get('cpu_ms', '')} → "
            f"{b.get('cpu_ms', '')} | {a.get('wall_ms', '')} → {b.get('wall_ms', '')} |"
        )
    lines += [
        "",
        f"## Closure PDF (median of {args.pdf_builds})",
        "",
        "| plan | reviews | download over HTTP, median ms | build only (load + data + PDF), median ms | "
        "CPU ms | size KiB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    builds = large["inprocess"].get("pdf", {})
    for name, r in large["pdf"].items():
        b = builds.get(name, {})
        if r.get("state") != "ok":
            lines.append(f"| {name} | | {r['state']} | | | |")
            continue
        lines.append(
            f"| {name} | {b.get('reviews', '')} | {r['median_ms']} | {b.get('median_ms', '')} | "
            f"{b.get('cpu_median_ms', '')} | {r['bytes'] / 1024:.0f} |"
        )
    lines += [
        "",
        "## Memory per gunicorn worker (after every endpoint above)",
        "",
        "| worker | peak RSS (VmHWM) MiB | RSS at the end MiB | of which private (RssAnon) | "
        "of which file-backed (RssFile) |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in large["memory"]:
        lines.append(
            f"| pid {row['pid']} | {row['peak_mib']} | {row['rss_mib']} | {row.get('anon_mib', '')} | "
            f"{row.get('file_mib', '')} |"
        )

    # Targets of issue #9.
    def ratio(name):
        return page_ratio(large["load"].get(name, {}), hello_rps)

    def p99(name):
        r = large["load"].get(name, {})
        return r["p99_us"] / 1000 if r.get("state") == "ok" else None

    def growth(name):
        a, b = small["load"].get(name, {}), large["load"].get(name, {})
        return a["rps"] / b["rps"] if a.get("state") == "ok" and b.get("state") == "ok" else None

    typical = large["pdf"].get("typical plan", {})
    checks = [
        ("Plan page ≥ 15% of hello-world throughput", ratio("plan page"), TARGET_PLAN_RATIO, ">=", "{:.1%}"),
        ("Register ≥ 12% of hello-world throughput", ratio("register"), TARGET_REGISTER_RATIO, ">=", "{:.1%}"),
        ("Plan page p99 < 100 ms at 8 connections", p99("plan page"), TARGET_P99_MS, "<", "{:.1f} ms"),
        ("Register p99 < 100 ms at 8 connections", p99("register"), TARGET_P99_MS, "<", "{:.1f} ms"),
        ("Register filtered p99 < 100 ms", p99("register filtered"), TARGET_P99_MS, "<", "{:.1f} ms"),
        (
            "Closure PDF median < 250 ms, typical plan (HTTP)",
            typical.get("median_ms") if typical.get("state") == "ok" else None,
            TARGET_PDF_MS,
            "<",
            "{:.1f} ms",
        ),
        (
            f"Register at {large['seed']['plans']:,} plans within 1.5× its time at {small['seed']['plans']:,}",
            growth("register"),
            TARGET_REGISTER_GROWTH,
            "<=",
            "{:.2f}×",
        ),
    ]
    lines += ["", "## Targets (issue #9)", "", "| target | measured | verdict |", "|---|---:|---|"]
    for label, value, target, op, fmt in checks:
        ok = (
            None
            if value is None
            else (value >= target if op == ">=" else value < target if op == "<" else value <= target)
        )
        lines.append(f"| {label} | {'n/a' if value is None else fmt.format(value)} | {verdict(ok)} |")
    lines += ["", f"Reproduce: `.venv/bin/python bench/run.py --db {kind}` (see bench/README.md).", ""]
    return "\n".join(lines)


def _interrupted(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--plans", type=int, default=10_000)
    parser.add_argument("--small-plans", type=int, default=100)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per endpoint")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pdf-builds", type=int, default=20)
    parser.add_argument(
        "--baseline-duration",
        type=int,
        default=3,
        help="seconds of hello-world measured again just before each endpoint",
    )
    parser.add_argument("--tree", type=Path, default=ROOT, help="the source tree to measure (default: this one)")
    parser.add_argument("--out", type=Path, default=BENCH / "results")
    parser.add_argument("--tag", default="", help="added to the result file name, e.g. 'proposed'")
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=0.0,
        help="first wait for the 1-minute load average to fall below this (see --max-wait)",
    )
    parser.add_argument("--max-wait", type=int, default=300, help="seconds --wait-idle waits at most")
    args = parser.parse_args(argv)
    # Stopped by SIGTERM or SIGINT (even in the background, where a shell ignores SIGINT): unwind,
    # so gunicorn is stopped and the databases are dropped.
    signal.signal(signal.SIGTERM, _interrupted)
    signal.signal(signal.SIGINT, _interrupted)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    tree = args.tree.resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for kind in kinds:
        if args.wait_idle:
            deadline = time.time() + args.max_wait
            while loadavg() > args.wait_idle and time.time() < deadline:
                log(f"waiting for the machine to settle (load {loadavg():.2f})")
                time.sleep(15)
        started, load_start = datetime.now(UTC), loadavg()
        info = machine(kind, tree)
        small = measure(kind, tree, "small", args.small_plans, args, small=True)
        large = measure(kind, tree, "large", args.plans, args, small=False)
        report = render(kind, info, small, large, args, started, (load_start, loadavg()))
        name = f"{started:%Y-%m-%d}-{kind}{'-' + args.tag if args.tag else ''}"
        (args.out / f"{name}.md").write_text(report)
        (args.out / f"{name}.json").write_text(
            json.dumps(
                {"machine": info, "small": small, "large": large, "args": {k: str(v) for k, v in vars(args).items()}},
                indent=1,
                default=str,
            )
        )
        print(report)
        log(f"wrote {args.out / (name + '.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
